package dense

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas/blas64"
)

// This file holds the element-wise companions of the float64 products: the
// bias and ReLU after a product, the ReLU derivative applied to a
// back-propagated product, bias gradients (column sums), the L2 term of a
// weight gradient and the Adam update of the attackers' networks. Each
// element gets the operations of the plain Go loop given in its doc
// comment, in that order and without fused multiply-adds, on every path
// (4-lane AVX2 kernels where the CPU has them, that loop elsewhere), so
// results do not depend on the path. Products are written float64(x·y) so
// that no compiler fuses them into multiply-adds.

func checkSame64(op string, ok bool) {
	if !ok {
		panic("dense: " + op + " shape mismatch")
	}
}

// AddBiasReLU64 sets every element of dst to
//
//	dst_ij = max(dst_ij + b_j, 0)
//
// with Go's max (−0 becomes +0; a NaN stays a NaN, though not necessarily
// with the same bits on every path).
func AddBiasReLU64(dst blas64.General, b []float64) {
	checkSame64("AddBiasReLU64", len(b) >= dst.Cols)
	j0 := addBiasReLUVec(dst, b)
	for i := 0; i < dst.Rows; i++ {
		row := dst.Data[i*dst.Stride : i*dst.Stride+dst.Cols]
		for j := j0; j < len(row); j++ {
			row[j] = max(row[j]+b[j], 0)
		}
	}
}

// MaskZero64 sets dst_ij to +0 wherever a_ij is +0 (all bits zero) and
// leaves it elsewhere: the ReLU derivative applied to a gradient, a the
// layer's output (≥ 0; any other value, −0 and NaN included, keeps dst_ij).
func MaskZero64(dst, a blas64.General) {
	checkSame64("MaskZero64", a.Rows == dst.Rows && a.Cols == dst.Cols)
	j0 := maskZeroVec(dst, a)
	for i := 0; i < dst.Rows; i++ {
		arow := a.Data[i*a.Stride : i*a.Stride+a.Cols]
		drow := dst.Data[i*dst.Stride : i*dst.Stride+a.Cols]
		for j := j0; j < len(arow); j++ {
			// Branch-free: (x | −x) >> 63 is 1 iff x ≠ 0.
			x := math.Float64bits(arow[j])
			mask := -((x | -x) >> 63)
			drow[j] = math.Float64frombits(math.Float64bits(drow[j]) & mask)
		}
	}
}

// AddColSums64 adds the column sums of a to s, one addition per row in
// ascending row order:
//
//	for i := range rows { s_j += a_ij }
func AddColSums64(s []float64, a blas64.General) {
	checkSame64("AddColSums64", len(s) >= a.Cols)
	j0 := addColSumsVec(s, a)
	for i := 0; i < a.Rows; i++ {
		row := a.Data[i*a.Stride : i*a.Stride+a.Cols]
		for j := j0; j < len(row); j++ {
			s[j] += row[j]
		}
	}
}

// AddScaledDiv64 sets x_i = (x_i + α·y_i) / d, the L2 term of a weight
// gradient over a batch of d rows.
func AddScaledDiv64(x, y []float64, alpha, d float64) {
	checkSame64("AddScaledDiv64", len(y) >= len(x))
	i := addScaledDivVec(x, y, alpha, d)
	for ; i < len(x); i++ {
		x[i] = (x[i] + float64(alpha*y[i])) / d
	}
}

// Adam64Coef holds the coefficients of one float64 Adam step: the moment
// decays B1, B2, their complements C1 = 1−B1, C2 = 1−B2, the step LR
// (bias corrections included) and Eps.
type Adam64Coef struct {
	B1, C1, B2, C2, LR, Eps float64
}

// Adam64 applies one Adam step to the parameters p with gradients g and
// moments m, v:
//
//	m_i = B1·m_i + C1·g_i
//	v_i = B2·v_i + (C2·g_i)·g_i
//	p_i = p_i − (LR·m_i) / (sqrt(v_i) + Eps)
func Adam64(p, g, m, v []float64, c *Adam64Coef) {
	n := len(p)
	if len(g) < n || len(m) < n || len(v) < n {
		panic(fmt.Sprintf("dense: Adam64: %d parameters, %d gradients, %d and %d moments", n, len(g), len(m), len(v)))
	}
	i := adam64Vec(p, g, m, v, c)
	for ; i < n; i++ {
		m[i] = float64(c.B1*m[i]) + float64(c.C1*g[i])
		v[i] = float64(c.B2*v[i]) + float64(float64(c.C2*g[i])*g[i])
		p[i] -= float64(c.LR*m[i]) / (math.Sqrt(v[i]) + c.Eps)
	}
}
