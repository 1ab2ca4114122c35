package attackers

import (
	"context"
	"math"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/rng"
)

// smallProto is the reference protocol with a small, fast MLP and GBDT:
// the audit's machinery, not the paper's instruments, is under test.
func smallProto() Config {
	c := DefaultConfig()
	c.MLP.HiddenLayerSizes = []int{16}
	c.MLP.MaxIter = 40
	c.GBDT.NEstimators = 10
	c.GBDT.MaxDepth = 3
	return c
}

// TestAuditPaperAttackersMatchRun: the audit's plain "mlp" and "gbdt" are
// the protocol's — same rows, folds, seeds and fits — so with the same
// (shuffled) layout every fold metric equals Run's bit for bit.
func TestAuditPaperAttackersMatchRun(t *testing.T) {
	X, y := gaussianClasses(240, 6, 1.0, 0.4, 4)
	proto := smallProto()
	proto.Shuffle = true
	cfg := DefaultAuditConfig()
	cfg.Attackers, cfg.Nested, cfg.Permutations = []string{"mlp", "gbdt"}, false, 0
	res, err := Audit(context.Background(), Table{Name: "t", Dense: X}, y, []string{"M", "F"}, proto, cfg, 11)
	if err != nil {
		t.Fatal(err)
	}
	run, err := Run(context.Background(), X, y, []string{"M", "F"}, proto, 11)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"mlp", "gbdt"} {
		if !reflect.DeepEqual(res.Attackers[name].Folds, run[name].Folds) {
			t.Fatalf("%s: audit folds differ from Run's:\n%+v\n%+v", name, res.Attackers[name].Folds[0], run[name].Folds[0])
		}
		if res.Attackers[name].AUC != run[name].Metrics["auc"] {
			t.Fatalf("%s: audit AUC %+v, Run %+v", name, res.Attackers[name].AUC, run[name].Metrics["auc"])
		}
	}
}

// TestAuditSameSeedAnyCores runs the whole audit (every attacker, nested,
// a null for all of them) with GOMAXPROCS 1 and 2 and requires identical
// results, and another seed to change them.
func TestAuditSameSeedAnyCores(t *testing.T) {
	X, y := gaussianClasses(160, 5, 1.0, 0.5, 8)
	cfg := DefaultAuditConfig()
	cfg.Permutations, cfg.Null = 3, AuditAttackers
	proto := smallProto()
	proto.Repeats = 2
	run := func(procs int, seed uint64) *AuditResult {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		res, err := Audit(context.Background(), Table{Name: "t", Dense: X}, y, []string{"M", "F"}, proto, cfg, seed)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := run(1, 5), run(2, 5)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("GOMAXPROCS 1 and 2 give different audits")
	}
	if want := 2 * len(AuditAttackers); len(a.Order) != want || len(a.Attackers) != want {
		t.Fatalf("%d attackers in the result, want %d: %v", len(a.Attackers), want, a.Order)
	}
	for _, name := range a.Order {
		if s := a.Attackers[name]; s.Null95 == nil || len(s.NullAUC) != 3 || len(s.Folds) != 10 {
			t.Fatalf("%s: null %v (%d values), %d folds", name, s.Null95, len(s.NullAUC), len(s.Folds))
		}
	}
	if c := run(2, 6); reflect.DeepEqual(a.Attackers["logreg"].Folds, c.Attackers["logreg"].Folds) {
		t.Fatal("seed 6 gave the same logreg folds as seed 5")
	}
}

// antiClustered puts n users on a line (every column is the position, plus
// noise far below the spacing) with alternating labels: each user's
// nearest neighbours are mostly of the other class — what MMD's
// over-matching does to a user table.
func antiClustered(n, d int, seed uint64) (*mat.Dense, []int) {
	r := rng.New(seed, "anti")
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % 2
		for j := 0; j < d; j++ {
			X.Set(i, j, float64(i)/float64(n)+1e-4*r.NormFloat64())
		}
	}
	return X, y
}

