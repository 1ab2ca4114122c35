package recmodels

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// LightGCN propagates ego embeddings X⁰ = [E_U; E_I] over the normalised
// bipartite train graph Â = D^{-1/2} A D^{-1/2} and averages the layers,
//
//	F = 1/(L+1) · Σ_{l=0..L} Â^l X⁰,       s(u, i) = F_u · F_{n_U+i}.
//
// The sum is evaluated by Horner's rule, Y₀ = X⁰, Y_k = X⁰ + Â·Y_{k−1},
// F = Y_L/(L+1), computing only the rows a mini-batch needs: Y_L on the batch
// nodes B, Y_{L−1} on their neighbours N(B), and so on. Because Â is symmetric
// the gradient is the same operator applied to G = ∂L/∂F,
//
//	∂L/∂X⁰ = 1/(L+1) · Σ_l Â^l G,
//
// again by Horner's rule, starting from G's few non-zero rows.
type LightGCN struct {
	cfg    Config
	EU, EI *tensor
	adj    *csr.Matrix
	train  [][]int32 // the graph's adjacency lists (for checkpoints)
	// ego is [E_U; E_I] in one buffer when EU.w and EI.w are its two parts
	// (as newLightGCN allocates them): training batches then read X⁰ in
	// place instead of copying it (nil otherwise).
	ego *dense.Matrix

	mu       sync.Mutex
	fu, fi   *dense.Matrix // cached final tables (nil = stale)
	work     *gcnWork      // training scratch
	pool     *sync.Pool    // ScorePairs scratch (*gcnWork), shared with WithUserTable copies
	bu, bi   []int32
	nWorkers int
	path     int // how training batches are propagated (pathAuto, pathSparse, pathDense)
}

// How a training batch is propagated. Both paths compute the same scores and
// gradients up to float32 rounding (they sum in different orders); the
// choice depends only on the batch and the graph, never on the number of
// workers, so a run is reproducible on any core count.
const (
	// pathAuto takes the dense path when the operator fits in
	// propDenseMaxBytes and the batch's cost model favours it.
	pathAuto = iota
	pathSparse
	pathDense
)

// defaultPath is the path new models take: pathAuto (benchmarks of this
// package switch it to time one path alone).
var defaultPath = pathAuto

// propDenseMaxBytes bounds the dense propagation operator P (n² float32):
// 512 MiB, n ≤ 11,585 nodes (ML-1M has 9,746: 380 MB).
const propDenseMaxBytes = 512 << 20

// propDenseRatio is how many dense multiply-adds cost as much as one
// stored entry of the sparse path times d: the dense kernels stream
// contiguous rows of P and X⁰, the sparse path gathers a row of X for each
// entry. Measured at ML-1M size, batch 256, one worker, on the 2-core AMD
// EPYC build machine (quiet, two runs of BenchmarkLightGCNBatchesML1M with
// POTAU_BATCHES=60 -test.cpu 1): the dense path's |B|·n ≈ 4.84 M
// (2·|B|·n·d = 619 M multiply-adds) took 15.5–15.6 ms forward + 18.1–18.3 ms
// backward, the sparse path's ≈ 4.1 M entries per direction took 9.0–10.2 +
// 9.5–10.3 ms, so the two cost the same at about 0.7: since the sparse row
// kernel advances two rows at a time (AVX-512) and the batch's serial work
// went, the sparse path is the faster one at ML-1M size too (it was 1.5,
// with dense the faster there, against the older sparse kernel). Only
// graphs whose L-hop neighbourhoods hold more than 1.4 entries per dense
// multiply-add of a batch take the dense path now.
const propDenseRatio = 0.7

