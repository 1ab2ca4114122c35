//go:build !amd64 || purego

package dense

// useAVX512 is false: this build has no vector kernels.
const useAVX512 = false

func comb4Vec(dst *[4][]float32, c []float32, cs, ps int, idx []int32, x *Matrix, off int) int {
	return 0
}

func union4Vec(idx []int32, c []float32, cs, n int) (done, k int) { return 0, 0 }
