package npy

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// npyFile assembles a .npy file: magic, version, header length field (2
// bytes for version 1, 4 otherwise; hlen < 0 means the true length) and
// header text, then data.
func npyFile(major byte, hlen int64, header string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(magic)
	b.WriteByte(major)
	b.WriteByte(0)
	if hlen < 0 {
		hlen = int64(len(header))
	}
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(hlen))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(hlen))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f4(vals ...float32) []byte {
	var b bytes.Buffer
	for _, v := range vals {
		binary.Write(&b, binary.LittleEndian, math.Float32bits(v))
	}
	return b.Bytes()
}

func TestReadNPYHandWritten(t *testing.T) {
	dir := t.TempDir()
	// Hand-assembled files in each version, byte order and layout; the
	// expected matrices follow from the format definition.
	for _, tc := range []struct {
		name string
		file []byte
		rows int
		want []float32
	}{
		{"v1", npyFile(1, -1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n", f4(1, 2, 3, 4)), 2, []float32{1, 2, 3, 4}},
		{"v2", npyFile(2, -1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }  \n", f4(1, 2, 3)), 1, []float32{1, 2, 3}},
		{"v3-dquote", npyFile(3, -1, "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (3,)}\n", f4(5, 6, 7)), 3, []float32{5, 6, 7}},
		{"fortran", npyFile(1, -1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }\n", f4(1, 4, 2, 5, 3, 6)), 2, []float32{1, 2, 3, 4, 5, 6}},
		{"big-endian-f8", npyFile(1, -1, "{'descr': '>f8', 'fortran_order': False, 'shape': (1L, 2L), }\n",
			binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, math.Float64bits(0.5)), math.Float64bits(-2))), 1, []float32{0.5, -2}},
	} {
		p := filepath.Join(dir, tc.name+".npy")
		os.WriteFile(p, tc.file, 0o644)
		m, err := ReadNPY(p)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if m.Rows != tc.rows || len(m.Data) != len(tc.want) {
			t.Errorf("%s: shape %dx%d, want %d rows of %d values", tc.name, m.Rows, m.Cols, tc.rows, len(tc.want))
			continue
		}
		for i, v := range tc.want {
			if m.Data[i] != v {
				t.Errorf("%s: element %d = %v, want %v", tc.name, i, m.Data[i], v)
			}
		}
	}
}

// TestReadNPYMalformed: every header field is validated against the file
// size before anything is allocated; each error names the file and what
// was wrong.
func TestReadNPYMalformed(t *testing.T) {
	dir := t.TempDir()
	hdr := func(shape string) string {
		return "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }\n"
	}
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "shorter than"},
		{"magic", []byte("\x93NUMPZ\x01\x00\x00\x00"), "magic"},
		{"version4", npyFile(4, -1, hdr("(1, 1)"), f4(1)), "version 4.0"},
		{"minor", append([]byte(magic+"\x01\x07"), 0, 0), "version 1.7"},
		{"hlen-past-eof", npyFile(1, 60000, hdr("(1, 1)"), f4(1)), "header length 60000"},
		{"v2-4GB-header", npyFile(2, 1<<32-1, hdr("(1, 1)"), f4(1)), "header length 4294967295"},
		{"huge-shape", npyFile(1, -1, hdr("(1000000000000, 1000000000000)"), f4(1)), "overflows"},
		{"2^62-dim", npyFile(1, -1, hdr("(4611686018427387904, 1)"), f4(1)), "needs more than 2^64"},
		{"2^62-dim-f8", npyFile(1, -1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n", f4(1)), "overflows"},
		{"negative", npyFile(1, -1, hdr("(-1, 4)"), f4(1)), "negative dimension"},
		{"dim-too-big", npyFile(1, -1, hdr("(99999999999999999999, 1)"), f4(1)), "does not fit"},
		{"short-data", npyFile(1, -1, hdr("(2, 2)"), f4(1, 2, 3)), "needs 16 data bytes, the file holds 12"},
		{"long-data", npyFile(1, -1, hdr("(1, 2)"), f4(1, 2, 3)), "needs 8 data bytes, the file holds 12"},
		{"zero-rows", npyFile(1, -1, hdr("(0, 5)"), nil), "empty array"},
		{"3-d", npyFile(1, -1, hdr("(1, 1, 1)"), f4(1)), "want a 1-D or 2-D"},
		{"0-d", npyFile(1, -1, hdr("()"), f4(1)), "want a 1-D or 2-D"},
		{"int-dtype", npyFile(1, -1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }\n", make([]byte, 8)), "dtype \"<i8\""},
		{"structured", npyFile(1, -1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", f4(1)), "structured"},
		{"fortran-str", npyFile(1, -1, "{'descr': '<f4', 'fortran_order': 'no', 'shape': (1,), }\n", f4(1)), "fortran_order"},
		{"missing-shape", npyFile(1, -1, "{'descr': '<f4', 'fortran_order': False}\n", f4(1)), "missing key \"shape\""},
		{"extra-key", npyFile(1, -1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", f4(1)), "unexpected key \"x\""},
		{"dup-key", npyFile(1, -1, "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\n", f4(1)), "appears twice"},
		{"no-newline", npyFile(1, -1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", f4(1)), "newline"},
		{"not-a-dict", npyFile(1, -1, "descr=<f4\n", f4(1)), "dict literal"},
		{"too-many-dims", npyFile(1, -1, hdr("("+strings.Repeat("1,", 65)+")"), f4(1)), "more than 64 dimensions"},
	} {
		p := filepath.Join(dir, tc.name+".npy")
		os.WriteFile(p, tc.file, 0o644)
		_, err := ReadNPY(p)
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: error %q, want it to name the file and mention %q", tc.name, err, tc.want)
		}
	}
	if _, err := ReadNPY(dir); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("folder: %v", err)
	}
}

// FuzzRead: ReadNPY must never panic and never allocate more than the file
// holds; an accepted file must decode to exactly the announced shape.
func FuzzRead(f *testing.F) {
	f.Add(npyFile(1, -1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }\n", f4(1, 2, 3, 4)))
	f.Add(npyFile(2, -1, "{'descr': '<f8', 'fortran_order': True, 'shape': (1, 1), }\n", make([]byte, 8)))
	f.Add(npyFile(3, -1, "{'descr': '>f4', 'fortran_order': False, 'shape': (3,), }\n", f4(1, 2, 3)))
	f.Add(npyFile(1, -1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 1000000000000), }\n", nil))
	f.Add(npyFile(2, 1<<31, "{}\n", nil))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		p := filepath.Join(dir, "f.npy")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadNPY(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if m.Rows <= 0 || m.Cols <= 0 || len(m.Data) != m.Rows*m.Cols || 4*len(m.Data) > len(b) {
			t.Fatalf("accepted %dx%d with %d values from %d bytes", m.Rows, m.Cols, len(m.Data), len(b))
		}
	})
}
