package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

// record collects the events of f.
func record(t *testing.T, f func()) []Event {
	t.Helper()
	var mu sync.Mutex
	var ev []Event
	stop := Observe(func(e Event) { mu.Lock(); ev = append(ev, e); mu.Unlock() })
	defer stop()
	f()
	return ev
}

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "sub", "out.txt") // the folder is created
	var err error
	ev := record(t, func() { err = WriteFile(p, []byte("hello")) })
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "hello" {
		t.Errorf("content %q, want hello", b)
	}
	// The rename, then the folder's sync: the order that makes it durable.
	want := []Event{{Wrote, p}, {SyncedDir, filepath.Dir(p)}}
	if !slices.Equal(ev, want) {
		t.Errorf("events %v, want %v", ev, want)
	}
	// Overwrite in place; no temporary file is left.
	if err := WriteFile(p, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "bye" {
		t.Errorf("content %q, want bye", b)
	}
	if n := names(t, filepath.Dir(p)); !slices.Equal(n, []string{"out.txt"}) {
		t.Errorf("folder holds %q, want only out.txt", n)
	}
}

// TestWriteError: a failing writer leaves the old file and no temporary.
func TestWriteError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out.txt")
	if err := WriteFile(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	var err error
	ev := record(t, func() {
		err = Write(p, func(w io.Writer) error {
			w.Write(make([]byte, 1<<20)) // past the buffer: bytes reach the temporary file
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	if len(ev) != 0 {
		t.Errorf("events %v after a failed write, want none", ev)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("content %q, want the old file", b)
	}
	if n := names(t, dir); !slices.Equal(n, []string{"out.txt"}) {
		t.Errorf("folder holds %q, want only out.txt", n)
	}
	// A folder in the way of the rename is an error, and nothing is left.
	if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "d", "x"), nil, 0o644)
	if err := WriteFile(filepath.Join(dir, "d"), []byte("x")); err == nil {
		t.Error("writing over a non-empty folder: no error")
	}
	if n := names(t, dir); !slices.Equal(n, []string{"d", "out.txt"}) {
		t.Errorf("folder holds %q, want d and out.txt", n)
	}
}

func TestPublishDir(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "stage", "key")
	fill := func(content string) func(string) error {
		return func(tmp string) error {
			if err := os.Mkdir(filepath.Join(tmp, "in"), 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(tmp, "in", "f"), []byte(content), 0o644)
		}
	}
	var err error
	ev := record(t, func() { err = PublishDir(final, fill("one")) })
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "in", "f")); string(b) != "one" {
		t.Errorf("content %q, want one", b)
	}
	// Every folder of the tree is synced before the rename; the parent after.
	if n := len(ev); n < 3 || ev[n-2] != (Event{Published, final}) || ev[n-1] != (Event{SyncedDir, filepath.Dir(final)}) {
		t.Errorf("events %v: want the tree's syncs, then published %s, then its parent synced", ev, final)
	}
	if ev[0].Op != SyncedDir || filepath.Base(ev[0].Path) != "in" {
		t.Errorf("first event %v, want the inner folder synced first", ev[0])
	}
	// A second publish of the same folder reports fs.ErrExist and keeps the
	// first; a failing fill leaves nothing.
	if err := PublishDir(final, fill("two")); !errors.Is(err, fs.ErrExist) {
		t.Errorf("publishing over an existing folder: error %v, want fs.ErrExist", err)
	}
	if err := PublishDir(filepath.Join(parent, "stage", "other"), func(string) error { return errors.New("boom") }); err == nil {
		t.Error("failing fill: no error")
	}
	if n := names(t, filepath.Dir(final)); !slices.Equal(n, []string{"key"}) {
		t.Errorf("parent holds %q, want only key", n)
	}
	if b, _ := os.ReadFile(filepath.Join(final, "in", "f")); string(b) != "one" {
		t.Errorf("content %q after the refused publish, want one", b)
	}
}

func TestReplaceDir(t *testing.T) {
	parent := t.TempDir()
	final := filepath.Join(parent, "ml-100k")
	put := func(content string) func(string) error {
		return func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "u.data"), []byte(content), 0o644) }
	}
	for _, c := range []string{"first", "second"} {
		if err := ReplaceDir(final, put(c)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(filepath.Join(final, "u.data")); string(b) != c {
			t.Errorf("content %q, want %q", b, c)
		}
	}
	if err := ReplaceDir(final, func(string) error { return errors.New("boom") }); err == nil {
		t.Error("failing fill: no error")
	}
	if b, _ := os.ReadFile(filepath.Join(final, "u.data")); string(b) != "second" {
		t.Errorf("content %q after a failed replace, want the previous copy", b)
	}
	if n := names(t, parent); !slices.Equal(n, []string{"ml-100k"}) {
		t.Errorf("parent holds %q, want only ml-100k (old copies and temporaries removed)", n)
	}
}

func TestIsTemp(t *testing.T) {
	dir := t.TempDir()
	f, err := createTemp(dir, "x.npy")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	d, err := mkdirTemp(dir, "key")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{f.Name(), d} {
		if !IsTemp(filepath.Base(p)) {
			t.Errorf("IsTemp(%s) = false", filepath.Base(p))
		}
	}
	if IsTemp("x.npy") || IsTemp("tmp-x") {
		t.Error("IsTemp true for an ordinary name")
	}
}
