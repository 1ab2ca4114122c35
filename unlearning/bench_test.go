package unlearning

import (
	"context"
	"testing"

	"github.com/potau/potau/internal/rng"
)

// ml1mTable returns a 6040×64 table with ML-1M's group sizes (4,331 / 1,709),
// N(0, 0.1²) entries and a 0.05 offset of group 1, and the labels.
func ml1mTable() ([]float32, []int32) {
	const n, d = 6040, 64
	r := rng.New(1, "bench-table")
	u := make([]float32, n*d)
	labels := make([]int32, n)
	for i := range labels {
		if i%7 < 2 && i/7*2+i%7 < 1709 {
			labels[i] = 1
		}
	}
	for i := range u {
		u[i] = float32(r.NormFloat64() * 0.1)
		if labels[i/d] == 1 {
			u[i] += 0.05
		}
	}
	return u, labels
}

// BenchmarkMMDStepML1M times one D2D value+gradient evaluation at ML-1M size.
func BenchmarkMMDStepML1M(b *testing.B) {
	u, labels := ml1mTable()
	g, _ := NewGroups(labels)
	b.Logf("group sizes %d / %d", len(g.Members[0]), len(g.Members[1]))
	rows := append(append([]int32{}, g.Members[0]...), g.Members[1]...)
	w := make([]float64, len(rows))
	for i := range w {
		if i < len(g.Members[0]) {
			w[i] = 1 / float64(len(g.Members[0]))
		} else {
			w[i] = -1 / float64(len(g.Members[1]))
		}
	}
	e := newMMDEngine[float32]([]float64{0.25, 0.5, 1, 2, 4}, 256, 0)
	grad := make([]float32, len(u))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.eval(context.Background(), u, 64, rows, w, grad, 1); err != nil {
			b.Fatal(err)
		}
	}
}
