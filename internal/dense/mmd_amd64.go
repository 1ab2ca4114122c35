//go:build amd64 && !purego

package dense

import "unsafe"

// tile4x16AVX2 is the assembly body of Tile4x16 for float32 (mmd_amd64.s):
// eight YMM accumulators (4 rows × 2×8 columns), one FMA per
// (row, 8 columns, k), summed over k in increasing order; kn ≥ 1.
//
//go:noescape
func tile4x16AVX2(c *float32, ldc, kn int, a *float32, ars, aks int, b *float32, bs int)

// tile4x16F32 checks the bounds of the 4×16 product and runs the assembly
// kernel on T's float32 storage (T is float32-based, kn ≥ 1).
func tile4x16F32[T Float](c []T, ldc, kn int, a []T, ars, aks int, b []T, bs int) {
	_ = a[3*ars+(kn-1)*aks]
	_ = b[(kn-1)*bs+15]
	_ = c[3*ldc+15]
	f32 := func(p *T) *float32 { return (*float32)(unsafe.Pointer(p)) }
	tile4x16AVX2(f32(&c[0]), ldc, kn, f32(&a[0]), ars, aks, f32(&b[0]), bs)
}

// gaussRowAVX2 is the assembly body of GaussRow (mmd_amd64.s); n is a
// positive multiple of 8 and nk ≥ 1.
//
//go:noescape
func gaussRowAVX2(n int, q, colr, gram, sqb, wb *float32, sqa, wa float32, inv *float32, nk int) (rowV, ra float64)
