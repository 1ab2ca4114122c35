package dense

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// This file holds sequential float64 products for small matrices (the
// attackers' networks: a minibatch of a few hundred rows through a hidden
// layer of about a hundred units). gonum's Dgemm hands such products to
// goroutines, whose start-up and scheduling cost more than the arithmetic
// when every fold of a cross-validation already runs on its own core.
//
// Each kernel computes every output element with exactly the operations,
// in exactly the order, of gonum v0.17's Dgemm on amd64 (alpha = 1,
// beta = 0; its SSE2 kernels multiply and add without fused multiply-adds),
// so a model trained with these kernels is bit-identical to one trained
// with mat.Dense.Mul. Products are written float64(x*y) so that no compiler
// fuses them into a multiply-add.

// gonum's Dgemm block size and the number of blocks below which it runs
// serially (blas/gonum/dgemm.go).
const (
	gemmBlock     = 64
	gemmMinBlocks = 4
)

func gemmBlocks(n int) int { return (n + gemmBlock - 1) / gemmBlock }

func checkShape64(op string, ok bool, dst, a, b blas64.General) {
	if !ok {
		panic(fmt.Sprintf("dense: %s shape mismatch dst %dx%d a %dx%d b %dx%d", op, dst.Rows, dst.Cols, a.Rows, a.Cols, b.Rows, b.Cols))
	}
}

// dot4 returns Σ x_i·y_i (len(y) ≥ len(x)) summed as gonum's amd64
// DotUnitary: four partial sums s_r over i ≡ r (mod 4) for the first
// ⌊n/4⌋·4 terms, the remaining terms added to s_0 in order, and the result
// (s_0 + s_2) + (s_1 + s_3).
func dot4(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += float64(x[i] * y[i])
		s1 += float64(x[i+1] * y[i+1])
		s2 += float64(x[i+2] * y[i+2])
		s3 += float64(x[i+3] * y[i+3])
	}
	for ; i < len(x); i++ {
		s0 += float64(x[i] * y[i])
	}
	return (s0 + s2) + (s1 + s3)
}

// dot4x2 is dot4(x, y0), dot4(x, y1) in one pass over x.
func dot4x2(x, y0, y1 []float64) (float64, float64) {
	y0, y1 = y0[:len(x)], y1[:len(x)]
	var a0, a1, a2, a3, b0, b1, b2, b3 float64
	i := 0
	for ; i+4 <= len(x); i += 4 {
		x0, x1, x2, x3 := x[i], x[i+1], x[i+2], x[i+3]
		a0 += float64(x0 * y0[i])
		a1 += float64(x1 * y0[i+1])
		a2 += float64(x2 * y0[i+2])
		a3 += float64(x3 * y0[i+3])
		b0 += float64(x0 * y1[i])
		b1 += float64(x1 * y1[i+1])
		b2 += float64(x2 * y1[i+2])
		b3 += float64(x3 * y1[i+3])
	}
	for ; i < len(x); i++ {
		a0 += float64(x[i] * y0[i])
		b0 += float64(x[i] * y1[i])
	}
	return (a0 + a2) + (a1 + a3), (b0 + b2) + (b1 + b3)
}

