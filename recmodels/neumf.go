package recmodels

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// NeuMF is neural matrix factorisation (He et al. 2017) as in the reference:
// a GMF branch g = P_u ⊙ Q_i and an MLP branch over [A_u, B_i],
//
//	x₀ = [A_u, B_i],  x_{l+1} = ReLU(W_l x_l + b_l),  l = 0..L−1
//	s(u, i) = w_p · [g, x_L] + b_p
//
// with tower widths 2m → m → m/2 → … → m/2^{L−1} (m = MLPDim). The first
// layer is evaluated as W₀x₀ = W₀ᵁA_u + W₀ᴵB_i (the two column halves of W₀),
// so evaluation can precompute the per-user and per-item halves once and
// reproduce training's scores bit for bit.
type NeuMF struct {
	cfg        Config
	P, Q, A, B *tensor
	W, Bias    []*tensor // W[l] is out×in, Bias[l] is 1×out
	Wp, Bp     *tensor   // 1×(Dim + m/2^{L−1}), 1×1

	mu        sync.Mutex
	proj      *neuProj  // cached first-layer projections for evaluation
	work      *neuWork  // training scratch
	evalWorks sync.Pool // *neuWork scratch of Score and ScoreAll
	nWork     int
}

// neuProj holds the first-layer halves W₀ᵁA_u (users) and W₀ᴵB_i (items)
// and the transposed weights the tower multiplies by.
type neuProj struct {
	u, i *dense.Matrix
	wt   neuWeights
}

// neuWeights holds transposed weights: dense products run as row
// combinations x·Wᵀ = Σ_p x_p·(Wᵀ)_p.
type neuWeights struct {
	wuT, wiT *dense.Matrix   // the transposed column halves of W₀, m×out₀
	wT       []*dense.Matrix // wT[l] = W_lᵀ (in×out) for l ≥ 1
}

func (m *NeuMF) newWeights() neuWeights {
	h, out0 := m.MLPDim(), m.W[0].w.Rows
	nw := neuWeights{wuT: dense.New(h, out0), wiT: dense.New(h, out0),
		wT: make([]*dense.Matrix, len(m.W))}
	for l := 1; l < len(m.W); l++ {
		nw.wT[l] = dense.New(m.W[l].w.Cols, m.W[l].w.Rows)
	}
	return nw
}

// load copies the current weights into nw.
func (m *NeuMF) load(nw *neuWeights) {
	h := m.MLPDim()
	dense.TransposeCols(nw.wuT, m.W[0].w, 0)
	dense.TransposeCols(nw.wiT, m.W[0].w, h)
	for l := 1; l < len(m.W); l++ {
		dense.TransposeCols(nw.wT[l], m.W[l].w, 0)
	}
}

func newNeuMF(c Config, nu, ni int, seed uint64) *NeuMF {
	m := &NeuMF{cfg: c, nWork: c.Workers,
		P: newTensor("gmf_user", nu, c.Dim), Q: newTensor("gmf_item", ni, c.Dim),
		A: newTensor("mlp_user", nu, c.MLPDim), B: newTensor("mlp_item", ni, c.MLPDim)}
	std := c.initStd()
	initNormal(m.P.w, std, seed, 0)
	initNormal(m.Q.w, std, seed, 1)
	initNormal(m.A.w, std, seed, 2)
	initNormal(m.B.w, std, seed, 3)
	in := 2 * c.MLPDim
	for l := 0; l < c.Layers; l++ {
		out := in / 2
		w := newTensor(fmt.Sprintf("mlp_w%d", l), out, in)
		initUniform(w.w, math.Sqrt(6/float64(in+out)), seed, uint64(10+l)) // Xavier-uniform
		m.W = append(m.W, w)
		m.Bias = append(m.Bias, newTensor(fmt.Sprintf("mlp_b%d", l), 1, out))
		in = out
	}
	m.Wp = newTensor("predict_w", 1, c.Dim+in)
	initUniform(m.Wp.w, math.Sqrt(3/float64(c.Dim+in)), seed, 9) // Kaiming-uniform, a=1
	m.Bp = newTensor("predict_b", 1, 1)
	return m
}

