package experiments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potau/potau/results"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, body string
		line       int
		path, msg  string
	}{
		{"unknown top-level key", "# comment\nbogus_key: 1\n", 2, "bogus_key", "unknown key"},
		{"unknown nested key", "name: x\nunlearn:\n  alpha: 1e-3\n  alhpa: 2\n", 4, "unlearn.alhpa", "unknown key"},
		{"wrong type", "unlearn:\n  alpha: high\n", 2, "unlearn.alpha", `expected a number, got "high"`},
		{"quoted number", "seed: \"3\"\n", 1, "seed", "expected a non-negative integer"},
		{"negative epochs", "model:\n  kind: mf\n  epochs: -3\n", 3, "model.epochs", ""},
		{"list expected", "eval:\n  ks: 10\n", 2, "eval.ks", "expected a list"},
		{"bad element", "eval:\n  ks: [5, 0]\n", 2, "eval.ks[1]", "must be >= 1"},
		{"mapping expected", "data: ml-100k\n", 1, "data", "expected a mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"c.yaml": c.body})
			_, err := LoadConfig(filepath.Join(dir, "c.yaml"), nil)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%T), want a *ConfigError", err, err)
			}
			if ce.Line != c.line || ce.Path != c.path || !strings.HasSuffix(ce.File, "c.yaml") {
				t.Fatalf("got %s:%d %s, want line %d key %s (%v)", ce.File, ce.Line, ce.Path, c.line, c.path, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("message %q lacks %q", err, c.msg)
			}
			if !strings.Contains(err.Error(), "c.yaml:") {
				t.Fatalf("message %q lacks file:line", err)
			}
		})
	}
}

