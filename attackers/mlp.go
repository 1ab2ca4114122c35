package attackers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
)

// MLP is a multi-layer perceptron classifier with the semantics of
// scikit-learn's MLPClassifier (solver "adam", activation "relu", no early
// stopping):
//
//	a₀ = x,  a_{l+1} = relu(a_l·W_lᵀ + b_l)  (hidden layers)
//	p = σ(a_L·W_Lᵀ + b_L)                    (binary, one logistic output)
//	p = softmax(a_L·W_Lᵀ + b_L)              (K > 2 classes)
//
// (W_l is stored out × in, so the weight gradient D_lᵀ·a_l skips the rows
// ReLU zeroed.) The products run on the fitting goroutine with
// internal/dense's float64 kernels, which repeat gonum's Dgemm operation
// for operation (bit-identical results) without its goroutines: the
// protocol already runs one fold per core.
//
// Each minibatch B (rows shuffled every epoch, |B| = min(200, n) unless
// configured) minimises the log-loss plus an L2 penalty on the weights:
//
//	L_B = −(1/|B|) Σ_{i∈B} w_i Σ_k y_ik·log p_ik  +  (α/(2|B|)) Σ_l ‖W_l‖²_F
//
// with p clipped to [ε, 1−ε] (ε the float64 machine epsilon) and w_i = 1
// unless sample weights are given. Weights and biases start uniform in
// ±sqrt(6/(fan_in+fan_out)) (scikit-learn's _init_coef uses factor 2 only
// when the hidden activation is logistic, so with ReLU every layer uses 6).
// Adam updates every parameter θ with gradient g at step t:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²
//	θ ← θ − η·sqrt(1−β₂ᵗ)/(1−β₁ᵗ) · m/(sqrt(v)+ε)
//
// The epoch loss is the row-weighted mean of the batch losses; training
// stops after max_iter epochs or when the epoch loss has failed to drop
// below best−tol for more than n_iter_no_change consecutive epochs
// (scikit-learn's _update_no_improvement_count).
type MLP struct {
	cfg     MLPConfig
	classes int
	W       []*mat.Dense // W[l]: size_{l+1} × size_l (out × in)
	B       [][]float64  // B[l]: size_{l+1}
	// LossCurve is the epoch loss of the last Fit.
	LossCurve []float64
	iters     int
	scaler    *Scaler // non-nil when cfg.Standardize
}

// NewMLP returns an unfitted MLP.
func NewMLP(cfg MLPConfig) *MLP { return &MLP{cfg: cfg} }

// Name returns "mlp", or "mlp-std" when it standardises its input.
func (m *MLP) Name() string {
	if m.cfg.Standardize {
		return "mlp-std"
	}
	return "mlp"
}

// Iterations returns the number of epochs of the last Fit.
func (m *MLP) Iterations() int { return m.iters }

// Settings returns the configuration.
func (m *MLP) Settings() MLPConfig { return m.cfg }

// mlpWork holds the per-fit scratch buffers, sized for the full batch.
type mlpWork struct {
	act   []*mat.Dense // act[l]: batch × size_l (act[0] = input rows)
	delta []*mat.Dense // delta[l]: batch × size_l, l ≥ 1
	gW    []*mat.Dense
	gB    [][]float64
	y     *mat.Dense // one-hot (or 0/1 column) targets
	w     []float64  // batch sample weights
}

func (m *MLP) sizes(in int) []int {
	out := 1
	if m.classes > 2 {
		out = m.classes
	}
	s := append([]int{in}, m.cfg.HiddenLayerSizes...)
	return append(s, out)
}

func (m *MLP) init(in int, r *rand.Rand) {
	s := m.sizes(in)
	m.W = make([]*mat.Dense, len(s)-1)
	m.B = make([][]float64, len(s)-1)
	for l := range m.W {
		bound := math.Sqrt(6 / float64(s[l]+s[l+1]))
		w := make([]float64, s[l]*s[l+1])
		for i := range w {
			w[i] = -bound + 2*bound*r.Float64()
		}
		b := make([]float64, s[l+1])
		for i := range b {
			b[i] = -bound + 2*bound*r.Float64()
		}
		m.W[l] = mat.NewDense(s[l+1], s[l], w)
		m.B[l] = b
	}
}

func (m *MLP) newWork(in, batch int) *mlpWork {
	s := m.sizes(in)
	wk := &mlpWork{}
	for l, n := range s {
		wk.act = append(wk.act, mat.NewDense(batch, n, nil))
		if l == 0 {
			wk.delta = append(wk.delta, nil)
		} else {
			wk.delta = append(wk.delta, mat.NewDense(batch, n, nil))
		}
	}
	for l := range m.W {
		wk.gW = append(wk.gW, mat.NewDense(s[l+1], s[l], nil))
		wk.gB = append(wk.gB, make([]float64, s[l+1]))
	}
	wk.y = mat.NewDense(batch, s[len(s)-1], nil)
	wk.w = make([]float64, batch)
	return wk
}

func rowsOf(d *mat.Dense, n int) *mat.Dense {
	_, c := d.Dims()
	return d.Slice(0, n, 0, c).(*mat.Dense)
}

