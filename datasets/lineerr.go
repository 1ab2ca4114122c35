package datasets

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// LineError reports a malformed line of an input file: which file, which
// 1-based line, the offending text (truncated to 120 bytes) and what was
// expected.
type LineError struct {
	File string
	Line int
	Text string
	Msg  string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("%s:%d: %s (line: %q)", e.File, e.Line, e.Msg, e.Text)
}

// lineError builds a *LineError, truncating text so that a binary or
// single-line file does not flood the message.
func lineError(file string, line int, text, format string, args ...any) *LineError {
	const max = 120
	if len(text) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	return &LineError{File: file, Line: line, Text: text, Msg: fmt.Sprintf(format, args...)}
}

// knownDelimiters are the separators the hint in delimiterHint looks for,
// longest first so that "::" is not reported as ":".
var knownDelimiters = []struct{ sep, name string }{
	{"::", `"::"`},
	{"\t", "tab"},
	{"|", `"|"`},
	{",", `","`},
	{";", `";"`},
	{" ", "space"},
}

// delimName names a delimiter for messages.
func delimName(sep string) string {
	for _, d := range knownDelimiters {
		if d.sep == sep {
			return d.name
		}
	}
	return fmt.Sprintf("%q", sep)
}

// delimiterHint suggests which delimiter a line seems to use when it is not
// want: reading a "::" file with tab gives one field, and the hint says so.
func delimiterHint(line, want string) string {
	for _, d := range knownDelimiters {
		if d.sep != want && strings.Contains(line, d.sep) && !strings.Contains(want, d.sep) {
			return "; the line seems to be separated by " + d.name + ", not " + delimName(want)
		}
	}
	return ""
}

// splitFields splits line on sep into exactly want fields (extra fields allowed
// when atLeast is set) and returns a message naming the delimiter when the
// count is wrong. fields is reused when it has enough capacity.
func splitFields(fields []string, line, sep string, want int, atLeast bool) ([]string, string) {
	fields = fields[:0]
	if sep == "" {
		return fields, "empty delimiter"
	}
	rest := line
	for {
		i := strings.Index(rest, sep)
		if i < 0 {
			fields = append(fields, rest)
			break
		}
		fields = append(fields, rest[:i])
		rest = rest[i+len(sep):]
	}
	n := len(fields)
	if n == want || (atLeast && n >= want) {
		return fields, ""
	}
	qual := ""
	if atLeast {
		qual = "at least "
	}
	return fields, fmt.Sprintf("expected %s%d fields separated by %s, got %d%s",
		qual, want, delimName(sep), n, delimiterHint(line, sep))
}

// trimLine removes a trailing carriage return (files written on Windows).
func trimLine(s string) string {
	return strings.TrimSuffix(s, "\r")
}
