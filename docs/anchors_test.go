// Package docs holds potau's prose documentation; its test checks that the
// links the code makes into docs/method.md land on an anchor that exists.
package docs

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMethodAnchors collects every "docs/method.md#name" written in the
// module's Go files, test data and Markdown, and every in-page link "](#name)"
// of method.md, and fails for a name that method.md does not define with
// <a id="name">. Headings are reworded; the ids are the stable targets.
func TestMethodAnchors(t *testing.T) {
	doc, err := os.ReadFile("method.md")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, m := range regexp.MustCompile(`<a id="([a-z0-9-]+)"></a>`).FindAllStringSubmatch(string(doc), -1) {
		if ids[m[1]] {
			t.Errorf("method.md defines anchor %q twice", m[1])
		}
		ids[m[1]] = true
	}
	if len(ids) == 0 {
		t.Fatal("method.md defines no anchors")
	}
	// A LaTeX macro written through an escaping layer (\text, \frac,
	// \bigl, \nabla…) can arrive as a control character plus the rest of
	// its name; no control character but the newline belongs in the page.
	for i, line := range strings.Split(string(doc), "\n") {
		for _, r := range line {
			if r < 0x20 || r == 0x7f {
				t.Errorf("method.md:%d: control character %U (a mangled LaTeX escape?) in %q", i+1, r, line)
				break
			}
		}
	}
	check := func(where, name string) {
		if !ids[name] {
			t.Errorf("%s links to docs/method.md#%s, which method.md does not define", where, name)
		}
	}
	for _, m := range regexp.MustCompile(`\]\(#([a-z0-9-]+)\)`).FindAllStringSubmatch(string(doc), -1) {
		check("method.md", m[1])
	}
	ref := regexp.MustCompile(`docs/method\.md#([a-z0-9-]+)`)
	n := 0
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != ".." && (strings.HasPrefix(name, ".") || name == "runs" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".json", ".md", ".yaml":
		default:
			return nil
		}
		if base := filepath.Base(path); base == "method.md" || base == "anchors_test.go" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(b), -1) {
			check(path, m[1])
			n++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Error("no file links to docs/method.md#…; the walk found nothing to check")
	}
}
