package experiments

import (
	"fmt"
	"slices"
	"strings"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/recmodels"
	"github.com/potau/potau/results"
	"github.com/potau/potau/unlearning"
)

// AuditConfig configures the leakage audit of every table
// (docs/method.md#audit): each representation of the model's users
// (recmodels.Representations) is attacked by every audit attacker, plain
// and nested, and the record gains the outcomes and their worst case.
type AuditConfig struct {
	// Enabled runs the audit (off by default).
	Enabled bool `yaml:"enabled" json:"enabled"`
	// Representations lists what to attack: "user" (MF), "gmf",
	// "mlp-tower", "concat" (NeuMF), "ego", "propagated" (LightGCN),
	// "recommendations" (every model). Empty: every representation of the
	// model. A name the model does not have is a config error.
	Representations []string `yaml:"representations" json:"representations"`
	// The attackers, nesting, shuffling, permutation null and the logreg
	// and knn settings (attackers.AuditConfig); the cross-validation layout
	// and the MLP and GBDT settings come from the attack block.
	attackers.AuditConfig `yaml:",inline"`
}

// DefaultAuditConfig is the audit off, with attackers.DefaultAuditConfig's
// attackers when it is turned on.
//
// One change to the attackers' defaults: logreg is solved to a relative
// gradient of 1e-6, not 1e-9. On the sparse recommendation tables (0/1
// columns, many of them rare) L-BFGS needs hundreds of iterations per fit
// to reach 1e-9 and sometimes stalls just above it (1.2e-8 after 1,000
// iterations on the quickstart's LightGCN recommendations); the objective
// is strictly convex, so at 1e-6 the coefficients — and the AUC, a function
// of their ranking of the held-out users — are those of the exact optimum
// far below the reported three decimals (scikit-learn's own lbfgs default
// stops at 1e-4).
func DefaultAuditConfig() AuditConfig {
	a := AuditConfig{AuditConfig: attackers.DefaultAuditConfig()}
	a.LogReg.Tol = 1e-6
	return a
}

// sparseAttackers are the audit attackers that accept a sparse table.
var sparseAttackers = []string{"logreg", "knn"}

// Validate checks the block against the model kind; errors carry key paths
// relative to the audit block.
func (a AuditConfig) Validate(kind string) error {
	if err := a.AuditConfig.Validate(); err != nil {
		return err
	}
	have, err := recmodels.Representations(kind)
	if err != nil {
		return nil // model.kind reports it
	}
	seen := map[string]bool{}
	for i, r := range a.Representations {
		key := fmt.Sprintf("representations[%d]", i)
		if !slices.Contains(have, r) {
			return cfgerr.New(key, "model %s has no representation %q (it has: %s)", kind, r, strings.Join(have, ", "))
		}
		if seen[r] {
			return cfgerr.New(key, "%q is listed twice", r)
		}
		seen[r] = true
	}
	if a.Enabled && slices.Contains(a.reps(kind), recmodels.RepRecommendations) && len(a.forRep(recmodels.RepRecommendations).Attackers) == 0 {
		return cfgerr.New("attackers", "the recommendations representation is attacked by %s only and none is listed, got %q (drop recommendations from audit.representations or add an attacker)",
			strings.Join(sparseAttackers, " and "), a.Attackers)
	}
	return nil
}

// reps are the representations the audit attacks for a model kind, in the
// model's order.
func (a AuditConfig) reps(kind string) []string {
	have, _ := recmodels.Representations(kind)
	if len(a.Representations) == 0 {
		return have
	}
	var out []string
	for _, r := range have {
		if slices.Contains(a.Representations, r) {
			out = append(out, r)
		}
	}
	return out
}

// auditReps lists the representations a cell's audit attacks (none when
// the audit is off).
func auditReps(c *Config) []string {
	if !c.Audit.Enabled {
		return nil
	}
	return c.Audit.reps(c.Model.Kind)
}

// forRep is the attackers.AuditConfig run on representation rep: a sparse
// table is attacked by logreg and knn only (the MLPs and trees need dense
// features).
func (a AuditConfig) forRep(rep string) attackers.AuditConfig {
	cfg := a.AuditConfig
	if rep != recmodels.RepRecommendations {
		return cfg
	}
	keep := func(l []string) []string {
		var out []string
		for _, x := range l {
			if slices.Contains(sparseAttackers, x) {
				out = append(out, x)
			}
		}
		return out
	}
	cfg.Attackers, cfg.Null = keep(cfg.Attackers), keep(cfg.Null)
	return cfg
}

// auditKey is the key of the audit of representation rep of a table for
// attribute attr (one name of data.attribute): the table, the attribute
// (the name alone, as when data.attribute was one string), the representation, the attack protocol (folds,
// repeats, balancing, MLP and GBDT settings), the audit settings that rep
// runs with and the seed.
func auditKey(c *Config, k keys, rep, attr string) string {
	return stageKey(stageAudit, k.table, attr, rep, c.Attack, c.Audit.forRep(rep), c.Seed)
}

