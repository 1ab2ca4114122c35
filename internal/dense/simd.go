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

// CombColsUnchecked computes columns [off, off+len(dst)) of the row
// combination CombUnchecked(·, nil, coef, idx, x) computes:
//
//	dst_j = Σ_p coef[p] · X[idx[p]][off+j]
//
// Every element is the same chain of operations as in CombUnchecked when
// off is a multiple of 8, so the columns are bit-identical to the full
// row's. Computing a wide row in column windows keeps each window of X in
// the L1 cache across the rows of a block. off+len(dst) must be ≤ X.Cols.
func CombColsUnchecked(dst, coef []float32, idx []int32, x *Matrix, off int) {
	view := &Matrix{Rows: x.Rows, Cols: x.Cols, Data: x.Data[off:]}
	done := combVec(dst, nil, coef, idx, view)
	if done == len(dst) {
		return
	}
	rest := dst[done:]
	clear(rest)
	c := x.Cols
	lo, hi := off+done, off+len(dst)
	for p, w := range coef {
		r := int(idx[p]) * c
		axpyGo(w, x.Data[r+lo:r+hi], rest)
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

// CombDense4 computes four dense row combinations over the same rows of X,
// columns [off, off+len(dst[r])):
//
//	dst[r]_j = Σ_{p < n} coef[r][p] · X[p][off+j],   n = len(coef[0])
//
// Each element is the same chain of operations as CombColsUnchecked with
// idx = 0..n−1 (so bit-identical to CombUnchecked's for off a multiple of
// 8), but every loaded vector of X serves the four rows. The dst rows must
// have equal lengths, the coef rows equal lengths n ≤ X.Rows, and
// off+len(dst[r]) ≤ X.Cols; a zero coefficient costs its multiply-add.
func CombDense4(dst, coef *[4][]float32, x *Matrix, off int) {
	n := len(coef[0])
	w := len(dst[0])
	for r := 1; r < 4; r++ {
		if len(coef[r]) != n || len(dst[r]) != w {
			panic("dense: CombDense4: unequal rows")
		}
	}
	if n > x.Rows || off < 0 || off+w > x.Cols {
		panic(fmt.Sprintf("dense: CombDense4: %d terms, columns [%d, %d) of X %dx%d", n, off, off+w, x.Rows, x.Cols))
	}
	done := combDense4Vec(dst, coef, n, x, off)
	if done == w {
		return
	}
	c := x.Cols
	if useAVX {
		// Tail columns: the single-row vector kernels, for the same bits.
		for r := range dst {
			combColsIdent(dst[r][done:], coef[r], x, off+done)
		}
		return
	}
	for r := range dst {
		rest := dst[r][done:]
		clear(rest)
		lo, hi := off+done, off+w
		for p, a := range coef[r] {
			axpyGo(a, x.Data[p*c+lo:p*c+hi], rest)
		}
	}
}

// combColsIdent is CombColsUnchecked with idx = 0..len(coef)−1.
func combColsIdent(dst, coef []float32, x *Matrix, off int) {
	idx := make([]int32, len(coef))
	for p := range idx {
		idx[p] = int32(p)
	}
	CombColsUnchecked(dst, coef, idx, x, off)
}

// ReluGrad applies the ReLU backward mask in place: d_i = 0 where
// x_i ≤ 0 (x the ReLU's output), d_i unchanged otherwise (a NaN x keeps
// d_i). len(x) must be ≥ len(d).
func ReluGrad(d, x []float32) {
	x = x[:len(d)]
	done := reluGradVec(d, x)
	for i := done; i < len(d); i++ {
		if x[i] <= 0 {
			d[i] = 0
		}
	}
}

// BiasReLU sets x_i = max((a_i + b_i) + bias_i, 0), or max(a_i + bias_i, 0)
// when b is nil, with Go's max (a NaN stays a NaN, ±0 gives +0). a, b and
// bias must be at least as long as x; x may alias a.
func BiasReLU(x, a, b, bias []float32) {
	a, bias = a[:len(x)], bias[:len(x)]
	if b != nil {
		b = b[:len(x)]
	}
	done := biasReluVec(x, a, b, bias)
	if b == nil {
		for i := done; i < len(x); i++ {
			x[i] = max(a[i]+bias[i], 0)
		}
		return
	}
	for i := done; i < len(x); i++ {
		x[i] = max((a[i]+b[i])+bias[i], 0)
	}
}
