package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVecKernels compares AxpyVec and DotVec with float64 references over
// lengths that exercise every loop (blocks of 32, of 8, scalar tails).
// Inputs are O(1); a float32 dot of n terms has error ≲ n·2^-24·Σ|x_i y_i|.
func TestVecKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 32, 33, 64, 100, 257} {
		x, y := make([]float32, n), make([]float32, n+3)
		for i := range x {
			x[i] = float32(r.NormFloat64())
		}
		for i := range y {
			y[i] = float32(r.NormFloat64())
		}
		var ref, abs float64
		for i := range x {
			ref += float64(x[i]) * float64(y[i])
			abs += math.Abs(float64(x[i]) * float64(y[i]))
		}
		got := DotVec(x, y)
		if math.Abs(float64(got)-ref) > float64(n+1)*6e-8*abs+1e-12 {
			t.Errorf("n=%d: DotVec %v, want %v", n, got, ref)
		}
		if DotVec(x, y) != got {
			t.Errorf("n=%d: DotVec not repeatable", n)
		}
		a := float32(0.75)
		want := make([]float64, len(y))
		for i := range y {
			want[i] = float64(y[i])
			if i < n {
				want[i] += float64(a) * float64(x[i])
			}
		}
		AxpyVec(a, x, y)
		for i := range y {
			// One rounding (fma) or two (mul, add): ≤ 2 ulps of O(1) values.
			if math.Abs(float64(y[i])-want[i]) > 3e-7*(1+math.Abs(want[i])) {
				t.Fatalf("n=%d: AxpyVec y[%d] = %v, want %v", n, i, y[i], want[i])
			}
		}
	}
}

func BenchmarkDotVec64(b *testing.B) {
	x, y := make([]float32, 64), make([]float32, 64)
	var s float32
	for b.Loop() {
		s += DotVec(x, y)
	}
	_ = s
}

// TestAdamStep compares AdamStep with a float64 evaluation of the same
// update over several steps. Each step's float32 roundings are relative
// 1e-7 of O(lr) updates, so after 5 steps w agrees to ~1e-9 absolute.
func TestAdamStep(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	n := 37 // blocks of 8 plus a tail
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	wr, mr, vr := make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range w {
		w[i] = float32(r.NormFloat64())
		wr[i] = float64(w[i])
	}
	lr, b1, b2, eps, wd := 1e-3, 0.9, 0.999, 1e-8, 0.01
	for step := 1; step <= 5; step++ {
		for i := range g {
			g[i] = float32(r.NormFloat64())
		}
		bc1, bc2 := 1-math.Pow(b1, float64(step)), 1-math.Pow(b2, float64(step))
		c := &AdamCoef{B1: float32(b1), C1: float32(1 - b1), B2: float32(b2), C2: float32(1 - b2),
			Step: float32(lr / bc1), Sq2: float32(math.Sqrt(bc2)), Eps: float32(eps), WD: float32(wd)}
		for i := range g {
			gi := float64(g[i]) + wd*wr[i]
			mr[i] = b1*mr[i] + (1-b1)*gi
			vr[i] = b2*vr[i] + (1-b2)*gi*gi
			wr[i] -= lr / bc1 * mr[i] / (math.Sqrt(vr[i])/math.Sqrt(bc2) + eps)
		}
		AdamStep(w, g, m, v, c)
	}
	for i := range w {
		if math.Abs(float64(w[i])-wr[i]) > 1e-6*(1+math.Abs(wr[i])) || math.Abs(float64(m[i])-mr[i]) > 1e-6 {
			t.Fatalf("element %d: w %v m %v, want %v %v", i, w[i], m[i], wr[i], mr[i])
		}
	}
}

