//go:build amd64 && !purego

package dense

import "golang.org/x/sys/cpu"

// useAVX512 reports whether the AVX-512 kernels run: on CPUs with AVX-512F
// (whose 512-bit state the OS saves) besides AVX2 and FMA. They compute the
// same operations per element as the AVX2 kernels they replace, so results
// do not depend on it; tests switch it off to exercise the AVX2 path.
var useAVX512 = useAVX && cpu.X86.HasAVX512F

//go:noescape
func comb16x4g(d *[4]*float32, c *float32, cs, ps int, idx *int32, n int, x *float32, stride int)

//go:noescape
func comb32x4z(d *[4]*float32, c *float32, cs, ps int, idx *int32, n int, x *float32, stride int)

// comb4Vec computes columns [0, w) of Comb4 with the four-row kernels (w
// the largest multiple of 16 ≤ len(dst[0])) and returns w.
func comb4Vec(dst *[4][]float32, c []float32, cs, ps int, idx []int32, x *Matrix, off int) int {
	w := len(dst[0]) &^ 15
	if !useAVX || w == 0 {
		return 0
	}
	if len(idx) == 0 {
		for r := range dst {
			clear(dst[r][:w])
		}
		return w
	}
	var dp [4]*float32
	j := 0
	if useAVX512 {
		for ; j+32 <= w; j += 32 {
			for r := range dp {
				dp[r] = &dst[r][j]
			}
			comb32x4z(&dp, &c[0], cs, ps, &idx[0], len(idx), &x.Data[off+j], x.Cols)
		}
	}
	for ; j < w; j += 16 {
		for r := range dp {
			dp[r] = &dst[r][j]
		}
		comb16x4g(&dp, &c[0], cs, ps, &idx[0], len(idx), &x.Data[off+j], x.Cols)
	}
	return w
}

//go:noescape
func adamClear512(w, gr, m, v *float32, n int, c *AdamCoef)

//go:noescape
func union4z(idx *int32, c *float32, cs, n int) int

// union4Vec runs Union4 for four rows (ps = 1) over the first n&^15 terms
// with AVX-512 and returns that many terms done and the count found.
func union4Vec(idx []int32, c []float32, cs, n int) (done, k int) {
	n16 := n &^ 15
	if !useAVX512 || n16 == 0 {
		return 0, 0
	}
	return n16, union4z(&idx[0], &c[0], cs, n16)
}