// MulABT64 computes dst = A·Bᵀ for A (m×k), B (n×k), dst (m×n) on the
// calling goroutine:
//
//	dst_ij = Σ_blocks dot(A_i[blk], B_j[blk]),  blk = [0, k) or 64-wide blocks
//
// with the blocks and the dot product's partial sums of gonum's
// Dgemm(NoTrans, Trans) (64-wide blocks of k when Dgemm would run in
// parallel, ⌈m/64⌉·⌈n/64⌉ ≥ 4), so the result is bit-identical to
// mat.Dense.Mul(A, B.T()).
func MulABT64(dst, a, b blas64.General) {
	m, n, k := a.Rows, b.Rows, a.Cols
	checkShape64("MulABT64", b.Cols == k && dst.Rows == m && dst.Cols == n, dst, a, b)
	kb := k
	if gemmBlocks(m)*gemmBlocks(n) >= gemmMinBlocks {
		kb = gemmBlock
	}
	i := 0
	if n == 1 && dst.Stride == 1 && k > 0 && k%4 == 0 && kb%4 == 0 && useAVX {
		// One row of B (a logistic output layer): four rows of A per
		// reduction, the column of dst contiguous; it starts at +0 and
		// gets the blocks in ascending order, as in mulABTRow64.
		m4 := m &^ 3
		col := dst.Data[:m4]
		clear(col)
		for l := 0; l < k; l += kb {
			dotColAdd1Vec(col, b.Data[:k], a.Data, a.Stride, l, min(l+kb, k), m4)
		}
		i = m4
	} else if k > 0 && n >= 8 && k%4 == 0 && kb%4 == 0 && useAVX512 {
		// Four rows of A against eight rows of B per step of the AVX-512
		// kernel, the next four rows of B with the AVX2 one, the rest in
		// Go; every element starts at +0 and gets its blocks in order.
		n8, n4 := n&^7, n&^3
		for ; i+4 <= m; i += 4 {
			row := func(r int) []float64 { return dst.Data[(i+r)*dst.Stride : (i+r)*dst.Stride+n] }
			arow := func(r int) []float64 { return a.Data[(i+r)*a.Stride : (i+r)*a.Stride+k] }
			for r := 0; r < 4; r++ {
				clear(row(r)[:n4])
			}
			for l := 0; l < k; l += kb {
				h := min(l+kb, k)
				dotRowsAdd4Vec(dst.Data[i*dst.Stride:], dst.Stride, a.Data[i*a.Stride:], a.Stride, b.Data, b.Stride, l, h, n8)
				if n4 > n8 {
					for r := 0; r < 4; r += 2 {
						dotRowsAdd2Vec(row(r)[n8:], row(r + 1)[n8:], arow(r), arow(r+1), b.Data[n8*b.Stride:], b.Stride, l, h, n4-n8)
					}
				}
			}
			for r := 0; r < 4; r++ {
				mulABTRow64(row(r), arow(r), b, n4, kb)
			}
		}
	}
	if k > 0 && n >= 4 && useAVX {
		// Two rows of A against four rows of B per vector kernel call.
		for ; i+2 <= m; i += 2 {
			a0 := a.Data[i*a.Stride : i*a.Stride+k]
			a1 := a.Data[(i+1)*a.Stride : (i+1)*a.Stride+k]
			d0 := dst.Data[i*dst.Stride : i*dst.Stride+n]
			d1 := dst.Data[(i+1)*dst.Stride : (i+1)*dst.Stride+n]
			j := 0
			if k%4 == 0 && kb%4 == 0 {
				// No block has a tail: the kernel reduces and adds into
				// dst, which starts at +0 as gonum's C does; every
				// element gets its blocks in ascending order.
				n4 := n &^ 3
				clear(d0[:n4])
				clear(d1[:n4])
				for l := 0; l < k; l += kb {
					dotRowsAdd2Vec(d0, d1, a0, a1, b.Data, b.Stride, l, min(l+kb, k), n4)
				}
				j = n4
			}
			for ; j+4 <= n; j += 4 {
				var c [2][4]float64
				for l := 0; l < k; l += kb {
					dotBlock2x4Vec(&c, a0, a1, b.Data, b.Stride, j, l, min(l+kb, k))
				}
				copy(d0[j:j+4], c[0][:])
				copy(d1[j:j+4], c[1][:])
			}
			mulABTRow64(d0, a0, b, j, kb)
			mulABTRow64(d1, a1, b, j, kb)
		}
	}
	for ; i < m; i++ {
		mulABTRow64(dst.Data[i*dst.Stride:i*dst.Stride+n], a.Data[i*a.Stride:i*a.Stride+k], b, 0, kb)
	}
}

