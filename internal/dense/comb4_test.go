package dense

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// reluSparse returns an r×c matrix of N(0,1) draws with about half of them
// replaced by +0 or −0 (a ReLU output or a masked gradient), and some whole
// columns zero (dead units).
func reluSparse(rnd *rand.Rand, r, c int) *Matrix {
	m := randMatrix(rnd, r, c)
	dead := make([]bool, c)
	for j := range dead {
		dead[j] = rnd.IntN(5) == 0
	}
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			switch {
			case dead[j] || rnd.IntN(2) == 0:
				m.Data[i*c+j] = 0
			case rnd.IntN(50) == 0:
				m.Data[i*c+j] = float32(math.Copysign(0, -1))
			}
		}
	}
	return m
}

// kernelModes are the kernel paths a test runs in one binary: the default,
// and on amd64 also AVX2 without AVX-512 and the portable Go (added by
// simd_amd64_test.go).
var kernelModes = []struct {
	name string
	run  func(func())
}{{"default", func(f func()) { f() }}}

// TestComb4 checks Comb4 in both coefficient layouts against two
// independent computations:
//   - CombDense4 over every term (the dense path NeuMF used): bit-identical
//     when idx is Union4's, since a skipped term is ±0·x added to a chain
//     started at +0 (see Comb4);
//   - the float64 sum over the non-zero terms: a recursive float32 sum of
//     the n terms in one order (fused or not) is within γ_n·Σ|terms| of the
//     exact value (γ_n = n·u/(1−n·u), u = 2^-24), and float64's own error
//     (n·2^-53 relative) is far below that.
//
// Widths cover the 32-column AVX-512 blocks, the 16-column AVX2 blocks and
// tail columns; offsets are multiples of 8 (Comb4's contract for the tail's
// bits).
func TestComb4(t *testing.T) {
	for _, mode := range kernelModes {
		t.Run(mode.name, func(t *testing.T) { mode.run(func() { testComb4(t) }) })
	}
}

func testComb4(t *testing.T) {
	rnd := rand.New(rand.NewPCG(41, 42))
	for _, tc := range []struct{ k, cols, off, w int }{
		{1, 16, 0, 16}, {7, 32, 0, 32}, {64, 256, 0, 256}, {256, 256, 64, 128},
		{33, 64, 16, 48}, {20, 40, 0, 40}, {9, 24, 8, 16}, {5, 8, 0, 8}, {3, 64, 0, 0},
	} {
		for _, layout := range []string{"rows", "cols"} {
			t.Run(fmt.Sprintf("k%d_cols%d_off%d_w%d_%s", tc.k, tc.cols, tc.off, tc.w, layout), func(t *testing.T) {
				X := randMatrix(rnd, tc.k, tc.cols)
				var co [4][]float32
				var c []float32
				var cs, ps int
				if layout == "rows" {
					// Four consecutive rows of a 6×k matrix, from its row 1.
					C := reluSparse(rnd, 6, tc.k)
					c, cs, ps = C.Data[tc.k:], tc.k, 1
					for r := range co {
						co[r] = C.Row(1 + r)
					}
				} else {
					// Four adjacent columns (2..5) of a k×7 matrix.
					C := reluSparse(rnd, tc.k, 7)
					c, cs, ps = C.Data[2:], 1, 7
					for r := range co {
						co[r] = make([]float32, tc.k)
						for p := range co[r] {
							co[r][p] = C.Data[p*7+2+r]
						}
					}
				}
				idx := make([]int32, tc.k)
				n := Union4(idx, c, cs, ps, tc.k)
				// Union4 against its definition.
				var want []int32
				for p := 0; p < tc.k; p++ {
					if co[0][p] != 0 || co[1][p] != 0 || co[2][p] != 0 || co[3][p] != 0 {
						want = append(want, int32(p))
					}
				}
				if fmt.Sprint(idx[:n]) != fmt.Sprint(want) {
					t.Fatalf("Union4 = %v, want %v", idx[:n], want)
				}
				var got, dense [4][]float32
				for r := range got {
					got[r], dense[r] = make([]float32, tc.w), make([]float32, tc.w)
					for j := range got[r] {
						got[r][j] = float32(math.NaN()) // every element must be written
					}
				}
				Comb4(&got, c, cs, ps, idx[:n], X, tc.off)
				if tc.w > 0 {
					CombDense4(&dense, &co, X, tc.off)
				}
				for r := range got {
					for j := range got[r] {
						if math.Float32bits(got[r][j]) != math.Float32bits(dense[r][j]) {
							t.Fatalf("row %d col %d: Comb4 %v, CombDense4 %v", r, j, got[r][j], dense[r][j])
						}
						var exact, abs float64
						for _, p := range want {
							v := float64(co[r][p]) * float64(X.Data[int(p)*tc.cols+tc.off+j])
							exact += v
							abs += math.Abs(v)
						}
						g := float64(len(want)) * u32 / (1 - float64(len(want))*u32)
						if d := math.Abs(float64(got[r][j]) - exact); d > g*abs {
							t.Fatalf("row %d col %d: Comb4 %v, exact %v (|diff| %g > %g)", r, j, got[r][j], exact, d, g*abs)
						}
					}
				}
			})
		}
	}
}

// TestComb4Panics checks that an index outside X or the coefficients is
// refused before any kernel reads it.
func TestComb4Panics(t *testing.T) {
	X := New(4, 16)
	c := make([]float32, 16)
	for _, tc := range []struct {
		name string
		idx  []int32
		cs   int
	}{{"row", []int32{4}, 4}, {"coef", []int32{3}, 5}, {"negative", []int32{-1}, 4}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", tc.name)
				}
			}()
			var d [4][]float32
			for r := range d {
				d[r] = make([]float32, 16)
			}
			Comb4(&d, c, tc.cs, 1, tc.idx, X, 0)
		}()
	}
}
