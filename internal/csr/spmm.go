package csr

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"sort"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// spmmBlock is the number of rows in one parallel block of a product.
const spmmBlock = 64

func check(dst *dense.Matrix, a *Matrix, x *dense.Matrix) {
	if a.Cols != x.Rows || dst.Rows != a.Rows || dst.Cols != x.Cols {
		panic(fmt.Sprintf("csr: SpMM shape mismatch dst %dx%d a %dx%d x %dx%d", dst.Rows, dst.Cols, a.Rows, a.Cols, x.Rows, x.Cols))
	}
}

// row computes dst = Σ_{p ∈ row i} Val[p]·X_{ColIdx[p]} (+ add when add != nil),
// skipping columns whose mask entry is false when mask != nil (their terms
// are compacted away into the worker's scratch sc). Skipped columns must
// hold zero rows of X, so skipping them does not change the result.
func (a *Matrix) row(dst []float32, i int, x *dense.Matrix, add []float32, mask []bool, sc *scratch) {
	lo, hi := a.RowPtr[i], a.RowPtr[i+1]
	if mask == nil {
		dense.CombUnchecked(dst, add, a.Val[lo:hi], a.ColIdx[lo:hi], x)
		return
	}
	if cap(sc.val) < hi-lo {
		sc.val, sc.col = make([]float32, hi-lo), make([]int32, hi-lo)
	}
	val, col := sc.val[:hi-lo], sc.col[:hi-lo]
	n := 0
	for p := lo; p < hi; p++ { // branch-free compaction
		c := a.ColIdx[p]
		val[n], col[n] = a.Val[p], c
		var keep int
		if mask[c] {
			keep = 1
		}
		n += keep
	}
	dense.CombUnchecked(dst, add, val[:n], col[:n], x)
}

// scratch is one worker's buffer for compacted rows.
type scratch struct {
	val []float32
	col []int32
}

// MulDense computes dst = A·X (dst and X dense, d columns) over fixed row
// blocks on at most workers goroutines (0 = GOMAXPROCS):
//
//	dst_i = Σ_{p ∈ row i} A_{i,c(p)} · X_{c(p)}
//
// dst must not alias X.
func MulDense(dst *dense.Matrix, a *Matrix, x *dense.Matrix, workers int) {
	check(dst, a, x)
	if dense.Accelerated() && x.Cols == 64 {
		rows := make([]int32, a.Rows) // the block kernel takes a row list
		for i := range rows {
			rows[i] = int32(i)
		}
		MulDenseRows(dst, a, x, nil, rows, nil, workers)
		return
	}
	nb := (a.Rows + spmmBlock - 1) / spmmBlock
	parallel.For(workers, nb, func(_, b int) {
		for i := b * spmmBlock; i < min((b+1)*spmmBlock, a.Rows); i++ {
			a.row(dst.Row(i), i, x, nil, nil, nil)
		}
	})
}

// MulDenseRows computes only the listed rows of add + A·X into dst:
//
//	dst_i = add_i + Σ_{p ∈ row i, mask[c(p)]} A_{i,c(p)} · X_{c(p)}   for i ∈ rows
//
// add may be nil (then the term is absent); mask may be nil (every column
// counts) and otherwise marks the rows of X that may be non-zero — the
// caller guarantees X is zero elsewhere, so the masked product equals the
// full one. Rows not listed are left untouched. rows must not repeat.
func MulDenseRows(dst *dense.Matrix, a *Matrix, x, add *dense.Matrix, rows []int32, mask []bool, workers int) {
	MulDenseRowsThen(dst, a, x, add, rows, mask, workers, nil)
}

