package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestProducts compares MulABTPar, MulAB, MulATB and Transpose with float64
// references, for shapes that hit every vector width and the scalar tail,
// with ReLU-like zeros, on 1, 2 and 3 workers (which must agree bit for bit).
// Tolerance: k float32 products of N(0,1) values accumulate an error below
// k·2^-24·Σ|a_p b_p| ≲ 1e-5·k for k ≤ 100.
func TestProducts(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for _, sh := range []struct{ m, k, n int }{{1, 1, 1}, {5, 7, 3}, {17, 64, 70}, {33, 100, 9}, {40, 8, 129}} {
		a, b := randMatrix(r, sh.m, sh.k), randMatrix(r, sh.k, sh.n)
		for i := range a.Data {
			if r.IntN(3) == 0 {
				a.Data[i] = 0
			}
		}
		bt := New(sh.n, sh.k)
		Transpose(bt, b)
		for i := 0; i < sh.k; i++ {
			for j := 0; j < sh.n; j++ {
				if bt.Data[j*sh.k+i] != b.Data[i*sh.n+j] {
					t.Fatalf("Transpose %v wrong at (%d,%d)", sh, i, j)
				}
			}
		}
		at := New(sh.k, sh.m)
		Transpose(at, a)
		ref := make([]float64, sh.m*sh.n)
		for i := 0; i < sh.m; i++ {
			for j := 0; j < sh.n; j++ {
				for p := 0; p < sh.k; p++ {
					ref[i*sh.n+j] += float64(a.Data[i*sh.k+p]) * float64(b.Data[p*sh.n+j])
				}
			}
		}
		tol := 1e-6 * float64(sh.k+10)
		var first [3]*Matrix
		for wi, w := range []int{1, 2, 3} {
			outs := map[string]*Matrix{"MulAB": New(sh.m, sh.n), "MulABTPar": New(sh.m, sh.n), "MulATB": New(sh.m, sh.n), "MulABDense": New(sh.m, sh.n)}
			MulABDense(outs["MulABDense"], a, b, w)
			MulAB(outs["MulAB"], a, b, w)
			MulABTPar(outs["MulABTPar"], a, bt, w)
			MulATB(outs["MulATB"], at, b, w)
			for name, o := range outs {
				for i, v := range o.Data {
					if math.Abs(float64(v)-ref[i]) > tol {
						t.Fatalf("%s %v workers %d: element %d = %v, want %v", name, sh, w, i, v, ref[i])
					}
				}
			}
			if wi == 0 {
				first = [3]*Matrix{outs["MulAB"], outs["MulABTPar"], outs["MulATB"]}
				continue
			}
			for k, name := range []string{"MulAB", "MulABTPar", "MulATB"} {
				for i, v := range outs[name].Data {
					if v != first[k].Data[i] {
						t.Fatalf("%s %v: workers %d differs from 1 at %d", name, sh, w, i)
					}
				}
			}
		}
	}
}

func TestTransposeCols(t *testing.T) {
	for _, sh := range [][3]int{{1, 1, 0}, {8, 8, 0}, {13, 20, 3}, {128, 256, 128}, {17, 9, 0}} {
		m, n, c0 := sh[0], sh[1], sh[2]
		a := New(m, n)
		for i := range a.Data {
			a.Data[i] = float32(i) + 0.5
		}
		k := n - c0
		dst := New(k, m)
		TransposeCols(dst, a, c0)
		for j := 0; j < k; j++ {
			for i := 0; i < m; i++ {
				if dst.Data[j*m+i] != a.Data[i*n+c0+j] {
					t.Fatalf("%v: dst[%d][%d] = %v, want %v", sh, j, i, dst.Data[j*m+i], a.Data[i*n+c0+j])
				}
			}
		}
	}
}
