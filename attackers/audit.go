package attackers

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/parallel"
	"github.com/potau/potau/internal/rng"
)

// AuditAttackers lists the audit's base attackers in report order; each
// also runs nested as "<name>+nested".
var AuditAttackers = []string{"mlp", "gbdt", "mlp-std", "logreg", "knn"}

// NestedSuffix marks the nested variant of an attacker.
const NestedSuffix = "+nested"

// AuditConfig configures Audit. The cross-validation layout (folds,
// repeats, shuffling, balancing, positive class) and the MLP and GBDT
// settings come from the attack protocol's Config.
type AuditConfig struct {
	// Attackers are the base attackers to run, from AuditAttackers.
	Attackers []string `yaml:"attackers" json:"attackers"`
	// Nested also runs "<attacker>+nested" for every attacker.
	Nested bool `yaml:"nested" json:"nested"`
	// Shuffle shuffles the fold assignment within each class (seeded),
	// overriding the protocol's setting: the audit does not trust the
	// table's row order (unshuffled folds are contiguous blocks of users,
	// which hides any structure between neighbouring rows).
	Shuffle bool `yaml:"shuffle" json:"shuffle"`
	// Permutations is the number of label permutations of the null (0 =
	// no null).
	Permutations int `yaml:"permutations" json:"permutations"`
	// Null lists the base attackers whose permutation null is computed
	// (plain and nested); by default the fast ones, logreg and knn.
	Null []string `yaml:"null" json:"null"`
	// LogReg and KNN configure those attackers.
	LogReg LogRegConfig `yaml:"logreg" json:"logreg"`
	KNN    KNNConfig    `yaml:"knn" json:"knn"`
}

// DefaultAuditConfig runs every attacker plain and nested on shuffled
// folds, with a 20-permutation null for logreg and knn.
func DefaultAuditConfig() AuditConfig {
	return AuditConfig{
		Attackers:    slices.Clone(AuditAttackers),
		Nested:       true,
		Shuffle:      true,
		Permutations: 20,
		Null:         []string{"logreg", "knn"},
		LogReg:       DefaultLogRegConfig(),
		KNN:          DefaultKNNConfig(),
	}
}

// Validate reports the first invalid field as a *cfgerr.FieldError with a
// path relative to the audit block.
func (c AuditConfig) Validate() error {
	if len(c.Attackers) == 0 {
		return cfgerr.New("attackers", "must list at least one of %q", AuditAttackers)
	}
	check := func(key string, list []string) error {
		seen := map[string]bool{}
		for i, a := range list {
			if !slices.Contains(AuditAttackers, a) {
				return cfgerr.New(fmt.Sprintf("%s[%d]", key, i), "must be one of %q, got %q", AuditAttackers, a)
			}
			if seen[a] {
				return cfgerr.New(fmt.Sprintf("%s[%d]", key, i), "%q is listed twice", a)
			}
			seen[a] = true
		}
		return nil
	}
	if err := check("attackers", c.Attackers); err != nil {
		return err
	}
	if err := check("null", c.Null); err != nil {
		return err
	}
	if c.Permutations < 0 {
		return cfgerr.New("permutations", "must be >= 0, got %d", c.Permutations)
	}
	if c.Permutations > 0 && c.Permutations < 2 {
		return cfgerr.New("permutations", "must be 0 (no null) or >= 2, got %d", c.Permutations)
	}
	if err := c.LogReg.Validate(); err != nil {
		return cfgerr.Prefix("logreg", err)
	}
	if err := c.KNN.Validate(); err != nil {
		return cfgerr.Prefix("knn", err)
	}
	return nil
}

// Table is what the audit attacks: one row per labelled user, either a
// dense feature table or a sparse multi-hot table (e.g. each user's top-20
// recommended items). Name identifies it in errors.
type Table struct {
	Name   string
	Dense  *mat.Dense
	Sparse *csr.Matrix
}

func (t Table) rows() int {
	if t.Dense != nil {
		r, _ := t.Dense.Dims()
		return r
	}
	return t.Sparse.Rows
}

