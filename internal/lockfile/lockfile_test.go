package lockfile

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/potau/potau/internal/atomicfile"
)

func TestTryLockExcludesOtherHolders(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.lock")
	a, err := TryLock(p)
	if err != nil || a == nil {
		t.Fatalf("first TryLock: %v %v", a, err)
	}
	// A second open of the same file is a second holder, even in this process.
	if b, err := TryLock(p); err != nil || b != nil {
		t.Fatalf("second TryLock while held: %v %v, want nil, nil", b, err)
	}
	if got := Holder(p); got != atomicfile.Owner() {
		t.Errorf("Holder = %q, want %q", got, atomicfile.Owner())
	}
	if err := a.Release(); err != nil {
		t.Fatal(err)
	}
	b, err := TryLock(p)
	if err != nil || b == nil {
		t.Fatalf("TryLock after release: %v %v", b, err)
	}
	b.Release()
}

func TestAcquireWaitsAndStopsOnCancel(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.lock")
	a, err := TryLock(p)
	if err != nil || a == nil {
		t.Fatal(err)
	}
	const hold = 150 * time.Millisecond
	go func() { time.Sleep(hold); a.Release() }()
	var holder string
	calls := 0
	start := time.Now()
	b, err := Acquire(context.Background(), p, func(h string) { holder = h; calls++ })
	if err != nil || b == nil {
		t.Fatal(err)
	}
	if w := time.Since(start); w < hold {
		t.Errorf("Acquire returned after %v, before the holder released at %v", w, hold)
	}
	if calls != 1 || holder != atomicfile.Owner() {
		t.Errorf("waiting called %d times with %q, want once with %q", calls, holder, atomicfile.Owner())
	}
	// While b is held, a cancelled wait returns the context's error promptly
	// (the poll backs off to at most 500 ms).
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start = time.Now()
	c, err := Acquire(ctx, p, nil)
	if c != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire under a held lock with a 100 ms deadline: %v %v", c, err)
	}
	if w := time.Since(start); w > time.Second {
		t.Errorf("cancelled Acquire took %v, want well under a second", w)
	}
	b.Release()
}

// TestHelperHold is the subprocess of TestLockDiesWithItsHolder: it takes
// the lock named by POTAU_LOCK_HOLD, says so and sleeps.
func TestHelperHold(t *testing.T) {
	p := os.Getenv("POTAU_LOCK_HOLD")
	if p == "" {
		t.Skip("helper process")
	}
	l, err := TryLock(p)
	if err != nil || l == nil {
		os.Exit(3)
	}
	os.Stdout.WriteString("held\n")
	time.Sleep(time.Minute)
}

// A lock held by a process killed with SIGKILL is free at once: there is no
// stale-lock rule to wait for.
func TestLockDiesWithItsHolder(t *testing.T) {
	p := filepath.Join(t.TempDir(), "k.lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHold$")
	cmd.Env = append(os.Environ(), "POTAU_LOCK_HOLD="+p)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := out.Read(buf); err != nil || !strings.HasPrefix(string(buf), "held") {
		cmd.Process.Kill()
		t.Fatalf("helper did not take the lock: %q %v", buf, err)
	}
	if l, _ := TryLock(p); l != nil {
		t.Fatal("TryLock succeeded while another process holds the lock")
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := TryLock(p)
	if err != nil || l == nil {
		t.Fatalf("TryLock after the holder was killed: %v %v", l, err)
	}
	l.Release()
}
