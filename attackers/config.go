package attackers

import (
	"fmt"

	"github.com/potau/potau/internal/cfgerr"
)

// Config is the `attack:` block of an experiment config.
type Config struct {
	// Attackers lists the attackers to run, by name: "mlp", "gbdt".
	Attackers []string `yaml:"attackers" json:"attackers"`
	// Folds is k of the stratified k-fold cross-validation (≥ 2).
	Folds int `yaml:"folds" json:"folds"`
	// Repeats is how many times the whole cross-validation is repeated;
	// repeats differ by the seeded down-sampling, fold shuffling and
	// attacker initialisation streams.
	Repeats int `yaml:"repeats" json:"repeats"`
	// Shuffle shuffles the fold assignment within each class (seeded).
	// False (the reference) reproduces scikit-learn's
	// StratifiedKFold(shuffle=False) exactly.
	Shuffle bool `yaml:"shuffle" json:"shuffle"`
	// Balance is how class imbalance is handled: "downsample" (the
	// reference: every class is down-sampled to the smallest, seeded),
	// "weights" (all rows kept; sample weights n/(K·n_k) in the attackers'
	// losses) or "none".
	Balance string `yaml:"balance" json:"balance"`
	// Positive names the class whose precision, recall, F1 and AUC are
	// reported. Empty means the minority class of the raw labels (fewest
	// rows before balancing; a tie goes to the larger class index).
	Positive string `yaml:"positive" json:"positive"`
	// MLP configures the "mlp" attacker.
	MLP MLPConfig `yaml:"mlp" json:"mlp"`
	// GBDT configures the "gbdt" attacker.
	GBDT GBDTConfig `yaml:"gbdt" json:"gbdt"`
}

// MLPConfig holds the hyperparameters of the MLP attacker, named after
// scikit-learn's MLPClassifier.
type MLPConfig struct {
	// HiddenLayerSizes is the width of each ReLU hidden layer.
	HiddenLayerSizes []int `yaml:"hidden_layer_sizes" json:"hidden_layer_sizes"`
	// Alpha is the L2 penalty: the loss of a batch of n rows gains
	// 0.5·Alpha·Σ‖W‖²/n (weights only, not biases).
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// LearningRateInit is Adam's step size.
	LearningRateInit float64 `yaml:"learning_rate_init" json:"learning_rate_init"`
	// MaxIter is the maximum number of epochs.
	MaxIter int `yaml:"max_iter" json:"max_iter"`
	// BatchSize is the minibatch size; 0 means min(200, n).
	BatchSize int `yaml:"batch_size" json:"batch_size"`
	// Tol is the minimum improvement of the training loss that resets the
	// no-improvement counter.
	Tol float64 `yaml:"tol" json:"tol"`
	// NIterNoChange stops training once the loss has not improved by Tol
	// for more than this many consecutive epochs.
	NIterNoChange int `yaml:"n_iter_no_change" json:"n_iter_no_change"`
	// Beta1, Beta2 and Epsilon are Adam's constants.
	Beta1   float64 `yaml:"beta_1" json:"beta_1"`
	Beta2   float64 `yaml:"beta_2" json:"beta_2"`
	Epsilon float64 `yaml:"epsilon" json:"epsilon"`
	// Standardize puts scikit-learn's StandardScaler, fitted on the
	// training rows, in front of the network (the audit's "mlp-std").
	// Off for the paper's "mlp"; omitted from JSON when off, so configs
	// that predate it keep their hash.
	Standardize bool `yaml:"standardize" json:"standardize,omitempty"`
}

// GBDTConfig holds the hyperparameters of the gradient-boosted trees
// attacker, named after XGBoost's parameters.
type GBDTConfig struct {
	// NEstimators is the number of boosting rounds.
	NEstimators int `yaml:"n_estimators" json:"n_estimators"`
	// MaxDepth is the depth limit of the depthwise-grown trees.
	MaxDepth int `yaml:"max_depth" json:"max_depth"`
	// LearningRate (eta) scales every leaf value.
	LearningRate float64 `yaml:"learning_rate" json:"learning_rate"`
	// RegLambda is the L2 penalty λ on leaf values.
	RegLambda float64 `yaml:"reg_lambda" json:"reg_lambda"`
	// Gamma is the minimum loss reduction of a split.
	Gamma float64 `yaml:"gamma" json:"gamma"`
	// MinChildWeight is the minimum hessian sum of a child.
	MinChildWeight float64 `yaml:"min_child_weight" json:"min_child_weight"`
	// MaxBin is the number of quantile histogram bins per feature (2–256).
	MaxBin int `yaml:"max_bin" json:"max_bin"`
	// BaseScore is the initial probability of the binary model (0.5 ⇒
	// margin 0); multi-class models start from equal margins.
	BaseScore float64 `yaml:"base_score" json:"base_score"`
}

// DefaultConfig returns the reference protocol: both attackers, 5 folds
// without shuffling, 3 repeats, down-sampling, minority class positive.
func DefaultConfig() Config {
	return Config{
		Attackers: []string{"mlp", "gbdt"},
		Folds:     5,
		Repeats:   3,
		Balance:   "downsample",
		MLP:       DefaultMLPConfig(),
		GBDT:      DefaultGBDTConfig(),
	}
}

