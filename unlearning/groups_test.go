package unlearning

import (
	"slices"
	"testing"

	"github.com/potau/potau/datasets"
)

func TestGroupsPairsAndAnchor(t *testing.T) {
	// Classes 0 and 2 tie as largest (3 users); class 1 has 2; class 3 is empty.
	labels := []int32{0, 2, 1, 0, -1, 2, 0, 2, 1}
	g, err := NewGroups(labels)
	if err != nil {
		t.Fatal(err)
	}
	if a := g.DefaultAnchor(); a != 0 {
		t.Errorf("default anchor %d, want 0 (tie → smaller index)", a)
	}
	for _, tc := range []struct {
		form   string
		anchor int
		want   []Pair
	}{
		{"anchor", 0, []Pair{{1, 0}, {2, 0}}},
		{"anchor", 2, []Pair{{0, 2}, {1, 2}}},
		{"pairs", 0, []Pair{{0, 1}, {0, 2}, {1, 2}}},
	} {
		got, err := g.Pairs(tc.form, tc.anchor)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s/%d: %v %v, want %v", tc.form, tc.anchor, got, err, tc.want)
		}
	}
	if _, err := g.Pairs("anchor", 3); err == nil {
		t.Error("empty anchor accepted")
	}
	one, _ := NewGroups([]int32{1, 1, -1})
	if _, err := one.Pairs("pairs", 0); err == nil {
		t.Error("a single non-empty group accepted")
	}

	s := &datasets.Split{Attributes: map[string]*datasets.Attribute{
		"gender": {Name: "gender", Classes: []string{"M", "F"}, Labels: []int32{0, 1, 1}},
		"age":    {Name: "age", Classes: []string{"young", "old", "mid"}, Labels: labels},
	}}
	for _, tc := range []struct {
		anchor string
		want   int
		ok     bool
	}{{"", 0, true}, {"2", 2, true}, {"mid", 2, true}, {"old", 1, true}, {"F", 0, false}, {"7", 0, false}} {
		got, err := ResolveAnchor(tc.anchor, g, s, labels)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("anchor %q: %d %v, want %d ok=%v", tc.anchor, got, err, tc.want, tc.ok)
		}
	}
}
