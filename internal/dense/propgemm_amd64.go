//go:build amd64 && !purego

package dense

// The 64-column AVX-512 forms run where useAVX512 (comb4_amd64.go) holds.

//go:noescape
func rowsAcc4x64(d, c *[4]*float32, n int, x *float32, stride int)

//go:noescape
func colsAcc4x64(d *[4]*float32, p *float32, idx *int32, pstride, n int, x *float32, xstride int)

//go:noescape
func rowsAcc4x16(d, c *[4]*float32, n int, x *float32, stride int)

//go:noescape
func colsAcc4x16(d *[4]*float32, p *float32, idx *int32, pstride, n int, x *float32, xstride int)

// rowsMulAdd4Vec computes columns [0, w) of RowsMulAdd4 (w the largest
// multiple of 16 ≤ X.Cols) with the vector kernel and returns w.
func rowsMulAdd4Vec(dst, coef *[4][]float32, x *Matrix, k0, k1 int) int {
	if !useAVX {
		return 0
	}
	w := x.Cols &^ 15
	if k1 == k0 {
		return w
	}
	var dp, cp [4]*float32
	for r := range cp {
		cp[r] = &coef[r][k0]
	}
	j := 0
	if useAVX512 {
		for ; j+64 <= w; j += 64 {
			for r := range dp {
				dp[r] = &dst[r][j]
			}
			rowsAcc4x64(&dp, &cp, k1-k0, &x.Data[k0*x.Cols+j], x.Cols)
		}
	}
	for ; j < w; j += 16 {
		for r := range dp {
			dp[r] = &dst[r][j]
		}
		rowsAcc4x16(&dp, &cp, k1-k0, &x.Data[k0*x.Cols+j], x.Cols)
	}
	return w
}

// colsMulAdd4Vec computes columns [0, w) of four rows k..k+3 of ColsMulAdd (w the largest
// multiple of 16 ≤ D.Cols) with the vector kernel and returns w.
func colsMulAdd4Vec(dst *[4][]float32, p *Matrix, rows []int32, k int, d *Matrix) int {
	if !useAVX {
		return 0
	}
	w := d.Cols &^ 15
	if len(rows) == 0 {
		return w
	}
	var dp [4]*float32
	j := 0
	if useAVX512 {
		for ; j+64 <= w; j += 64 {
			for r := range dp {
				dp[r] = &dst[r][j]
			}
			colsAcc4x64(&dp, &p.Data[k], &rows[0], p.Cols, len(rows), &d.Data[j], d.Cols)
		}
	}
	for ; j < w; j += 16 {
		for r := range dp {
			dp[r] = &dst[r][j]
		}
		colsAcc4x16(&dp, &p.Data[k], &rows[0], p.Cols, len(rows), &d.Data[j], d.Cols)
	}
	return w
}