// DefaultMLPConfig returns MLPClassifier(hidden_layer_sizes=[100], alpha=1,
// max_iter=500, learning_rate_init=0.01) with scikit-learn's other defaults.
func DefaultMLPConfig() MLPConfig {
	return MLPConfig{
		HiddenLayerSizes: []int{100},
		Alpha:            1,
		LearningRateInit: 0.01,
		MaxIter:          500,
		Tol:              1e-4,
		NIterNoChange:    10,
		Beta1:            0.9,
		Beta2:            0.999,
		Epsilon:          1e-8,
	}
}

// DefaultGBDTConfig returns XGBClassifier(max_depth=4, tree_method="hist",
// n_estimators=50, learning_rate=0.5, reg_lambda=1, reg_alpha=0) with
// XGBoost 1.7's other defaults.
func DefaultGBDTConfig() GBDTConfig {
	return GBDTConfig{
		NEstimators:    50,
		MaxDepth:       4,
		LearningRate:   0.5,
		RegLambda:      1,
		MinChildWeight: 1,
		MaxBin:         256,
		BaseScore:      0.5,
	}
}

// Validate reports the first invalid field as a *cfgerr.FieldError whose
// path is relative to the block ("folds", "mlp.alpha").
func (c Config) Validate() error {
	if len(c.Attackers) == 0 {
		return cfgerr.New("attackers", `must list at least one of "mlp", "gbdt"`)
	}
	seen := map[string]bool{}
	for i, a := range c.Attackers {
		if a != "mlp" && a != "gbdt" {
			return cfgerr.New(fmt.Sprintf("attackers[%d]", i), `must be "mlp" or "gbdt", got %q`, a)
		}
		if seen[a] {
			return cfgerr.New(fmt.Sprintf("attackers[%d]", i), "%q is listed twice", a)
		}
		seen[a] = true
	}
	if c.Folds < 2 {
		return cfgerr.New("folds", "must be >= 2, got %d", c.Folds)
	}
	if c.Repeats < 1 {
		return cfgerr.New("repeats", "must be >= 1, got %d", c.Repeats)
	}
	switch c.Balance {
	case "downsample", "weights", "none":
	default:
		return cfgerr.New("balance", `must be "downsample", "weights" or "none", got %q`, c.Balance)
	}
	if err := c.MLP.Validate(); err != nil {
		return cfgerr.Prefix("mlp", err)
	}
	if err := c.GBDT.Validate(); err != nil {
		return cfgerr.Prefix("gbdt", err)
	}
	return nil
}

// Validate reports the first invalid field, with a path relative to the
// `mlp:` block.
func (c MLPConfig) Validate() error {
	if len(c.HiddenLayerSizes) == 0 {
		return cfgerr.New("hidden_layer_sizes", "must list at least one layer width")
	}
	for i, h := range c.HiddenLayerSizes {
		if h < 1 {
			return cfgerr.New(fmt.Sprintf("hidden_layer_sizes[%d]", i), "must be >= 1, got %d", h)
		}
	}
	switch {
	case !(c.Alpha >= 0):
		return cfgerr.New("alpha", "must be >= 0, got %v", c.Alpha)
	case !(c.LearningRateInit > 0):
		return cfgerr.New("learning_rate_init", "must be > 0, got %v", c.LearningRateInit)
	case c.MaxIter < 1:
		return cfgerr.New("max_iter", "must be >= 1, got %d", c.MaxIter)
	case c.BatchSize < 0:
		return cfgerr.New("batch_size", "must be >= 0 (0 = min(200, n)), got %d", c.BatchSize)
	case !(c.Tol >= 0):
		return cfgerr.New("tol", "must be >= 0, got %v", c.Tol)
	case c.NIterNoChange < 1:
		return cfgerr.New("n_iter_no_change", "must be >= 1, got %d", c.NIterNoChange)
	case !(c.Beta1 >= 0 && c.Beta1 < 1):
		return cfgerr.New("beta_1", "must be in [0, 1), got %v", c.Beta1)
	case !(c.Beta2 >= 0 && c.Beta2 < 1):
		return cfgerr.New("beta_2", "must be in [0, 1), got %v", c.Beta2)
	case !(c.Epsilon > 0):
		return cfgerr.New("epsilon", "must be > 0, got %v", c.Epsilon)
	}
	return nil
}

// Validate reports the first invalid field, with a path relative to the
// `gbdt:` block.
func (c GBDTConfig) Validate() error {
	switch {
	case c.NEstimators < 1:
		return cfgerr.New("n_estimators", "must be >= 1, got %d", c.NEstimators)
	case c.MaxDepth < 1 || c.MaxDepth > 16:
		return cfgerr.New("max_depth", "must be in [1, 16], got %d", c.MaxDepth)
	case !(c.LearningRate > 0):
		return cfgerr.New("learning_rate", "must be > 0, got %v", c.LearningRate)
	case !(c.RegLambda >= 0):
		return cfgerr.New("reg_lambda", "must be >= 0, got %v", c.RegLambda)
	case !(c.Gamma >= 0):
		return cfgerr.New("gamma", "must be >= 0, got %v", c.Gamma)
	case !(c.MinChildWeight >= 0):
		return cfgerr.New("min_child_weight", "must be >= 0, got %v", c.MinChildWeight)
	case c.MaxBin < 2 || c.MaxBin > 256:
		return cfgerr.New("max_bin", "must be in [2, 256], got %d", c.MaxBin)
	case !(c.BaseScore > 0 && c.BaseScore < 1):
		return cfgerr.New("base_score", "must be in (0, 1), got %v", c.BaseScore)
	}
	return nil
}
