package experiments

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/potau/potau/unlearning"
)

// TestCellKeysIgnoreWorkers: the worker counts (unlearn.workers,
// model.workers) do not change any stage key, so a run with other worker
// counts is served from the cache; a setting a method reads does change its
// keys, one it ignores does not.
func TestCellKeysIgnoreWorkers(t *testing.T) {
	c := DefaultConfig("mf")
	c.Unlearn.Methods = nil
	for _, m := range unlearning.Listable {
		c.Unlearn.Methods = append(c.Unlearn.Methods, m.String())
	}
	if err := c.Unlearn.Validate(); err != nil {
		t.Fatal(err)
	}
	const sum = "data-checksum"
	w := c
	w.Unlearn.Workers, w.Model.Workers = 3, 2
	a := c
	a.Unlearn.Alpha = c.Unlearn.Alpha * 10
	for _, m := range c.Unlearn.RunMethods() {
		k := cellKeys(&c, sum, m)
		if kw := cellKeys(&w, sum, m); !reflect.DeepEqual(kw, k) {
			t.Errorf("%v: keys change with the worker counts:\n%+v\n%+v", m, k, kw)
		}
		ka := cellKeys(&a, sum, m)
		if changed := ka.table != k.table; changed != m.TakesAlpha() {
			t.Errorf("%v: table key changes with α: %v, want %v", m, changed, m.TakesAlpha())
		}
		if (ka.attack != k.attack) != m.TakesAlpha() || (ka.eval != k.eval) != m.TakesAlpha() {
			t.Errorf("%v: eval/attack keys do not follow the table key under a change of α", m)
		}
	}
	// The method list itself is not part of any method's keys.
	l := c
	l.Unlearn.Methods = []string{unlearning.MethodD2D.String()}
	if !reflect.DeepEqual(cellKeys(&l, sum, unlearning.MethodD2D), cellKeys(&c, sum, unlearning.MethodD2D)) {
		t.Error("D2D's keys depend on which other methods are listed")
	}
}

// TestMaxUsersKey: filter.max_users at its default 0 is not in the data key
// (keys made before the field existed stay valid), and a subset has a key of
// its own.
func TestMaxUsersKey(t *testing.T) {
	c := DefaultConfig("mf")
	c.Data.Name = "ml-1m"
	if b, _ := json.Marshal(c.Data.Filter); strings.Contains(string(b), "MaxUsers") {
		t.Fatalf("max_users 0 is in the key's JSON: %s", b)
	}
	def := cellKeys(&c, "sum", unlearning.MethodOriginal).data
	c.Data.Filter.MaxUsers = 2999
	if cellKeys(&c, "sum", unlearning.MethodOriginal).data == def {
		t.Error("filter.max_users: 2999 gives the full data set's key")
	}
}
