package attackers

import (
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Attacker is a classifier the attack protocol fits on labelled rows and
// asks for class probabilities. A value is fitted at most once; the
// protocol makes a fresh one per fold.
type Attacker interface {
	// Name is "mlp", "mlp-std", "gbdt", "logreg" or "knn".
	Name() string
	// Fit trains on the rows of X with classes y[i] ∈ [0, classes). w is
	// nil or a per-row sample weight. seed selects the attacker's random
	// streams (initialisation, shuffling); deterministic attackers ignore
	// it.
	Fit(ctx context.Context, X *mat.Dense, y []int, w []float64, classes int, seed uint64) error
	// PredictProba writes P(class k | row i) into dst (rows(X) × classes).
	PredictProba(dst, X *mat.Dense) error
	// Iterations is the number of epochs (MLP) or boosting rounds (GBDT)
	// of the last Fit.
	Iterations() int
}

// New returns an unfitted attacker called name configured by cfg.
func New(name string, cfg Config) (Attacker, error) {
	switch name {
	case "mlp":
		return NewMLP(cfg.MLP), nil
	case "mlp-std":
		c := cfg.MLP
		c.Standardize = true
		return NewMLP(c), nil
	case "gbdt":
		return NewGBDT(cfg.GBDT), nil
	}
	return nil, fmt.Errorf("attackers: unknown attacker %q (want \"mlp\", \"mlp-std\" or \"gbdt\"; the audit adds \"logreg\" and \"knn\")", name)
}

// checkFit validates the arguments of Fit.
func checkFit(X *mat.Dense, y []int, w []float64, classes int) error {
	r, c := X.Dims()
	switch {
	case r == 0 || c == 0:
		return fmt.Errorf("attackers: fit on an empty %d×%d table", r, c)
	case len(y) != r:
		return fmt.Errorf("attackers: fit: %d labels for %d rows", len(y), r)
	case w != nil && len(w) != r:
		return fmt.Errorf("attackers: fit: %d weights for %d rows", len(w), r)
	case classes < 2:
		return fmt.Errorf("attackers: fit: need at least 2 classes, got %d", classes)
	}
	for i, v := range y {
		if v < 0 || v >= classes {
			return fmt.Errorf("attackers: fit: label %d of row %d is outside [0, %d)", v, i, classes)
		}
		for j, x := range X.RawRowView(i) {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("attackers: fit: row %d column %d is %v; features must be finite", i, j, x)
			}
		}
		if w != nil && !(w[i] > 0 && !math.IsInf(w[i], 0)) {
			return fmt.Errorf("attackers: fit: weight %v of row %d must be finite and > 0", w[i], i)
		}
	}
	return nil
}
