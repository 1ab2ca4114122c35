package experiments

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/potau/potau/results"
)

// auditConfig is a toy LightGCN run with the audit on every representation.
const auditConfig = `name: audit
seed: 5
data:
  name: synthetic
  synthetic: {users: 160, items: 220, interactions: 5200, min_per_user: 12}
  split: {negatives: 49}
model:
  kind: lightgcn
  dim: 8
  epochs: 2
  batch_size: 512
  selection: test
unlearn:
  methods: [D2D-R]
  steps: 20
attack:
  attackers: [mlp, gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 5}
  mlp: {max_iter: 30}
audit:
  enabled: true
  attackers: [logreg, knn]
  permutations: 4
  null: [knn]
`

func runAudit(t *testing.T, dir, cache string, jobs int) []results.Record {
	t.Helper()
	cfg := filepath.Join(dir, "audit.yaml")
	if err := os.WriteFile(cfg, []byte(auditConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := LoadSpec(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := Run(context.Background(), spec, RunOptions{Out: filepath.Join(dir, "out"), CacheDir: cache, Jobs: jobs})
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestAuditRecords runs the audit through the pipeline and checks the
// records: every representation of LightGCN, every attacker plain and
// nested, nulls only where configured, and a leakage that is recomputed
// here from the record's own audit and attack blocks (the largest mean AUC
// of all of them). A second run on a fresh cache with another --jobs gives
// byte-identical metrics.
func TestAuditRecords(t *testing.T) {
	d1, d2 := t.TempDir(), t.TempDir()
	recs := runAudit(t, d1, filepath.Join(d1, "cache"), 2)
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	wantAtt := []string{"knn", "knn+nested", "logreg", "logreg+nested"}
	for _, r := range recs {
		var reps []string
		for rep := range r.Audit {
			reps = append(reps, rep)
		}
		slices.Sort(reps)
		if !slices.Equal(reps, []string{"ego", "propagated", "recommendations"}) {
			t.Fatalf("%s: audited %v", r.Method, reps)
		}
		best, who, where := -1.0, "", ""
		for _, rep := range reps {
			var atts []string
			for a, s := range r.Audit[rep] {
				atts = append(atts, a)
				if (s.Null95 != nil) != strings.HasPrefix(a, "knn") {
					t.Errorf("%s %s %s: null95 %v, want one for knn only", r.Method, rep, a, s.Null95)
				}
				if !(s.AUC.Mean >= 0 && s.AUC.Mean <= 1) {
					t.Errorf("%s %s %s: AUC %v", r.Method, rep, a, s.AUC.Mean)
				}
				if s.AUC.Mean > best {
					best, who, where = s.AUC.Mean, a, rep
				}
			}
			slices.Sort(atts)
			if !slices.Equal(atts, wantAtt) {
				t.Fatalf("%s %s: attackers %v, want %v", r.Method, rep, atts, wantAtt)
			}
		}
		for a, m := range r.Attack {
			if m["auc"].Mean > best {
				best, who, where = m["auc"].Mean, a, "ego"
			}
		}
		if r.Leakage == nil || r.Leakage.AUC != best || r.Leakage.Attacker != who || r.Leakage.Representation != where {
			t.Errorf("%s: leakage %+v, want %v by %s on %s", r.Method, r.Leakage, best, who, where)
		}
		if r.TimeS["audit"] <= 0 {
			t.Errorf("%s: no audit time", r.Method)
		}
	}
	runAudit(t, d2, filepath.Join(d2, "cache"), 1)
	a, err1 := os.ReadFile(filepath.Join(d1, "out", "metrics.jsonl"))
	b, err2 := os.ReadFile(filepath.Join(d2, "out", "metrics.jsonl"))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if !bytes.Equal(a, b) {
		t.Error("metrics differ between --jobs 2 and --jobs 1 on fresh caches")
	}
}

// TestAuditConfigErrors: a representation the model lacks, or
// recommendations with no attacker that takes a sparse table, is a config
// error naming the key.
func TestAuditConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		sets []string
		want string
	}{
		{[]string{"model.kind=mf", "audit.representations=[gmf]"}, `audit.representations[0]: model mf has no representation "gmf" (it has: user, recommendations)`},
		{[]string{"model.kind=neumf", "audit.representations=[gmf, gmf]"}, `audit.representations[1]: "gmf" is listed twice`},
		{[]string{"audit.enabled=true", "audit.attackers=[mlp]"}, "audit.attackers: the recommendations representation is attacked by logreg and knn only"},
		{[]string{"audit.attackers=[svm]"}, `audit.attackers[0]: must be one of`},
		{[]string{"audit.permutations=1"}, `audit.permutations: must be 0 (no null) or >= 2`},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(cfg, []byte("name: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(cfg, tc.sets)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want it to contain %q", tc.sets, err, tc.want)
		}
	}
	// Without recommendations, mlp alone is a valid audit.
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte("name: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadConfig(cfg, []string{"audit.enabled=true", "audit.attackers=[mlp]", "audit.representations=[user]"}); err != nil {
		t.Errorf("mlp on the user table: %v", err)
	}
}

// TestAuditRepresentationsUnderKindSweep: a config whose sweep sets
// model.kind names the representations of the swept kinds; the file's own
// model.kind (MF here) has none of them. Its base (the first cell) is valid,
// so the run does not fail at the report after computing, and a cell whose
// kind lacks a listed representation is refused before computing.
func TestAuditRepresentationsUnderKindSweep(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"ok.yaml":  "model: {kind: mf}\naudit: {representations: [gmf, mlp-tower]}\nsweep: {model.kind: [neumf]}\n",
		"bad.yaml": "model: {kind: mf}\naudit: {representations: [gmf]}\nsweep: {model.kind: [neumf, lightgcn]}\n",
	})
	for _, f := range []string{"ok.yaml", "bad.yaml"} {
		spec, err := LoadSpec(filepath.Join(dir, f), nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		base, err := spec.Base()
		if err != nil {
			t.Errorf("%s: the base config: %v", f, err)
		} else if base.Model.Kind != "neumf" {
			t.Errorf("%s: the base config is model.kind %s, want the first cell's neumf", f, base.Model.Kind)
		}
		_, err = spec.Cells()
		if want := f == "bad.yaml"; (err != nil) != want || want && !strings.Contains(err.Error(), `audit.representations[0]: model lightgcn has no representation "gmf"`) {
			t.Errorf("%s: cells: %v", f, err)
		}
	}
}
