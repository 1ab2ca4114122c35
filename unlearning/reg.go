package unlearning

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
	"github.com/potau/potau/recmodels"
)

// L2Reg returns the parameter-space regulariser ‖U − U₀‖²_F and adds
// coef·2(U − U₀) to grad (skipped when grad is nil).
//
//	L = Σ_ik (U_ik − U₀_ik)²,   ∂L/∂U = 2(U − U₀)
func L2Reg[T Float](grad, u, u0 []T, coef float64) float64 {
	var s float64
	for i, v := range u {
		d := float64(v) - float64(u0[i])
		s += d * d
		if grad != nil {
			grad[i] += T(coef * 2 * d)
		}
	}
	return s
}

// RankHinge returns the ranking hinge (docs/method.md#rank) over recorded lists and
// adds coef·∂L/∂s to dS (skipped when dS is nil). scores[off[u]:off[u+1]] are
// the current scores of user u's recorded list, best first:
//
//	L = Σ_u Σ_n max(0, s_u[n+1] − s_u[n] + margin)
//	∂L/∂s_u[n+1] += 1, ∂L/∂s_u[n] −= 1   for every active hinge
//
// (a hinge exactly at 0 counts as inactive, PyTorch's subgradient of relu).
// A NaN score makes the loss NaN.
func RankHinge[T Float](dS, scores []T, off []int, margin, coef float64) float64 {
	var loss float64
	for u := 0; u+1 < len(off); u++ {
		s := scores[off[u]:off[u+1]]
		for n := 0; n+1 < len(s); n++ {
			h := float64(s[n+1]) - float64(s[n]) + margin
			if !(h <= 0) { // active, or NaN (propagated into the loss)
				loss += h
				if dS != nil {
					dS[off[u]+n+1] += T(coef)
					dS[off[u]+n] -= T(coef)
				}
			}
		}
	}
	return loss
}

// TopLists records each user's top-k items under model m among the items
// that are not the user's training positives (ties → the smaller item index).
// It returns the flattened (user, item) pairs, best first within a user, and
// off with user u's pairs at [off[u], off[u+1]). Users are scored in fixed
// blocks on at most workers goroutines (0 = GOMAXPROCS); ScoreAll must be
// safe for concurrent use.
func TopLists(ctx context.Context, m recmodels.Model, s *datasets.Split, k, workers int) (users, items []int32, off []int, err error) {
	nu, ni := m.NumUsers(), m.NumItems()
	if s == nil || len(s.Train) != nu {
		return nil, nil, nil, fmt.Errorf("unlearning: top lists need the split's training positives for %d users", nu)
	}
	lists := make([][]int32, nu)
	const blk = 64
	nb := (nu + blk - 1) / blk
	workers = min(parallel.Workers(workers), nb)
	type scratch struct {
		scores []float32
		idx    []int32
	}
	sc := make([]scratch, workers)
	errs := make([]error, nb)
	parallel.For(workers, nb, func(w, b int) {
		if err := ctx.Err(); err != nil {
			errs[b] = err
			return
		}
		buf := &sc[w]
		if buf.scores == nil {
			buf.scores, buf.idx = make([]float32, ni), make([]int32, 0, ni)
		}
		for u := b * blk; u < min(nu, (b+1)*blk); u++ {
			m.ScoreAll(buf.scores, u)
			buf.idx = buf.idx[:0]
			pos := s.Train[u]
			for i := 0; i < ni; i++ {
				if _, found := slices.BinarySearch(pos, int32(i)); !found {
					buf.idx = append(buf.idx, int32(i))
				}
			}
			lists[u] = topK(buf.idx, buf.scores, k)
		}
	})
	for _, e := range errs {
		if e != nil {
			return nil, nil, nil, e
		}
	}
	off = make([]int, nu+1)
	for u, l := range lists {
		off[u+1] = off[u] + len(l)
		for _, it := range l {
			users = append(users, int32(u))
			items = append(items, it)
		}
	}
	return users, items, off, nil
}

// topK returns the k candidates with the largest scores, best first; equal
// scores are ordered by item index. It reorders cand.
func topK(cand []int32, scores []float32, k int) []int32 {
	better := func(a, b int32) int {
		if c := cmp.Compare(scores[b], scores[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	if len(cand) <= k {
		slices.SortFunc(cand, better)
		return slices.Clone(cand)
	}
	// Keep a sorted window of the best k seen so far (k is small).
	top := slices.Clone(cand[:k])
	slices.SortFunc(top, better)
	for _, c := range cand[k:] {
		if better(c, top[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, c, better)
		copy(top[i+1:], top[i:k-1])
		top[i] = c
	}
	return top
}

// rankReg is the ranking-hinge regulariser bound to a model and its
// recorded lists.
type rankReg struct {
	score        func(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dU *dense.Matrix) error, error)
	users, items []int32
	off          []int
	margin       float64
	scores, dS   []float32
}

func (r *rankReg) eval(ctx context.Context, U, grad *dense.Matrix, coef float64) (float64, error) {
	back, err := r.score(ctx, U, r.users, r.items, r.scores)
	if err != nil {
		return 0, err
	}
	if grad == nil || coef == 0 {
		return RankHinge[float32](nil, r.scores, r.off, r.margin, 0), nil
	}
	clear(r.dS)
	v := RankHinge(r.dS, r.scores, r.off, r.margin, coef)
	return v, back(r.dS, grad)
}