// AuditSummary is one attacker's outcome on one table.
type AuditSummary struct {
	// AUC is the mean and population std over folds × repeats of the
	// held-out ROC-AUC (of the positive class for two classes, macro
	// one-vs-rest for more).
	AUC Summary `json:"auc"`
	// BalancedAccuracy is the same for the balanced accuracy of the
	// argmax prediction.
	BalancedAccuracy Summary `json:"balanced_accuracy"`
	// Null95 is the 95th percentile (linear interpolation, numpy's
	// default) of the mean AUC over the label permutations; nil when no
	// null was run.
	Null95 *float64 `json:"null95"`
	// ExceedsNull says whether AUC.Mean > Null95 (nil without a null).
	ExceedsNull *bool `json:"exceeds_null"`
	// NullAUC are the mean AUCs of the permutations, in order.
	NullAUC []float64 `json:"null_auc,omitempty"`
	// Folds are the per-fold metrics, repeat-major.
	Folds []FoldMetrics `json:"folds,omitempty"`
}

// Leakage is the audit's worst case: the largest mean AUC over every
// attacker run, and who reached it (the first in report order on a tie).
type Leakage struct {
	AUC      float64 `json:"auc"`
	Attacker string  `json:"attacker"`
}

// AuditResult is the outcome of Audit on one table.
type AuditResult struct {
	Table string `json:"table"`
	// Attackers maps "logreg", "knn+nested", … to their summaries.
	Attackers map[string]*AuditSummary `json:"attackers"`
	// Order lists the keys of Attackers in report order: the plain
	// attackers, then the nested ones.
	Order        []string     `json:"order"`
	Leakage      Leakage      `json:"leakage"`
	Positive     string       `json:"positive"`
	Permutations int          `json:"permutations"`
	Protocol     ProtocolInfo `json:"protocol"`
}

// Audit attacks one table with every attacker of cfg, plain and nested,
// under the cross-validation protocol of proto with proto.Shuffle replaced
// by cfg.Shuffle (Plan: the same balanced rows, folds and fit seeds as Run,
// so "mlp" and "gbdt" reproduce Run's numbers with that protocol bit for
// bit), adds the permutation null of the attackers in
// cfg.Null, and returns the per-attacker summaries and the leakage.
//
// Nested: for outer fold f of a repeat, the inner k−1 folds are the other
// outer folds (they are stratified). The inner model for fold g ≠ f is fit
// on every fold but f and g and scores fold g; a calibrator — scikit-
// learn's LogisticRegression(C=1) on the attacker's P(class 1) for two
// classes, multinomial on its probability vector for more — is fit on
// those out-of-fold scores and their labels, and maps the outer model's
// (fit on every fold but f) output on fold f to the label. The model fit
// on every fold but f and g serves outer folds f and g alike, so a repeat
// costs k outer and k(k−1)/2 inner fits. Fold f's rows are never seen
// before they are scored: no model or calibrator that scores them was
// fit on them.
//
// Null: permutation p of a repeat shuffles the labels among the rows of
// each fold (stream rng.New(seed, "attackers/audit-null", p, r)), which keeps every
// fold's class counts and hence every training set, scaler, neighbour
// list and fit seed; the whole protocol is rerun on the permuted labels.
// Under the hypothesis that the table says nothing about the label, the
// observed labels are one more such permutation, so the 95th percentile
// of the permutation means is the AUC that chance reaches 5% of the time
// at this table size.
//
// Every (attacker, repeat, fit) job owns its slot and streams, so the
// result does not depend on the number of cores. An attacker that cannot
// run (k larger than a training fold, a single class in a fold, a constant
// column after standardisation, mlp/gbdt on a sparse table) is an error
// naming the attacker, the table and the problem.
func Audit(ctx context.Context, tab Table, labels []int, classes []string, proto Config, cfg AuditConfig, seed uint64) (*AuditResult, error) {
	e, err := newAuditEngine(tab, labels, classes, proto, cfg, seed)
	if err != nil {
		return nil, err
	}
	if err := e.runFits(ctx); err != nil {
		return nil, err
	}
	return e.assemble(ctx)
}

// fitSet is one training set of a repeat: every fold but f (outer, g < 0)
// or but f and g (inner, f < g). Positions index rep.Rows.
type fitSet struct {
	r, f, g     int
	train, held []int
	seed        uint64
}

