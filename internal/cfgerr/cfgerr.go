// Package cfgerr owns the error type that config validation returns, so that
// the config loader can point a user at the file and line of a bad key.
package cfgerr

import (
	"errors"
	"fmt"
)

// FieldError says that the config value at a dotted key path is invalid.
// Packages return paths relative to their own block ("negatives"); the
// config loader prefixes the block ("split.negatives") and adds file:line.
type FieldError struct {
	Path string // dotted key path, e.g. "unlearn.alpha"
	Msg  string // what was expected, e.g. "must be >= 0, got -1"
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s", e.Path, e.Msg) }

// New returns a *FieldError for path with a formatted message.
func New(path, format string, args ...any) error {
	return &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// Prefix returns err with prefix prepended to its path when err is a
// *FieldError, and err unchanged otherwise.
func Prefix(prefix string, err error) error {
	var fe *FieldError
	if err == nil || !errors.As(err, &fe) {
		return err
	}
	p := prefix
	if fe.Path != "" {
		p += "." + fe.Path
	}
	return &FieldError{Path: p, Msg: fe.Msg}
}
