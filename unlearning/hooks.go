package unlearning

import (
	"context"
	"fmt"
	"math"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
	"github.com/potau/potau/recmodels"
)

// AdvHook is the adversarial in-training baseline (docs/method.md#adv) as a
// recmodels.Hook. On every mini-batch a head
//
//	h(x) = W2·relu(W1·x + b1) + b2,   W1: H×d, W2: K×H
//
// reads the batch rows' user embeddings x = U[user] through a gradient
// reversal layer and is trained with the cross-entropy on the users' labels
// (rows whose user is unlabelled are skipped):
//
//	CE = −(1/B) Σ_k log softmax(h(x_k))[y_k]
//	term = weight·CE
//	∂term/∂θ_head = weight·∂CE/∂θ_head            (the head's own Adam)
//	∂term/∂U     += −scale·weight·∂CE/∂x           (gradient reversal)
//
// Since Adam is per-parameter, a separate Adam for the head equals the
// reference's single Adam over model and head.
type AdvHook struct {
	labels        []int32
	d, h, k       int
	scale, weight float64
	// params = [W1 (h×d) | b1 (h) | W2 (k×h) | b2 (k)]
	params, grads []float32
	opt           *Adam
	z, a, dz      []float64
}

// NewAdvHook returns the adversarial head for a d-dimensional user table.
// The head's weights and biases are drawn like PyTorch's nn.Linear default,
// U(−1/√fan_in, 1/√fan_in), from the stream (seed, "unlearning/adv-head").
func NewAdvHook(labels []int32, d int, c Config, seed uint64) (*AdvHook, error) {
	g, err := NewGroups(labels)
	if err != nil {
		return nil, err
	}
	k := len(g.Members)
	if k < 2 {
		return nil, fmt.Errorf("unlearning: adv needs at least two classes, labels have %d", k)
	}
	h := c.AdvHidden
	n := h*d + h + k*h + k
	a := &AdvHook{labels: labels, d: d, h: h, k: k, scale: c.AdvScale, weight: c.AdvWeight,
		params: make([]float32, n), grads: make([]float32, n),
		opt: NewAdam(n, c.AdvLR, c.Beta1, c.Beta2, c.Eps),
		z:   make([]float64, h), a: make([]float64, h), dz: make([]float64, h)}
	r := rng.New(seed, "unlearning/adv-head")
	b1, b2 := 1/math.Sqrt(float64(d)), 1/math.Sqrt(float64(h))
	for i := range a.params {
		bound := b1
		if i >= h*d+h {
			bound = b2
		}
		a.params[i] = float32((2*r.Float64() - 1) * bound)
	}
	return a, nil
}

// Name implements recmodels.Hook.
func (a *AdvHook) Name() string { return MethodAdv.String() }

// Batch implements recmodels.Hook.
func (a *AdvHook) Batch(ctx context.Context, b recmodels.BatchInfo, U, gradU *dense.Matrix) (float64, error) {
	if U.Cols != a.d {
		return 0, fmt.Errorf("unlearning: adv head built for d=%d, table has %d columns", a.d, U.Cols)
	}
	labelled := false
	for _, u := range b.Users {
		labelled = labelled || a.labels[u] >= 0
	}
	if !labelled {
		return 0, nil // no term, and no head step
	}
	v := a.lossGrad(U, b.Users, gradU)
	for _, g := range a.grads {
		if g-g != 0 {
			return 0, fmt.Errorf("unlearning: adv head gradient is NaN or Inf at batch %d", b.Step)
		}
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("unlearning: adv loss is %v at batch %d", v, b.Step)
	}
	a.opt.Step(a.params, a.grads)
	return v, nil
}

