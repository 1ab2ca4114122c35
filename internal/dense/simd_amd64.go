//go:build amd64 && !purego

package dense

import "golang.org/x/sys/cpu"

// useAVX reports whether the AVX2+FMA kernels run on this CPU.
var useAVX = cpu.X86.HasAVX2 && cpu.X86.HasFMA

//go:noescape
func axpyAVX(a float32, x, y []float32)

//go:noescape
func dotAVX(x, y []float32) float32

// AxpyVec computes y += a·x like Axpy, with 8-lane fused multiply-adds where
// the CPU has AVX2 and FMA (each element is fma(a, x_i, y_i), rounded once).
func AxpyVec(a float32, x, y []float32) {
	if useAVX {
		if len(y) < len(x) {
			panic("dense: AxpyVec: len(y) < len(x)")
		}
		axpyAVX(a, x, y)
		return
	}
	axpyGo(a, x, y)
}

// DotVec returns Σ x_i·y_i like Dot, with 8-lane fused multiply-adds where
// the CPU has AVX2 and FMA. The summation tree depends only on len(x), so
// equal inputs give equal bits.
func DotVec(x, y []float32) float32 {
	if useAVX {
		if len(y) < len(x) {
			panic("dense: DotVec: len(y) < len(x)")
		}
		return dotAVX(x, y)
	}
	return dotGo(x, y)
}

//go:noescape
func adamAVX(w, g, m, v []float32, c *AdamCoef)

// AdamStep applies one torch.optim.Adam update to every element (see AdamCoef).
// w, g, m and v must have equal lengths.
func AdamStep(w, g, m, v []float32, c *AdamCoef) {
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panic("dense: AdamStep: length mismatch")
	}
	if useAVX {
		adamAVX(w, g, m, v, c)
		return
	}
	adamGo(w, g, m, v, c)
}

//go:noescape
func comb64(dst, add, coef *float32, idx *int32, n int, x *float32, stride int)

//go:noescape
func comb32(dst, add, coef *float32, idx *int32, n int, x *float32, stride int)

//go:noescape
func comb8(dst, add, coef *float32, idx *int32, n int, x *float32, stride int)

// combVec computes columns [0, w) of the combination with the vector kernels
// (w a multiple of 8) and returns w; the caller does the rest.
func combVec(dst, add, coef []float32, idx []int32, x *Matrix) int {
	if !useAVX || len(coef) == 0 {
		return 0
	}
	d := len(dst)
	n := len(coef)
	off := 0
	ap := func(o int) *float32 {
		if add == nil {
			return nil
		}
		return &add[o]
	}
	for ; off+64 <= d; off += 64 {
		comb64(&dst[off], ap(off), &coef[0], &idx[0], n, &x.Data[off], x.Cols)
	}
	for ; off+32 <= d; off += 32 {
		comb32(&dst[off], ap(off), &coef[0], &idx[0], n, &x.Data[off], x.Cols)
	}
	for ; off+8 <= d; off += 8 {
		comb8(&dst[off], ap(off), &coef[0], &idx[0], n, &x.Data[off], x.Cols)
	}
	return off
}

//go:noescape
func comb16x4(d *[4]*float32, c *[4]*float32, n int, x *float32, stride int)

// combDense4Vec computes columns [0, w) of CombDense4 with the four-row
// kernel (w a multiple of 16) and returns w; the caller does the rest.
func combDense4Vec(dst, coef *[4][]float32, n int, x *Matrix, off int) int {
	if !useAVX || n == 0 {
		return 0
	}
	w := len(dst[0]) &^ 15
	var dp, cp [4]*float32
	for r := range cp {
		cp[r] = &coef[r][0]
	}
	for j := 0; j < w; j += 16 {
		for r := range dp {
			dp[r] = &dst[r][j]
		}
		comb16x4(&dp, &cp, n, &x.Data[off+j], x.Cols)
	}
	return w
}

//go:noescape
func reluGradAVX(d, x []float32)

//go:noescape
func biasReluAVX(x, a, b, bias []float32)

func reluGradVec(d, x []float32) int {
	if !useAVX {
		return 0
	}
	n := len(d) &^ 7
	reluGradAVX(d[:n], x)
	return n
}

func biasReluVec(x, a, b, bias []float32) int {
	if !useAVX {
		return 0
	}
	n := len(x) &^ 7
	biasReluAVX(x[:n], a, b, bias)
	return n
}

//go:noescape
func adamClearAVX(w, g, m, v []float32, c *AdamCoef)

// AdamStepClear is AdamStep that also sets every g to zero (in the same
// pass, so the optimiser leaves the gradients ready for the next batch).
func AdamStepClear(w, g, m, v []float32, c *AdamCoef) {
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panic("dense: AdamStepClear: length mismatch")
	}
	if useAVX {
		if n := len(w) &^ 15; useAVX512 && n > 0 {
			adamClear512(&w[0], &g[0], &m[0], &v[0], n, c)
			w, g, m, v = w[n:], g[n:], m[n:], v[n:]
		}
		adamClearAVX(w, g, m, v, c)
		return
	}
	adamGo(w, g, m, v, c)
	clear(g)
}
