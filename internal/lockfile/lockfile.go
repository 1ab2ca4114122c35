// Package lockfile owns how potau processes exclude each other: exclusive
// locks on lock files.
//
// Locks are flock(2) locks on an open file. The kernel releases them when
// the holder exits in any way (kill -9 included), so there is no stale-lock
// rule to tune. Two opens of one file in one process are two holders, so a
// process also excludes its own other users of the file. On NFS (Linux
// ≥ 2.6.12) flock is carried out as a POSIX byte-range lock through the
// server's lock manager, which works between hosts when the lock service
// runs (NFSv3 lockd/statd, or NFSv4's built-in locking); Lustre needs the
// `flock` mount option. Where the file system refuses locks (ENOLCK,
// ENOTSUP, ENOSYS, EINVAL), the calls return ErrUnsupported and the caller
// decides how to degrade.
package lockfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/potau/potau/internal/atomicfile"
)

// ErrUnsupported means the file system does not support locks.
var ErrUnsupported = errors.New("file locks are not supported on this file system")

// Lock is a held exclusive lock.
type Lock struct {
	f *os.File
}

// TryLock takes the exclusive lock of the file at path (created if needed)
// without waiting. It returns (nil, nil) when another holder has it.
func TryLock(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	got, err := tryLock(f)
	if err != nil || !got {
		f.Close()
		return nil, err
	}
	// Record the holder for the messages of those who wait (advisory only).
	if f.Truncate(0) == nil {
		_, _ = f.WriteAt([]byte(atomicfile.Owner()+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Holder returns the owner tag ("<pid>@<host>") the last holder of path
// recorded, if any.
func Holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// Acquire takes the exclusive lock of path, waiting for the holder to
// release it. It polls (every 20 ms, backing off to 500 ms) so that ctx can
// stop the wait promptly; waiting is called once, before the first wait.
func Acquire(ctx context.Context, path string, waiting func(holder string)) (*Lock, error) {
	delay := 20 * time.Millisecond
	for first := true; ; first = false {
		l, err := TryLock(path)
		if err != nil || l != nil {
			return l, err
		}
		if first && waiting != nil {
			waiting(Holder(path))
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if delay *= 2; delay > 500*time.Millisecond {
			delay = 500 * time.Millisecond
		}
	}
}

// Release unlocks (the lock file stays: removing it would race with a
// process that has just opened it).
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	if err != nil {
		return fmt.Errorf("lockfile: releasing %w", err)
	}
	return nil
}
