package attackers

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/cfgerr"
)

// TestRunSameSeedAnyCores runs the whole protocol with GOMAXPROCS 1 and 2
// and requires identical results (every fold metric bit for bit), and a
// different seed to change them.
func TestRunSameSeedAnyCores(t *testing.T) {
	X, y := gaussianClasses(400, 16, 1.2, 0.3, 9)
	cfg := DefaultConfig()
	run := func(procs int, seed uint64, cfg Config) map[string]*Result {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		res, err := Run(context.Background(), X, y, []string{"M", "F"}, cfg, seed)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1, 42, cfg), run(2, 42, cfg)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("GOMAXPROCS 1 and 2 differ:\n%+v\n%+v", a["mlp"].Metrics, b["mlp"].Metrics)
	}
	one := cfg
	one.Attackers, one.Repeats = []string{"mlp"}, 1
	if c := run(2, 43, one); reflect.DeepEqual(a["mlp"].Folds[:5], c["mlp"].Folds) {
		t.Fatal("seed 43 gave the same MLP folds as seed 42")
	}
	for _, name := range []string{"mlp", "gbdt"} {
		r := a[name]
		if len(r.Folds) != 15 || len(r.Seeds) != 15 {
			t.Fatalf("%s: %d folds, %d seeds; want 15", name, len(r.Folds), len(r.Seeds))
		}
		// The positive class is the minority (F, 30%), and down-sampling
		// makes every fold's test set balanced up to one row per class
		// (e.g. 24/23 of 47), so with a and b correct rows per class accuracy
		// and balanced accuracy differ by |b/(46·47) − a/(48·47)| ≤ 1/94.
		if r.Positive != "F" {
			t.Fatalf("%s: positive %q", name, r.Positive)
		}
		for _, f := range r.Folds {
			if math.Abs(f.Accuracy-f.BalancedAccuracy) > 1.0/94 {
				t.Fatalf("%s fold %+v: accuracy ≠ balanced accuracy on balanced folds", name, f)
			}
		}
		// Mean over 15 folds as an independent sum.
		var s float64
		for _, f := range r.Folds {
			s += f.AUC
		}
		if m := r.Metrics["auc"].Mean; math.Abs(m-s/15) > 1e-12 {
			t.Fatalf("%s: mean AUC %v, folds say %v", name, m, s/15)
		}
		// Separation 1.2: Bayes AUC Φ(1.2/√2) = 0.80; with ≈ 190 training
		// rows in 16 dimensions both attackers fall short of it but must
		// see the signal, and neither can beat Bayes by more than noise.
		if m := r.Metrics["auc"].Mean; m < 0.6 || m > 0.86 {
			t.Fatalf("%s: mean AUC %.3f outside [0.6, 0.86]", name, m)
		}
		t.Logf("%s: AUC %.4f ± %.4f, accuracy %.4f", name, r.Metrics["auc"].Mean, r.Metrics["auc"].Std, r.Metrics["accuracy"].Mean)
	}
}

