package datasets

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestML100KReal checks the loader against counts measured independently
// on the GroupLens files (../shared/datasets/README.md).
func TestML100KReal(t *testing.T) {
	dir := realData(t, NameML100K, "u.data", "u.user")
	start := time.Now()
	d, err := LoadML100K(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := Filter(d, FilterConfig{})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := MakeSplit(fd, DefaultConfig().Split, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ML-100K load + filter + split: %v", time.Since(start))

	st := ComputeStats(d)
	if st.Users != 943 || st.Items != 1682 || st.Interactions != 100000 {
		t.Errorf("got %d users, %d items, %d interactions; want 943, 1682, 100000", st.Users, st.Items, st.Interactions)
	}
	if g := st.Attributes["gender"]; g["M"] != 670 || g["F"] != 273 {
		t.Errorf("gender %v, want 670 M / 273 F", g)
	}
	// Ratings by value and by gender, as measured with other tools.
	byValue := map[float32]int{}
	byGender := map[string]int{}
	g := d.Attributes["gender"]
	minT, maxT := d.Interactions[0].Time, d.Interactions[0].Time
	for _, it := range d.Interactions {
		byValue[it.Rating]++
		byGender[g.Classes[g.Labels[it.User]]]++
		minT, maxT = min(minT, it.Time), max(maxT, it.Time)
	}
	wantValue := map[float32]int{1: 6110, 2: 11370, 3: 27145, 4: 34174, 5: 21201}
	for v, n := range wantValue {
		if byValue[v] != n {
			t.Errorf("%d ratings of %v, want %d", byValue[v], v, n)
		}
	}
	if byGender["M"] != 74260 || byGender["F"] != 25740 {
		t.Errorf("ratings by gender %v, want 74,260 M / 25,740 F", byGender)
	}
	if minT != 874724710 || maxT != 893286638 {
		t.Errorf("time range [%d, %d], want [874724710, 893286638]", minT, maxT)
	}
	// Dense ids follow the numeric raw order.
	if d.UserIDs[0] != "1" || d.UserIDs[9] != "10" || d.UserIDs[942] != "943" || d.ItemIDs[1681] != "1682" {
		t.Errorf("id order: users %v…, items …%v", d.UserIDs[:10], d.ItemIDs[1681])
	}
	// u.user line 1 is "1|24|M|technician|85711".
	if a := d.Attributes["age"]; a.Classes[a.Labels[0]] != "18-24" {
		t.Errorf("user 1 age group %q, want 18-24", a.Classes[a.Labels[0]])
	}
	if a := d.Attributes["occupation"]; a.Classes[a.Labels[0]] != "technician" || len(a.Classes) != 21 {
		t.Errorf("user 1 occupation %q of %d classes, want technician of 21", a.Classes[a.Labels[0]], len(a.Classes))
	}
	// u.item is Latin-1: item 543 is "Misérables, Les (1995)".
	if got := d.ItemTitles[542]; got != "Misérables, Les (1995)" {
		t.Errorf("title of item 543 = %q", got)
	}
	ss := SplitStats(sp)
	if ss.Test != 943 || ss.Train != 99057 || ss.Interactions != 100000 {
		t.Errorf("split stats %+v", ss)
	}
	var buf bytes.Buffer
	FormatStats(&buf, "ml-100k", st)
	for _, want := range []string{"943 users", "1,682 items", "100,000 interactions", "gender: 670 M / 273 F"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("FormatStats output lacks %q:\n%s", want, buf.String())
		}
	}
	// The checksum is a function of the bytes: loading twice agrees.
	d2, err := LoadML100K(context.Background(), dir)
	if err != nil || d2.Checksum != d.Checksum || len(d.Checksum) != 64 {
		t.Errorf("checksum %q vs %q (%v)", d.Checksum, d2.Checksum, err)
	}
}

// TestML1MUsersReal reads the real users.dat and checks the published
// class counts.
func TestML1MUsersReal(t *testing.T) {
	dir := realData(t, NameML1M, "users.dat")
	users, err := readUsers(context.Background(), filepath.Join(dir, "users.dat"), parseML1MUser, newSourceSum("t"))
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 6040 {
		t.Fatalf("%d users, want 6040", len(users))
	}
	gender, age := map[string]int{}, map[string]int{}
	occ := map[string]bool{}
	for _, u := range users {
		gender[u.Attrs[0]]++
		age[u.Attrs[1]]++
		occ[u.Attrs[2]] = true
	}
	if gender["M"] != 4331 || gender["F"] != 1709 {
		t.Errorf("gender %v, want 4,331 M / 1,709 F", gender)
	}
	wantAge := map[string]int{"Under 18": 222, "18-24": 1103, "25-34": 2096, "35-44": 1193, "45-49": 550, "50-55": 496, "56+": 380}
	for k, n := range wantAge {
		if age[k] != n {
			t.Errorf("age %s: %d users, want %d", k, age[k], n)
		}
	}
	if len(occ) != 21 {
		t.Errorf("%d occupations, want 21", len(occ))
	}
}

// TestML1MLoader reads a small ratings.dat, plain and gzipped, beside the
// real users.dat (ratings.dat itself is not available offline).
func TestML1MLoader(t *testing.T) {
	real := realData(t, NameML1M, "users.dat")
	users, err := os.ReadFile(filepath.Join(real, "users.dat"))
	if err != nil {
		t.Fatal(err)
	}
	ratings := "10::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n1::914::3::978301968\n10::2::1::978300000\n"
	for _, name := range []string{"ratings.dat", "ratings.dat.gz"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			writeText(t, dir, "users.dat", string(users))
			writeText(t, dir, name, ratings)
			d, err := LoadML1M(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(d.UserIDs, ","); got != "1,2,10" {
				t.Errorf("users %s, want 1,2,10 (numeric order)", got)
			}
			if got := strings.Join(d.ItemIDs, ","); got != "2,661,914,1193" {
				t.Errorf("items %s", got)
			}
			// users.dat: 1::F::1::10, 2::M::56::16, 10::F::35::1.
			want := [][3]string{{"F", "Under 18", "K-12 student"}, {"M", "56+", "self-employed"}, {"F", "35-44", "academic/educator"}}
			for u, w := range want {
				for k, name := range mlAttrNames {
					a := d.Attributes[name]
					if got := a.Classes[a.Labels[u]]; got != w[k] {
						t.Errorf("user %s %s = %q, want %q", d.UserIDs[u], name, got, w[k])
					}
				}
			}
			if len(d.Interactions) != 5 || d.Interactions[0] != (Interaction{User: 2, Item: 3, Rating: 5, Time: 978300760}) {
				t.Errorf("interactions %v", d.Interactions)
			}
		})
	}
	// Same bytes plain or gzipped ⇒ same checksum.
	a, b := t.TempDir(), t.TempDir()
	writeText(t, a, "users.dat", string(users))
	writeText(t, b, "users.dat", string(users))
	writeText(t, a, "ratings.dat", ratings)
	writeText(t, b, "ratings.dat.gz", ratings)
	da, err1 := LoadML1M(context.Background(), a)
	db, err2 := LoadML1M(context.Background(), b)
	if err1 != nil || err2 != nil || da.Checksum != db.Checksum {
		t.Errorf("checksums differ: %v %v", err1, err2)
	}
}

