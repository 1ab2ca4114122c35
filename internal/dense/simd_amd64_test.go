//go:build amd64 && !purego

package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// portable runs f with the vector kernels switched off, i.e. on the pure-Go
// fallbacks that -tags purego builds and CPUs without AVX2+FMA run.
func portable(f func()) {
	old := useAVX
	useAVX = false
	defer func() { useAVX = old }()
	f()
}

// TestAsmMatchesPortable runs every vector kernel on the assembly and on its
// pure-Go fallback in the same binary and compares them. u = 2^-24.
//   - Axpy: fma(a, x, y) rounds once, a·x + y twice: ≤ u·|a·x| + 2u·|y + a·x|.
//   - Dot, Comb, CombDense4: every result is a recursive float32 sum of n
//     products (in a different tree for Dot), each within γ_n·Σ|terms| of the
//     exact value (γ_n = n·u/(1−n·u)), so within 2γ_n·Σ|terms| of each other.
//   - Adam: m and v each differ by at most 2u relative to Σ of their
//     (non-cancelling for v) terms; the update step·m/(√v/s + ε) by at
//     most 8u of |step|·(|β1·m|+|(1−β1)·g'|)/(√v/s+ε); w adds 2u·|w|.
//   - ReLU mask and bias+ReLU round nothing differently: bit-identical.
func TestAsmMatchesPortable(t *testing.T) {
	if !useAVX {
		t.Skip("no AVX2+FMA on this CPU")
	}
	r := rand.New(rand.NewPCG(31, 32))
	gamma := func(n int) float64 { return float64(n) * u32 / (1 - float64(n)*u32) }
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	for _, n := range []int{1, 7, 8, 31, 32, 33, 64, 65, 200} {
		x, y := vec(n), vec(n)
		a := float32(r.NormFloat64())
		// Axpy.
		yA, yG := append([]float32(nil), y...), append([]float32(nil), y...)
		AxpyVec(a, x, yA)
		portable(func() { AxpyVec(a, x, yG) })
		for i := range y {
			ax := math.Abs(float64(a) * float64(x[i]))
			if d := math.Abs(float64(yA[i] - yG[i])); d > u32*ax+2*u32*math.Abs(float64(yA[i]))+1e-45 {
				t.Fatalf("n=%d AxpyVec[%d]: asm %v, Go %v", n, i, yA[i], yG[i])
			}
		}
		// Dot.
		var abs float64
		for i := range x {
			abs += math.Abs(float64(x[i]) * float64(y[i]))
		}
		dA := DotVec(x, y)
		var dG float32
		portable(func() { dG = DotVec(x, y) })
		if math.Abs(float64(dA-dG)) > 2*gamma(n)*abs {
			t.Fatalf("n=%d DotVec: asm %v, Go %v", n, dA, dG)
		}
		// Comb (with add) and CombDense4 over k rows of X.
		k := 1 + n%9
		X := &Matrix{Rows: k, Cols: n, Data: vec(k * n)}
		idx := make([]int32, k)
		for p := range idx {
			idx[p] = int32(r.IntN(k))
		}
		coef := vec(k)
		add := vec(n)
		cA, cG := make([]float32, n), make([]float32, n)
		Comb(cA, add, coef, idx, X)
		portable(func() { Comb(cG, add, coef, idx, X) })
		for j := range cA {
			s := math.Abs(float64(add[j]))
			for p := range idx {
				s += math.Abs(float64(coef[p]) * float64(X.Data[int(idx[p])*n+j]))
			}
			if math.Abs(float64(cA[j]-cG[j])) > 2*gamma(k+1)*s {
				t.Fatalf("n=%d Comb[%d]: asm %v, Go %v", n, j, cA[j], cG[j])
			}
		}
		var co, dA4, dG4 [4][]float32
		for q := range co {
			co[q], dA4[q], dG4[q] = vec(k), make([]float32, n), make([]float32, n)
		}
		CombDense4(&dA4, &co, X, 0)
		portable(func() { CombDense4(&dG4, &co, X, 0) })
		for q := range co {
			for j := 0; j < n; j++ {
				var s float64
				for p := 0; p < k; p++ {
					s += math.Abs(float64(co[q][p]) * float64(X.Data[p*n+j]))
				}
				if math.Abs(float64(dA4[q][j]-dG4[q][j])) > 2*gamma(k)*s {
					t.Fatalf("n=%d CombDense4[%d][%d]: asm %v, Go %v", n, q, j, dA4[q][j], dG4[q][j])
				}
			}
		}
		// ReLU kernels: bit-identical.
		d0, z := vec(n), vec(n)
		rA, rG := append([]float32(nil), d0...), append([]float32(nil), d0...)
		ReluGrad(rA, z)
		portable(func() { ReluGrad(rG, z) })
		bA, bG := make([]float32, n), make([]float32, n)
		BiasReLU(bA, x, y, z)
		portable(func() { BiasReLU(bG, x, y, z) })
		for i := range rA {
			if math.Float32bits(rA[i]) != math.Float32bits(rG[i]) || math.Float32bits(bA[i]) != math.Float32bits(bG[i]) {
				t.Fatalf("n=%d element %d: ReLU kernels differ between asm and Go", n, i)
			}
		}
		// Adam, with and without clearing the gradient.
		c := &AdamCoef{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 1e-2, Sq2: 0.05, Eps: 1e-8, WD: 0.01}
		w0, g0, m0 := vec(n), vec(n), vec(n)
		v0 := make([]float32, n)
		for i := range v0 {
			v0[i] = float32(r.Float64())
		}
		for _, clearG := range []bool{false, true} {
			cp := func(s []float32) []float32 { return append([]float32(nil), s...) }
			wA, gA, mA, vA := cp(w0), cp(g0), cp(m0), cp(v0)
			wG, gG, mG, vG := cp(w0), cp(g0), cp(m0), cp(v0)
			step := AdamStep
			if clearG {
				step = AdamStepClear
			}
			step(wA, gA, mA, vA, c)
			portable(func() { step(wG, gG, mG, vG, c) })
			for i := range wA {
				gp := float64(g0[i]) + float64(c.WD)*float64(w0[i])
				mAbs := float64(c.B1)*math.Abs(float64(m0[i])) + float64(c.C1)*math.Abs(gp)
				vAbs := float64(c.B2)*float64(v0[i]) + float64(c.C2)*gp*gp
				den := math.Sqrt(float64(vA[i]))/float64(c.Sq2) + float64(c.Eps)
				wTol := 2*u32*math.Abs(float64(w0[i])) + 8*u32*float64(c.Step)*mAbs/den
				if math.Abs(float64(mA[i]-mG[i])) > 2*u32*mAbs || math.Abs(float64(vA[i]-vG[i])) > 2*u32*vAbs ||
					math.Abs(float64(wA[i]-wG[i])) > wTol || math.Float32bits(gA[i]) != math.Float32bits(gG[i]) {
					t.Fatalf("n=%d clear=%v Adam element %d: asm (w %v m %v v %v g %v), Go (w %v m %v v %v g %v)",
						n, clearG, i, wA[i], mA[i], vA[i], gA[i], wG[i], mG[i], vG[i], gG[i])
				}
			}
		}
	}
}

