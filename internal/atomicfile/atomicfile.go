// Package atomicfile owns how potau puts a file or a folder on disk: every
// output appears whole or not at all, and survives a crash once the call
// returns.
//
// A file is written to a temporary file in its destination folder (created
// with mode 0644, subject to the umask), fsynced, closed, renamed over the
// destination, and then the folder itself is fsynced so that the rename is
// durable. A folder (PublishDir) is filled under a temporary name in its
// parent, every file and folder in it is fsynced, it is renamed into place
// and the parent is fsynced. Temporary names start with TempPrefix, so a
// cleaner can recognise what a killed process left behind (IsTemp).
//
// A temporary name also carries its owner, "<pid>@<host>":
//
//	.tmp-<base>-<pid>@<host>-<random hex>
//
// so that a process sharing a folder with others (runs sharing a cache or a
// run folder, on one machine or many) removes only what an owner that is
// gone left behind (Gone, CleanStale). An owner counts as gone only when
// its host is this host and no process has its pid: a temporary file of
// another host is never judged here (its owner may be alive there), and a
// reused pid keeps a stale file until the pid is free — both err on the
// side of keeping.
//
// Readers never see a partial file: on any error the temporary file or
// folder is removed and the destination is untouched.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
)

// TempPrefix starts the name of every temporary file and folder.
const TempPrefix = ".tmp-"

// IsTemp reports whether a base name is one of this package's temporary
// names (left behind only by a killed process).
func IsTemp(base string) bool { return strings.HasPrefix(base, TempPrefix) }

// Op is the kind of an Event.
type Op int

const (
	// Wrote: a file was renamed into place (Path is the destination).
	Wrote Op = iota
	// Published: a folder was renamed into place (Path is the destination).
	Published
	// SyncedDir: a folder was fsynced (Path is the folder).
	SyncedDir
)

func (o Op) String() string {
	switch o {
	case Wrote:
		return "wrote"
	case Published:
		return "published"
	case SyncedDir:
		return "synced-dir"
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// An Event is one step this package took on disk, reported to the observer
// installed with Observe.
type Event struct {
	Op   Op
	Path string
}

var observer atomic.Pointer[func(Event)]

// Observe installs f to be called, from any goroutine, after each step this
// package takes on disk, and returns a function that removes it. It exists
// for tests that check a writer's files are atomic and durable (every file
// renamed into place, then its folder synced); f must be safe for concurrent
// use. Only one observer is active at a time.
func Observe(f func(Event)) (stop func()) {
	observer.Store(&f)
	return func() { observer.Store(nil) }
}

func notify(op Op, path string) {
	if f := observer.Load(); f != nil {
		(*f)(Event{op, path})
	}
}

// WriteFile writes data to name atomically and durably (see the package
// comment), creating name's folder if needed.
func WriteFile(name string, data []byte) error {
	return Write(name, func(w io.Writer) error { _, err := w.Write(data); return err })
}

// Write streams into name atomically and durably: write receives a buffered
// writer onto a temporary file in name's folder (created if needed); when it
// returns nil the data is flushed, fsynced and renamed over name, and the
// folder is fsynced. If write or any step fails, name is untouched and the
// temporary file is removed.
func Write(name string, write func(w io.Writer) error) (err error) {
	dir := filepath.Dir(name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := createTemp(dir, filepath.Base(name))
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<16)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	notify(Wrote, name)
	return SyncDir(dir)
}

var (
	hostOnce sync.Once
	host     string
)

// Host is this machine's host name as used in owner tags ("unknown" if it
// cannot be read); characters other than letters, digits, '.', '_' and '-'
// are replaced by '_'.
func Host() string {
	hostOnce.Do(func() {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "unknown"
		}
		host = regexp.MustCompile(`[^A-Za-z0-9._-]`).ReplaceAllString(h, "_")
	})
	return host
}

// Owner is this process's owner tag, "<pid>@<host>".
func Owner() string { return strconv.Itoa(os.Getpid()) + "@" + Host() }

// TempName returns a fresh temporary base name for base owned by this
// process: TempPrefix + base + "-" + Owner() + "-" + random hex.
func TempName(base string) string {
	return fmt.Sprintf("%s%s-%s-%08x", TempPrefix, base, Owner(), rand.Uint32())
}

var tempRE = regexp.MustCompile(`^\.tmp-(.*)-([0-9]+)@([^@/]+)-[0-9a-f]+$`)

// ParseTemp returns the base and owner of a temporary name made by
// TempName.
func ParseTemp(name string) (base string, pid int, host string, ok bool) {
	m := tempRE.FindStringSubmatch(name)
	if m == nil {
		return "", 0, "", false
	}
	pid, err := strconv.Atoi(m[2])
	if err != nil {
		return "", 0, "", false
	}
	return m[1], pid, m[3], true
}

// Gone reports whether the owner of a temporary name is known to be gone:
// the name carries an owner tag of this host whose pid is not running.
// Names without an owner tag are never judged gone.
func Gone(name string) bool {
	_, pid, h, ok := ParseTemp(name)
	if !ok || h != Host() {
		return false
	}
	return !alive(pid)
}

// CleanStale removes the temporary files and folders directly in dir whose
// owner is gone (Gone) and returns the paths it removed.
func CleanStale(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		if IsTemp(e.Name()) && Gone(e.Name()) {
			p := filepath.Join(dir, e.Name())
			if os.RemoveAll(p) == nil {
				removed = append(removed, p)
			}
		}
	}
	return removed
}

