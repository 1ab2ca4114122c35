package datasets

import (
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// maxLineBytes bounds one input line; longer lines are reported as errors
// instead of exhausting memory.
const maxLineBytes = 16 << 20

// lineReader reads the lines of a plain or gzip-compressed text file,
// hashing the (decompressed) bytes as they are read and counting lines for
// error messages.
type lineReader struct {
	path string
	name string // for messages: the path as given
	f    *os.File
	gz   *gzip.Reader
	sc   *bufio.Scanner
	h    hash.Hash
	line int
	seen bool // a non-blank line was returned
}

// openLines opens path; a ".gz" suffix selects gzip decompression.
func openLines(path string) (*lineReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	r := &lineReader{path: path, name: path, f: f, h: sha256.New()}
	var src io.Reader = f
	if strings.HasSuffix(path, ".gz") {
		gz, err := gzipReader(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r.gz = gz
		src = gz
	}
	r.sc = bufio.NewScanner(io.TeeReader(src, r.h))
	r.sc.Buffer(make([]byte, 0, 1<<16), maxLineBytes)
	return r, nil
}

// next returns the next non-blank line without its line terminator. Blank
// lines (often a trailing one) are skipped but still counted.
func (r *lineReader) next() (string, bool) {
	for r.sc.Scan() {
		r.line++
		s := trimLine(r.sc.Text())
		if strings.TrimSpace(s) == "" {
			continue
		}
		r.seen = true
		return s, true
	}
	return "", false
}

// finish reports a read error, or an empty file, and drains the rest of the
// input into the hash.
func (r *lineReader) finish() error {
	if err := r.sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("%s:%d: line longer than %d bytes", r.name, r.line+1, maxLineBytes)
		}
		return fmt.Errorf("%s: after line %d: %w", r.name, r.line, err)
	}
	if !r.seen {
		return fmt.Errorf("%s: file is empty (no data lines)", r.name)
	}
	return nil
}

// sum returns the hex SHA-256 of the bytes read so far.
func (r *lineReader) sum() string { return hex.EncodeToString(r.h.Sum(nil)) }

func (r *lineReader) close() {
	if r.gz != nil {
		r.gz.Close()
	}
	r.f.Close()
}

// checkCtx returns ctx.Err() every 1<<14 lines so that long reads can be
// cancelled cheaply.
func (r *lineReader) checkCtx(ctx context.Context) error {
	if r.line&(1<<14-1) == 0 {
		return ctx.Err()
	}
	return nil
}

// sourceSum combines per-file digests into a data set checksum:
//
//	sha256( "potau-dataset\x00" kind "\n"  Σ_files  base(name) "\x00" hexdigest "\n" )
type sourceSum struct{ h hash.Hash }

func newSourceSum(kind string) *sourceSum {
	s := &sourceSum{h: sha256.New()}
	fmt.Fprintf(s.h, "potau-dataset\x00%s\n", kind)
	return s
}

// add records one file; a ".gz" suffix is dropped, so plain and compressed
// copies of the same bytes give the same checksum.
func (s *sourceSum) add(path, digest string) {
	fmt.Fprintf(s.h, "%s\x00%s\n", strings.TrimSuffix(filepath.Base(path), ".gz"), digest)
}

func (s *sourceSum) String() string { return hex.EncodeToString(s.h.Sum(nil)) }

// firstExisting returns the first of the candidate paths that exists.
func firstExisting(dir string, names ...string) (string, bool) {
	for _, n := range names {
		p := filepath.Join(dir, n)
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// gzipReader opens a gzip stream with a clear error for non-gzip input.
func gzipReader(r io.Reader) (*gzip.Reader, error) {
	z, err := gzip.NewReader(bufio.NewReaderSize(r, 1<<16))
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("file is empty")
		}
		return nil, fmt.Errorf("not a gzip file: %w", err)
	}
	return z, nil
}
