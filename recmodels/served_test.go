package recmodels

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// perturbedServed returns m's served parameters moved by N(0, 0.1²) noise,
// so that they differ from the model's own.
func perturbedServed(m Model, r *rand.Rand) *dense.Matrix {
	X := ServedParams(m)
	for i := range X.Data {
		X.Data[i] += float32(r.NormFloat64() * 0.1)
	}
	return X
}

// TestServedParamsRoundTrip checks the layout of the served parameters
// (MF: the table; NeuMF: [P | A] row by row; LightGCN: the ego table) and
// that WithServedParams changes exactly the user-side tables.
func TestServedParamsRoundTrip(t *testing.T) {
	s := tinySplit(12, 15, 6, 2, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		t.Run(kind, func(t *testing.T) {
			m, err := newModel(smallConfig(kind), s, 8)
			if err != nil {
				t.Fatal(err)
			}
			X := ServedParams(m)
			if n, ok := m.(*NeuMF); ok {
				for u := range X.Rows {
					if !slices.Equal(X.Row(u), append(slices.Clone(n.P.w.Row(u)), n.A.w.Row(u)...)) {
						t.Fatalf("row %d is not [P_u, A_u]", u)
					}
				}
			} else if !slices.Equal(X.Data, m.UserTable().Data) {
				t.Fatal("served parameters are not the user table")
			}
			if ServedIsTable(kind) != (kind == "mf") {
				t.Errorf("ServedIsTable(%q) = %v", kind, ServedIsTable(kind))
			}
			X2 := perturbedServed(m, rand.New(rand.NewPCG(1, 2)))
			m2, err := WithServedParams(m, X2)
			if err != nil {
				t.Fatal(err)
			}
			if got := ServedParams(m2); !slices.Equal(got.Data, X2.Data) {
				t.Fatal("ServedParams(WithServedParams(m, X)) != X")
			}
			if _, items := m2.Embeddings(); kind != "lightgcn" {
				_, want := m.Embeddings()
				if !slices.Equal(items.Data, want.Data) {
					t.Fatal("the item table changed")
				}
			}
			if _, err := WithServedParams(m, dense.New(X.Rows, X.Cols+1)); err == nil {
				t.Error("a wrong shape is accepted")
			}
		})
	}
}

// TestServedUsersLightGCN checks the propagated representation against
// the model's own propagation (Embeddings of the model with the same ego
// table: the same function, computed independently of ServedUsers) and its
// backward by the adjoint identity: R is affine in the ego table X with the
// items fixed, so for any V and G
//
//	⟨G, R(X + V) − R(X)⟩ = ⟨backward(G), V⟩
//
// exactly in real arithmetic. In float32 the difference R(X+V) − R(X)
// loses ~1e-7 relative to |R| ≈ 1 per entry, so after summing 12×5
// products the two sides agree to ~1e-5 relative; 1e-4 is the tolerance.
func TestServedUsersLightGCN(t *testing.T) {
	ctx := context.Background()
	s := tinySplit(12, 15, 6, 2, false)
	m, err := newModel(smallConfig("lightgcn"), s, 8)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	bigInit(m, r)
	X := perturbedServed(m, r)
	R, back, err := ServedUsers(ctx, m, X)
	if err != nil {
		t.Fatal(err)
	}
	mx, _ := WithServedParams(m, X)
	want, _ := mx.Embeddings()
	if !slices.Equal(R.Data, want.Data) {
		t.Fatal("ServedUsers differs from the model's propagated user table")
	}
	R = R.Clone()
	V, G := dense.New(X.Rows, X.Cols), dense.New(X.Rows, X.Cols)
	XV := X.Clone()
	for i := range V.Data {
		V.Data[i] = float32(r.NormFloat64())
		G.Data[i] = float32(r.NormFloat64())
		XV.Data[i] += V.Data[i]
	}
	RV, _, err := ServedUsers(ctx, m, XV)
	if err != nil {
		t.Fatal(err)
	}
	dX := dense.New(X.Rows, X.Cols)
	if err := back(G, dX); err != nil {
		t.Fatal(err)
	}
	var lhs, rhs float64
	for i := range G.Data {
		lhs += float64(G.Data[i]) * (float64(RV.Data[i]) - float64(R.Data[i]))
		rhs += float64(dX.Data[i]) * float64(V.Data[i])
	}
	t.Logf("⟨G, ΔR⟩ = %.8g, ⟨∇, V⟩ = %.8g", lhs, rhs)
	if math.Abs(lhs-rhs) > 1e-4*math.Abs(lhs) || lhs == 0 {
		t.Errorf("adjoint identity: %.8g vs %.8g", lhs, rhs)
	}
}