func (m *NeuMF) Kind() string             { return "neumf" }
func (m *NeuMF) NumUsers() int            { return m.P.w.Rows }
func (m *NeuMF) NumItems() int            { return m.Q.w.Rows }
func (m *NeuMF) UserTable() *dense.Matrix { return m.P.w }
func (m *NeuMF) config() Config           { return m.cfg }
func (m *NeuMF) userTensor() *tensor      { return m.P }
func (m *NeuMF) tensors() []*tensor {
	ts := []*tensor{m.P, m.Q, m.A, m.B}
	for l := range m.W {
		ts = append(ts, m.W[l], m.Bias[l])
	}
	return append(ts, m.Wp, m.Bp)
}
func (m *NeuMF) invalidate() {
	m.mu.Lock()
	m.proj = nil
	m.mu.Unlock()
}

// Embeddings returns the GMF user and item tables.
func (m *NeuMF) Embeddings() (users, items *dense.Matrix) { return m.P.w, m.Q.w }

// WithUserTable returns a NeuMF sharing everything with m but the GMF user table.
func (m *NeuMF) WithUserTable(u *dense.Matrix) Model {
	mustTable("NeuMF", u, m.P.w)
	c := &NeuMF{cfg: m.cfg, P: &tensor{name: "gmf_user", w: u}, Q: m.Q, A: m.A, B: m.B, W: m.W, Bias: m.Bias, Wp: m.Wp, Bp: m.Bp, nWork: m.nWork}
	m.mu.Lock()
	c.proj = m.proj // the MLP branch does not depend on the GMF table
	m.mu.Unlock()
	return c
}

func (m *NeuMF) projections() *neuProj {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.proj == nil {
		w0 := m.W[0].w
		p := &neuProj{u: dense.New(m.A.w.Rows, w0.Rows), i: dense.New(m.B.w.Rows, w0.Rows), wt: m.newWeights()}
		m.load(&p.wt)
		dense.MulABDense(p.u, m.A.w, p.wt.wuT, m.nWork)
		dense.MulABDense(p.i, m.B.w, p.wt.wiT, m.nWork)
		m.proj = p
	}
	return m.proj
}

// MLPDim returns the MLP embedding dimension m.
func (m *NeuMF) MLPDim() int { return m.A.w.Cols }

// neuWork holds the activations of up to cap pairs.
type neuWork struct {
	users, items []int32
	zu, zi       *dense.Matrix   // first-layer halves for the pairs
	xs           []*dense.Matrix // xs[l] = x_l for l ≥ 1 (xs[0] unused)
	dx           []*dense.Matrix // ∂L/∂x_l
	g            *dense.Matrix   // GMF products
	wt           neuWeights      // the weights of the current batch
	x0           *dense.Matrix   // [A_u, B_i] per pair (the first layer's input)
	ident        []int32         // 0..max(2m, cap)−1: the indices of a dense row
	rowLoss      []float64       // per-pair BCE loss (bceStep)
	scr          []neuScratch    // per worker: combSparse's scratch
	tasks        []neuTask       // the fixed parameter-gradient tasks of a batch
}

// neuScratch is one worker's scratch for combSparse: a term list and a
// row of gathered coefficients (capacity: the widest coefficient row).
type neuScratch struct {
	terms []int32
	coef  []float32
}

// prepare makes sure each of nw workers has a scratch (the worker count is
// read at each call, so it may change between batches).
func (w *neuWork) prepare(nw int) {
	for len(w.scr) < nw {
		w.scr = append(w.scr, neuScratch{terms: make([]int32, len(w.ident)), coef: make([]float32, len(w.ident))})
	}
}

