package recmodels

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
)

func readJSON(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// TestGoldenRanking checks rank and HR/NDCG@K on the golden 100-candidate
// cases. Metrics are exact functions of an integer rank: compared to 1e-12.
func TestGoldenRanking(t *testing.T) {
	var g struct {
		Cases []map[string]any `json:"cases"`
	}
	readJSON(t, "ranking.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no golden cases")
	}
	ks := DefaultKs
	for ci, c := range g.Cases {
		raw := c["scores"].([]any)
		sc := make([]float32, len(raw))
		for i, v := range raw {
			sc[i] = float32(v.(float64))
		}
		p := int(c["positive_index"].(float64))
		// Put the positive first, as the sampled evaluator does.
		sc[0], sc[p] = sc[p], sc[0]
		ranks := rankPositives(nil, sc, 1, nil, nil)
		if want := int(c["rank"].(float64)); ranks[0] != want {
			t.Errorf("case %d: rank %d, want %d", ci, ranks[0], want)
		}
		got := make([]float64, 3*len(ks))
		metrics(got, ranks, ks)
		for j, k := range ks {
			for off, name := range []string{"hr", "ndcg"} {
				key := name + "@" + itoa(k)
				if want := c[key].(float64); math.Abs(got[off*len(ks)+j]-want) > 1e-12 {
					t.Errorf("case %d %s = %v, want %v", ci, key, got[off*len(ks)+j], want)
				}
			}
			if got[2*len(ks)+j] != got[j] {
				t.Errorf("case %d: recall@%d %v != hr %v under leave-one-out", ci, k, got[2*len(ks)+j], got[j])
			}
		}
	}
}

func itoa(k int) string { return map[int]string{5: "5", 10: "10", 15: "15", 20: "20"}[k] }

// TestGoldenLightGCN checks the propagated tables against PyTorch's. The
// golden ego values have 6 decimals and are exactly the model's inputs up to
// float32 rounding (rel. 6e-8); three layers of float32 sums of ≤ 4 terms
// keep the error below 1e-6·max|x| ≈ 3e-6; tolerance 1e-5.
func TestGoldenLightGCN(t *testing.T) {
	var g struct {
		NUsers int         `json:"n_users"`
		NItems int         `json:"n_items"`
		Edges  [][2]int32  `json:"edges"`
		Ego    [][]float32 `json:"ego"`
		Final  [][]float64 `json:"final"`
	}
	readJSON(t, "lightgcn.json", &g)
	train := make([][]int32, g.NUsers)
	for _, e := range g.Edges {
		train[e[0]] = append(train[e[0]], e[1])
	}
	for u := range train {
		sortInt32(train[u])
	}
	s := &datasets.Split{NumUsers: g.NUsers, NumItems: g.NItems, Train: train, Test: make([][]int32, g.NUsers)}
	c := DefaultConfig("lightgcn")
	c.Dim = len(g.Ego[0])
	m, err := newModel(c, s, 1)
	if err != nil {
		t.Fatal(err)
	}
	lg := m.(*LightGCN)
	ego, _ := dense.FromRows(g.Ego)
	copy(lg.EU.w.Data, ego.Data[:g.NUsers*c.Dim])
	copy(lg.EI.w.Data, ego.Data[g.NUsers*c.Dim:])
	lg.invalidate()
	fu, fi := lg.Embeddings()
	for n, want := range g.Final {
		var got []float32
		if n < g.NUsers {
			got = fu.Row(n)
		} else {
			got = fi.Row(n - g.NUsers)
		}
		for j := range want {
			if math.Abs(float64(got[j])-want[j]) > 1e-5 {
				t.Errorf("node %d dim %d: %v, want %v", n, j, got[j], want[j])
			}
		}
	}
	// The sparse batch path (only the rows a batch needs) must give the
	// same bits; the dense path (F_B = P_B·X⁰) sums in another order: its
	// scores are dot products of 64 float32 terms of rows that each carry
	// a relative error of a few u = 2⁻²⁴ — tolerance 1e-6·(1+|s|).
	users, items := []int32{0, 3, 2}, []int32{4, 0, 2}
	out := make([]float32, 3)
	one := make([]float32, 1)
	for _, path := range []int{pathSparse, pathDense} {
		lg.path = path
		if err := lg.forward(nil, users, items, out); err != nil {
			t.Fatal(err)
		}
		for k := range users {
			lg.Score(one, int(users[k]), items[k:k+1])
			if path == pathSparse && one[0] != out[k] || math.Abs(float64(one[0]-out[k])) > 1e-6*(1+math.Abs(float64(one[0]))) {
				t.Errorf("path %d pair %d: batch score %v, full-propagation score %v", path, k, out[k], one[0])
			}
		}
	}
}

func sortInt32(x []int32) {
	for i := 1; i < len(x); i++ {
		for j := i; j > 0 && x[j] < x[j-1]; j-- {
			x[j], x[j-1] = x[j-1], x[j]
		}
	}
}
