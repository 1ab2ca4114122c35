//go:build amd64 && !purego

package dense

import "gonum.org/v1/gonum/blas/blas64"

//go:noescape
func addBiasReLU4(x *float64, ldx, rows, n4 int, b *float64)

//go:noescape
func maskZero4(x *float64, ldx int, a *float64, lda, rows, n4 int)

//go:noescape
func addColSums4(s *float64, a *float64, lda, rows, n4 int)

//go:noescape
func addScaledDiv4(x, y *float64, n4 int, alpha, d float64)

//go:noescape
func adam4(p, gr, m, v *float64, n4 int, c *Adam64Coef)

// The Vec functions below run the kernels on the first n4 = ⌊n/4⌋·4
// columns (elements) and return n4, or 0 where AVX2 is unavailable.

func addBiasReLUVec(dst blas64.General, b []float64) int {
	n4 := dst.Cols &^ 3
	if !useAVX || n4 == 0 || dst.Rows == 0 {
		return 0
	}
	_ = dst.Data[(dst.Rows-1)*dst.Stride+n4-1]
	_ = b[n4-1]
	addBiasReLU4(&dst.Data[0], dst.Stride, dst.Rows, n4, &b[0])
	return n4
}

func maskZeroVec(dst, a blas64.General) int {
	n4 := dst.Cols &^ 3
	if !useAVX || n4 == 0 || dst.Rows == 0 {
		return 0
	}
	_ = dst.Data[(dst.Rows-1)*dst.Stride+n4-1]
	_ = a.Data[(a.Rows-1)*a.Stride+n4-1]
	maskZero4(&dst.Data[0], dst.Stride, &a.Data[0], a.Stride, dst.Rows, n4)
	return n4
}

func addColSumsVec(s []float64, a blas64.General) int {
	n4 := a.Cols &^ 3
	if !useAVX || n4 == 0 || a.Rows == 0 {
		return 0
	}
	_ = a.Data[(a.Rows-1)*a.Stride+n4-1]
	_ = s[n4-1]
	addColSums4(&s[0], &a.Data[0], a.Stride, a.Rows, n4)
	return n4
}

func addScaledDivVec(x, y []float64, alpha, d float64) int {
	n4 := len(x) &^ 3
	if !useAVX || n4 == 0 {
		return 0
	}
	_ = y[n4-1]
	addScaledDiv4(&x[0], &y[0], n4, alpha, d)
	return n4
}

func adam64Vec(p, g, m, v []float64, c *Adam64Coef) int {
	n4 := len(p) &^ 3
	if !useAVX || n4 == 0 {
		return 0
	}
	_, _, _ = g[n4-1], m[n4-1], v[n4-1]
	adam4(&p[0], &g[0], &m[0], &v[0], n4, c)
	return n4
}
