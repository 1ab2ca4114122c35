package unlearning

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/recmodels"
)

// Objective is the post-training unlearning loss of one method bound to a
// model, its split and the users' labels:
//
//	L(U) = L_dist(U) + α·L_reg(U)
//
// Under target "table" U is the model's unlearnable user table and L_dist
// reads U. Under target "served" (docs/method.md#served) U is the model's
// served user parameters X (recmodels.ServedParams: NeuMF's [P | A],
// LightGCN's ego table) and L_dist reads the served representation R(X)
// (LightGCN: the propagated user embedding), its gradient flowing back
// through R; L_reg is the same function of the scores (or of U − U₀).
//
// with L_dist = U2U or D2D over the configured group pairs and, for the -R
// methods, L_reg = ‖U − U₀‖²_F ("l2") or the ranking hinge over each user's
// top-k list under the original model ("rank"). An Objective keeps scratch
// buffers and is not safe for concurrent use.
type Objective struct {
	Method Method
	Alpha  float64
	// Reg is "" (no regulariser), "l2" or "rank".
	Reg string

	m recmodels.Model
	// Target is "table" or "served" ("served" only for a model whose
	// served side is not its table; otherwise it is resolved to "table").
	Target string
	x0     *dense.Matrix // the parameters Eval's U stands for, at the start
	// attrs holds one term of L_dist per attribute: L_dist is their sum.
	attrs []attrTerm
	mmd   *mmdEngine[float32]
	u0    []float32 // the original table (l2)
	rank  *rankReg
	// lastM[i] is the bandwidth base m of the i-th MMD pair (attributes in
	// order, each attribute's pairs in order) at the last Eval; when
	// fixedM is non-nil its values are used instead (tests).
	lastM, fixedM []float64
	gDist         *dense.Matrix
	gReg          *dense.Matrix
	gRep          []*dense.Matrix // ∂L_dist/∂R of each served view
	// reps are the representations L_dist reads under target "served".
	reps []string
}

// attrTerm is one attribute's part of L_dist: its groups, their pairs under
// the multi-class form, and (MMD) each pair's rows and weights.
type attrTerm struct {
	groups *Groups
	pairs  []Pair
	rows   [][]int32
	wts    [][]float64
}

// NewObjective prepares method's objective for model m. labels has one entry
// per user (-1 = unknown, excluded from L_dist). For the ranking regulariser
// it records every user's top-k list under m (ScoreAll over the items not
// among the user's training positives in s).
func NewObjective(ctx context.Context, m recmodels.Model, s *datasets.Split, labels []int32, method Method, c Config) (*Objective, error) {
	return NewObjectiveMulti(ctx, m, s, [][]int32{labels}, method, c)
}