// lossGrad returns weight·CE over the labelled rows of users, writes
// weight·∂CE/∂θ into a.grads and adds −scale·weight·∂CE/∂x into gradU
// (skipped when gradU is nil). It does not change the head.
func (a *AdvHook) lossGrad(U *dense.Matrix, users []int32, gradU *dense.Matrix) float64 {
	d, h, k := a.d, a.h, a.k
	w1, b1 := a.params[:h*d], a.params[h*d:h*d+h]
	w2, b2 := a.params[h*d+h:h*d+h+k*h], a.params[h*d+h+k*h:]
	gw1, gb1 := a.grads[:h*d], a.grads[h*d:h*d+h]
	gw2, gb2 := a.grads[h*d+h:h*d+h+k*h], a.grads[h*d+h+k*h:]
	clear(a.grads)
	nb := 0
	for _, u := range users {
		if a.labels[u] >= 0 {
			nb++
		}
	}
	if nb == 0 {
		return 0
	}
	inv := 1 / float64(nb)
	logit := make([]float64, k)
	var ce float64
	for _, u := range users {
		y := a.labels[u]
		if y < 0 {
			continue
		}
		x := U.Row(int(u))
		for j := 0; j < h; j++ {
			s := float64(b1[j])
			for i, xv := range x {
				s += float64(w1[j*d+i]) * float64(xv)
			}
			a.z[j] = s
			a.a[j] = math.Max(s, 0)
		}
		mx := math.Inf(-1)
		for c := 0; c < k; c++ {
			s := float64(b2[c])
			for j := 0; j < h; j++ {
				s += float64(w2[c*h+j]) * a.a[j]
			}
			logit[c] = s
			mx = math.Max(mx, s)
		}
		var se float64
		for c := range logit {
			se += math.Exp(logit[c] - mx)
		}
		lse := mx + math.Log(se)
		ce += (lse - logit[y]) * inv
		// dCE/dlogit = (softmax − onehot)/B, scaled by the term weight.
		clear(a.dz)
		for c := 0; c < k; c++ {
			g := math.Exp(logit[c]-lse) * inv
			if int32(c) == y {
				g -= inv
			}
			g *= a.weight
			gb2[c] += float32(g)
			for j := 0; j < h; j++ {
				gw2[c*h+j] += float32(g * a.a[j])
				a.dz[j] += g * float64(w2[c*h+j])
			}
		}
		var gu []float32
		if gradU != nil {
			gu = gradU.Row(int(u))
		}
		for j := 0; j < h; j++ {
			if a.z[j] <= 0 {
				continue
			}
			g := a.dz[j]
			gb1[j] += float32(g)
			for i, xv := range x {
				gw1[j*d+i] += float32(g * float64(xv))
				if gu != nil {
					gu[i] += float32(-a.scale * g * float64(w1[j*d+i]))
				}
			}
		}
	}
	return a.weight * ce
}

// MMDHook is the retrain baseline (docs/method.md#retrain) as a recmodels.Hook: on every
// Every-th mini-batch of an epoch (batch index % Every == 0) it adds
//
//	β·L_D2D(U)   over the whole current user table
//
// (Σ over the configured group pairs of the 5-kernel MMD²) and its gradient.
type MMDHook struct {
	Beta  float64
	Every int
	mmd   *mmdEngine[float32]
	rows  [][]int32
	wts   [][]float64
}

// NewMMDHook returns the retrain penalty for labels (-1 = unknown) under the
// config's kernels, multi-class form and anchor.
func NewMMDHook(labels []int32, s *datasets.Split, c Config) (*MMDHook, error) {
	g, pairs, err := groupPairs(labels, s, c)
	if err != nil {
		return nil, err
	}
	m := &MMDHook{Beta: c.MMDBeta, Every: c.MMDEvery, mmd: newMMDEngine[float32](c.Kernels, c.Tile, c.Workers)}
	m.rows, m.wts = mmdPairRows(g, pairs)
	return m, nil
}

// groupPairs groups users by label and lists the group pairs of the config's
// multi-class form around its (resolved) anchor.
func groupPairs(labels []int32, s *datasets.Split, c Config) (*Groups, []Pair, error) {
	g, err := NewGroups(labels)
	if err != nil {
		return nil, nil, err
	}
	anchor, err := ResolveAnchor(c.Anchor, g, s, labels)
	if err != nil {
		return nil, nil, err
	}
	pairs, err := g.Pairs(c.MultiClass, anchor)
	if err != nil {
		return nil, nil, err
	}
	return g, pairs, nil
}

// mmdPairRows lists, for each group pair (A, B), the rows of A then B and
// their MMD weights: +1/|A| for A's rows, −1/|B| for B's, so that
//
//	MMD²(A, B) = Σ_ab w_a w_b k(z_a, z_b).
func mmdPairRows(g *Groups, pairs []Pair) (rows [][]int32, wts [][]float64) {
	for _, p := range pairs {
		a, b := g.Members[p.A], g.Members[p.B]
		r := append(append(make([]int32, 0, len(a)+len(b)), a...), b...)
		w := make([]float64, len(r))
		for i := range w {
			if i < len(a) {
				w[i] = 1 / float64(len(a))
			} else {
				w[i] = -1 / float64(len(b))
			}
		}
		rows = append(rows, r)
		wts = append(wts, w)
	}
	return rows, wts
}

// Name implements recmodels.Hook.
func (m *MMDHook) Name() string { return "mmd" }

// Batch implements recmodels.Hook.
func (m *MMDHook) Batch(ctx context.Context, b recmodels.BatchInfo, U, gradU *dense.Matrix) (float64, error) {
	if b.Index%m.Every != 0 || m.Beta == 0 {
		return 0, nil
	}
	var v float64
	for i := range m.rows {
		x, err := m.mmd.eval(ctx, U.Data, U.Cols, m.rows[i], m.wts[i], gradU.Data, m.Beta)
		if err != nil {
			return 0, err
		}
		v += x
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("unlearning: retrain MMD² is %v at batch %d", v, b.Step)
	}
	return m.Beta * v, nil
}
