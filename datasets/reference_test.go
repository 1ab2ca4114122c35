package datasets

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/potau/potau/internal/atomicfile/atomictest"
)

// sameSplit reports the first difference between two splits, treating nil
// and empty lists alike; ids are compared only when withIDs is set.
func sameSplit(a, b *Split, withIDs bool) string {
	if a.NumUsers != b.NumUsers || a.NumItems != b.NumItems {
		return "sizes differ"
	}
	if a.Protocol != b.Protocol {
		return "protocol differs"
	}
	lists := []struct {
		name string
		x, y [][]int32
	}{{"train", a.Train, b.Train}, {"valid", a.Valid, b.Valid}, {"test", a.Test, b.Test},
		{"test_neg", a.TestNeg, b.TestNeg}, {"valid_neg", a.ValidNeg, b.ValidNeg}}
	for _, l := range lists {
		if (l.x == nil) != (l.y == nil) && !(allEmpty(l.x) && allEmpty(l.y)) {
			return l.name + ": nil in one split only"
		}
		for u := range l.x {
			if !eqList(l.x[u], l.y[u]) {
				return l.name + " differs"
			}
		}
	}
	// Attributes compare by each user's class name: the reference CSV does
	// not carry the class order, so LoadReference sorts the classes.
	if len(a.Attributes) != len(b.Attributes) {
		return "attribute sets differ"
	}
	for name, x := range a.Attributes {
		y := b.Attributes[name]
		if y == nil || !reflect.DeepEqual(classNames(x), classNames(y)) {
			return "attribute " + name + " differs"
		}
	}
	if withIDs && (!reflect.DeepEqual(a.UserIDs, b.UserIDs) || !reflect.DeepEqual(a.ItemIDs, b.ItemIDs)) {
		return "ids differ"
	}
	return ""
}

func classNames(a *Attribute) []string {
	out := make([]string, len(a.Labels))
	for u, l := range a.Labels {
		if l >= 0 {
			out[u] = a.Classes[l]
		}
	}
	return out
}

func allEmpty(v [][]int32) bool {
	for _, l := range v {
		if len(l) > 0 {
			return false
		}
	}
	return true
}

// TestSplitFilesRoundTrip: ReadFiles(WriteFiles(s)) == s for each protocol.
func TestSplitFilesRoundTrip(t *testing.T) {
	d := smallSynthetic(t)
	for _, cfg := range []SplitConfig{
		{Method: "loo", Eval: "sampled", Negatives: 20},
		{Method: "loo", Eval: "sampled", Negatives: 5, Validation: true},
		{Method: "ratio", Eval: "full", TestRatio: 0.2, ValidRatio: 0.1, Validation: true},
	} {
		sp, err := MakeSplit(d, cfg, 9)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := sp.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
		back, err := ReadFiles(dir)
		if err != nil {
			t.Fatal(err)
		}
		if diff := sameSplit(sp, back, true); diff != "" {
			t.Errorf("%+v: %s", cfg, diff)
		}
		if !reflect.DeepEqual(sp.Attributes, back.Attributes) {
			t.Errorf("%+v: attribute classes or order changed", cfg)
		}
	}
}

