//go:build amd64 && !purego

package dense

//go:noescape
func combRow64x32z(dst, coef *float64, idx *int32, n int, b *float64, ldb int)
