package unlearning

import (
	"context"
	"os"
	"syscall"
	"testing"

	"github.com/potau/potau/internal/dense"
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
	c0 := cpuSeconds()
	for b.Loop() {
		if _, err := e.eval(context.Background(), u, 64, rows, w, grad, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1e3*(cpuSeconds()-c0)/float64(b.N), "cpu-ms/op")
}

// cpuSeconds returns the process's user+system CPU time; per-op CPU time is
// a steadier measure than wall time on a shared machine.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}

// BenchmarkD2DStepML1M times one full optimiser step of D2D (objective value
// and gradient + Adam) on a 6,040×64 table with groups 4,331 / 1,709.
func BenchmarkD2DStepML1M(b *testing.B) {
	u, labels := ml1mTable()
	m := newDotModel(6040, 8, 64, 0, 1)
	copy(m.U.Data, u)
	c := DefaultConfig()
	o, err := NewObjective(context.Background(), m, nil, labels, MethodD2D, c)
	if err != nil {
		b.Fatal(err)
	}
	U := m.U.Clone()
	grad := dense.New(U.Rows, U.Cols)
	opt := NewAdam(len(U.Data), c.LR, c.Beta1, c.Beta2, c.Eps)
	b.ReportAllocs()
	c0 := cpuSeconds()
	for b.Loop() {
		if _, err := o.Eval(context.Background(), U, grad); err != nil {
			b.Fatal(err)
		}
		opt.Step(U.Data, grad.Data)
	}
	b.ReportMetric(1e3*(cpuSeconds()-c0)/float64(b.N), "cpu-ms/op")
}

// TestD2DRunML1M runs the reference 500 D2D steps at ML-1M size and reports
// wall time and peak memory. It takes about a minute on 2 cores, so it runs
// only with POTAU_LONG=1.
func TestD2DRunML1M(t *testing.T) {
	if os.Getenv("POTAU_LONG") == "" {
		t.Skip("set POTAU_LONG=1 to run 500 D2D steps at ML-1M size")
	}
	u, labels := ml1mTable()
	m := newDotModel(6040, 8, 64, 0, 1)
	copy(m.U.Data, u)
	c := DefaultConfig()
	c0 := cpuSeconds()
	_, tr, err := Run(context.Background(), m, nil, labels, MethodD2D, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	cpu := cpuSeconds() - c0
	d := tr.Terms["dist"]
	t.Logf("500 D2D steps: %.2f s wall (%.1f ms/step), %.1f s CPU (%.1f ms/step), test process peak RSS %.0f MiB, MMD² %.4g → %.4g",
		tr.Seconds, 1000*tr.Seconds/float64(len(d)), cpu, 1000*cpu/float64(len(d)), procStatusMB(t, "VmHWM"), d[0], tr.Final["dist"])
}
