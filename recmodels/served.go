package recmodels

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// The served side of a model: every user-side parameter the model scores
// with, as one matrix X with a row per user, and the user representation
// the scores read, as a differentiable function of X with every other
// parameter (items, tower, graph) held fixed. Unlearning with
// `unlearn.target: served` (docs/method.md#served) changes X and measures
// the representation:
//
//	model      X (N×D)                  served representation R(X)
//	MF         U                        U
//	NeuMF      [P | A]  (GMF ‖ MLP)     [P | A]
//	LightGCN   E_U      (ego)           F_U = 1/(L+1)·Σ_l (Â^l [E_U; E_I])_U
//	other      UserTable()              UserTable()
//
// For LightGCN the representation is linear in E_U with E_I fixed, and its
// adjoint is the same propagation (Â is symmetric):
//
//	∂L/∂E_U = (1/(L+1)·Σ_l Â^l [∂L/∂F_U; 0])_U.

// ServedParams returns a copy of m's served user parameters X.
func ServedParams(m Model) *dense.Matrix {
	if n, ok := m.(*NeuMF); ok {
		p, a := n.P.w, n.A.w
		x := dense.New(p.Rows, p.Cols+a.Cols)
		for u := range p.Rows {
			r := x.Row(u)
			copy(r, p.Row(u))
			copy(r[p.Cols:], a.Row(u))
		}
		return x
	}
	return m.UserTable().Clone()
}

// ServedIsTable reports whether a model kind's served parameters and
// representation are its unlearnable UserTable (MF), so that
// `unlearn.target: served` and `table` give the same result.
func ServedIsTable(kind string) bool { return kind != "neumf" && kind != "lightgcn" }

// WithServedParams returns a model sharing every parameter with m except
// its served user parameters, which become X (not copied for MF and
// LightGCN; split into the GMF and MLP tables for NeuMF). A shape that is
// not ServedParams(m)'s is an error.
func WithServedParams(m Model, X *dense.Matrix) (Model, error) {
	if n, ok := m.(*NeuMF); ok {
		p, a := n.P.w, n.A.w
		if X.Rows != p.Rows || X.Cols != p.Cols+a.Cols {
			return nil, fmt.Errorf("recmodels: NeuMF served parameters are %dx%d, want %dx%d (GMF %d + MLP %d columns)", X.Rows, X.Cols, p.Rows, p.Cols+a.Cols, p.Cols, a.Cols)
		}
		np, na := dense.New(p.Rows, p.Cols), dense.New(a.Rows, a.Cols)
		for u := range p.Rows {
			r := X.Row(u)
			copy(np.Row(u), r[:p.Cols])
			copy(na.Row(u), r[p.Cols:])
		}
		return n.withUserTables(np, na), nil
	}
	if !dense.SameShape(X, m.UserTable()) {
		return nil, fmt.Errorf("recmodels: %s served parameters are %dx%d, want %dx%d", m.Kind(), X.Rows, X.Cols, m.UserTable().Rows, m.UserTable().Cols)
	}
	return m.WithUserTable(X), nil
}

// withUserTables returns a NeuMF sharing every item-side and network
// parameter with m, with GMF user table p and MLP user table a.
func (m *NeuMF) withUserTables(p, a *dense.Matrix) *NeuMF {
	return &NeuMF{cfg: m.cfg, P: &tensor{name: "gmf_user", w: p}, Q: m.Q, A: &tensor{name: "mlp_user", w: a}, B: m.B,
		W: m.W, Bias: m.Bias, Wp: m.Wp, Bp: m.Bp, nWork: m.nWork}
}