// NewObjectiveMulti is NewObjective for several attributes at once
// (docs/method.md#multiattr): labels[a] labels the users by attribute a, and
// L_dist is the sum over the attributes of each one's U2U or MMD² term, each
// with the configured multi-class form (the anchor, when not given, is each
// attribute's largest group).
func NewObjectiveMulti(ctx context.Context, m recmodels.Model, s *datasets.Split, labels [][]int32, method Method, c Config) (*Objective, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if method.Kind() != KindPostTraining {
		return nil, fmt.Errorf("unlearning: %v is not a post-training method (want U2U, U2U-R, D2D or D2D-R; adv and retrain go through Baseline)", method)
	}
	target := c.Target
	if recmodels.ServedIsTable(m.Kind()) {
		target = "table"
	}
	U := m.UserTable()
	if target == "served" {
		U = recmodels.ServedParams(m)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("unlearning: no attribute labels")
	}
	o := &Objective{Method: method, m: m, Target: target, x0: U,
		gDist: dense.New(U.Rows, U.Cols), gReg: dense.New(U.Rows, U.Cols)}
	if target == "served" {
		o.reps = c.ServedReps(m.Kind())
		have, _ := recmodels.ServedRepresentations(m.Kind())
		for _, r := range o.reps {
			if !slices.Contains(have, r) {
				return nil, fmt.Errorf("unlearning: served_representations: model %s serves no representation %q (it has: %s)", m.Kind(), r, strings.Join(have, ", "))
			}
		}
	}
	if method.UsesMMD() {
		o.mmd = newMMDEngine[float32](c.Kernels, c.Tile, c.Workers)
	}
	for a, l := range labels {
		if len(l) != m.NumUsers() || U.Rows != m.NumUsers() {
			return nil, fmt.Errorf("unlearning: %d labels (attribute %d) for a model of %d users (table %d×%d)", len(l), a, m.NumUsers(), U.Rows, U.Cols)
		}
		g, pairs, err := groupPairs(l, s, c)
		if err != nil {
			if len(labels) > 1 {
				err = fmt.Errorf("attribute %d: %w", a, err)
			}
			return nil, err
		}
		t := attrTerm{groups: g, pairs: pairs}
		if method.UsesMMD() {
			t.rows, t.wts = mmdPairRows(g, pairs)
		}
		o.attrs = append(o.attrs, t)
	}
	if method.Regularised() {
		o.Alpha, o.Reg = c.EffectiveAlpha(m.NumUsers()), c.Reg
		switch c.Reg {
		case "l2":
			o.u0 = U.Clone().Data
		case "rank":
			users, items, off, err := TopLists(ctx, m, s, c.TopK, c.Workers)
			if err != nil {
				return nil, err
			}
			o.rank = &rankReg{score: o.scorePairs, users: users, items: items, off: off, margin: c.Margin,
				scores: make([]float32, len(users)), dS: make([]float32, len(users))}
		}
	}
	return o, nil
}

// Params returns the parameters the objective's U stands for, at the
// start: the model's user table (target "table") or its served user
// parameters (target "served"). Callers must not modify it.
func (o *Objective) Params() *dense.Matrix { return o.x0 }

// Model returns the objective's model with its parameters set to U (not
// copied for a user table).
func (o *Objective) Model(U *dense.Matrix) (recmodels.Model, error) {
	if o.Target == "served" {
		return recmodels.WithServedParams(o.m, U)
	}
	return o.m.WithUserTable(U), nil
}

func (o *Objective) scorePairs(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dU *dense.Matrix) error, error) {
	if o.Target == "served" {
		return recmodels.ScoreServed(ctx, o.m, U, users, items, dst)
	}
	return o.m.ScorePairs(ctx, U, users, items, dst)
}

// view is one representation L_dist reads at U: R itself, its backward
// into ∂L/∂U (nil when R is U and its gradient is written into gDist
// directly), and the buffer for ∂L_dist/∂R.
type view struct {
	R    *dense.Matrix
	back func(dR, dU *dense.Matrix) error
	gR   *dense.Matrix
}

// views returns what L_dist reads at U: U itself under target "table", else
// each of the served representations (docs/method.md#served), in order.
// With grad, each view's gradient buffer is zeroed (o.gDist is zeroed by
// the caller).
func (o *Objective) views(ctx context.Context, U *dense.Matrix, grad bool) ([]view, error) {
	if o.Target != "served" {
		return []view{{R: U, gR: o.gDist}}, nil
	}
	vs := make([]view, len(o.reps))
	for i, name := range o.reps {
		R, back, err := recmodels.ServedRepresentation(ctx, o.m, U, name)
		if err != nil {
			return nil, err
		}
		vs[i] = view{R: R, back: back}
		if grad {
			if len(o.gRep) <= i {
				o.gRep = append(o.gRep, nil)
			}
			if o.gRep[i] == nil || !dense.SameShape(o.gRep[i], R) {
				o.gRep[i] = dense.New(R.Rows, R.Cols)
			}
			o.gRep[i].Zero()
			vs[i].gR = o.gRep[i]
		}
	}
	return vs, nil
}

