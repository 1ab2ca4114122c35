package csr

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/potau/potau/internal/dense"
)

// toDense expands a CSR matrix for reference products.
func toDense(a *Matrix) [][]float64 {
	d := make([][]float64, a.Rows)
	for i := range d {
		d[i] = make([]float64, a.Cols)
		for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
			d[i][a.ColIdx[p]] += float64(a.Val[p])
		}
	}
	return d
}

func randomGraph(r *rand.Rand, nu, ni int, p float64) [][]int32 {
	R := make([][]int32, nu)
	for u := range R {
		for i := 0; i < ni; i++ {
			if r.Float64() < p {
				R[u] = append(R[u], int32(i))
			}
		}
	}
	return R
}

func TestBipartiteNormalisation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	nu, ni := 13, 17
	R := randomGraph(r, nu, ni, 0.3)
	a, err := Bipartite(nu, ni, R)
	if err != nil {
		t.Fatal(err)
	}
	d := toDense(a)
	deg := make([]float64, nu+ni)
	for u, items := range R {
		for _, i := range items {
			deg[u]++
			deg[nu+int(i)]++
		}
	}
	for i := range d {
		for j := range d[i] {
			want := 0.0
			if i < nu && j >= nu || i >= nu && j < nu {
				u, it := min(i, j), max(i, j)-nu
				for _, x := range R[u] {
					if int(x) == it {
						want = 1 / math.Sqrt(deg[i]*deg[j])
					}
				}
			}
			// float32 storage of a float64 value: relative error ≤ 2^-24.
			if math.Abs(d[i][j]-want) > 1e-7*math.Max(1, want) {
				t.Fatalf("Â[%d][%d] = %v, want %v", i, j, d[i][j], want)
			}
			if d[i][j] != d[j][i] {
				t.Fatalf("Â not symmetric at (%d, %d)", i, j)
			}
		}
	}
}

func TestBipartiteErrors(t *testing.T) {
	for name, R := range map[string][][]int32{
		"range":    {{0, 5}},
		"unsorted": {{2, 1}},
		"dup":      {{1, 1}},
	} {
		if _, err := Bipartite(1, 3, R); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Bipartite(2, 3, [][]int32{{0}}); err == nil {
		t.Error("wrong number of lists accepted")
	}
}

func TestFromEntriesMergesDuplicates(t *testing.T) {
	a, err := FromEntries(2, 3, []Entry{{1, 2, 1}, {0, 1, 2}, {1, 0, 3}, {1, 2, 4}})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]float64{{0, 2, 0}, {3, 0, 5}}
	got := toDense(a)
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("(%d,%d) = %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
	if a.NNZ() != 3 {
		t.Fatalf("nnz %d, want 3", a.NNZ())
	}
	if _, err := FromEntries(2, 2, []Entry{{2, 0, 1}}); err == nil {
		t.Fatal("out-of-range entry accepted")
	}
}

func TestMulDense(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	nu, ni, d := 150, 90, 7
	a, _ := Bipartite(nu, ni, randomGraph(r, nu, ni, 0.1))
	x := dense.New(nu+ni, d)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	ad := toDense(a)
	ref := make([]float64, (nu+ni)*d)
	for i := range ad {
		for j, v := range ad[i] {
			for c := 0; c < d; c++ {
				ref[i*d+c] += v * float64(x.Data[j*d+c])
			}
		}
	}
	// float32 accumulation of ≤ deg terms with |Â|≤1, |x|≲4: error ≲ deg·2^-24·Σ|terms|.
	for _, w := range []int{1, 2, 5} {
		got := dense.New(nu+ni, d)
		MulDense(got, a, x, w)
		for i, v := range got.Data {
			if math.Abs(float64(v)-ref[i]) > 1e-5 {
				t.Fatalf("workers %d: element %d = %v, want %v", w, i, v, ref[i])
			}
		}
	}
	// Rows + add + mask: zero X outside the mask; the masked product must equal
	// the full one bit for bit, plus the added term.
	mask := make([]bool, nu+ni)
	xm := x.Clone()
	for i := range mask {
		mask[i] = i%3 == 0
		if !mask[i] {
			clear(xm.Row(i))
		}
	}
	full := dense.New(nu+ni, d)
	MulDense(full, a, xm, 1)
	rows := []int32{0, 5, 151, 200, 3}
	got := dense.New(nu+ni, d)
	MulDenseRows(got, a, xm, x, rows, mask, 2)
	for _, i := range rows {
		for c := 0; c < d; c++ {
			// add is copied first then terms accumulated: x + Σ, in float64
			// here; the kernel's float32 (possibly fused) sums of ≤ 15 O(1)
			// terms are within 1e-5.
			var s = float64(x.Data[int(i)*d+c])
			for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
				s += float64(a.Val[p]) * float64(xm.Data[int(a.ColIdx[p])*d+c])
			}
			if math.Abs(float64(got.Data[int(i)*d+c])-s) > 1e-5 {
				t.Fatalf("row %d col %d: %v, want %v", i, c, got.Data[int(i)*d+c], s)
			}
		}
	}
	MulDenseRows(got, a, xm, nil, rows, mask, 2)
	for _, i := range rows {
		for c := 0; c < d; c++ {
			if got.Data[int(i)*d+c] != full.Data[int(i)*d+c] {
				t.Fatalf("masked row %d differs from full product", i)
			}
		}
	}
	if got.Data[1*d] != 0 {
		t.Fatal("unlisted row written")
	}
}

