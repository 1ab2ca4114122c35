package dense

import (
	"fmt"
	"math"
)

// axpyGo is the portable y += a·x, unrolled by four.
func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// dotGo is the portable Σ x_i·y_i with four partial sums (as Dot).
func dotGo(x, y []float32) float32 { return Dot(x, y) }

// AdamCoef holds the per-step coefficients of an Adam update, laid out as
// the vector kernel reads them.
//
//	g' = g + WD·w
//	m ← B1·m + C1·g'                   (C1 = 1 − B1)
//	v ← B2·v + C2·g'²                  (C2 = 1 − B2)
//	w ← w − Step · m / (sqrt(v)/Sq2 + Eps)
//
// with Step = lr/(1 − β1^t) and Sq2 = sqrt(1 − β2^t): torch.optim.Adam's
// update, in its order of operations.
type AdamCoef struct {
	B1, C1, B2, C2, Step, Sq2, Eps, WD float32
}

// adamGo is the portable AdamStep.
func adamGo(w, g, m, v []float32, c *AdamCoef) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		gi += c.WD * w[i]
		mi := c.B1*m[i] + c.C1*gi
		vi := c.B2*v[i] + c.C2*(gi*gi)
		m[i], v[i] = mi, vi
		w[i] -= c.Step * (mi / (float32(math.Sqrt(float64(vi)))/c.Sq2 + c.Eps))
	}
}

// Comb computes the row combination
//
//	dst_j = add_j + Σ_p coef[p] · X[idx[p]][j]     (add = 0 when nil)
//
// for j < len(dst) = X.Cols, summing in ascending p; every dst_j is one
// sequential chain (fused multiply-adds where the CPU has AVX2 and FMA), so
// the result does not depend on how rows are grouped. It is the kernel of
// the sparse products (idx = column indices) and of the dense products
// (idx = 0..k−1). idx values must be valid rows of X.
func Comb(dst, add, coef []float32, idx []int32, x *Matrix) {
	if len(dst) != x.Cols || (add != nil && len(add) != len(dst)) || len(idx) != len(coef) {
		panic(fmt.Sprintf("dense: Comb: dst %d, add %d, coef %d, idx %d, X %dx%d", len(dst), len(add), len(coef), len(idx), x.Rows, x.Cols))
	}
	for _, i := range idx {
		if i < 0 || int(i) >= x.Rows {
			panic(fmt.Sprintf("dense: Comb: row %d outside X (%d rows)", i, x.Rows))
		}
	}
	CombUnchecked(dst, add, coef, idx, x)
}

// CombUnchecked is Comb without the argument checks, for callers whose
// indices are valid by construction (a validated CSR matrix, 0..k−1). An
// invalid index reads outside X.
func CombUnchecked(dst, add, coef []float32, idx []int32, x *Matrix) {
	off := combVec(dst, add, coef, idx, x)
	if off == len(dst) {
		return
	}
	rest := dst[off:]
	if add != nil {
		copy(rest, add[off:])
	} else {
		clear(rest)
	}
	c := x.Cols
	for p, w := range coef {
		r := int(idx[p]) * c
		axpyGo(w, x.Data[r+off:r+c], rest)
	}
}

// Compact writes the non-zero entries of row into coef and their positions
// into idx (both of length ≥ len(row)) and returns their number. It is
// branch-free, so ReLU-sparse rows cost no mispredictions. -0 counts as zero.
func Compact(coef []float32, idx []int32, row []float32) int {
	coef, idx = coef[:len(row)], idx[:len(row)]
	n := 0
	for p, v := range row {
		coef[n] = v
		idx[n] = int32(p)
		x := math.Float32bits(v) << 1
		n += int((x | -x) >> 31)
	}
	return n
}

// CompactStrided is Compact over the strided sequence data[p·stride],
// p < count (a column of a row-major matrix when data starts at the column).
func CompactStrided(coef []float32, idx []int32, data []float32, stride, count int) int {
	coef, idx = coef[:count], idx[:count]
	n := 0
	for p := 0; p < count; p++ {
		v := data[p*stride]
		coef[n] = v
		idx[n] = int32(p)
		x := math.Float32bits(v) << 1
		n += int((x | -x) >> 31)
	}
	return n
}