func smallSynthetic(t *testing.T) *Dataset {
	t.Helper()
	c := DefaultSyntheticConfig()
	c.Users, c.Items, c.Interactions, c.MinPerUser = 60, 300, 1500, 5
	d, err := Generate(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestReferenceRoundTrip: a split written in the reference format reads
// back equal (ids become the dense ids), with and without the header.
func TestReferenceRoundTrip(t *testing.T) {
	d := smallSynthetic(t)
	sp, err := MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled", Negatives: 99}, 3)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := atomictest.Start(t)
	if err := WriteReference(dir, sp, "gender"); err != nil {
		t.Fatal(err)
	}
	files.Check(t, 3, dir) // written atomically, folder synced
	rc := DefaultConfig().Reference
	back, err := LoadReference(dir, rc)
	if err != nil {
		t.Fatal(err)
	}
	if diff := sameSplit(sp, back, false); diff != "" {
		t.Fatal(diff)
	}
	// A ratio split has several test lines per user with the same negatives.
	ratio, err := MakeSplit(d, SplitConfig{Method: "ratio", Eval: "sampled", Negatives: 50, TestRatio: 0.2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	rdir := t.TempDir()
	if err := WriteReference(rdir, ratio, ""); err != nil {
		t.Fatal(err)
	}
	if back, err := LoadReference(rdir, rc); err != nil || sameSplit(ratio, back, false) != "" {
		t.Fatalf("ratio split: %v", err)
	}
	// The reference's own files have no header (pandas header=None).
	p := filepath.Join(dir, rc.Train)
	b, _ := os.ReadFile(p)
	if strings.HasPrefix(string(b), "user,item\n") {
		t.Fatalf("train file has a header the reference code cannot read: starts %q", string(b[:20]))
	}
	writeText(t, dir, rc.Train, "user,item\n"+string(b))
	back, err = LoadReference(dir, rc)
	if err != nil || sameSplit(sp, back, false) != "" {
		t.Fatalf("headerless train file: %v", err)
	}
	// The test lines look like the reference's: "(u, i)\tneg…".
	tb, _ := os.ReadFile(filepath.Join(dir, rc.TestNeg))
	first := strings.SplitN(string(tb), "\n", 2)[0]
	if f := strings.Split(first, "\t"); len(f) != 100 || !strings.HasPrefix(f[0], "(0, ") {
		t.Errorf("first test line %q", first)
	}
	// Through Prepare, as a user of the reference format would run it.
	c := DefaultConfig()
	c.Name, c.Path = NameReference, dir
	rd, rsp, err := Prepare(context.Background(), c, 1)
	if err != nil || sameSplit(sp, rsp, false) != "" || len(rd.Interactions) != SplitStats(sp).Interactions {
		t.Fatalf("Prepare(reference): %v", err)
	}
	c.Attribute = AttributeList{"age"}
	_, _, err = Prepare(context.Background(), c, 1)
	errContains(t, err, `no user attribute "age" (has gender)`)
}

func TestReferenceErrors(t *testing.T) {
	train := "user,item\n0,1\n0,2\n1,0\n"
	test := "(0, 3)\t4\t5\n(1, 2)\t3\t4\n"
	users := "user,gender\n0,M\n1,F\n"
	tests := []struct {
		name               string
		train, test, users string
		want               []string
	}{
		{"ok", train, test, users, nil},
		{"unknown test user", train, test + "(2, 1)\t4\t5\n", users, []string{"test_neg_interactions:3:", "unknown user id 2", "users 0..1"}},
		{"unknown attribute user", train, test, users + "5,M\n", []string{"user_attributes.csv:4:", "unknown user id 5"}},
		{"user without attribute", train, test, "user,gender\n0,M\n", []string{"user 1", "has no attribute line"}},
		{"bad pair", train, "0, 3\t4\t5\n", users, []string{"test_neg_interactions:1:", `"(user, item)"`}},
		{"negatives count", train, "(0, 3)\t4\t5\n(1, 2)\t3\n", users, []string{":2:", "1 negatives, but earlier lines have 2"}},
		{"train wrong delimiter", "0\t1\n", test, users, []string{"train_interactions.csv:1:", "separated by tab, not \",\""}},
		{"train non-numeric", "user,item\n0,x\n", test, users, []string{"train_interactions.csv:2:", `item id "x"`}},
		{"empty train", "", test, users, []string{"train_interactions.csv", "empty"}},
		{"header only", "user,item\n", test, users, []string{"no training pairs"}},
		{"sparse user ids", "0,1\n2000000000,1\n", test, users, []string{"not dense", "largest is 2000000000"}},
		{"sparse item ids", train, "(0, 3)\t4\t2000000000\n", users, []string{"item ids are not dense"}},
		{"empty users", train, test, "", []string{"user_attributes.csv", "empty"}},
		{"bad users header", train, test, "id,gender\n0,M\n1,F\n", []string{"user_attributes.csv:1:", "header"}},
		{"empty attribute", train, test, "user,gender\n0,M\n1,\n", []string{"user_attributes.csv:3:", "empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeText(t, dir, "train_interactions.csv", tc.train)
			writeText(t, dir, "test_neg_interactions", tc.test)
			writeText(t, dir, "user_attributes.csv", tc.users)
			sp, err := LoadReference(dir, DefaultConfig().Reference)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if sp.NumUsers != 2 || sp.NumItems != 6 || sp.Protocol.Negatives != 2 || !eqList(sp.Train[0], []int32{1, 2}) {
					t.Errorf("parsed %+v", sp)
				}
				return
			}
			errContains(t, err, tc.want...)
		})
	}
}

func TestWriteReferenceErrors(t *testing.T) {
	d := smallSynthetic(t)
	full, _ := MakeSplit(d, SplitConfig{Method: "loo", Eval: "full"}, 1)
	errContains(t, WriteReference(t.TempDir(), full, "gender"), "needs sampled negatives")
	val, _ := MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled", Negatives: 3, Validation: true}, 1)
	errContains(t, WriteReference(t.TempDir(), val, "gender"), "no validation hold-out")
	ok, _ := MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled", Negatives: 3}, 1)
	errContains(t, WriteReference(t.TempDir(), ok, "age"), `no attribute "age"`)
}

func TestReadFilesErrors(t *testing.T) {
	d := smallSynthetic(t)
	sp, _ := MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled", Negatives: 3}, 1)
	for _, tc := range []struct {
		file, content string
		want          []string
	}{
		{"split.tsv", "format\tpotau-split-v9\n", []string{"split.tsv:1:", "format"}},
		{"train.tsv", "0\t1 1\n", []string{"train.tsv:1:", "not strictly ascending"}},
		{"test.tsv", "1\t1\n", []string{"test.tsv:1:", "user 1, expected 0"}},
		{"test_neg.tsv", "0\t5000\n", []string{"test_neg.tsv:1:", "outside"}},
		{"users.tsv", "index\tid\n", []string{"users.tsv", "header"}},
	} {
		dir := t.TempDir()
		if err := sp.WriteFiles(dir); err != nil {
			t.Fatal(err)
		}
		writeText(t, dir, tc.file, tc.content)
		_, err := ReadFiles(dir)
		errContains(t, err, tc.want...)
	}
}