type auditEngine struct {
	tab          Table
	labels       []int
	classes      []string
	K, pos       int
	proto        Config
	cfg          AuditConfig
	seed         uint64
	reps         []Repeat
	sets         []fitSet
	outer, inner map[[3]int]int // (r, f, g) → index in sets
	// lab[p][r][i] is the label of reps[r].Rows[i] under permutation p
	// (p = 0: observed); wts likewise (nil unless balance "weights").
	lab [][][]int
	wts [][][]float64
	// scores[a][s][p]: P(held rows of set s) under permutation p.
	scores [][][]*mat.Dense
	iters  [][]int // iters[a][s], observed labels
	perms  []int   // perms[a]: permutations run for attacker a (1 = observed only)
}

func newAuditEngine(tab Table, labels []int, classes []string, proto Config, cfg AuditConfig, seed uint64) (*auditEngine, error) {
	proto.Shuffle = cfg.Shuffle
	if err := proto.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("attackers: audit: %w", err)
	}
	if (tab.Dense == nil) == (tab.Sparse == nil) {
		return nil, fmt.Errorf("attackers: audit of table %q: want exactly one of a dense and a sparse table", tab.Name)
	}
	if n := tab.rows(); n != len(labels) {
		return nil, fmt.Errorf("attackers: audit of table %q: %d rows but %d labels", tab.Name, n, len(labels))
	}
	if tab.Dense != nil {
		n, d := tab.Dense.Dims()
		if d == 0 {
			return nil, fmt.Errorf("attackers: audit of table %q: no columns", tab.Name)
		}
		for i := 0; i < n; i++ {
			for j, v := range tab.Dense.RawRowView(i) {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("attackers: audit of table %q: row %d column %d is %v; features must be finite", tab.Name, i, j, v)
				}
			}
		}
	} else {
		for _, a := range cfg.Attackers {
			if a != "logreg" && a != "knn" {
				return nil, fmt.Errorf("attackers: %s cannot attack the sparse table %q (logreg and knn can)", a, tab.Name)
			}
		}
		for p, v := range tab.Sparse.Val {
			if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
				return nil, fmt.Errorf("attackers: audit of table %q: stored value %d is %v; features must be finite", tab.Name, p, v)
			}
		}
	}
	K := len(classes)
	reps, err := Plan(labels, K, proto, seed)
	if err != nil {
		return nil, fmt.Errorf("attackers: audit of table %q: %w", tab.Name, err)
	}
	pos, err := PositiveClass(labels, classes, proto.Positive)
	if err != nil {
		return nil, err
	}
	e := &auditEngine{tab: tab, labels: labels, classes: classes, K: K, pos: pos, proto: proto, cfg: cfg, seed: seed,
		reps: reps, outer: map[[3]int]int{}, inner: map[[3]int]int{}}
	k := proto.Folds
	for r, rep := range reps {
		for f := 0; f < k; f++ {
			e.outer[[3]int{r, f, -1}] = len(e.sets)
			e.sets = append(e.sets, e.newSet(rep, r, f, -1, rep.Seeds[f]))
		}
		if !cfg.Nested {
			continue
		}
		for f := 0; f < k; f++ {
			for g := f + 1; g < k; g++ {
				e.inner[[3]int{r, f, g}] = len(e.sets)
				e.sets = append(e.sets, e.newSet(rep, r, f, g, rng.Key(seed, "attackers/audit-inner-fit", uint64(r), uint64(f), uint64(g))))
			}
		}
	}
	nperm := 1
	if cfg.Permutations > 0 && len(cfg.Null) > 0 {
		nperm += cfg.Permutations
	}
	e.lab = make([][][]int, nperm)
	e.wts = make([][][]float64, nperm)
	for p := range e.lab {
		e.lab[p] = make([][]int, len(reps))
		e.wts[p] = make([][]float64, len(reps))
		for r, rep := range reps {
			y := make([]int, len(rep.Rows))
			for i, row := range rep.Rows {
				y[i] = labels[row]
			}
			if p > 0 {
				st := rng.New(seed, "attackers/audit-null", uint64(p), uint64(r))
				for f := 0; f < k; f++ {
					var at []int
					for i, fo := range rep.Fold {
						if fo == f {
							at = append(at, i)
						}
					}
					st.Shuffle(len(at), func(a, b int) { y[at[a]], y[at[b]] = y[at[b]], y[at[a]] })
				}
			}
			e.lab[p][r] = y
			if rep.Weights != nil {
				e.wts[p][r] = BalancedWeights(y, K)
			}
		}
	}
	e.perms = make([]int, len(cfg.Attackers))
	for a, name := range cfg.Attackers {
		e.perms[a] = 1
		if slices.Contains(cfg.Null, name) {
			e.perms[a] = nperm
		}
	}
	return e, nil
}

