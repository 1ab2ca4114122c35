package dense

import (
	"fmt"
	"math"
)

// Comb4 computes four row combinations over the rows idx of X, columns
// [off, off+w) with w = len(dst[r]) (equal for the four rows):
//
//	dst[r]_j = Σ_t c[r·cs + p_t·ps] · X[p_t][off+j],   p_t = idx[t], ascending t
//
// The coefficients of row r are the strided sequence c[r·cs + p·ps]: four
// consecutive rows of a row-major matrix (cs = its Cols, ps = 1), or four
// adjacent columns of one (cs = 1, ps = its Cols), so a product with a
// transposed factor needs no transpose.
//
// Every element is one chain in ascending t, as CombDense4's (fused
// multiply-adds where the CPU has AVX2 and FMA, from +0). When idx lists
// every term where at least one of the four rows has a non-zero coefficient
// (Union4), the result is bit-identical to CombDense4 over all terms for
// finite X: a skipped term would add ±0·x = ±0 to a chain that starts at +0
// and, having added only finite non-zero products, never holds −0 except
// after an underflow to −0 — whose next non-zero term gives the same result
// either way. Columns beyond the last multiple of 16 take the single-row
// kernels (CombColsUnchecked's path, so off must then be a multiple of 8 for
// its bits) and allocate a scratch of len(idx) coefficients.
func Comb4(dst *[4][]float32, c []float32, cs, ps int, idx []int32, x *Matrix, off int) {
	w := len(dst[0])
	for r := 1; r < 4; r++ {
		if len(dst[r]) != w {
			panic("dense: Comb4: unequal rows")
		}
	}
	if off < 0 || off+w > x.Cols || cs < 0 || ps < 0 {
		panic(fmt.Sprintf("dense: Comb4: columns [%d, %d) of X %dx%d, strides %d, %d", off, off+w, x.Rows, x.Cols, cs, ps))
	}
	for _, p := range idx {
		if p < 0 || int(p) >= x.Rows || 3*cs+int(p)*ps >= len(c) {
			panic(fmt.Sprintf("dense: Comb4: term %d outside X (%d rows) or the %d coefficients (strides %d, %d)", p, x.Rows, len(c), cs, ps))
		}
	}
	done := comb4Vec(dst, c, cs, ps, idx, x, off)
	if done == w {
		return
	}
	if useAVX {
		// Tail columns: the single-row kernels, for CombColsUnchecked's bits.
		coef := make([]float32, len(idx))
		for r := range dst {
			for t, p := range idx {
				coef[t] = c[r*cs+int(p)*ps]
			}
			CombColsUnchecked(dst[r][done:], coef, idx, x, off+done)
		}
		return
	}
	comb4Go(dst, c, cs, ps, idx, x, off)
}

// comb4Go is the portable Comb4: per row, axpy over the terms in order (the
// portable CombDense4's chain).
func comb4Go(dst *[4][]float32, c []float32, cs, ps int, idx []int32, x *Matrix, off int) {
	w := len(dst[0])
	for r := range dst {
		d := dst[r]
		clear(d)
		for _, p := range idx {
			row := int(p) * x.Cols
			axpyGo(c[r*cs+int(p)*ps], x.Data[row+off:row+off+w], d)
		}
	}
}

// Union4 writes into idx (length ≥ n) the terms p < n at which at least one
// of the four coefficient rows c[r·cs + p·ps] (r < 4) is non-zero, in
// ascending order, and returns their number: the terms Comb4 must visit.
// −0 counts as zero. It is branch-free, so ReLU-sparse rows cost no
// mispredictions.
func Union4(idx []int32, c []float32, cs, ps, n int) int {
	idx = idx[:n]
	if n == 0 {
		return 0
	}
	if 3*cs+(n-1)*ps >= len(c) {
		panic(fmt.Sprintf("dense: Union4: %d terms with strides %d, %d need more than the %d coefficients", n, cs, ps, len(c)))
	}
	k := 0
	switch {
	case ps == 1:
		// Four rows: sixteen terms per step with AVX-512, then one pass
		// over each row, without bounds checks.
		var p0 int
		p0, k = union4Vec(idx, c, cs, n)
		r0, r1, r2, r3 := c[:n], c[cs:cs+n], c[2*cs:2*cs+n], c[3*cs:3*cs+n]
		for p := p0; p < n; p++ {
			b := math.Float32bits(r0[p]) | math.Float32bits(r1[p]) | math.Float32bits(r2[p]) | math.Float32bits(r3[p])
			idx[k] = int32(p)
			b <<= 1
			k += int((b | -b) >> 31)
		}
	case cs == 1:
		// Four adjacent columns: one short slice per term.
		for p := range idx {
			q := c[p*ps : p*ps+4 : p*ps+4]
			b := math.Float32bits(q[0]) | math.Float32bits(q[1]) | math.Float32bits(q[2]) | math.Float32bits(q[3])
			idx[k] = int32(p)
			b <<= 1
			k += int((b | -b) >> 31)
		}
	default:
		for p := range idx {
			o := p * ps
			b := math.Float32bits(c[o]) | math.Float32bits(c[o+cs]) | math.Float32bits(c[o+2*cs]) | math.Float32bits(c[o+3*cs])
			idx[k] = int32(p)
			b <<= 1
			k += int((b | -b) >> 31)
		}
	}
	return k
}
