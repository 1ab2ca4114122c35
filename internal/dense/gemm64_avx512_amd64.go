//go:build amd64 && !purego

package dense

//go:noescape
func combRow64x32z(dst, coef *float64, idx *int32, n int, b *float64, ldb int)

//go:noescape
func dotRows4x8z(a *float64, lda int, b *float64, ldb, k4, n8 int, c *float64, ldc int)

// dotRowsAdd4Vec adds dot4(a_r[l:h], b_j[l:h]) to d_r[j] for four rows of
// A (a_r = a[r·lda:], d_r = d[r·ldd:]) and the rows j < n8 of B (n8 a
// multiple of 8), when h−l is a multiple of 4, in one AVX-512 kernel call:
// dotRowsAdd2Vec's operations, eight lanes per register. It reports false
// (doing nothing) otherwise or where the kernel is unavailable.
func dotRowsAdd4Vec(d []float64, ldd int, a []float64, lda int, b []float64, ldb, l, h, n8 int) bool {
	if !useAVX512 || (h-l)&3 != 0 || h <= l || n8&7 != 0 {
		return false
	}
	if n8 == 0 {
		return true
	}
	_ = a[3*lda+h-1]
	_ = b[(n8-1)*ldb+h-1]
	_ = d[3*ldd+n8-1]
	dotRows4x8z(&a[l], lda, &b[l], ldb, h-l, n8, &d[0], ldd)
	return true
}