func (e *auditEngine) newSet(rep Repeat, r, f, g int, seed uint64) fitSet {
	s := fitSet{r: r, f: f, g: g, seed: seed}
	for i, fo := range rep.Fold {
		if fo == f || fo == g {
			s.held = append(s.held, i)
		} else {
			s.train = append(s.train, i)
		}
	}
	return s
}

func (s fitSet) String() string {
	if s.g < 0 {
		return fmt.Sprintf("repeat %d, fold %d", s.r, s.f)
	}
	return fmt.Sprintf("repeat %d, inner fit without folds %d and %d", s.r, s.f, s.g)
}

// runFits fits every (attacker, set) job under each of its permutations.
func (e *auditEngine) runFits(ctx context.Context) error {
	A := len(e.cfg.Attackers)
	e.scores = make([][][]*mat.Dense, A)
	e.iters = make([][]int, A)
	type job struct{ a, s int }
	var jobs []job
	for a := range e.cfg.Attackers {
		e.scores[a] = make([][]*mat.Dense, len(e.sets))
		e.iters[a] = make([]int, len(e.sets))
		for s := range e.sets {
			e.scores[a][s] = make([]*mat.Dense, e.perms[a])
			jobs = append(jobs, job{a, s})
		}
	}
	// The MLPs are the slow jobs: start them first.
	cost := func(a int) int {
		switch e.cfg.Attackers[a] {
		case "mlp", "mlp-std":
			return 0
		case "gbdt":
			return 1
		}
		return 2
	}
	sort.SliceStable(jobs, func(i, j int) bool { return cost(jobs[i].a) < cost(jobs[j].a) })
	bad, err := parallel.Jobs(ctx, len(jobs), func(ctx context.Context, j int) error {
		return e.runJob(ctx, jobs[j].a, jobs[j].s)
	})
	if bad >= 0 {
		jb := jobs[bad]
		return fmt.Errorf("attackers: %s on table %q, %v: %w", e.cfg.Attackers[jb.a], e.tab.Name, e.sets[jb.s], err)
	}
	return err
}

func (e *auditEngine) runJob(ctx context.Context, a, s int) error {
	set := e.sets[s]
	rep := e.reps[set.r]
	trRows, heldRows := make([]int, len(set.train)), make([]int, len(set.held))
	for i, p := range set.train {
		trRows[i] = rep.Rows[p]
	}
	for i, p := range set.held {
		heldRows[i] = rep.Rows[p]
	}
	prep, err := e.prepare(e.cfg.Attackers[a], trRows, heldRows)
	if err != nil {
		return err
	}
	ytr := make([]int, len(set.train))
	var wtr []float64
	for p := 0; p < e.perms[a]; p++ {
		for i, q := range set.train {
			ytr[i] = e.lab[p][set.r][q]
		}
		if w := e.wts[p][set.r]; w != nil {
			wtr = make([]float64, len(set.train))
			for i, q := range set.train {
				wtr[i] = w[q]
			}
		}
		dst := mat.NewDense(len(set.held), e.K, nil)
		it, err := prep.fit(ctx, ytr, wtr, e.K, set.seed, dst)
		if err != nil {
			if p > 0 {
				return fmt.Errorf("permutation %d: %w", p, err)
			}
			return err
		}
		if p == 0 {
			e.iters[a][s] = it
		}
		e.scores[a][s][p] = dst
	}
	return nil
}

// prepared is an attacker with its label-independent work done for one
// training set (rows copied, scaler fitted, neighbours found): fit fits it
// on labels ytr and writes the probabilities of the held-out rows.
type prepared interface {
	fit(ctx context.Context, ytr []int, wtr []float64, K int, seed uint64, dst *mat.Dense) (int, error)
}