func newLightGCN(c Config, nu, ni int, train [][]int32, seed uint64) (*LightGCN, error) {
	adj, err := csr.Bipartite(nu, ni, train)
	if err != nil {
		return nil, fmt.Errorf("recmodels: LightGCN graph: %w", err)
	}
	d := c.Dim
	ego := dense.New(nu+ni, d)
	m := &LightGCN{cfg: c, adj: adj, train: train, nWorkers: c.Workers, path: defaultPath, ego: ego,
		EU: &tensor{name: "user", w: &dense.Matrix{Rows: nu, Cols: d, Data: ego.Data[: nu*d : nu*d]}, g: dense.New(nu, d)},
		EI: &tensor{name: "item", w: &dense.Matrix{Rows: ni, Cols: d, Data: ego.Data[nu*d:]}, g: dense.New(ni, d)}}
	initNormal(m.EU.w, c.initStd(), seed, 0)
	initNormal(m.EI.w, c.initStd(), seed, 1)
	return m, nil
}

func (m *LightGCN) Kind() string             { return "lightgcn" }
func (m *LightGCN) NumUsers() int            { return m.EU.w.Rows }
func (m *LightGCN) NumItems() int            { return m.EI.w.Rows }
func (m *LightGCN) UserTable() *dense.Matrix { return m.EU.w }
func (m *LightGCN) config() Config           { return m.cfg }
func (m *LightGCN) tensors() []*tensor       { return []*tensor{m.EU, m.EI} }
func (m *LightGCN) userTensor() *tensor      { return m.EU }
func (m *LightGCN) invalidate() {
	m.mu.Lock()
	m.fu, m.fi = nil, nil
	m.mu.Unlock()
}

// WithUserTable returns a LightGCN sharing the item table and graph with m
// and using u as the ego user table.
func (m *LightGCN) WithUserTable(u *dense.Matrix) Model {
	mustTable("LightGCN", u, m.EU.w)
	return &LightGCN{cfg: m.cfg, EU: &tensor{name: "user", w: u}, EI: m.EI, adj: m.adj, train: m.train, nWorkers: m.nWorkers, pool: m.scratchPool()}
}

// finalTables returns the propagated user and item tables, computed once.
func (m *LightGCN) finalTables() (u, i *dense.Matrix) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fu == nil {
		w := newGCNWork(m.adj, m.cfg.Layers, m.EU.w.Rows, m.EU.w.Cols)
		w.loadEgo(m.EU.w, m.EI.w)
		f := w.propagateAll(m.nWorkers)
		nu, d := m.EU.w.Rows, m.EU.w.Cols
		m.fu = &dense.Matrix{Rows: nu, Cols: d, Data: f.Data[:nu*d]}
		m.fi = &dense.Matrix{Rows: m.EI.w.Rows, Cols: d, Data: f.Data[nu*d:]}
	}
	return m.fu, m.fi
}

// Embeddings returns the propagated (final) user and item tables.
func (m *LightGCN) Embeddings() (users, items *dense.Matrix) { return m.finalTables() }

func (m *LightGCN) Score(dst []float32, u int, items []int32) {
	fu, fi := m.finalTables()
	ur := fu.Row(u)
	for k, i := range items {
		dst[k] = dense.DotVec(ur, fi.Row(int(i)))
	}
}

func (m *LightGCN) ScoreAll(dst []float32, u int) {
	fu, fi := m.finalTables()
	ur := fu.Row(u)
	for i := range fi.Rows {
		dst[i] = dense.DotVec(ur, fi.Row(i))
	}
}

