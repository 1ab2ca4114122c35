package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
)

// magic opens every .npy file: the byte 0x93 and the ASCII letters NUMPY.
const magic = "\x93NUMPY"

// maxDims bounds the number of dimensions a header may announce; NumPy
// itself refuses more than 64.
const maxDims = 64

// Header is the validated header of a .npy file (format versions 1.0, 2.0
// and 3.0, numpy.lib.format).
type Header struct {
	Major, Minor int
	// Descr is the array-protocol type string, e.g. "<f4" or "|O".
	Descr string
	// Fortran reports a column-major data layout.
	Fortran bool
	// Shape holds the dimensions, each ≥ 0; a 0-d array has an empty shape.
	Shape []int
	// DataOffset is the number of bytes before the data: the magic, the
	// version, the header length field and the header itself.
	DataOffset int64
}

// Elems returns the number of elements of the shape, the product of its
// dimensions, and false if that product overflows an int.
func (h Header) Elems() (int, bool) {
	n := uint64(1)
	for _, d := range h.Shape {
		hi, lo := bits.Mul64(n, uint64(d))
		if hi != 0 || lo > uint64(maxInt) {
			return 0, false
		}
		n = lo
	}
	return int(n), true
}

const maxInt = int(^uint(0) >> 1)

// ReadHeader reads and validates the header of a .npy stream whose total
// length is size bytes; name labels errors. It checks the magic, the
// version (1, 2 or 3), that the header length fits in size — before
// reading or allocating it — and that the header is a Python dict literal
// holding exactly the keys 'descr' (a type string), 'fortran_order' (True or
// False) and 'shape' (a tuple of non-negative integers whose product fits
// in an int). It does not check the data size, which depends on the dtype:
// see ReadNPY.
func ReadHeader(r io.Reader, name string, size int64) (Header, error) {
	var h Header
	var pre [8]byte
	if size < int64(len(pre)) {
		return h, fmt.Errorf("npy: %s: not a NumPy .npy file: %d bytes, shorter than the 10-byte preamble", name, size)
	}
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return h, fmt.Errorf("npy: %s: reading the preamble: %w", name, err)
	}
	if string(pre[:6]) != magic {
		return h, fmt.Errorf("npy: %s: not a NumPy .npy file: magic %q, want %q", name, pre[:6], magic)
	}
	h.Major, h.Minor = int(pre[6]), int(pre[7])
	var hlen int64
	switch h.Major {
	case 1:
		var b [2]byte
		if size < 10 {
			return h, fmt.Errorf("npy: %s: truncated: %d bytes, the version 1 preamble needs 10", name, size)
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, fmt.Errorf("npy: %s: reading the header length: %w", name, err)
		}
		hlen = int64(binary.LittleEndian.Uint16(b[:]))
		h.DataOffset = 10
	case 2, 3:
		var b [4]byte
		if size < 12 {
			return h, fmt.Errorf("npy: %s: truncated: %d bytes, the version %d preamble needs 12", name, size, h.Major)
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, fmt.Errorf("npy: %s: reading the header length: %w", name, err)
		}
		hlen = int64(binary.LittleEndian.Uint32(b[:]))
		h.DataOffset = 12
	default:
		return h, fmt.Errorf("npy: %s: format version %d.%d, want 1.0, 2.0 or 3.0", name, h.Major, h.Minor)
	}
	if h.Minor != 0 {
		return h, fmt.Errorf("npy: %s: format version %d.%d, want 1.0, 2.0 or 3.0", name, h.Major, h.Minor)
	}
	if hlen > size-h.DataOffset {
		return h, fmt.Errorf("npy: %s: header length %d but only %d bytes follow the preamble", name, hlen, size-h.DataOffset)
	}
	h.DataOffset += hlen
	buf := make([]byte, hlen)
	if _, err := io.ReadFull(r, buf); err != nil {
		return h, fmt.Errorf("npy: %s: reading the %d-byte header: %w", name, hlen, err)
	}
	if err := h.parseDict(buf); err != nil {
		return h, fmt.Errorf("npy: %s: header %q: %w", name, shorten(buf), err)
	}
	if _, ok := h.Elems(); !ok {
		return h, fmt.Errorf("npy: %s: shape %v: the number of elements overflows", name, h.Shape)
	}
	return h, nil
}

func shorten(b []byte) string {
	s := strings.TrimRight(string(b), " \n\x00")
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return s
}

