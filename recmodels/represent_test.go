package recmodels

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/potau/potau/internal/rng"
)

// TestRepresentationsByKind pins the names each model kind exposes and
// that a name a model lacks is an error naming what it has.
func TestRepresentationsByKind(t *testing.T) {
	for _, tc := range []struct {
		kind string
		want []string
	}{
		{"mf", []string{"user", "recommendations"}},
		{"neumf", []string{"gmf", "mlp-tower", "concat", "recommendations"}},
		{"lightgcn", []string{"ego", "propagated", "recommendations"}},
	} {
		got, err := Representations(tc.kind)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Representations(%q) = %v, %v; want %v", tc.kind, got, err, tc.want)
		}
		if UnlearnedRepresentation(tc.kind) != tc.want[0] {
			t.Errorf("UnlearnedRepresentation(%q) = %q, want %q", tc.kind, UnlearnedRepresentation(tc.kind), tc.want[0])
		}
	}
	if _, err := Representations("svd"); err == nil {
		t.Error("unknown kind accepted")
	}
	s := tinySplit(30, 50, 4, 1, false)
	m, err := NewModel(smallConfig("mf"), s, 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Representation(context.Background(), m, "propagated", s.Train)
	if err == nil || !strings.Contains(err.Error(), `mf has no representation "propagated" (it has: user, recommendations)`) {
		t.Errorf("MF propagated: err = %v", err)
	}
}

// TestPropagatedIsLayerMean compares LightGCN's propagated representation
// with an independent float64 computation of the definition,
// F = 1/(L+1)·Σ_{l=0..L} Â^l X⁰ with Â = D^{-1/2} A D^{-1/2} built from the
// training lists, layer by layer (not by Horner's rule as the model does).
// Tolerance: the model sums in float32; each entry is a sum of at most
// L·(max degree) products of O(0.1–1) values, so its rounding error is a
// few ulps of float32 times the number of terms, well below 1e-5 here.
// The ego, as the unlearned table, must be the model's UserTable itself.
func TestPropagatedIsLayerMean(t *testing.T) {
	s := tinySplit(120, 90, 6, 3, false)
	for _, layers := range []int{0, 1, 3} {
		c := smallConfig("lightgcn")
		c.Layers = layers
		m, err := NewModel(c, s, 5)
		if err != nil {
			t.Fatal(err)
		}
		bigInit(m.(*LightGCN), rand.New(rand.NewPCG(1, 2)))
		ego, err := Representation(context.Background(), m, RepEgo, s.Train)
		if err != nil {
			t.Fatal(err)
		}
		if ego.Dense != m.UserTable() {
			t.Errorf("L=%d: ego is not the unlearned table", layers)
		}
		rep, err := Representation(context.Background(), m, RepPropagated, s.Train)
		if err != nil {
			t.Fatal(err)
		}
		nu, ni, d := s.NumUsers, s.NumItems, c.Dim
		n := nu + ni
		deg := make([]float64, n)
		for u, items := range s.Train {
			for _, i := range items {
				deg[u]++
				deg[nu+int(i)]++
			}
		}
		x := make([]float64, n*d) // current layer Â^l X⁰
		lg := m.(*LightGCN)
		for k, v := range lg.EU.w.Data {
			x[k] = float64(v)
		}
		for k, v := range lg.EI.w.Data {
			x[nu*d+k] = float64(v)
		}
		sum := slices.Clone(x)
		for l := 1; l <= layers; l++ {
			next := make([]float64, n*d)
			for u, items := range s.Train {
				for _, i := range items {
					j := nu + int(i)
					w := 1 / math.Sqrt(deg[u]*deg[j])
					for c := 0; c < d; c++ {
						next[u*d+c] += w * x[j*d+c]
						next[j*d+c] += w * x[u*d+c]
					}
				}
			}
			x = next
			for k := range sum {
				sum[k] += x[k]
			}
		}
		if rep.Dense.Rows != nu || rep.Dense.Cols != d {
			t.Fatalf("L=%d: propagated is %dx%d, want %dx%d", layers, rep.Dense.Rows, rep.Dense.Cols, nu, d)
		}
		var worst float64
		for k := 0; k < nu*d; k++ {
			worst = max(worst, math.Abs(float64(rep.Dense.Data[k])-sum[k]/float64(layers+1)))
		}
		if worst > 1e-5 {
			t.Errorf("L=%d: propagated differs from the layer mean by %g", layers, worst)
		}
	}
}

// TestNeuMFRepresentations checks that gmf, mlp-tower and concat are P, A
// and [P, A] row by row.
func TestNeuMFRepresentations(t *testing.T) {
	s := tinySplit(40, 60, 5, 2, false)
	m, err := NewModel(smallConfig("neumf"), s, 3)
	if err != nil {
		t.Fatal(err)
	}
	n := m.(*NeuMF)
	ctx := context.Background()
	g, err1 := Representation(ctx, m, RepGMF, s.Train)
	a, err2 := Representation(ctx, m, RepMLPTower, s.Train)
	c, err3 := Representation(ctx, m, RepConcat, s.Train)
	if err1 != nil || err2 != nil || err3 != nil {
		t.Fatal(err1, err2, err3)
	}
	if g.Dense != n.P.w || a.Dense != n.A.w {
		t.Fatal("gmf / mlp-tower are not the GMF and MLP user tables")
	}
	if c.Dense.Cols != n.P.w.Cols+n.A.w.Cols {
		t.Fatalf("concat has %d columns", c.Dense.Cols)
	}
	for u := 0; u < s.NumUsers; u++ {
		want := append(slices.Clone(n.P.w.Row(u)), n.A.w.Row(u)...)
		if !slices.Equal(c.Dense.Row(u), want) {
			t.Fatalf("concat row %d = %v, want %v", u, c.Dense.Row(u), want)
		}
	}
}

