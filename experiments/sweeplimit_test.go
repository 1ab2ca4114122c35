package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// axes returns a sweep block of n axes of k integer values each (seed
// values are distinct per axis, so the cells differ).
func axes(n, k int) string {
	var b strings.Builder
	b.WriteString("sweep:\n")
	paths := []string{"seed", "model.dim", "model.epochs", "model.batch_size", "unlearn.steps", "unlearn.alpha", "unlearn.lr",
		"attack.folds", "attack.repeats", "model.lr", "model.negatives", "data.split.negatives", "attack.gbdt.n_estimators",
		"attack.mlp.max_iter", "model.layers", "data.filter.user_core", "data.filter.item_core", "data.synthetic.users",
		"data.synthetic.items", "data.synthetic.interactions"}
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  %s: [", paths[i])
		for j := 0; j < k; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%d", j+1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestSweepLimit: the grid is counted with overflow checks and refused
// above sweep_limit with an error naming the axes and the exact count.
func TestSweepLimit(t *testing.T) {
	cases := []struct {
		name, body string
		want       []string // empty: accepted
		size       int
	}{
		{"10^20 cells", "name: x\n" + axes(20, 10), []string{"c.yaml:2: sweep:", "100000000000000000000 cells", "seed (10) × model.dim (10)", "sweep_limit 10000"}, 0},
		{"3^20 cells", axes(20, 3), []string{"c.yaml:1:", "3486784401 cells", "data.synthetic.interactions (3)"}, 0},
		{"default limit", axes(2, 101), []string{"10201 cells", "more than sweep_limit 10000"}, 0},
		{"at the default limit", axes(4, 10), nil, 10000},
		{"lowered limit", "sweep_limit: 24\n" + axes(2, 5), []string{"25 cells", "sweep_limit 24"}, 0},
		{"raised limit", "sweep_limit: 20000\n" + axes(2, 101), nil, 10201},
		{"limit not an integer", "sweep_limit: many\n", []string{"c.yaml:1: sweep_limit: expected a positive integer", `"many"`}, 0},
		{"limit zero", "sweep_limit: 0\n", []string{"c.yaml:1: sweep_limit"}, 0},
		{"limit a float", "sweep_limit: 1.5e4\n", []string{"c.yaml:1: sweep_limit"}, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"c.yaml": c.body})
			sp, err := LoadSpec(filepath.Join(dir, "c.yaml"), nil)
			if c.want == nil {
				if err != nil || sp.Size != c.size {
					t.Fatalf("err %v, size %v, want %d cells", err, sp, c.size)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%T), want a *ConfigError", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
	// --set sweep_limit works like the key.
	dir := writeFiles(t, map[string]string{"c.yaml": axes(2, 101)})
	if sp, err := LoadSpec(filepath.Join(dir, "c.yaml"), []string{"sweep_limit=10201"}); err != nil || sp.Size != 10201 {
		t.Fatalf("--set sweep_limit: %v", err)
	}
}

// heapWriter samples the live heap (after a collection) when the dry run
// prints its cell number mark.
type heapWriter struct {
	mark string
	heap uint64
	buf  bytes.Buffer
}

func (w *heapWriter) Write(p []byte) (int, error) {
	if w.heap == 0 && bytes.HasPrefix(p, []byte(w.mark)) {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		w.heap = ms.HeapAlloc
	}
	return len(p), nil
}

// TestDryRunStreamsCells: a dry run keeps one cell at a time. At cell 3,000
// of a 4,000-cell grid the live heap must not hold the cells seen so far: a
// resolved cell takes about 1.5 kB (measured: holding them all grew the
// heap by 15 MB for 10,100 cells), so holding 3,000 or more is ≥ 4.5 MB,
// above the 3 MB bound; streaming needs a fixed amount plus a checksum per
// distinct data set (one here).
func TestDryRunStreamsCells(t *testing.T) {
	if testing.Short() {
		t.Skip("4,000-cell dry run")
	}
	var b strings.Builder
	b.WriteString("data:\n  name: synthetic\n  synthetic: {users: 60, items: 80, interactions: 900, min_per_user: 5}\n  split: {negatives: 20}\nunlearn:\n  methods: []\nsweep:\n  unlearn.steps: [")
	for i := 1; i <= 39; i++ {
		fmt.Fprintf(&b, "%d, ", i)
	}
	b.WriteString("40]\n  model.epochs: [")
	for i := 1; i <= 99; i++ {
		fmt.Fprintf(&b, "%d, ", i)
	}
	b.WriteString("100]\n")
	dir := writeFiles(t, map[string]string{"c.yaml": b.String()})
	sp, err := LoadSpec(filepath.Join(dir, "c.yaml"), []string{"sweep_limit=4000"})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	w := &heapWriter{mark: "cell 3000 "}
	if _, err := Run(context.Background(), sp, RunOptions{Out: filepath.Join(dir, "out"), CacheDir: filepath.Join(dir, "cache"), DryRun: true, Stdout: w}); err != nil {
		t.Fatal(err)
	}
	if w.heap == 0 {
		t.Fatal("the dry run never printed cell 5000")
	}
	grow := int64(w.heap) - int64(base)
	t.Logf("live heap grew by %d bytes", grow)
	if grow > 3<<20 {
		t.Fatalf("live heap grew by %.1f MB by cell 3000 of %d", float64(grow)/(1<<20), sp.Size)
	}
}
