//go:build !unix

package lockfile

import "os"

func tryLock(f *os.File) (bool, error) { return false, ErrUnsupported }

func unlock(f *os.File) error { return nil }
