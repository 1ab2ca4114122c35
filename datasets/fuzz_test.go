package datasets

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Every line parser is fuzzed for two properties: it never panics, and a
// line it accepts, written back in canonical form, parses to the same value.
// `make fuzz` runs each target briefly; `go test` runs the seed corpus.

func FuzzParseML100KRating(f *testing.F) {
	for _, s := range []string{"196\t242\t3\t881250949", "1\t1\t5\t0", "1::2::3::4", "1\t2\t3", "", "\t\t\t", "1\t2\t1e40\t5", "007\t1\t4.5\t-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, msg := parseML100KRating(line)
		if msg != "" {
			return
		}
		again, msg := parseML100KRating(fmt.Sprintf("%s\t%s\t%s\t%d", r.User, r.Item, strconv.FormatFloat(float64(r.Rating), 'g', -1, 32), r.Time))
		if msg != "" || again != r {
			t.Fatalf("%q → %+v, reformatted → %+v %s", line, r, again, msg)
		}
	})
}

func FuzzParseML1MRating(f *testing.F) {
	for _, s := range []string{"1::1193::5::978300760", "1\t2\t3\t4", "1:::2::3::4", "::::::", "1::2::3::4::5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, msg := parseML1MRating(line)
		if msg != "" {
			return
		}
		again, msg := parseML1MRating(fmt.Sprintf("%s::%s::%s::%d", r.User, r.Item, strconv.FormatFloat(float64(r.Rating), 'g', -1, 32), r.Time))
		if msg != "" || again != r {
			t.Fatalf("%q → %+v, reformatted → %+v %s", line, r, again, msg)
		}
	})
}

func FuzzParseML100KUser(f *testing.F) {
	for _, s := range []string{"1|24|M|technician|85711", "2|53|F|other|94043", "1|x|M|a|b", "1|24|M||1", "|||", "1|24|M|a|b|c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		u, msg := parseML100KUser(line)
		if msg != "" {
			return
		}
		if u.ID == "" || !slices.Contains(genderClasses, u.Attrs[0]) || !slices.Contains(ageClasses, u.Attrs[1]) || u.Attrs[2] == "" {
			t.Fatalf("%q accepted with %+v", line, u)
		}
	})
}

func FuzzParseML1MUser(f *testing.F) {
	for _, s := range []string{"1::F::1::10::48067", "2::M::56::16::70072", "1::F::2::10::1", "1::F::1::21::1", "1::F::1::10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		u, msg := parseML1MUser(line)
		if msg != "" {
			return
		}
		if u.ID == "" || !slices.Contains(genderClasses, u.Attrs[0]) || !slices.Contains(ageClasses, u.Attrs[1]) || !slices.Contains(ml1mOccupations, u.Attrs[2]) {
			t.Fatalf("%q accepted with %+v", line, u)
		}
	})
}

func FuzzParseItemTitle(f *testing.F) {
	f.Add("543|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|0|0", "|")
	f.Add("1::Toy Story (1995)::Animation|Children's|Comedy", "::")
	f.Add("x|y", "|")
	f.Fuzz(func(t *testing.T, line, sep string) {
		if sep == "" {
			return
		}
		id, title, msg := parseItemTitle(line, sep)
		if msg != "" {
			return
		}
		if !utf8.ValidString(title) || id == "" {
			t.Fatalf("%q: id %q title %q", line, id, title)
		}
	})
}

func FuzzParseGenericInteraction(f *testing.F) {
	l := newGenericLayout(GenericConfig{Delimiter: "\t", UserColumn: 0, ItemColumn: 1, RatingColumn: 3, TimeColumn: 2})
	for _, s := range []string{"u1\ti1\t100\t4.5", " 1 \t 2 \t3\t4", "a\tb\tc\td", "1\t2", "\t\t\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		r, msg := parseGenericInteraction(line, l, 1)
		if msg != "" {
			return
		}
		if strings.Contains(r.User, "\t") || strings.Contains(r.Item, "\t") {
			t.Fatalf("field contains the delimiter: %+v", r)
		}
		again, msg := parseGenericInteraction(fmt.Sprintf("%s\t%s\t%d\t%s", r.User, r.Item, r.Time, strconv.FormatFloat(float64(r.Rating), 'g', -1, 32)), l, 1)
		if msg != "" || again != r {
			t.Fatalf("%q → %+v, reformatted → %+v %s", line, r, again, msg)
		}
	})
}

func FuzzParseGenericUser(f *testing.F) {
	for _, s := range []string{"1,US,30,m", "a,,1,f", "1", ",,,", "1,US,30,m,extra"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		id, vals, msg := parseGenericUser(line, ",", 0, []string{"gender", "country"}, []int{3, 1})
		if msg != "" {
			return
		}
		if id == "" || len(vals) != 2 || vals[0] == "" || vals[1] == "" {
			t.Fatalf("%q accepted as %q %q", line, id, vals)
		}
	})
}

