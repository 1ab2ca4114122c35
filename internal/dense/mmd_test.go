package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// u32 is float32's unit roundoff, 2^-24.
const u32 = 1.0 / (1 << 24)

// TestTile4x16 compares Tile4x16 (the assembly for float32 where the CPU
// has AVX2 and FMA) and the portable Tile4x16Go with a float64 product, for
// row-major and transposed left operands. Each element is a recursive sum
// of kn products, so either implementation is within γ_kn·Σ_k|a_k b_k|
// (γ_n = n·u/(1−n·u), u = 2^-24 for float32) of the exact value, and the
// two within twice that of each other; a fused multiply-add only drops the
// products' roundings. Elements beside the block must stay untouched.
func TestTile4x16(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, kn := range []int{0, 1, 3, 16, 17, 64, 100} {
		for _, transposed := range []bool{false, true} {
			const ldc, bs = 21, 19
			ars, aks := kn+2, 1 // four rows of a row-major matrix
			if transposed {
				ars, aks = 1, 5 // four columns of a k-major matrix
			}
			a := make([]float32, 3*ars+max(kn, 1)*aks)
			b := make([]float32, max(kn, 1)*bs)
			for i := range a {
				a[i] = float32(r.NormFloat64())
			}
			for i := range b {
				b[i] = float32(r.NormFloat64())
			}
			fast, slow := make([]float32, 4*ldc), make([]float32, 4*ldc)
			for i := range fast {
				fast[i], slow[i] = -7, -7
			}
			Tile4x16(fast, ldc, kn, a, ars, aks, b, bs)
			Tile4x16Go(slow, ldc, kn, a, ars, aks, b, bs)
			gamma := float64(kn) * u32 / (1 - float64(kn)*u32)
			for rr := 0; rr < 4; rr++ {
				for j := 0; j < ldc; j++ {
					i := rr*ldc + j
					if j >= 16 {
						if fast[i] != -7 || slow[i] != -7 {
							t.Fatalf("kn=%d: wrote c[%d] beside the block", kn, i)
						}
						continue
					}
					var exact, abs float64
					for k := 0; k < kn; k++ {
						p := float64(a[rr*ars+k*aks]) * float64(b[k*bs+j])
						exact += p
						abs += math.Abs(p)
					}
					tol := gamma * abs
					if math.Abs(float64(fast[i])-exact) > tol || math.Abs(float64(slow[i])-exact) > tol ||
						math.Abs(float64(fast[i]-slow[i])) > 2*tol {
						t.Fatalf("kn=%d transposed=%v c[%d][%d]: Tile4x16 %v, Tile4x16Go %v, exact %v (tol %.3g)",
							kn, transposed, rr, j, fast[i], slow[i], exact, tol)
					}
				}
			}
			// float64 has no assembly: the dispatcher is the portable kernel.
			a64, b64 := make([]float64, len(a)), make([]float64, len(b))
			for i := range a {
				a64[i] = float64(a[i])
			}
			for i := range b {
				b64[i] = float64(b[i])
			}
			c1, c2 := make([]float64, 4*ldc), make([]float64, 4*ldc)
			Tile4x16(c1, ldc, kn, a64, ars, aks, b64, bs)
			Tile4x16Go(c2, ldc, kn, a64, ars, aks, b64, bs)
			for i := range c1 {
				if math.Float64bits(c1[i]) != math.Float64bits(c2[i]) {
					t.Fatalf("kn=%d float64: Tile4x16 and Tile4x16Go differ at %d", kn, i)
				}
			}
		}
	}
}

// gaussRowCase builds one MMD tile row: centred rows z of dimension d with
// weights ±1/n, the Gram row g = z_a·z_b, the squared norms and the inverse
// bandwidths 1/(mult_i·m) of the reference set {4, 2, 1, ½, ¼}·m.
func gaussRowCase(r *rand.Rand, n, d int, scale float64) (g, sqb, wb []float32, sqa, wa float32, inv []float32) {
	za := make([]float32, d)
	for k := range za {
		za[k] = float32(r.NormFloat64() * scale)
	}
	g, sqb, wb = make([]float32, n), make([]float32, n), make([]float32, n)
	for b := range g {
		var dot, sq float32
		for k := 0; k < d; k++ {
			z := float32(r.NormFloat64() * scale)
			dot += za[k] * z
			sq += z * z
		}
		g[b], sqb[b] = dot, sq
		wb[b] = 1 / float32(n)
		if b%3 == 0 {
			wb[b] = -1 / float32(n)
		}
	}
	g[n/2] = sqb[n/2] // a diagonal-like pair: D = 0 after rounding
	for _, v := range za {
		sqa += v * v
	}
	sqb[n/2] = sqa
	wa = 1 / float32(n)
	m := 2 * float64(d) * scale * scale // E‖z_a − z_b‖²
	for _, mult := range []float64{4, 2, 1, 0.5, 0.25} {
		inv = append(inv, float32(1/(mult*m)))
	}
	return g, sqb, wb, sqa, wa, inv
}

