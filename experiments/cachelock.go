package experiments

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/lockfile"
)

// manifestName is the checksum list of a cache entry: one line
// "<sha256 hex>  <file>" per file of the entry (sha256sum's format, so
// `sha256sum -c MANIFEST` checks an entry by hand), sorted by name. It is
// written last, inside the temporary folder that becomes the entry, so an
// entry is complete exactly when its MANIFEST exists.
const manifestName = "MANIFEST"

// CorruptError is a cache entry whose files do not match its manifest.
type CorruptError struct {
	Stage, Key, File, Msg string
}

func (e *CorruptError) Error() string {
	f := ""
	if e.File != "" {
		f = " " + e.File
	}
	return fmt.Sprintf("cache entry %s/%s:%s %s", e.Stage, e.Key, f, e.Msg)
}

// writeManifest hashes every file under dir and writes dir/MANIFEST.
func writeManifest(dir string) error {
	sums, err := hashTree(dir)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	for _, name := range sortedNames(sums) {
		fmt.Fprintf(&b, "%s  %s\n", sums[name], name)
	}
	return os.WriteFile(filepath.Join(dir, manifestName), b.Bytes(), 0o644)
}

func sortedNames(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hashTree returns the sha256 of every regular file under dir (slash paths
// relative to dir), MANIFEST excluded.
func hashTree(dir string) (map[string]string, error) {
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel == manifestName {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return err
		}
		sums[rel] = hex.EncodeToString(h.Sum(nil))
		return nil
	})
	return sums, err
}

// Verify checks a finished entry against its manifest: every listed file
// exists with its checksum and no file is unlisted. A mismatch is a
// *CorruptError naming the entry and the file.
func (c *Cache) Verify(stage, key string) error {
	dir := c.path(stage, key)
	mb, err := os.ReadFile(filepath.Join(dir, manifestName))
	if err != nil {
		return &CorruptError{Stage: stage, Key: key, File: manifestName, Msg: "cannot be read: " + err.Error()}
	}
	want := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(mb))
	for line := 1; sc.Scan(); line++ {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 || name == "" {
			return &CorruptError{Stage: stage, Key: key, File: manifestName, Msg: fmt.Sprintf("line %d: expected \"<sha256>  <file>\"", line)}
		}
		want[name] = sum
	}
	got, err := hashTree(dir)
	if err != nil {
		return &CorruptError{Stage: stage, Key: key, Msg: "cannot be read: " + err.Error()}
	}
	for _, name := range sortedNames(want) {
		g, ok := got[name]
		switch {
		case !ok:
			return &CorruptError{Stage: stage, Key: key, File: name, Msg: "is missing"}
		case g != want[name]:
			return &CorruptError{Stage: stage, Key: key, File: name, Msg: "does not match its checksum (sha256 " + g[:12] + "…, manifest " + want[name][:12] + "…)"}
		}
	}
	for _, name := range sortedNames(got) {
		if _, ok := want[name]; !ok {
			return &CorruptError{Stage: stage, Key: key, File: name, Msg: "is not in the manifest"}
		}
	}
	return nil
}

// Discard removes an entry (after a failed Verify) so it is recomputed: it
// is first renamed to an owner-tagged temporary name, so a reader never
// sees a half-removed entry under the real name.
func (c *Cache) Discard(stage, key string) error {
	final := c.path(stage, key)
	tmp := filepath.Join(filepath.Dir(final), atomicfile.TempName("bad-"+key))
	if err := os.Rename(final, tmp); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("cache: removing corrupt entry %s/%s: %w", stage, key, err)
	}
	return os.RemoveAll(tmp)
}

// lockPath is the lock file of a key: <dir>/<stage>/<key>.lock. Lock files
// stay (they are empty apart from the last holder's owner tag).
func (c *Cache) lockPath(stage, key string) string {
	return filepath.Join(c.Dir, stage, key+".lock")
}

// Claim takes the exclusive lock of a stage key, waiting while another
// process (or another runner of this process) holds it; waiting is called
// once, with the holder's owner tag, before the first wait. The caller
// checks the cache again once it holds the claim: the holder it waited for
// has usually published the entry.
//
// Where the file system does not support locks, Claim warns once (through
// c.Warn) and returns a no-op release: processes sharing that cache may
// then compute a stage twice, which costs time but not correctness — Put
// publishes an entry by one rename, the first published copy wins and the
// copies are identical by construction.
func (c *Cache) Claim(ctx context.Context, stage, key string, waiting func(holder string)) (release func(), err error) {
	if c.noLocks.Load() {
		return func() {}, nil
	}
	if err := os.MkdirAll(filepath.Join(c.Dir, stage), 0o755); err != nil {
		return nil, err
	}
	l, err := lockfile.Acquire(ctx, c.lockPath(stage, key), waiting)
	if errors.Is(err, lockfile.ErrUnsupported) {
		if !c.noLocks.Swap(true) && c.Warn != nil {
			c.Warn("cache %s: the file system does not support locks: processes sharing this cache may compute a stage twice (results stay correct)", c.Dir)
		}
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	return func() { _ = l.Release() }, nil
}

// staleAge is how old a temporary folder of another host must be before
// the lock rule of staleTemp may remove it. A temporary folder lives only
// while Put writes it (seconds), so this costs nothing; it guards against
// file systems whose locks are silently local to one client (NFS mounted
// with nolock or local_lock, BeeGFS without global file locks), where a
// free lock does not prove that no other host is writing.
const staleAge = 10 * time.Minute

// staleTemp reports whether a temporary folder in a stage folder was left
// by an owner that is gone: its owner tag names this host and a pid that is
// not running (atomicfile.Gone), or — for any host — nobody holds the lock
// of the key it was writing (every writer holds its key's lock while it
// writes) and it is older than staleAge. Where locks do not work only the
// first rule applies.
func (c *Cache) staleTemp(stage, name string) bool {
	if atomicfile.Gone(name) {
		return true
	}
	if c.noLocks.Load() {
		return false
	}
	key, ok := tempKey(name)
	if !ok {
		return false
	}
	if st, err := os.Stat(filepath.Join(c.Dir, stage, name)); err != nil || time.Since(st.ModTime()) < staleAge {
		return false
	}
	l, err := lockfile.TryLock(c.lockPath(stage, key))
	if err != nil || l == nil {
		return false
	}
	_ = l.Release()
	return true
}

// tempKey extracts the key from a cache entry's temporary name
// (atomicfile.TempName of the key).
func tempKey(name string) (string, bool) {
	key, _, _, ok := atomicfile.ParseTemp(name)
	if !ok || len(key) != 64 {
		return "", false
	}
	if _, err := hex.DecodeString(key); err != nil {
		return "", false
	}
	return key, true
}

// CheckWritable makes sure dir exists and a file can be created in it.
func CheckWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cache folder %s cannot be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, atomicfile.TempName("probe")+"-")
	if err != nil {
		return fmt.Errorf("cache folder %s is not writable: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
