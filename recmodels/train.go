package recmodels

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
)

// trainable is what the training loop needs from a model.
type trainable interface {
	Model
	config() Config
	tensors() []*tensor  // every parameter, in a fixed order
	userTensor() *tensor // the unlearnable user table
	// forward scores the pairs (users[k], items[k]) into out and keeps what
	// backward needs; backward accumulates dL/dθ into every tensor's g.
	forward(ctx context.Context, users, items []int32, out []float32) error
	backward(ctx context.Context, dOut []float32) error
	invalidate() // parameters changed: drop cached derived tables
}

// EpochLog is one epoch of training.
type EpochLog struct {
	Epoch    int     // 0-based
	Loss     float64 // mean recommendation loss per example
	HookLoss float64 // mean hook term per batch (0 without a hook)
	HR10     float64 // HR@10 on the selection set (NaN when none is evaluated)
	NDCG10   float64
	Seconds  float64 // wall time of the epoch, evaluation included
}

// TrainResult summarises a training run.
type TrainResult struct {
	BestEpoch int        // 0-based epoch whose parameters the model holds
	Selection string     // "valid", "test" or "last"
	History   []EpochLog // one entry per epoch
	Seconds   float64    // total wall time
}

// NewModel returns an untrained model of kind c.Kind for the split's users,
// items and (for LightGCN) training graph, initialised from the "recmodels/init"
// streams of seed.
func NewModel(c Config, s *datasets.Split, seed uint64) (Model, error) {
	m, err := newModel(c, s, seed)
	if err != nil {
		return nil, err
	}
	return m, nil
}

func newModel(c Config, s *datasets.Split, seed uint64) (trainable, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if err := checkSplit(s); err != nil {
		return nil, err
	}
	switch c.Kind {
	case "mf":
		return newMF(c, s.NumUsers, s.NumItems, seed), nil
	case "neumf":
		return newNeuMF(c, s.NumUsers, s.NumItems, seed), nil
	default:
		return newLightGCN(c, s.NumUsers, s.NumItems, s.Train, seed)
	}
}

// checkSplit verifies the shapes and ranges of a split.
func checkSplit(s *datasets.Split) error {
	if s == nil {
		return fmt.Errorf("recmodels: nil split")
	}
	if s.NumUsers < 1 || s.NumItems < 1 {
		return fmt.Errorf("recmodels: split has %d users and %d items", s.NumUsers, s.NumItems)
	}
	lists := []struct {
		name string
		l    [][]int32
		opt  bool
	}{{"Train", s.Train, false}, {"Test", s.Test, false}, {"TestNeg", s.TestNeg, true}, {"Valid", s.Valid, true}, {"ValidNeg", s.ValidNeg, true}}
	for _, x := range lists {
		if x.l == nil && x.opt {
			continue
		}
		if len(x.l) != s.NumUsers {
			return fmt.Errorf("recmodels: split.%s has %d users, want %d", x.name, len(x.l), s.NumUsers)
		}
		for u, items := range x.l {
			for k, i := range items {
				if i < 0 || int(i) >= s.NumItems {
					return fmt.Errorf("recmodels: split.%s[%d][%d] = %d outside [0, %d)", x.name, u, k, i, s.NumItems)
				}
			}
		}
	}
	return nil
}

// selection resolves the configured selection against the split.
func selection(c Config, s *datasets.Split) (string, error) {
	hasValid := false
	for _, v := range s.Valid {
		if len(v) > 0 {
			hasValid = true
			break
		}
	}
	switch c.Selection {
	case "":
		if hasValid {
			return "valid", nil
		}
		return "test", nil
	case "valid":
		if !hasValid {
			return "", fmt.Errorf("recmodels: selection valid but the split has no validation hold-out (use test under the reference protocol)")
		}
	}
	return c.Selection, nil
}

// bitset marks each user's training positives.
type bitset struct {
	words []uint64
	w     int // words per user
}