// forward fills act[1..] for the first n rows of act[0] and returns the
// output probabilities view.
func (m *MLP) forward(wk *mlpWork, n int) *mat.Dense {
	L := len(m.W)
	for l := 0; l < L; l++ {
		in, out := rowsOf(wk.act[l], n), rowsOf(wk.act[l+1], n)
		dense.MulABT64(out.RawMatrix(), in.RawMatrix(), m.W[l].RawMatrix())
		raw := out.RawMatrix()
		b := m.B[l]
		if l < L-1 { // bias and ReLU in one pass
			dense.AddBiasReLU64(raw, b)
			continue
		}
		for i := 0; i < n; i++ {
			row := raw.Data[i*raw.Stride : i*raw.Stride+raw.Cols]
			b := b[:len(row)]
			for j := range row {
				row[j] += b[j]
			}
			if raw.Cols == 1 { // logistic
				row[0] = sigmoid(row[0])
			} else {
				softmax(row)
			}
		}
	}
	return rowsOf(wk.act[L], n)
}

func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + math.Exp(-z))
	}
	e := math.Exp(z)
	return e / (1 + e)
}

func softmax(row []float64) {
	mx := row[0]
	for _, v := range row[1:] {
		mx = math.Max(mx, v)
	}
	var s float64
	for j, v := range row {
		row[j] = math.Exp(v - mx)
		s += row[j]
	}
	for j := range row {
		row[j] /= s
	}
}

// backprop runs forward and backward passes on the first n rows of
// act[0] (targets in wk.y, weights in wk.w), leaves the gradient of L_B in
// gW, gB and returns L_B.
func (m *MLP) backprop(wk *mlpWork, n int) float64 {
	const eps = 0x1p-52 // np.finfo(float64).eps, scikit-learn's clip
	L := len(m.W)
	p := m.forward(wk, n)
	pr := p.RawMatrix()
	yr := rowsOf(wk.y, n).RawMatrix()
	dL := rowsOf(wk.delta[L], n)
	dr := dL.RawMatrix()
	var loss float64
	for i := 0; i < n; i++ {
		w := wk.w[i]
		for j := 0; j < pr.Cols; j++ {
			pv := pr.Data[i*pr.Stride+j]
			yv := yr.Data[i*yr.Stride+j]
			c := math.Min(math.Max(pv, eps), 1-eps)
			if pr.Cols == 1 {
				if yv != 0 {
					loss -= w * yv * math.Log(c)
				}
				if yv != 1 {
					loss -= w * (1 - yv) * math.Log(1-c)
				}
			} else if yv != 0 {
				loss -= w * yv * math.Log(c)
			}
			dr.Data[i*dr.Stride+j] = w * (pv - yv)
		}
	}
	nb := float64(n)
	loss /= nb
	var sq float64
	for _, W := range m.W {
		for _, v := range W.RawMatrix().Data {
			sq += v * v
		}
	}
	loss += 0.5 * m.cfg.Alpha * sq / nb
	for l := L - 1; l >= 0; l-- {
		a, d := rowsOf(wk.act[l], n), rowsOf(wk.delta[l+1], n)
		g := wk.gW[l]
		dense.MulATB64(g.RawMatrix(), d.RawMatrix(), a.RawMatrix()) // skips the zeros ReLU left in d
		gd, wd := g.RawMatrix().Data, m.W[l].RawMatrix().Data
		dense.AddScaledDiv64(gd, wd, m.cfg.Alpha, nb) // (g + α·W)/|B|
		gb := wk.gB[l]
		clear(gb)
		dense.AddColSums64(gb, d.RawMatrix()) // rows in order, from +0
		for j := range gb {
			gb[j] /= nb
		}
		if l > 0 {
			dp := rowsOf(wk.delta[l], n)
			dense.MulAB64(dp.RawMatrix(), d.RawMatrix(), m.W[l].RawMatrix())
			// ReLU derivative: zero where the activation is +0 (an
			// activation is ≥ 0, and +0 iff its bits are all zero).
			dense.MaskZero64(dp.RawMatrix(), a.RawMatrix())
		}
	}
	return loss
}

// loadBatch copies rows idx of X (and their targets and weights) into the
// batch buffers.
func (m *MLP) loadBatch(wk *mlpWork, X *mat.Dense, y []int, w []float64, idx []int) {
	xr := wk.act[0].RawMatrix()
	yr := wk.y.RawMatrix()
	for b, i := range idx {
		copy(xr.Data[b*xr.Stride:b*xr.Stride+xr.Cols], X.RawRowView(i))
		row := yr.Data[b*yr.Stride : b*yr.Stride+yr.Cols]
		for j := range row {
			row[j] = 0
		}
		if yr.Cols == 1 {
			if y[i] == 1 {
				row[0] = 1
			}
		} else {
			row[y[i]] = 1
		}
		wk.w[b] = 1
		if w != nil {
			wk.w[b] = w[i]
		}
	}
}

