package experiments

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"

	"github.com/potau/potau/recmodels"
	"github.com/potau/potau/results"
	"github.com/potau/potau/unlearning"
)

// searchLeakage is the leakage the α search minimises for method's table
// under c, and what it is (results.AlphaSearch.Leakage;
// docs/method.md#alpha-auto):
//
//   - "audit" when the audit is on: the record's leakage, the largest mean
//     AUC over every representation and attacker of the audit and the
//     attack block (auditRecord), from the ordinary audit and attack
//     stages, worst over the attributes of data.attribute;
//   - "attack" otherwise: the worst case over the attributes of
//     data.attribute and the attackers of the attack block of the
//     sign-aware AUC max(AUC, 1 − AUC) — a mean AUC below 0.5 is an
//     over-matched table whose attribute an attacker that learns the sign
//     reads back (the audit's nested attackers measure that honestly).
//
// Every evaluation reads cached stages, so a rerun is free.
func (r *runner) searchLeakage(c *Config, b *dataBundle, method unlearning.Method, k keys) (float64, string, error) {
	if reps := auditReps(c); len(reps) > 0 {
		worst := 0.0
		for a := range c.Data.Attribute { // the worst attribute
			_, att, err := runStage(r, r.attackSpec(c, b, method, k, a))
			if err != nil {
				return 0, "", err
			}
			metas := make([]*stageMeta, len(reps))
			for i, rep := range reps {
				if _, metas[i], err = runStage(r, r.auditSpec(c, b, method, k, rep, a)); err != nil {
					return 0, "", err
				}
			}
			_, lk := auditRecord(c.Model.Kind, reps, metas, att.Attack)
			if lk == nil {
				return 0, "", fmt.Errorf("alpha search: the audit of %s gave no AUC", method)
			}
			worst = math.Max(worst, lk.AUC)
		}
		return worst, "audit", nil
	}
	worst := 0.0
	for i := range k.attacks {
		_, meta, err := runStage(r, r.attackSpec(c, b, method, k, i))
		if err != nil {
			return 0, "", err
		}
		for _, a := range meta.Attack {
			if s, ok := a["auc"]; ok {
				worst = math.Max(worst, math.Max(s.Mean, 1-s.Mean))
			}
		}
	}
	return worst, "attack", nil
}

// searchSplit is the split the α search measures HR@10 on: the validation
// split when the data has one, else test.
func searchSplit(b *dataBundle) string {
	if b.split.Protocol.Validation {
		return "valid"
	}
	return "test"
}

// hr10On returns HR@10 of method's table on split on ("test": the ordinary
// eval stage; "valid": a cached eval stage of its own).
func (r *runner) hr10On(c *Config, b *dataBundle, method unlearning.Method, k keys, on string) (float64, error) {
	spec := r.evalSpec(c, b, method, k)
	if on != "test" {
		spec = r.evalOnSpec(c, b, method, stageKey(stageEval, k.table, c.Eval, on), on)
	}
	_, meta, err := runStage(r, spec)
	if err != nil {
		return 0, err
	}
	v, ok := meta.Rec["hr@10"]
	if !ok {
		return 0, fmt.Errorf("alpha search: no HR@10 in the %s evaluation (eval.ks must include 10)", on)
	}
	return v, nil
}

// evalOnSpec: sampled (or full, as the split says) metrics of method's table
// on split on.
func (r *runner) evalOnSpec(c *Config, b *dataBundle, method unlearning.Method, key, on string) stageSpec[struct{}] {
	var m recmodels.Model
	return stageSpec[struct{}]{
		stage: stageEval, key: key, what: stageWhat("evaluating on "+on, c, method), load: metaOnly,
		prepare: func() (err error) {
			m, _, err = r.table(c, b, method)
			return err
		},
		compute: func(meta *stageMeta) (struct{}, error) {
			rec, err := recmodels.Evaluate(r.ctx, m, b.split, on, c.Eval.Ks)
			meta.Rec = rec
			return struct{}{}, err
		},
	}
}

