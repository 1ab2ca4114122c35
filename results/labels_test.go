package results

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadLabels(t *testing.T) {
	want := &Labels{Rows: []int{0, 2, 3}, Y: []int{0, 1, 1}, Classes: []string{"F", "M"}}
	for _, in := range []string{
		"user,gender\n3,M\n0,F\n1,\n2,M\n",  // header, an empty label
		"3,M\n0,F\n1,-1\n2,M\n",             // no header, "-1" unknown
		"user, gender\n3, M,x\n0,F\n2 ,M\n", // spaces, an extra column
	} {
		l, err := ReadLabels(strings.NewReader(in), "g.csv", 5)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !reflect.DeepEqual(l, want) {
			t.Errorf("%q: got %+v, want %+v", in, l, want)
		}
	}
	for _, c := range []struct{ in, msg string }{
		{"", "g.csv: empty file"},
		{"user\n", "g.csv:1: 1 column(s)"},
		{"u,g\n0,M\nx,F\n", "g.csv:3: row index \"x\" is not an integer"},
		{"u,g\n0,M\n9,F\n", "g.csv:3: row index 9 is outside the table's rows [0, 5)"},
		{"u,g\n0,M\n-2,F\n", "g.csv:3: row index -2 is outside the table's rows [0, 5)"},
		{"u,g\n0,M\n0,F\n", "g.csv:3: row index 0 is labelled again (first on line 2)"},
		{"0,M\n1,F\n0,F\n", "g.csv:3: row index 0 is labelled again (first on line 1)"},
		{"u,g\n0\n", "g.csv:2: 1 column(s)"},
		{"u,g\n0,\n", "g.csv: no labelled rows"},
		{"u,g\n0,\"M\n", "g.csv: parse error on line 2"},
	} {
		_, err := ReadLabels(strings.NewReader(c.in), "g.csv", 5)
		if err == nil || !strings.HasPrefix(err.Error(), c.msg) {
			t.Errorf("%q: error %v, want prefix %q", c.in, err, c.msg)
		}
	}
}

// TestLabelsRoundTrip: what EncodeLabels writes, ReadLabels reads back, and
// the bytes are the documented layout.
func TestLabelsRoundTrip(t *testing.T) {
	classes := []string{"F", "M", "x,y"}
	y := []int32{1, -1, 0, 2, 1}
	b := EncodeLabels("gender", classes, y)
	if want := "user,gender\n0,M\n2,F\n3,\"x,y\"\n4,M\n"; string(b) != want {
		t.Fatalf("EncodeLabels = %q, want %q", b, want)
	}
	l, err := ReadLabels(strings.NewReader(string(b)), "l.csv", len(y))
	if err != nil {
		t.Fatal(err)
	}
	want := &Labels{Rows: []int{0, 2, 3, 4}, Y: []int{1, 0, 2, 1}, Classes: classes}
	if !reflect.DeepEqual(l, want) {
		t.Fatalf("got %+v, want %+v", l, want)
	}
	if got, want := l.ByRow(len(y)), []string{"M", "", "F", "x,y", "M"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ByRow = %q, want %q", got, want)
	}
}