// gcnWork holds the buffers of one batch's propagation and its gradient.
type gcnWork struct {
	adj        *csr.Matrix
	layers, nu int
	x0         *dense.Matrix    // ego table [E_U; E_I]: x0own, or the model's ego buffer
	x0own      *dense.Matrix    // owned copy of the ego table (loadEgo)
	y          [2]*dense.Matrix // Horner ping-pong buffers (forward)
	h          [2]*dense.Matrix // Horner ping-pong buffers (backward; the same two buffers as y)
	g          *dense.Matrix    // ∂L/∂F/(L+1); zero outside the batch nodes
	f          *dense.Matrix    // F on the batch nodes' rows
	seen, mask []bool           // all false between calls
	nodes      []int32          // distinct batch nodes, in order of first appearance
	levels     [][]int32        // levels[k] = rows on which Y_k is needed (levelBuf[k] or allRows)
	levelBuf   [][]int32        // owned backing arrays of levels
	// Node sets as marks (0/1 per node): nbSet = N(B) when the forward
	// found it (nbValid), tSet the backward's T_k, lvSet scratch.
	nbSet, tSet, lvSet []byte
	nbValid            bool
	rows, rowsK        []int32 // T_{k−1} and T_k listed (backward, masked levels)
	sorted             []int32 // the batch nodes, ascending (backward)
	allRows            []int32

	// The dense path (training only): P = 1/(L+1)·Σ_l Â^l as an n×n
	// matrix, built at the first batch that takes the path.
	path     int
	prop     *dense.Matrix
	usedProp bool          // the last forward took the dense path
	dB       *dense.Matrix // ∂L/∂F on the batch nodes, compacted (|B|×d)
	pad      [][]float32   // per-worker destination rows padding a quad
}

func newGCNWork(adj *csr.Matrix, layers, nu, d int) *gcnWork {
	n := adj.Rows
	w := &gcnWork{adj: adj, layers: layers, nu: nu, x0own: dense.New(n, d), g: dense.New(n, d), f: dense.New(n, d),
		seen: make([]bool, n), mask: make([]bool, n), levels: make([][]int32, layers+1), levelBuf: make([][]int32, layers+1), path: pathSparse,
		nbSet: make([]byte, n), tSet: make([]byte, n), lvSet: make([]byte, n)}
	w.x0 = w.x0own
	for k := range w.y {
		// The forward's buffers are dead once F is taken from them, so
		// the backward reuses them.
		w.y[k] = dense.New(n, d)
		w.h[k] = w.y[k]
	}
	w.allRows = make([]int32, n)
	for i := range w.allRows {
		w.allRows[i] = int32(i)
	}
	return w
}

// loadEgo copies [u; it] into w's own ego buffer and propagates from it.
func (w *gcnWork) loadEgo(u, it *dense.Matrix) {
	w.x0 = w.x0own
	copy(w.x0.Data, u.Data)
	copy(w.x0.Data[len(u.Data):], it.Data)
}

// propagateAll returns a new matrix F = 1/(L+1)·Σ_l Â^l X⁰ over all rows.
func (w *gcnWork) propagateAll(workers int) *dense.Matrix {
	cur := w.x0
	for k := 1; k <= w.layers; k++ {
		next := w.y[k%2]
		csr.MulDenseRows(next, w.adj, cur, w.x0, w.allRows, nil, workers)
		cur = next
	}
	f := cur.Clone()
	dense.Scale(1/float32(w.layers+1), f.Data)
	return f
}

