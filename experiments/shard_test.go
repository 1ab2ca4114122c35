package experiments

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/potau/potau/internal/progress"
	"github.com/potau/potau/unlearning"
)

func TestParseShard(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	none := env()
	cases := []struct {
		in     string
		getenv func(string) string
		want   Shard
		errHas string // "" = no error
	}{
		{"", none, Shard{}, ""},
		{"0/1", none, Shard{0, 1}, ""},
		{"2/4", none, Shard{2, 4}, ""},
		{" 3 / 4 ", none, Shard{3, 4}, ""},
		{"3/2", none, Shard{}, "0..1"},
		{"4/4", none, Shard{}, "0..3"},
		{"-1/4", none, Shard{}, "0..3"},
		{"0/0", none, Shard{}, "at least 1"},
		{"1", none, Shard{}, "expected I/N"},
		{"a/b", none, Shard{}, "two integers"},
		{"slurm", none, Shard{}, "SLURM_ARRAY_TASK_ID is not set"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "1"), Shard{}, "SLURM_ARRAY_TASK_COUNT is not set"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "2", "SLURM_ARRAY_TASK_COUNT", "4"), Shard{2, 4}, ""},
		// --array=1-4: ids 1..4, MIN 1.
		{"slurm", env("SLURM_ARRAY_TASK_ID", "4", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "1"), Shard{3, 4}, ""},
		// --array=0-12:4: ids 0, 4, 8, 12.
		{"slurm", env("SLURM_ARRAY_TASK_ID", "8", "SLURM_ARRAY_TASK_COUNT", "4", "SLURM_ARRAY_TASK_MIN", "0", "SLURM_ARRAY_TASK_STEP", "4"), Shard{2, 4}, ""},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "5", "SLURM_ARRAY_TASK_COUNT", "4"), Shard{}, "does not fit"},
		{"slurm", env("SLURM_ARRAY_TASK_ID", "x", "SLURM_ARRAY_TASK_COUNT", "4"), Shard{}, "not a non-negative integer"},
	}
	for _, c := range cases {
		got, err := ParseShard(c.in, c.getenv)
		if c.errHas == "" {
			if err != nil || got != c.want {
				t.Errorf("ParseShard(%q) = %v, %v; want %v", c.in, got, err, c.want)
			}
			continue
		}
		var se *ShardError
		if !errors.As(err, &se) || !strings.Contains(err.Error(), c.errHas) {
			t.Errorf("ParseShard(%q) error %v; want a ShardError containing %q", c.in, err, c.errHas)
		}
	}
	// Every cell belongs to exactly one shard, and shard sizes differ by at
	// most one.
	for n := 1; n <= 5; n++ {
		sizes := make([]int, n)
		for i := 0; i < 17; i++ {
			owners := 0
			for s := 0; s < n; s++ {
				if (Shard{s, n}).Has(i) {
					owners++
					sizes[s]++
				}
			}
			if owners != 1 {
				t.Fatalf("cell %d belongs to %d of %d shards", i, owners, n)
			}
		}
		sort.Ints(sizes)
		if sizes[n-1]-sizes[0] > 1 {
			t.Errorf("%d shards of 17 cells: sizes %v", n, sizes)
		}
	}
}

// shardConfig is a six-cell grid (3 α × 2 seeds) at toy scale: cells share
// trained models (one per seed) across shards.
const shardConfig = `name: shards
seed: 1
data:
  name: synthetic
  synthetic: {users: 160, items: 220, interactions: 5200, min_per_user: 12}
  split: {negatives: 49}
model: {kind: mf, dim: 8, epochs: 2, batch_size: 512, selection: test}
unlearn: {methods: [D2D-R], steps: 10}
attack:
  attackers: [gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 5}
export: {embeddings: true}
sweep:
  unlearn.alpha: [1.0e-4, 1.0e-3, 1.0e-2]
  seed: [1, 2]
`

