package unlearning

import (
	"context"
	"math"
	"testing"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
	"github.com/potau/potau/recmodels"
)

func randMatrix(r, c int, seed uint64, scale float64) *dense.Matrix {
	m := dense.New(r, c)
	g := rng.New(seed, "rand-matrix")
	for i := range m.Data {
		m.Data[i] = float32(g.NormFloat64() * scale)
	}
	return m
}

// TestAdvHookGradients checks the adversarial head's gradients by central
// differences along random directions: the head's own gradient must be
// +∂(weight·CE)/∂θ, the table's −scale·∂(weight·CE)/∂U (gradient reversal).
// Parameters are float32 and the loss float64: with h = 1e-3 and entries
// O(0.1–1), rounding of θ ± hV costs ~1e-4 relative; the loss is smooth
// except at ReLU kinks, which random data avoids; tolerance 2e-3.
func TestAdvHookGradients(t *testing.T) {
	const n, d = 30, 6
	labels := randLabels(n, 3, 8)
	c := DefaultConfig()
	c.AdvScale, c.AdvWeight, c.AdvHidden = 0.5, 1.7, 5
	a, err := NewAdvHook(labels, d, c, 3)
	if err != nil {
		t.Fatal(err)
	}
	U := randMatrix(n, d, 2, 1)
	users := []int32{0, 3, 3, 7, 12, 29, 1, 2, 5, 5, 20}
	gradU := dense.New(n, d)
	a.lossGrad(U, users, gradU)
	gHead := append([]float32(nil), a.grads...)
	r := rng.New(4, "dir")
	const h = 1e-3
	// Table direction.
	V := make([]float64, len(U.Data))
	var an float64
	for i := range V {
		V[i] = r.NormFloat64()
		an += float64(gradU.Data[i]) * V[i]
	}
	at := func(s float64) float64 {
		P := U.Clone()
		for i := range P.Data {
			P.Data[i] = float32(float64(U.Data[i]) + s*V[i])
		}
		return a.lossGrad(P, users, nil)
	}
	fd := (at(h) - at(-h)) / (2 * h)
	if want := -c.AdvScale * fd; math.Abs(an-want) > 2e-3*math.Abs(want) {
		t.Errorf("table: ⟨gradU, V⟩ = %.8g, want −scale·fd = %.8g", an, want)
	}
	// Head direction.
	W := make([]float64, len(a.params))
	an = 0
	for i := range W {
		W[i] = r.NormFloat64()
		an += float64(gHead[i]) * W[i]
	}
	p0 := append([]float32(nil), a.params...)
	atH := func(s float64) float64 {
		for i := range a.params {
			a.params[i] = float32(float64(p0[i]) + s*W[i])
		}
		return a.lossGrad(U, users, nil)
	}
	fd = (atH(h) - atH(-h)) / (2 * h)
	copy(a.params, p0)
	if math.Abs(an-fd) > 2e-3*math.Abs(fd) {
		t.Errorf("head: ⟨grad, W⟩ = %.8g, fd %.8g", an, fd)
	}
}

// TestAdvHookLearns trains the head alone on a table where the classes are
// separable and expects the cross-entropy to fall well below log 2.
func TestAdvHookLearns(t *testing.T) {
	const n, d = 200, 8
	labels := make([]int32, n)
	U := randMatrix(n, d, 5, 0.3)
	for u := range labels {
		labels[u] = int32(u % 2)
		if labels[u] == 1 {
			U.Data[u*d] += 1
		}
	}
	c := DefaultConfig()
	c.AdvLR = 1e-2
	a, err := NewAdvHook(labels, d, c, 1)
	if err != nil {
		t.Fatal(err)
	}
	users := make([]int32, n)
	for i := range users {
		users[i] = int32(i)
	}
	var first, last float64
	for step := 0; step < 300; step++ {
		v, err := a.Batch(context.Background(), recmodels.BatchInfo{Step: step, Users: users}, U, dense.New(n, d))
		if err != nil {
			t.Fatal(err)
		}
		if step == 0 {
			first = v
		}
		last = v
	}
	if !(last < 0.3 && first > 0.5) {
		t.Errorf("CE %.3f → %.3f, want a separable problem learnt", first, last)
	}
}

// TestMMDHook checks that the penalty is added on batches with index % every
// == 0 only, equals β·MMD² of the labelled groups, and adds β·∂MMD²/∂U.
func TestMMDHook(t *testing.T) {
	const n, d = 50, 8
	labels := randLabels(n, 2, 3)
	U := randMatrix(n, d, 7, 1)
	c := DefaultConfig()
	c.MMDBeta, c.MMDEvery, c.Tile = 2.5, 3, 16
	h, err := NewMMDHook(labels, nil, c)
	if err != nil {
		t.Fatal(err)
	}
	g, _ := NewGroups(labels)
	var x, y []float32
	for _, u := range g.Members[1] { // the default anchor is the larger group
		x = append(x, U.Row(int(u))...)
	}
	for _, u := range g.Members[0] {
		y = append(y, U.Row(int(u))...)
	}
	if len(g.Members[0]) < len(g.Members[1]) {
		x, y = y, x
	}
	want, err := MMD2(context.Background(), nil, nil, x, y, d, c.Kernels, 16, 1)
	if err != nil {
		t.Fatal(err)
	}
	for idx := 0; idx < 7; idx++ {
		grad := dense.New(n, d)
		v, err := h.Batch(context.Background(), recmodels.BatchInfo{Index: idx, Step: idx}, U, grad)
		if err != nil {
			t.Fatal(err)
		}
		var gn float64
		for _, x := range grad.Data {
			gn += float64(x * x)
		}
		if idx%3 == 0 {
			if math.Abs(v-2.5*want) > 1e-4*math.Abs(2.5*want) || gn == 0 {
				t.Errorf("batch %d: term %v want %v (|grad|² %v)", idx, v, 2.5*want, gn)
			}
		} else if v != 0 || gn != 0 {
			t.Errorf("batch %d: term %v, |grad|² %v, want none", idx, v, gn)
		}
	}
}