// forward computes F on the nodes of the pairs (users[k], nu+items[k]) and
// writes s_k = F_u·F_i into out. Row by row it computes the same bits as
// propagateAll. It keeps what backward needs.
func (w *gcnWork) forward(users, items []int32, out []float32, workers int) {
	w.nodes = w.nodes[:0]
	for k := range users {
		for _, v := range [2]int32{users[k], int32(w.nu) + items[k]} {
			if !w.seen[v] {
				w.seen[v] = true
				w.nodes = append(w.nodes, v)
			}
		}
	}
	for _, v := range w.nodes {
		w.seen[v] = false
	}
	// levels[L] = B, levels[k-1] = N(levels[k]) (ascending); once a level
	// covers more than half the graph, the lower ones are taken as all rows
	// (computing a few unneeded rows costs less than finding the needed
	// ones). Each row is computed alone, so which extra rows are computed
	// and in what order never changes a bit of the needed ones. N(B) is
	// kept for the backward.
	L := w.layers
	w.nbValid = false
	if L > 0 {
		w.levelBuf[L] = append(w.levelBuf[L][:0], w.nodes...)
		w.levels[L] = w.levelBuf[L]
	}
	for k := L; k >= 2; k-- {
		if 2*len(w.levels[k]) > len(w.allRows) {
			w.levels[k-1] = w.allRows
			continue
		}
		set := w.lvSet
		if k == L {
			set, w.nbValid = w.nbSet, true
		}
		clear(set)
		w.adj.MarkNeighbours(set, w.levels[k])
		w.levelBuf[k-1] = csr.AppendMarked(w.levelBuf[k-1][:0], set)
		w.levels[k-1] = w.levelBuf[k-1]
	}
	w.usedProp = w.takeDense()
	if w.usedProp {
		w.forwardDense(workers)
		for k := range users {
			out[k] = dense.DotVec(w.f.Row(int(users[k])), w.f.Row(w.nu+int(items[k])))
		}
		return
	}
	// The last level writes Y_L straight into F's rows and scales them to
	// F = Y_L/(L+1) in its parallel region, block by block.
	scale := 1 / float32(L+1)
	cur := w.x0
	for k := 1; k <= L; k++ {
		next, then := w.y[k%2], (func([]int32))(nil)
		if k == L {
			next, then = w.f, func(blk []int32) {
				for _, v := range blk {
					dense.Scale(scale, w.f.Row(int(v)))
				}
			}
		}
		csr.MulDenseRowsThen(next, w.adj, cur, w.x0, w.levels[k], nil, workers, then)
		cur = next
	}
	if L == 0 {
		for _, v := range w.nodes {
			copy(w.f.Row(int(v)), w.x0.Row(int(v))) // F = X⁰
		}
	}
	for k := range users {
		out[k] = dense.DotVec(w.f.Row(int(users[k])), w.f.Row(w.nu+int(items[k])))
	}
}

// backward turns dL/ds into dL/dX⁰ and adds it to the ego gradients: the
// user rows to gu, the item rows to gi (skipped when gi is nil), each
// element as gu_v ← fma(1, (dL/dX⁰)_v, gu_v), every row of the table (the
// rows where dL/dX⁰ is zero too).
//
//	G_u = Σ_k dS_k·F_{i_k}/(L+1),  G_i = Σ_k dS_k·F_{u_k}/(L+1)
//	H₀ = G, H_k = G + Â·H_{k−1},   dL/dX⁰ = H_L
//
// H_k is computed on T_k = T_{k−1} ∪ N(T_{k−1}) (T₀ = B), summing only over
// the columns in T_{k−1}, where H_{k−1} may be non-zero. When the last
// level covers every row, the addition to gu and gi runs in its parallel
// region, block by block.
func (w *gcnWork) backward(users, items []int32, dS []float32, workers int, gu, gi *dense.Matrix) {
	L := w.layers
	scale := 1 / float32(L+1)
	if w.usedProp {
		scale = 1 // P carries the 1/(L+1)
	}
	for k := range users {
		u, i := int(users[k]), w.nu+int(items[k])
		c := dS[k] * scale
		dense.AxpyVec(c, w.f.Row(i), w.g.Row(u))
		dense.AxpyVec(c, w.f.Row(u), w.g.Row(i))
	}
	if w.usedProp {
		w.addGrad(w.backwardDense(workers), gu, gi, workers)
		return
	}
	n := len(w.allRows)
	set := w.tSet // T_{k−1} while cnt < n
	clear(set)
	for _, v := range w.nodes {
		set[v] = 1
	}
	cnt := len(w.nodes)
	var masked []int32 // the rows whose mask flags are set
	cur, added := w.g, false
	for k := 1; k <= L; k++ {
		next := w.h[k%2]
		// Once T_{k−1} covers more than half the graph, compute all rows
		// without a mask: the extra terms are products with zero rows.
		if 2*cnt > n {
			cnt = n
			var then func([]int32)
			if k == L {
				then = func(blk []int32) { // consecutive rows
					w.addRows(next, gu, gi, int(blk[0]), int(blk[len(blk)-1])+1)
				}
				added = true
			}
			csr.MulDenseRowsThen(next, w.adj, cur, w.g, w.allRows, nil, workers, then)
			cur = next
			continue
		}
		if k == 1 {
			// T₀ = B: H₁ = G + Â·G in scatter form, touching only the
			// batch rows' edges instead of compacting every row of T₁.
			if w.nbValid {
				for j, m := range w.nbSet {
					set[j] |= m
				}
			} else {
				w.adj.MarkNeighbours(set, w.nodes)
			}
			cnt = csr.CountMarked(set) // |T₁|
			w.scatterFirst(next, workers)
			cur = next
			continue
		}
		w.rows = csr.AppendMarked(w.rows[:0], set) // T_{k−1} ⊇ the rows marked before
		for _, v := range w.rows {
			w.mask[v] = true
		}
		masked = w.rows
		w.adj.MarkNeighbours(set, w.rows)
		w.rowsK = csr.AppendMarked(w.rowsK[:0], set) // T_k
		cnt = len(w.rowsK)
		next.Zero()
		csr.MulDenseRows(next, w.adj, cur, w.g, w.rowsK, w.mask, workers)
		cur = next
	}
	for _, v := range masked {
		w.mask[v] = false
	}
	if !added {
		w.addGrad(cur, gu, gi, workers)
	}
	for _, v := range w.nodes {
		clear(w.g.Row(int(v)))
	}
}

