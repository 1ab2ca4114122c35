package datasets

import (
	"compress/gzip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dataRoot returns the folder of the offline MovieLens copies: $POTAU_DATA,
// else ../shared/datasets beside the repository root when it exists.
func dataRoot(t testing.TB) string {
	t.Helper()
	if d := os.Getenv(EnvData); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared", "datasets")
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// realData returns the folder of one offline data set, skipping the test
// when it is absent.
func realData(t testing.TB, name string, files ...string) string {
	t.Helper()
	root := dataRoot(t)
	dir := filepath.Join(root, name)
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Skipf("offline %s copy not found (%s missing); set %s to a folder holding %s/ to run this test", name, filepath.Join(dir, f), EnvData, name)
		}
	}
	return dir
}

// writeText writes content to dir/name (gzip-compressed when name ends in
// ".gz") and returns the path.
func writeText(t testing.TB, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".gz") {
		f, err := os.Create(p)
		if err != nil {
			t.Fatal(err)
		}
		z := gzip.NewWriter(f)
		if _, err := z.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// errContains fails unless err is non-nil and its text holds every want.
func errContains(t testing.TB, err error, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want one containing %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Fatalf("error %q does not contain %q", err, w)
		}
	}
}

// tinyDataset builds a Dataset from (user, item, time) triples with raw ids
// "u<k>"/"i<k>" and a binary gender attribute (even users M, odd F).
func tinyDataset(nu, ni int, triples [][3]int) *Dataset {
	d := &Dataset{Name: "tiny", UserIDs: make([]string, nu), ItemIDs: make([]string, ni)}
	for u := range d.UserIDs {
		d.UserIDs[u] = "u" + itoa(u)
	}
	for i := range d.ItemIDs {
		d.ItemIDs[i] = "i" + itoa(i)
	}
	for _, x := range triples {
		d.Interactions = append(d.Interactions, Interaction{User: int32(x[0]), Item: int32(x[1]), Rating: 4, Time: int64(x[2])})
	}
	g := &Attribute{Name: "gender", Classes: []string{"M", "F"}, Labels: make([]int32, nu)}
	for u := range g.Labels {
		g.Labels[u] = int32(u % 2)
	}
	d.Attributes = map[string]*Attribute{"gender": g}
	return d
}

func itoa(i int) string { return strconv.Itoa(i) }
