package unlearning

import (
	"context"
	"fmt"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
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
// that are not the user's training positives (recmodels.TopItems: ties →
// the smaller item index). It returns the flattened (user, item) pairs,
// best first within a user, and off with user u's pairs at
// [off[u], off[u+1]). Users are scored on at most workers goroutines
// (0 = GOMAXPROCS); the result does not depend on their number.
func TopLists(ctx context.Context, m recmodels.Model, s *datasets.Split, k, workers int) (users, items []int32, off []int, err error) {
	nu := m.NumUsers()
	if s == nil || len(s.Train) != nu {
		return nil, nil, nil, fmt.Errorf("unlearning: top lists need the split's training positives for %d users", nu)
	}
	lists, err := recmodels.TopItems(ctx, m, s.Train, k, workers)
	if err != nil {
		return nil, nil, nil, err
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
