package attackers

import (
	"context"
	"math"
	"sort"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/rng"
)

// refNeighbours is the specification of neighbours written out: every
// distance computed directly, then a stable sort by distance (equal
// distances keep the lower training index first), the first k kept.
func refNeighbours(k int, nq, nt int, dist func(q, t int) float64) [][]int {
	out := make([][]int, nq)
	for q := range out {
		idx := make([]int, nt)
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return dist(q, idx[a]) < dist(q, idx[b]) })
		out[q] = idx[:k]
	}
	return out
}

// TestNeighboursTies checks neighbours against refNeighbours on tables
// built to be full of ties: small-integer coordinates (every squared
// distance, by either formula, is an exact integer in float64, so the
// Gram form ‖a‖² + ‖b‖² − 2a·b and the direct Σ(a−b)² agree bit for bit),
// with duplicated rows; and multi-hot rows under the Jaccard distance.
func TestNeighboursTies(t *testing.T) {
	r := rng.New(3, "knn-ties")
	const nq, nt, d, k = 40, 90, 3, 7
	Q, T := mat.NewDense(nq, d, nil), mat.NewDense(nt, d, nil)
	for _, M := range []*mat.Dense{Q, T} {
		n, _ := M.Dims()
		for i := 0; i < n; i++ {
			for j := 0; j < d; j++ {
				M.Set(i, j, float64(r.IntN(3)))
			}
		}
	}
	idx := make([]int32, nq*k)
	neighbours(idx, k, nq, denseDist(Q, T), nt)
	dist := func(q, t int) float64 {
		var s float64
		for j := 0; j < d; j++ {
			e := Q.At(q, j) - T.At(t, j)
			s += e * e
		}
		return s
	}
	want := refNeighbours(k+1, nq, nt, dist)
	ties := 0
	for q := 0; q < nq; q++ {
		for j := 0; j < k; j++ {
			if int(idx[q*k+j]) != want[q][j] {
				t.Fatalf("dense query %d: neighbours %v, want %v", q, idx[q*k:(q+1)*k], want[q][:k])
			}
		}
		if dist(q, want[q][k-1]) == dist(q, want[q][k]) {
			ties++ // the k-th neighbour was chosen by the tie rule
		}
	}
	if ties < nq/2 {
		t.Fatalf("only %d of %d queries have a tie at the k-th neighbour; the table does not test the rule", ties, nq)
	}

	// Sparse: 30 query and 60 training users over 12 items, 3–5 items each.
	var ent []csr.Entry
	for i := 0; i < 90; i++ {
		seen := map[int]bool{}
		for n := 3 + r.IntN(3); len(seen) < n; {
			seen[r.IntN(12)] = true
		}
		for j := 0; j < 12; j++ {
			if seen[j] {
				ent = append(ent, csr.Entry{Row: int32(i), Col: int32(j), Val: 1})
			}
		}
	}
	S, err := csr.FromEntries(90, 12, ent)
	if err != nil {
		t.Fatal(err)
	}
	query, train := make([]int, 30), make([]int, 60)
	for i := range query {
		query[i] = i
	}
	for i := range train {
		train[i] = 30 + i
	}
	set := func(i int) map[int32]bool {
		m := map[int32]bool{}
		for p := S.RowPtr[i]; p < S.RowPtr[i+1]; p++ {
			m[S.ColIdx[p]] = true
		}
		return m
	}
	sidx := make([]int32, 30*k)
	neighbours(sidx, k, 30, jaccardDist(S, query, train), 60)
	swant := refNeighbours(k, 30, 60, func(q, t int) float64 {
		a, b := set(query[q]), set(train[t])
		inter := 0
		for c := range a {
			if b[c] {
				inter++
			}
		}
		return 1 - float64(inter)/float64(len(a)+len(b)-inter)
	})
	for q := 0; q < 30; q++ {
		for j := 0; j < k; j++ {
			if int(sidx[q*k+j]) != swant[q][j] {
				t.Fatalf("sparse query %d: neighbours %v, want %v", q, sidx[q*k:(q+1)*k], swant[q])
			}
		}
	}
}

// TestKNNVotes checks the vote shares and the tie rule on a worked
// example: training points on a line at 0, 1, 1, 2, 3 (classes 0, 1, 0, 1,
// 1); the query at 1 with k = 3 has distances 1, 0, 0, 1, 2, so its
// neighbours are rows 1 and 2 (distance 0) then row 0 (distance 1, lower
// index than row 3): votes 2 × class 0, 1 × class 1 → (2/3, 1/3). The
// scaler maps every point by the same affine map, which keeps the order.
func TestKNNVotes(t *testing.T) {
	X := mat.NewDense(5, 1, []float64{0, 1, 1, 2, 3})
	y := []int{0, 1, 0, 1, 1}
	c := NewKNN(KNNConfig{K: 3})
	if err := c.Fit(context.Background(), X, y, nil, 2, 0); err != nil {
		t.Fatal(err)
	}
	P := mat.NewDense(1, 2, nil)
	if err := c.PredictProba(P, mat.NewDense(1, 1, []float64{1})); err != nil {
		t.Fatal(err)
	}
	if math.Abs(P.At(0, 0)-2.0/3) > 1e-15 || math.Abs(P.At(0, 1)-1.0/3) > 1e-15 {
		t.Fatalf("vote shares %v, want (2/3, 1/3)", P.RawRowView(0))
	}
	if err := NewKNN(KNNConfig{K: 6}).Fit(context.Background(), X, y, nil, 2, 0); err == nil {
		t.Fatal("k = 6 on 5 training rows: no error")
	}
}
