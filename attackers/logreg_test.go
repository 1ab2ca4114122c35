package attackers

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/rng"
)

// refObjective is the logistic objective written out independently of
// logitObjective: ½‖W‖² + C Σ_i s_i ℓ_i with ℓ_i the binary (m = 1) or
// multinomial log-loss, by plain loops over a dense copy of the design.
func refObjective(X [][]float64, y []int, w []float64, C float64, m int, theta []float64) float64 {
	d := len(X[0])
	var f float64
	for j := 0; j < d*m; j++ {
		f += 0.5 * theta[j] * theta[j]
	}
	for i, x := range X {
		s := 1.0
		if w != nil {
			s = w[i]
		}
		z := make([]float64, m)
		for k := 0; k < m; k++ {
			z[k] = theta[d*m+k]
			for j := 0; j < d; j++ {
				z[k] += x[j] * theta[j*m+k]
			}
		}
		if m == 1 {
			f += C * s * (math.Log(1+math.Exp(z[0])) - float64(y[i])*z[0])
			continue
		}
		var se float64
		for _, v := range z {
			se += math.Exp(v)
		}
		f += C * s * (math.Log(se) - z[y[i]])
	}
	return f
}

// TestLogRegOptimality fits every solver path (dense binary by Newton,
// weighted, multinomial and sparse by L-BFGS) and checks that the central
// finite-difference gradient of the independently written objective
// vanishes at the solution. Tolerance: with step h = 1e-5 the truncation
// error is h²/6·|f”'| ≲ 1e-10·C·n ≈ 3e-8 and the rounding error
// ≈ eps·|f|/h ≈ 1e-9, so 1e-5 is two orders above both; the same check at a
// point displaced by 1e-3 along one coordinate must fail (the curvature is
// ≥ 1 from the penalty), so the test can tell an optimum from a near miss.
func TestLogRegOptimality(t *testing.T) {
	ctx := context.Background()
	Xg, yg := gaussianClasses(300, 6, 1.0, 0.5, 21)
	y3 := make([]int, 300)
	r := rng.New(5, "logreg-3")
	for i := range y3 {
		y3[i] = yg[i] + r.IntN(2) // three classes, related to the features
	}
	wts := make([]float64, 300)
	for i := range wts {
		wts[i] = 0.5 + r.Float64()
	}
	// Sparse multi-hot: 300 users × 40 items, 6 items each, class 1 prefers
	// the first half.
	var ent []csr.Entry
	for i := 0; i < 300; i++ {
		seen := map[int]bool{}
		for len(seen) < 6 {
			j := r.IntN(40)
			if yg[i] == 1 && r.Float64() < 0.5 {
				j = r.IntN(20)
			}
			if !seen[j] {
				seen[j] = true
				ent = append(ent, csr.Entry{Row: int32(i), Col: int32(j), Val: 1})
			}
		}
	}
	S, err := csr.FromEntries(300, 40, ent)
	if err != nil {
		t.Fatal(err)
	}
	rows := make([]int, 300)
	for i := range rows {
		rows[i] = i
	}
	Sd := make([][]float64, 300)
	for i := range Sd {
		Sd[i] = make([]float64, 40)
		for p := S.RowPtr[i]; p < S.RowPtr[i+1]; p++ {
			Sd[i][S.ColIdx[p]] = float64(S.Val[p])
		}
	}
	dense := make([][]float64, 300)
	for i := range dense {
		dense[i] = Xg.RawRowView(i)
	}
	withHessian0, err := withH0(Xg, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		X       design
		Xd      [][]float64
		y       []int
		w       []float64
		classes int
		C       float64
	}{
		{"dense binary (Newton)", denseDesign{X: Xg}, dense, yg, nil, 2, 1},
		{"dense binary (Newton, cached first Hessian)", withHessian0, dense, yg, nil, 2, 1},
		{"dense binary weighted, C=10", denseDesign{X: Xg}, dense, yg, wts, 2, 10},
		{"dense three classes (L-BFGS)", denseDesign{X: Xg}, dense, y3, nil, 3, 1},
		{"sparse binary (L-BFGS)", sparseDesign{S, rows}, Sd, yg, nil, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultLogRegConfig()
			cfg.C = tc.C
			lm, _, err := fitLogit(ctx, tc.X, tc.y, tc.w, tc.classes, cfg)
			if err != nil {
				t.Fatal(err)
			}
			theta := append(append([]float64(nil), lm.W...), lm.B...)
			fd := func(th []float64) float64 {
				const h = 1e-5
				var worst float64
				for j := range th {
					a := append([]float64(nil), th...)
					b := append([]float64(nil), th...)
					a[j] += h
					b[j] -= h
					g := (refObjective(tc.Xd, tc.y, tc.w, tc.C, lm.m, a) - refObjective(tc.Xd, tc.y, tc.w, tc.C, lm.m, b)) / (2 * h)
					worst = math.Max(worst, math.Abs(g))
				}
				return worst
			}
			if g := fd(theta); g > 1e-5 {
				t.Fatalf("finite-difference gradient at the solution: ‖∇f‖∞ = %.3g > 1e-5", g)
			}
			off := append([]float64(nil), theta...)
			off[0] += 1e-3
			if g := fd(off); g < 1e-4 {
				t.Fatalf("the check cannot tell a displaced point: ‖∇f‖∞ = %.3g", g)
			}
		})
	}
}