func newBitset(s *datasets.Split) *bitset {
	b := &bitset{w: (s.NumItems + 63) / 64}
	b.words = make([]uint64, b.w*s.NumUsers)
	for u, items := range s.Train {
		for _, i := range items {
			b.words[u*b.w+int(i)/64] |= 1 << (uint(i) % 64)
		}
	}
	return b
}

func (b *bitset) has(u int, i int32) bool {
	return b.words[u*b.w+int(i)/64]&(1<<(uint(i)%64)) != 0
}

// examples is one epoch's training data. BCE: (u, i, label). BPR: (u, i, j).
type examples struct {
	u, i, j []int32
	y       []float32
}

// sample draws the epoch's negatives from stream ("recmodels/negatives", epoch):
// for every training positive (u, i) in user order, Negatives items drawn
// uniformly from those not in u's training set. BCE yields the positive and
// its negatives as separate labelled examples; BPR yields (u, i, j) triples.
func sample(ex *examples, s *datasets.Split, pos *bitset, c Config, seed uint64, epoch int) error {
	r := rng.New(seed, "recmodels/negatives", uint64(epoch))
	ex.u, ex.i, ex.j, ex.y = ex.u[:0], ex.i[:0], ex.j[:0], ex.y[:0]
	ni := uint64(s.NumItems)
	for u, items := range s.Train {
		if len(items) >= s.NumItems {
			return fmt.Errorf("recmodels: user %d has interacted with every item; no negatives to sample", u)
		}
		for _, i := range items {
			for k := 0; k < c.Negatives; k++ {
				j := int32(r.Uint64N(ni))
				for pos.has(u, j) {
					j = int32(r.Uint64N(ni))
				}
				if c.Loss == "bpr" {
					ex.u, ex.i, ex.j = append(ex.u, int32(u)), append(ex.i, i), append(ex.j, j)
				} else {
					if k == 0 {
						ex.u, ex.i, ex.y = append(ex.u, int32(u)), append(ex.i, i), append(ex.y, 1)
					}
					ex.u, ex.i, ex.y = append(ex.u, int32(u)), append(ex.i, j), append(ex.y, 0)
				}
			}
		}
	}
	return nil
}