// neuTask is one block of the parameter-gradient phase of backward: rows
// [lo, hi) of ∂L/∂W_l (layer ≥ 0), or one of the small reductions over the
// batch (layer < 0, see neuTaskKind).
type neuTask struct{ layer, lo, hi int }

const (
	taskPredict = -1 - iota // ∂L/∂w_p, ∂L/∂b_p
	taskBias                // ∂L/∂b_l for every l
	taskGMF                 // ∂L/∂P, ∂L/∂Q (touched rows)
	taskMLPEmb              // ∂L/∂A, ∂L/∂B (touched rows)
)

func (m *NeuMF) newWork(n int) *neuWork {
	h := m.MLPDim()
	w := &neuWork{g: dense.New(n, m.cfg.Dim), rowLoss: make([]float64, n)}
	w.xs = make([]*dense.Matrix, len(m.W)+1)
	w.dx = make([]*dense.Matrix, len(m.W)+1)
	for l, wl := range m.W {
		w.xs[l+1] = dense.New(n, wl.w.Rows)
		w.dx[l+1] = dense.New(n, wl.w.Rows)
	}
	out0 := m.W[0].w.Rows
	w.zu, w.zi = dense.New(n, out0), dense.New(n, out0)
	w.dx[0] = dense.New(n, 2*h)
	w.x0 = dense.New(n, 2*h)
	w.wt = m.newWeights()
	w.ident = make([]int32, max(2*h, n))
	for p := range w.ident {
		w.ident[p] = int32(p)
	}
	w.prepare(1) // the scratch of scoreBlock's calling goroutine
	// The gradient tasks, the largest first so that the blocks balance.
	for l := 0; l < len(m.W); l++ {
		for lo := 0; lo < m.W[l].w.Rows; lo += neuRowBlock {
			w.tasks = append(w.tasks, neuTask{l, lo, min(lo+neuRowBlock, m.W[l].w.Rows)})
		}
	}
	w.tasks = append(w.tasks, neuTask{layer: taskMLPEmb}, neuTask{layer: taskGMF}, neuTask{layer: taskBias}, neuTask{layer: taskPredict})
	return w
}

// neuRowBlock is the number of pairs (or weight rows) per parallel block of
// training; blocks are fixed, so results do not depend on the worker count.
const neuRowBlock = 16

// neuCols is the column window of the products (a multiple of 16). Whole
// rows (256 ≥ every output of the reference tower) measured faster than
// L1-sized windows of 16–64 columns: the four-row kernel reads each vector
// of X once per four rows, which L2 sustains.
const neuCols = 256

// neuGradCols is the column window of the weight gradients (see neuCols).
const neuGradCols = 256

// combSparse sets, for k in [lo, hi), row k of dst to the combination
//
//	dst_k = Σ_{p < np} c[k·cs + p·ps] · X_p
//
// in column windows of win: four rows at a time over only the terms where
// one of the four has a non-zero coefficient (dense.Union4, dense.Comb4;
// ReLU outputs and masked gradients are about half zeros), the leftover rows
// one by one over every term (dense.CombColsUnchecked). Every element is the
// chain of the dense combination over all p in ascending order — a skipped
// term would add ±0 to a chain started at +0 (see dense.Comb4) — so the
// result does not depend on the grouping, and equals the evaluators' MulAB.
// A dense c (embedding rows) skips the search for zeros: every term is
// visited. sc is the caller's scratch (capacity ≥ np), ident holds 0..np−1.
func combSparse(dst *dense.Matrix, c []float32, cs, ps, np int, isDense bool, x *dense.Matrix, lo, hi, win int, sc *neuScratch, ident []int32) {
	terms := sc.terms
	cols := x.Cols
	k := lo
	for ; k+4 <= hi; k += 4 {
		ck := c[k*cs:]
		n := np
		if isDense {
			terms = ident
		} else {
			n = dense.Union4(terms, ck, cs, ps, np)
		}
		for c0 := 0; c0 < cols; c0 += win {
			c1 := min(c0+win, cols)
			d := [4][]float32{dst.Row(k)[c0:c1], dst.Row(k + 1)[c0:c1], dst.Row(k + 2)[c0:c1], dst.Row(k + 3)[c0:c1]}
			dense.Comb4(&d, ck, cs, ps, terms[:n], x, c0)
		}
	}
	for ; k < hi; k++ {
		coef := c[k*cs : k*cs+np]
		if ps != 1 {
			coef = sc.coef[:np]
			for p := range coef {
				coef[p] = c[k*cs+p*ps]
			}
		}
		for c0 := 0; c0 < cols; c0 += win {
			c1 := min(c0+win, cols)
			dense.CombColsUnchecked(dst.Row(k)[c0:c1], coef, ident[:np], x, c0)
		}
	}
}