// alphaResolved is a cell's config for one method with α resolved.
type alphaResolved struct {
	c      *Config
	search *results.AlphaSearch
}

// resolveAlpha returns the config a method of cell c runs with: c itself,
// or — under alpha: auto, for a method that takes α — a copy with the α the
// search chose (searchAlpha over [alpha_min, alpha_max] with alpha_evals
// evaluations, each an ordinary unlearn + eval + attack at one α), and the
// search's record. The search runs once per run and cell and method.
func (r *runner) resolveAlpha(c *Config, b *dataBundle, method unlearning.Method) (*Config, *results.AlphaSearch, error) {
	if !c.Unlearn.AlphaAuto || !method.TakesAlpha() {
		return c, nil, nil
	}
	v, err := r.once("alpha-search:"+method.String()+":"+hashJSON(c), func() (any, error) {
		on := searchSplit(b)
		ko := cellKeys(c, b.sum, unlearning.MethodOriginal)
		hr0, err := r.hr10On(c, b, unlearning.MethodOriginal, ko, on)
		if err != nil {
			return nil, err
		}
		at := func(alpha float64) *Config {
			c2 := *c
			c2.Unlearn.Alpha = alpha
			return &c2
		}
		u := c.Unlearn
		source := ""
		tried, chosen, feasible, err := searchAlpha(u.AlphaMin, u.AlphaMax, u.AlphaEvals, hr0, u.MaxHRDrop, func(alpha float64) (alphaEval, error) {
			c2 := at(alpha)
			k2 := cellKeys(c2, b.sum, method)
			hr, err := r.hr10On(c2, b, method, k2, on)
			if err != nil {
				return alphaEval{}, err
			}
			leak, src, err := r.searchLeakage(c2, b, method, k2)
			if err != nil {
				return alphaEval{}, err
			}
			source = src
			r.rep.Logf("alpha search %s/%s: α=%g leakage %.3f HR@10 %.4f (%s; original %.4f)", c.Model.Kind, method, alpha, leak, hr, on, hr0)
			return alphaEval{Leakage: leak, HR10: hr}, nil
		})
		if err != nil {
			return nil, err
		}
		s := &results.AlphaSearch{Chosen: tried[chosen].Alpha, Split: on, MaxHRDrop: u.MaxHRDrop, HR10Original: hr0,
			Leakage: source, Feasible: feasible}
		for _, e := range tried {
			s.Tried = append(s.Tried, results.AlphaTry{Alpha: e.Alpha, Leakage: e.Leakage, HR10: e.HR10})
		}
		slices.SortStableFunc(s.Tried, func(a, b results.AlphaTry) int {
			switch {
			case a.Alpha < b.Alpha:
				return -1
			case a.Alpha > b.Alpha:
				return 1
			}
			return 0
		})
		return alphaResolved{c: at(s.Chosen), search: s}, nil
	})
	if err != nil {
		return nil, nil, err
	}
	res := v.(alphaResolved)
	return res.c, res.search, nil
}

// searchPoint is one α of an α search as a dry run or collect sees it:
// the stages its evaluation reads and whether they are all in the cache.
type searchPoint struct {
	alpha  float64
	stages [][2]string // (stage, key)
	cached bool
}

// errSearchStops ends a replayed search at an evaluation not in the cache.
var errSearchStops = errors.New("alpha search: an evaluation is not in the cache")

