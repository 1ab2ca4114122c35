package unlearning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/recmodels"
)

// Trace is the per-step log and the wall time of one unlearning run. Memory
// is not measured here: the process-wide peak belongs to the caller, which
// alone knows what else runs (experiments measures it per stage).
type Trace struct {
	Method Method `json:"method"`
	// Terms holds one value per optimiser step, measured at the iterate the
	// step starts from: "dist" (L_dist), "reg" (L_reg, unweighted; -R methods
	// only) and "total" (L_dist + α·L_reg).
	Terms map[string][]float64 `json:"terms"`
	// Final holds the same terms at the returned (last) iterate.
	Final map[string]float64 `json:"final"`
	// Seconds is the wall time of the run, including the ranking
	// regulariser's top-k lists.
	Seconds float64 `json:"seconds"`
	// SetupSeconds is the part of Seconds spent before the first step.
	SetupSeconds float64 `json:"setup_seconds"`
}

// Run unlearns the labels' attribute from model m with a post-training method
// (U2U, U2U-R, D2D, D2D-R): Adam over a copy of the user table (under
// c.Target "served": of the served user parameters, see Objective) for
// c.Steps full-batch steps, keeping the last iterate. It returns m re-bound
// to the new table(s) (every other parameter shared) and the trace. logf, when non-nil, is
// called after each step's evaluation with the step and its terms.
//
// A NaN or Inf in a loss term or gradient stops the run with a *TermError
// naming the step and the term; then no model or trace is returned.
func Run(ctx context.Context, m recmodels.Model, s *datasets.Split, labels []int32, method Method, c Config, logf func(step int, terms map[string]float64)) (recmodels.Model, *Trace, error) {
	return RunMulti(ctx, m, s, [][]int32{labels}, method, c, logf)
}

// RunMulti is Run for several attributes at once: labels[a] labels the
// users by attribute a and L_dist is the sum of the attributes' terms (see
// NewObjectiveMulti). With one attribute it is Run.
func RunMulti(ctx context.Context, m recmodels.Model, s *datasets.Split, labels [][]int32, method Method, c Config, logf func(step int, terms map[string]float64)) (recmodels.Model, *Trace, error) {
	start := time.Now()
	o, err := NewObjectiveMulti(ctx, m, s, labels, method, c)
	if err != nil {
		return nil, nil, err
	}
	U := o.Params().Clone()
	grad := dense.New(U.Rows, U.Cols)
	opt := NewAdam(len(U.Data), c.LR, c.Beta1, c.Beta2, c.Eps)
	tr := &Trace{Method: method, Terms: map[string][]float64{}}
	tr.SetupSeconds = time.Since(start).Seconds()
	for step := 0; step < c.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		terms, err := o.Eval(ctx, U, grad)
		if err != nil {
			return nil, nil, atStep(err, step)
		}
		for k, v := range terms {
			tr.Terms[k] = append(tr.Terms[k], v)
		}
		if logf != nil {
			logf(step, terms)
		}
		opt.Step(U.Data, grad.Data)
		if !finiteTable(U.Data) {
			return nil, nil, fmt.Errorf("unlearning: %s diverged at step %d: the Adam update left a non-finite value in the user table; the learning rate lr = %g is probably too large: try a smaller one (the default is %g)",
				method, step, c.LR, DefaultConfig().LR)
		}
	}
	final, err := o.Eval(ctx, U, nil)
	if err != nil {
		return nil, nil, atStep(err, c.Steps)
	}
	tr.Final = final
	tr.Seconds = time.Since(start).Seconds()
	um, err := o.Model(U)
	if err != nil {
		return nil, nil, err
	}
	return um, tr, nil
}

// finiteTable reports whether every value is finite (v−v is 0 for a
// finite v, NaN for ±Inf and NaN). One pass per step costs O(users·dim),
// below the objective's own evaluation.
func finiteTable(v []float32) bool {
	for _, x := range v {
		if x-x != 0 {
			return false
		}
	}
	return true
}

func atStep(err error, step int) error {
	var te *TermError
	if errors.As(err, &te) {
		c := *te
		c.Step = step
		return &c
	}
	return err
}