// rows returns the first n rows of a scratch matrix.
func rows(x *dense.Matrix, n int) *dense.Matrix {
	return &dense.Matrix{Rows: n, Cols: x.Cols, Data: x.Data[:n*x.Cols]}
}

// tower runs layers 1..L−1 and the predict layer from x₁ (already in
// w.xs[1]) for n pairs whose GMF products are in w.g, writing scores.
func (m *NeuMF) tower(w *neuWork, wt *neuWeights, n int, out []float32) {
	for l := 1; l < len(m.W); l++ {
		xin, xout := w.xs[l], w.xs[l+1]
		combSparse(xout, xin.Data, xin.Cols, 1, xin.Cols, false, wt.wT[l], 0, n, neuCols, &w.scr[0], w.ident)
		b := m.Bias[l].w.Data
		for k := 0; k < n; k++ {
			r := xout.Row(k)
			dense.BiasReLU(r, r, nil, b)
		}
	}
	d := m.cfg.Dim
	wp := m.Wp.w.Data
	xl := w.xs[len(m.W)]
	for k := 0; k < n; k++ {
		out[k] = dense.DotVec(wp[:d], w.g.Row(k)) + dense.DotVec(wp[d:], xl.Row(k)) + m.Bp.w.Data[0]
	}
}

// firstLayer sets x₁ = ReLU(zu + zi + b₀) for n pairs.
func (m *NeuMF) firstLayer(w *neuWork, n int) {
	m.firstLayerRows(w, 0, n)
}

// firstLayerRows is firstLayer for pairs [lo, hi).
func (m *NeuMF) firstLayerRows(w *neuWork, lo, hi int) {
	b := m.Bias[0].w.Data
	for k := lo; k < hi; k++ {
		dense.BiasReLU(w.xs[1].Row(k), w.zu.Row(k), w.zi.Row(k), b)
	}
}

// forward scores the pairs in fixed blocks of neuRowBlock pairs, each block
// on one goroutine from the gather to the score. Every row is computed by
// the same kernels as the evaluators' (MulAB's row combinations), so the
// result does not depend on the blocking.
func (m *NeuMF) forward(_ context.Context, users, items []int32, out []float32) error {
	n := len(users)
	if m.work == nil || m.work.g.Rows < n {
		m.work = m.newWork(n)
	}
	w := m.work
	w.users, w.items = users, items
	m.load(&w.wt)
	nw := parallel.Workers(m.nWork)
	w.prepare(nw)
	parallel.For(nw, (n+neuRowBlock-1)/neuRowBlock, func(wk, blk int) {
		m.forwardRows(w, &w.scr[wk], out, blk*neuRowBlock, min((blk+1)*neuRowBlock, n))
	})
	return nil
}

