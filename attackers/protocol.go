package attackers

import (
	"context"
	"fmt"
	"math"

	"github.com/potau/potau/internal/parallel"
	"github.com/potau/potau/internal/rng"
	"gonum.org/v1/gonum/mat"
)

// Result is one attacker's outcome of the protocol on one table.
type Result struct {
	// Attacker is "mlp" or "gbdt".
	Attacker string `json:"attacker"`
	// Settings is the attacker's MLPConfig or GBDTConfig.
	Settings any `json:"settings"`
	// Metrics maps each name of MetricNames to its mean and population
	// standard deviation over folds × repeats.
	Metrics map[string]Summary `json:"metrics"`
	// Folds are the per-fold numbers, repeat-major.
	Folds []FoldMetrics `json:"folds"`
	// Seeds are the attacker seeds of the folds, repeat-major (the same
	// values as Folds[i].Seed).
	Seeds []uint64 `json:"seeds"`
	// Positive is the class whose precision, recall, F1 and AUC are
	// reported.
	Positive string `json:"positive"`
	// Protocol records how the folds were made.
	Protocol ProtocolInfo `json:"protocol"`
}

// ProtocolInfo records the cross-validation layout of a Result.
type ProtocolInfo struct {
	Folds   int    `json:"folds"`
	Repeats int    `json:"repeats"`
	Shuffle bool   `json:"shuffle"`
	Balance string `json:"balance"`
	// ClassCounts is the number of labelled rows per class before
	// balancing, in class order.
	ClassCounts []int `json:"class_counts"`
	// RowsPerRepeat is the number of rows cross-validated in each repeat
	// (after down-sampling).
	RowsPerRepeat int `json:"rows_per_repeat"`
}

// Repeat is the data layout of one repetition of the cross-validation.
type Repeat struct {
	Index int
	// Rows are the rows of the table that take part (sorted).
	Rows []int
	// Fold[i] is the test fold of Rows[i].
	Fold []int
	// Weights[i] is the sample weight of Rows[i] (nil unless balance is
	// "weights").
	Weights []float64
	// Seeds[f] is the attacker seed of fold f.
	Seeds []uint64
}

// MinPerClassPerFold is the fewest rows of each class that every test fold
// must hold, so Plan refuses labels whose smallest class has fewer than
// MinPerClassPerFold·k rows (k folds; 25 for the default 5 folds).
// Stratified folds give each test fold ⌊m/k⌋ or ⌈m/k⌉ of a class's m rows,
// hence every test fold then holds ≥ 5 rows of each class and every
// training fold ≥ 5·(k−1). Below that the numbers are artefacts of the
// table's size, not of what it encodes: a test fold with one row of a class
// has an AUC of exactly 0, ½ or 1 (a single positive–negative comparison;
// with 5 × 5 there are 25 and the AUC moves in steps of 0.04), and an
// attacker fitted on a handful of rows per class either memorises them —
// the held-out row of a small class is then systematically misranked,
// giving the AUC 0.0000 ± 0 seen on a 3-user minority — or, for the trees,
// cannot split at all and scores every row alike (AUC 0.5000 ± 0).
const MinPerClassPerFold = 5

