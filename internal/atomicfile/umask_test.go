//go:build unix

package atomicfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestModeFollowsUmask: files are created 0644 and folders 0755, minus the
// umask — as os.WriteFile and os.Mkdir would make them, not 0600/0700 as
// os.CreateTemp and os.MkdirTemp do. (The umask is process-wide: this test
// does not run in parallel.)
func TestModeFollowsUmask(t *testing.T) {
	for _, umask := range []int{0o022, 0o027, 0o077} {
		old := syscall.Umask(umask)
		dir := t.TempDir()
		p := filepath.Join(dir, "f")
		errW := WriteFile(p, []byte("x"))
		errD := PublishDir(filepath.Join(dir, "d"), func(string) error { return nil })
		syscall.Umask(old)
		if errW != nil || errD != nil {
			t.Fatal(errW, errD)
		}
		for _, c := range []struct {
			path string
			want fs.FileMode
		}{{p, 0o644 &^ fs.FileMode(umask)}, {filepath.Join(dir, "d"), 0o755 &^ fs.FileMode(umask)}} {
			st, err := os.Stat(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != c.want {
				t.Errorf("umask %03o: %s mode %03o, want %03o", umask, filepath.Base(c.path), got, c.want)
			}
		}
	}
}
