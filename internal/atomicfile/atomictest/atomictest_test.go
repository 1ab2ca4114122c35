package atomictest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potau/potau/internal/atomicfile"
)

// TestProblems: the checker accepts files written and folders published by
// atomicfile, and names each kind of violation.
func TestProblems(t *testing.T) {
	root := t.TempDir()
	l := Start(t)
	if err := atomicfile.WriteFile(filepath.Join(root, "a.txt"), []byte("a")); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.PublishDir(filepath.Join(root, "pub"), func(tmp string) error {
		os.Mkdir(filepath.Join(tmp, "sub"), 0o755)
		return os.WriteFile(filepath.Join(tmp, "sub", "b.txt"), []byte("b"), 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, n, err := l.Problems(root); err != nil || len(p) != 0 || n != 2 {
		t.Fatalf("clean folder: problems %q, %d files, %v; want none, 2 files", p, n, err)
	}

	// A plain write, a temporary file left behind, and a write whose folder
	// sync is missing from the log.
	os.WriteFile(filepath.Join(root, "plain.txt"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "k.lock"), nil, 0o644) // ignored below
	l.Ignore("*.lock")
	os.WriteFile(filepath.Join(root, atomicfile.TempPrefix+"x"), nil, 0o644)
	unsynced := filepath.Join(root, "unsynced.txt")
	os.WriteFile(unsynced, nil, 0o644)
	l.mu.Lock()
	l.events = append(l.events, atomicfile.Event{Op: atomicfile.Wrote, Path: unsynced})
	l.mu.Unlock()
	p, _, err := l.Problems(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		filepath.Join(root, atomicfile.TempPrefix+"x") + ": temporary file left behind",
		filepath.Join(root, "plain.txt") + ": not written through atomicfile",
		unsynced + ": written, but its folder was not synced after",
	}
	if strings.Join(p, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(p, "\n"), strings.Join(want, "\n"))
	}
}