// bruteTop is the definition: every item not among the training positives,
// sorted by score descending then item index ascending, first k.
func bruteTop(scores []float32, train []int32, k int) []int32 {
	var c []int32
	for i := range scores {
		if !slices.Contains(train, int32(i)) {
			c = append(c, int32(i))
		}
	}
	slices.SortStableFunc(c, func(a, b int32) int {
		switch {
		case scores[a] > scores[b]:
			return -1
		case scores[a] < scores[b]:
			return 1
		}
		return int(a - b)
	})
	return c[:min(k, len(c))]
}

// TestRecommendationsMatchBruteForce checks the recommendations
// representation of every model kind against a brute-force top-20 of
// ScoreAll: each row holds exactly the 20 best non-training items, no
// training positive, values 1, columns ascending. MF's user 0 has a zero
// vector, so all its scores tie and the tie rule (smaller item index
// first) decides the whole list: it must be the 20 smallest item indices
// the user has not trained on.
func TestRecommendationsMatchBruteForce(t *testing.T) {
	s := tinySplit(50, 70, 8, 4, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		m, err := NewModel(smallConfig(kind), s, 6)
		if err != nil {
			t.Fatal(err)
		}
		if kind == "mf" {
			u := m.UserTable().Clone()
			clear(u.Row(0))
			m = m.WithUserTable(u)
		}
		rep, err := Representation(context.Background(), m, RepRecommendations, s.Train)
		if err != nil {
			t.Fatal(err)
		}
		sp := rep.Sparse
		if rep.Dense != nil || sp == nil || sp.Rows != s.NumUsers || sp.Cols != s.NumItems {
			t.Fatalf("%s: recommendations are not a %dx%d sparse table", kind, s.NumUsers, s.NumItems)
		}
		scores := make([]float32, s.NumItems)
		for u := 0; u < s.NumUsers; u++ {
			m.ScoreAll(scores, u)
			want := bruteTop(scores, s.Train[u], RecommendationsK)
			slices.Sort(want)
			got := sp.ColIdx[sp.RowPtr[u]:sp.RowPtr[u+1]]
			if !slices.Equal(got, want) {
				t.Fatalf("%s user %d: recommended %v, want %v", kind, u, got, want)
			}
			for _, i := range got {
				if slices.Contains(s.Train[u], i) {
					t.Fatalf("%s user %d: training positive %d recommended", kind, u, i)
				}
			}
			for _, v := range sp.Val[sp.RowPtr[u]:sp.RowPtr[u+1]] {
				if v != 1 {
					t.Fatalf("%s user %d: value %v, want 1", kind, u, v)
				}
			}
			if kind == "mf" && u == 0 {
				var first []int32
				for i := int32(0); len(first) < RecommendationsK; i++ {
					if !slices.Contains(s.Train[0], i) {
						first = append(first, i)
					}
				}
				if !slices.Equal(got, first) {
					t.Fatalf("all-tied user: %v, want the smallest untrained items %v", got, first)
				}
			}
		}
		// The lists do not depend on the number of workers.
		one, err1 := TopItems(context.Background(), m, s.Train, 7, 1)
		three, err2 := TopItems(context.Background(), m, s.Train, 7, 3)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		for u := range one {
			if !slices.Equal(one[u], three[u]) {
				t.Fatalf("%s user %d: 1 worker %v, 3 workers %v", kind, u, one[u], three[u])
			}
		}
	}
}

// TestTopK checks the bounded selection against a full stable sort on
// scores with many ties.
func TestTopK(t *testing.T) {
	r := rng.New(5, "topk")
	for trial := 0; trial < 50; trial++ {
		n := 1 + r.IntN(60)
		scores := make([]float32, n)
		for i := range scores {
			scores[i] = float32(r.IntN(8)) // many ties
		}
		cand := make([]int32, 0, n)
		for i := 0; i < n; i++ {
			if r.IntN(4) != 0 {
				cand = append(cand, int32(i))
			}
		}
		want := slices.Clone(cand)
		slices.SortStableFunc(want, func(a, b int32) int {
			if scores[a] != scores[b] {
				if scores[a] > scores[b] {
					return -1
				}
				return 1
			}
			return int(a - b)
		})
		k := 1 + r.IntN(20)
		want = want[:min(k, len(want))]
		got := topK(slices.Clone(cand), scores, k)
		if !slices.Equal(got, want) {
			t.Fatalf("trial %d: top %d %v, want %v", trial, k, got, want)
		}
	}
}
