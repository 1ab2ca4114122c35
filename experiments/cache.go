package experiments

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/potau/potau/internal/atomicfile"
)

// Cache stores finished stage outputs under dir/<stage>/<key>/. A stage's
// folder appears only once complete (atomicfile.PublishDir: written in a
// temporary folder tagged with its owner, its MANIFEST of sha256 checksums
// written last, every file fsynced, then renamed into place), so a run
// killed at any moment leaves either the whole output or nothing. Readers
// verify an entry against its MANIFEST (Verify).
//
// Many processes, on one machine or many, may share a cache: a process
// computing a key holds the key's lock (Claim) while it writes, the others
// wait for it and reuse its entry, and Clean removes only temporary
// folders whose owner is gone.
type Cache struct {
	Dir string
	// Warn reports a degraded mode (a file system without locks); nil: silent.
	Warn func(format string, args ...any)

	noLocks atomic.Bool
}

func (c *Cache) path(stage, key string) string { return filepath.Join(c.Dir, stage, key) }

// Has reports whether a stage output exists (complete: with its MANIFEST;
// Verify checks its contents).
func (c *Cache) Has(stage, key string) bool {
	_, err := os.Stat(filepath.Join(c.path(stage, key), manifestName))
	return err == nil
}

// Dir of a finished stage output (for reading its files).
func (c *Cache) Open(stage, key string) string { return c.path(stage, key) }

// Put publishes the stage's output folder whole (atomicfile.PublishDir):
// write fills a fresh temporary folder, meta (any JSON value) is added as
// meta.json, the MANIFEST last, and the folder is renamed into place.
func (c *Cache) Put(stage, key string, meta any, write func(dir string) error) error {
	mb, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return fmt.Errorf("cache: encoding %s meta: %w", stage, err)
	}
	publish := func() error {
		return atomicfile.PublishDir(c.path(stage, key), func(tmp string) error {
			if write != nil {
				if err := write(tmp); err != nil {
					return err
				}
			}
			if err := os.WriteFile(filepath.Join(tmp, "meta.json"), append(mb, '\n'), 0o644); err != nil {
				return err
			}
			return writeManifest(tmp)
		})
	}
	err = publish()
	if err != nil && errors.Is(err, fs.ErrExist) {
		if c.Has(stage, key) {
			// Another writer (a concurrent run without working locks)
			// finished the same key first: the outputs are identical by
			// construction, keep theirs.
			return nil
		}
		// An incomplete folder under the final name (an entry of an older
		// potau, without a MANIFEST): replace it.
		if err := c.Discard(stage, key); err != nil {
			return err
		}
		err = publish()
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

// Clean removes temporary folders left by killed runs — only those whose
// owner is gone (see staleTemp): another live process's work in progress is
// never touched.
func (c *Cache) Clean() {
	stages, err := os.ReadDir(c.Dir)
	if err != nil {
		return
	}
	for _, st := range stages {
		if !st.IsDir() || atomicfile.IsTemp(st.Name()) {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(c.Dir, st.Name()))
		if err != nil {
			continue
		}
		for _, e := range ents {
			if atomicfile.IsTemp(e.Name()) && c.staleTemp(st.Name(), e.Name()) {
				os.RemoveAll(filepath.Join(c.Dir, st.Name(), e.Name()))
			}
		}
	}
}