// auditSpec: the audit of one representation of a method's table for the
// i-th attribute of data.attribute (0: the primary one; the result is the
// meta's Audit).
func (r *runner) auditSpec(c *Config, b *dataBundle, method unlearning.Method, k keys, rep string, i int) stageSpec[struct{}] {
	var (
		m    recmodels.Model
		attr *datasets.Attribute
	)
	name := c.Data.Attribute[i]
	what := "auditing " + rep + " of"
	if len(c.Data.Attribute) > 1 {
		what = "auditing " + rep + " (" + name + ") of"
	}
	return stageSpec[struct{}]{
		stage: stageAudit, key: auditKey(c, k, rep, name), what: stageWhat(what, c, method), load: metaOnly,
		prepare: func() (err error) {
			if m, _, err = r.table(c, b, method); err != nil {
				return err
			}
			attr, err = r.labelsOf(c, b, name)
			return err
		},
		compute: func(meta *stageMeta) (struct{}, error) {
			rp, err := recmodels.Representation(r.ctx, m, rep, b.split.Train)
			if err != nil {
				return struct{}{}, err
			}
			tab, y := auditTable(rp, attr.Labels)
			tab.Name = fmt.Sprintf("%s/%s %s", c.Model.Kind, method, rep)
			res, err := attackers.Audit(r.ctx, tab, y, attr.Classes, c.Attack, c.Audit.forRep(rep), c.Seed)
			if err != nil {
				return struct{}{}, fmt.Errorf("audit %s of %s: %w", rep, method, err)
			}
			meta.Audit = res
			return struct{}{}, nil
		},
		finish: func(_ struct{}, meta *stageMeta) {
			r.rep.Logf("audit %s/%s %s done in %.1fs: leakage %.3f (%s)", c.Model.Kind, method, rep, meta.Seconds, meta.Audit.Leakage.AUC, meta.Audit.Leakage.Attacker)
		},
	}
}

// auditTable keeps the users with a known label, in user order, as the
// rows of the audit's table (dense as float64, sparse as it is).
func auditTable(rp *recmodels.Rep, labels []int32) (attackers.Table, []int) {
	var rows []int
	n := 0
	if rp.Dense != nil {
		n = rp.Dense.Rows
	} else {
		n = rp.Sparse.Rows
	}
	for i, l := range labels {
		if l >= 0 && i < n {
			rows = append(rows, i)
		}
	}
	y := make([]int, len(rows))
	for r, i := range rows {
		y[r] = int(labels[i])
	}
	if rp.Dense != nil {
		X, _ := attackTable(rp.Dense, labels)
		return attackers.Table{Dense: X}, y
	}
	src := rp.Sparse
	sp := &csr.Matrix{Rows: len(rows), Cols: src.Cols, RowPtr: make([]int, len(rows)+1)}
	for r, i := range rows {
		lo, hi := src.RowPtr[i], src.RowPtr[i+1]
		sp.ColIdx = append(sp.ColIdx, src.ColIdx[lo:hi]...)
		sp.Val = append(sp.Val, src.Val[lo:hi]...)
		sp.RowPtr[r+1] = len(sp.ColIdx)
	}
	return attackers.Table{Sparse: sp}, y
}

// auditRecord turns the audit stages' results into the record's audit
// block and computes the leakage: the largest mean AUC over every
// (representation, attacker) of the audit and the paper's attackers of the
// attack block (which attack the unlearned representation). Ties go to the
// first in order: representations in the model's order, each attacker in
// the audit's report order, then the attack block's attackers by name.
func auditRecord(kind string, reps []string, metas []*stageMeta, attack map[string]results.AttackResult) (map[string]map[string]results.AuditAttack, *results.Leakage) {
	out := map[string]map[string]results.AuditAttack{}
	var lk *results.Leakage
	consider := func(auc float64, attacker, rep string) {
		if lk == nil || auc > lk.AUC {
			lk = &results.Leakage{AUC: auc, Attacker: attacker, Representation: rep}
		}
	}
	for i, rep := range reps {
		res := metas[i].Audit
		row := map[string]results.AuditAttack{}
		for _, name := range res.Order {
			s := res.Attackers[name]
			row[name] = results.AuditAttack{
				AUC:              results.Summary{Mean: s.AUC.Mean, Std: s.AUC.Std},
				BalancedAccuracy: results.Summary{Mean: s.BalancedAccuracy.Mean, Std: s.BalancedAccuracy.Std},
				Null95:           s.Null95, ExceedsNull: s.ExceedsNull,
			}
			consider(s.AUC.Mean, name, rep)
		}
		out[rep] = row
	}
	names := make([]string, 0, len(attack))
	for n := range attack {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if s, ok := attack[n]["auc"]; ok {
			consider(s.Mean, n, recmodels.UnlearnedRepresentation(kind))
		}
	}
	return out, lk
}