// MulDenseRowsThen is MulDenseRows that calls then(blk) (when not nil) with
// each block of rows as soon as their products are in dst, on the goroutine
// that computed them, in the same parallel region: then may read and write
// what the block owns (dst's rows blk and state indexed by them) without
// another pass over dst or another fork and join. The blocks are runs of
// 64 consecutive entries of rows.
func MulDenseRowsThen(dst *dense.Matrix, a *Matrix, x, add *dense.Matrix, rows []int32, mask []bool, workers int, then func(blk []int32)) {
	check(dst, a, x)
	if add != nil && !dense.SameShape(add, dst) {
		panic(fmt.Sprintf("csr: MulDenseRows add %dx%d, dst %dx%d", add.Rows, add.Cols, dst.Rows, dst.Cols))
	}
	if mask != nil && len(mask) != x.Rows {
		panic(fmt.Sprintf("csr: MulDenseRows mask length %d, X has %d rows", len(mask), x.Rows))
	}
	nb := (len(rows) + spmmBlock - 1) / spmmBlock
	sc := make([]scratch, parallel.Workers(workers))
	parallel.For(workers, nb, func(w, b int) {
		blk := rows[b*spmmBlock : min((b+1)*spmmBlock, len(rows))]
		if mask != nil || !rowsVec(dst, a, x, add, blk) { // else one kernel call for the block (64 columns)
			for _, i := range blk {
				var ad []float32
				if add != nil {
					ad = add.Row(int(i))
				}
				a.row(dst.Row(int(i)), int(i), x, ad, mask, &sc[w])
			}
		}
		if then != nil {
			then(blk)
		}
	})
}

// MarkNeighbours sets mark[c] = 1 for every column c of the listed rows
// (len(mark) ≥ Cols): the marked set becomes set ∪ N(rows). Plain stores,
// no branch and no read per stored entry; AppendMarked lists the set.
func (a *Matrix) MarkNeighbours(mark []byte, rows []int32) {
	if len(mark) < a.Cols {
		panic(fmt.Sprintf("csr: MarkNeighbours: %d marks for %d columns", len(mark), a.Cols))
	}
	for _, i := range rows {
		for _, c := range a.ColIdx[a.RowPtr[i]:a.RowPtr[i+1]] {
			mark[c] = 1
		}
	}
}

// AppendMarked appends to dst the indices i with mark[i] ≠ 0, ascending,
// and returns the extended slice.
func AppendMarked(dst []int32, mark []byte) []int32 {
	i := 0
	for ; i+8 <= len(mark); i += 8 {
		if binary.LittleEndian.Uint64(mark[i:]) == 0 {
			continue // eight unmarked at once
		}
		for j, m := range mark[i : i+8] {
			if m != 0 {
				dst = append(dst, int32(i+j))
			}
		}
	}
	for ; i < len(mark); i++ {
		if mark[i] != 0 {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

// CountMarked returns the number of marks, each 0 or 1.
func CountMarked(mark []byte) int {
	n, i := 0, 0
	for ; i+8 <= len(mark); i += 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(mark[i:]))
	}
	for ; i < len(mark); i++ {
		n += int(mark[i])
	}
	return n
}

// ScatterRow adds row b's stored entries with columns in [lo, hi) to the
// rows of dst they name, scaled copies of g:
//
//	dst_c = fma(A_{b,c}, g, dst_c)   elementwise, for c ∈ [lo, hi) in ascending order,
//
// in one kernel call, and reports true. Where that kernel does not run (no
// AVX2+FMA, or dst not 64 columns wide) it does nothing and reports false;
// the caller then adds the entries itself (dense.AxpyVec per entry is the
// same chain). len(g) must be dst.Cols and b a row of A.
func (a *Matrix) ScatterRow(dst *dense.Matrix, b, lo, hi int, g []float32) bool {
	if len(g) != dst.Cols || dst.Rows != a.Cols {
		panic(fmt.Sprintf("csr: ScatterRow: g %d, dst %dx%d, A %dx%d", len(g), dst.Rows, dst.Cols, a.Rows, a.Cols))
	}
	p, end := a.RowPtr[b], a.RowPtr[b+1]
	p += sort.Search(end-p, func(q int) bool { return int(a.ColIdx[p+q]) >= lo })
	e := p + sort.Search(end-p, func(q int) bool { return int(a.ColIdx[p+q]) >= hi })
	return scatterVec(dst, a, p, e, g)
}
