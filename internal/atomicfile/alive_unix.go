//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// alive reports whether a process with this pid exists (EPERM: it exists
// but belongs to another user).
func alive(pid int) bool {
	if pid <= 0 {
		return true // not a real owner: keep
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
