package experiments

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/potau/potau/results"
)

// tinyConfig is the whole pipeline at toy scale: every method, both
// attackers, a two-value α sweep, in a few seconds.
const tinyConfig = `name: tiny
seed: 3
data:
  name: synthetic
  synthetic: {users: 160, items: 220, interactions: 5200, min_per_user: 12}
  split: {negatives: 49}
model:
  kind: mf
  dim: 8
  epochs: 2
  batch_size: 512
  selection: test
unlearn:
  methods: [U2U, D2D-R, adv, retrain]
  steps: 20
attack:
  attackers: [mlp, gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 5}
  mlp: {max_iter: 30}
export:
  embeddings: true
sweep:
  unlearn.alpha: [1.0e-4, 1.0e-2]
`

func runTiny(t *testing.T, dir, cache string, jobs int, ctx context.Context) ([]results.Record, error) {
	t.Helper()
	cfg := filepath.Join(dir, "tiny.yaml")
	if err := os.WriteFile(cfg, []byte(tinyConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := LoadSpec(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "out"), CacheDir: cache, Jobs: jobs})
}

func readResults(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "out", "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPipelineCacheJobsAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	// 1. A full run, --jobs 1.
	d1 := t.TempDir()
	recs, err := runTiny(t, d1, filepath.Join(d1, "cache"), 1, ctx)
	if err != nil {
		t.Fatal(err)
	}
	// original + U2U + D2D-R×2 + adv + retrain; original, U2U, adv and
	// retrain do not depend on α and appear once.
	if len(recs) != 6 {
		for _, r := range recs {
			t.Logf("%s %s alpha=%g", r.Model, r.Method, r.Alpha)
		}
		t.Fatalf("got %d records, want 6", len(recs))
	}
	for _, r := range recs {
		if r.Rec["hr@10"] <= 0 || r.Attack["mlp"]["auc"].Mean <= 0 || r.Attack["gbdt"]["auc"].Mean <= 0 {
			t.Fatalf("record %s lacks metrics: %+v %+v", r.Method, r.Rec, r.Attack)
		}
	}
	want := readResults(t, d1)

	// 2. The rerun comes from the cache with identical bytes.
	if _, err := runTiny(t, d1, filepath.Join(d1, "cache"), 1, ctx); err != nil {
		t.Fatal(err)
	}
	if got := readResults(t, d1); !bytes.Equal(got, want) {
		t.Fatal("cached rerun changed metrics.jsonl")
	}

	// The dry run of a finished grid lists every stage as cached.
	var dry bytes.Buffer
	spec, err := LoadSpec(filepath.Join(d1, "tiny.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, spec, RunOptions{Out: filepath.Join(d1, "out"), CacheDir: filepath.Join(d1, "cache"), DryRun: true, Stdout: &dry}); err != nil {
		t.Fatal(err)
	}
	if out := dry.String(); !strings.Contains(out, "2 cell(s)") || strings.Contains(out, "=todo") || strings.Count(out, "attack=cached") != 10 {
		t.Fatalf("dry run of a finished grid:\n%s", out)
	}

	// 3. --jobs 2 with GOMAXPROCS 1 from scratch gives the same bytes.
	prev := runtime.GOMAXPROCS(1)
	d2 := t.TempDir()
	_, err = runTiny(t, d2, filepath.Join(d2, "cache"), 2, ctx)
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if got := readResults(t, d2); !bytes.Equal(got, want) {
		t.Fatal("--jobs 2 / GOMAXPROCS 1 changed metrics.jsonl")
	}

	// 4. An interrupted run leaves only complete stages and resumes to the
	// same bytes. Cancel as soon as the first stage is published.
	d3 := t.TempDir()
	cache := filepath.Join(d3, "cache")
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for cctx.Err() == nil {
			if m, _ := filepath.Glob(filepath.Join(cache, "train", "*", "meta.json")); len(m) > 0 {
				cancel()
				return
			}
			runtime.Gosched()
		}
	}()
	_, err = runTiny(t, d3, cache, 2, cctx)
	cancel()
	<-done
	if err == nil {
		t.Log("run finished before it could be interrupted")
	} else if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d3, "out", "metrics.jsonl")); err == nil && !bytes.Equal(readResults(t, d3), want) {
		t.Fatal("an interrupted run left a partial metrics.jsonl")
	}
	if _, err := runTiny(t, d3, cache, 1, ctx); err != nil {
		t.Fatal(err)
	}
	if got := readResults(t, d3); !bytes.Equal(got, want) {
		t.Fatal("resumed run differs from the uninterrupted one")
	}
	if tmp, _ := filepath.Glob(filepath.Join(cache, "*", ".tmp-*")); len(tmp) > 0 {
		t.Fatalf("temporary stage folders left behind: %v", tmp)
	}
}