// searchStagesAt lists the stages the search's evaluation at α reads: the
// unlearned table, HR@10 on the search split, the attacks and (when the
// audit is on) the audits of every representation and attribute.
func searchStagesAt(c *Config, sum string, method unlearning.Method, alpha float64, on string) (*Config, keys, [][2]string) {
	c2 := *c
	c2.Unlearn.Alpha = alpha
	k := cellKeys(&c2, sum, method)
	st := [][2]string{{string(k.tableStage), k.table}, {string(stageEval), evalOnKey(&c2, k, on)}}
	for _, a := range k.attacks {
		st = append(st, [2]string{string(stageAttack), a})
	}
	for _, rep := range auditReps(&c2) {
		for _, name := range c2.Data.Attribute {
			st = append(st, [2]string{string(stageAudit), auditKey(&c2, k, rep, name)})
		}
	}
	return &c2, k, st
}

// evalOnKey is the key of the eval stage hr10On reads for split on.
func evalOnKey(c *Config, k keys, on string) string {
	if on == "test" {
		return k.eval
	}
	return stageKey(stageEval, k.table, c.Eval, on)
}

// searchPlan replays the α search of method in cell c from the cache,
// computing nothing (a dry run, collect): the search is deterministic in
// the values it reads, so while its evaluations are cached the replay
// takes the same α as the run did. It returns the points in the order the
// search takes them (the bracket in grid order first), the number of
// evaluations that may still follow the first one not in the cache ("up
// to": golden section may stop early; their α depend on values not yet
// measured), and, when every evaluation is cached, the config at the chosen
// α. Without the original model's HR@10 the points are the bracket's,
// whose α are known in advance.
func (r *runner) searchPlan(c *Config, b *dataBundle, method unlearning.Method) (points []searchPoint, more int, chosen *Config, err error) {
	u := c.Unlearn
	on := searchSplit(b)
	point := func(alpha float64) searchPoint {
		_, _, st := searchStagesAt(c, b.sum, method, alpha, on)
		p := searchPoint{alpha: alpha, stages: st, cached: true}
		for _, s := range st {
			p.cached = p.cached && r.cache.Has(s[0], s[1])
		}
		return p
	}
	bracket := bracketAlphas(u.AlphaMin, u.AlphaMax, u.AlphaEvals)
	ko := cellKeys(c, b.sum, unlearning.MethodOriginal)
	if !r.cache.Has(string(stageTrain), ko.train) || !r.cache.Has(string(stageEval), evalOnKey(c, ko, on)) {
		for _, a := range bracket {
			points = append(points, point(a))
		}
		return points, u.AlphaEvals - len(bracket), nil, nil
	}
	prev := r.noCompute
	r.noCompute = true // nothing is computed: a missing stage is an error
	defer func() { r.noCompute = prev }()
	hr0, err := r.hr10On(c, b, unlearning.MethodOriginal, ko, on)
	if err != nil {
		return nil, 0, nil, err
	}
	var mu sync.Mutex
	seen := map[float64]searchPoint{}
	var adaptive []float64
	tried, best, _, err := searchAlpha(u.AlphaMin, u.AlphaMax, u.AlphaEvals, hr0, u.MaxHRDrop, func(alpha float64) (alphaEval, error) {
		p := point(alpha)
		mu.Lock()
		seen[alpha] = p
		if !slices.Contains(bracket, alpha) {
			adaptive = append(adaptive, alpha)
		}
		mu.Unlock()
		if !p.cached {
			return alphaEval{}, errSearchStops
		}
		c2, k2, _ := searchStagesAt(c, b.sum, method, alpha, on)
		hr, err := r.hr10On(c2, b, method, k2, on)
		if err != nil {
			return alphaEval{}, err
		}
		leak, _, err := r.searchLeakage(c2, b, method, k2)
		return alphaEval{Leakage: leak, HR10: hr}, err
	})
	for _, a := range append(slices.Clone(bracket), adaptive...) {
		if p, ok := seen[a]; ok {
			points = append(points, p)
		}
	}
	switch {
	case errors.Is(err, errSearchStops):
		return points, max(u.AlphaEvals-len(points), 0), nil, nil
	case err != nil:
		return nil, 0, nil, err
	}
	c2 := *c
	c2.Unlearn.Alpha = tried[best].Alpha
	return points, 0, &c2, nil
}