// forwardRows scores pairs [lo, hi) of the batch in w into out, from the
// gather to the predict layer, on the calling goroutine.
func (m *NeuMF) forwardRows(w *neuWork, sc *neuScratch, out []float32, lo, hi int) {
	users, items := w.users, w.items
	h := m.MLPDim()
	d := m.cfg.Dim
	L := len(m.W)
	wp := m.Wp.w.Data
	bp := m.Bp.w.Data[0]
	for k := lo; k < hi; k++ {
		u, i := int(users[k]), int(items[k])
		x0 := w.x0.Row(k)
		copy(x0[:h], m.A.w.Row(u))
		copy(x0[h:], m.B.w.Row(i))
		g, p, q := w.g.Row(k), m.P.w.Row(u), m.Q.w.Row(i)
		for c := range g {
			g[c] = p[c] * q[c]
		}
	}
	// z = x₀·[W₀ᵁ W₀ᴵ]ᵀ: the halves [A_u] and [B_i] of x₀ times W₀'s halves.
	x0 := w.x0
	combSparse(w.zu, x0.Data, x0.Cols, 1, h, true, w.wt.wuT, lo, hi, neuCols, sc, w.ident)
	combSparse(w.zi, x0.Data[h:], x0.Cols, 1, h, true, w.wt.wiT, lo, hi, neuCols, sc, w.ident)
	m.firstLayerRows(w, lo, hi)
	for l := 1; l < L; l++ {
		xl := w.xs[l]
		combSparse(w.xs[l+1], xl.Data, xl.Cols, 1, xl.Cols, false, w.wt.wT[l], lo, hi, neuCols, sc, w.ident)
		b := m.Bias[l].w.Data
		for k := lo; k < hi; k++ {
			r := w.xs[l+1].Row(k)
			dense.BiasReLU(r, r, nil, b)
		}
	}
	xl := w.xs[L]
	for k := lo; k < hi; k++ {
		out[k] = dense.DotVec(wp[:d], w.g.Row(k)) + dense.DotVec(wp[d:], xl.Row(k)) + bp
	}
}

// backward accumulates every parameter's gradient from dL/ds in two
// parallel phases over fixed blocks: first, per block of pairs, the chain
// ∂L/∂x_L → ∂L/∂z_l → ∂L/∂x_l down to x₀; then, per block of weight rows
// (and one block per reduction over the batch), the parameter gradients,
// each element accumulated over the pairs in batch order.
func (m *NeuMF) backward(_ context.Context, dS []float32) error {
	w := m.work
	n := len(w.users)
	nw := parallel.Workers(m.nWork)
	w.prepare(nw)
	parallel.For(nw, (n+neuRowBlock-1)/neuRowBlock, func(wk, blk int) {
		m.backwardRows(w, &w.scr[wk], dS, blk*neuRowBlock, min((blk+1)*neuRowBlock, n))
	})
	m.backwardParams(w, dS)
	return nil
}

// bceStep is forward, the BCE loss gradient and backward in one pass over
// the blocks of pairs (each block from the gather to ∂L/∂x₀ on one
// goroutine), then the parameter gradients: the arithmetic of lossGrad's
// forward/backward path, with one synchronisation fewer per batch.
func (m *NeuMF) bceStep(_ context.Context, users, items []int32, labels, logits, dOut []float32) (float64, error) {
	n := len(users)
	if m.work == nil || m.work.g.Rows < n {
		m.work = m.newWork(n)
	}
	w := m.work
	w.users, w.items = users, items
	m.load(&w.wt)
	nw := parallel.Workers(m.nWork)
	w.prepare(nw)
	parallel.For(nw, (n+neuRowBlock-1)/neuRowBlock, func(wk, blk int) {
		lo, hi := blk*neuRowBlock, min((blk+1)*neuRowBlock, n)
		sc := &w.scr[wk]
		m.forwardRows(w, sc, logits, lo, hi)
		for k := lo; k < hi; k++ {
			z, y := float64(logits[k]), float64(labels[k])
			w.rowLoss[k] = softplus(z) - y*z
			dOut[k] = float32((sigmoid(z) - y) / float64(n))
		}
		m.backwardRows(w, sc, dOut, lo, hi)
	})
	var sum float64
	for _, l := range w.rowLoss[:n] {
		sum += l
	}
	m.backwardParams(w, dOut)
	return sum, nil
}