// gradBlock is the number of rows in one parallel block of addGrad.
const gradBlock = 64

// addGrad adds every row of gx (n×d) to gu (user rows) and gi (item rows,
// skipped when nil), over fixed blocks of rows.
func (w *gcnWork) addGrad(gx, gu, gi *dense.Matrix, workers int) {
	n := gx.Rows
	parallel.For(workers, (n+gradBlock-1)/gradBlock, func(_, b int) {
		w.addRows(gx, gu, gi, b*gradBlock, min((b+1)*gradBlock, n))
	})
}

// addRows adds rows [lo, hi) of gx to gu and gi (AxpyVec with a = 1: each
// element is fma(1, x, y), the sum rounded once).
func (w *gcnWork) addRows(gx, gu, gi *dense.Matrix, lo, hi int) {
	d := gx.Cols
	if u := min(hi, w.nu); lo < u {
		dense.AxpyVec(1, gx.Data[lo*d:u*d], gu.Data[lo*d:u*d])
	}
	if l := max(lo, w.nu); gi != nil && l < hi {
		dense.AxpyVec(1, gx.Data[l*d:hi*d], gi.Data[(l-w.nu)*d:(hi-w.nu)*d])
	}
}

// scatterFirst sets next = H₁ = G + Â·G on every row (G is zero outside the
// batch nodes B, so H₁ is zero outside T₁ = B ∪ N(B)):
//
//	H₁_v = G_v + Σ_{b ∈ B, Â_vb ≠ 0} Â_vb·G_b      (b ascending)
//
// It walks the rows of the batch nodes (Â is symmetric, bit for bit: Bipartite
// stores the same float32 at (u, i) and (i, u)) and adds each term with
// dense.CombUnchecked, one term at a time, into the destination row. Every
// H₁_v is thus the same chain of operations, in the same ascending order of
// b, as the gather csr.MulDenseRows(next, Â, G, G, T₁, mask_B) computes, so
// the result is bit-identical to it; the destinations are split into
// ranges, one per worker, so no two goroutines write a row, and each range
// starts as a copy of G's rows in the same parallel region.
func (w *gcnWork) scatterFirst(next *dense.Matrix, workers int) {
	w.sorted = append(w.sorted[:0], w.nodes...)
	slices.Sort(w.sorted)
	a, b, d := w.adj, w.sorted, w.g.Cols
	// With the vector kernels and a width that is a multiple of 8, the
	// combination's step is one fused multiply-add per element, exactly
	// what AxpyVec does (without the call's per-term overhead).
	fused := dense.Accelerated() && w.g.Cols%8 == 0
	nb := parallel.Workers(workers)
	parallel.For(workers, nb, func(_, blk int) {
		lo, hi := parallel.Blocks(a.Rows, nb, blk)
		copy(next.Data[lo*d:hi*d], w.g.Data[lo*d:hi*d])
		for k := range b {
			if fused && a.ScatterRow(next, int(b[k]), lo, hi, w.g.Row(int(b[k]))) {
				continue // the same fma chain, one kernel call per batch row
			}
			p, end := a.RowPtr[b[k]], a.RowPtr[b[k]+1]
			p += sort.Search(end-p, func(q int) bool { return int(a.ColIdx[p+q]) >= lo })
			for ; p < end && int(a.ColIdx[p]) < hi; p++ {
				dst := next.Row(int(a.ColIdx[p]))
				if fused {
					dense.AxpyVec(a.Val[p], w.g.Row(int(b[k])), dst)
					continue
				}
				dense.CombUnchecked(dst, dst, a.Val[p:p+1], b[k:k+1], w.g)
			}
		}
	})
}