// Train trains a recommender on s.Train with config c and seed, calling hook
// (may be nil) once per mini-batch and progress (may be nil) once per epoch.
// The returned model holds the parameters of the selected epoch.
//
// Per epoch: negatives are resampled (stream "recmodels/negatives", epoch), examples are
// shuffled (stream "recmodels/shuffle", epoch), and for each mini-batch of BatchSize
// examples the loss is
//
//	BCE: mean_k [ softplus(s_k) − y_k·s_k ]
//	BPR: mean_k softplus(−(s(u,i) − s(u,j)))
//
// whose analytic gradient is back-propagated; then the hook adds its term's
// gradient to the unlearnable user table, and Adam updates every parameter.
// BatchInfo.Users is reused between batches: a hook that keeps it must copy.
//
// After every epoch HR@10 is measured on the selection set (validation when
// selecting on it or when "last" and a hold-out exists, test otherwise); the
// epoch with the highest value (the earliest on ties) is kept.
func Train(ctx context.Context, s *datasets.Split, c Config, seed uint64, hook Hook, progress func(EpochLog)) (Model, *TrainResult, error) {
	start := time.Now()
	m, err := newModel(c, s, seed)
	if err != nil {
		return nil, nil, err
	}
	sel, err := selection(c, s)
	if err != nil {
		return nil, nil, err
	}
	evalOn := sel
	if sel == "last" {
		evalOn = "test"
		if hv, _ := selection(Config{}, s); hv == "valid" {
			evalOn = "valid"
		}
	}
	ts := m.tensors()
	opt := newAdam(ts, c.LR, c.WeightDecay, c.Workers)
	pos := newBitset(s)
	res := &TrainResult{BestEpoch: -1, Selection: sel}
	best := math.Inf(-1)
	snap := make([][]float32, len(ts))
	for k, t := range ts {
		snap[k] = make([]float32, len(t.w.Data))
	}

	var ex examples
	bs := c.BatchSize
	pairs := bs
	if c.Loss == "bpr" {
		pairs = 2 * bs
	}
	bu, bi := make([]int32, pairs), make([]int32, pairs)
	logits, dOut := make([]float32, pairs), make([]float32, pairs)
	by := make([]float32, bs)
	perm := []int(nil)
	step := 0
	ut := m.userTensor()
	for epoch := 0; epoch < c.Epochs; epoch++ {
		t0 := time.Now()
		if err := sample(&ex, s, pos, c, seed, epoch); err != nil {
			return nil, nil, err
		}
		n := len(ex.u)
		if cap(perm) < n {
			perm = make([]int, n)
		}
		perm = perm[:n]
		for k := range perm {
			perm[k] = k
		}
		rs := rng.New(seed, "recmodels/shuffle", uint64(epoch))
		rs.Shuffle(n, func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })

		var lossSum, hookSum float64
		nBatches := 0
		for lo, bidx := 0, 0; lo < n; lo, bidx = lo+bs, bidx+1 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			hi := min(lo+bs, n)
			b := hi - lo
			// Every t.g is zero here: fresh, or cleared by the previous opt.step.
			if c.Loss == "bpr" {
				for k := 0; k < b; k++ {
					e := perm[lo+k]
					bu[k], bi[k] = ex.u[e], ex.i[e]
					bu[b+k], bi[b+k] = ex.u[e], ex.j[e]
				}
			} else {
				for k := 0; k < b; k++ {
					e := perm[lo+k]
					bu[k], bi[k], by[k] = ex.u[e], ex.i[e], ex.y[e]
				}
			}
			batchLoss, err := lossGrad(ctx, m, c.Loss, b, bu, bi, by, logits, dOut)
			if err != nil {
				return nil, nil, err
			}
			if !isFinite(batchLoss) {
				return nil, nil, diverged(c, ts, epoch, bidx, fmt.Sprintf("the loss is %v", batchLoss/float64(b)))
			}
			lossSum += batchLoss
			if hook != nil {
				hl, err := hook.Batch(ctx, BatchInfo{Epoch: epoch, Index: bidx, Step: step, Users: bu[:b]}, ut.w, ut.g)
				if err != nil {
					return nil, nil, fmt.Errorf("recmodels: hook %s at epoch %d batch %d: %w", hook.Name(), epoch, bidx, err)
				}
				if !isFinite(hl) {
					return nil, nil, diverged(c, ts, epoch, bidx, fmt.Sprintf("the %s term is %v", hook.Name(), hl))
				}
				hookSum += hl
			}
			opt.step()
			m.invalidate()
			step++
			nBatches++
		}
		// A finite loss can still leave an overflowed parameter after the
		// epoch's last update: one pass over the parameters per epoch.
		if name, ok := finiteParams(ts); !ok {
			return nil, nil, diverged(c, ts, epoch, nBatches-1, fmt.Sprintf("after the epoch's last update, parameter %q holds a non-finite value", name))
		}
		log := EpochLog{Epoch: epoch, Loss: lossSum / float64(n), HR10: math.NaN(), NDCG10: math.NaN()}
		if nBatches > 0 {
			log.HookLoss = hookSum / float64(nBatches)
		}
		if evalOn != "" {
			met, err := Evaluate(ctx, m, s, evalOn, []int{10})
			if err != nil {
				return nil, nil, err
			}
			log.HR10, log.NDCG10 = met["hr@10"], met["ndcg@10"]
		}
		keep := sel == "last" || log.HR10 > best
		if keep {
			best = log.HR10
			res.BestEpoch = epoch
			if epoch < c.Epochs-1 { // the last epoch's parameters are already in place
				for k, t := range ts {
					copy(snap[k], t.w.Data)
				}
			}
		}
		log.Seconds = time.Since(t0).Seconds()
		res.History = append(res.History, log)
		if progress != nil {
			progress(log)
		}
	}
	if res.BestEpoch != c.Epochs-1 {
		for k, t := range ts {
			copy(t.w.Data, snap[k])
		}
		m.invalidate()
	}
	// Gradients, optimiser state and batch scratch are not part of the
	// trained model.
	for _, t := range ts {
		t.g = dense.New(0, 0)
	}
	switch x := m.(type) {
	case *LightGCN:
		x.work = nil
	case *NeuMF:
		x.work = nil
	}
	res.Seconds = time.Since(start).Seconds()
	return m, res, nil
}