// Fit trains the network from a fresh initialisation drawn from the
// stream (seed, "attackers/mlp-init"); epochs are shuffled by (seed, "attackers/mlp-shuffle").
func (m *MLP) Fit(ctx context.Context, X *mat.Dense, y []int, w []float64, classes int, seed uint64) error {
	if err := checkFit(X, y, w, classes); err != nil {
		return err
	}
	if err := m.cfg.Validate(); err != nil {
		return fmt.Errorf("attackers: mlp: %w", err)
	}
	n, d := X.Dims()
	m.scaler = nil
	if m.cfg.Standardize {
		sc, err := FitScaler(X, nil)
		if err != nil {
			return err
		}
		Z := mat.NewDense(n, d, nil)
		sc.Transform(Z, X, nil)
		X, m.scaler = Z, sc
	}
	m.classes = classes
	m.init(d, rng.New(seed, "attackers/mlp-init"))
	shuf := rng.New(seed, "attackers/mlp-shuffle")
	batch := m.cfg.BatchSize
	if batch == 0 || batch > n {
		batch = min(200, n)
	}
	wk := m.newWork(d, batch)
	var params, grads [][]float64
	for l := range m.W {
		params = append(params, m.W[l].RawMatrix().Data)
		grads = append(grads, wk.gW[l].RawMatrix().Data)
	}
	for l := range m.B {
		params = append(params, m.B[l])
		grads = append(grads, wk.gB[l])
	}
	adam := newAdam(params, m.cfg)
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	best, count := math.Inf(1), 0
	m.LossCurve = m.LossCurve[:0]
	m.iters = 0
	for it := 0; it < m.cfg.MaxIter; it++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		shuf.Shuffle(n, func(a, b int) { idx[a], idx[b] = idx[b], idx[a] })
		var acc float64
		for lo := 0; lo < n; lo += batch {
			hi := min(lo+batch, n)
			m.loadBatch(wk, X, y, w, idx[lo:hi])
			acc += m.backprop(wk, hi-lo) * float64(hi-lo)
			adam.step(params, grads)
		}
		loss := acc / float64(n)
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			return errors.New("attackers: mlp: training loss diverged")
		}
		m.LossCurve = append(m.LossCurve, loss)
		m.iters++
		if loss > best-m.cfg.Tol {
			count++
		} else {
			count = 0
		}
		if loss < best {
			best = loss
		}
		if count > m.cfg.NIterNoChange {
			break
		}
	}
	return nil
}

// PredictProba writes the class probabilities of the rows of X into dst.
func (m *MLP) PredictProba(dst, X *mat.Dense) error {
	if m.W == nil {
		return errors.New("attackers: mlp: predict before fit")
	}
	n, d := X.Dims()
	if _, in := m.W[0].Dims(); in != d {
		return fmt.Errorf("attackers: mlp: fitted on %d features, got %d", in, d)
	}
	if r, c := dst.Dims(); r != n || c != m.classes {
		return fmt.Errorf("attackers: mlp: dst is %d×%d, want %d×%d", r, c, n, m.classes)
	}
	if m.scaler != nil {
		Z := mat.NewDense(n, d, nil)
		m.scaler.Transform(Z, X, nil)
		X = Z
	}
	const chunk = 512
	wk := m.newWork(d, min(chunk, n))
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		xr := wk.act[0].RawMatrix()
		for i := lo; i < hi; i++ {
			copy(xr.Data[(i-lo)*xr.Stride:(i-lo)*xr.Stride+xr.Cols], X.RawRowView(i))
		}
		p := m.forward(wk, hi-lo)
		for i := lo; i < hi; i++ {
			if m.classes == 2 {
				p1 := p.At(i-lo, 0)
				dst.Set(i, 0, 1-p1)
				dst.Set(i, 1, p1)
				continue
			}
			for k := 0; k < m.classes; k++ {
				dst.Set(i, k, p.At(i-lo, k))
			}
		}
	}
	return nil
}

// adam is scikit-learn's AdamOptimizer over a list of parameter slices.
type adam struct {
	lr, b1, b2, eps float64
	t               int
	ms, vs          [][]float64
}

func newAdam(params [][]float64, c MLPConfig) *adam {
	a := &adam{lr: c.LearningRateInit, b1: c.Beta1, b2: c.Beta2, eps: c.Epsilon}
	for _, p := range params {
		a.ms = append(a.ms, make([]float64, len(p)))
		a.vs = append(a.vs, make([]float64, len(p)))
	}
	return a
}

// step applies one update with internal/dense's Adam64 kernel:
//
//	m ← β₁m + (1−β₁)g,  v ← β₂v + ((1−β₂)g)g,  p ← p − (η_t·m)/(sqrt(v)+ε)
func (a *adam) step(params, grads [][]float64) {
	a.t++
	lr := a.lr * math.Sqrt(1-math.Pow(a.b2, float64(a.t))) / (1 - math.Pow(a.b1, float64(a.t)))
	c := dense.Adam64Coef{B1: a.b1, C1: 1 - a.b1, B2: a.b2, C2: 1 - a.b2, LR: lr, Eps: a.eps}
	for k, p := range params {
		dense.Adam64(p, grads[k], a.ms[k], a.vs[k], &c)
	}
}
