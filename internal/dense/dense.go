// Package dense owns potau's row-major float32 matrices and the dense kernels
// shared by the recommenders, the unlearning losses and the evaluators.
//
// Kernels follow gonum's convention: the destination comes first and is
// written, never allocated, so hot loops can reuse scratch buffers.
package dense

import "fmt"

// Matrix is a row-major float32 matrix: element (i, j) is Data[i*Cols+j].
type Matrix struct {
	Rows, Cols int
	Data       []float32
}

// New returns a zeroed r×c matrix.
func New(r, c int) *Matrix {
	return &Matrix{Rows: r, Cols: c, Data: make([]float32, r*c)}
}

// FromRows copies a slice of equal-length rows into a new matrix.
func FromRows(rows [][]float32) (*Matrix, error) {
	if len(rows) == 0 {
		return New(0, 0), nil
	}
	c := len(rows[0])
	m := New(len(rows), c)
	for i, r := range rows {
		if len(r) != c {
			return nil, fmt.Errorf("dense: row %d has %d columns, want %d", i, len(r), c)
		}
		copy(m.Data[i*c:], r)
	}
	return m, nil
}

// Row returns row i as a slice sharing m's storage.
func (m *Matrix) Row(i int) []float32 { return m.Data[i*m.Cols : (i+1)*m.Cols : (i+1)*m.Cols] }

// Clone returns a deep copy of m.
func (m *Matrix) Clone() *Matrix {
	c := &Matrix{Rows: m.Rows, Cols: m.Cols, Data: make([]float32, len(m.Data))}
	copy(c.Data, m.Data)
	return c
}

// Zero sets every element to 0.
func (m *Matrix) Zero() { clear(m.Data) }

// SameShape reports whether a and b have the same dimensions.
func SameShape(a, b *Matrix) bool { return a.Rows == b.Rows && a.Cols == b.Cols }

// Float64 returns the rows of m converted to float64 (for gonum and the attackers).
func (m *Matrix) Float64() []float64 {
	out := make([]float64, len(m.Data))
	for i, v := range m.Data {
		out[i] = float64(v)
	}
	return out
}

// Dot returns Σ_i x_i·y_i, accumulated in float32 with four independent
// partial sums (fixed order, so the result does not depend on the caller).
func Dot(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < n; i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Axpy computes y += a·x.
func Axpy(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

// Scale computes x *= a.
func Scale(a float32, x []float32) {
	for i := range x {
		x[i] *= a
	}
}

// SqNorm returns Σ x_i².
func SqNorm(x []float32) float32 { return Dot(x, x) }

// MulABT computes dst = A·Bᵀ for A (m×k) and B (n×k), dst (m×n), by
// row-pair dot products. It is the kernel for scoring blocks of users against
// items and for the Gram blocks of the MMD kernel.
func MulABT(dst, a, b *Matrix) {
	if a.Cols != b.Cols || dst.Rows != a.Rows || dst.Cols != b.Rows {
		panic(fmt.Sprintf("dense: MulABT shape mismatch dst %dx%d a %dx%d b %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
	for i := 0; i < a.Rows; i++ {
		ai := a.Row(i)
		di := dst.Row(i)
		for j := 0; j < b.Rows; j++ {
			di[j] = Dot(ai, b.Row(j))
		}
	}
}

// Accelerated reports whether the AVX2+FMA assembly kernels run: on amd64
// processors that have both, unless built with -tags purego.
func Accelerated() bool { return useAVX }

// AcceleratedWide reports whether the 16-lane AVX-512 kernels run as well
// (on processors that have AVX-512F besides AVX2 and FMA). They perform the
// same operations per element as the AVX2 kernels, so results do not
// depend on it.
func AcceleratedWide() bool { return useAVX512 }