// backwardRows runs the chain ∂L/∂x_L → ∂L/∂z_l → ∂L/∂x_l down to x₀ for
// pairs [lo, hi), keeping the masked dz_l for
// backwardParams.
func (m *NeuMF) backwardRows(w *neuWork, sc *neuScratch, dS []float32, lo, hi int) {
	d := m.cfg.Dim
	L := len(m.W)
	wp := m.Wp.w.Data
	for k := lo; k < hi; k++ {
		c := dS[k]
		dx := w.dx[L].Row(k)
		for o := range dx {
			dx[o] = c * wp[d+o]
		}
	}
	for l := L - 1; l >= 0; l-- {
		// dz_l = dx_{l+1} ⊙ 1[x_{l+1} > 0] (in place), then dx_l = dz_l·W_l.
		c := w.dx[l+1].Cols
		dense.ReluGrad(w.dx[l+1].Data[lo*c:hi*c], w.xs[l+1].Data[lo*c:hi*c])
		dz := w.dx[l+1]
		combSparse(w.dx[l], dz.Data, dz.Cols, 1, dz.Cols, false, m.W[l].w, lo, hi, neuCols, sc, w.ident)
	}
}

// backwardParams computes every parameter gradient from the state
// backwardRows left, in parallel over fixed tasks (blocks of weight rows,
// and one task per reduction over the batch), each element accumulated
// over the pairs in batch order.
func (m *NeuMF) backwardParams(w *neuWork, dS []float32) {
	n := len(w.users)
	d := m.cfg.Dim
	L := len(m.W)
	h := m.MLPDim()
	wp := m.Wp.w.Data
	nw := parallel.Workers(m.nWork)
	w.prepare(nw)
	parallel.For(nw, len(w.tasks), func(wk, t int) {
		task := w.tasks[t]
		switch task.layer {
		case taskPredict:
			gp := m.Wp.g.Data
			xl := w.xs[L]
			for k := 0; k < n; k++ {
				c := dS[k]
				dense.AxpyVec(c, w.g.Row(k), gp[:d])
				dense.AxpyVec(c, xl.Row(k), gp[d:])
				m.Bp.g.Data[0] += c
			}
		case taskBias:
			for l := 0; l < L; l++ {
				bg := m.Bias[l].g.Data
				for k := 0; k < n; k++ {
					dense.AxpyVec(1, w.dx[l+1].Row(k), bg)
				}
			}
		case taskGMF:
			for k := 0; k < n; k++ {
				c := dS[k]
				u, i := int(w.users[k]), int(w.items[k])
				pu, qi := m.P.w.Row(u), m.Q.w.Row(i)
				gu, gi := m.P.g.Row(u), m.Q.g.Row(i)
				for c2 := 0; c2 < d; c2++ {
					dg := c * wp[c2]
					gu[c2] += dg * qi[c2]
					gi[c2] += dg * pu[c2]
				}
			}
		case taskMLPEmb:
			dx0 := w.dx[0]
			for k := 0; k < n; k++ {
				r := dx0.Row(k)
				dense.AxpyVec(1, r[:h], m.A.g.Row(int(w.users[k])))
				dense.AxpyVec(1, r[h:], m.B.g.Row(int(w.items[k])))
			}
		default:
			// ∂L/∂W_l = dz_lᵀ·x_l, with x₀ = [A_u, B_i]; rows [lo, hi).
			l := task.layer
			xs := w.x0
			if l > 0 {
				xs = w.xs[l]
			}
			xin := rows(xs, n)
			// Row o of ∂L/∂W_l is Σ_k dz_l[k][o]·x_l[k]: the coefficients are
			// column o of dz_l (four adjacent columns per group, no transpose).
			dz := w.dx[l+1]
			combSparse(m.W[l].g, dz.Data, 1, dz.Cols, n, false, xin, task.lo, task.hi, neuGradCols, &w.scr[wk], w.ident)
		}
	})
}

// evalBlock is the number of pairs scored together.
const evalBlock = 256

