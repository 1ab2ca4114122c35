package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

func TestTempNameCarriesItsOwner(t *testing.T) {
	for _, base := range []string{"users.npy", "0a1b-c@d", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"} {
		name := TempName(base)
		if !IsTemp(name) {
			t.Errorf("TempName(%q) = %q is not a temporary name", base, name)
		}
		b, pid, host, ok := ParseTemp(name)
		if !ok || b != base || pid != os.Getpid() || host != Host() {
			t.Errorf("ParseTemp(%q) = %q %d %q %v, want %q %d %q", name, b, pid, host, ok, base, os.Getpid(), Host())
		}
	}
	// A host name with dashes and a base with dashes still split right: the
	// owner is the last "-<pid>@<host>-" before the random suffix.
	if b, pid, host, ok := ParseTemp(".tmp-a-b-42@node-7.cluster-0badcafe"); !ok || b != "a-b" || pid != 42 || host != "node-7.cluster" {
		t.Errorf("ParseTemp with dashes: %q %d %q %v", b, pid, host, ok)
	}
	for _, bad := range []string{".tmp-users.npy-1234", "users.npy", ".tmp-x-12@-ab", ".tmp-x-y@h-ab"} {
		if _, _, _, ok := ParseTemp(bad); ok {
			t.Errorf("ParseTemp(%q) accepted a name without an owner tag", bad)
		}
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestCleanStaleRemovesOnlyGoneOwners(t *testing.T) {
	dir := t.TempDir()
	dead := deadPID(t)
	names := map[string]bool{ // name → removed?
		".tmp-users.npy-" + strconv.Itoa(dead) + "@" + Host() + "-00000001":              true,  // this host, process gone
		".tmp-users.npy-" + strconv.Itoa(os.Getpid()) + "@" + Host() + "-00000002":       false, // this process: alive
		".tmp-users.npy-" + strconv.Itoa(dead) + "@another-host-" + Host() + "-00000003": false, // another host: cannot tell
		".tmp-users.npy-1234": false, // no owner tag (an older potau): never judged
		"users.npy":           false, // not temporary
		".tmp-k-" + strconv.Itoa(dead) + "@" + Host() + "-00000004": true, // a folder
	}
	for n := range names {
		p := filepath.Join(dir, n)
		var err error
		if n[len(n)-1] == '4' {
			err = os.MkdirAll(filepath.Join(p, "sub"), 0o755)
		} else {
			err = os.WriteFile(p, []byte("x"), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	removed := CleanStale(dir)
	if len(removed) != 2 {
		t.Errorf("removed %v, want the two of the gone owner", removed)
	}
	for n, gone := range names {
		_, err := os.Stat(filepath.Join(dir, n))
		if exists := err == nil; exists == gone {
			t.Errorf("%s: exists=%v after CleanStale, want removed=%v", n, exists, gone)
		}
	}
}
