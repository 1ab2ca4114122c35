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
