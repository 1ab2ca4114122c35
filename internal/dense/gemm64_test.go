package dense

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// randGeneral returns an r×c matrix with stride c+pad whose entries are
// normal, with about a third set to +0 or −0 (ReLU outputs) when zeros.
func randGeneral(r *rand.Rand, rows, cols, pad int, zeros bool) blas64.General {
	g := blas64.General{Rows: rows, Cols: cols, Stride: cols + pad, Data: make([]float64, max(rows*(cols+pad), 1))}
	for i := range g.Data {
		g.Data[i] = r.NormFloat64()
		if zeros {
			switch r.IntN(6) {
			case 0:
				g.Data[i] = 0
			case 1:
				g.Data[i] = math.Copysign(0, -1)
			}
		}
	}
	return g
}

// TestGemm64MatchesGonum compares every kernel bit for bit with gonum's
// Dgemm (what mat.Dense.Mul calls) over shapes on both sides of Dgemm's
// serial/parallel switch and its 64-wide blocking of k: the kernels claim
// the same operations in the same order, so the tolerance is zero.
func TestGemm64MatchesGonum(t *testing.T) { checkGemm64MatchesGonum(t) }

// checkGemm64MatchesGonum is TestGemm64MatchesGonum on the kernels the
// current settings select (the amd64 tests run it once per path).
func checkGemm64MatchesGonum(t *testing.T) {
	t.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {3, 5, 7}, {36, 100, 32}, {200, 100, 32}, {200, 100, 64},
		{200, 100, 65}, {200, 1, 100}, {36, 1, 100}, {512, 1, 100}, {100, 32, 200},
		{1, 100, 200}, {200, 32, 100}, {200, 100, 130}, {129, 64, 3}, {5, 0, 4}, {4, 3, 0},
		{37, 103, 64}, {3, 7, 4}, {300, 130, 132}, {437, 32, 200}, {200, 1, 32}, {7, 1, 12}, {6, 1, 10},
	}
	for _, s := range shapes {
		for _, zeros := range []bool{false, true} {
			name := fmt.Sprintf("%dx%dx%d/zeros=%v", s.m, s.n, s.k, zeros)
			// A·Bᵀ.
			a, b := randGeneral(r, s.m, s.k, 1, zeros), randGeneral(r, s.n, s.k, 2, zeros)
			got, want := randGeneral(r, s.m, s.n, 3, false), randGeneral(r, s.m, s.n, 3, false)
			MulABT64(got, a, b)
			blas64.Gemm(blas.NoTrans, blas.Trans, 1, a, b, 0, want)
			sameBits(t, "MulABT64 "+name, got, want)
			if s.n == 1 { // a contiguous column: the one-row-of-B path
				col := randGeneral(r, s.m, 1, 0, false)
				MulABT64(col, a, b)
				sameBits(t, "MulABT64 stride 1 "+name, col, want)
			}
			// A·B.
			b2 := randGeneral(r, s.k, s.n, 2, zeros)
			MulAB64(got, a, b2)
			blas64.Gemm(blas.NoTrans, blas.NoTrans, 1, a, b2, 0, want)
			sameBits(t, "MulAB64 "+name, got, want)
			// Aᵀ·B.
			at := randGeneral(r, s.k, s.m, 1, zeros)
			MulATB64(got, at, b2)
			blas64.Gemm(blas.Trans, blas.NoTrans, 1, at, b2, 0, want)
			sameBits(t, "MulATB64 "+name, got, want)
		}
	}
}

func sameBits(t *testing.T, name string, got, want blas64.General) {
	t.Helper()
	for i := 0; i < got.Rows; i++ {
		for j := 0; j < got.Cols; j++ {
			g, w := got.Data[i*got.Stride+j], want.Data[i*want.Stride+j]
			if math.Float64bits(g) != math.Float64bits(w) {
				t.Fatalf("%s: (%d,%d) = %v (%#x), gonum %v (%#x)", name, i, j, g, math.Float64bits(g), w, math.Float64bits(w))
			}
		}
	}
}

// TestSyrkUpper64MatchesGonum compares SyrkUpper64 bit for bit with
// mat.SymDense.SymOuterK(1, A.T()) (gonum's Dsyrk) on shapes of the
// attackers' Newton Hessians, with and without zeros: same operations in
// the same order, so the tolerance is zero.
func TestSyrkUpper64MatchesGonum(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range []struct{ n, k int }{{1, 1}, {5, 3}, {437, 33}, {437, 161}, {40, 129}, {3, 0}} {
		for _, zeros := range []bool{false, true} {
			a := randGeneral(r, s.n, s.k, 1, zeros)
			want := mat.NewSymDense(max(s.k, 1), nil)
			if s.k > 0 {
				var ad mat.Dense
				ad.SetRawMatrix(a) // padded rows: the stride is exercised too
				want.SymOuterK(1, ad.T())
			}
			got := mat.NewSymDense(max(s.k, 1), nil)
			raw := got.RawSymmetric()
			raw.N = s.k
			SyrkUpper64(raw, a)
			for i := 0; i < s.k; i++ {
				for j := i; j < s.k; j++ {
					g, w := raw.Data[i*raw.Stride+j], want.At(i, j)
					if math.Float64bits(g) != math.Float64bits(w) {
						t.Fatalf("%dx%d zeros=%v: (%d,%d) = %v, gonum %v", s.n, s.k, zeros, i, j, g, w)
					}
				}
			}
		}
	}
}
