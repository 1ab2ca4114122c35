package dense

import "fmt"

// Products of a few rows (or columns) of a large dense matrix P with a dense
// matrix, for propagations precomputed as a dense operator: LightGCN's
// F_B = P_B·X and its gradient P_Bᵀ·D. Both accumulate into their
// destination, one chain of multiply-adds per element in ascending term
// order (fused where the CPU has AVX2 and FMA), so a product split into
// term blocks gives the same bits as the unsplit one and the result does not
// depend on how callers distribute destination rows over goroutines.

// RowsMulAdd4 adds four row combinations of X over the terms [k0, k1):
//
//	dst[r]_j += Σ_{k0 ≤ k < k1} coef[r][k] · X_{k,j},   r < 4, j < X.Cols.
//
// The dst rows must have length X.Cols and the coef rows length ≥ k1.
func RowsMulAdd4(dst, coef *[4][]float32, x *Matrix, k0, k1 int) {
	if k0 < 0 || k1 > x.Rows || k0 > k1 {
		panic(fmt.Sprintf("dense: RowsMulAdd4: terms [%d, %d) of X %dx%d", k0, k1, x.Rows, x.Cols))
	}
	for r := range 4 {
		if len(dst[r]) != x.Cols || len(coef[r]) < k1 {
			panic(fmt.Sprintf("dense: RowsMulAdd4: row %d: dst %d (X has %d columns), coef %d < %d", r, len(dst[r]), x.Cols, len(coef[r]), k1))
		}
	}
	c := x.Cols
	done := rowsMulAdd4Vec(dst, coef, x, k0, k1)
	for r := range 4 {
		rest := dst[r][done:]
		for k := k0; k < k1; k++ {
			a := coef[r][k]
			for j, v := range x.Data[k*c+done : k*c+c] {
				rest[j] += a * v
			}
		}
	}
}

// ColsMulAdd adds to the rows [k0, k1) of dst the combinations of the rows
// of D weighted by the entries of the listed rows of P in those columns:
//
//	dst_{k,j} += Σ_t P_{rows[t], k} · D_{t,j},   k0 ≤ k < k1, j < D.Cols,
//
// the terms in ascending t, four destination rows at a time. D has
// len(rows) rows; dst has P.Cols rows of D.Cols columns; every rows[t] is a
// row of P.
func ColsMulAdd(dst, p *Matrix, rows []int32, k0, k1 int, d *Matrix) {
	if k0 < 0 || k1 > p.Cols || k0 > k1 || d.Rows != len(rows) || dst.Rows != p.Cols || dst.Cols != d.Cols {
		panic(fmt.Sprintf("dense: ColsMulAdd: rows [%d, %d) of dst %dx%d, P %dx%d, %d rows of D %dx%d", k0, k1, dst.Rows, dst.Cols, p.Rows, p.Cols, len(rows), d.Rows, d.Cols))
	}
	for _, i := range rows {
		if i < 0 || int(i) >= p.Rows {
			panic(fmt.Sprintf("dense: ColsMulAdd: row %d outside P (%d rows)", i, p.Rows))
		}
	}
	c := d.Cols
	k := k0
	for ; k+4 <= k1; k += 4 {
		dst4 := [4][]float32{dst.Row(k), dst.Row(k + 1), dst.Row(k + 2), dst.Row(k + 3)}
		done := colsMulAdd4Vec(&dst4, p, rows, k, d)
		for r := range 4 {
			rest := dst4[r][done:]
			for t, i := range rows {
				a := p.Data[int(i)*p.Cols+k+r]
				for j, v := range d.Data[t*c+done : t*c+c] {
					rest[j] += a * v
				}
			}
		}
	}
	for ; k < k1; k++ { // the last k1−k0 mod 4 rows, one at a time
		o := dst.Row(k)
		for t, i := range rows {
			AxpyVec(p.Data[int(i)*p.Cols+k], d.Row(t), o)
		}
	}
}
