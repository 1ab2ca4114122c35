package recmodels

import (
	"math"
	"math/rand/v2"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
	"github.com/potau/potau/internal/rng"
)

// tensor is one trainable parameter with its gradient buffer.
type tensor struct {
	name string
	w    *dense.Matrix // the values
	g    *dense.Matrix // dLoss/dw, zeroed before each batch
}

func newTensor(name string, r, c int) *tensor {
	return &tensor{name: name, w: dense.New(r, c), g: dense.New(r, c)}
}

// initStream is the stream ("recmodels/init", idx) that initialises the
// tensor numbered idx (each model numbers its tensors distinctly).
func initStream(seed, idx uint64) *rand.Rand { return rng.New(seed, "recmodels/init", idx) }

// initNormal fills w with N(0, std²) draws from the init stream idx.
func initNormal(w *dense.Matrix, std float64, seed uint64, idx uint64) {
	r := initStream(seed, idx)
	for i := range w.Data {
		w.Data[i] = float32(r.NormFloat64() * std)
	}
}

// initUniform fills w with U(-bound, bound) draws from the init stream idx.
// Xavier-uniform has bound sqrt(6/(fan_in+fan_out)); Kaiming-uniform with
// a=1 has gain sqrt(2/(1+a²)) = 1 and bound gain·sqrt(3/fan_in).
func initUniform(w *dense.Matrix, bound float64, seed uint64, idx uint64) {
	r := initStream(seed, idx)
	for i := range w.Data {
		w.Data[i] = float32((2*r.Float64() - 1) * bound)
	}
}

// adam is torch.optim.Adam over a fixed list of tensors, with dense updates:
// every element of every tensor is updated at every step, whether or not its
// gradient is zero, exactly as torch does with dense embedding gradients.
//
//	g ← g + λ·w                       (weight decay, when λ > 0)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	w ← w − (lr/(1−β1^t)) · m / (sqrt(v)/sqrt(1−β2^t) + ε)
type adam struct {
	lr, b1, b2, eps, wd float64
	t                   int
	ps                  []*tensor
	m, v                [][]float32
	spans               []span
	workers             int
}

// span is one fixed parallel block of the update: elements [lo, hi) of tensor p.
type span struct{ p, lo, hi int }

func newAdam(ps []*tensor, lr, wd float64, workers int) *adam {
	a := &adam{lr: lr, b1: 0.9, b2: 0.999, eps: 1e-8, wd: wd, ps: ps, workers: workers}
	for _, p := range ps {
		a.m = append(a.m, make([]float32, len(p.w.Data)))
		a.v = append(a.v, make([]float32, len(p.w.Data)))
	}
	for k, p := range ps {
		n := len(p.w.Data)
		for lo := 0; lo < n; lo += adamChunk {
			a.spans = append(a.spans, span{k, lo, min(lo+adamChunk, n)})
		}
	}
	return a
}

// adamChunk is the element count of one parallel block of the update.
const adamChunk = 8192

// step applies one update; elementwise, so any partition gives the same bits.
// It leaves every gradient zeroed (in the same pass as the update), ready
// to accumulate the next batch.
func (a *adam) step() {
	a.t++
	bc1 := 1 - math.Pow(a.b1, float64(a.t))
	bc2 := 1 - math.Pow(a.b2, float64(a.t))
	c := &dense.AdamCoef{B1: float32(a.b1), C1: float32(1 - a.b1), B2: float32(a.b2), C2: float32(1 - a.b2),
		Step: float32(a.lr / bc1), Sq2: float32(math.Sqrt(bc2)), Eps: float32(a.eps), WD: float32(a.wd)}
	parallel.For(a.workers, len(a.spans), func(_, s int) {
		sp := a.spans[s]
		p := a.ps[sp.p]
		dense.AdamStepClear(p.w.Data[sp.lo:sp.hi], p.g.Data[sp.lo:sp.hi], a.m[sp.p][sp.lo:sp.hi], a.v[sp.p][sp.lo:sp.hi], c)
	})
}