func BenchmarkMulDenseML1M(b *testing.B) {
	// ML-1M-sized bipartite graph: 6,040 users × 3,706 items, ~1M edges, d=64.
	r := rand.New(rand.NewPCG(5, 6))
	nu, ni, d := 6040, 3706, 64
	R := randomGraph(r, nu, ni, 1e6/float64(nu*ni))
	a, _ := Bipartite(nu, ni, R)
	x := dense.New(nu+ni, d)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	dst := dense.New(nu+ni, d)
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		MulDense(dst, a, x, 0)
	}
	// GFLOP/s from wall time; cpu-GFLOP/s from the process's CPU time,
	// which a shared machine's waiting for a core does not inflate (it is
	// the per-core rate when the product runs on every core).
	flops := float64(a.NNZ()*d*2) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(flops/(cpuTime()-c0).Seconds()/1e9, "cpu-GFLOP/s")
}

// cpuTime returns the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestMarkNeighbours checks the marked neighbour sets against a map of the
// listed rows' columns (listed ascending), and MulDenseRowsThen's callback: every
// listed row reaches it exactly once, after its product is in dst.
func TestMarkNeighbours(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	nu, ni := 70, 90
	a, _ := Bipartite(nu, ni, randomGraph(r, nu, ni, 0.05))
	n := nu + ni
	for it := 0; it < 20; it++ {
		rows := make([]int32, 0, n)
		for _, v := range r.Perm(n)[:r.IntN(n)] {
			rows = append(rows, int32(v))
		}
		set := make([]byte, n)
		set[0] = 1 // a mark already set stays set (union)
		a.MarkNeighbours(set, rows)
		in := map[int32]bool{0: true}
		for _, i := range rows {
			for p := a.RowPtr[i]; p < a.RowPtr[i+1]; p++ {
				in[a.ColIdx[p]] = true
			}
		}
		var want []int32
		for c := range in {
			want = append(want, c)
		}
		slices.Sort(want)
		got := AppendMarked(nil, set)
		if !slices.Equal(got, want) || CountMarked(set) != len(want) {
			t.Fatalf("iteration %d: marked %v (count %d), want %v", it, got, CountMarked(set), want)
		}
	}
	x := dense.New(n, 3)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	rows := make([]int32, 0, n)
	for _, v := range r.Perm(n)[:150] {
		rows = append(rows, int32(v))
	}
	want := dense.New(n, 3)
	MulDenseRows(want, a, x, nil, rows, nil, 1)
	for _, workers := range []int{1, 2, 3} {
		dst := dense.New(n, 3)
		var calls [][]int32
		var mu sync.Mutex
		MulDenseRowsThen(dst, a, x, nil, rows, nil, workers, func(blk []int32) {
			for _, i := range blk {
				if !slices.Equal(dst.Row(int(i)), want.Row(int(i))) {
					t.Errorf("workers %d: row %d not computed when its block is handed over", workers, i)
				}
			}
			mu.Lock()
			calls = append(calls, blk)
			mu.Unlock()
		})
		slices.SortFunc(calls, func(p, q []int32) int { return slices.Index(rows, p[0]) - slices.Index(rows, q[0]) })
		if got := slices.Concat(calls...); !slices.Equal(got, rows) {
			t.Fatalf("workers %d: blocks %v, want the rows once each, in order", workers, calls)
		}
	}
}
