package dense

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas/blas64"
)

// specials are values whose handling the element-wise kernels must keep:
// signed zeros, NaN, infinities, subnormals.
var specials = []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 5e-324, -5e-324, 1, -1}

// randSpecial is randGeneral with about one element in eight drawn from
// specials.
func randSpecial(r *rand.Rand, rows, cols, pad int) blas64.General {
	g := randGeneral(r, rows, cols, pad, true)
	for i := range g.Data {
		if r.IntN(8) == 0 {
			g.Data[i] = specials[r.IntN(len(specials))]
		}
	}
	return g
}

func cloneGeneral(g blas64.General) blas64.General {
	g.Data = append([]float64(nil), g.Data...)
	return g
}

func sameSlice(t *testing.T, name string, got, want []float64) {
	t.Helper()
	for i := range want {
		if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
			t.Fatalf("%s: element %d = %v (%#x), want %v (%#x)", name, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
		}
	}
}

// TestElem64MatchesLoops compares every element-wise kernel bit for bit
// with the Go loop its doc comment states (written out here again, in the
// form the MLP used before the kernels), on shapes with and without a tail
// of fewer than four columns, padded strides and special values (signed
// zeros, NaN, infinities, subnormals): the same operations in the same
// order, so the tolerance is zero (except a NaN from AddBiasReLU64, which
// may be another NaN).
func TestElem64MatchesLoops(t *testing.T) { checkElem64MatchesLoops(t) }

func checkElem64MatchesLoops(t *testing.T) {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 8))
	for _, s := range []struct{ m, n int }{{1, 1}, {3, 4}, {200, 100}, {37, 103}, {5, 32}, {2, 19}, {0, 8}, {4, 0}} {
		// Bias and ReLU.
		x := randSpecial(r, s.m, s.n, 3)
		b := randSpecial(r, 1, s.n, 0).Data
		want := cloneGeneral(x)
		for i := 0; i < s.m; i++ {
			for j := 0; j < s.n; j++ {
				v := want.Data[i*want.Stride+j]
				want.Data[i*want.Stride+j] = max(v+b[j], 0)
			}
		}
		AddBiasReLU64(x, b)
		for i, w := range want.Data { // NaN: any NaN (its bits are not promised)
			if math.IsNaN(w) && math.IsNaN(x.Data[i]) {
				x.Data[i] = w
			}
		}
		sameSlice(t, "AddBiasReLU64", x.Data, want.Data)

		// ReLU mask (a ≥ 0 in use; any bits here).
		a := randSpecial(r, s.m, s.n, 1)
		x = randSpecial(r, s.m, s.n, 2)
		want = cloneGeneral(x)
		for i := 0; i < s.m; i++ {
			for j := 0; j < s.n; j++ {
				if math.Float64bits(a.Data[i*a.Stride+j]) == 0 {
					want.Data[i*want.Stride+j] = 0
				}
			}
		}
		MaskZero64(x, a)
		sameSlice(t, "MaskZero64", x.Data, want.Data)

		// Column sums.
		sums := randSpecial(r, 1, s.n, 0).Data
		wantS := append([]float64(nil), sums...)
		for i := 0; i < s.m; i++ {
			for j := 0; j < s.n; j++ {
				wantS[j] += a.Data[i*a.Stride+j]
			}
		}
		AddColSums64(sums, a)
		sameSlice(t, "AddColSums64", sums, wantS)

		// L2 term and Adam on the n·m elements.
		nn := s.m * s.n
		g, y := randSpecial(r, 1, nn, 0).Data, randSpecial(r, 1, nn, 0).Data
		wantG := append([]float64(nil), g...)
		for i := range wantG {
			wantG[i] = (wantG[i] + 0.37*y[i]) / 173
		}
		AddScaledDiv64(g, y, 0.37, 173)
		sameSlice(t, "AddScaledDiv64", g, wantG)

		p, m, v := randSpecial(r, 1, nn, 0).Data, randSpecial(r, 1, nn, 0).Data, randSpecial(r, 1, nn, 0).Data
		for i := range v {
			v[i] = math.Abs(v[i])
		}
		wp, wm, wv := append([]float64(nil), p...), append([]float64(nil), m...), append([]float64(nil), v...)
		const b1, b2, lr, eps = 0.9, 0.999, 0.0123, 1e-8
		for i := range wp {
			wm[i] = b1*wm[i] + (1-b1)*g[i]
			wv[i] = b2*wv[i] + (1-b2)*g[i]*g[i]
			wp[i] -= lr * wm[i] / (math.Sqrt(wv[i]) + eps)
		}
		Adam64(p, g, m, v, &Adam64Coef{B1: b1, C1: 1 - b1, B2: b2, C2: 1 - b2, LR: lr, Eps: eps})
		sameSlice(t, "Adam64 m", m, wm)
		sameSlice(t, "Adam64 v", v, wv)
		sameSlice(t, "Adam64 p", p, wp)
	}
}