// TestPlan checks the layout of the repeats: down-sampled balanced rows,
// repeats that differ, reference (unshuffled) folds, weights.
func TestPlan(t *testing.T) {
	y := make([]int, 100)
	for i := range y {
		if i%4 == 0 {
			y[i] = 1
		}
	}
	cfg := DefaultConfig()
	reps, err := Plan(y, 2, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps) != 3 || len(reps[0].Rows) != 50 {
		t.Fatalf("%d repeats of %d rows", len(reps), len(reps[0].Rows))
	}
	if reflect.DeepEqual(reps[0].Rows, reps[1].Rows) {
		t.Fatal("repeats 0 and 1 drew the same down-sample")
	}
	cfg.Balance = "weights"
	reps, err = Plan(y, 2, cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(reps[0].Rows) != 100 || reps[0].Weights[0] != 2 || reps[0].Weights[1] != 100.0/150 {
		t.Fatalf("weights plan: %d rows, weights %v", len(reps[0].Rows), reps[0].Weights[:2])
	}
	if !reflect.DeepEqual(reps[0].Fold, reps[1].Fold) {
		t.Fatal("unshuffled folds of the full table differ between repeats")
	}
}

func TestPositiveClass(t *testing.T) {
	for _, c := range []struct {
		labels []int
		name   string
		want   int
	}{
		{[]int{0, 0, 1}, "", 1},
		{[]int{0, 1, 1}, "", 0},
		{[]int{0, 1, 0, 1}, "", 1}, // tie → larger index
		{[]int{0, 1, 1, 2, 2}, "", 0},
		{[]int{0, 0, 1}, "M", 0},
	} {
		got, err := PositiveClass(c.labels, []string{"M", "F", "X"}[:max(2, maxInt(c.labels)+1)], c.name)
		if err != nil || got != c.want {
			t.Errorf("%v %q: got %d (%v), want %d", c.labels, c.name, got, err, c.want)
		}
	}
	if _, err := PositiveClass([]int{0, 1}, []string{"M", "F"}, "Z"); err == nil {
		t.Error("unknown positive class: no error")
	}
}

func maxInt(v []int) int {
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	return m
}

func TestRunErrors(t *testing.T) {
	X, y := gaussianClasses(60, 3, 1, 0.5, 1)
	cls := []string{"M", "F"}
	nan := mat.DenseCopyOf(X)
	nan.Set(7, 2, math.NaN())
	bad := DefaultConfig()
	bad.Folds = 1
	for _, c := range []struct {
		name   string
		X      *mat.Dense
		y      []int
		cfg    Config
		substr string
	}{
		{"NaN", nan, y, DefaultConfig(), "row 7 column 2"},
		{"labels", X, y[:10], DefaultConfig(), "60 rows but 10 labels"},
		{"one class", X, make([]int, 60), DefaultConfig(), "at least 2"},
		{"folds", X, y, bad, "folds"},
	} {
		_, err := Run(context.Background(), c.X, c.y, cls, c.cfg, 1)
		if err == nil || !contains(err.Error(), c.substr) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.substr)
		}
	}
	few := append([]int(nil), y...)
	for i := range few {
		few[i] = 0
	}
	few[0], few[1], few[2] = 1, 1, 1
	if _, err := Run(context.Background(), X, few, cls, DefaultConfig(), 1); err == nil {
		t.Error("3 minority rows for 5 folds: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	three := DefaultConfig()
	three.Folds = 3
	if _, err := Run(ctx, X, y, cls, three, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s[:len(sub)] == sub || contains(s[1:], sub)))
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	for _, c := range []struct {
		path string
		mod  func(*Config)
	}{
		{"attackers", func(c *Config) { c.Attackers = nil }},
		{"attackers[1]", func(c *Config) { c.Attackers = []string{"mlp", "svm"} }},
		{"attackers[1]", func(c *Config) { c.Attackers = []string{"mlp", "mlp"} }},
		{"folds", func(c *Config) { c.Folds = 1 }},
		{"repeats", func(c *Config) { c.Repeats = 0 }},
		{"balance", func(c *Config) { c.Balance = "smote" }},
		{"mlp.hidden_layer_sizes", func(c *Config) { c.MLP.HiddenLayerSizes = nil }},
		{"mlp.hidden_layer_sizes[0]", func(c *Config) { c.MLP.HiddenLayerSizes = []int{0} }},
		{"mlp.alpha", func(c *Config) { c.MLP.Alpha = -1 }},
		{"mlp.learning_rate_init", func(c *Config) { c.MLP.LearningRateInit = 0 }},
		{"mlp.max_iter", func(c *Config) { c.MLP.MaxIter = 0 }},
		{"mlp.batch_size", func(c *Config) { c.MLP.BatchSize = -1 }},
		{"mlp.tol", func(c *Config) { c.MLP.Tol = math.NaN() }},
		{"mlp.n_iter_no_change", func(c *Config) { c.MLP.NIterNoChange = 0 }},
		{"mlp.beta_1", func(c *Config) { c.MLP.Beta1 = 1 }},
		{"mlp.beta_2", func(c *Config) { c.MLP.Beta2 = -0.1 }},
		{"mlp.epsilon", func(c *Config) { c.MLP.Epsilon = 0 }},
		{"gbdt.n_estimators", func(c *Config) { c.GBDT.NEstimators = 0 }},
		{"gbdt.max_depth", func(c *Config) { c.GBDT.MaxDepth = 0 }},
		{"gbdt.learning_rate", func(c *Config) { c.GBDT.LearningRate = 0 }},
		{"gbdt.reg_lambda", func(c *Config) { c.GBDT.RegLambda = -1 }},
		{"gbdt.gamma", func(c *Config) { c.GBDT.Gamma = -1 }},
		{"gbdt.min_child_weight", func(c *Config) { c.GBDT.MinChildWeight = -1 }},
		{"gbdt.max_bin", func(c *Config) { c.GBDT.MaxBin = 257 }},
		{"gbdt.base_score", func(c *Config) { c.GBDT.BaseScore = 1 }},
	} {
		cfg := DefaultConfig()
		c.mod(&cfg)
		err := cfg.Validate()
		var fe *cfgerr.FieldError
		if !errors.As(err, &fe) || fe.Path != c.path {
			t.Errorf("%s: got %v", c.path, err)
		}
	}
}