// bceFused is implemented by models that run forward, the BCE gradient and
// backward in one pass: bceStep must return lossGrad's BCE sum and leave
// logits, dOut and every gradient exactly as the separate path does.
type bceFused interface {
	bceStep(ctx context.Context, users, items []int32, labels, logits, dOut []float32) (float64, error)
}

// lossGrad computes the summed loss of one mini-batch of b examples and
// accumulates the gradient of the mean loss into every tensor's g.
// BCE: pairs (bu[k], bi[k]) with labels by[k]. BPR: positives (bu[k], bi[k])
// and negatives (bu[b+k], bi[b+k]) for k < b.
//
//	BCE: ℓ_k = softplus(s_k) − y_k·s_k,        ∂ℓ_k/∂s_k = σ(s_k) − y_k
//	BPR: ℓ_k = softplus(−x_k), x_k = s⁺_k − s⁻_k, ∂ℓ_k/∂x_k = −σ(−x_k)
func lossGrad(ctx context.Context, m trainable, loss string, b int, bu, bi []int32, by, logits, dOut []float32) (float64, error) {
	var sum float64
	if loss == "bpr" {
		if err := m.forward(ctx, bu[:2*b], bi[:2*b], logits[:2*b]); err != nil {
			return 0, err
		}
		for k := 0; k < b; k++ {
			x := float64(logits[k]) - float64(logits[b+k])
			sum += softplus(-x)
			g := float32(-sigmoid(-x) / float64(b))
			dOut[k], dOut[b+k] = g, -g
		}
		return sum, m.backward(ctx, dOut[:2*b])
	}
	if f, ok := m.(bceFused); ok {
		return f.bceStep(ctx, bu[:b], bi[:b], by[:b], logits[:b], dOut[:b])
	}
	if err := m.forward(ctx, bu[:b], bi[:b], logits[:b]); err != nil {
		return 0, err
	}
	for k := 0; k < b; k++ {
		z, y := float64(logits[k]), float64(by[k])
		sum += softplus(z) - y*z
		dOut[k] = float32((sigmoid(z) - y) / float64(b))
	}
	return sum, m.backward(ctx, dOut[:b])
}

// softplus(x) = log(1 + eˣ), computed without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// finiteParams reports whether every parameter is finite, and otherwise the
// name of the first tensor that is not.
func finiteParams(ts []*tensor) (string, bool) {
	for _, t := range ts {
		for _, v := range t.w.Data {
			// v−v is 0 for a finite v and NaN for ±Inf and NaN.
			if v-v != 0 {
				return t.name, false
			}
		}
	}
	return "", true
}

// ErrDiverged is wrapped by the error Train returns when training produces a
// non-finite loss or parameter.
var ErrDiverged = errors.New("training diverged")

// diverged is the error of a non-finite loss or parameter at an epoch and
// batch (both counted from 0), naming the first non-finite tensor.
func diverged(c Config, ts []*tensor, epoch, batch int, what string) error {
	where := ""
	if name, ok := finiteParams(ts); !ok && !strings.Contains(what, "parameter") {
		where = fmt.Sprintf(" (parameter %q holds a non-finite value)", name)
	}
	return fmt.Errorf("recmodels: %w at epoch %d, batch %d: %s%s; the learning rate lr = %g is probably too large: try a smaller one (the default is %g)",
		ErrDiverged, epoch, batch, what, where, c.LR, DefaultConfig(c.Kind).LR)
}