func loadShardSpec(t *testing.T, dir string) *Spec {
	t.Helper()
	cfg := filepath.Join(dir, "shards.yaml")
	if err := os.WriteFile(cfg, []byte(shardConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := LoadSpec(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

var computingRE = regexp.MustCompile(`computing stage (\S+)`)

// computedStages returns the stage keys a progress log says were computed.
func computedStages(log string) []string {
	var out []string
	for _, m := range computingRE.FindAllStringSubmatch(log, -1) {
		out = append(out, m[1])
	}
	return out
}

func cacheEntries(t *testing.T, cache string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(cache, "*", "*", manifestName))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

// Sharded runs of N = 1, 3 and 4 shards, then collect, give the
// single-machine metrics.jsonl byte for byte; every stage is computed once
// over the shards; collect computes nothing, and fails naming the missing
// cells and their shards while some shard has not run.
func TestShardsCollectEqualSingleRun(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	spec := loadShardSpec(t, dir)
	if _, err := Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "single"), CacheDir: filepath.Join(dir, "single-cache")}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "single", "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	entries := cacheEntries(t, filepath.Join(dir, "single-cache"))
	for _, n := range []int{1, 3, 4} {
		cache := filepath.Join(dir, fmt.Sprintf("cache%d", n))
		out := filepath.Join(dir, fmt.Sprintf("out%d", n))
		var computed []string
		for i := 0; i < n; i++ {
			var log, summary bytes.Buffer
			_, err := Run(ctx, spec, RunOptions{Out: out, CacheDir: cache, Shard: Shard{i, n}, Progress: progress.New(&log, false), Stdout: &summary})
			if err != nil {
				t.Fatalf("shard %d/%d: %v", i, n, err)
			}
			if !strings.HasPrefix(summary.String(), fmt.Sprintf("shard %d/%d: ", i, n)) {
				t.Errorf("shard %d/%d summary: %q", i, n, summary.String())
			}
			computed = append(computed, computedStages(log.String())...)
			if _, err := os.Stat(filepath.Join(out, "metrics.jsonl")); err == nil {
				t.Fatalf("shard %d/%d wrote metrics.jsonl: only collect writes records", i, n)
			}
		}
		if len(computed) != entries {
			t.Errorf("N=%d: %d stages computed over the shards, want each of the %d stages once", n, len(computed), entries)
		}
		var log bytes.Buffer
		if _, err := Run(ctx, spec, RunOptions{Out: out, CacheDir: cache, Collect: true, Shard: Shard{Count: n}, Progress: progress.New(&log, false)}); err != nil {
			t.Fatalf("collect N=%d: %v", n, err)
		}
		if c := computedStages(log.String()); len(c) != 0 {
			t.Errorf("collect computed %v", c)
		}
		got, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("N=%d: collected metrics.jsonl differs from the single-machine run's", n)
		}
	}

	// Only shard 0 of 3 has run: collect lists the cells of shards 1 and 2.
	cache := filepath.Join(dir, "partial-cache")
	if _, err := Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "partial"), CacheDir: cache, Shard: Shard{0, 3}}); err != nil {
		t.Fatal(err)
	}
	_, err = Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "partial"), CacheDir: cache, Collect: true, Shard: Shard{Count: 3}})
	var me *MissingCellsError
	if !errors.As(err, &me) {
		t.Fatalf("collect with missing cells: %v, want a MissingCellsError", err)
	}
	msg := err.Error()
	for _, s := range []string{"4 of 6 cell(s)", "cell 1 [unlearn.alpha=0.0001 seed=2] shard 1/3", "cell 5 [unlearn.alpha=0.01 seed=2] shard 2/3"} {
		if !strings.Contains(msg, s) {
			t.Errorf("missing-cells error lacks %q:\n%s", s, msg)
		}
	}
	if strings.Contains(msg, "cell 0 ") || strings.Contains(msg, "cell 3 ") {
		t.Errorf("missing-cells error lists a cell of shard 0:\n%s", msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "partial", "metrics.jsonl")); err == nil {
		t.Error("a failed collect wrote metrics.jsonl")
	}
}