func init() {
	kernelModes = append(kernelModes,
		struct {
			name string
			run  func(func())
		}{"avx2", noAVX512},
		struct {
			name string
			run  func(func())
		}{"portable", portable})
}

// noAVX512 runs f with the AVX-512 kernels switched off (the AVX2 path).
func noAVX512(f func()) {
	old := useAVX512
	useAVX512 = false
	defer func() { useAVX512 = old }()
	f()
}

// TestAVX512MatchesAVX2 runs Comb4 and AdamStepClear with and without the
// AVX-512 kernels in one binary: they compute the same operations per
// element (the same fused multiply-add chain; IEEE-exact sqrt and division),
// so the results must be bit-identical. The portable path is compared with
// tolerances in TestComb4 (via CombDense4) and TestAsmMatchesPortable.
func TestAVX512MatchesAVX2(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	rnd := rand.New(rand.NewPCG(51, 52))
	for _, w := range []int{16, 32, 48, 96, 256} {
		X := randMatrix(rnd, 200, w+8)
		C := reluSparse(rnd, 4, 200)
		idx := make([]int32, 200)
		n := Union4(idx, C.Data, 200, 1, 200)
		var a, b [4][]float32
		for r := range a {
			a[r], b[r] = make([]float32, w), make([]float32, w)
		}
		Comb4(&a, C.Data, 200, 1, idx[:n], X, 8)
		noAVX512(func() { Comb4(&b, C.Data, 200, 1, idx[:n], X, 8) })
		for r := range a {
			for j := range a[r] {
				if math.Float32bits(a[r][j]) != math.Float32bits(b[r][j]) {
					t.Fatalf("w=%d row %d col %d: AVX-512 %v, AVX2 %v", w, r, j, a[r][j], b[r][j])
				}
			}
		}
	}
	for _, n := range []int{15, 16, 17, 100, 8192} {
		c := &AdamCoef{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 1e-2, Sq2: 0.05, Eps: 1e-8, WD: 0.01}
		w0 := randMatrix(rnd, 1, n).Data
		g0 := randMatrix(rnd, 1, n).Data
		m0 := randMatrix(rnd, 1, n).Data
		v0 := make([]float32, n)
		for i := range v0 {
			v0[i] = float32(rnd.Float64())
		}
		cp := func(s []float32) []float32 { return append([]float32(nil), s...) }
		wA, gA, mA, vA := cp(w0), cp(g0), cp(m0), cp(v0)
		wB, gB, mB, vB := cp(w0), cp(g0), cp(m0), cp(v0)
		AdamStepClear(wA, gA, mA, vA, c)
		noAVX512(func() { AdamStepClear(wB, gB, mB, vB, c) })
		for i := range wA {
			if math.Float32bits(wA[i]) != math.Float32bits(wB[i]) || math.Float32bits(mA[i]) != math.Float32bits(mB[i]) ||
				math.Float32bits(vA[i]) != math.Float32bits(vB[i]) || gA[i] != 0 || gB[i] != 0 {
				t.Fatalf("n=%d Adam element %d: AVX-512 (w %v m %v v %v g %v), AVX2 (w %v m %v v %v g %v)", n, i, wA[i], mA[i], vA[i], gA[i], wB[i], mB[i], vB[i], gB[i])
			}
		}
	}
}