func (e *auditEngine) prepare(name string, train, held []int) (prepared, error) {
	switch name {
	case "mlp", "gbdt", "mlp-std":
		X := e.tab.Dense
		_, d := X.Dims()
		Xtr, Xte := mat.NewDense(len(train), d, nil), mat.NewDense(len(held), d, nil)
		for i, r := range train {
			copy(Xtr.RawRowView(i), X.RawRowView(r))
		}
		for i, r := range held {
			copy(Xte.RawRowView(i), X.RawRowView(r))
		}
		if name == "mlp-std" {
			// Fail here, once, rather than in every permutation.
			if _, err := FitScaler(Xtr, nil); err != nil {
				return nil, err
			}
		}
		return &modelPrep{name: name, proto: e.proto, Xtr: Xtr, Xte: Xte}, nil
	case "logreg":
		if e.tab.Sparse != nil {
			return &logregPrep{cfg: e.cfg.LogReg, tr: sparseDesign{e.tab.Sparse, train}, te: sparseDesign{e.tab.Sparse, held}}, nil
		}
		sc, err := FitScaler(e.tab.Dense, train)
		if err != nil {
			return nil, err
		}
		_, d := e.tab.Dense.Dims()
		Ztr, Zte := mat.NewDense(len(train), d, nil), mat.NewDense(len(held), d, nil)
		sc.Transform(Ztr, e.tab.Dense, train)
		sc.Transform(Zte, e.tab.Dense, held)
		tr := denseDesign{X: Ztr}
		if e.K == 2 && e.reps[0].Weights == nil {
			if tr, err = withH0(Ztr, e.cfg.LogReg.C); err != nil {
				return nil, err
			}
		}
		return &logregPrep{cfg: e.cfg.LogReg, tr: tr, te: denseDesign{X: Zte}}, nil
	case "knn":
		k := e.cfg.KNN.K
		if k > len(train) {
			return nil, fmt.Errorf("k = %d is larger than the %d training rows", k, len(train))
		}
		idx := make([]int32, len(held)*k)
		if e.tab.Sparse != nil {
			neighbours(idx, k, len(held), jaccardDist(e.tab.Sparse, held, train), len(train))
		} else {
			sc, err := FitScaler(e.tab.Dense, train)
			if err != nil {
				return nil, err
			}
			_, d := e.tab.Dense.Dims()
			Ztr, Zte := mat.NewDense(len(train), d, nil), mat.NewDense(len(held), d, nil)
			sc.Transform(Ztr, e.tab.Dense, train)
			sc.Transform(Zte, e.tab.Dense, held)
			neighbours(idx, k, len(held), denseDist(Zte, Ztr), len(train))
		}
		return &knnPrep{k: k, idx: idx}, nil
	}
	return nil, fmt.Errorf("unknown attacker %q", name)
}

type modelPrep struct {
	name     string
	proto    Config
	Xtr, Xte *mat.Dense
}

func (m *modelPrep) fit(ctx context.Context, ytr []int, wtr []float64, K int, seed uint64, dst *mat.Dense) (int, error) {
	att, err := New(m.name, m.proto)
	if err != nil {
		return 0, err
	}
	if err := att.Fit(ctx, m.Xtr, ytr, wtr, K, seed); err != nil {
		return 0, err
	}
	return att.Iterations(), att.PredictProba(dst, m.Xte)
}

type logregPrep struct {
	cfg    LogRegConfig
	tr, te design
}

func (l *logregPrep) fit(ctx context.Context, ytr []int, wtr []float64, K int, seed uint64, dst *mat.Dense) (int, error) {
	m, it, err := fitLogit(ctx, l.tr, ytr, wtr, K, l.cfg)
	if err != nil {
		return it, err
	}
	m.proba(dst, l.te)
	return it, nil
}

type knnPrep struct {
	k   int
	idx []int32
}

func (c *knnPrep) fit(ctx context.Context, ytr []int, wtr []float64, K int, seed uint64, dst *mat.Dense) (int, error) {
	if err := singleClass(ytr, K); err != nil {
		return 0, err
	}
	votes(dst, c.idx, c.k, ytr)
	return 0, nil
}

// singleClass returns an error when y holds fewer than two classes.
func singleClass(y []int, K int) error {
	for _, c := range y[1:] {
		if c != y[0] {
			return nil
		}
	}
	return fmt.Errorf("the %d training rows hold a single class", len(y))
}

// calibratorConfig is scikit-learn's LogisticRegression(C=1.0), solved
// tightly.
var calibratorConfig = LogRegConfig{C: 1, Tol: 1e-9, MaxIter: 1000}

