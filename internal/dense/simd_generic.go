//go:build !amd64 || purego

package dense

// useAVX is false: this build has no vector kernels.
const useAVX = false

// AxpyVec computes y += a·x (the portable build has no vector kernels).
func AxpyVec(a float32, x, y []float32) { axpyGo(a, x, y) }

// DotVec returns Σ x_i·y_i (the portable build has no vector kernels).
func DotVec(x, y []float32) float32 { return dotGo(x, y) }

// AdamStep applies one torch.optim.Adam update to every element (see AdamCoef).
func AdamStep(w, g, m, v []float32, c *AdamCoef) {
	if len(g) != len(w) || len(m) != len(w) || len(v) != len(w) {
		panic("dense: AdamStep: length mismatch")
	}
	adamGo(w, g, m, v, c)
}

func combVec(dst, add, coef []float32, idx []int32, x *Matrix) int { return 0 }

func combDense4Vec(dst, coef *[4][]float32, n int, x *Matrix, off int) int { return 0 }

func reluGradVec(d, x []float32) int { return 0 }

func biasReluVec(x, a, b, bias []float32) int { return 0 }

// AdamStepClear is AdamStep that also sets every g to zero.
func AdamStepClear(w, g, m, v []float32, c *AdamCoef) {
	AdamStep(w, g, m, v, c)
	clear(g)
}