// TestComb checks Comb against float64 sums for widths that use every
// kernel (64, 32, 8 and the scalar tail), with and without add.
func TestComb(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, d := range []int{1, 7, 8, 33, 64, 100, 131} {
		x := New(9, d)
		for i := range x.Data {
			x.Data[i] = float32(r.NormFloat64())
		}
		idx := []int32{3, 0, 8, 3, 5}
		coef := []float32{0.5, -1.25, 2, 0.125, 1}
		add := make([]float32, d)
		for i := range add {
			add[i] = float32(r.NormFloat64())
		}
		for _, a := range [][]float32{nil, add} {
			dst := make([]float32, d)
			for i := range dst {
				dst[i] = 99 // must be overwritten
			}
			Comb(dst, a, coef, idx, x)
			for j := range dst {
				var want float64
				if a != nil {
					want = float64(a[j])
				}
				for p := range idx {
					want += float64(coef[p]) * float64(x.Data[int(idx[p])*d+j])
				}
				// Six O(1) terms in float32: error ≤ 6·2^-24·Σ|terms| < 1e-5.
				if math.Abs(float64(dst[j])-want) > 1e-5 {
					t.Fatalf("d=%d add=%v col %d: %v, want %v", d, a != nil, j, dst[j], want)
				}
			}
		}
		empty := make([]float32, d)
		Comb(empty, add, nil, nil, x)
		for j := range empty {
			if empty[j] != add[j] {
				t.Fatalf("empty combination is not add")
			}
		}
	}
}

func TestCompact(t *testing.T) {
	row := []float32{0, 1.5, float32(math.Copysign(0, -1)), -2, 0, 3}
	coef, idx := make([]float32, 6), make([]int32, 6)
	n := Compact(coef, idx, row)
	if n != 3 || coef[0] != 1.5 || coef[1] != -2 || coef[2] != 3 || idx[0] != 1 || idx[1] != 3 || idx[2] != 5 {
		t.Fatalf("Compact = %d %v %v", n, coef[:n], idx[:n])
	}
}

// TestCombCols checks that column windows (at multiples of 8) reproduce the
// full row combination bit for bit, and that odd windows match it closely.
func TestCombCols(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, d := range []int{8, 40, 64, 128, 131, 256} {
		x := New(11, d)
		for i := range x.Data {
			x.Data[i] = float32(r.NormFloat64())
		}
		idx := []int32{3, 0, 10, 3, 5, 7}
		coef := []float32{0.5, -1.25, 2, 0.125, 1, -0.3}
		full := make([]float32, d)
		CombUnchecked(full, nil, coef, idx, x)
		for _, w := range []int{8, 16, 24, 32, 64} {
			for off := 0; off+w <= d; off += w {
				dst := make([]float32, w)
				for i := range dst {
					dst[i] = 99
				}
				CombColsUnchecked(dst, coef, idx, x, off)
				for j := range dst {
					if math.Float32bits(dst[j]) != math.Float32bits(full[off+j]) {
						t.Fatalf("d=%d window %d at %d col %d: %v, full row %v", d, w, off, j, dst[j], full[off+j])
					}
				}
			}
		}
		// An unaligned window of the tail columns.
		if d > 8 {
			off := d - 5
			dst := make([]float32, 5)
			CombColsUnchecked(dst, coef, idx, x, off)
			for j := range dst {
				if math.Abs(float64(dst[j]-full[off+j])) > 1e-5 {
					t.Fatalf("d=%d tail col %d: %v, full row %v", d, j, dst[j], full[off+j])
				}
			}
		}
	}
}

