// Package npy owns potau's NumPy .npy exports and imports of embedding
// tables, on top of codeberg.org/sbinet/npyio: a table is written as a 2-D
// little-endian float32 array in C order, and read back from float32 or
// float64 arrays in C or Fortran order.
package npy

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"codeberg.org/sbinet/npyio"

	"github.com/potau/potau/internal/dense"
)

// ExportNPY writes m to path as a (Rows, Cols) float32 .npy file. The file
// is written to a temporary name in the same folder, fsynced and renamed
// into place, so path never holds a partial table.
func ExportNPY(path string, m *dense.Matrix) (err error) {
	if m == nil {
		return fmt.Errorf("npy: export %s: nil matrix", path)
	}
	if len(m.Data) != m.Rows*m.Cols {
		return fmt.Errorf("npy: export %s: matrix %dx%d holds %d values", path, m.Rows, m.Cols, len(m.Data))
	}
	if m.Rows == 0 {
		// npyio cannot infer the second dimension of an empty slice.
		return fmt.Errorf("npy: export %s: empty matrix (0x%d)", path, m.Cols)
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-")
	if err != nil {
		return fmt.Errorf("npy: export: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	w := bufio.NewWriter(f)
	// A slice of row slices gives npyio the 2-D shape without copying.
	rows := make([][]float32, m.Rows)
	for i := range rows {
		rows[i] = m.Row(i)
	}
	if err := npyio.Write(w, rows); err != nil {
		return fmt.Errorf("npy: export %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("npy: export %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("npy: export %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("npy: export %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("npy: export %s: %w", path, err)
	}
	return nil
}

// ReadNPY reads a 2-D .npy array of float32 ('<f4') or float64 ('<f8')
// values, in C or Fortran order, into a float32 matrix. A 1-D array is read
// as a single column.
func ReadNPY(path string) (*dense.Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	r, err := npyio.NewReader(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("npy: %s: not a NumPy .npy file: %w", path, err)
	}
	shape := r.Header.Descr.Shape
	var rows, cols int
	switch len(shape) {
	case 1:
		rows, cols = shape[0], 1
	case 2:
		rows, cols = shape[0], shape[1]
	default:
		return nil, fmt.Errorf("npy: %s: shape %v, want a 2-D array", path, shape)
	}
	m := dense.New(rows, cols)
	dtype := strings.Trim(r.Header.Descr.Type, "'\" ")
	switch dtype {
	case "<f4", "f4", "float32":
		var data []float32
		if err := r.Read(&data); err != nil {
			return nil, fmt.Errorf("npy: %s: %w", path, err)
		}
		if len(data) != rows*cols {
			return nil, fmt.Errorf("npy: %s: shape %v but %d values", path, shape, len(data))
		}
		copy(m.Data, data)
	case "<f8", "f8", "float64":
		var data []float64
		if err := r.Read(&data); err != nil {
			return nil, fmt.Errorf("npy: %s: %w", path, err)
		}
		if len(data) != rows*cols {
			return nil, fmt.Errorf("npy: %s: shape %v but %d values", path, shape, len(data))
		}
		for i, v := range data {
			m.Data[i] = float32(v)
		}
	default:
		return nil, fmt.Errorf("npy: %s: dtype %q, want float32 ('<f4') or float64 ('<f8')", path, dtype)
	}
	if r.Header.Descr.Fortran && len(shape) == 2 {
		// Column-major on disk: element (i, j) is at j*rows+i.
		t := dense.New(rows, cols)
		for j := 0; j < cols; j++ {
			for i := 0; i < rows; i++ {
				t.Data[i*cols+j] = m.Data[j*rows+i]
			}
		}
		m = t
	}
	return m, nil
}