// TestScoreServedNeuMF checks NeuMF's served scoring against Model.Score of
// the model with the same [P | A] (the evaluators' path), its backward
// against central differences (tolerances of TestScorePairsBackwardFiniteDifference),
// that the MLP columns receive gradient (the point of serving), and that
// the scores and gradients are the same bits for any number of workers and
// chunk boundaries inside the pairs.
func TestScoreServedNeuMF(t *testing.T) {
	ctx := context.Background()
	s := tinySplit(12, 15, 6, 2, false)
	m0, err := newModel(smallConfig("neumf"), s, 8)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	bigInit(m0, r)
	m := m0.(*NeuMF)
	X := perturbedServed(m, r)
	n := 40
	users, items := make([]int32, n), make([]int32, n)
	w := make([]float32, n)
	for k := range users {
		users[k], items[k] = int32(r.IntN(12)), int32(r.IntN(15))
		w[k] = float32(r.NormFloat64())
	}
	dst := make([]float32, n)
	back, err := ScoreServed(ctx, m, X, users, items, dst)
	if err != nil {
		t.Fatal(err)
	}
	mx, _ := WithServedParams(m, X)
	one := make([]float32, 1)
	for k := range users {
		mx.Score(one, int(users[k]), items[k:k+1])
		if math.Abs(float64(one[0]-dst[k])) > 1e-5*(1+math.Abs(float64(one[0]))) {
			t.Fatalf("pair %d: ScoreServed %v, Score %v", k, dst[k], one[0])
		}
	}
	dX := dense.New(X.Rows, X.Cols)
	if err := back(w, dX); err != nil {
		t.Fatal(err)
	}
	L := func() float64 {
		if _, err := ScoreServed(ctx, m, X, users, items, dst); err != nil {
			t.Fatal(err)
		}
		var l float64
		for k := range dst {
			l += float64(w[k]) * float64(dst[k])
		}
		return l
	}
	d := m.cfg.Dim
	mlpNonzero := 0
	for i := range X.Data {
		old := X.Data[i]
		X.Data[i] = old + fdH
		lp := L()
		X.Data[i] = old - fdH
		lm := L()
		X.Data[i] = old
		num := (lp - lm) / (2 * fdH)
		if !fdClose(float64(dX.Data[i]), num) {
			t.Errorf("dX[%d]: analytic %.6g, finite difference %.6g", i, dX.Data[i], num)
		}
		if i%X.Cols >= d && math.Abs(num) > 1e-3 {
			mlpNonzero++
		}
	}
	if mlpNonzero < X.Rows*(X.Cols-d)/4 {
		t.Fatalf("only %d MLP-column gradients are non-zero", mlpNonzero)
	}
	// Same bits for any worker count.
	prev := runtime.GOMAXPROCS(1)
	m.nWork = 1
	dst1 := make([]float32, n)
	back1, err := ScoreServed(ctx, m, X, users, items, dst1)
	runtime.GOMAXPROCS(prev)
	m.nWork = 0
	if err != nil {
		t.Fatal(err)
	}
	dX1 := dense.New(X.Rows, X.Cols)
	if err := back1(w, dX1); err != nil {
		t.Fatal(err)
	}
	back2, _ := ScoreServed(ctx, m, X, users, items, dst)
	dX2 := dense.New(X.Rows, X.Cols)
	if err := back2(w, dX2); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst1, dst) || !slices.Equal(dX1.Data, dX2.Data) {
		t.Error("served scores or gradients depend on the number of workers")
	}
	// Same bits with chunk boundaries inside the pairs (16 + 16 + 8).
	defer func(c int) { servedChunk = c }(servedChunk)
	servedChunk = 16
	dst3 := make([]float32, n)
	back3, err := ScoreServed(ctx, m, X, users, items, dst3)
	if err != nil {
		t.Fatal(err)
	}
	dX3 := dense.New(X.Rows, X.Cols)
	if err := back3(w, dX3); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(dst3, dst) || !slices.Equal(dX3.Data, dX2.Data) {
		t.Error("served scores or gradients depend on the chunking")
	}
	if err := back2(w, dX2); err == nil {
		t.Error("a second backward is accepted")
	}
}
