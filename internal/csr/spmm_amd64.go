//go:build amd64 && !purego

package csr

import "github.com/potau/potau/internal/dense"

//go:noescape
func rows64(dst *float32, dstride int, add *float32, rows *int32, nrows int, rowptr *int, colidx *int32, val *float32, x *float32, xstride int)

//go:noescape
func rows64x2z(dst *float32, dstride int, add *float32, astride int, rows *int32, nrows int, rowptr *int, colidx *int32, val *float32, x *float32, xstride int)

//go:noescape
func scatter64(dst *float32, dstride int, colidx *int32, val *float32, n int, gp *float32)

// wide selects the two-lane AVX-512 form of the row kernel where the CPU
// has AVX-512 (the same chains as rows64; tests switch it off).
var wide = dense.AcceleratedWide()

// zeroRow is the added row of a product without one (rows64x2z always adds).
var zeroRow [64]float32

// rowsVec computes the listed rows of add + A·X with one kernel call when
// the vector kernels run and X has 64 columns, and reports whether it did.
func rowsVec(dst *dense.Matrix, a *Matrix, x, add *dense.Matrix, rows []int32) bool {
	if !dense.Accelerated() || x.Cols != 64 || len(rows) == 0 || a.NNZ() == 0 {
		return len(rows) == 0
	}
	if wide {
		ap, as := &zeroRow[0], 0
		if add != nil {
			ap, as = &add.Data[0], add.Cols
		}
		rows64x2z(&dst.Data[0], dst.Cols, ap, as, &rows[0], len(rows), &a.RowPtr[0], &a.ColIdx[0], &a.Val[0], &x.Data[0], x.Cols)
		return true
	}
	var ap *float32
	if add != nil {
		ap = &add.Data[0]
	}
	rows64(&dst.Data[0], dst.Cols, ap, &rows[0], len(rows), &a.RowPtr[0], &a.ColIdx[0], &a.Val[0], &x.Data[0], x.Cols)
	return true
}

// scatterVec is ScatterRow's kernel for 64 columns; it reports whether it ran.
func scatterVec(dst *dense.Matrix, a *Matrix, lo, hi int, g []float32) bool {
	if !dense.Accelerated() || dst.Cols != 64 {
		return false
	}
	if hi > lo {
		scatter64(&dst.Data[0], dst.Cols, &a.ColIdx[lo], &a.Val[lo], hi-lo, &g[0])
	}
	return true
}
