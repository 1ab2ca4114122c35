package dense

import "fmt"

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
	ParallelFor(workers, nb, func(_, blk int) {
		lo, hi := blk*rowBlock, min((blk+1)*rowBlock, a.Rows)
		mulABTRows(dst, a, b, lo, hi)
	})
}

// mulABTRows computes rows [lo, hi) of A·Bᵀ, four rows of A at a time so
// each row of B is loaded once per four dot products. Every element is the
// sequential sum Σ_{p=0..k-1} A_ip·B_jp in ascending p, whatever its row's
// position in a block, so a row's result does not depend on which other rows
// are computed with it (evaluators rely on this to reproduce training scores).
func mulABTRows(dst, a, b *Matrix, lo, hi int) {
	k := a.Cols
	i := lo
	for ; i+4 <= hi; i += 4 {
		a0, a1, a2, a3 := a.Row(i), a.Row(i+1), a.Row(i+2), a.Row(i+3)
		d0, d1, d2, d3 := dst.Row(i), dst.Row(i+1), dst.Row(i+2), dst.Row(i+3)
		for j := 0; j < b.Rows; j++ {
			bj := b.Data[j*k : j*k+k : j*k+k]
			a0, a1, a2, a3 := a0[:len(bj)], a1[:len(bj)], a2[:len(bj)], a3[:len(bj)]
			var s0, s1, s2, s3 float32
			for p, v := range bj {
				s0 += a0[p] * v
				s1 += a1[p] * v
				s2 += a2[p] * v
				s3 += a3[p] * v
			}
			d0[j], d1[j], d2[j], d3[j] = s0, s1, s2, s3
		}
	}
	for ; i < hi; i++ {
		ai, di := a.Row(i), dst.Row(i)
		for j := 0; j < b.Rows; j++ {
			bj := b.Data[j*k : j*k+k : j*k+k]
			ai := ai[:len(bj)]
			var s float32
			for p, v := range bj {
				s += ai[p] * v
			}
			di[j] = s
		}
	}
}

// MulAB computes dst = A·B for A (m×k), B (k×n), dst (m×n):
//
//	dst_ij = Σ_k A_ik · B_kj
//
// on at most workers goroutines over fixed blocks of rows of A.
func MulAB(dst, a, b *Matrix, workers int) {
	checkShape("MulAB", a.Cols == b.Rows && dst.Rows == a.Rows && dst.Cols == b.Cols, dst, a, b)
	nb := (a.Rows + rowBlock - 1) / rowBlock
	ParallelFor(workers, nb, func(_, blk int) {
		lo, hi := blk*rowBlock, min((blk+1)*rowBlock, a.Rows)
		for i := lo; i < hi; i++ {
			di := dst.Row(i)
			clear(di)
			ai := a.Row(i)
			for p, v := range ai {
				if v == 0 {
					continue // ReLU-sparse inputs; adding 0·B_p changes nothing
				}
				Axpy(v, b.Row(p), di)
			}
		}
	})
}

// MulATB computes dst = Aᵀ·B for A (k×m), B (k×n), dst (m×n):
//
//	dst_ij = Σ_p A_pi · B_pj
//
// on at most workers goroutines over fixed blocks of rows of dst; the sum
// over p runs in ascending order.
func MulATB(dst, a, b *Matrix, workers int) {
	checkShape("MulATB", a.Rows == b.Rows && dst.Rows == a.Cols && dst.Cols == b.Cols, dst, a, b)
	nb := (dst.Rows + rowBlock - 1) / rowBlock
	ParallelFor(workers, nb, func(_, blk int) {
		lo, hi := blk*rowBlock, min((blk+1)*rowBlock, dst.Rows)
		for i := lo; i < hi; i++ {
			clear(dst.Row(i))
		}
		for p := 0; p < a.Rows; p++ {
			ap, bp := a.Row(p), b.Row(p)
			for i := lo; i < hi; i++ {
				if v := ap[i]; v != 0 {
					Axpy(v, bp, dst.Row(i))
				}
			}
		}
	})
}