// TestMovieLensBadInput: every malformed input is an error naming the file,
// the line and what was expected; none panics.
func TestMovieLensBadInput(t *testing.T) {
	goodUsers100K := "1|24|M|technician|85711\n2|53|F|other|94043\n"
	goodUsers1M := "1::F::1::10::48067\n2::M::56::16::70072\n"
	tests := []struct {
		name  string
		ml1m  bool
		files map[string]string
		want  []string
	}{
		{"short line", false, map[string]string{"u.user": goodUsers100K, "u.data": "1\t2\t3\t4\n1\t2\t3\n"},
			[]string{"u.data:2:", "expected 4 fields separated by tab, got 3", `"1\t2\t3"`}},
		{"non-numeric rating", false, map[string]string{"u.user": goodUsers100K, "u.data": "1\t2\tfive\t4\n"},
			[]string{"u.data:1:", `rating "five" is not a finite number`}},
		{"NaN rating", false, map[string]string{"u.user": goodUsers100K, "u.data": "1\t2\tNaN\t4\n"},
			[]string{"u.data:1:", "not a finite number"}},
		{"bad user id", false, map[string]string{"u.user": goodUsers100K, "u.data": "-1\t2\t3\t4\n"},
			[]string{"u.data:1:", `user id "-1"`}},
		{"wrong delimiter", false, map[string]string{"u.user": goodUsers100K, "u.data": "1::2::3::4\n"},
			[]string{"u.data:1:", `separated by "::", not tab`}},
		{"ml-1m read as tab", true, map[string]string{"users.dat": goodUsers1M, "ratings.dat": "1\t2\t3\t4\n"},
			[]string{"ratings.dat:1:", `separated by tab, not "::"`}},
		{"user without attributes", false, map[string]string{"u.user": goodUsers100K, "u.data": "1\t2\t3\t4\n7\t2\t3\t5\n"},
			[]string{"no line in", "u.user", "user 7"}},
		{"empty ratings", false, map[string]string{"u.user": goodUsers100K, "u.data": ""},
			[]string{"u.data", "empty"}},
		{"blank-only ratings", false, map[string]string{"u.user": goodUsers100K, "u.data": "\n\n"},
			[]string{"u.data", "empty"}},
		{"empty users", false, map[string]string{"u.user": "", "u.data": "1\t2\t3\t4\n"},
			[]string{"u.user", "empty"}},
		{"bad gender", false, map[string]string{"u.user": "1|24|X|technician|85711\n", "u.data": "1\t2\t3\t4\n"},
			[]string{"u.user:1:", `gender "X" is not M or F`}},
		{"duplicate user", false, map[string]string{"u.user": "1|24|M|a|1\n1|25|F|b|2\n", "u.data": "1\t2\t3\t4\n"},
			[]string{"u.user:2:", "duplicate user id 1 (first on line 1)"}},
		{"ml-1m age code", true, map[string]string{"users.dat": "1::F::2::10::48067\n", "ratings.dat": "1::2::3::4\n"},
			[]string{"users.dat:1:", `age code "2"`}},
		{"ml-1m occupation code", true, map[string]string{"users.dat": "1::F::1::21::48067\n", "ratings.dat": "1::2::3::4\n"},
			[]string{"users.dat:1:", `occupation code "21"`}},
		{"not gzip", true, map[string]string{"users.dat": goodUsers1M, "ratings.dat.gz.raw": ""},
			[]string{"ratings.dat.gz", "not a gzip file"}},
		{"missing ratings", true, map[string]string{"users.dat": goodUsers1M},
			[]string{"no ratings.dat or ratings.dat.gz"}},
		{"missing users", false, map[string]string{"u.data": "1\t2\t3\t4\n"},
			[]string{"u.user", "no such file"}},
		{"CRLF and trailing blank lines are fine", false, map[string]string{"u.user": "1|24|M|x|1\r\n", "u.data": "1\t2\t3\t4\r\n\r\n"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				if strings.HasSuffix(name, ".raw") { // written as is, not compressed
					if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".raw")), []byte("plain text\n"), 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				writeText(t, dir, name, content)
			}
			var err error
			if tc.ml1m {
				_, err = LoadML1M(context.Background(), dir)
			} else {
				_, err = LoadML100K(context.Background(), dir)
			}
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			errContains(t, err, tc.want...)
		})
	}
}

