package recmodels

import (
	"context"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/rng"
)

// cpuTime returns the process's user+system CPU time. Benchmarks report it
// beside wall time because the build machine is shared: wall time includes
// waiting for a core, CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// syntheticSplit returns an ML-1M-sized random split: nu users × ni items,
// about inter interactions drawn with a popularity skew, one test item per
// user (full-ranking protocol).
func syntheticSplit(nu, ni, inter int, seed uint64) *datasets.Split {
	r := rand.New(rand.NewPCG(seed, 1))
	s := &datasets.Split{NumUsers: nu, NumItems: ni, Train: make([][]int32, nu), Test: make([][]int32, nu),
		Protocol: datasets.Protocol{Split: "loo", Eval: "full"}}
	per := inter / nu
	for u := range s.Train {
		set := map[int32]bool{}
		for len(set) < per+1 {
			// Squaring a uniform skews towards popular (low-id) items.
			x := r.Float64()
			set[int32(x*x*float64(ni))] = true
		}
		items := make([]int32, 0, len(set))
		for i := range set {
			items = append(items, i)
		}
		slices.Sort(items)
		k := r.IntN(len(items))
		s.Test[u] = []int32{items[k]}
		s.Train[u] = append(items[:k:k], items[k+1:]...)
	}
	return s
}