// createTemp creates a new file TempName(base) in dir with mode 0644
// (subject to the umask; os.CreateTemp would make it 0600).
func createTemp(dir, base string) (*os.File, error) {
	for range 1000 {
		p := filepath.Join(dir, TempName(base))
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("atomicfile: no free temporary name for %s in %s", base, dir)
}

// mkdirTemp creates a new folder TempName(base) in dir with mode 0755
// (subject to the umask; os.MkdirTemp would make it 0700).
func mkdirTemp(dir, base string) (string, error) {
	for range 1000 {
		p := filepath.Join(dir, TempName(base))
		err := os.Mkdir(p, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return p, err
	}
	return "", fmt.Errorf("atomicfile: no free temporary name for %s in %s", base, dir)
}

// PublishDir creates the folder final whole: fill writes its files into a
// fresh temporary folder in final's parent (created if needed); then every
// file and folder in it is fsynced, it is renamed to final and the parent is
// fsynced. On any error the temporary folder is removed.
//
// final must not exist as a non-empty folder: the rename then fails with an
// error for which errors.Is(err, fs.ErrExist) holds, and the caller decides
// (a cache keeps the existing copy). ReplaceDir replaces it instead.
func PublishDir(final string, fill func(tmp string) error) error {
	return publishDir(final, fill, false)
}

// ReplaceDir is PublishDir, except that an existing final is replaced: only
// once the new folder is complete and synced is the old one renamed aside
// (to a temporary name), the new one renamed into place, the parent synced
// and the old one removed. A crash between the two renames leaves the old
// copy under a temporary name and final absent, never a partial folder.
func ReplaceDir(final string, fill func(tmp string) error) error {
	return publishDir(final, fill, true)
}

func publishDir(final string, fill func(tmp string) error, replace bool) (err error) {
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return err
	}
	tmp, err := mkdirTemp(parent, filepath.Base(final))
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err := fill(tmp); err != nil {
		return err
	}
	if err := syncTree(tmp); err != nil {
		return err
	}
	old := ""
	if replace {
		if _, err := os.Lstat(final); err == nil {
			old = filepath.Join(parent, TempName(filepath.Base(final)+".old"))
			if err := os.Rename(final, old); err != nil {
				return err
			}
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		if old != "" {
			os.Rename(old, final) // put the old copy back
		}
		return err
	}
	notify(Published, final)
	if err := SyncDir(parent); err != nil {
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}

// syncTree fsyncs every file and folder under root, folders after their
// contents.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		return f.Sync()
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := SyncDir(dirs[i]); err != nil {
			return err
		}
	}
	return nil
}

// SyncDir fsyncs the folder dir, making the creation, removal and renaming
// of its entries durable. File systems that cannot sync a folder (EINVAL)
// are accepted.
func SyncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("syncing folder %s: %w", dir, err)
	}
	notify(SyncedDir, dir)
	return nil
}
