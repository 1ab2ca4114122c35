package attackers

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadLabels(t *testing.T) {
	l, err := ReadLabels(strings.NewReader("user,gender\n3,M\n0,F\n1,\n2,M\n"), "g.csv", 5)
	if err != nil {
		t.Fatal(err)
	}
	want := &Labels{Rows: []int{0, 2, 3}, Y: []int{0, 1, 1}, Classes: []string{"F", "M"}}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("got %+v, want %+v", l, want)
	}
	for _, c := range []struct{ in, msg string }{
		{"", "g.csv: empty file"},
		{"user\n", "g.csv:1: header has 1 column"},
		{"u,g\n0,M\nx,F\n", "g.csv:3: row index \"x\" is not an integer"},
		{"u,g\n0,M\n9,F\n", "g.csv:3: row index 9 is outside the table's rows [0, 5)"},
		{"u,g\n0,M\n0,F\n", "g.csv:3: row index 0 is labelled again (first on line 2)"},
		{"u,g\n0\n", "g.csv:2: 1 column(s)"},
		{"u,g\n0,\n", "g.csv: no labelled rows"},
	} {
		_, err := ReadLabels(strings.NewReader(c.in), "g.csv", 5)
		if err == nil || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want prefix %q", c.in, err, c.msg)
		}
	}
}