// ServedUsers returns the served representation R(X) of every user (N×d_R)
// and its backward, which adds (∂L/∂R)ᵀ·∂R/∂X into dX given dR = ∂L/∂R.
// R may share memory with X (MF, NeuMF: R = X); callers must not modify it.
func ServedUsers(ctx context.Context, m Model, X *dense.Matrix) (R *dense.Matrix, backward func(dR, dX *dense.Matrix) error, err error) {
	if n, ok := m.(*NeuMF); ok {
		if X.Rows != n.P.w.Rows || X.Cols != n.P.w.Cols+n.A.w.Cols {
			return nil, nil, fmt.Errorf("recmodels: NeuMF served parameters are %dx%d, want %dx%d", X.Rows, X.Cols, n.P.w.Rows, n.P.w.Cols+n.A.w.Cols)
		}
	} else if !dense.SameShape(X, m.UserTable()) {
		return nil, nil, fmt.Errorf("recmodels: %s served parameters are %dx%d, want %dx%d", m.Kind(), X.Rows, X.Cols, m.UserTable().Rows, m.UserTable().Cols)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	g, ok := m.(*LightGCN)
	if !ok {
		return X, func(dR, dX *dense.Matrix) error {
			if !dense.SameShape(dR, X) || !dense.SameShape(dX, X) {
				return fmt.Errorf("recmodels: served backward: dR %dx%d, dX %dx%d, want %dx%d", dR.Rows, dR.Cols, dX.Rows, dX.Cols, X.Rows, X.Cols)
			}
			dense.AxpyVec(1, dR.Data, dX.Data)
			return ctx.Err()
		}, nil
	}
	pool := g.scratchPool()
	w := pool.Get().(*gcnWork)
	w.loadEgo(X, g.EI.w)
	f := w.propagateAll(g.nWorkers)
	pool.Put(w)
	nu, d := X.Rows, X.Cols
	R = &dense.Matrix{Rows: nu, Cols: d, Data: f.Data[:nu*d]}
	return R, func(dR, dX *dense.Matrix) error {
		if !dense.SameShape(dR, X) || !dense.SameShape(dX, X) {
			return fmt.Errorf("recmodels: LightGCN served backward: dR %dx%d, dX %dx%d, want %dx%d", dR.Rows, dR.Cols, dX.Rows, dX.Cols, X.Rows, X.Cols)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		w := pool.Get().(*gcnWork)
		defer pool.Put(w)
		// The adjoint of F = Y_L/(L+1), Y_k = X⁰ + Â·Y_{k−1}, is the same
		// recursion on G = [dR; 0] (Â symmetric): H_k = G + Â·H_{k−1}.
		G := w.x0
		copy(G.Data, dR.Data)
		clear(G.Data[len(dR.Data):])
		cur := G
		for k := 1; k <= w.layers; k++ {
			next := w.y[k%2]
			csr.MulDenseRows(next, w.adj, cur, G, w.allRows, nil, g.nWorkers)
			cur = next
		}
		s := 1 / float32(w.layers+1)
		for i, v := range cur.Data[:len(dX.Data)] {
			dX.Data[i] += s * v
		}
		return nil
	}, nil
}

// ServedRepresentations returns the representations of a model kind that
// a served unlearning loss can read (each a differentiable function of the
// served parameters X, see ServedRepresentation), in the order of
// Representations: MF user; NeuMF gmf, mlp-tower, concat; LightGCN ego,
// propagated. An unknown kind is an error.
func ServedRepresentations(kind string) ([]string, error) {
	reps, err := Representations(kind)
	if err != nil {
		return nil, err
	}
	return reps[:len(reps)-1], nil // every dense one: all but recommendations
}

// DefaultServedRepresentations is what `unlearn.target: served` reads by
// default for a model kind (docs/method.md#served): NeuMF its GMF table P
// and the concatenation [P | A] of its GMF and MLP tables, one MMD each
// (measured on ML-100K: P matched at its own bandwidth, the MLP table only
// jointly, so that it is not over-matched); LightGCN the propagated
// embedding; MF its table.
func DefaultServedRepresentations(kind string) []string {
	switch kind {
	case "neumf":
		return []string{RepGMF, RepConcat}
	case "lightgcn":
		return []string{RepPropagated}
	}
	return []string{RepUser}
}

// ServedRepresentation returns the representation name of every user as a
// function of the served parameters X (ServedParams' layout) with every
// other parameter fixed, and its backward, which adds (∂L/∂R)ᵀ·∂R/∂X into
// dX given dR = ∂L/∂R:
//
//	user, ego      R = X                         (the whole table)
//	gmf            R = X[:, 0:d]     = P         (NeuMF's GMF columns)
//	mlp-tower      R = X[:, d:d+h]   = A         (NeuMF's MLP columns)
//	concat         R = X             = [P | A]
//	propagated     R = F_U(X)                    (ServedUsers)
//
// R may share memory with X; callers must not modify it. A name the model
// does not serve is an error naming the ones it does.
func ServedRepresentation(ctx context.Context, m Model, X *dense.Matrix, name string) (R *dense.Matrix, backward func(dR, dX *dense.Matrix) error, err error) {
	have, err := ServedRepresentations(m.Kind())
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains(have, name) {
		return nil, nil, fmt.Errorf("recmodels: model %s serves no representation %q (it has: %s)", m.Kind(), name, strings.Join(have, ", "))
	}
	switch name {
	case RepGMF, RepMLPTower:
		n := m.(*NeuMF)
		d, h := n.P.w.Cols, n.A.w.Cols
		if X.Rows != n.P.w.Rows || X.Cols != d+h {
			return nil, nil, fmt.Errorf("recmodels: NeuMF served parameters are %dx%d, want %dx%d", X.Rows, X.Cols, n.P.w.Rows, d+h)
		}
		lo, w := 0, d
		if name == RepMLPTower {
			lo, w = d, h
		}
		R = dense.New(X.Rows, w)
		for u := range X.Rows {
			copy(R.Row(u), X.Row(u)[lo:lo+w])
		}
		return R, func(dR, dX *dense.Matrix) error {
			if !dense.SameShape(dR, R) || !dense.SameShape(dX, X) {
				return fmt.Errorf("recmodels: NeuMF %s backward: dR %dx%d (want %dx%d), dX %dx%d (want %dx%d)", name, dR.Rows, dR.Cols, R.Rows, R.Cols, dX.Rows, dX.Cols, X.Rows, X.Cols)
			}
			for u := range X.Rows {
				dense.AxpyVec(1, dR.Row(u), dX.Row(u)[lo:lo+w])
			}
			return ctx.Err()
		}, nil
	case RepPropagated:
		return ServedUsers(ctx, m, X)
	}
	// user, ego, concat: the served parameters themselves.
	if !dense.SameShape(X, ServedParamsShape(m)) {
		return nil, nil, fmt.Errorf("recmodels: %s served parameters are %dx%d, want %dx%d", m.Kind(), X.Rows, X.Cols, ServedParamsShape(m).Rows, ServedParamsShape(m).Cols)
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	return X, func(dR, dX *dense.Matrix) error {
		if !dense.SameShape(dR, X) || !dense.SameShape(dX, X) {
			return fmt.Errorf("recmodels: %s backward: dR %dx%d, dX %dx%d, want %dx%d", name, dR.Rows, dR.Cols, dX.Rows, dX.Cols, X.Rows, X.Cols)
		}
		dense.AxpyVec(1, dR.Data, dX.Data)
		return ctx.Err()
	}, nil
}

// ServedParamsShape is an empty matrix header of ServedParams(m)'s shape
// (Data is nil).
func ServedParamsShape(m Model) *dense.Matrix {
	if n, ok := m.(*NeuMF); ok {
		return &dense.Matrix{Rows: n.P.w.Rows, Cols: n.P.w.Cols + n.A.w.Cols}
	}
	u := m.UserTable()
	return &dense.Matrix{Rows: u.Rows, Cols: u.Cols}
}

// ScoreServed scores the pairs (users[k], items[k]) with served user
// parameters X into dst, and returns the backward that adds ∂L/∂X into dX
// given dS = ∂L/∂s. For NeuMF the gradient flows into both the GMF and the
// MLP columns of X through the network; otherwise it is ScorePairs.
func ScoreServed(ctx context.Context, m Model, X *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dX *dense.Matrix) error, error) {
	n, ok := m.(*NeuMF)
	if !ok {
		return m.ScorePairs(ctx, X, users, items, dst)
	}
	return n.scoreServed(ctx, X, users, items, dst)
}

// servedChunk bounds the pairs whose activations are held at once by
// NeuMF's served scoring (its memory is O(servedChunk·width)); a variable
// so that tests can put chunk boundaries inside small inputs.
var servedChunk = 4096

// scoreServed scores pairs with X = [P | A] through the training path
// (forwardRows/backwardRows, the same kernels as the evaluators'), in fixed
// chunks of servedChunk pairs. The backward recomputes each chunk's forward
// and accumulates ∂L/∂P_u and ∂L/∂A_u over the pairs in order, so the
// result does not depend on the number of workers.
func (m *NeuMF) scoreServed(ctx context.Context, X *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dX *dense.Matrix) error, error) {
	d, h := m.cfg.Dim, m.MLPDim()
	if X.Rows != m.P.w.Rows || X.Cols != d+h {
		return nil, fmt.Errorf("recmodels: NeuMF served parameters are %dx%d, want %dx%d", X.Rows, X.Cols, m.P.w.Rows, d+h)
	}
	if err := checkPairs(m.P.w, m.P.w, m.NumItems(), users, items, dst); err != nil {
		return nil, err
	}
	np, na := dense.New(X.Rows, d), dense.New(X.Rows, h)
	for u := range X.Rows {
		r := X.Row(u)
		copy(np.Row(u), r[:d])
		copy(na.Row(u), r[d:])
	}
	c := m.withUserTables(np, na)
	w := c.newWork(min(servedChunk, max(len(users), 1)))
	m.load(&w.wt)
	nw := parallel.Workers(m.nWork)
	w.prepare(nw)
	run := func(lo, hi int, out []float32) {
		w.users, w.items = users[lo:hi], items[lo:hi]
		n := hi - lo
		parallel.For(nw, (n+neuRowBlock-1)/neuRowBlock, func(wk, blk int) {
			c.forwardRows(w, &w.scr[wk], out, blk*neuRowBlock, min((blk+1)*neuRowBlock, n))
		})
	}
	for lo := 0; lo < len(users); lo += servedChunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		hi := min(lo+servedChunk, len(users))
		run(lo, hi, dst[lo:hi])
	}
	var mu sync.Mutex
	done := false
	return func(dS []float32, dX *dense.Matrix) error {
		mu.Lock()
		defer mu.Unlock()
		if len(dS) != len(users) || !dense.SameShape(dX, X) {
			return fmt.Errorf("recmodels: NeuMF served backward: dS %d (want %d), dX %dx%d (want %dx%d)", len(dS), len(users), dX.Rows, dX.Cols, X.Rows, X.Cols)
		}
		if done {
			return fmt.Errorf("recmodels: NeuMF served backward called twice")
		}
		done = true
		wp := m.Wp.w.Data[:d]
		scratch := make([]float32, min(servedChunk, len(users)))
		for lo := 0; lo < len(users); lo += servedChunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			hi := min(lo+servedChunk, len(users))
			n := hi - lo
			run(lo, hi, scratch[:n])
			ds := dS[lo:hi]
			parallel.For(nw, (n+neuRowBlock-1)/neuRowBlock, func(wk, blk int) {
				c.backwardRows(w, &w.scr[wk], ds, blk*neuRowBlock, min((blk+1)*neuRowBlock, n))
			})
			for k := 0; k < n; k++ {
				u, i := int(users[lo+k]), int(items[lo+k])
				r := dX.Row(u)
				q := m.Q.w.Row(i)
				s := ds[k]
				for c2 := 0; c2 < d; c2++ {
					r[c2] += s * wp[c2] * q[c2]
				}
				dense.AxpyVec(1, w.dx[0].Row(k)[:h], r[d:])
			}
		}
		return nil
	}, nil
}