// parseDict parses the header dict literal, e.g.
//
//	{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
func (h *Header) parseDict(b []byte) error {
	if !bytes.HasSuffix(b, []byte("\n")) {
		return fmt.Errorf("does not end with a newline")
	}
	p := &lexer{s: string(b)}
	if !p.eat('{') {
		return fmt.Errorf("want a dict literal starting with '{'")
	}
	seen := map[string]bool{}
	for {
		if p.eat('}') {
			break
		}
		key, err := p.str()
		if err != nil {
			return fmt.Errorf("key: %w", err)
		}
		if seen[key] {
			return fmt.Errorf("key %q appears twice", key)
		}
		seen[key] = true
		if !p.eat(':') {
			return fmt.Errorf("want ':' after key %q", key)
		}
		switch key {
		case "descr":
			if p.peek() == '[' {
				return fmt.Errorf("structured dtypes are not supported (descr is a list)")
			}
			if h.Descr, err = p.str(); err != nil {
				return fmt.Errorf("descr: %w", err)
			}
		case "fortran_order":
			switch {
			case p.word("True"):
				h.Fortran = true
			case p.word("False"):
				h.Fortran = false
			default:
				return fmt.Errorf("fortran_order: want True or False")
			}
		case "shape":
			if h.Shape, err = p.tuple(); err != nil {
				return fmt.Errorf("shape: %w", err)
			}
		default:
			return fmt.Errorf("unexpected key %q (want descr, fortran_order, shape)", key)
		}
		if p.eat(',') {
			continue
		}
		if !p.eat('}') {
			return fmt.Errorf("want ',' or '}' after the value of %q", key)
		}
		break
	}
	if rest := strings.TrimSpace(p.s[p.i:]); rest != "" {
		return fmt.Errorf("trailing text after the dict")
	}
	for _, k := range []string{"descr", "fortran_order", "shape"} {
		if !seen[k] {
			return fmt.Errorf("missing key %q", k)
		}
	}
	return nil
}

type lexer struct {
	s string
	i int
}

func (p *lexer) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *lexer) peek() byte {
	p.skip()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

func (p *lexer) eat(c byte) bool {
	if p.peek() == c {
		p.i++
		return true
	}
	return false
}

// word consumes w if it is next and not followed by an identifier letter.
func (p *lexer) word(w string) bool {
	p.skip()
	if !strings.HasPrefix(p.s[p.i:], w) {
		return false
	}
	j := p.i + len(w)
	if j < len(p.s) && (isAlnum(p.s[j]) || p.s[j] == '_') {
		return false
	}
	p.i = j
	return true
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// str reads a quoted string without escapes, as NumPy writes them.
func (p *lexer) str() (string, error) {
	q := p.peek()
	if q != '\'' && q != '"' {
		return "", fmt.Errorf("want a quoted string")
	}
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string")
	}
	v := p.s[p.i+1 : p.i+1+end]
	if strings.ContainsAny(v, "\\\n") {
		return "", fmt.Errorf("string %q holds an escape or a newline", v)
	}
	p.i += end + 2
	return v, nil
}

// tuple reads a tuple of non-negative integers: (), (n,), (n, m), ….
func (p *lexer) tuple() ([]int, error) {
	if !p.eat('(') {
		return nil, fmt.Errorf("want a tuple")
	}
	dims := []int{}
	for {
		if p.eat(')') {
			return dims, nil
		}
		if len(dims) == maxDims {
			return nil, fmt.Errorf("more than %d dimensions", maxDims)
		}
		p.skip()
		j := p.i
		if j < len(p.s) && p.s[j] == '-' {
			j++
		}
		for j < len(p.s) && p.s[j] >= '0' && p.s[j] <= '9' {
			j++
		}
		tok := p.s[p.i:j]
		if tok == "" || tok == "-" {
			return nil, fmt.Errorf("want an integer dimension")
		}
		d, err := strconv.ParseInt(tok, 10, 64)
		if err != nil || d > int64(maxInt) {
			return nil, fmt.Errorf("dimension %s does not fit in an int", tok)
		}
		if d < 0 {
			return nil, fmt.Errorf("negative dimension %d", d)
		}
		p.i = j
		if p.i < len(p.s) && p.s[p.i] == 'L' { // Python 2 long literal
			p.i++
		}
		dims = append(dims, int(d))
		if p.eat(',') {
			continue
		}
		if !p.eat(')') {
			return nil, fmt.Errorf("want ',' or ')' after dimension %d", d)
		}
		return dims, nil
	}
}
