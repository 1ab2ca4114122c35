//go:build !amd64 || purego

package dense

func dotBlock2x4Vec(c *[2][4]float64, a0, a1 []float64, b []float64, ldb, j, l, h int) bool {
	return false
}

func combRow64Vec(dst, coef []float64, idx []int32, ldb int, b []float64) int { return 0 }

func dotRowsAdd2Vec(d0, d1, a0, a1, b []float64, ldb, l, h, n4 int) bool { return false }

func dotColAdd1Vec(c, b, a []float64, lda, l, h, m4 int) bool { return false }

func dotRowsAdd4Vec(d []float64, ldd int, a []float64, lda int, b []float64, ldb, l, h, n8 int) bool {
	return false
}

func compactCols8Vec(coef []float64, idx []int32, ld int, cnt *[8]int, a []float64, lda, k int) int {
	return 0
}