func FuzzParseRefTrain(f *testing.F) {
	for _, s := range []string{"0,1", " 3 , 4 ", "user,item", "1,2,3", "-1,2", "1;2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		u, i, msg := parseRefTrain(line)
		if msg != "" {
			return
		}
		u2, i2, msg := parseRefTrain(fmt.Sprintf("%d,%d", u, i))
		if msg != "" || u2 != u || i2 != i || u < 0 || i < 0 {
			t.Fatalf("%q → (%d, %d), reformatted → (%d, %d) %s", line, u, i, u2, i2, msg)
		}
	})
}

func FuzzParseRefTestNeg(f *testing.F) {
	for _, s := range []string{"(0, 3)\t4\t5", "(12, 7)\t1", "0, 3\t4", "(0, 3)", "(0,3,4)\t1", "(a, b)\t1", "(0, 3)\t\t1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		u, i, neg, msg := parseRefTestNeg(line)
		if msg != "" {
			return
		}
		var b strings.Builder
		fmt.Fprintf(&b, "(%d, %d)", u, i)
		for _, n := range neg {
			fmt.Fprintf(&b, "\t%d", n)
		}
		u2, i2, neg2, msg := parseRefTestNeg(b.String())
		if msg != "" || u2 != u || i2 != i || !slices.Equal(neg, neg2) || len(neg) == 0 {
			t.Fatalf("%q → (%d, %d, %v), reformatted → (%d, %d, %v) %s", line, u, i, neg, u2, i2, neg2, msg)
		}
	})
}

func FuzzParseRefUser(f *testing.F) {
	for _, s := range []string{"0,M", "1,F", "2,", "x,M", "0,M,extra", "0;M"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		u, vals, msg := parseRefUser(line, 1)
		if msg != "" {
			return
		}
		u2, vals2, msg := parseRefUser(fmt.Sprintf("%d,%s", u, vals[0]), 1)
		if msg != "" || u2 != u || !slices.Equal(vals, vals2) || vals[0] == "" {
			t.Fatalf("%q → %d %q, reformatted → %d %q %s", line, u, vals, u2, vals2, msg)
		}
	})
}

func FuzzParseListLine(f *testing.F) {
	for _, s := range []string{"0\t1 2 3", "5\t", "0\t3 2", "0\t1  2", "0 1 2", "x\t1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		u, items, msg := parseListLine(line)
		if msg != "" {
			return
		}
		parts := make([]string, len(items))
		for k, i := range items {
			parts[k] = strconv.Itoa(int(i))
		}
		u2, items2, msg := parseListLine(strconv.Itoa(int(u)) + "\t" + strings.Join(parts, " "))
		if msg != "" || u2 != u || !eqList(items, items2) {
			t.Fatalf("%q → %d %v, reformatted → %d %v %s", line, u, items, u2, items2, msg)
		}
	})
}

// FuzzLoadML100K feeds whole files to the loader: any content is either
// loaded consistently or rejected with an error, never a panic.
func FuzzLoadML100K(f *testing.F) {
	f.Add("1\t2\t3\t4\n2\t1\t5\t9\n", "1|24|M|x|1\n2|30|F|y|2\n")
	f.Add("1::2::3::4\n", "1|24|M|x|1\n")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, data, users string) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "u.data"), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "u.user"), []byte(users), 0o644); err != nil {
			t.Fatal(err)
		}
		d, err := LoadML100K(context.Background(), dir)
		if err != nil {
			return
		}
		if err := checkDataset(d); err != nil {
			t.Fatal(err)
		}
	})
}

// FuzzLoadReference feeds whole reference-format files to LoadReference.
func FuzzLoadReference(f *testing.F) {
	f.Add("user,item\n0,1\n1,0\n", "(0, 2)\t3\n(1, 3)\t2\n", "user,gender\n0,M\n1,F\n")
	f.Add("0,1\n", "(0, 2)\t3\t4\n", "user,gender,age\n0,M,20\n")
	f.Add("2147483646,1\n", "", "user,gender\n")
	f.Fuzz(func(t *testing.T, train, test, users string) {
		dir := t.TempDir()
		for name, content := range map[string]string{"train_interactions.csv": train, "test_neg_interactions": test, "user_attributes.csv": users} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sp, err := LoadReference(dir, DefaultConfig().Reference)
		if err != nil {
			return
		}
		if err := checkSplit(sp); err != nil {
			t.Fatal(err)
		}
	})
}
