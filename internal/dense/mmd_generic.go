//go:build !amd64 || purego

package dense

func tile4x16F32[T Float](c []T, ldc, kn int, a []T, ars, aks int, b []T, bs int) {
	Tile4x16Go(c, ldc, kn, a, ars, aks, b, bs)
}

func gaussRowAVX2(n int, q, colr, gram, sqb, wb *float32, sqa, wa float32, inv *float32, nk int) (rowV, ra float64) {
	panic("dense: no assembly kernels in this build")
}
