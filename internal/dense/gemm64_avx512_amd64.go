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

//go:noescape
func compactCols8z(coef *float64, idx *int32, ld int, cnt *[8]int, a *float64, lda, k8 int)

// compactCols8Vec runs compactNZ on the eight columns a[c], a[c+1], …,
// a[c+7] (stride lda) over the rows l < ⌊k/8⌋·8, list q at coef[q·ld:],
// idx[q·ld:] (ld ≥ k) with its count in cnt[q], and returns the rows done,
// or 0 where the kernel is unavailable.
func compactCols8Vec(coef []float64, idx []int32, ld int, cnt *[8]int, a []float64, lda, k int) int {
	k8 := k &^ 7
	if !useAVX512 || k8 == 0 {
		return 0
	}
	_ = a[(k8-1)*lda+7]
	_, _ = coef[7*ld+k8-1], idx[7*ld+k8-1]
	compactCols8z(&coef[0], &idx[0], ld, cnt, &a[0], lda, k8)
	return k8
}