// nestedProba returns the calibrated probabilities of the rows of outer
// fold f of repeat r under permutation p, and their positions in
// reps[r].Rows: the calibrator is fit on the out-of-fold scores of the
// inner fits (fold g ≠ f scored by the model fit without f and g).
func (e *auditEngine) nestedProba(ctx context.Context, a, p, r, f int) (*mat.Dense, []int, error) {
	K := e.K
	var feat []float64
	var y []int
	var w []float64
	wts := e.wts[p][r]
	for g := 0; g < e.proto.Folds; g++ {
		if g == f {
			continue
		}
		s := e.inner[[3]int{r, min(f, g), max(f, g)}]
		set := e.sets[s]
		P := e.scores[a][s][p]
		for i, q := range set.held {
			if e.reps[r].Fold[q] != g {
				continue
			}
			y = append(y, e.lab[p][r][q])
			if wts != nil {
				w = append(w, wts[q])
			}
			feat = append(feat, calibFeatures(P.RawRowView(i), K)...)
		}
	}
	nf := 1
	if K > 2 {
		nf = K
	}
	F := mat.NewDense(len(y), nf, feat)
	cal, _, err := fitLogit(ctx, denseDesign{X: F}, y, w, K, calibratorConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("nested calibrator: %w", err)
	}
	out := e.sets[e.outer[[3]int{r, f, -1}]]
	P := e.scores[a][e.outer[[3]int{r, f, -1}]][p]
	var tf []float64
	for i := range out.held {
		tf = append(tf, calibFeatures(P.RawRowView(i), K)...)
	}
	dst := mat.NewDense(len(out.held), K, nil)
	cal.proba(dst, denseDesign{X: mat.NewDense(len(out.held), nf, tf)})
	return dst, out.held, nil
}

// calibFeatures is what the calibrator sees of a probability row: P(class
// 1) for two classes, the whole vector for more.
func calibFeatures(p []float64, K int) []float64 {
	if K == 2 {
		return p[1:2]
	}
	return p[:K]
}

// assemble computes the fold metrics of every attacker, plain and nested,
// under every permutation, and the summaries.
func (e *auditEngine) assemble(ctx context.Context) (*AuditResult, error) {
	A := len(e.cfg.Attackers)
	variants := 1
	if e.cfg.Nested {
		variants = 2
	}
	// folds[a][v][p]: fold metrics, repeat-major.
	type cell struct{ a, v, p int }
	var cells []cell
	for a := 0; a < A; a++ {
		for v := 0; v < variants; v++ {
			for p := 0; p < e.perms[a]; p++ {
				cells = append(cells, cell{a, v, p})
			}
		}
	}
	out := make([][]FoldMetrics, len(cells))
	bad, err := parallel.Jobs(ctx, len(cells), func(ctx context.Context, j int) error {
		c := cells[j]
		var fms []FoldMetrics
		for r := range e.reps {
			for f := 0; f < e.proto.Folds; f++ {
				s := e.outer[[3]int{r, f, -1}]
				P, held := e.scores[c.a][s][c.p], e.sets[s].held
				if c.v == 1 {
					var err error
					if P, held, err = e.nestedProba(ctx, c.a, c.p, r, f); err != nil {
						return fmt.Errorf("%v: %w", e.sets[s], err)
					}
				}
				yte := make([]int, len(held))
				for i, q := range held {
					yte[i] = e.lab[c.p][r][q]
				}
				fm := FoldMetrics{Repeat: r, Fold: f, Seed: e.sets[s].seed, NTrain: len(e.sets[s].train), NTest: len(held),
					Iterations: e.iters[c.a][s]}
				if err := scoreFold(&fm, P, yte, e.K, e.pos, e.K > 2); err != nil {
					return fmt.Errorf("%v: %w", e.sets[s], err)
				}
				fms = append(fms, fm)
			}
		}
		out[j] = fms
		return nil
	})
	if bad >= 0 {
		c := cells[bad]
		name := e.cfg.Attackers[c.a]
		if c.v == 1 {
			name += NestedSuffix
		}
		if c.p > 0 {
			err = fmt.Errorf("permutation %d: %w", c.p, err)
		}
		return nil, fmt.Errorf("attackers: %s on table %q: %w", name, e.tab.Name, err)
	}
	if err != nil {
		return nil, err
	}
	counts := make([]int, e.K)
	for _, c := range e.labels {
		counts[c]++
	}
	res := &AuditResult{Table: e.tab.Name, Attackers: map[string]*AuditSummary{}, Positive: e.classes[e.pos],
		Permutations: e.cfg.Permutations,
		Protocol: ProtocolInfo{Folds: e.proto.Folds, Repeats: e.proto.Repeats, Shuffle: e.proto.Shuffle, Balance: e.proto.Balance,
			ClassCounts: counts, RowsPerRepeat: len(e.reps[0].Rows)}}
	if len(e.cfg.Null) == 0 {
		res.Permutations = 0
	}
	j := 0
	byName := map[string]*AuditSummary{}
	for a := 0; a < A; a++ {
		for v := 0; v < variants; v++ {
			name := e.cfg.Attackers[a]
			if v == 1 {
				name += NestedSuffix
			}
			sum := &AuditSummary{Folds: out[j]}
			sum.AUC, sum.BalancedAccuracy = summarize(out[j], "auc"), summarize(out[j], "balanced_accuracy")
			for p := 1; p < e.perms[a]; p++ {
				sum.NullAUC = append(sum.NullAUC, summarize(out[j+p], "auc").Mean)
			}
			if len(sum.NullAUC) > 0 {
				q := Percentile(sum.NullAUC, 95)
				ex := sum.AUC.Mean > q
				sum.Null95, sum.ExceedsNull = &q, &ex
			}
			byName[name] = sum
			j += e.perms[a]
		}
	}
	for v := 0; v < variants; v++ {
		for _, name := range AuditAttackers {
			if !slices.Contains(e.cfg.Attackers, name) {
				continue
			}
			if v == 1 {
				name += NestedSuffix
			}
			res.Order = append(res.Order, name)
			res.Attackers[name] = byName[name]
			if m := byName[name].AUC.Mean; res.Leakage.Attacker == "" || m > res.Leakage.AUC {
				res.Leakage = Leakage{AUC: m, Attacker: name}
			}
		}
	}
	return res, nil
}