// TestLineErrorTruncates keeps messages short for binary or huge lines.
func TestLineErrorTruncates(t *testing.T) {
	e := lineError("f", 3, strings.Repeat("é", 200), "bad")
	if len(e.Text) > 130 || !strings.HasSuffix(e.Text, "…") {
		t.Errorf("text not truncated: %d bytes", len(e.Text))
	}
	if got := e.Error(); !strings.HasPrefix(got, "f:3: bad (line: ") {
		t.Errorf("Error() = %q", got)
	}
}

func TestAgeGroup(t *testing.T) {
	for _, tc := range []struct {
		age  int
		want string
	}{{7, "Under 18"}, {17, "Under 18"}, {18, "18-24"}, {24, "18-24"}, {25, "25-34"}, {34, "25-34"}, {35, "35-44"},
		{44, "35-44"}, {45, "45-49"}, {49, "45-49"}, {50, "50-55"}, {55, "50-55"}, {56, "56+"}, {73, "56+"}} {
		if got := ageGroup(tc.age); got != tc.want {
			t.Errorf("ageGroup(%d) = %q, want %q", tc.age, got, tc.want)
		}
	}
}

func TestLatin1(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"Mis\xe9rables", "Misérables"},
		{"\xff\x80", "ÿ\u0080"},
	} {
		if got := latin1(tc.in); got != tc.want {
			t.Errorf("latin1(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestML100KAgeGroups loads a three-user ML-100K and checks the age
// attribute under both values of data.age_groups against the ages written
// in u.user: ML-1M's groups by the boundaries of ML-1M's README (17 → Under
// 18, 18 → 18-24, 56 → 56+), or the exact years as classes sorted by value.
func TestML100KAgeGroups(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "u.data", "1\t10\t5\t1\n2\t10\t4\t2\n3\t11\t3\t3\n")
	writeText(t, dir, "u.user", "1|56|M|x|1\n2|17|F|x|1\n3|18|M|x|1\n")
	for _, tc := range []struct {
		groups  string
		classes []string
		values  []string // users 1, 2, 3
	}{
		{AgeGroupsML1M, ageClasses, []string{"56+", "Under 18", "18-24"}},
		{AgeGroupsNone, []string{"17", "18", "56"}, []string{"56", "17", "18"}},
	} {
		d, err := LoadML100KAges(context.Background(), dir, tc.groups)
		if err != nil {
			t.Fatal(err)
		}
		a := d.Attributes["age"]
		if !slices.Equal(a.Classes, tc.classes) {
			t.Errorf("%s: classes %q, want %q", tc.groups, a.Classes, tc.classes)
		}
		for u, id := range d.UserIDs {
			want := tc.values[map[string]int{"1": 0, "2": 1, "3": 2}[id]]
			if got := a.Classes[a.Labels[u]]; got != want {
				t.Errorf("%s: user %s has age %q, want %q", tc.groups, id, got, want)
			}
		}
	}
	if _, err := LoadML100KAges(context.Background(), dir, "decades"); err == nil {
		t.Error("age groups \"decades\" accepted")
	}
}
