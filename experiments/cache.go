package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/potau/potau/internal/atomicfile"
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
// folder appears only once complete (atomicfile.PublishDir: written in a
// temporary folder, every file fsynced, then renamed into place), so a run
// killed at any moment leaves either the whole output or nothing.
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

// Put publishes the stage's output folder whole (atomicfile.PublishDir):
// write fills a fresh temporary folder, meta (any JSON value) is added as
// meta.json, and the folder is renamed into place.
func (c *Cache) Put(stage, key string, meta any, write func(dir string) error) error {
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("cache: encoding %s meta: %w", stage, err)
	}
	err = atomicfile.PublishDir(c.path(stage, key), func(tmp string) error {
		if write != nil {
			if err := write(tmp); err != nil {
				return err
			}
		}
		return os.WriteFile(filepath.Join(tmp, "meta.json"), append(mb, '\n'), 0o644)
	})
	if err != nil && errors.Is(err, fs.ErrExist) && c.Has(stage, key) {
		// Another writer (a concurrent run) finished the same key first: the
		// outputs are identical by construction, keep theirs.
		return nil
	}
	return err
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
		if d.IsDir() && atomicfile.IsTemp(d.Name()) {
			os.RemoveAll(p)
			return filepath.SkipDir
		}
		return nil
	})
}