func summarize(fms []FoldMetrics, metric string) Summary {
	v := make([]float64, len(fms))
	for i, f := range fms {
		v[i] = f.value(metric)
	}
	return Summarize(v)
}

// Percentile returns the q-th percentile of v by linear interpolation
// between order statistics (numpy.percentile's default): with v sorted
// ascending and h = (q/100)·(n−1), v[⌊h⌋] + (h − ⌊h⌋)·(v[⌊h⌋+1] − v[⌊h⌋]).
func Percentile(v []float64, q float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	h := q / 100 * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// scoreFold fills the metrics of fm from the held-out probabilities P and
// true classes yte: AUC of P(positive) one-vs-rest (macro: the mean over
// classes of each class's one-vs-rest AUC), accuracy and balanced accuracy
// of the argmax prediction (ties → lower class index), and precision,
// recall, F1 of the positive class.
func scoreFold(fm *FoldMetrics, P *mat.Dense, yte []int, K, pos int, macro bool) error {
	n := len(yte)
	isPos := make([]bool, n)
	score := make([]float64, n)
	pred := make([]int, n)
	for i := range yte {
		isPos[i] = yte[i] == pos
		score[i] = P.At(i, pos)
		best := 0
		for k := 1; k < K; k++ {
			if P.At(i, k) > P.At(i, best) {
				best = k
			}
		}
		pred[i] = best
	}
	var err error
	if fm.AUC, err = ROCAUC(isPos, score); err != nil {
		return err
	}
	if macro {
		var s float64
		for k := 0; k < K; k++ {
			for i := range yte {
				isPos[i] = yte[i] == k
				score[i] = P.At(i, k)
			}
			a, err := ROCAUC(isPos, score)
			if err != nil {
				return fmt.Errorf("class %d: %w", k, err)
			}
			s += a
		}
		fm.AUC = s / float64(K)
	}
	c := NewConfusion(yte, pred, K, pos)
	fm.Accuracy, fm.BalancedAccuracy = c.Accuracy(), c.BalancedAccuracy()
	fm.Precision, fm.Recall, fm.F1 = c.Precision(), c.Recall(), c.F1()
	return nil
}
