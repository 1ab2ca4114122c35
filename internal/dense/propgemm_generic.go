//go:build !amd64 || purego

package dense

func rowsMulAdd4Vec(dst, coef *[4][]float32, x *Matrix, k0, k1 int) int { return 0 }

func colsMulAdd4Vec(dst *[4][]float32, p *Matrix, rows []int32, k int, d *Matrix) int { return 0 }
