package dense

import (
	"fmt"

	"github.com/potau/potau/internal/parallel"
)

// This file holds the general dense products used by the recommenders'
// networks and evaluators. Every output element is accumulated by one
// goroutine in a fixed order, so results are independent of the number of
// workers.

// rowBlock is the number of output rows per parallel block.
const rowBlock = 16

func checkShape(op string, ok bool, dst, a, b *Matrix) {
	if !ok {
		panic(fmt.Sprintf("dense: %s shape mismatch dst %dx%d a %dx%d b %dx%d", op, dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}

// MulABTPar computes dst = A·Bᵀ like MulABT, over fixed blocks of rows of A
// on at most workers goroutines (0 = GOMAXPROCS).
//
//	dst_ij = Σ_k A_ik · B_jk
func MulABTPar(dst, a, b *Matrix, workers int) {
	checkShape("MulABTPar", a.Cols == b.Cols && dst.Rows == a.Rows && dst.Cols == b.Rows, dst, a, b)
	nb := (a.Rows + rowBlock - 1) / rowBlock
	parallel.For(workers, nb, func(_, blk int) {
		lo, hi := blk*rowBlock, min((blk+1)*rowBlock, a.Rows)
		mulABTRows(dst, a, b, lo, hi)
	})
}

// mulABTRows computes rows [lo, hi) of A·Bᵀ. Every element is
// DotVec(A_i, B_j), whatever rows are computed with it, so a row's result does
// not depend on the blocking (evaluators rely on this to reproduce training
// scores).
func mulABTRows(dst, a, b *Matrix, lo, hi int) {
	for i := lo; i < hi; i++ {
		ai, di := a.Row(i), dst.Row(i)
		for j := range di {
			di[j] = DotVec(ai, b.Row(j))
		}
	}
}

// MulAB computes dst = A·B for A (m×k), B (k×n), dst (m×n):
//
//	dst_i = Σ_{p: A_ip ≠ 0} A_ip · B_p      (Comb over the non-zeros of row i)
//
// on at most workers goroutines over fixed blocks of rows of A. Zero
// coefficients (ReLU outputs) are skipped, which adds nothing but ±0.
func MulAB(dst, a, b *Matrix, workers int) {
	checkShape("MulAB", a.Cols == b.Rows && dst.Rows == a.Rows && dst.Cols == b.Cols, dst, a, b)
	combRows(dst, b, a.Cols, workers, func(coef []float32, idx []int32, i int) int {
		return Compact(coef, idx, a.Row(i))
	})
}

// combRows sets each row i of dst to Σ_t coef_t · B_{idx_t}, where compact
// writes row i's non-zero coefficients and their row indices of B into
// scratch buffers of length k and returns their count. Rows are processed
// in fixed blocks on at most workers goroutines, each with its own scratch.
func combRows(dst, b *Matrix, k, workers int, compact func(coef []float32, idx []int32, i int) int) {
	nb := (dst.Rows + rowBlock - 1) / rowBlock
	type buf struct {
		coef []float32
		idx  []int32
	}
	bufs := make([]buf, parallel.Workers(workers))
	parallel.For(workers, nb, func(w, blk int) {
		bf := &bufs[w]
		if bf.coef == nil {
			bf.coef, bf.idx = make([]float32, k), make([]int32, k)
		}
		lo, hi := blk*rowBlock, min((blk+1)*rowBlock, dst.Rows)
		for i := lo; i < hi; i++ {
			n := compact(bf.coef, bf.idx, i)
			CombUnchecked(dst.Row(i), nil, bf.coef[:n], bf.idx[:n], b)
		}
	})
}

// MulABDense is MulAB for an A without zeros (embedding rows): it skips the
// compaction pass. For such an A the result is bit-identical to MulAB's; a
// zero in A only costs its multiply-add.
func MulABDense(dst, a, b *Matrix, workers int) {
	checkShape("MulABDense", a.Cols == b.Rows && dst.Rows == a.Rows && dst.Cols == b.Cols, dst, a, b)
	idx := make([]int32, a.Cols)
	for p := range idx {
		idx[p] = int32(p)
	}
	nb := (a.Rows + rowBlock - 1) / rowBlock
	parallel.For(workers, nb, func(_, blk int) {
		for i := blk * rowBlock; i < min((blk+1)*rowBlock, a.Rows); i++ {
			CombUnchecked(dst.Row(i), nil, a.Row(i), idx, b)
		}
	})
}

// Transpose writes Aᵀ into dst (A m×n, dst n×m), in 16×16 tiles so that
// both the reads and the writes stay within a few cache lines.
func Transpose(dst, a *Matrix) {
	if dst.Rows != a.Cols || dst.Cols != a.Rows {
		panic(fmt.Sprintf("dense: Transpose %dx%d into %dx%d", a.Rows, a.Cols, dst.Rows, dst.Cols))
	}
	const t = 16
	m, n := a.Rows, a.Cols
	for i0 := 0; i0 < m; i0 += t {
		for j0 := 0; j0 < n; j0 += t {
			for i := i0; i < min(i0+t, m); i++ {
				row := a.Data[i*n : (i+1)*n]
				for j := j0; j < min(j0+t, n); j++ {
					dst.Data[j*m+i] = row[j]
				}
			}
		}
	}
}

// TransposeCols writes columns [c0, c0+dst.Rows) of A transposed into dst
// (A m×n, dst k×m): dst_ji = A_i,c0+j. It reads eight rows of A at a time
// and writes eight consecutive elements of each dst row, without the
// column copy a Transpose of a column block would need.
func TransposeCols(dst, a *Matrix, c0 int) {
	k, m := dst.Rows, a.Rows
	if dst.Cols != m || c0 < 0 || c0+k > a.Cols {
		panic(fmt.Sprintf("dense: TransposeCols columns [%d, %d) of %dx%d into %dx%d", c0, c0+k, a.Rows, a.Cols, dst.Rows, dst.Cols))
	}
	n := a.Cols
	i := 0
	for ; i+8 <= m; i += 8 {
		r0 := a.Data[i*n+c0 : i*n+c0+k]
		r1 := a.Data[(i+1)*n+c0 : (i+1)*n+c0+k]
		r2 := a.Data[(i+2)*n+c0 : (i+2)*n+c0+k]
		r3 := a.Data[(i+3)*n+c0 : (i+3)*n+c0+k]
		r4 := a.Data[(i+4)*n+c0 : (i+4)*n+c0+k]
		r5 := a.Data[(i+5)*n+c0 : (i+5)*n+c0+k]
		r6 := a.Data[(i+6)*n+c0 : (i+6)*n+c0+k]
		r7 := a.Data[(i+7)*n+c0 : (i+7)*n+c0+k]
		for j := range r0 {
			d := dst.Data[j*m+i : j*m+i+8 : j*m+i+8]
			d[0], d[1], d[2], d[3] = r0[j], r1[j], r2[j], r3[j]
			d[4], d[5], d[6], d[7] = r4[j], r5[j], r6[j], r7[j]
		}
	}
	for ; i < m; i++ {
		r := a.Data[i*n+c0 : i*n+c0+k]
		for j, v := range r {
			dst.Data[j*m+i] = v
		}
	}
}

// MulATB computes dst = Aᵀ·B for A (k×m), B (k×n), dst (m×n):
//
//	dst_i = Σ_{p: A_pi ≠ 0} A_pi · B_p      (Comb over the non-zeros of column i)
//
// on at most workers goroutines over fixed blocks of rows of dst. Column i
// of A is gathered and compacted in one strided pass, so no transpose is
// materialised.
func MulATB(dst, a, b *Matrix, workers int) {
	checkShape("MulATB", a.Rows == b.Rows && dst.Rows == a.Cols && dst.Cols == b.Cols, dst, a, b)
	combRows(dst, b, a.Rows, workers, func(coef []float32, idx []int32, i int) int {
		return CompactStrided(coef, idx, a.Data[i:], a.Cols, a.Rows)
	})
}
