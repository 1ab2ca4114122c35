package npy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"

	"github.com/potau/potau/internal/dense"
)

func TestRoundTripFloat32(t *testing.T) {
	m, _ := dense.FromRows([][]float32{{1, 2, 3}, {4.5, -5, 6e-7}})
	p := filepath.Join(t.TempDir(), "u.npy")
	if err := ExportNPY(p, m); err != nil {
		t.Fatal(err)
	}
	// The file must be a (2, 3) '<f4' array, as NumPy would see it.
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := npyio.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Trim(r.Header.Descr.Type, "'") != "<f4" || len(r.Header.Descr.Shape) != 2 || r.Header.Descr.Shape[0] != 2 || r.Header.Descr.Shape[1] != 3 || r.Header.Descr.Fortran {
		t.Fatalf("header %+v, want <f4 (2, 3) C order", r.Header.Descr)
	}
	got, err := ReadNPY(p)
	if err != nil {
		t.Fatal(err)
	}
	if !dense.SameShape(got, m) {
		t.Fatalf("shape %dx%d", got.Rows, got.Cols)
	}
	for i := range m.Data {
		if got.Data[i] != m.Data[i] { // float32 round trip is exact
			t.Fatalf("element %d: %v != %v", i, got.Data[i], m.Data[i])
		}
	}
}

func TestReadFloat64AndErrors(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f8.npy")
	f, _ := os.Create(p)
	if err := npyio.Write(f, [][]float64{{1.25, 2}, {3, 4}, {5, 6}}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	m, err := ReadNPY(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{1.25, 2, 3, 4, 5, 6}
	if m.Rows != 3 || m.Cols != 2 {
		t.Fatalf("shape %dx%d, want 3x2", m.Rows, m.Cols)
	}
	for i, v := range want {
		if m.Data[i] != v {
			t.Fatalf("element %d: %v, want %v", i, m.Data[i], v)
		}
	}

	pi := filepath.Join(dir, "i8.npy")
	f, _ = os.Create(pi)
	npyio.Write(f, [][]int64{{1, 2}})
	f.Close()
	bad := filepath.Join(dir, "bad.npy")
	os.WriteFile(bad, []byte("not numpy"), 0o644)
	for _, tc := range []struct{ path, want string }{
		{pi, "dtype"},
		{bad, "not a NumPy"},
		{filepath.Join(dir, "missing.npy"), "no such file"},
	} {
		_, err := ReadNPY(tc.path)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadNPY(%s) error %v, want it to mention %q", filepath.Base(tc.path), err, tc.want)
		}
	}
	if err := ExportNPY(filepath.Join(dir, "e.npy"), dense.New(0, 4)); err == nil {
		t.Error("empty export accepted")
	}
}