// Plan returns the layout of every repeat: for repeat r the stream
// rng.New(seed, "attackers/attack", r) first down-samples (balance "downsample"),
// then shuffles the fold blocks (cfg.Shuffle); the attacker of fold f
// gets seed rng.Key(seed, "attackers/attack-fit", r, f).
func Plan(labels []int, classes int, cfg Config, seed uint64) ([]Repeat, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	counts := make([]int, classes)
	for i, c := range labels {
		if c < 0 || c >= classes {
			return nil, fmt.Errorf("attackers: label %d of row %d is outside [0, %d)", c, i, classes)
		}
		counts[c]++
	}
	present, smallest := 0, -1
	for _, n := range counts {
		if n > 0 {
			present++
			if smallest < 0 || n < smallest {
				smallest = n
			}
		}
	}
	if present < 2 {
		return nil, fmt.Errorf("attackers: labels hold %d class(es) with rows %v; the attack needs at least 2", present, counts)
	}
	if need := MinPerClassPerFold * cfg.Folds; smallest < need {
		return nil, fmt.Errorf("attackers: the smallest class has %d rows; %d-fold cross-validation needs at least %d per class (%d per class in every test fold): too few labelled users for a meaningful AUC (class counts %v)",
			smallest, cfg.Folds, need, MinPerClassPerFold, counts)
	}
	reps := make([]Repeat, cfg.Repeats)
	for r := range reps {
		st := rng.New(seed, "attackers/attack", uint64(r))
		var rows []int
		if cfg.Balance == "downsample" {
			rows = Downsample(labels, classes, st)
		} else {
			rows = make([]int, len(labels))
			for i := range rows {
				rows[i] = i
			}
		}
		y := make([]int, len(rows))
		for i, row := range rows {
			y[i] = labels[row]
		}
		var sh = st
		if !cfg.Shuffle {
			sh = nil
		}
		fold, err := StratifiedFolds(y, cfg.Folds, sh)
		if err != nil {
			return nil, err
		}
		rep := Repeat{Index: r, Rows: rows, Fold: fold}
		if cfg.Balance == "weights" {
			rep.Weights = BalancedWeights(y, classes)
		}
		for f := 0; f < cfg.Folds; f++ {
			rep.Seeds = append(rep.Seeds, rng.Key(seed, "attackers/attack-fit", uint64(r), uint64(f)))
		}
		reps[r] = rep
	}
	return reps, nil
}

// PositiveClass resolves cfg.Positive: the named class, or by default the
// class with the fewest rows among those present (ties → larger index).
func PositiveClass(labels []int, classes []string, name string) (int, error) {
	if name != "" {
		for k, c := range classes {
			if c == name {
				return k, nil
			}
		}
		return 0, fmt.Errorf("attackers: positive class %q is not one of %q", name, classes)
	}
	counts := make([]int, len(classes))
	for _, c := range labels {
		if c >= 0 && c < len(classes) {
			counts[c]++
		}
	}
	best := -1
	for k, n := range counts {
		if n > 0 && (best < 0 || n <= counts[best]) {
			best = k
		}
	}
	if best < 0 {
		return 0, fmt.Errorf("attackers: no labelled rows")
	}
	return best, nil
}