func (m *LightGCN) forward(_ context.Context, users, items []int32, out []float32) error {
	if m.work == nil {
		m.work = newGCNWork(m.adj, m.cfg.Layers, m.EU.w.Rows, m.EU.w.Cols)
	}
	m.work.path = m.path
	if x := m.egoTables(); x != nil {
		m.work.x0 = x // X⁰ read in place: the tables are its two parts
	} else {
		m.work.loadEgo(m.EU.w, m.EI.w)
	}
	m.bu, m.bi = users, items
	m.work.forward(users, items, out, m.nWorkers)
	return nil
}

func (m *LightGCN) backward(_ context.Context, dS []float32) error {
	m.work.backward(m.bu, m.bi, dS, m.nWorkers, m.EU.g, m.EI.g)
	return nil
}

// egoTables returns [E_U; E_I] as one matrix when the tables are still the
// two parts of m.ego, and nil otherwise.
func (m *LightGCN) egoTables() *dense.Matrix {
	u, i := m.EU.w.Data, m.EI.w.Data
	if m.ego == nil || len(u) == 0 || len(i) == 0 || len(u)+len(i) != len(m.ego.Data) ||
		&u[0] != &m.ego.Data[0] || &i[0] != &m.ego.Data[len(u)] {
		return nil
	}
	return m.ego
}

// scratchPool returns the pool of ScorePairs buffers, creating it once.
func (m *LightGCN) scratchPool() *sync.Pool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pool == nil {
		adj, L, nu, d := m.adj, m.cfg.Layers, m.EU.w.Rows, m.EU.w.Cols
		m.pool = &sync.Pool{New: func() any { return newGCNWork(adj, L, nu, d) }}
	}
	return m.pool
}

// ScorePairs scores pairs with ego user table U through the propagation; the
// backward adds dL/dU through the propagation (the user rows of dL/dX⁰).
func (m *LightGCN) ScorePairs(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dU *dense.Matrix) error, error) {
	if err := checkPairs(U, m.EU.w, m.NumItems(), users, items, dst); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	pool := m.scratchPool()
	w := pool.Get().(*gcnWork)
	w.loadEgo(U, m.EI.w)
	w.forward(users, items, dst, m.nWorkers)
	// w's buffers hold this call's forward state; the closure may run once.
	done := false
	return func(dS []float32, dU *dense.Matrix) error {
		if len(dS) != len(users) || !dense.SameShape(dU, U) {
			return fmt.Errorf("recmodels: LightGCN ScorePairs backward: dS %d (want %d), dU %dx%d (want %dx%d)", len(dS), len(users), dU.Rows, dU.Cols, U.Rows, U.Cols)
		}
		if done {
			return fmt.Errorf("recmodels: LightGCN ScorePairs backward called twice")
		}
		done = true
		if err := ctx.Err(); err != nil {
			return err
		}
		w.backward(users, items, dS, m.nWorkers, dU, nil)
		pool.Put(w) // buffers are reusable once the gradient is read
		return nil
	}, nil
}
