package experiments

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/potau/potau/unlearning"
)

// TestCellKeysTarget: unlearn.target changes the table key of exactly the
// post-training methods on the models whose served side is not their table
// (NeuMF, LightGCN); for MF and the other methods it is no part of any key,
// and "table" leaves the settings' JSON as it was before the target existed
// (so the cache keys of table runs are unchanged).
func TestCellKeysTarget(t *testing.T) {
	const sum = "data-checksum"
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		c := DefaultConfig(kind)
		c.Unlearn.Methods = nil
		for _, m := range unlearning.Listable {
			c.Unlearn.Methods = append(c.Unlearn.Methods, m.String())
		}
		s := c
		s.Unlearn.Target = "served"
		for _, m := range c.Unlearn.RunMethods() {
			b, _ := json.Marshal(c.Unlearn.ForModel(m, kind))
			if strings.Contains(string(b), "target") {
				t.Errorf("%s/%v: table settings mention the target: %s", kind, m, b)
			}
			want := kind != "mf" && m.Kind() == unlearning.KindPostTraining
			if changed := !reflect.DeepEqual(cellKeys(&c, sum, m), cellKeys(&s, sum, m)); changed != want {
				t.Errorf("%s/%v: keys change with the target: %v, want %v", kind, m, changed, want)
			}
		}
	}
}

// servedConfig is the tiny pipeline on NeuMF and LightGCN with the table
// and served targets side by side.
const servedConfig = `name: served
seed: 3
data:
  name: synthetic
  synthetic: {users: 160, items: 220, interactions: 5200, min_per_user: 12}
  split: {negatives: 49}
model:
  dim: 8
  epochs: 2
  batch_size: 512
  selection: test
unlearn:
  methods: [D2D-R]
  steps: 10
  alpha: 1.0e-3
attack:
  attackers: [gbdt]
  folds: 3
  repeats: 1
  gbdt: {n_estimators: 5}
audit: {enabled: true, attackers: [logreg], nested: false, permutations: 0, null: []}
export:
  embeddings: true
sweep:
  model.kind: [neumf, lightgcn]
  unlearn.target: [table, served]
`

