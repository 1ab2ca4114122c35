// Package atomictest checks, in tests, that a writer put its files on disk
// through internal/atomicfile: every file under an output folder was either
// renamed into place by atomicfile or lies in a folder atomicfile published,
// its folder was fsynced after that rename, and no temporary file is left.
package atomictest

import (
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/potau/potau/internal/atomicfile"
)

// Log records atomicfile's events from Start until the test ends.
type Log struct {
	mu     sync.Mutex
	events []atomicfile.Event
	ignore []string
}

// Ignore makes Problems skip files whose base name matches pattern
// (filepath.Match), such as lock files, which must keep one inode and are
// not outputs.
func (l *Log) Ignore(pattern string) {
	l.mu.Lock()
	l.ignore = append(l.ignore, pattern)
	l.mu.Unlock()
}

func (l *Log) ignored(base string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.ignore {
		if ok, _ := filepath.Match(p, base); ok {
			return true
		}
	}
	return false
}

// Start installs a Log as atomicfile's observer for the rest of the test.
// Tests using it must not run in parallel with other tests that write.
func Start(t testing.TB) *Log {
	l := &Log{}
	stop := atomicfile.Observe(func(e atomicfile.Event) {
		l.mu.Lock()
		e.Path = filepath.Clean(e.Path)
		l.events = append(l.events, e)
		l.mu.Unlock()
	})
	t.Cleanup(stop)
	return l
}

// Events returns a copy of the events so far.
func (l *Log) Events() []atomicfile.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]atomicfile.Event(nil), l.events...)
}

// Problems walks each root and returns one line per violation: a temporary
// file or folder left behind; a regular file that atomicfile neither wrote
// nor published inside a folder; a file or published folder whose parent
// folder was not fsynced after it was renamed into place. It also returns
// how many files it checked.
func (l *Log) Problems(roots ...string) (problems []string, files int, err error) {
	ev := l.Events()
	wrote := map[string]int{}     // destination → index of its last Wrote
	published := map[string]int{} // folder → index of its last Published
	synced := map[string][]int{}  // folder → indices of SyncedDir
	for i, e := range ev {
		switch e.Op {
		case atomicfile.Wrote:
			wrote[e.Path] = i
		case atomicfile.Published:
			published[e.Path] = i
		case atomicfile.SyncedDir:
			synced[e.Path] = append(synced[e.Path], i)
		}
	}
	syncedAfter := func(dir string, i int) bool {
		s := synced[dir]
		return len(s) > 0 && s[len(s)-1] > i
	}
	for _, root := range roots {
		root = filepath.Clean(root)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if atomicfile.IsTemp(d.Name()) {
				problems = append(problems, p+": temporary file left behind")
				return nil
			}
			if d.IsDir() {
				if i, ok := published[p]; ok && !syncedAfter(filepath.Dir(p), i) {
					problems = append(problems, p+": published, but its parent folder was not synced after")
				}
				return nil
			}
			if !d.Type().IsRegular() || l.ignored(d.Name()) {
				return nil
			}
			files++
			if i, ok := wrote[p]; ok {
				if !syncedAfter(filepath.Dir(p), i) {
					problems = append(problems, p+": written, but its folder was not synced after")
				}
				return nil
			}
			for dir := filepath.Dir(p); strings.HasPrefix(dir, root); dir = filepath.Dir(dir) {
				if _, ok := published[dir]; ok {
					return nil
				}
				if dir == filepath.Dir(dir) {
					break
				}
			}
			problems = append(problems, p+": not written through atomicfile")
			return nil
		})
		if err != nil {
			return problems, files, err
		}
	}
	sort.Strings(problems)
	return problems, files, nil
}

// Check fails t for every problem Problems finds under roots, and if fewer
// than minFiles files were checked (a guard against checking an empty
// folder).
func (l *Log) Check(t testing.TB, minFiles int, roots ...string) {
	t.Helper()
	problems, files, err := l.Problems(roots...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if files < minFiles {
		t.Errorf("checked %d files under %v, want at least %d", files, roots, minFiles)
	}
}