// Run runs the attack protocol of cfg on the table X (one row per user
// with a known label; labels[i] indexes classes) and returns one Result
// per attacker in cfg.Attackers.
//
// Every (attacker, repeat, fold) job is independent (its own rows, scratch
// buffers and seeded streams) and writes only its own slot, so the jobs run
// as the blocks of one parallel.Jobs and the results do not depend on the
// number of cores. Metrics are computed per fold on the held-out rows: AUC of
// P(positive) one-vs-rest, accuracy and balanced accuracy of the argmax
// prediction (ties → lower class index, so a binary model predicts class 1
// iff P(1) > 0.5 as scikit-learn and XGBoost do), and precision, recall,
// F1 of the positive class.
func Run(ctx context.Context, X *mat.Dense, labels []int, classes []string, cfg Config, seed uint64) (map[string]*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n, d := X.Dims()
	if n != len(labels) {
		return nil, fmt.Errorf("attackers: table has %d rows but %d labels", n, len(labels))
	}
	if d == 0 {
		return nil, fmt.Errorf("attackers: table has no columns")
	}
	for i := 0; i < n; i++ {
		for j, v := range X.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("attackers: table row %d column %d is %v; features must be finite", i, j, v)
			}
		}
	}
	K := len(classes)
	reps, err := Plan(labels, K, cfg, seed)
	if err != nil {
		return nil, err
	}
	pos, err := PositiveClass(labels, classes, cfg.Positive)
	if err != nil {
		return nil, err
	}
	counts := make([]int, K)
	for _, c := range labels {
		counts[c]++
	}

	type job struct{ a, r, f int }
	var jobs []job
	for a := range cfg.Attackers {
		for r := range reps {
			for f := 0; f < cfg.Folds; f++ {
				jobs = append(jobs, job{a, r, f})
			}
		}
	}
	out := make([]FoldMetrics, len(jobs))
	bad, err := parallel.Jobs(ctx, len(jobs), func(ctx context.Context, j int) error {
		jb := jobs[j]
		var err error
		out[j], err = runFold(ctx, X, labels, K, pos, cfg, cfg.Attackers[jb.a], reps[jb.r], jb.f)
		return err
	})
	if bad >= 0 {
		jb := jobs[bad]
		return nil, fmt.Errorf("attackers: %s, repeat %d, fold %d: %w", cfg.Attackers[jb.a], jb.r, jb.f, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	res := map[string]*Result{}
	per := len(reps) * cfg.Folds
	for a, name := range cfg.Attackers {
		r := &Result{
			Attacker: name,
			Folds:    out[a*per : (a+1)*per],
			Positive: classes[pos],
			Metrics:  map[string]Summary{},
			Protocol: ProtocolInfo{Folds: cfg.Folds, Repeats: cfg.Repeats, Shuffle: cfg.Shuffle, Balance: cfg.Balance,
				ClassCounts: counts, RowsPerRepeat: len(reps[0].Rows)},
		}
		if name == "mlp" {
			r.Settings = cfg.MLP
		} else {
			r.Settings = cfg.GBDT
		}
		for _, fm := range r.Folds {
			r.Seeds = append(r.Seeds, fm.Seed)
		}
		v := make([]float64, len(r.Folds))
		for _, m := range MetricNames {
			for i, fm := range r.Folds {
				v[i] = fm.value(m)
			}
			r.Metrics[m] = Summarize(v)
		}
		res[name] = r
	}
	return res, nil
}

// runFold fits a fresh attacker on the training rows of fold f of rep and
// scores its held-out rows.
func runFold(ctx context.Context, X *mat.Dense, labels []int, K, pos int, cfg Config, name string, rep Repeat, f int) (FoldMetrics, error) {
	fm := FoldMetrics{Repeat: rep.Index, Fold: f, Seed: rep.Seeds[f]}
	if err := ctx.Err(); err != nil {
		return fm, err
	}
	_, d := X.Dims()
	for _, fo := range rep.Fold {
		if fo == f {
			fm.NTest++
		}
	}
	fm.NTrain = len(rep.Rows) - fm.NTest
	Xtr, Xte := mat.NewDense(fm.NTrain, d, nil), mat.NewDense(fm.NTest, d, nil)
	ytr, yte := make([]int, 0, fm.NTrain), make([]int, 0, fm.NTest)
	var wtr []float64
	if rep.Weights != nil {
		wtr = make([]float64, 0, fm.NTrain)
	}
	for i, row := range rep.Rows {
		if rep.Fold[i] == f {
			copy(Xte.RawRowView(len(yte)), X.RawRowView(row))
			yte = append(yte, labels[row])
			continue
		}
		copy(Xtr.RawRowView(len(ytr)), X.RawRowView(row))
		ytr = append(ytr, labels[row])
		if wtr != nil {
			wtr = append(wtr, rep.Weights[i])
		}
	}
	att, err := New(name, cfg)
	if err != nil {
		return fm, err
	}
	if err := att.Fit(ctx, Xtr, ytr, wtr, K, fm.Seed); err != nil {
		return fm, err
	}
	fm.Iterations = att.Iterations()
	P := mat.NewDense(fm.NTest, K, nil)
	if err := att.PredictProba(P, Xte); err != nil {
		return fm, err
	}
	if err := scoreFold(&fm, P, yte, K, pos, false); err != nil {
		return fm, err
	}
	return fm, nil
}