// TestPipelineServed runs D2D-R with both targets: a served record says so
// and differs from the table record, the served model is rebuilt from the
// cache (served.npy) to the same bytes, and --jobs 2 under GOMAXPROCS 1
// gives the same metrics.jsonl.
func TestPipelineServed(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	run := func(dir string, jobs int) []byte {
		t.Helper()
		cfg := filepath.Join(dir, "served.yaml")
		if err := os.WriteFile(cfg, []byte(servedConfig), 0o644); err != nil {
			t.Fatal(err)
		}
		spec, err := LoadSpec(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := Run(ctx, spec, RunOptions{Out: filepath.Join(dir, "out"), CacheDir: filepath.Join(dir, "cache"), Jobs: jobs})
		if err != nil {
			t.Fatal(err)
		}
		audit := map[string]string{}
		for _, r := range recs {
			if r.Method != "D2D-R" {
				if r.Target != "" {
					t.Errorf("%s %s has target %q", r.Model, r.Method, r.Target)
				}
				continue
			}
			if want := r.Sweep["unlearn.target"]; (r.Target == "served") != (want == "served") {
				t.Errorf("%s D2D-R of cell %v: target %q", r.Model, want, r.Target)
			}
			// The audit reads every representation, the ones served
			// changes beyond the table too.
			b, _ := json.Marshal(r.Audit)
			audit[r.Model+"/"+r.Target] = string(b)
		}
		for _, kind := range []string{"neumf", "lightgcn"} {
			if audit[kind+"/"] == audit[kind+"/served"] {
				t.Errorf("%s: served and table D2D-R give the same audit %v", kind, audit[kind+"/"])
			}
		}
		b, err := os.ReadFile(filepath.Join(dir, "out", "metrics.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	d1 := t.TempDir()
	want := run(d1, 1)
	if err := os.Remove(filepath.Join(d1, "out", "metrics.jsonl")); err != nil {
		t.Fatal(err)
	}
	if got := run(d1, 1); !bytes.Equal(got, want) {
		t.Fatal("the rerun from the cache changed metrics.jsonl")
	}
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	if got := run(t.TempDir(), 2); !bytes.Equal(got, want) {
		t.Fatal("--jobs 2 / GOMAXPROCS 1 changed metrics.jsonl")
	}
}

// TestServedRepresentationsKeys: the served representations are part of a
// served cell's table key, resolved against the model (an empty list and
// the model's default give one key; another list another), no part of MF's
// or of a table run's key; and a representation the model does not serve,
// or the key without target: served, is refused naming the key.
func TestServedRepresentationsKeys(t *testing.T) {
	const sum = "data-checksum"
	key := func(kind string, reps []string) string {
		c := DefaultConfig(kind)
		c.Unlearn.Target, c.Unlearn.ServedRepresentations = "served", reps
		return cellKeys(&c, sum, unlearning.MethodD2DR).table
	}
	if key("neumf", nil) != key("neumf", []string{"gmf", "concat"}) {
		t.Error("neumf: the default and its explicit list give different keys")
	}
	if key("neumf", nil) == key("neumf", []string{"concat"}) {
		t.Error("neumf: [concat] (what served read before the list existed) and the new default give one key")
	}
	if key("lightgcn", nil) == key("lightgcn", []string{"ego", "propagated"}) {
		t.Error("lightgcn: [ego, propagated] and the default give one key")
	}
	// What served read before the list existed names no list in the key.
	for kind, before := range map[string][]string{"neumf": {"concat"}, "lightgcn": {"propagated"}} {
		c := DefaultConfig(kind)
		c.Unlearn.Target, c.Unlearn.ServedRepresentations = "served", before
		if b, _ := json.Marshal(c.Unlearn.ForModel(unlearning.MethodD2DR, kind)); strings.Contains(string(b), "served_representations") {
			t.Errorf("%s %v: the settings name the list: %s", kind, before, b)
		}
	}
	if key("mf", nil) != key("mf", []string{"user"}) {
		t.Error("mf: served_representations changes the key of a model whose served side is its table")
	}
	for _, tc := range []struct{ body, want string }{
		{"model: {kind: neumf}\nunlearn: {target: served, served_representations: [gmf, ego]}\n", "unlearn.served_representations[1]: model neumf has no served representation \"ego\" (it has: gmf, mlp-tower, concat)"},
		{"model: {kind: lightgcn}\nunlearn: {target: served, served_representations: [recommendations]}\n", "unlearn.served_representations[0]: model lightgcn has no served representation \"recommendations\""},
		{"model: {kind: neumf}\nunlearn: {served_representations: [gmf]}\n", "unlearn.served_representations: is read only with target: served"},
		{"model: {kind: neumf}\nunlearn: {target: served, served_representations: [gmf, gmf]}\n", "unlearn.served_representations[1]: \"gmf\" is listed twice"},
	} {
		dir := writeFiles(t, map[string]string{"c.yaml": tc.body})
		_, err := LoadConfig(filepath.Join(dir, "c.yaml"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.body, err, tc.want)
		}
	}
	// A sweep over model.kind: the base config (model.kind at MF's
	// default, which reads no list) is valid, and each cell is checked
	// against its own kind.
	dir := writeFiles(t, map[string]string{
		"ok.yaml":  "unlearn: {target: served, served_representations: [ego, propagated]}\nsweep: {model.kind: [lightgcn]}\n",
		"bad.yaml": "unlearn: {target: served, served_representations: [ego]}\nsweep: {model.kind: [lightgcn, neumf]}\n",
	})
	for _, f := range []string{"ok.yaml", "bad.yaml"} {
		spec, err := LoadSpec(filepath.Join(dir, f), nil)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := spec.Base(); err != nil {
			t.Errorf("%s: the base config: %v", f, err)
		}
		_, err = spec.Cells()
		if want := f == "bad.yaml"; (err != nil) != want || want && !strings.Contains(err.Error(), `model neumf has no served representation "ego"`) {
			t.Errorf("%s: cells: %v", f, err)
		}
	}
}
