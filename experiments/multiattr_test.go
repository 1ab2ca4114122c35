package experiments

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potau/potau/unlearning"
)

// TestMultiAttributeConfig: several attributes are refused with the
// in-training baselines and with a named anchor, naming the key.
func TestMultiAttributeConfig(t *testing.T) {
	for _, tc := range []struct{ body, key string }{
		{"data: {name: ml-100k, attribute: [gender, age]}\nunlearn: {methods: [D2D, adv]}\n", "unlearn.methods[1]"},
		{"data: {name: ml-100k, attribute: [gender, age]}\nunlearn: {methods: [D2D], anchor: M}\n", "unlearn.anchor"},
		{"data: {name: ml-100k, attribute: [gender, gender]}\n", "data.attribute[1]"},
		{"data: {name: ml-100k, attribute: [gender, zip]}\n", "data.attribute[1]"},
		{"data: {name: ml-100k, attribute: [gender, 3]}\n", "data.attribute"},
	} {
		dir := t.TempDir()
		cfg := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(cfg, []byte(tc.body), 0o644); err != nil {
			t.Fatal(err)
		}
		spec, err := LoadSpec(cfg, nil)
		if err == nil {
			_, err = spec.Cells()
		}
		if err == nil || !strings.Contains(err.Error(), tc.key) {
			t.Errorf("%q: error %v, want one naming %s", tc.body, err, tc.key)
		}
	}
}

// TestMultiAttributeKeys: a list of attributes trains (and keys) the same
// model as its first attribute alone, while the unlearn, attack and audit
// stages key on every attribute.
func TestMultiAttributeKeys(t *testing.T) {
	one := DefaultConfig("mf")
	one.Data.Name = "ml-100k"
	two := one
	two.Data.Attribute = []string{"gender", "age"}
	for _, m := range one.Unlearn.RunMethods() {
		k1, k2 := cellKeys(&one, "sum", m), cellKeys(&two, "sum", m)
		if k1.train != k2.train || k1.data != k2.data {
			t.Errorf("%v: the attribute list changes the data or train key", m)
		}
		if (m.Kind() == 0 && k1.attacks[0] != k2.attacks[0]) || len(k2.attacks) != 2 { // the original's table is shared
			t.Errorf("%v: attack keys %v vs %v", m, k1.attacks, k2.attacks)
		}
		if m.Kind() != 0 && k1.table == k2.table {
			t.Errorf("%v: the unlearned table's key ignores the second attribute", m)
		}
	}
}

// TestML100KMultiAttribute runs D2D with data.attribute [gender, age] on
// ML-100K: every record carries both attributes' attacks, the primary
// one's equal to Attack, the exports hold both label files, and the
// one-attribute run's gender-only unlearning differs from the two-attribute
// one (the age term changes the table).
func TestML100KMultiAttribute(t *testing.T) {
	requireML100K(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "ml.yaml")
	body := `name: ml100k-multi
data: {name: ml-100k, attribute: [gender, age]}
model: {kind: mf, dim: 8, epochs: 1, selection: test}
unlearn: {methods: [D2D], steps: 20, lr: 0.01}
attack: {attackers: [gbdt], folds: 3, repeats: 1, gbdt: {n_estimators: 5}}
audit: {enabled: true, representations: [user], attackers: [logreg], nested: true, null: []}
export: {embeddings: true}
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	spec, err := LoadSpec(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := Run(context.Background(), spec, RunOptions{Out: filepath.Join(dir, "out"), CacheDir: filepath.Join(dir, "cache"), Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2", len(recs))
	}
	for _, r := range recs {
		g, a := r.AttackByAttribute["gender"]["gbdt"]["auc"], r.AttackByAttribute["age"]["gbdt"]["auc"]
		t.Logf("%s: gender AUC %.3f, age AUC %.3f (macro one-vs-rest)", r.Method, g.Mean, a.Mean)
		if g.Mean <= 0 || a.Mean <= 0 || g != r.Attack["gbdt"]["auc"] {
			t.Errorf("%s: attacks by attribute %+v, attack %+v", r.Method, r.AttackByAttribute, r.Attack)
		}
		for _, name := range []string{"gender", "age"} {
			lk := r.LeakageByAttribute[name]
			if lk == nil || r.AuditByAttribute[name]["user"]["logreg+nested"].AUC.Mean <= 0 {
				t.Fatalf("%s: no audit of %s: %+v", r.Method, name, r.AuditByAttribute)
			}
			t.Logf("%s: %s leakage %.3f (%s/%s)", r.Method, name, lk.AUC, lk.Attacker, lk.Representation)
		}
		if *r.LeakageByAttribute["gender"] != *r.Leakage {
			t.Errorf("%s: primary leakage %+v, record leakage %+v", r.Method, r.LeakageByAttribute["gender"], r.Leakage)
		}
		if _, err := os.Stat(filepath.Join(dir, "out", r.Artifacts["labels_age"])); err != nil {
			t.Errorf("%s: no age labels export: %v", r.Method, err)
		}
	}
}

// TestAgeGroupsConfig: data.age_groups is checked with the key named in the
// message (file and line through the strict loader), and the default leaves
// the data key as it was before the key existed while "none" changes it.
func TestAgeGroupsConfig(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"data: {name: ml-100k, attribute: [gender, age], age_groups: none}\n", `c.yaml:1: data.age_groups: "none" keeps ML-100K's exact ages`},
		{"data:\n  name: ml-1m\n  age_groups: decade\n", `c.yaml:3: data.age_groups: must be "ml-1m"`},
		{"data: {name: synthetic, age_groups: none}\n", "data.age_groups: applies to MovieLens ages"},
	} {
		dir := writeFiles(t, map[string]string{"c.yaml": tc.body})
		_, err := LoadConfig(filepath.Join(dir, "c.yaml"), nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want an error containing %q", tc.body, err, tc.want)
		}
	}
	c := DefaultConfig("mf")
	c.Data.Name = "ml-1m"
	old := c.Data // as keyed before age_groups existed: no such field
	old.AgeGroups = ""
	if b, _ := json.Marshal(old); strings.Contains(string(b), "AgeGroups") {
		t.Fatalf("an empty age_groups is in the JSON: %s", b)
	}
	def := cellKeys(&c, "sum", unlearning.MethodOriginal).data
	if def != stageKey(stageData, old, c.Seed, "sum") {
		t.Error("the default age_groups changes the data key")
	}
	c.Data.AgeGroups = "none"
	if cellKeys(&c, "sum", unlearning.MethodOriginal).data == def {
		t.Error("age_groups: none gives the default's data key")
	}
}
