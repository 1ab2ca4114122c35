package attackers

import (
	"context"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/rng"
)

// TestMLPGradientFiniteDifference checks backprop against central finite
// differences of the batch loss L_B (log-loss + L2 penalty, sample
// weights) for a binary and a 3-class network with two hidden layers.
// With h = 1e-6 the truncation error is O(h²·|L⁽³⁾|) ≈ 1e-12 and the
// rounding error ≈ ε·|L|/h ≈ 1e-10; ReLU kinks are avoided because no
// pre-activation of the random network lies within h of 0 (checked). So
// |analytic − numeric| ≤ 1e-6·max(1, |g|) can only fail on a wrong
// gradient.
func TestMLPGradientFiniteDifference(t *testing.T) {
	for _, classes := range []int{2, 3} {
		cfg := DefaultMLPConfig()
		cfg.HiddenLayerSizes = []int{6, 4}
		cfg.Alpha = 0.7
		m := NewMLP(cfg)
		m.classes = classes
		const n, d = 7, 5
		r := rng.New(11, "test-fd")
		m.init(d, r)
		for _, b := range m.B { // non-zero biases so their gradients matter
			for i := range b {
				b[i] = r.NormFloat64() * 0.3
			}
		}
		X := mat.NewDense(n, d, nil)
		y := make([]int, n)
		w := make([]float64, n)
		idx := make([]int, n)
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				X.Set(i, j, r.NormFloat64())
			}
			y[i] = i % classes
			w[i] = 0.5 + r.Float64()
			idx[i] = i
		}
		wk := m.newWork(d, n)
		loss := func() float64 {
			m.loadBatch(wk, X, y, w, idx)
			return m.backprop(wk, n)
		}
		loss()
		for l := 0; l < len(m.W)-1; l++ { // hidden pre-activations away from the kink
			var z mat.Dense
			z.Mul(rowsOf(wk.act[l], n), m.W[l].T())
			for i := 0; i < n; i++ {
				for j, v := range z.RawRowView(i) {
					if math.Abs(v+m.B[l][j]) < 1e-4 {
						t.Fatalf("pre-activation %v too close to the ReLU kink", v+m.B[l][j])
					}
				}
			}
		}
		var params, grads [][]float64
		for l := range m.W {
			params = append(params, m.W[l].RawMatrix().Data)
			g := make([]float64, len(wk.gW[l].RawMatrix().Data))
			copy(g, wk.gW[l].RawMatrix().Data)
			grads = append(grads, g)
		}
		for l := range m.B {
			params = append(params, m.B[l])
			grads = append(grads, append([]float64(nil), wk.gB[l]...))
		}
		const h = 1e-6
		for k, p := range params {
			for i := range p {
				orig := p[i]
				p[i] = orig + h
				lp := loss()
				p[i] = orig - h
				lm := loss()
				p[i] = orig
				num := (lp - lm) / (2 * h)
				if math.Abs(num-grads[k][i]) > 1e-6*math.Max(1, math.Abs(num)) {
					t.Fatalf("classes=%d param block %d index %d: backprop %v, finite difference %v", classes, k, i, grads[k][i], num)
				}
			}
		}
	}
}

// TestAdamFirstStep checks one Adam step from zero moments against its
// closed form θ₁ = θ₀ − η·sqrt(1−β₂)·g/(sqrt(1−β₂)|g| + ε).
func TestAdamFirstStep(t *testing.T) {
	c := DefaultMLPConfig()
	p := [][]float64{{1, -2, 0.5}}
	g := [][]float64{{0.3, -1e-9, 0}}
	a := newAdam(p, c)
	want := make([]float64, 3)
	for i := range want {
		s := math.Sqrt(1 - c.Beta2)
		want[i] = p[0][i] - c.LearningRateInit*s*g[0][i]/(s*math.Abs(g[0][i])+c.Epsilon)
	}
	a.step(p, g)
	for i := range want {
		if math.Abs(p[0][i]-want[i]) > 1e-15 {
			t.Fatalf("param %d: %v, closed form %v", i, p[0][i], want[i])
		}
	}
}

