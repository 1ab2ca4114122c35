package reports

import (
	"testing"

	"github.com/potau/potau/results"
)

// TestAttributeColumns: "<attribute>:<attacker>.<metric>" reads one
// attribute of several from Record.AttackByAttribute, a one-attribute
// record answers only for its own attribute, and the header names both.
func TestAttributeColumns(t *testing.T) {
	multi := &results.Record{
		Leakage: &results.Leakage{AUC: 0.71},
		LeakageByAttribute: map[string]*results.Leakage{
			"gender": {AUC: 0.71}, "age": {AUC: 0.64},
		},
		Attack: map[string]results.AttackResult{"mlp": {"auc": {Mean: 0.7, Std: 0.01}}},
		AttackByAttribute: map[string]map[string]results.AttackResult{
			"gender": {"mlp": {"auc": {Mean: 0.7, Std: 0.01}}},
			"age":    {"mlp": {"auc": {Mean: 0.62, Std: 0.02}}},
		},
	}
	single := &results.Record{
		Leakage: &results.Leakage{AUC: 0.58},
		Attack:  map[string]results.AttackResult{"mlp": {"auc": {Mean: 0.55, Std: 0.03}}},
		Config:  map[string]any{"data": map[string]any{"attribute": "gender"}},
	}
	for _, tc := range []struct {
		r      *results.Record
		key    string
		want   float64
		wantOK bool
	}{
		{multi, "age:mlp.auc", 0.62, true},
		{multi, "gender:mlp.auc", 0.7, true},
		{multi, "occupation:mlp.auc", 0, false},
		{multi, "age:gbdt.auc", 0, false},
		{multi, "mlp.auc", 0.7, true},
		{single, "gender:mlp.auc", 0.55, true},
		{single, "age:mlp.auc", 0, false},
		{multi, "age:leakage", 0.64, true},
		{multi, "gender:leakage", 0.71, true},
		{multi, "occupation:leakage", 0, false},
		{single, "gender:leakage", 0.58, true},
		{single, "age:leakage", 0, false},
	} {
		v, _, _, ok := value(tc.r, tc.key)
		if ok != tc.wantOK || v != tc.want {
			t.Errorf("value(%s) = %v, %v; want %v, %v", tc.key, v, ok, tc.want, tc.wantOK)
		}
	}
	if err := CheckColumns([]string{"age:mlp.auc", "gender:gbdt.accuracy", "age:leakage"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{":mlp.auc", "age:.auc", "age:mlp.nope", ":leakage"} {
		if CheckColumns([]string{bad}) == nil {
			t.Errorf("column %q accepted", bad)
		}
	}
	c := newColumn("age:mlp.auc", 3)
	if c.Title() != "MLP (age) AUC" || c.Goal != GoalChance {
		t.Errorf("column %+v, title %q", c, c.Title())
	}
	if a, ok := c.attacker(); !ok || a != "mlp" {
		t.Errorf("attacker %q %v", a, ok)
	}
}
