package experiments

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/reports"
	"github.com/potau/potau/results"
	"github.com/potau/potau/unlearning"
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

// TestDryRunAlphaAuto: before the run, a dry run lists the α search's
// bracket (its α known in advance, every stage todo) and the adaptive
// evaluations still to come; after it, the dry run replays the search from
// the cache to exactly the α the record tried and the chosen α's record
// stages, all cached; collect then writes the same metrics.jsonl as the run.
// With an evaluation's unlearn stage removed from the cache, collect
// refuses the cell.
func TestDryRunAlphaAuto(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "alpha.yaml")
	if err := os.WriteFile(cfg, []byte(alphaConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(dir, "cache")
	run := func(o RunOptions) ([]results.Record, error) {
		spec, err := LoadSpec(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		o.CacheDir = cache
		return Run(ctx, spec, o)
	}
	dry := func() string {
		var b bytes.Buffer
		if _, err := run(RunOptions{Out: filepath.Join(dir, "dry"), DryRun: true, Stdout: &b}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	alphaLines := func(out string) []string {
		var as []string
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], "α=") {
				as = append(as, f[0])
			}
		}
		return as
	}
	before := dry()
	t.Logf("before:\n%s", before)
	// alpha_evals 5: a bracket of 4 (1e-4, 1e-4·10^(4/3), …, 1), then 1 adaptive.
	if got, want := alphaLines(before), []string{"α=0.0001", "α=0.002154", "α=0.04642", "α=1"}; !slices.Equal(got, want) {
		t.Errorf("bracket α %q, want %q", got, want)
	}
	if !strings.Contains(before, "+ up to 1 adaptive evaluation(s)") || strings.Contains(before, "unlearn=cached") {
		t.Errorf("before the run:\n%s", before)
	}
	recs, err := run(RunOptions{Out: filepath.Join(dir, "out"), Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	var s *results.AlphaSearch
	for _, r := range recs {
		if r.Method == "D2D-R" {
			s = r.AlphaSearch
		}
	}
	after := dry()
	t.Logf("after:\n%s", after)
	var tried []string
	for _, e := range s.Tried {
		tried = append(tried, "α="+strconv.FormatFloat(e.Alpha, 'g', 4, 64))
	}
	got := alphaLines(after)
	slices.Sort(got)
	slices.Sort(tried)
	if !slices.Equal(got, tried) {
		t.Errorf("the dry run replays α %q, the record tried %q", got, tried)
	}
	if strings.Contains(after, "todo") || strings.Contains(after, "+ up to") ||
		!strings.Contains(after, "D2D-R α="+strconv.FormatFloat(s.Chosen, 'g', 4, 64)+" ") {
		t.Errorf("after the run:\n%s", after)
	}
	if _, err := run(RunOptions{Out: filepath.Join(dir, "collected"), Collect: true}); err != nil {
		t.Fatalf("collect: %v", err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "out", "metrics.jsonl"))
	b, _ := os.ReadFile(filepath.Join(dir, "collected", "metrics.jsonl"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Error("collect's metrics.jsonl differs from the run's")
	}
	// Drop the unlearn stage of the α tried last by the search.
	spec, err := LoadSpec(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := spec.Cells()
	if err != nil {
		t.Fatal(err)
	}
	c := cells[0].Config
	c.Unlearn.Alpha = s.Tried[len(s.Tried)-1].Alpha
	ds, _, err := datasets.Prepare(ctx, c.Data, c.Seed)
	if err != nil {
		t.Fatal(err)
	}
	k := cellKeys(&c, ds.Checksum, unlearning.MethodD2DR)
	if _, err := os.Stat(filepath.Join(cache, string(stageUnlearn), k.table)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(cache, string(stageUnlearn), k.table)); err != nil {
		t.Fatal(err)
	}
	_, err = run(RunOptions{Out: filepath.Join(dir, "collected2"), Collect: true})
	var me *MissingCellsError
	if !errors.As(err, &me) {
		t.Errorf("collect with a search evaluation missing: %v, want a MissingCellsError", err)
	}
}