// TermError reports a non-finite loss term or gradient.
type TermError struct {
	Step int    // 0-based optimiser step (-1 outside the optimiser)
	Term string // "dist" or "reg"
	What string // "value" or "gradient"
}

func (e *TermError) Error() string {
	return fmt.Sprintf("unlearning: step %d: %s of term %q is NaN or Inf", e.Step, e.What, e.Term)
}

// Eval returns the terms of L at U ("dist", "reg" for -R methods, and
// "total") and, when grad is non-nil, writes ∂L/∂U into grad. A non-finite
// value or gradient entry is a *TermError (with Step -1).
func (o *Objective) Eval(ctx context.Context, U, grad *dense.Matrix) (map[string]float64, error) {
	if !dense.SameShape(U, o.x0) || (grad != nil && !dense.SameShape(U, grad)) {
		return nil, fmt.Errorf("unlearning: table %d×%d does not match the model's %d×%d", U.Rows, U.Cols, o.x0.Rows, o.x0.Cols)
	}
	var gr []float32
	if grad != nil {
		o.gDist.Zero()
		o.gReg.Zero()
		gr = o.gReg.Data
	}
	vs, err := o.views(ctx, U, grad != nil)
	if err != nil {
		return nil, err
	}
	// L_dist is the sum over the views (in order) of each attribute's term
	// (attributes in order, each attribute's pairs in order), each MMD with
	// the bandwidth base m of its own view and pair.
	var dist float64
	if o.mmd != nil {
		o.lastM = o.lastM[:0]
	}
	for _, v := range vs {
		var gv []float32
		if grad != nil {
			gv = v.gR.Data
		}
		d := v.R.Cols
		var vd float64
		if o.mmd != nil {
			for _, t := range o.attrs {
				for i := range t.pairs {
					o.mmd.fixedM = 0
					if o.fixedM != nil {
						o.mmd.fixedM = o.fixedM[len(o.lastM)]
					}
					x, err := o.mmd.eval(ctx, v.R.Data, d, t.rows[i], t.wts[i], gv, 1)
					if err != nil {
						return nil, err
					}
					o.lastM = append(o.lastM, o.mmd.lastM)
					vd += x
				}
			}
		} else {
			for _, t := range o.attrs {
				vd += U2U(gv, v.R.Data, d, t.groups, t.pairs, 1)
			}
		}
		dist += vd
		if err := checkTerm("dist", dist, gv); err != nil {
			return nil, err
		}
		if v.back != nil && grad != nil {
			if err := v.back(v.gR, o.gDist); err != nil {
				return nil, err
			}
		}
	}
	var gd []float32 // ∂L_dist/∂U, once every view has added its part
	if grad != nil {
		gd = o.gDist.Data
		if err := checkTerm("dist", dist, gd); err != nil {
			return nil, err
		}
	}
	terms := map[string]float64{"dist": dist}
	total := dist
	if o.Reg != "" {
		var reg float64
		switch {
		case o.u0 != nil:
			reg = L2Reg(gr, U.Data, o.u0, 1)
		default:
			var gm *dense.Matrix
			if grad != nil {
				gm = o.gReg
			}
			v, err := o.rank.eval(ctx, U, gm, 1)
			if err != nil {
				return nil, err
			}
			reg = v
		}
		if err := checkTerm("reg", reg, gr); err != nil {
			return nil, err
		}
		terms["reg"] = reg
		total += o.Alpha * reg
	}
	terms["total"] = total
	if grad != nil {
		a := float32(o.Alpha)
		for i, v := range gd {
			if o.Reg != "" {
				v += a * gr[i]
			}
			grad.Data[i] = v
		}
		if err := checkTerm("total", total, grad.Data); err != nil {
			return nil, err
		}
	}
	return terms, nil
}

func checkTerm(term string, v float64, g []float32) error {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return &TermError{Step: -1, Term: term, What: "value"}
	}
	for _, x := range g {
		if x-x != 0 { // NaN or ±Inf
			return &TermError{Step: -1, Term: term, What: "gradient"}
		}
	}
	return nil
}