// TestAuditAntiClustered: on the anti-clustered table plain 5-NN votes for
// the other class (AUC well below 0.5) and the nested calibrator learns
// the sign back (AUC well above 0.5). With shuffled folds a held-out user
// has its two immediate neighbours (other class) in training with
// probability 0.64 and the five nearest training users hold at least
// three of the other class most of the time, so the plain AUC is ≈ 0.15 and
// the nested one its mirror image.
func TestAuditAntiClustered(t *testing.T) {
	X, y := antiClustered(300, 4, 1)
	cfg := DefaultAuditConfig()
	cfg.Attackers, cfg.Permutations = []string{"knn", "logreg"}, 10
	res, err := Audit(context.Background(), Table{Name: "anti", Dense: X}, y, []string{"M", "F"}, DefaultConfig(), cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	knn, nested := res.Attackers["knn"], res.Attackers["knn+nested"]
	t.Logf("knn %.3f (null95 %.3f), knn+nested %.3f (null95 %.3f), logreg %.3f, leakage %+v",
		knn.AUC.Mean, *knn.Null95, nested.AUC.Mean, *nested.Null95, res.Attackers["logreg"].AUC.Mean, res.Leakage)
	if knn.AUC.Mean >= 0.4 || *knn.ExceedsNull {
		t.Fatalf("plain knn AUC %.3f, want < 0.4 and not above its null", knn.AUC.Mean)
	}
	if nested.AUC.Mean <= 0.6 || !*nested.ExceedsNull {
		t.Fatalf("knn+nested AUC %.3f (null95 %.3f), want > 0.6 and above its null", nested.AUC.Mean, *nested.Null95)
	}
	if res.Leakage.Attacker != "knn+nested" || res.Leakage.AUC != nested.AUC.Mean {
		t.Fatalf("leakage %+v, want knn+nested", res.Leakage)
	}
}

// TestAuditNoise: on pure noise (Gaussian table, labels drawn
// independently) every attacker, plain and nested, is at chance and within
// its own permutation null. The observed labels are exchangeable with the
// 20 permutations, so each attacker lands above its null's 95th percentile
// with probability ≈ 1/21; the test allows 2 of the 10 (for 10 independent
// attackers P(≥ 3) ≈ 1.2%; they are correlated, which only spreads the
// count) and requires every mean AUC within the null's range widened by
// 0.03 and within 0.1 of 0.5. A leak — an attacker seeing its test fold —
// would put that attacker far above its null.
func TestAuditNoise(t *testing.T) {
	if testing.Short() {
		t.Skip("fits about 2,000 small models")
	}
	r := rng.New(2, "noise")
	n, d := 200, 6
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		if r.Float64() < 0.4 {
			y[i] = 1
		}
		for j := 0; j < d; j++ {
			X.Set(i, j, r.NormFloat64())
		}
	}
	cfg := DefaultAuditConfig()
	cfg.Null = AuditAttackers
	proto := smallProto()
	proto.Repeats = 1
	res, err := Audit(context.Background(), Table{Name: "noise", Dense: X}, y, []string{"M", "F"}, proto, cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	above := 0
	for _, name := range res.Order {
		s := res.Attackers[name]
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range s.NullAUC {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		t.Logf("%-15s AUC %.3f  null [%.3f, %.3f] 95%% %.3f", name, s.AUC.Mean, lo, hi, *s.Null95)
		if *s.ExceedsNull {
			above++
		}
		if s.AUC.Mean < lo-0.03 || s.AUC.Mean > hi+0.03 || math.Abs(s.AUC.Mean-0.5) > 0.1 {
			t.Errorf("%s: AUC %.3f outside its null [%.3f, %.3f] ± 0.03 or far from 0.5", name, s.AUC.Mean, lo, hi)
		}
	}
	if above > 2 {
		t.Errorf("%d of %d attackers above their null's 95th percentile on noise", above, len(res.Order))
	}
}

// TestNestedCannotSeeTestFold changes only the labels of one outer test
// fold (every label of fold 0 of repeat 0 flipped) and requires the
// calibrated probabilities of that fold to stay bit for bit the same: no
// model and no calibrator that scores fold 0 was fit on its labels. (Its
// labels do enter the fits that score the other folds.)
func TestNestedCannotSeeTestFold(t *testing.T) {
	X, y := gaussianClasses(200, 5, 2.0, 0.5, 12)
	cfg := DefaultAuditConfig()
	cfg.Attackers, cfg.Permutations = []string{"logreg", "knn", "mlp-std"}, 2
	cfg.Null = cfg.Attackers
	proto := smallProto()
	proto.Repeats = 1
	e, err := newAuditEngine(Table{Name: "t", Dense: X}, y, []string{"M", "F"}, proto, cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	// Permutation 1 := the observed labels with fold 0's flipped.
	flipped := append([]int(nil), e.lab[0][0]...)
	for i, f := range e.reps[0].Fold {
		if f == 0 {
			flipped[i] = 1 - flipped[i]
		}
	}
	e.lab[1][0] = flipped
	if err := e.runFits(context.Background()); err != nil {
		t.Fatal(err)
	}
	for a, name := range cfg.Attackers {
		P0, held0, err := e.nestedProba(context.Background(), a, 0, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		P1, held1, err := e.nestedProba(context.Background(), a, 1, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(held0, held1) || !mat.Equal(P0, P1) {
			t.Fatalf("%s+nested: fold 0's scores change when only fold 0's labels change", name)
		}
		// The check has teeth: fold 1's scores do depend on fold 0's
		// labels (fold 0 is in their training rows).
		Q0, _, _ := e.nestedProba(context.Background(), a, 0, 0, 1)
		Q1, _, _ := e.nestedProba(context.Background(), a, 1, 0, 1)
		if mat.Equal(Q0, Q1) {
			t.Fatalf("%s+nested: fold 1's scores ignore fold 0's labels; the test cannot see a leak", name)
		}
		// And with fold 0's labels flipped its AUC mirrors: what was
		// found is read through a calibrator that never saw them.
		var auc [2]float64
		for p, lab := range [][]int{e.lab[0][0], flipped} {
			pos, score := make([]bool, len(held0)), make([]float64, len(held0))
			for i, q := range held0 {
				pos[i], score[i] = lab[q] == 1, P0.At(i, 1)
			}
			auc[p], _ = ROCAUC(pos, score)
		}
		if math.Abs(auc[0]+auc[1]-1) > 1e-12 || auc[0] < 0.8 {
			t.Fatalf("%s+nested fold 0: AUC %.3f with the true labels, %.3f flipped", name, auc[0], auc[1])
		}
	}
}

// TestAuditSparse attacks a multi-hot table (each user's 10 "recommended"
// items out of 60; one class leans to the first 20) with logreg and knn
// (Jaccard), and refuses the dense-only attackers.
func TestAuditSparse(t *testing.T) {
	r := rng.New(4, "sparse")
	n := 240
	y := make([]int, n)
	var ent []csr.Entry
	for i := 0; i < n; i++ {
		y[i] = r.IntN(2)
		seen := map[int]bool{}
		for len(seen) < 10 {
			j := r.IntN(60)
			if y[i] == 1 && r.Float64() < 0.3 {
				j = r.IntN(20)
			}
			seen[j] = true
		}
		for j := 0; j < 60; j++ {
			if seen[j] {
				ent = append(ent, csr.Entry{Row: int32(i), Col: int32(j), Val: 1})
			}
		}
	}
	S, err := csr.FromEntries(n, 60, ent)
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultAuditConfig()
	cfg.Attackers, cfg.Permutations = []string{"logreg", "knn"}, 5
	res, err := Audit(context.Background(), Table{Name: "recs", Sparse: S}, y, []string{"M", "F"}, DefaultConfig(), cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range res.Order {
		s := res.Attackers[name]
		t.Logf("%-14s AUC %.3f null95 %.3f", name, s.AUC.Mean, *s.Null95)
		if s.AUC.Mean < 0.65 || !*s.ExceedsNull {
			t.Errorf("%s: AUC %.3f on a table with a planted signal (null95 %.3f)", name, s.AUC.Mean, *s.Null95)
		}
	}
	cfg.Attackers = []string{"gbdt"}
	if _, err := Audit(context.Background(), Table{Name: "recs", Sparse: S}, y, []string{"M", "F"}, DefaultConfig(), cfg, 1); err == nil ||
		!strings.Contains(err.Error(), `gbdt cannot attack the sparse table "recs"`) {
		t.Fatalf("gbdt on a sparse table: %v", err)
	}
}

// TestAuditErrors: an attacker that cannot run is an error naming the
// attacker, the table and the problem.
func TestAuditErrors(t *testing.T) {
	X, y := gaussianClasses(100, 3, 1, 0.5, 1)
	konst := mat.DenseCopyOf(X)
	for i := 0; i < 100; i++ {
		konst.Set(i, 2, 7)
	}
	for _, tc := range []struct {
		name string
		X    *mat.Dense
		cfg  func(*AuditConfig)
		want []string
	}{
		{"k too large", X, func(c *AuditConfig) { c.Attackers, c.KNN.K = []string{"knn"}, 500 },
			[]string{"knn", `table "tab"`, "k = 500 is larger than the"}},
		{"constant column", konst, func(c *AuditConfig) { c.Attackers = []string{"logreg"} },
			[]string{"logreg", `table "tab"`, "column 2 is constant"}},
		{"constant column, mlp-std", konst, func(c *AuditConfig) { c.Attackers = []string{"mlp-std"} },
			[]string{"mlp-std", `table "tab"`, "column 2 is constant"}},
		{"bad config", X, func(c *AuditConfig) { c.Attackers = []string{"svm"} },
			[]string{"attackers[0]", `"svm"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultAuditConfig()
			cfg.Permutations = 0
			tc.cfg(&cfg)
			_, err := Audit(context.Background(), Table{Name: "tab", Dense: tc.X}, y, []string{"M", "F"}, smallProto(), cfg, 1)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestPercentile checks numpy.percentile's linear interpolation on a
// worked example: for 1..20, h = 0.95·19 = 18.05, so 19 + 0.05·1.
func TestPercentile(t *testing.T) {
	v := make([]float64, 20)
	for i := range v {
		v[i] = float64(20 - i)
	}
	if got := Percentile(v, 95); math.Abs(got-19.05) > 1e-12 {
		t.Fatalf("Percentile(1..20, 95) = %v, want 19.05", got)
	}
	if v[0] != 20 {
		t.Fatal("Percentile sorted its argument in place")
	}
}

// TestAuditMultiClass runs the audit on three classes with class weights
// (balance "weights", unbalanced classes): the nested calibrator is then a
// weighted multinomial model on the probability vector and the AUC is the
// macro one-vs-rest mean. Class c is shifted by 1.5·c along the first
// column (adjacent classes are Φ(1.5/√2) = 0.86 apart by AUC, the outer
// ones 0.98), so every attacker must find it: macro AUC > 0.7.
func TestAuditMultiClass(t *testing.T) {
	r := rng.New(9, "multi")
	n := 300
	X := mat.NewDense(n, 4, nil)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = []int{0, 0, 0, 1, 1, 2}[r.IntN(6)]
		for j := 0; j < 4; j++ {
			X.Set(i, j, r.NormFloat64())
		}
		X.Set(i, 0, X.At(i, 0)+1.5*float64(y[i]))
	}
	cfg := DefaultAuditConfig()
	cfg.Attackers, cfg.Permutations = []string{"logreg", "knn"}, 0
	proto := DefaultConfig()
	proto.Balance, proto.Repeats = "weights", 1
	res, err := Audit(context.Background(), Table{Name: "three", Dense: X}, y, []string{"a", "b", "c"}, proto, cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range res.Order {
		if a := res.Attackers[name].AUC.Mean; a < 0.7 {
			t.Errorf("%s: macro AUC %.3f on three shifted classes", name, a)
		}
		t.Logf("%-14s macro AUC %.3f balanced accuracy %.3f", name, res.Attackers[name].AUC.Mean, res.Attackers[name].BalancedAccuracy.Mean)
	}
}
