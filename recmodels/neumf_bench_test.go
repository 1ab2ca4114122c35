package recmodels

import (
	"context"
	"testing"
	"time"

	"github.com/potau/potau/internal/parallel"
	"github.com/potau/potau/internal/rng"
)

// BenchmarkNeuMFPhasesML100K times the phases of one NeuMF training epoch on
// ML-100K at batch 256 (1,935 batches of the 495,285 BCE examples) and its
// HR@10 evaluation, each phase with its own wall-clock timer, and reports
// them in seconds per epoch:
//
//   - forward: the gathers ([A_u, B_i], P_u ⊙ Q_i) and the tower's products
//     for every pair (forwardRows over the blocks of a batch);
//   - backward-rows: the chain ∂L/∂x_L → … → ∂L/∂x₀ (backwardRows);
//   - backward-params: the weight gradients dzᵀ·x, the bias and predict
//     gradients and the scatter of ∂L/∂P, ∂L/∂Q, ∂L/∂A, ∂L/∂B into the
//     touched rows (backwardParams);
//   - adam: the dense update of all 465k parameters (torch's Adam);
//   - eval: sampled HR@10 of the epoch's model.
//
// Training calls forward and backward-rows in one parallel pass (bceStep);
// here they are separate calls, so the sum is slightly above an epoch of
// BenchmarkEpochML100K/neumf. cpu-s/epoch is the process's CPU time.
func BenchmarkNeuMFPhasesML100K(b *testing.B) {
	s := ml100k(b, false)
	c := DefaultConfig("neumf")
	var ex examples
	if err := sample(&ex, s, newBitset(s), c, 1, 0); err != nil {
		b.Fatal(err)
	}
	rs := rng.New(1, "recmodels/shuffle", 0)
	rs.Shuffle(len(ex.u), func(x, y int) {
		ex.u[x], ex.u[y] = ex.u[y], ex.u[x]
		ex.i[x], ex.i[y] = ex.i[y], ex.i[x]
		ex.y[x], ex.y[y] = ex.y[y], ex.y[x]
	})
	bs := c.BatchSize
	logits, dOut := make([]float32, bs), make([]float32, bs)
	var tFwd, tRows, tParams, tAdam, tEval time.Duration
	c0 := cpuTime()
	for b.Loop() {
		m := newNeuMF(c, s.NumUsers, s.NumItems, 1)
		opt := newAdam(m.tensors(), c.LR, c.WeightDecay, c.Workers)
		ctx := context.Background()
		for lo := 0; lo < len(ex.u); lo += bs {
			n := min(bs, len(ex.u)-lo)
			t0 := time.Now()
			if err := m.forward(ctx, ex.u[lo:lo+n], ex.i[lo:lo+n], logits[:n]); err != nil {
				b.Fatal(err)
			}
			for k := 0; k < n; k++ {
				z, y := float64(logits[k]), float64(ex.y[lo+k])
				dOut[k] = float32((sigmoid(z) - y) / float64(n))
			}
			t1 := time.Now()
			// m.backward's two phases, timed apart.
			w := m.work
			nw := parallel.Workers(m.nWork)
			w.prepare(nw)
			parallel.For(nw, (n+neuRowBlock-1)/neuRowBlock, func(wk, blk int) {
				m.backwardRows(w, &w.scr[wk], dOut[:n], blk*neuRowBlock, min((blk+1)*neuRowBlock, n))
			})
			t2 := time.Now()
			m.backwardParams(w, dOut[:n])
			t3 := time.Now()
			opt.step()
			m.invalidate()
			t4 := time.Now()
			tFwd += t1.Sub(t0)
			tRows += t2.Sub(t1)
			tParams += t3.Sub(t2)
			tAdam += t4.Sub(t3)
		}
		t0 := time.Now()
		if _, err := Evaluate(ctx, m, s, "test", []int{10}); err != nil {
			b.Fatal(err)
		}
		tEval += time.Since(t0)
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(per(tFwd), "forward-s/epoch")
	b.ReportMetric(per(tRows), "backward-rows-s/epoch")
	b.ReportMetric(per(tParams), "backward-params-s/epoch")
	b.ReportMetric(per(tAdam), "adam-s/epoch")
	b.ReportMetric(per(tEval), "eval-s/epoch")
	b.ReportMetric((cpuTime()-c0).Seconds()/float64(b.N), "cpu-s/epoch")
}