// BenchmarkEpochML1M times one training epoch with its sampled evaluation
// (leave-one-out, 99 negatives per user, as the paper configs) on an
// ML-1M-sized synthetic split, batch 256, for NeuMF — and LightGCN with
// POTAU_LONG=1 (one epoch takes about 650 CPU-s): the per-epoch cost the
// end-to-end benchmark (configs/bench/ml-1m-synthetic.yaml) extrapolates
// 25 epochs from.
func BenchmarkEpochML1M(b *testing.B) {
	s := syntheticSplit(6040, 3706, 1_000_000, 3)
	r := rand.New(rand.NewPCG(3, 4))
	s.TestNeg = make([][]int32, s.NumUsers)
	s.Protocol = datasets.Protocol{Split: "loo", Eval: "sampled", Negatives: 99}
	for u := range s.TestNeg {
		train := map[int32]bool{s.Test[u][0]: true}
		for _, i := range s.Train[u] {
			train[i] = true
		}
		for len(s.TestNeg[u]) < 99 {
			if i := int32(r.IntN(s.NumItems)); !train[i] {
				train[i] = true
				s.TestNeg[u] = append(s.TestNeg[u], i)
			}
		}
	}
	kinds := []string{"neumf"}
	if os.Getenv("POTAU_LONG") != "" {
		kinds = append(kinds, "lightgcn")
	}
	for _, kind := range kinds {
		b.Run(kind, func(b *testing.B) {
			c := DefaultConfig(kind)
			c.Epochs, c.Selection = 1, "test"
			c0 := cpuTime()
			for b.Loop() {
				if _, _, err := Train(context.Background(), s, c, 1, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}

// BenchmarkEvaluateFullML1M times full-ranking evaluation (HR/NDCG/Recall at
// 5, 10, 15, 20) of a dot-product model of ML-1M size: 6,040 users × 3,706
// items, d = 64.
func BenchmarkEvaluateFullML1M(b *testing.B) {
	s := syntheticSplit(6040, 3706, 1_000_000, 1)
	m, err := NewModel(DefaultConfig("mf"), s, 1)
	if err != nil {
		b.Fatal(err)
	}
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := EvaluateFull(context.Background(), m, s, "test", nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/op")
}

// BenchmarkLightGCNBatchesML1M times LightGCN training batches on an
// ML-1M-sized synthetic set (1M interactions, 5M BCE examples per epoch) at
// batch 256 and 2048, each on the path Train takes (auto: dense at 256,
// sparse at 2048) and on the sparse path alone, and reports the per-epoch
// time extrapolated from POTAU_BATCHES batches (default 40; the full epoch
// is 19,466 or 2,434 batches). A warm-up batch before the timer builds the
// dense operator P when the path takes it; its cost, once per training run,
// is reported as prop-cpu-s (it is not in the per-epoch figures). Per batch it reports the
// CPU time of the forward pass, of the loss gradient and backward pass, and
// of the Adam update.
func BenchmarkLightGCNBatchesML1M(b *testing.B) {
	s := syntheticSplit(6040, 3706, 1_000_000, 2)
	nb := 40
	if v, err := strconv.Atoi(os.Getenv("POTAU_BATCHES")); err == nil && v > 0 {
		nb = v
	}
	nex := 0
	for _, l := range s.Train {
		nex += 5 * len(l)
	}
	for _, bs := range []int{256, 2048} {
		for _, path := range []int{pathAuto, pathSparse} {
			b.Run(strconv.Itoa(bs)+"/"+[]string{"auto", "sparse"}[path], func(b *testing.B) {
				c := DefaultConfig("lightgcn")
				c.BatchSize = bs
				m, err := newModel(c, s, 1)
				if err != nil {
					b.Fatal(err)
				}
				m.(*LightGCN).path = path
				opt := newAdam(m.tensors(), c.LR, 0, 0)
				var ex examples
				if err := sample(&ex, s, newBitset(s), c, 1, 0); err != nil {
					b.Fatal(err)
				}
				// Shuffle as Train does: consecutive unshuffled examples belong
				// to one or two users, which would make the batch's
				// neighbourhoods unrealistically small.
				rs := rng.New(1, "recmodels/shuffle", 0)
				rs.Shuffle(len(ex.u), func(a, b int) {
					ex.u[a], ex.u[b] = ex.u[b], ex.u[a]
					ex.i[a], ex.i[b] = ex.i[b], ex.i[a]
					ex.y[a], ex.y[b] = ex.y[b], ex.y[a]
				})
				logits, dOut := make([]float32, bs), make([]float32, bs)
				c0 := cpuTime()
				if _, err := lossGrad(context.Background(), m, "bce", bs, ex.u[:bs], ex.i[:bs], ex.y[:bs], logits, dOut); err != nil {
					b.Fatal(err)
				}
				for _, t := range m.tensors() {
					t.g.Zero()
				}
				warm := 0.0 // CPU-s of building P (and the first batch), when built
				if w := m.(*LightGCN).work; w.prop != nil {
					warm = (cpuTime() - c0).Seconds()
				}
				c0 = cpuTime()
				b.ResetTimer()
				// lossGrad's BCE step in its three phases, each timed in
				// CPU time: forward, loss gradient + backward, Adam (which
				// also clears the gradients, as in Train).
				var fwd, bwd, upd time.Duration
				ctx := context.Background()
				for b.Loop() {
					for k := 0; k < nb; k++ {
						lo := k * bs
						t0 := cpuTime()
						if err := m.forward(ctx, ex.u[lo:lo+bs], ex.i[lo:lo+bs], logits); err != nil {
							b.Fatal(err)
						}
						t1 := cpuTime()
						for j, z := range logits {
							dOut[j] = float32((sigmoid(float64(z)) - float64(ex.y[lo+j])) / float64(bs))
						}
						if err := m.backward(ctx, dOut); err != nil {
							b.Fatal(err)
						}
						t2 := cpuTime()
						opt.step()
						fwd, bwd, upd = fwd+t1-t0, bwd+t2-t1, upd+cpuTime()-t2
					}
				}
				batches := float64(b.N * nb)
				perBatch := b.Elapsed().Seconds() / batches
				cpuPerBatch := (cpuTime() - c0).Seconds() / batches
				epochBatches := float64((nex + bs - 1) / bs)
				b.ReportMetric(perBatch*epochBatches, "s/epoch")
				b.ReportMetric(cpuPerBatch*epochBatches, "cpu-s/epoch")
				b.ReportMetric(fwd.Seconds()/batches*1e3, "fwd-cpu-ms/batch")
				b.ReportMetric(bwd.Seconds()/batches*1e3, "bwd-cpu-ms/batch")
				b.ReportMetric(upd.Seconds()/batches*1e3, "adam-cpu-ms/batch")
				if warm > 0 {
					b.ReportMetric(warm, "prop-cpu-s")
				}
			})
		}
	}
}