// mulABTRow64 sets di[j] for j ≥ j0 to the blocked dot products of ai with
// the rows of B (blocks of kb).
func mulABTRow64(di, ai []float64, b blas64.General, j0, kb int) {
	k, n := len(ai), len(di)
	j := j0
	if kb >= k {
		for ; j+2 <= n; j += 2 {
			s0, s1 := dot4x2(ai, b.Data[j*b.Stride:j*b.Stride+k], b.Data[(j+1)*b.Stride:(j+1)*b.Stride+k])
			di[j], di[j+1] = 0+s0, 0+s1
		}
	}
	for ; j < n; j++ {
		bj := b.Data[j*b.Stride : j*b.Stride+k]
		var c float64
		for l := 0; l < k; l += kb {
			h := min(l+kb, k)
			c += dot4(ai[l:h], bj[l:h])
		}
		di[j] = c
	}
}

// compactNZ writes the non-zero values of the sequence data[p·stride],
// p < count, into coef and their positions into idx and returns their
// number (gonum's Dgemm skips a zero coefficient, so −0 and +0 are skipped
// and a NaN is kept).
func compactNZ(coef []float64, idx []int32, data []float64, stride, count int) int {
	coef, idx = coef[:count], idx[:count]
	n := 0
	for p := 0; p < count; p++ {
		// Branch-free (ReLU signs are unpredictable): the count advances
		// unless the bits without the sign are all zero (±0).
		v := data[p*stride]
		coef[n] = v
		idx[n] = int32(p)
		x := math.Float64bits(v) << 1
		n += int((x | -x) >> 63)
	}
	return n
}

// combRow64 sets dst_j = Σ_t coef_t · B[idx_t][j], accumulated from +0 in
// ascending t (a row of B per term, as gonum's AxpyUnitary adds them).
func combRow64(dst, coef []float64, idx []int32, b blas64.General) {
	n := len(dst)
	j := combRow64Vec(dst, coef, idx, b.Stride, b.Data)
	for ; j+4 <= n; j += 4 {
		var c0, c1, c2, c3 float64
		for t, w := range coef {
			r := b.Data[int(idx[t])*b.Stride+j : int(idx[t])*b.Stride+j+4]
			c0 += float64(w * r[0])
			c1 += float64(w * r[1])
			c2 += float64(w * r[2])
			c3 += float64(w * r[3])
		}
		dst[j], dst[j+1], dst[j+2], dst[j+3] = c0, c1, c2, c3
	}
	for ; j < n; j++ {
		var c float64
		for t, w := range coef {
			c += float64(w * b.Data[int(idx[t])*b.Stride+j])
		}
		dst[j] = c
	}
}

// MulAB64 computes dst = A·B for A (m×k), B (k×n), dst (m×n) on the
// calling goroutine:
//
//	dst_ij = Σ_{l: A_il ≠ 0} A_il · B_lj    (ascending l, from +0)
//
// the order of gonum's Dgemm(NoTrans, NoTrans), which skips zero
// coefficients (ReLU outputs): bit-identical to mat.Dense.Mul(A, B).
func MulAB64(dst, a, b blas64.General) {
	m, k, n := a.Rows, a.Cols, b.Cols
	checkShape64("MulAB64", b.Rows == k && dst.Rows == m && dst.Cols == n, dst, a, b)
	if k == 0 {
		zero64(dst)
		return
	}
	var cbuf [scratchLen]float64
	var ibuf [scratchLen]int32
	coef, idx := scratch64(cbuf[:], ibuf[:], k)
	for i := 0; i < m; i++ {
		t := compactNZ(coef, idx, a.Data[i*a.Stride:], 1, k)
		combRow64(dst.Data[i*dst.Stride:i*dst.Stride+n], coef[:t], idx[:t], b)
	}
}

