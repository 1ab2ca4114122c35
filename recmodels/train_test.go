package recmodels

import (
	"bytes"
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/npy"
)

func TestConfigValidate(t *testing.T) {
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		if err := DefaultConfig(kind).Validate(); err != nil {
			t.Errorf("default %s: %v", kind, err)
		}
	}
	bad := []struct {
		path string
		edit func(*Config)
	}{
		{"kind", func(c *Config) { c.Kind = "svd" }},
		{"dim", func(c *Config) { c.Dim = 0 }},
		{"mlp_dim", func(c *Config) { c.Kind, c.Layers, c.MLPDim = "neumf", 3, 6 }},
		{"layers", func(c *Config) { c.Kind, c.Layers = "neumf", 0 }},
		{"layers", func(c *Config) { c.Kind, c.Layers = "lightgcn", -1 }},
		{"init_std", func(c *Config) { c.InitStd = -1 }},
		{"loss", func(c *Config) { c.Loss = "mse" }},
		{"negatives", func(c *Config) { c.Negatives = 0 }},
		{"epochs", func(c *Config) { c.Epochs = 0 }},
		{"batch_size", func(c *Config) { c.BatchSize = 0 }},
		{"lr", func(c *Config) { c.LR = math.NaN() }},
		{"weight_decay", func(c *Config) { c.WeightDecay = -1 }},
		{"selection", func(c *Config) { c.Selection = "best" }},
		{"workers", func(c *Config) { c.Workers = -2 }},
	}
	for _, b := range bad {
		c := DefaultConfig("mf")
		b.edit(&c)
		err := c.Validate()
		var fe *cfgerr.FieldError
		if !errors.As(err, &fe) || fe.Path != b.path {
			t.Errorf("%s: error %v, want a FieldError at %q", b.path, err, b.path)
		}
	}
}