// scoreBlock writes the scores of n ≤ evalBlock pairs (uOf(k), iOf(k)) into
// dst, with GMF user table U, using the cached first-layer projections and
// w's scratch (capacity ≥ n).
func (m *NeuMF) scoreBlock(w *neuWork, U *dense.Matrix, n int, uOf, iOf func(k int) int, dst []float32) {
	pr := m.projections()
	for k := 0; k < n; k++ {
		u, i := uOf(k), iOf(k)
		copy(w.zu.Row(k), pr.u.Row(u))
		copy(w.zi.Row(k), pr.i.Row(i))
		g, p, q := w.g.Row(k), U.Row(u), m.Q.w.Row(i)
		for c := range g {
			g[c] = p[c] * q[c]
		}
	}
	m.firstLayer(w, n)
	m.tower(w, &pr.wt, n, dst[:n])
}

func (m *NeuMF) Score(dst []float32, u int, items []int32) {
	w := m.evalWork()
	defer m.evalWorks.Put(w)
	for lo := 0; lo < len(items); lo += evalBlock {
		n := min(evalBlock, len(items)-lo)
		m.scoreBlock(w, m.P.w, n, func(int) int { return u }, func(k int) int { return int(items[lo+k]) }, dst[lo:])
	}
}

func (m *NeuMF) ScoreAll(dst []float32, u int) {
	w := m.evalWork()
	defer m.evalWorks.Put(w)
	for lo := 0; lo < m.NumItems(); lo += evalBlock {
		n := min(evalBlock, m.NumItems()-lo)
		m.scoreBlock(w, m.P.w, n, func(int) int { return u }, func(k int) int { return lo + k }, dst[lo:])
	}
}

// evalWork returns scratch for scoring evalBlock pairs, from the pool that
// Score and ScoreAll share (they are called per user, concurrently, e.g. by
// TopItems: one scratch per call would allocate about a megabyte per user).
// Scratch holds no state between calls, so reuse does not change a score.
func (m *NeuMF) evalWork() *neuWork {
	if w, ok := m.evalWorks.Get().(*neuWork); ok {
		return w
	}
	return m.newWork(evalBlock)
}

// ScorePairs scores pairs with GMF user table U; the MLP branch does not
// depend on U, so the backward adds dL/dU_u = Σ_k dS_k·(w_p^{GMF} ⊙ Q_{i_k}).
func (m *NeuMF) ScorePairs(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dU *dense.Matrix) error, error) {
	if err := checkPairs(U, m.P.w, m.NumItems(), users, items, dst); err != nil {
		return nil, err
	}
	nw := parallel.Workers(m.nWork)
	works := make([]*neuWork, nw)
	for k := range works {
		works[k] = m.newWork(evalBlock)
	}
	nb := (len(users) + evalBlock - 1) / evalBlock
	var cerr error
	var once sync.Once
	parallel.For(nw, nb, func(wk, b int) {
		if err := ctx.Err(); err != nil {
			once.Do(func() { cerr = err })
			return
		}
		lo := b * evalBlock
		n := min(evalBlock, len(users)-lo)
		m.scoreBlock(works[wk], U, n, func(k int) int { return int(users[lo+k]) }, func(k int) int { return int(items[lo+k]) }, dst[lo:])
	})
	if cerr != nil {
		return nil, cerr
	}
	return func(dS []float32, dU *dense.Matrix) error {
		if len(dS) != len(users) || !dense.SameShape(dU, U) {
			return fmt.Errorf("recmodels: NeuMF ScorePairs backward: dS %d (want %d), dU %dx%d (want %dx%d)", len(dS), len(users), dU.Rows, dU.Cols, U.Rows, U.Cols)
		}
		wp := m.Wp.w.Data[:m.cfg.Dim]
		for k, u := range users {
			q, du := m.Q.w.Row(int(items[k])), dU.Row(int(u))
			for c := range du {
				du[c] += dS[k] * wp[c] * q[c]
			}
		}
		return ctx.Err()
	}, nil
}
