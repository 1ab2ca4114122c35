package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CodeSalt is mixed into every stage key. Bump a stage's salt when a change
// alters what that stage computes, so stale cached results are not reused.
var CodeSalt = map[string]string{
	"data":     "data-v1",
	"train":    "train-v1",
	"unlearn":  "unlearn-v1",
	"baseline": "baseline-v1",
	"eval":     "eval-v1",
	"attack":   "attack-v1",
}

// stageKey hashes exactly what a stage depends on: its name and code salt,
// its config subset and its upstream keys.
func stageKey(stage string, parts ...any) string {
	return hashJSON(append([]any{stage, CodeSalt[stage]}, parts...))
}

// Cache stores finished stage outputs under dir/<stage>/<key>/. A stage's
// folder appears only once complete: it is written in a temporary folder,
// every file fsynced, then renamed into place, so a run killed at any
// moment leaves either the whole output or nothing.
type Cache struct {
	Dir string
}

func (c *Cache) path(stage, key string) string { return filepath.Join(c.Dir, stage, key) }

// Has reports whether a stage output exists.
func (c *Cache) Has(stage, key string) bool {
	_, err := os.Stat(filepath.Join(c.path(stage, key), "meta.json"))
	return err == nil
}

// Dir of a finished stage output (for reading its files).
func (c *Cache) Open(stage, key string) string { return c.path(stage, key) }

// Put runs write into a fresh temporary folder and publishes it as the
// stage's output with meta (any JSON value) as meta.json.
func (c *Cache) Put(stage, key string, meta any, write func(dir string) error) error {
	final := c.path(stage, key)
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-"+key[:12]+"-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if write != nil {
		if err := write(tmp); err != nil {
			return err
		}
	}
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("cache: encoding %s meta: %w", stage, err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "meta.json"), append(mb, '\n'), 0o644); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, final); err != nil {
		// Another writer (a concurrent run) finished the same key first: the
		// outputs are identical by construction, keep theirs.
		if c.Has(stage, key) {
			return nil
		}
		return err
	}
	ok = true
	return syncDir(parent)
}

// Meta reads a finished stage's meta.json into v.
func (c *Cache) Meta(stage, key string, v any) error {
	b, err := os.ReadFile(filepath.Join(c.path(stage, key), "meta.json"))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("cache: %s/%s/meta.json is corrupt: %w", stage, key, err)
	}
	return nil
}

// Clean removes temporary folders left by killed runs.
func (c *Cache) Clean() {
	_ = filepath.WalkDir(c.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".tmp-") {
			os.RemoveAll(p)
			return filepath.SkipDir
		}
		return nil
	})
}

func syncTree(dir string) error {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return syncDir(p)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// WriteFileAtomic writes data to name through a temporary file in the same
// folder, fsynced and renamed into place.
func WriteFileAtomic(name string, data []byte) error {
	return WriteAtomic(name, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// WriteAtomic streams into name through a temporary file, fsynced and
// renamed into place; on error nothing is left behind.
func WriteAtomic(name string, write func(w io.Writer) error) error {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tmp-"+filepath.Base(name)+"-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	ok = true
	return syncDir(dir)
}