// TestCombDense4 checks the four-row kernel against single-row
// combinations bit for bit, zero coefficients (ReLU rows) included.
func TestCombDense4(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, d := range []int{8, 16, 40, 64, 128, 131} {
		for _, n := range []int{0, 1, 5, 33} {
			x := New(n+2, d)
			for i := range x.Data {
				x.Data[i] = float32(r.NormFloat64())
			}
			var coef, dst [4][]float32
			for k := range coef {
				coef[k] = make([]float32, n)
				for p := range coef[k] {
					if r.IntN(2) == 0 {
						coef[k][p] = float32(r.NormFloat64())
					}
				}
			}
			idx := make([]int32, n)
			for p := range idx {
				idx[p] = int32(p)
			}
			for off := 0; off < d; off += 8 {
				w := d - off
				for k := range dst {
					dst[k] = make([]float32, w)
					for j := range dst[k] {
						dst[k][j] = 99
					}
				}
				CombDense4(&dst, &coef, x, off)
				for k := range dst {
					full := make([]float32, d)
					CombUnchecked(full, nil, coef[k], idx, x)
					for j := range dst[k] {
						if math.Float32bits(dst[k][j]) != math.Float32bits(full[off+j]) {
							t.Fatalf("d=%d n=%d off=%d row %d col %d: %v, single row %v", d, n, off, k, j, dst[k][j], full[off+j])
						}
					}
				}
			}
		}
	}
}

// TestReluKernels checks ReluGrad and BiasReLU against the scalar
// definitions bit for bit, signed zeros and NaNs included.
func TestReluKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	negZero := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	pick := func() float32 {
		switch r.IntN(6) {
		case 0:
			return 0
		case 1:
			return negZero
		case 2:
			if r.IntN(8) == 0 {
				return nan
			}
		}
		return float32(r.NormFloat64())
	}
	same := func(a, b float32) bool {
		if a != a || b != b {
			return a != a && b != b
		}
		return math.Float32bits(a) == math.Float32bits(b)
	}
	for n := 0; n < 41; n++ {
		a, b, bias, x, d := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range a {
			a[i], b[i], bias[i], x[i], d[i] = pick(), pick(), pick(), pick(), pick()
		}
		got := append([]float32(nil), d...)
		ReluGrad(got, x)
		for i := range got {
			want := d[i]
			if x[i] <= 0 {
				want = 0
			}
			if !same(got[i], want) {
				t.Fatalf("ReluGrad n=%d i=%d x=%v d=%v: %v, want %v", n, i, x[i], d[i], got[i], want)
			}
		}
		out := make([]float32, n)
		BiasReLU(out, a, b, bias)
		for i := range out {
			if want := max((a[i]+b[i])+bias[i], 0); !same(out[i], want) {
				t.Fatalf("BiasReLU n=%d i=%d: %v, want %v", n, i, out[i], want)
			}
		}
		in := append([]float32(nil), a...)
		BiasReLU(in, in, nil, bias)
		for i := range in {
			if want := max(a[i]+bias[i], 0); !same(in[i], want) {
				t.Fatalf("BiasReLU(nil b) n=%d i=%d: %v, want %v", n, i, in[i], want)
			}
		}
	}
}

// TestAdamStepClear checks that AdamStepClear is AdamStep plus g = 0.
func TestAdamStepClear(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for _, n := range []int{0, 5, 8, 37} {
		w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range w {
			w[i], g[i], m[i], v[i] = float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.Float64())
		}
		w2, g2, m2, v2 := append([]float32(nil), w...), append([]float32(nil), g...), append([]float32(nil), m...), append([]float32(nil), v...)
		c := &AdamCoef{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 1e-3, Sq2: 0.05, Eps: 1e-8, WD: 0.01}
		AdamStep(w, g, m, v, c)
		AdamStepClear(w2, g2, m2, v2, c)
		for i := range w {
			if math.Float32bits(w[i]) != math.Float32bits(w2[i]) || math.Float32bits(m[i]) != math.Float32bits(m2[i]) ||
				math.Float32bits(v[i]) != math.Float32bits(v2[i]) || math.Float32bits(g2[i]) != 0 {
				t.Fatalf("n=%d element %d: (%v %v %v %v), want (%v %v %v 0)", n, i, w2[i], m2[i], v2[i], g2[i], w[i], m[i], v[i])
			}
		}
	}
}
