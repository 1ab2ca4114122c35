// Package npy owns potau's NumPy .npy exports and imports of embedding
// tables: a table is written (through codeberg.org/sbinet/npyio) as a 2-D
// little-endian float32 array in C order, and read back by this package's
// own validating reader from float32 or float64 arrays in C or Fortran
// order. ReadHeader exposes the validated header for other dtypes (the
// reference loader's pickled object arrays).
package npy

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strconv"

	"codeberg.org/sbinet/npyio"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/dense"
)

// ExportNPY writes m to path as a (Rows, Cols) float32 .npy file,
// atomically and durably (internal/atomicfile), so path never holds a
// partial table.
func ExportNPY(path string, m *dense.Matrix) error {
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
	// A slice of row slices gives npyio the 2-D shape without copying.
	rows := make([][]float32, m.Rows)
	for i := range rows {
		rows[i] = m.Row(i)
	}
	err := atomicfile.Write(path, func(w io.Writer) error { return npyio.Write(w, rows) })
	if err != nil {
		return fmt.Errorf("npy: export %s: %w", path, err)
	}
	return nil
}

// ReadNPY reads a 2-D .npy array of float32 or float64 values (either byte
// order), in C or Fortran order, into a float32 matrix. A 1-D array is read
// as a single column. Every header field is validated against the file size
// before anything is allocated (ReadHeader), and the data must fill the file
// exactly: rows·cols·itemsize bytes after the header.
func ReadNPY(path string) (*dense.Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("npy: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("npy: %s: not a regular file", path)
	}
	br := bufio.NewReaderSize(f, 1<<16)
	h, err := ReadHeader(br, path, st.Size())
	if err != nil {
		return nil, err
	}
	var rows, cols int
	switch len(h.Shape) {
	case 1:
		rows, cols = h.Shape[0], 1
	case 2:
		rows, cols = h.Shape[0], h.Shape[1]
	default:
		return nil, fmt.Errorf("npy: %s: shape %v, want a 1-D or 2-D array", path, h.Shape)
	}
	var size int
	var order binary.ByteOrder
	switch h.Descr {
	case "<f4":
		size, order = 4, binary.LittleEndian
	case ">f4":
		size, order = 4, binary.BigEndian
	case "<f8":
		size, order = 8, binary.LittleEndian
	case ">f8":
		size, order = 8, binary.BigEndian
	default:
		return nil, fmt.Errorf("npy: %s: dtype %q, want float32 ('<f4') or float64 ('<f8')", path, h.Descr)
	}
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("npy: %s: empty array, shape %v", path, h.Shape)
	}
	n, _ := h.Elems() // ReadHeader checked the product
	hi, nbytes := bits.Mul64(uint64(n), uint64(size))
	if have := uint64(st.Size() - h.DataOffset); hi != 0 || nbytes != have {
		return nil, fmt.Errorf("npy: %s: shape %v of %s needs %s data bytes, the file holds %d after its %d-byte header",
			path, h.Shape, h.Descr, byteCount(hi, nbytes), have, h.DataOffset)
	}
	m := dense.New(rows, cols)
	buf := make([]byte, 1<<16-(1<<16)%size)
	for k := 0; k < n; {
		chunk := min((n-k)*size, len(buf))
		if _, err := io.ReadFull(br, buf[:chunk]); err != nil {
			return nil, fmt.Errorf("npy: %s: reading data: %w", path, err)
		}
		for o := 0; o < chunk; o += size {
			if size == 4 {
				m.Data[k] = math.Float32frombits(order.Uint32(buf[o:]))
			} else {
				m.Data[k] = float32(math.Float64frombits(order.Uint64(buf[o:])))
			}
			k++
		}
	}
	if h.Fortran && cols > 1 && rows > 1 {
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

// byteCount prints the 128-bit number hi·2⁶⁴+lo, or "more than 2^64".
func byteCount(hi, lo uint64) string {
	if hi != 0 {
		return "more than 2^64"
	}
	return strconv.FormatUint(lo, 10)
}
