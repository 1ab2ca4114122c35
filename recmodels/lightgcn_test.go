package recmodels

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
)

// TestLightGCNBatchMatchesFull checks both batch paths against full-graph
// propagation on a sparse graph where a small batch touches only part of the
// graph (so the neighbourhood-restricted sparse paths run): the sparse path's
// scores must be bit-identical to Score; the dense path (F_B = P_B·X⁰, P
// built by the same recursion) sums each element over all n = 700 nodes in
// another order, so its scores (five products of O(1) rows) may differ by a
// few float32 units: tolerance 1e-5·(1+|s|), about 80 u = 2⁻²⁴ — a wrong row
// of P or a dropped term is off by O(0.1). dL/dX⁰ must match the formula
// 1/(L+1)·Σ_l Â^l G computed with full SpMMs on both paths (float32 sums of
// a few O(1) terms: tolerance 1e-5).
func TestLightGCNBatchMatchesFull(t *testing.T) {
	for _, path := range []int{pathSparse, pathDense} {
		testLightGCNBatchMatchesFull(t, path)
	}
}

func testLightGCNBatchMatchesFull(t *testing.T, path int) {
	// 703 nodes: the dense backward's last 703 mod 4 = 3 rows take its tail loop.
	s := tinySplit(301, 402, 3, 9, false)
	same := func(got, want float32) bool {
		if path == pathSparse {
			return got == want
		}
		return math.Abs(float64(got-want)) <= 1e-5*(1+math.Abs(float64(want)))
	}
	for _, layers := range []int{0, 1, 2, 3} {
		c := smallConfig("lightgcn")
		c.Layers = layers
		m, err := newModel(c, s, 4)
		if err != nil {
			t.Fatal(err)
		}
		lg := m.(*LightGCN)
		lg.path = path
		r := rand.New(rand.NewPCG(7, 8))
		bigInit(lg, r)
		users, items := []int32{5, 17, 5, 250}, []int32{3, 399, 100, 3}
		out := make([]float32, len(users))
		if err := lg.forward(context.Background(), users, items, out); err != nil {
			t.Fatal(err)
		}
		one := make([]float32, 1)
		for k := range users {
			lg.Score(one, int(users[k]), items[k:k+1])
			if !same(out[k], one[0]) {
				t.Fatalf("path %d L=%d pair %d: batch %v, full %v", path, layers, k, out[k], one[0])
			}
		}
		check := func(users, items []int32, dS []float32, local bool) {
			t.Helper()
			for _, x := range lg.tensors() {
				x.g.Zero()
			}
			if err := lg.backward(context.Background(), dS); err != nil {
				t.Fatal(err)
			}
			nu, d := lg.NumUsers(), c.Dim
			n := nu + lg.NumItems()
			fu, fi := lg.finalTables()
			G := dense.New(n, d)
			scale := 1 / float32(layers+1)
			for k := range users {
				u, i := int(users[k]), nu+int(items[k])
				for j := 0; j < d; j++ {
					G.Data[u*d+j] += dS[k] * scale * fi.Data[int(items[k])*d+j]
					G.Data[i*d+j] += dS[k] * scale * fu.Data[int(users[k])*d+j]
				}
			}
			sum, cur, next := G.Clone(), G.Clone(), dense.New(n, d)
			for l := 1; l <= layers; l++ {
				csr.MulDense(next, lg.adj, cur, 1)
				dense.AxpyVec(1, next.Data, sum.Data)
				cur, next = next, cur
			}
			got := append(append([]float32(nil), lg.EU.g.Data...), lg.EI.g.Data...)
			nz := 0
			for i, v := range sum.Data {
				if math.Abs(float64(got[i]-v)) > 1e-5 {
					t.Fatalf("path %d L=%d dX0[%d] = %v, want %v", path, layers, i, got[i], v)
				}
				if v != 0 {
					nz++
				}
			}
			// The batch must touch only part of the graph for the test to mean anything.
			if local && path == pathSparse && layers == 1 && nz > n*d/2 {
				t.Fatalf("L=1 gradient non-zero on %d of %d entries: batch not local", nz, n*d)
			}
		}
		check(users, items, []float32{0.5, -1, 2, 0.25}, true)
		// A second batch reuses the buffers: stale state must not leak.
		users2, items2 := []int32{100}, []int32{200}
		out2 := make([]float32, 1)
		lg.forward(context.Background(), users2, items2, out2)
		lg.Score(one, 100, items2)
		if !same(out2[0], one[0]) {
			t.Fatalf("path %d L=%d second batch: %v, want %v", path, layers, out2[0], one[0])
		}
		check(users2, items2, []float32{1.5}, true)
		// Batches of varied sizes alternate restricted and all-rows levels;
		// buffers carried between them must not corrupt each other.
		for it := 0; it < 30; it++ {
			n := 1 + r.IntN(120)
			bu, bi := make([]int32, n), make([]int32, n)
			for k := range bu {
				bu[k], bi[k] = int32(r.IntN(300)), int32(r.IntN(400))
			}
			o := make([]float32, n)
			lg.forward(context.Background(), bu, bi, o)
			for k := range bu {
				lg.Score(one, int(bu[k]), bi[k:k+1])
				if !same(o[k], one[0]) {
					t.Fatalf("path %d L=%d batch %d (%d pairs) pair %d: %v, want %v", path, layers, it, n, k, o[k], one[0])
				}
			}
			ds := make([]float32, n)
			for k := range ds {
				ds[k] = float32(r.NormFloat64())
			}
			check(bu, bi, ds, false)
		}
	}
}