// BenchmarkAdamStepClearPaths times the update of NeuMF's 465k parameters
// with the AVX-512 kernel and with the AVX2 one.
func BenchmarkAdamStepClearPaths(b *testing.B) {
	n := 465_000
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	c := &AdamCoef{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 1e-3, Sq2: 0.03, Eps: 1e-8}
	for _, mode := range kernelModes {
		b.Run(mode.name, func(b *testing.B) {
			c0 := cpuTime()
			mode.run(func() {
				for b.Loop() {
					AdamStepClear(w, g, m, v, c)
				}
			})
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
			b.ReportMetric(float64(n)*float64(b.N)/(cpuTime()-c0).Seconds()/1e9, "Gelem/cpu-s")
		})
	}
}

// BenchmarkComb4Paths is the weight gradient of NeuMF's first layer on a
// batch (∂L/∂W₀ = dzᵀ·x₀: 128 rows of 256 terms over 256 columns, dense
// coefficients) with the AVX-512 and the AVX2 four-row kernels, and with
// CombDense4 (AVX2, the kernel Comb4 replaced).
func BenchmarkComb4Paths(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	x, c := randMatrix(r, 256, 256), randMatrix(r, 128, 256)
	dst := New(128, 256)
	idx := make([]int32, 256)
	for p := range idx {
		idx[p] = int32(p)
	}
	for _, mode := range append(kernelModes[:2:2], struct {
		name string
		run  func(func())
	}{"combdense4", nil}) {
		b.Run(mode.name, func(b *testing.B) {
			c0 := cpuTime()
			for b.Loop() {
				for k := 0; k < 128; k += 4 {
					d := [4][]float32{dst.Row(k), dst.Row(k + 1), dst.Row(k + 2), dst.Row(k + 3)}
					if mode.run == nil {
						co := [4][]float32{c.Row(k), c.Row(k + 1), c.Row(k + 2), c.Row(k + 3)}
						CombDense4(&d, &co, x, 0)
						continue
					}
					mode.run(func() { Comb4(&d, c.Data[k*256:], 256, 1, idx, x, 0) })
				}
			}
			report(b, 2*128*256*256, c0)
		})
	}
}