// MulATB64 computes dst = Aᵀ·B for A (k×m), B (k×n), dst (m×n) on the
// calling goroutine:
//
//	dst_ij = Σ_{l: A_li ≠ 0} A_li · B_lj    (ascending l, from +0)
//
// the order of gonum's Dgemm(Trans, NoTrans), which skips zero
// coefficients: bit-identical to mat.Dense.Mul(A.T(), B).
func MulATB64(dst, a, b blas64.General) {
	k, m, n := a.Rows, a.Cols, b.Cols
	checkShape64("MulATB64", b.Rows == k && dst.Rows == m && dst.Cols == n, dst, a, b)
	if k == 0 {
		zero64(dst)
		return
	}
	i := 0
	if k <= scratchLen && k >= 8 && useAVX512 {
		// Eight rows of dst at a time: their columns of A are compacted
		// together, eight rows of A per kernel step (loaded contiguously
		// and transposed in registers, instead of eight strided walks).
		var cbuf [8 * scratchLen]float64
		var ibuf [8 * scratchLen]int32
		for ; i+8 <= m; i += 8 {
			var cnt [8]int
			l := compactCols8Vec(cbuf[:], ibuf[:], k, &cnt, a.Data[i:], a.Stride, k)
			for ; l < k; l++ { // the rows after the last full eight, in order
				for q := range cnt {
					v := a.Data[l*a.Stride+i+q]
					cbuf[q*k+cnt[q]] = v
					ibuf[q*k+cnt[q]] = int32(l)
					x := math.Float64bits(v) << 1
					cnt[q] += int((x | -x) >> 63)
				}
			}
			for q, t := range cnt {
				combRow64(dst.Data[(i+q)*dst.Stride:(i+q)*dst.Stride+n], cbuf[q*k:q*k+t], ibuf[q*k:q*k+t], b)
			}
		}
	}
	var cbuf [scratchLen]float64
	var ibuf [scratchLen]int32
	coef, idx := scratch64(cbuf[:], ibuf[:], k)
	for ; i < m; i++ {
		t := compactNZ(coef, idx, a.Data[i:], a.Stride, k)
		combRow64(dst.Data[i*dst.Stride:i*dst.Stride+n], coef[:t], idx[:t], b)
	}
}

// scratchLen is the number of terms whose compaction buffers live on the
// stack (a minibatch of the attackers' networks); longer ones are
// allocated.
const scratchLen = 256

// scratch64 returns k slots of coef and idx: the given buffers when they
// are long enough, new ones otherwise.
func scratch64(coef []float64, idx []int32, k int) ([]float64, []int32) {
	if k <= len(coef) && k <= len(idx) {
		return coef[:k], idx[:k]
	}
	return make([]float64, k), make([]int32, k)
}

func zero64(dst blas64.General) {
	for i := 0; i < dst.Rows; i++ {
		clear(dst.Data[i*dst.Stride : i*dst.Stride+dst.Cols])
	}
}

// SyrkUpper64 sets the upper triangle of the k×k symmetric dst to Aᵀ·A
// for A (n×k), on the calling goroutine:
//
//	dst_ij = Σ_{l: A_li ≠ 0} A_li · A_lj    (j ≥ i, ascending l, from +0)
//
// the operations and order of gonum's Dsyrk(Upper, Trans) with α = 1 after
// the triangle is zeroed (what mat.SymDense.SymOuterK(1, A.T()) calls):
// row i of the triangle is an axpy of row l's columns [i, k) for every
// non-zero A_li. The lower triangle is not touched.
func SyrkUpper64(dst blas64.Symmetric, a blas64.General) {
	n, k := a.Rows, a.Cols
	if dst.N != k || dst.Uplo != blas.Upper {
		panic(fmt.Sprintf("dense: SyrkUpper64: dst %dx%d (uplo %c) for A %dx%d", dst.N, dst.N, dst.Uplo, n, k))
	}
	coef, idx := scratch64(nil, nil, max(n, 1))
	for i := 0; i < k; i++ {
		t := compactNZ(coef, idx, a.Data[i:], a.Stride, n)
		view := blas64.General{Rows: n, Cols: k - i, Stride: a.Stride, Data: a.Data[i:]}
		combRow64(dst.Data[i*dst.Stride+i:i*dst.Stride+k], coef[:t], idx[:t], view)
	}
}