// TestRunMultiClassWeightsShuffle runs the protocol on three classes with
// class weights and shuffled folds: every fold must see all classes, the
// positive class defaults to the smallest, and both attackers find the
// well-separated clusters (Bayes accuracy ≈ 0.98 for centres 4 apart with
// unit noise).
func TestRunMultiClassWeightsShuffle(t *testing.T) {
	r := rngNew(12)
	n := 450
	X := mat.NewDense(n, 3, nil)
	y := make([]int, n)
	centers := [][3]float64{{0, 0, 0}, {4, 0, 0}, {0, 4, 0}}
	for i := 0; i < n; i++ {
		y[i] = []int{0, 0, 0, 1, 1, 2}[i%6] // 225 / 150 / 75 rows
		for j := 0; j < 3; j++ {
			X.Set(i, j, centers[y[i]][j]+r.NormFloat64())
		}
	}
	cfg := DefaultConfig()
	cfg.Balance, cfg.Shuffle, cfg.Repeats = "weights", true, 1
	res, err := Run(context.Background(), X, y, []string{"a", "b", "c"}, cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range cfg.Attackers {
		m := res[name]
		if m.Positive != "c" || m.Protocol.RowsPerRepeat != n {
			t.Fatalf("%s: positive %q, %d rows", name, m.Positive, m.Protocol.RowsPerRepeat)
		}
		if acc, auc := m.Metrics["balanced_accuracy"].Mean, m.Metrics["auc"].Mean; acc < 0.9 || auc < 0.95 {
			t.Fatalf("%s: balanced accuracy %.3f, AUC(c vs rest) %.3f", name, acc, auc)
		}
	}
}

// TestMinimumPerClass: Plan refuses labels whose smallest class cannot put
// MinPerClassPerFold rows in every test fold. A 3-user minority with 3
// folds used to pass (one minority row per test fold) and gave AUC
// 0.0000 ± 0; the boundary is exactly MinPerClassPerFold·k rows.
func TestMinimumPerClass(t *testing.T) {
	for _, c := range []struct {
		minority, folds int
		ok              bool
	}{
		{3, 3, false}, {3, 2, false}, {14, 3, false}, {15, 3, true}, {24, 5, false}, {25, 5, true}, {10, 2, true},
	} {
		labels := make([]int, 200)
		for i := 0; i < c.minority; i++ {
			labels[i*7] = 1
		}
		cfg := DefaultConfig()
		cfg.Folds, cfg.Repeats = c.folds, 1
		reps, err := Plan(labels, 2, cfg, 1)
		if !c.ok {
			want := fmt.Sprintf("smallest class has %d rows; %d-fold cross-validation needs at least %d per class", c.minority, c.folds, MinPerClassPerFold*c.folds)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("minority %d, %d folds: error %v, want %q", c.minority, c.folds, err, want)
			}
			continue
		}
		if err != nil {
			t.Errorf("minority %d, %d folds: %v", c.minority, c.folds, err)
			continue
		}
		// Every test fold holds at least MinPerClassPerFold of each class.
		for f := 0; f < c.folds; f++ {
			var n [2]int
			for i, fo := range reps[0].Fold {
				if fo == f {
					n[labels[reps[0].Rows[i]]]++
				}
			}
			if n[0] < MinPerClassPerFold || n[1] < MinPerClassPerFold {
				t.Errorf("minority %d, %d folds: test fold %d holds %v", c.minority, c.folds, f, n)
			}
		}
	}
}
