package experiments

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potau/potau/reports"
	"github.com/potau/potau/results"
)

// alphaConfig is the tiny pipeline with α searched (attack-block leakage;
// the audit is off).
const alphaConfig = `name: alpha-auto
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
  methods: [D2D, D2D-R]
  steps: 10
  lr: 0.01
  alpha: auto
  alpha_evals: 5
  alpha_min: 1.0e-4
  alpha_max: 1.0
attack:
  attackers: [gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 5}
`

// TestPipelineAlphaAuto: the D2D-R record carries the search (at most
// alpha_evals α, in increasing order, HR@10 measured on test since the
// split has no validation set, the record's α the chosen one, which is the
// best tried under the rule of searchAlpha); D2D (no α) has none; a rerun
// is served from the cache with the same bytes; the report draws the
// frontier.
func TestPipelineAlphaAuto(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alpha.yaml")
	if err := os.WriteFile(cfg, []byte(alphaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func() []byte {
		spec, err := LoadSpec(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "out"), CacheDir: filepath.Join(dir, "cache"), Jobs: 2})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, r := range recs {
			s := r.AlphaSearch
			if r.Method != "D2D-R" {
				if s != nil {
					t.Errorf("%s has an α search", r.Method)
				}
				continue
			}
			found = true
			if s == nil {
				t.Fatal("D2D-R has no α search")
			}
			if len(s.Tried) == 0 || len(s.Tried) > 5 || s.Split != "test" || s.Leakage != "attack" || r.Alpha != s.Chosen {
				t.Fatalf("search %+v, record α %v", s, r.Alpha)
			}
			best := -1
			for i, e := range s.Tried {
				if i > 0 && !(e.Alpha > s.Tried[i-1].Alpha) {
					t.Errorf("tried α not increasing: %+v", s.Tried)
				}
				if e.Alpha < 1e-4*(1-1e-12) || e.Alpha > 1+1e-12 {
					t.Errorf("α %v outside [alpha_min, alpha_max]", e.Alpha)
				}
				if e.Alpha == s.Chosen {
					best = i
				}
			}
			if best < 0 {
				t.Fatalf("chosen α %v is not among those tried", s.Chosen)
			}
			c := s.Tried[best]
			for _, e := range s.Tried {
				if alphaObjective(alphaEval(e), s.HR10Original, s.MaxHRDrop) < alphaObjective(alphaEval(c), s.HR10Original, s.MaxHRDrop) {
					t.Errorf("α %v has a lower objective than the chosen %v", e.Alpha, c.Alpha)
				}
			}
			t.Logf("original HR@10 %.4f; tried %+v; chose %g (feasible %v)", s.HR10Original, s.Tried, s.Chosen, s.Feasible)
		}
		if !found {
			t.Fatal("no D2D-R record")
		}
		b, err := os.ReadFile(filepath.Join(dir, "out", "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// The resolved config says auto, not the placeholder α = 0.
	spec, err := LoadSpec(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	base, err := spec.Base()
	if err != nil {
		t.Fatal(err)
	}
	canon, err := base.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(canon), "alpha: auto") || strings.Contains(string(canon), "alpha: 0\n") {
		t.Errorf("canonical config:\n%s", canon)
	}
	want := run()
	if got := run(); !bytes.Equal(got, want) {
		t.Fatal("the rerun changed metrics.jsonl")
	}
	recs, err := results.ReadJSONL(filepath.Join(dir, "out", "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	figs, err := reports.Plots(filepath.Join(dir, "fig"), recs, filepath.Join(dir, "out"), reports.Options{Formats: []string{"svg"}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range figs {
		if strings.HasPrefix(f.Name, "frontier") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d frontier figures, want 1", n)
	}
}