// TestMLPStoppingRule replays scikit-learn's _update_no_improvement_count
// on the recorded loss curve: training must stop exactly at the first
// epoch where the counter exceeds n_iter_no_change, or at max_iter.
func TestMLPStoppingRule(t *testing.T) {
	X, y := gaussianClasses(400, 8, 2, 0.5, 2)
	m := NewMLP(DefaultMLPConfig())
	if err := m.Fit(context.Background(), X, y, nil, 2, 1); err != nil {
		t.Fatal(err)
	}
	best, count, stop := math.Inf(1), 0, len(m.LossCurve)
	for i, l := range m.LossCurve {
		if l > best-1e-4 {
			count++
		} else {
			count = 0
		}
		best = math.Min(best, l)
		if count > 10 {
			stop = i + 1
			break
		}
	}
	if stop != len(m.LossCurve) || m.Iterations() != stop {
		t.Fatalf("stopped after %d epochs (curve %d); the rule says %d", m.Iterations(), len(m.LossCurve), stop)
	}
	if stop >= 500 || stop < 12 {
		t.Fatalf("implausible stop at epoch %d", stop)
	}
}

// TestMLPLearns checks that the MLP approaches the Bayes AUC of two
// Gaussian classes (equal covariance, mean distance 2: Bayes AUC
// Φ(2/√2) = 0.921) on a held-out half, and separates three clusters.
// 1,000 training rows in 8 dimensions leave a small estimation gap; a
// broken network sits near 0.5.
func TestMLPLearns(t *testing.T) {
	X, y := gaussianClasses(2000, 8, 2, 0.5, 3)
	m := NewMLP(DefaultMLPConfig())
	tr, te := X.Slice(0, 1000, 0, 8).(*mat.Dense), X.Slice(1000, 2000, 0, 8).(*mat.Dense)
	if err := m.Fit(context.Background(), tr, y[:1000], nil, 2, 4); err != nil {
		t.Fatal(err)
	}
	P := mat.NewDense(1000, 2, nil)
	if err := m.PredictProba(P, te); err != nil {
		t.Fatal(err)
	}
	pos := make([]bool, 1000)
	s := make([]float64, 1000)
	for i := range s {
		pos[i], s[i] = y[1000+i] == 1, P.At(i, 1)
		if math.Abs(P.At(i, 0)+P.At(i, 1)-1) > 1e-12 {
			t.Fatal("probabilities do not sum to 1")
		}
	}
	auc, _ := ROCAUC(pos, s)
	if auc < 0.88 || auc > 0.95 {
		t.Fatalf("held-out AUC %.4f, Bayes 0.921", auc)
	}

	// Three well-separated clusters.
	r := rng.New(5, "test-3c")
	n := 600
	X3 := mat.NewDense(n, 2, nil)
	y3 := make([]int, n)
	centers := [][2]float64{{0, 0}, {4, 0}, {0, 4}}
	for i := 0; i < n; i++ {
		y3[i] = i % 3
		X3.Set(i, 0, centers[y3[i]][0]+r.NormFloat64())
		X3.Set(i, 1, centers[y3[i]][1]+r.NormFloat64())
	}
	m3 := NewMLP(DefaultMLPConfig())
	if err := m3.Fit(context.Background(), X3, y3, nil, 3, 1); err != nil {
		t.Fatal(err)
	}
	P3 := mat.NewDense(n, 3, nil)
	if err := m3.PredictProba(P3, X3); err != nil {
		t.Fatal(err)
	}
	ok := 0
	for i := 0; i < n; i++ {
		if mat.Row(nil, i, P3)[y3[i]] == mat.Max(P3.Slice(i, i+1, 0, 3)) {
			ok++
		}
	}
	// Bayes accuracy of these clusters is ≈ 0.96 (each pair 4 apart).
	if acc := float64(ok) / float64(n); acc < 0.9 {
		t.Fatalf("3-class training accuracy %.3f", acc)
	}
}

func TestMLPErrors(t *testing.T) {
	m := NewMLP(DefaultMLPConfig())
	X := mat.NewDense(4, 2, []float64{0, 1, 1, 0, 2, 2, 3, 1})
	if err := m.PredictProba(mat.NewDense(4, 2, nil), X); err == nil {
		t.Error("predict before fit: no error")
	}
	for _, c := range []struct {
		name    string
		y       []int
		w       []float64
		classes int
	}{
		{"labels length", []int{0, 1}, nil, 2},
		{"label range", []int{0, 1, 2, 0}, nil, 2},
		{"weights length", []int{0, 1, 1, 0}, []float64{1}, 2},
		{"one class", []int{0, 0, 0, 0}, nil, 1},
	} {
		if err := m.Fit(context.Background(), X, c.y, c.w, c.classes, 1); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := m.Fit(ctx, X, []int{0, 1, 1, 0}, nil, 2, 1); err == nil {
		t.Error("cancelled context: no error")
	}
}