// TestGaussRow compares GaussRow (the assembly where the CPU has AVX2 and
// FMA) and the portable GaussRowGo with a float64 evaluation of the same
// formulas from the same float32 distance D_b (computed as both kernels do,
// in float32 without fused operations, so all three see the same argument).
//
// Error budget, relative, u = 2^-24: Cephes' expf is within 2u of exp on its
// range (its published peak error is 1.7e-7 ≈ 1.4u; a fused or rounded
// range reduction changes the reduced argument by < 2^-37). Squaring doubles
// a relative error and adds u, so e_4 = e_0^16 is within 16·2u + 16u = 48u,
// and the sums of five positive terms add 5u: q_b, Σ_i e_i and their
// weighted products are within 60u of the float64 values, relative to
// Σ_i e_i/σ_i (all terms positive). The two implementations are therefore
// within 120u of each other; colr_b and the float64 row sums inherit the
// same bounds relative to Σ|terms|. An absolute floor of 1e-37 covers
// products that leave float32's normal range.
func TestGaussRow(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	for _, tc := range []struct {
		n, d  int
		scale float64
	}{{8, 4, 1}, {16, 32, 0.1}, {64, 24, 1}, {136, 64, 3}} {
		g, sqb, wb, sqa, wa, inv := gaussRowCase(r, tc.n, tc.d, tc.scale)
		colr0 := make([]float32, tc.n)
		for b := range colr0 {
			colr0[b] = float32(r.NormFloat64() * 1e-3)
		}
		qF, qG := make([]float32, tc.n), make([]float32, tc.n)
		cF, cG := append([]float32(nil), colr0...), append([]float32(nil), colr0...)
		vF, raF := GaussRow(qF, cF, g, sqb, wb, sqa, wa, inv)
		vG, raG := GaussRowGo(qG, cG, g, sqb, wb, sqa, wa, inv)

		var vRef, raRef, vAbs, raAbs float64
		for b := range g {
			d32 := max32((sqb[b]+sqa)-(g[b]+g[b]), 0)
			var k, kp float64
			for _, iv := range inv {
				e := math.Exp(-float64(d32) * float64(iv))
				k += e
				kp += e * float64(iv)
			}
			q := -kp
			tol := func(scale float64) float64 { return scale*u32*kp*(1+math.Abs(float64(wa))) + 1e-37 }
			if math.Abs(float64(qF[b])-q) > tol(60) || math.Abs(float64(qG[b])-q) > tol(60) ||
				math.Abs(float64(qF[b]-qG[b])) > tol(120) {
				t.Fatalf("n=%d b=%d: q GaussRow %v, GaussRowGo %v, float64 %v", tc.n, b, qF[b], qG[b], q)
			}
			cRef := float64(colr0[b]) + float64(wa)*q
			ctol := 60*u32*(math.Abs(float64(colr0[b]))+math.Abs(float64(wa))*kp) + 1e-37
			if math.Abs(float64(cF[b])-cRef) > ctol || math.Abs(float64(cG[b])-cRef) > ctol {
				t.Fatalf("n=%d b=%d: colr GaussRow %v, GaussRowGo %v, float64 %v", tc.n, b, cF[b], cG[b], cRef)
			}
			w := float64(wb[b])
			vRef += w * k
			raRef += w * q
			vAbs += math.Abs(w * k)
			raAbs += math.Abs(w * q)
		}
		for _, c := range []struct {
			name           string
			fast, slow, rf float64
			abs            float64
		}{{"rowV", vF, vG, vRef, vAbs}, {"ra", raF, raG, raRef, raAbs}} {
			tol := 62*u32*c.abs + 1e-37
			if math.Abs(c.fast-c.rf) > tol || math.Abs(c.slow-c.rf) > tol || math.Abs(c.fast-c.slow) > 2*tol {
				t.Fatalf("n=%d %s: GaussRow %v, GaussRowGo %v, float64 %v (tol %.3g)", tc.n, c.name, c.fast, c.slow, c.rf, tol)
			}
		}
	}
}

// TestExpf checks the portable Cephes expf against math.Exp over its range
// (x ≤ 0 down to the clamp) within 2u relative, and the clamp below it
// (which a NaN argument also gets, as MAXPS gives).
func TestExpf(t *testing.T) {
	worst := 0.0
	for x := float32(0); x > -87; x -= 0.0137 {
		got, want := float64(expf(x)), math.Exp(float64(x))
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 2*u32 {
		t.Errorf("expf: worst relative error %.3g, want ≤ %.3g", worst, 2*u32)
	}
	t.Logf("expf worst relative error %.3g (%.2f ulp of u)", worst, worst/u32)
	if expf(-1000) != expf(expLo) || expf(float32(math.NaN())) != expf(expLo) {
		t.Errorf("expf clamp: %v %v %v", expf(-1000), expf(expLo), expf(float32(math.NaN())))
	}
}