// Four runners on one cache at once (each with its own singleflight, as
// four processes would be: flock excludes two opens of a lock file even in
// one process), plus dry runs meanwhile: all succeed, every stage is
// computed exactly once over the four, and each metrics.jsonl equals a
// single run's. scripts/concurrent-cache.sh does the same with processes.
func TestConcurrentRunsShareOneCache(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	spec := loadShardSpec(t, dir)
	if _, err := Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "single"), CacheDir: filepath.Join(dir, "single-cache")}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(dir, "single", "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	const procs = 4
	logs := make([]bytes.Buffer, procs)
	errs := make([]error, procs)
	var wg sync.WaitGroup
	for i := 0; i < procs; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = Run(ctx, spec, RunOptions{Out: filepath.Join(dir, fmt.Sprint("p", i)), CacheDir: cache, Progress: progress.New(&logs[i], false)})
		}(i)
	}
	done := make(chan struct{})
	dryErr := make(chan error, 1)
	go func() {
		defer close(dryErr)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "dry"), CacheDir: cache, DryRun: true}); err != nil {
				dryErr <- err
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	if err := <-dryErr; err != nil {
		t.Errorf("dry run during the runs: %v", err)
	}
	var all []string
	for i := 0; i < procs; i++ {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		all = append(all, computedStages(logs[i].String())...)
		got, err := os.ReadFile(filepath.Join(dir, fmt.Sprint("p", i), "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("run %d: metrics.jsonl differs from the single run's", i)
		}
	}
	seen := map[string]int{}
	for _, k := range all {
		seen[k]++
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("stage %s computed %d times", k, n)
		}
	}
	if entries := cacheEntries(t, cache); len(seen) != entries {
		t.Errorf("%d stages computed, %d cache entries", len(seen), entries)
	}
	if tmp, _ := filepath.Glob(filepath.Join(cache, "*", ".tmp-*")); len(tmp) > 0 {
		t.Errorf("temporary folders left: %v", tmp)
	}
}

// TestProgressCellsAndCache: every record's line names its cell as "cell k
// of N", the seed and α for a method that takes it, with a run ETA until the
// last; a second run says its stages came from the cache.
func TestProgressCellsAndCache(t *testing.T) {
	dir := t.TempDir()
	spec := loadShardSpec(t, dir)
	cache, out := filepath.Join(dir, "cache"), filepath.Join(dir, "out")
	var log1, log2 bytes.Buffer
	recs, err := Run(context.Background(), spec, RunOptions{Out: out, CacheDir: cache, Progress: progress.New(&log1, false)})
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(log1.String(), " records")
	if n < len(recs) {
		t.Errorf("%d record lines for %d records:\n%s", n, len(recs), log1.String())
	}
	if !regexp.MustCompile(`cell \d+ of \d+ .*seed \d+ done; \d+ of \d+ records, run ETA`).MatchString(log1.String()) {
		t.Errorf("no cell progress with ETA:\n%s", log1.String())
	}
	if strings.Contains(log1.String(), "from the cache") {
		t.Errorf("a first run into an empty cache says a stage came from it:\n%s", log1.String())
	}
	if _, err := Run(context.Background(), spec, RunOptions{Out: out, CacheDir: cache, Progress: progress.New(&log2, false)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log2.String(), "from the cache") || strings.Contains(log2.String(), "computing stage") {
		t.Errorf("second run: want stages from the cache and none computed:\n%s", log2.String())
	}
}

func TestCellProgressLine(t *testing.T) {
	c := &Cell{Values: []AxisValue{{Path: "seed", Value: 2}}}
	c.Config.Seed = 2
	c.Config.Unlearn.Alpha = 1e-4
	got := cellProgress(2, 6, c, unlearning.MethodD2DR, 5, 20, 50*time.Second)
	want := "cell 3 of 6 (seed=2): D2D-R α=0.0001 seed 2 done; 5 of 20 records, run ETA 2m30s"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := cellProgress(0, 1, &Cell{}, unlearning.MethodU2U, 3, 3, time.Second); strings.Contains(got, "α") || strings.Contains(got, "ETA") {
		t.Errorf("U2U, last record: %s (no α, no ETA)", got)
	}
	auto := &Cell{}
	auto.Config.Unlearn.AlphaAuto = true // Alpha is the placeholder 0
	if got := cellProgress(0, 1, auto, unlearning.MethodD2DR, 1, 1, time.Second); !strings.Contains(got, "D2D-R α=auto seed") {
		t.Errorf("alpha: auto: %s", got)
	}
}