// TestLightGCNScatterMatchesGather checks the backward's first layer,
// computed by scattering the batch rows' edges, against the masked gather
// csr.MulDenseRows computes row by row: both evaluate every element as the
// same chain of fused multiply-adds in ascending neighbour order, so they
// must agree bit for bit (any difference is a bug, however small), for any
// number of workers and with batch nodes given in any order. The scatter
// writes every row (zero outside T₁), whatever the buffer held.
func TestLightGCNScatterMatchesGather(t *testing.T) {
	for _, tc := range []struct {
		nu, ni, perUser int
		dim             int
	}{{300, 400, 3, 8}, {60, 50, 20, 64}, {40, 30, 4, 13}} {
		s := tinySplit(tc.nu, tc.ni, tc.perUser, 9, false)
		adj, err := csr.Bipartite(tc.nu, tc.ni, s.Train)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(tc.nu), 3))
		n := adj.Rows
		for _, workers := range []int{1, 2, 3} {
			w := newGCNWork(adj, 1, tc.nu, tc.dim)
			// Batch nodes in random order, as forward records them.
			w.nodes = w.nodes[:0]
			for _, v := range r.Perm(n)[:1+r.IntN(n/3)] {
				w.nodes = append(w.nodes, int32(v))
				for j := range w.g.Row(v) {
					w.g.Row(v)[j] = float32(r.NormFloat64())
				}
			}
			mask, set := make([]bool, n), make([]byte, n)
			for _, v := range w.nodes {
				mask[v], set[v] = true, 1
			}
			adj.MarkNeighbours(set, w.nodes)
			rows := csr.AppendMarked(nil, set) // T₁
			want := dense.New(n, tc.dim)
			csr.MulDenseRows(want, adj, w.g, w.g, rows, mask, 1)
			got := dense.New(n, tc.dim)
			for i := range got.Data {
				got.Data[i] = float32(math.NaN()) // every row must be written
			}
			w.scatterFirst(got, workers)
			for i := range want.Data {
				if math.Float32bits(got.Data[i]) != math.Float32bits(want.Data[i]) {
					t.Fatalf("%+v workers %d: element %d (row %d): scatter %v, gather %v", tc, workers, i, i/tc.dim, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

// TestLightGCNEgoInPlace checks that training batches reading X⁰ in place
// (the tables are the two parts of one buffer, as newLightGCN makes them)
// give the checkpoint of batches that copy it (loadEgo, taken when the
// tables are separate), bit for bit, on both batch paths, at d = 64 (the
// vector kernels) and with batches small enough for the masked levels.
func TestLightGCNEgoInPlace(t *testing.T) {
	s := tinySplit(300, 400, 3, 5, false)
	defer func(p int) { defaultPath = p }(defaultPath)
	for _, path := range []int{pathSparse, pathDense} {
		defaultPath = path
		var sums [2][]byte
		for k, inPlace := range []bool{true, false} {
			c := DefaultConfig("lightgcn")
			c.Epochs, c.BatchSize, c.Selection = 1, 8, "test"
			m, err := newModel(c, s, 3)
			if err != nil {
				t.Fatal(err)
			}
			lg := m.(*LightGCN)
			if lg.egoTables() == nil {
				t.Fatal("newLightGCN's tables are not one buffer")
			}
			if !inPlace { // separate tables with the same values
				lg.EU.w, lg.EI.w = lg.EU.w.Clone(), lg.EI.w.Clone()
				if lg.egoTables() != nil {
					t.Fatal("separate tables taken as one buffer")
				}
			}
			var ex examples
			if err := sample(&ex, s, newBitset(s), c, 3, 0); err != nil {
				t.Fatal(err)
			}
			opt := newAdam(lg.tensors(), c.LR, c.WeightDecay, c.Workers)
			logits, dOut := make([]float32, 8), make([]float32, 8)
			for lo := 0; lo+8 <= len(ex.u); lo += 8 {
				if _, err := lossGrad(context.Background(), lg, "bce", 8, ex.u[lo:lo+8], ex.i[lo:lo+8], ex.y[lo:lo+8], logits, dOut); err != nil {
					t.Fatal(err)
				}
				opt.step()
				lg.invalidate()
			}
			var b bytes.Buffer
			if err := Save(&b, lg); err != nil {
				t.Fatal(err)
			}
			sums[k] = b.Bytes()
		}
		if !bytes.Equal(sums[0], sums[1]) {
			t.Errorf("path %d: in-place and copied ego tables train differently", path)
		}
	}
}