// TestTrainDeterministic trains each model twice, with GOMAXPROCS 1 and 2
// and different Workers, and requires byte-identical checkpoints (LightGCN
// on both batch paths).
func TestTrainDeterministic(t *testing.T) {
	s := tinySplit(40, 60, 12, 3, true)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer func(p int) { defaultPath = p }(defaultPath)
	for _, kind := range []string{"mf", "neumf", "lightgcn", "lightgcn-dense"} {
		defaultPath = pathAuto
		if kind == "lightgcn-dense" {
			kind, defaultPath = "lightgcn", pathDense
		}
		for _, loss := range []string{"bce", "bpr"} {
			var ckpt [2][]byte
			var res [2]*TrainResult
			for run, procs := range []int{1, 2} {
				runtime.GOMAXPROCS(procs)
				c := smallConfig(kind)
				c.Loss = loss
				c.Selection = ""
				c.Workers = 0
				m, r, err := Train(context.Background(), s, c, 11, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				var b bytes.Buffer
				if err := Save(&b, m); err != nil {
					t.Fatal(err)
				}
				ckpt[run], res[run] = b.Bytes(), r
			}
			if !bytes.Equal(ckpt[0], ckpt[1]) {
				t.Errorf("%s/%s: checkpoints differ between GOMAXPROCS 1 and 2", kind, loss)
			}
			if res[0].Selection != "valid" || len(res[0].History) != 3 {
				t.Errorf("%s/%s: selection %q, %d epochs", kind, loss, res[0].Selection, len(res[0].History))
			}
			for e := range res[0].History {
				if res[0].History[e].Loss != res[1].History[e].Loss || res[0].History[e].HR10 != res[1].History[e].HR10 {
					t.Errorf("%s/%s epoch %d: logs differ", kind, loss, e)
				}
			}
		}
	}
}

// TestTrainLearns checks that training lowers the loss and beats random
// ranking on a split with planted structure (random HR@10 with 1+20
// candidates is 10/21 ≈ 0.48).
func TestTrainLearns(t *testing.T) {
	s := tinySplit(200, 300, 20, 4, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		c := DefaultConfig(kind)
		// A larger step than the reference's so that a few epochs of ~100
		// batches suffice; small NeuMF widths keep the test fast.
		c.Epochs, c.Selection, c.LR = 6, "test", 1e-2
		if kind == "neumf" {
			c.Dim, c.MLPDim = 16, 32
		}
		var logs []EpochLog
		m, r, err := Train(context.Background(), s, c, 5, nil, func(l EpochLog) { logs = append(logs, l) })
		if err != nil {
			t.Fatal(err)
		}
		if len(logs) != c.Epochs || logs[len(logs)-1].Loss >= logs[0].Loss {
			t.Errorf("%s: loss did not fall: %+v", kind, logs)
		}
		met, err := Evaluate(context.Background(), m, s, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		if met["hr@10"] != r.History[r.BestEpoch].HR10 {
			t.Errorf("%s: restored model HR@10 %v, logged best %v", kind, met["hr@10"], r.History[r.BestEpoch].HR10)
		}
		if met["hr@10"] < 0.7 {
			t.Errorf("%s: HR@10 %.3f, want ≥ 0.7 on planted data", kind, met["hr@10"])
		}
		t.Logf("%s: best epoch %d HR@10 %.3f NDCG@10 %.3f", kind, r.BestEpoch, met["hr@10"], met["ndcg@10"])
	}
}

type countHook struct {
	calls int
	users int
}

func (h *countHook) Name() string { return "count" }
func (h *countHook) Batch(_ context.Context, b BatchInfo, U, g *dense.Matrix) (float64, error) {
	if b.Step != h.calls || !dense.SameShape(U, g) {
		return 0, errors.New("bad batch info")
	}
	h.calls++
	h.users += len(b.Users)
	// Pull every user row towards zero: adds dTerm/dU = U.
	dense.AxpyVec(1, U.Data, g.Data)
	return 1, nil
}

func TestTrainHookAndCancel(t *testing.T) {
	s := tinySplit(30, 50, 10, 5, false)
	c := smallConfig("mf")
	h := &countHook{}
	_, r, err := Train(context.Background(), s, c, 1, h, nil)
	if err != nil {
		t.Fatal(err)
	}
	ex := 0
	for _, l := range s.Train {
		ex += len(l) * (1 + c.Negatives)
	}
	perEpoch := (ex + c.BatchSize - 1) / c.BatchSize
	if h.calls != perEpoch*c.Epochs || h.users != ex*c.Epochs || r.History[0].HookLoss != 1 {
		t.Errorf("hook called %d times over %d rows (hook loss %v), want %d over %d", h.calls, h.users, r.History[0].HookLoss, perEpoch*c.Epochs, ex*c.Epochs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Train(ctx, s, c, 1, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled training returned %v", err)
	}
	c.Selection = "last"
	if _, r, err := Train(context.Background(), s, c, 1, nil, nil); err != nil || r.BestEpoch != c.Epochs-1 || r.Selection != "last" {
		t.Errorf("selection last: best epoch %v (%v)", r, err)
	}
	c.Selection = "valid"
	if _, _, err := Train(context.Background(), s, c, 1, nil, nil); err == nil || !strings.Contains(err.Error(), "validation") {
		t.Errorf("selection valid without hold-out: %v", err)
	}
	bad := *s
	bad.Train = append([][]int32{{int32(s.NumItems)}}, s.Train[1:]...)
	if _, _, err := Train(context.Background(), &bad, c, 1, nil, nil); err == nil || !strings.Contains(err.Error(), "Train[0][0]") {
		t.Errorf("bad item id: %v", err)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	s := tinySplit(20, 30, 8, 6, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		m, err := NewModel(smallConfig(kind), s, 3)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := Save(&b, m); err != nil {
			t.Fatal(err)
		}
		raw := b.Bytes()
		l, err := Load(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		a, c := make([]float32, 30), make([]float32, 30)
		for u := 0; u < 20; u++ {
			m.ScoreAll(a, u)
			l.ScoreAll(c, u)
			for i := range a {
				if a[i] != c[i] {
					t.Fatalf("%s: loaded model scores differ at user %d item %d", kind, u, i)
				}
			}
		}
		var b2 bytes.Buffer
		Save(&b2, l)
		if !bytes.Equal(raw, b2.Bytes()) {
			t.Errorf("%s: re-saved checkpoint differs", kind)
		}
		corrupt := append([]byte(nil), raw...)
		corrupt[len(corrupt)/2] ^= 1
		wrongVer := append([]byte(nil), raw...)
		wrongVer[8] = 9
		for _, tc := range []struct {
			name string
			data []byte
			want string
		}{
			{"truncated", raw[:len(raw)-10], "truncated"},
			{"preamble", raw[:5], "truncated"},
			{"corrupt", corrupt, "checksum"},
			{"magic", append([]byte("NOTAPOT!"), raw[8:]...), "not a potau"},
			{"version", wrongVer, "version 9"},
		} {
			if _, err := Load(bytes.NewReader(tc.data)); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s/%s: error %v, want it to mention %q", kind, tc.name, err, tc.want)
			}
		}
	}
}

// TestEvaluateBruteForce compares Evaluate/EvaluateFull with a direct
// computation through Model.Score on a random model.
func TestEvaluateBruteForce(t *testing.T) {
	ctx := context.Background()
	s := tinySplit(70, 80, 10, 7, true)
	// Multiple test items for some users, to exercise IDCG and recall.
	s.Test[0] = append(s.Test[0], s.Train[0][0])
	s.Train[0] = s.Train[0][1:]
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		m, err := NewModel(smallConfig(kind), s, 9)
		if err != nil {
			t.Fatal(err)
		}
		for _, full := range []bool{false, true} {
			var got map[string]float64
			if full {
				got, err = EvaluateFull(ctx, m, s, "test", []int{1, 10})
			} else {
				got, err = Evaluate(ctx, m, s, "test", []int{1, 10})
			}
			if err != nil {
				t.Fatal(err)
			}
			want := bruteForce(m, s, full, []int{1, 10})
			for k, v := range want {
				// Both average the same per-user values; only summation order may differ.
				if math.Abs(got[k]-v) > 1e-12 {
					t.Errorf("%s full=%v %s = %v, want %v", kind, full, k, got[k], v)
				}
			}
		}
	}
}

func bruteForce(m Model, s *datasets.Split, full bool, ks []int) map[string]float64 {
	out := map[string]float64{}
	n := 0
	all := make([]float32, s.NumItems)
	for u := 0; u < s.NumUsers; u++ {
		T := s.Test[u]
		if len(T) == 0 {
			continue
		}
		n++
		var cands []int32
		if full {
			ex := map[int32]bool{}
			for _, i := range s.Train[u] {
				ex[i] = true
			}
			for _, i := range s.Valid[u] {
				ex[i] = true
			}
			for i := 0; i < s.NumItems; i++ {
				if !ex[int32(i)] {
					cands = append(cands, int32(i))
				}
			}
		} else {
			cands = append(append([]int32(nil), T...), s.TestNeg[u]...)
		}
		m.ScoreAll(all, u)
		for _, k := range ks {
			hits, dcg, idcg := 0, 0.0, 0.0
			for _, t := range T {
				r := 0
				for _, c := range cands {
					if all[c] > all[t] {
						r++
					}
				}
				if r < k {
					hits++
					dcg += 1 / math.Log2(float64(r+2))
				}
			}
			for r := 0; r < min(k, len(T)); r++ {
				idcg += 1 / math.Log2(float64(r+2))
			}
			ks := itoaAny(k)
			if hits > 0 {
				out["hr@"+ks]++
			}
			out["ndcg@"+ks] += dcg / idcg
			out["recall@"+ks] += float64(hits) / float64(len(T))
		}
	}
	for k := range out {
		out[k] /= float64(n)
	}
	return out
}

func itoaAny(k int) string {
	if k == 1 {
		return "1"
	}
	return itoa(k)
}

func TestExportTables(t *testing.T) {
	s := tinySplit(20, 30, 8, 6, false)
	m, err := NewModel(smallConfig("lightgcn"), s, 3)
	if err != nil {
		t.Fatal(err)
	}
	paths, err := ExportTables(t.TempDir(), m)
	if err != nil {
		t.Fatal(err)
	}
	fu, _ := m.Embeddings()
	for k, want := range []*dense.Matrix{m.UserTable(), fu} {
		got, err := npy.ReadNPY(paths[k])
		if err != nil {
			t.Fatal(err)
		}
		if !dense.SameShape(got, want) {
			t.Fatalf("%s: shape %dx%d", paths[k], got.Rows, got.Cols)
		}
		for i := range got.Data {
			if got.Data[i] != want.Data[i] {
				t.Fatalf("%s differs at %d", paths[k], i)
			}
		}
	}
}

// nanHook poisons the user gradient at one batch.
type nanHook struct{ epoch, batch int }

func (h nanHook) Name() string { return "poison" }
func (h nanHook) Batch(_ context.Context, b BatchInfo, _, g *dense.Matrix) (float64, error) {
	if b.Epoch == h.epoch && b.Index == h.batch {
		g.Data[0] = float32(math.NaN())
	}
	return 0, nil
}

// TestTrainDiverges: a learning rate of 1e300 (+Inf in float32) makes the
// first Adam update non-finite; training stops at the next batch's loss
// and names the epoch, the batch and the learning rate. A NaN reaching a
// parameter in an epoch's last update is caught by the per-epoch check.
func TestTrainDiverges(t *testing.T) {
	s := tinySplit(30, 50, 10, 5, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		c := DefaultConfig(kind)
		c.Dim, c.Epochs, c.BatchSize, c.LR = 8, 3, 64, 1e300
		if kind == "neumf" {
			c.MLPDim, c.Layers = 16, 1
		}
		_, _, err := Train(context.Background(), s, c, 1, nil, nil)
		if !errors.Is(err, ErrDiverged) {
			t.Fatalf("%s: lr 1e300: got %v, want ErrDiverged", kind, err)
		}
		for _, w := range []string{"epoch 0, batch 1", "lr = 1e+300", "try a smaller one"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", kind, err, w)
			}
		}
	}
	// One batch per epoch: the poisoned update is the epoch's last, so only
	// the per-epoch parameter check can see it.
	c := DefaultConfig("mf")
	c.Dim, c.Epochs, c.BatchSize = 8, 3, 1<<20
	_, _, err := Train(context.Background(), s, c, 1, nanHook{epoch: 1, batch: 0}, nil)
	if !errors.Is(err, ErrDiverged) || !strings.Contains(err.Error(), `epoch 1, batch 0: after the epoch's last update, parameter "user" holds a non-finite value`) {
		t.Fatalf("poisoned gradient: got %v", err)
	}
}
