//go:build !amd64 || purego

package dense

import "gonum.org/v1/gonum/blas/blas64"

func addBiasReLUVec(dst blas64.General, b []float64) int   { return 0 }
func maskZeroVec(dst, a blas64.General) int                { return 0 }
func addColSumsVec(s []float64, a blas64.General) int      { return 0 }
func addScaledDivVec(x, y []float64, alpha, d float64) int { return 0 }
func adam64Vec(p, g, m, v []float64, c *Adam64Coef) int    { return 0 }
