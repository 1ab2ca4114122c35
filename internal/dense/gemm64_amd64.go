//go:build amd64 && !purego

package dense

//go:noescape
func dotLanes2x4(a0, a1, b *float64, ldb, k4 int, out *[32]float64)

//go:noescape
func dotRows2x4(a0, a1, b *float64, ldb, k4, n4 int, c0, c1 *float64)

//go:noescape
func dotRows1x4(a, b *float64, ldb, k4, n4 int, c *float64)

//go:noescape
func combRow64x16(dst, coef *float64, idx *int32, n int, b *float64, ldb int)

//go:noescape
func combRow64x4(dst, coef *float64, idx *int32, n int, b *float64, ldb int)

// dotBlock2x4Vec sets c[r][q] += dot4(a_r[l:h], b_{j+q}[l:h]) for two rows
// a_0, a_1 of A and four rows of B from row j, with the vector kernel for
// the four partial sums and the tail and reduction of dot4 in Go. It
// reports false (doing nothing) where the kernel is unavailable.
func dotBlock2x4Vec(c *[2][4]float64, a0, a1 []float64, b []float64, ldb, j, l, h int) bool {
	if !useAVX {
		return false
	}
	k4 := (h - l) &^ 3
	var s [32]float64
	if k4 > 0 {
		// Bounds: the caller guarantees rows j..j+3 of B span [l, h).
		_ = b[(j+3)*ldb+h-1]
		_, _ = a0[h-1], a1[h-1]
		dotLanes2x4(&a0[l], &a1[l], &b[j*ldb+l], ldb, k4, &s)
	}
	for r, a := range [2][]float64{a0, a1} {
		for q := 0; q < 4; q++ {
			ln := s[(r*4+q)*4 : (r*4+q)*4+4]
			s0, s1, s2, s3 := ln[0], ln[1], ln[2], ln[3]
			bq := b[(j+q)*ldb:]
			for i := l + k4; i < h; i++ {
				s0 += float64(a[i] * bq[i])
			}
			c[r][q] += (s0 + s2) + (s1 + s3)
		}
	}
	return true
}

// combRow64Vec computes the first w columns of combRow64 (w a multiple of
// 4) with the vector kernels and returns w, or 0 where they are
// unavailable.
func combRow64Vec(dst, coef []float64, idx []int32, ldb int, b []float64) int {
	if !useAVX || len(dst) < 4 {
		return 0
	}
	n := len(coef)
	var cp *float64
	var ip *int32
	if n > 0 {
		cp, ip = &coef[0], &idx[0]
	}
	j := 0
	if useAVX512 {
		// 32 columns per pass: four 8-lane chains hide the add latency
		// that bounds the 16-column AVX2 pass.
		for ; j+32 <= len(dst); j += 32 {
			combRow64x32z(&dst[j], cp, ip, n, &b[j], ldb)
		}
	}
	for ; j+16 <= len(dst); j += 16 {
		combRow64x16(&dst[j], cp, ip, n, &b[j], ldb)
	}
	for ; j+4 <= len(dst); j += 4 {
		combRow64x4(&dst[j], cp, ip, n, &b[j], ldb)
	}
	return j
}

// dotRowsAdd2Vec adds dot4(a_r[l:h], b_j[l:h]) to d_r[j] for two rows a_0,
// a_1 of A and the rows j < n4 of B (n4 a multiple of 4), when h−l is a
// multiple of 4 (no tail), in one kernel call: the same operations as a
// DotUnitary-ordered reduction per group of four rows. It reports false (doing
// nothing) otherwise or where the kernel is unavailable.
func dotRowsAdd2Vec(d0, d1, a0, a1, b []float64, ldb, l, h, n4 int) bool {
	if !useAVX || (h-l)&3 != 0 || h <= l || n4&3 != 0 {
		return false
	}
	if n4 == 0 {
		return true
	}
	_ = b[(n4-1)*ldb+h-1]
	_, _ = a0[h-1], a1[h-1]
	_, _ = d0[n4-1], d1[n4-1]
	dotRows2x4(&a0[l], &a1[l], &b[l], ldb, h-l, n4, &d0[0], &d1[0])
	return true
}

// dotColAdd1Vec adds dot4(b[l:h], a_i[l:h]) to c[i] for the rows i < m4 of
// A (m4 a multiple of 4) against one row b, when h−l is a multiple of 4,
// in one kernel call (a product x·y has the bits of y·x, so this is
// MulABT64's column for a single row of B). It reports false (doing
// nothing) otherwise or where the kernel is unavailable.
func dotColAdd1Vec(c, b, a []float64, lda, l, h, m4 int) bool {
	if !useAVX || (h-l)&3 != 0 || h <= l || m4&3 != 0 {
		return false
	}
	if m4 == 0 {
		return true
	}
	_ = a[(m4-1)*lda+h-1]
	_ = b[h-1]
	_ = c[m4-1]
	dotRows1x4(&b[l], &a[l], lda, h-l, m4, &c[0])
	return true
}
