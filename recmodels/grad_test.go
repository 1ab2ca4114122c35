package recmodels

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// The finite-difference checks perturb one float32 parameter by ±h and
// compare (L(θ+h) − L(θ−h))/2h, evaluated in float64 from float32 scores,
// with the analytic gradient. Scores are O(1) and float32 carries ~7
// digits, so each loss evaluation has absolute error ≲ 1e-6·|L|; with
// h = 1e-2 the difference quotient's rounding error is ≲ 1e-4 and its
// truncation error O(h²·L”') ≲ 1e-4. A wrong gradient (a missing term, a
// wrong sign, a transposed index) is off by O(|g|), far above the
// tolerance 2e-3 + 2e-2·|g|.
const (
	fdH      = 1e-2
	fdAbsTol = 2e-3
	fdRelTol = 2e-2
)

func fdClose(analytic, numeric float64) bool {
	return math.Abs(analytic-numeric) <= fdAbsTol+fdRelTol*math.Abs(numeric)
}

// bigInit scales every parameter so that gradients are O(1), not O(1e-4).
func bigInit(m trainable, r *rand.Rand) {
	for _, t := range m.tensors() {
		for i := range t.w.Data {
			t.w.Data[i] = float32(r.NormFloat64() * 0.5)
		}
	}
	m.invalidate()
}

func TestLossGradientFiniteDifference(t *testing.T) {
	ctx := context.Background()
	s := tinySplit(12, 15, 6, 1, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		for _, loss := range []string{"bce", "bpr"} {
			t.Run(kind+"/"+loss, func(t *testing.T) {
				c := smallConfig(kind)
				c.Loss = loss
				m, err := newModel(c, s, 7)
				if err != nil {
					t.Fatal(err)
				}
				r := rand.New(rand.NewPCG(3, 4))
				bigInit(m, r)
				// A batch with repeated users and items.
				b := 10
				bu, bi := make([]int32, 2*b), make([]int32, 2*b)
				by := make([]float32, b)
				for k := 0; k < 2*b; k++ {
					bu[k], bi[k] = int32(r.IntN(4)), int32(r.IntN(6))
				}
				if loss == "bpr" {
					copy(bu[b:], bu[:b])
				}
				for k := range by {
					by[k] = float32(k % 2)
				}
				logits, dOut := make([]float32, 2*b), make([]float32, 2*b)
				lossAt := func() float64 {
					for _, x := range m.tensors() {
						x.g.Zero()
					}
					m.invalidate()
					l, err := lossGrad(ctx, m, loss, b, bu, bi, by, logits, dOut)
					if err != nil {
						t.Fatal(err)
					}
					return l / float64(b)
				}
				lossAt()
				grads := map[string][]float32{}
				for _, x := range m.tensors() {
					grads[x.name] = append([]float32(nil), x.g.Data...)
				}
				checked, nonzero := 0, 0
				for _, x := range m.tensors() {
					// Every coordinate of small tensors, a sample of large ones.
					idx := r.Perm(len(x.w.Data))
					if len(idx) > 40 {
						idx = idx[:40]
					}
					for _, i := range idx {
						old := x.w.Data[i]
						x.w.Data[i] = old + fdH
						lp := lossAt()
						x.w.Data[i] = old - fdH
						lm := lossAt()
						x.w.Data[i] = old
						num := (lp - lm) / (2 * fdH)
						an := float64(grads[x.name][i])
						if !fdClose(an, num) {
							t.Errorf("%s[%d]: analytic %.6g, finite difference %.6g", x.name, i, an, num)
						}
						checked++
						if math.Abs(num) > 1e-3 {
							nonzero++
						}
					}
				}
				// Guard against a vacuous pass: many coordinates must matter.
				if nonzero < checked/10 {
					t.Fatalf("only %d of %d checked gradients are non-zero", nonzero, checked)
				}
			})
		}
	}
}

func TestScorePairsBackwardFiniteDifference(t *testing.T) {
	ctx := context.Background()
	s := tinySplit(12, 15, 6, 2, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		t.Run(kind, func(t *testing.T) {
			m, err := newModel(smallConfig(kind), s, 8)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(5, 6))
			bigInit(m, r)
			n := 30
			users, items := make([]int32, n), make([]int32, n)
			w := make([]float32, n) // L = Σ_k w_k s_k
			for k := range users {
				users[k], items[k] = int32(r.IntN(12)), int32(r.IntN(15))
				w[k] = float32(r.NormFloat64())
			}
			U := m.UserTable().Clone()
			for i := range U.Data {
				U.Data[i] += float32(r.NormFloat64() * 0.1) // differs from the model's own table
			}
			dst := make([]float32, n)
			L := func() float64 {
				if _, err := m.ScorePairs(ctx, U, users, items, dst); err != nil {
					t.Fatal(err)
				}
				var l float64
				for k := range dst {
					l += float64(w[k]) * float64(dst[k])
				}
				return l
			}
			back, err := m.ScorePairs(ctx, U, users, items, dst)
			if err != nil {
				t.Fatal(err)
			}
			// Scores must agree with Model.Score under the swapped-in table.
			mu := m.WithUserTable(U)
			one := make([]float32, 1)
			for k := range users {
				mu.Score(one, int(users[k]), items[k:k+1])
				if math.Abs(float64(one[0]-dst[k])) > 1e-5*(1+math.Abs(float64(one[0]))) {
					t.Fatalf("pair %d: ScorePairs %v, Score %v", k, dst[k], one[0])
				}
			}
			dU := dense.New(U.Rows, U.Cols)
			if err := back(w, dU); err != nil {
				t.Fatal(err)
			}
			nonzero := 0
			for i := range U.Data {
				old := U.Data[i]
				U.Data[i] = old + fdH
				lp := L()
				U.Data[i] = old - fdH
				lm := L()
				U.Data[i] = old
				num := (lp - lm) / (2 * fdH)
				if !fdClose(float64(dU.Data[i]), num) {
					t.Errorf("dU[%d]: analytic %.6g, finite difference %.6g", i, dU.Data[i], num)
				}
				if math.Abs(num) > 1e-3 {
					nonzero++
				}
			}
			if nonzero < len(U.Data)/4 {
				t.Fatalf("only %d of %d gradients non-zero", nonzero, len(U.Data))
			}
		})
	}
}

func Example() {
	fmt.Println(DefaultConfig("neumf").Dim, DefaultConfig("neumf").MLPDim, DefaultConfig("lightgcn").Layers)
	// Output: 32 128 3
}