func TestExtendsSetAndHash(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"base.yaml":  "name: base\nseed: 7\nunlearn:\n  alpha: 0.5\n  steps: 10\n",
		"child.yaml": "extends: base.yaml\nname: child\nunlearn:\n  steps: 20\n",
		"same.yaml":  "unlearn:\n  steps: 20\n  alpha: 0.5\nseed: 7\nname: child\n",
	})
	c, err := LoadConfig(filepath.Join(dir, "child.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "child" || c.Seed != 7 || c.Unlearn.Alpha != 0.5 || c.Unlearn.Steps != 20 {
		t.Fatalf("merge wrong: %+v %+v", c.Name, c.Unlearn)
	}
	same, err := LoadConfig(filepath.Join(dir, "same.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Hash() != same.Hash() {
		t.Fatal("equal resolved configs have different hashes")
	}
	s, err := LoadConfig(filepath.Join(dir, "child.yaml"), []string{"unlearn.alpha=1e-4", "seed=9"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Unlearn.Alpha != 1e-4 || s.Seed != 9 || s.Hash() == c.Hash() {
		t.Fatalf("--set not applied: alpha %g seed %d", s.Unlearn.Alpha, s.Seed)
	}
	_, err = LoadConfig(filepath.Join(dir, "child.yaml"), []string{"unlearn.alpha=high"})
	if err == nil || !strings.Contains(err.Error(), "--set unlearn.alpha") {
		t.Fatalf("bad --set value: got %v", err)
	}
	// An error in the base file points at the base file.
	dir2 := writeFiles(t, map[string]string{"base.yaml": "seed: 1\nbogus: 2\n", "child.yaml": "extends: base.yaml\n"})
	_, err = LoadConfig(filepath.Join(dir2, "child.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "base.yaml:2") {
		t.Fatalf("error in base: got %v", err)
	}
}

func TestSweepExpandsProductInOrder(t *testing.T) {
	dir := writeFiles(t, map[string]string{"s.yaml": "sweep:\n  unlearn.alpha: [1e-6, 1e-2]\n  seed: [1, 2, 3]\n"})
	spec, err := LoadSpec(filepath.Join(dir, "s.yaml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cells, err := spec.Cells()
	if err != nil {
		t.Fatal(err)
	}
	if len(cells) != 6 {
		t.Fatalf("got %d cells, want 6", len(cells))
	}
	want := []struct {
		a float64
		s uint64
	}{{1e-6, 1}, {1e-6, 2}, {1e-6, 3}, {1e-2, 1}, {1e-2, 2}, {1e-2, 3}}
	hashes := map[string]bool{}
	for i, c := range cells {
		if c.Config.Unlearn.Alpha != want[i].a || c.Config.Seed != want[i].s {
			t.Fatalf("cell %d: alpha %g seed %d, want %v", i, c.Config.Unlearn.Alpha, c.Config.Seed, want[i])
		}
		hashes[c.Hash] = true
	}
	if len(hashes) != 6 {
		t.Fatal("cells share hashes")
	}
	// --set of a swept path fixes it.
	spec, err = LoadSpec(filepath.Join(dir, "s.yaml"), []string{"seed=9"})
	if err != nil {
		t.Fatal(err)
	}
	if cells, err = spec.Cells(); err != nil || len(cells) != 2 || cells[0].Config.Seed != 9 || cells[1].Config.Seed != 9 {
		t.Fatalf("--set of a swept path: %d cells, err %v", len(cells), err)
	}
	dir = writeFiles(t, map[string]string{"s.yaml": "sweep:\n  unlearn.alpha: [1e-6, oops]\n"})
	spec, err = LoadSpec(filepath.Join(dir, "s.yaml"), nil)
	if err == nil {
		_, err = spec.Cells()
	}
	if err == nil || !strings.Contains(err.Error(), "s.yaml:2") || !strings.Contains(err.Error(), "unlearn.alpha") {
		t.Fatalf("bad sweep value: got %v", err)
	}
}

// Every config shipped in configs/ must load and validate.
func TestShippedConfigs(t *testing.T) {
	files, _ := filepath.Glob("../configs/*.yaml")
	more, _ := filepath.Glob("../configs/*/*.yaml")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no configs found under ../configs")
	}
	for _, f := range files {
		spec, err := LoadSpec(f, nil)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, err := spec.Cells(); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestExportNames: folders named for people — α only for methods with α,
// and α, dim and seed only when that axis varies among the grid's cells of
// the dataset × model (so a one-cell run has bare method names); the cell id
// appended only where two cells would still share a name.
func TestExportNames(t *testing.T) {
	cell := func(ds, model string, dim int, seed uint64, alpha float64) Cell {
		var c Cell
		c.Config.Data.Name, c.Config.Model.Kind, c.Config.Model.Dim, c.Config.Seed, c.Config.Unlearn.Alpha = ds, model, dim, seed, alpha
		return c
	}
	cells := []Cell{
		cell("ml-100k", "mf", 32, 1, 3e-4),                                                 // one cell
		cell("ml-100k", "lightgcn", 64, 1, 1e-6), cell("ml-100k", "lightgcn", 64, 1, 1e-4), // an α sweep
		cell("ml-100k", "neumf", 32, 1, 3e-4), cell("ml-100k", "neumf", 32, 2, 3e-4), // a seed sweep
		cell("a/b", "mf", 8, 1, 3e-4), cell("a/b", "mf", 16, 1, 3e-4), // a dim sweep
		cell("x", "mf", 8, 1, 3e-4), cell("x", "mf", 8, 1, 3e-4), // another key swept
	}
	recs := []results.Record{
		{Dataset: "ml-100k", Model: "mf", Method: "original", Dim: 32, Seed: 1, Cell: "c1"},
		{Dataset: "ml-100k", Model: "mf", Method: "D2D-R", Reg: "rank", Alpha: 3e-4, Dim: 32, Seed: 1, Cell: "c1"},
		{Dataset: "ml-100k", Model: "lightgcn", Method: "U2U", Dim: 64, Seed: 1, Cell: "c2"}, // one table for both α
		{Dataset: "ml-100k", Model: "lightgcn", Method: "U2U-R", Reg: "rank", Alpha: 1e-6, Dim: 64, Seed: 1, Cell: "c2"},
		{Dataset: "ml-100k", Model: "lightgcn", Method: "U2U-R", Reg: "rank", Alpha: 1e-4, Dim: 64, Seed: 1, Cell: "c3"},
		{Dataset: "ml-100k", Model: "neumf", Method: "D2D-R", Reg: "rank", Alpha: 3e-4, Dim: 32, Seed: 1, Cell: "c4"},
		{Dataset: "ml-100k", Model: "neumf", Method: "D2D-R", Reg: "rank", Alpha: 3e-4, Dim: 32, Seed: 2, Cell: "c5"},
		{Dataset: "a/b", Model: "mf", Method: "U2U", Dim: 8, Seed: 1, Cell: "c6"},
		{Dataset: "a/b", Model: "mf", Method: "U2U", Dim: 16, Seed: 1, Cell: "c7"},
		{Dataset: "x", Model: "mf", Method: "U2U", Dim: 8, Seed: 1, Cell: "c8"},
		{Dataset: "x", Model: "mf", Method: "U2U", Dim: 8, Seed: 1, Cell: "c9"},
		{Dataset: "y", Model: "mf", Method: "D2D-R", Reg: "rank", Alpha: 1, Dim: 4, Seed: 3, Cell: "c10"}, // of no cell
	}
	want := []string{
		"ml-100k/mf/original", "ml-100k/mf/D2D-R",
		"ml-100k/lightgcn/U2U", "ml-100k/lightgcn/U2U-R-a1e-06", "ml-100k/lightgcn/U2U-R-a0.0001",
		"ml-100k/neumf/D2D-R-s1", "ml-100k/neumf/D2D-R-s2",
		"a_b/mf/U2U-d8", "a_b/mf/U2U-d16",
		"x/mf/U2U-c8", "x/mf/U2U-c9",
		"y/mf/D2D-R-a1-d4-s3",
	}
	got := exportNames(cells, recs)
	for i := range want {
		if got[i] != filepath.FromSlash(want[i]) {
			t.Errorf("record %d: %s, want %s", i, got[i], want[i])
		}
	}
	// The names depend on the grid, not on which records a process holds:
	// the same record gets the same name with the others absent (a shard).
	for i := range recs {
		if one := exportNames(cells, recs[i:i+1]); one[0] != got[i] && !strings.HasPrefix(want[i], "x/") {
			t.Errorf("record %d alone: %s, want %s", i, one[0], got[i])
		}
	}
}

// TestSetSweep: --set sweep.<path>=[…] sets one axis (the path is one sweep
// key), --set sweep={…} sets the axes it names and keeps the others, and a
// sweep value that is not a mapping is an error naming --set.
func TestSetSweep(t *testing.T) {
	dir := writeFiles(t, map[string]string{"s.yaml": "sweep:\n  unlearn.alpha: [1e-6, 1e-2]\n  seed: [1, 2, 3]\n"})
	file := filepath.Join(dir, "s.yaml")
	axes := func(sets ...string) string {
		t.Helper()
		spec, err := LoadSpec(file, sets)
		if err != nil {
			t.Fatalf("%v: %v", sets, err)
		}
		var out []string
		for _, a := range spec.Axes {
			out = append(out, fmt.Sprintf("%s:%d", a.Path, len(a.Values)))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		sets []string
		want string
	}{
		{nil, "unlearn.alpha:2 seed:3"},
		{[]string{"sweep.unlearn.alpha=[1e-6, 1e-4, 1e-3]"}, "unlearn.alpha:3 seed:3"},
		{[]string{"sweep.model.dim=[16, 32]"}, "unlearn.alpha:2 seed:3 model.dim:2"},
		{[]string{"sweep={seed: [7]}"}, "unlearn.alpha:2 seed:1"},
		{[]string{"sweep={model.kind: [mf, lightgcn]}"}, "unlearn.alpha:2 seed:3 model.kind:2"},
		{[]string{"sweep.seed=[5, 6]", "seed=9"}, "unlearn.alpha:2"}, // a --set of the path itself still fixes it
	} {
		if got := axes(tc.sets...); got != tc.want {
			t.Errorf("%v: axes %s, want %s", tc.sets, got, tc.want)
		}
	}
	spec, err := LoadSpec(file, []string{"sweep.unlearn.alpha=[1e-6, 1e-4]"})
	if err != nil {
		t.Fatal(err)
	}
	cells, err := spec.Cells()
	if err != nil || len(cells) != 6 || cells[3].Config.Unlearn.Alpha != 1e-4 {
		t.Fatalf("cells %d, err %v", len(cells), err)
	}
	if _, err := LoadSpec(file, []string{"sweep=[1, 2]"}); err == nil || !strings.Contains(err.Error(), "--set") || !strings.Contains(err.Error(), "expected a mapping") {
		t.Errorf("sweep=[1, 2]: %v, want an error naming --set and the expected mapping", err)
	}
}
