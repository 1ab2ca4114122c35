package structdoc

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDocs reads a two-package source tree written here and checks every
// path: nested structs, a struct from another package, a pointer, an inline
// field, a skipped field, a trailing comment, a shared comment and the
// lower-cased default key.
func TestDocs(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, src string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/a.go", `package a
import bb "example.com/b"
type Config struct {
	// Name names it.
	Name string `+"`yaml:\"name\"`"+`
	Sub  *Sub `+"`yaml:\"sub\"`"+` // Sub is nested.
	// Other comes from b.
	Other bb.Thing `+"`yaml:\"other\"`"+`
	In    Inl `+"`yaml:\",inline\"`"+`
	Skip  int `+"`yaml:\"-\"`"+`
	// Plain has no tag.
	Plain int
}
type Sub struct {
	// X and Y are coordinates.
	X int `+"`yaml:\"x\"`"+`
	Y int `+"`yaml:\"y\"`"+`
}
type Inl struct {
	// Flat sits at the parent's level.
	Flat bool `+"`yaml:\"flat\"`"+`
}
`)
	write("b/b.go", "package b\ntype Thing struct {\n\t// Deep is in b.\n\tDeep int `yaml:\"deep\"`\n}\n")
	got, err := Docs(map[string]string{"example.com/a": filepath.Join(dir, "a"), "example.com/b": filepath.Join(dir, "b")}, "example.com/a", "Config")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"name": "Name names it.", "sub": "Sub is nested.", "sub.x": "X and Y are coordinates.", "sub.y": "X and Y are coordinates.",
		"other": "Other comes from b.", "other.deep": "Deep is in b.", "flat": "Flat sits at the parent's level.", "plain": "Plain has no tag.",
	}
	if len(got) != len(want) {
		t.Errorf("got %d paths %v, want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
