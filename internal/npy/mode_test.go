//go:build unix

package npy

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// TestExportModeFollowsUmask: an export is created 0644 under the umask,
// like any file a user's tools create (os.CreateTemp would make it 0600).
func TestExportModeFollowsUmask(t *testing.T) {
	m, _ := dense.FromRows([][]float32{{1, 2}})
	for _, c := range []struct {
		umask int
		want  os.FileMode
	}{{0o022, 0o644}, {0o077, 0o600}, {0o002, 0o644}} {
		old := syscall.Umask(c.umask)
		p := filepath.Join(t.TempDir(), "u.npy")
		err := ExportNPY(p, m)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != c.want {
			t.Errorf("umask %03o: mode %v, want %v", c.umask, st.Mode().Perm(), c.want)
		}
	}
}