// TestLogRegSklearn compares the "logreg" attacker with scikit-learn 1.2.1's
// make_pipeline(StandardScaler(), LogisticRegression(C=1.0,
// solver="newton-cg", tol=1e-10)) on the tables of
// testdata/logreg_sklearn.json (made by testdata/logreg_sklearn.py):
// coefficients, intercepts and test-row probabilities. Both solve the same
// strictly convex problem with a Newton-type method to its floating-point
// floor, so they agree far below 1e-6. (scikit-learn's default lbfgs stops
// on a relative decrease of f of 64·eps, ~5e-6 away in the coefficients —
// measured — which is why the stored outputs use newton-cg; the
// attack-level parity with default settings is make parity's job.)
func TestLogRegSklearn(t *testing.T) {
	raw, err := os.ReadFile("testdata/logreg_sklearn.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name    string      `json:"name"`
		Xtr     [][]float64 `json:"X_train"`
		Ytr     []int       `json:"y_train"`
		Xte     [][]float64 `json:"X_test"`
		Classes int         `json:"classes"`
		Coef    [][]float64 `json:"coef"` // m × d, scikit-learn's layout
		Icpt    []float64   `json:"intercept"`
		Proba   [][]float64 `json:"proba"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 2 {
		t.Fatalf("%d cases in testdata", len(cases))
	}
	toDense := func(rows [][]float64) *mat.Dense {
		X := mat.NewDense(len(rows), len(rows[0]), nil)
		for i, r := range rows {
			copy(X.RawRowView(i), r)
		}
		return X
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			lr := NewLogReg(DefaultLogRegConfig())
			if err := lr.Fit(context.Background(), toDense(c.Xtr), c.Ytr, nil, c.Classes, 0); err != nil {
				t.Fatal(err)
			}
			W, b := lr.Coef()
			m := len(b)
			for k := 0; k < m; k++ {
				if math.Abs(b[k]-c.Icpt[k]) > 1e-6 {
					t.Errorf("intercept %d: %.9f, scikit-learn %.9f", k, b[k], c.Icpt[k])
				}
				for j := range c.Coef[k] {
					if math.Abs(W[j*m+k]-c.Coef[k][j]) > 1e-6 {
						t.Errorf("coef[%d][%d]: %.9f, scikit-learn %.9f", k, j, W[j*m+k], c.Coef[k][j])
					}
				}
			}
			P := mat.NewDense(len(c.Xte), c.Classes, nil)
			if err := lr.PredictProba(P, toDense(c.Xte)); err != nil {
				t.Fatal(err)
			}
			for i, row := range c.Proba {
				for k, v := range row {
					if math.Abs(P.At(i, k)-v) > 1e-6 {
						t.Fatalf("proba[%d][%d]: %.9f, scikit-learn %.9f", i, k, P.At(i, k), v)
					}
				}
			}
		})
	}
}
