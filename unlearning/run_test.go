package unlearning

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
	"github.com/potau/potau/recmodels"
)

func TestAdamClosedForm(t *testing.T) {
	// Two steps by hand: g1 = 2, g2 = −1, lr 0.1, β 0.9/0.999, ε 1e-8.
	a := NewAdam(1, 0.1, 0.9, 0.999, 1e-8)
	x := []float32{1}
	a.Step(x, []float32{2})
	m1, v1 := 0.1*2.0, 0.001*4.0
	want := 1 - 0.1*(m1/0.1)/(math.Sqrt(v1/0.001)+1e-8)
	if math.Abs(float64(x[0])-want) > 1e-7 {
		t.Fatalf("step 1: %v want %v", x[0], want)
	}
	a.Step(x, []float32{-1})
	m2, v2 := 0.9*m1+0.1*-1, 0.999*v1+0.001*1
	want = float64(float32(want)) - 0.1*(m2/(1-0.81))/(math.Sqrt(v2/(1-0.999*0.999))+1e-8)
	if math.Abs(float64(x[0])-want) > 1e-7 {
		t.Fatalf("step 2: %v want %v", x[0], want)
	}
}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("default: %v", err)
	}
	for _, tc := range []struct {
		path string
		edit func(*Config)
	}{
		{"methods[1]", func(c *Config) { c.Methods = []string{"U2U", "D2X"} }},
		{"methods[1]", func(c *Config) { c.Methods = []string{"U2U", "U2U"} }},
		{"alpha", func(c *Config) { c.Alpha = -1 }},
		{"alpha", func(c *Config) { c.Alpha = math.NaN() }},
		{"reg", func(c *Config) { c.Reg = "l1" }},
		{"steps", func(c *Config) { c.Steps = -1 }},
		{"steps", func(c *Config) { c.Steps = MaxSteps + 1 }},
		{"lr", func(c *Config) { c.LR = 0 }},
		{"beta1", func(c *Config) { c.Beta1 = 1 }},
		{"beta2", func(c *Config) { c.Beta2 = -0.1 }},
		{"eps", func(c *Config) { c.Eps = 0 }},
		{"kernels", func(c *Config) { c.Kernels = nil }},
		{"kernels[2]", func(c *Config) { c.Kernels[2] = 0 }},
		{"multi_class", func(c *Config) { c.MultiClass = "ovr" }},
		{"margin", func(c *Config) { c.Margin = -0.1 }},
		{"top_k", func(c *Config) { c.TopK = 1 }},
		{"tile", func(c *Config) { c.Tile = 100 }},
		{"workers", func(c *Config) { c.Workers = -2 }},
		{"adv_scale", func(c *Config) { c.AdvScale = math.Inf(1) }},
		{"adv_weight", func(c *Config) { c.AdvWeight = -1 }},
		{"adv_hidden", func(c *Config) { c.AdvHidden = 0 }},
		{"adv_lr", func(c *Config) { c.AdvLR = 0 }},
		{"mmd_beta", func(c *Config) { c.MMDBeta = -1 }},
		{"mmd_every", func(c *Config) { c.MMDEvery = 0 }},
	} {
		c := DefaultConfig()
		tc.edit(&c)
		err := c.Validate()
		var fe *cfgerr.FieldError
		if !errors.As(err, &fe) || fe.Path != tc.path {
			t.Errorf("%s: got %v", tc.path, err)
		}
	}
}

// directional returns (L(U+hV) − L(U−hV))/(2h) for a fixed random direction
// V, and ⟨∇L(U), V⟩. With the ranking regulariser, L is piecewise linear in
// the scores, and a hinge that switches on or off inside [U−hV, U+hV] adds
// an O(1) error to the quotient; h is halved (down to h/16) until the set of
// active hinges is the same at U−hV, U and U+hV.
func directional(t *testing.T, o *Objective, U *dense.Matrix, h float64, seed uint64) (fd, an float64) {
	t.Helper()
	ctx := context.Background()
	r := rng.New(seed, "direction")
	V := make([]float64, len(U.Data))
	for i := range V {
		V[i] = r.NormFloat64()
	}
	grad := dense.New(U.Rows, U.Cols)
	if _, err := o.Eval(ctx, U, grad); err != nil {
		t.Fatal(err)
	}
	active0 := hingeActivity(o)
	for i, g := range grad.Data {
		an += float64(g) * V[i]
	}
	// The objective detaches the MMD bandwidth: hold m at its value at U.
	o.fixedM = append([]float64(nil), o.lastM...)
	defer func() { o.fixedM = nil }()
	shift := func(s float64) (float64, string) {
		P := U.Clone()
		for i := range P.Data {
			P.Data[i] = float32(float64(U.Data[i]) + s*V[i])
		}
		terms, err := o.Eval(ctx, P, nil)
		if err != nil {
			t.Fatal(err)
		}
		return terms["total"], hingeActivity(o)
	}
	for k := 0; k < 5; k++ {
		lp, ap := shift(h)
		lm, am := shift(-h)
		if ap == active0 && am == active0 {
			return (lp - lm) / (2 * h), an
		}
		h /= 2
	}
	t.Fatalf("a ranking hinge switches within every tried step")
	return 0, 0
}

// hingeActivity returns the active pattern of the ranking hinges at the last
// Eval ("" without the ranking regulariser).
func hingeActivity(o *Objective) string {
	if o.rank == nil {
		return ""
	}
	b := make([]byte, 0, len(o.rank.scores))
	r := o.rank
	for u := 0; u+1 < len(r.off); u++ {
		s := r.scores[r.off[u]:r.off[u+1]]
		for n := 0; n+1 < len(s); n++ {
			if float64(s[n+1])-float64(s[n])+r.margin > 0 {
				b = append(b, '1')
			} else {
				b = append(b, '0')
			}
		}
	}
	return string(b)
}

// TestObjectiveFiniteDifference checks ∇L of every post-training method
// against a central difference along a random direction, on the dot test
// model (whose scores couple all users). The table is float32, so the step
// is h = 1e-3 (entries ~0.3; rounding of U ± hV costs ~1e-7/1e-3 = 1e-4
// relative) and the tolerance 2e-3 relative to |⟨∇L, V⟩|. The rank hinge is
// piecewise linear; a kink crossed inside ±h would show up as a failure, and
// the fixed seeds keep the hinges clear of that.
func TestObjectiveFiniteDifference(t *testing.T) {
	ctx := context.Background()
	s, labels := testSplit(40, 30, 7)
	labels[5] = -1
	labels3 := randLabels(40, 3, 6)
	for _, tc := range []struct {
		method Method
		reg    string
		alpha  float64
		form   string
		labels []int32
	}{
		{MethodU2U, "rank", 0, "anchor", labels},
		{MethodD2D, "rank", 0, "anchor", labels},
		{MethodU2UR, "l2", 0.5, "anchor", labels},
		{MethodD2DR, "l2", 3, "anchor", labels},
		{MethodD2DR, "rank", 0.01, "anchor", labels},
		{MethodU2UR, "rank", 0.3, "anchor", labels},
		{MethodD2D, "rank", 0, "anchor", labels3},
		{MethodD2D, "rank", 0, "pairs", labels3},
		{MethodU2U, "rank", 0, "pairs", labels3},
	} {
		t.Run(fmt.Sprintf("%s/%s/%s/k%d", tc.method, tc.reg, tc.form, slices.Max(tc.labels)+1), func(t *testing.T) {
			m := newDotModel(40, 30, 6, 0.7, 3)
			c := DefaultConfig()
			c.Reg, c.Alpha, c.TopK, c.Tile, c.MultiClass = tc.reg, tc.alpha, 8, 16, tc.form
			o, err := NewObjective(ctx, m, s, tc.labels, tc.method, c)
			if err != nil {
				t.Fatal(err)
			}
			// Move away from U₀ so that the l2 term has a gradient.
			U := m.U.Clone()
			r := rng.New(9, "move")
			for i := range U.Data {
				U.Data[i] += float32(0.05 * r.NormFloat64())
			}
			fd, an := directional(t, o, U, 1e-3, 1)
			t.Logf("fd %.8g analytic %.8g rel %.2g", fd, an, math.Abs(fd-an)/math.Abs(an))
			if math.Abs(fd-an) > 2e-3*math.Abs(an) {
				t.Errorf("directional derivative: fd %.8g, analytic %.8g", fd, an)
			}
		})
	}
}

func tableBytes(m *dense.Matrix) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, m.Data)
	return b.Bytes()
}

// TestRunDeterministic runs D2D-R and U2U-R with GOMAXPROCS 1 and 2 (and
// explicit worker counts 1 and 3) and compares the unlearned tables byte for
// byte.
func TestRunDeterministic(t *testing.T) {
	ctx := context.Background()
	s, labels := testSplit(150, 40, 11)
	for _, method := range []Method{MethodD2DR, MethodU2UR} {
		var ref []byte
		for _, run := range []struct{ procs, workers int }{{1, 0}, {2, 0}, {2, 1}, {2, 3}} {
			procs := run.procs
			prev := runtime.GOMAXPROCS(procs)
			m := newDotModel(150, 40, 20, 0.5, 4)
			c := DefaultConfig()
			c.Steps, c.Tile, c.TopK, c.Alpha, c.LR, c.Workers = 30, 32, 10, 1e-2, 1e-2, run.workers
			um, tr, err := Run(ctx, m, s, labels, method, c, nil)
			runtime.GOMAXPROCS(prev)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Terms["total"]) != c.Steps {
				t.Fatalf("trace has %d steps", len(tr.Terms["total"]))
			}
			if tr.Final["dist"] >= tr.Terms["dist"][0] {
				t.Errorf("%s: L_dist did not decrease: %v → %v", method, tr.Terms["dist"][0], tr.Final["dist"])
			}
			b := tableBytes(um.UserTable())
			if ref == nil {
				ref = b
			} else if !bytes.Equal(ref, b) {
				t.Errorf("%s: tables differ between GOMAXPROCS 1 and %+v", method, run)
			}
		}
	}
}

// TestRunNaN makes the model return NaN scores at the 4th ScorePairs call
// (the top lists use ScoreAll; the calls are steps 0, 1, 2, 3), and expects
// a *TermError for step 3, term "reg", and no model.
func TestRunNaN(t *testing.T) {
	s, labels := testSplit(30, 20, 2)
	m := newDotModel(30, 20, 4, 0, 1)
	m.nanAt = 4
	c := DefaultConfig()
	c.Steps, c.Tile, c.TopK = 10, 16, 5
	um, tr, err := Run(context.Background(), m, s, labels, MethodU2UR, c, nil)
	var te *TermError
	if !errors.As(err, &te) || te.Step != 3 || te.Term != "reg" {
		t.Fatalf("got %v", err)
	}
	if um != nil || tr != nil {
		t.Error("a failed run returned a model or trace")
	}
}

// TestRunDiverges: a learning rate of 1e300 (+Inf in float32) makes the
// first Adam update non-finite; the run stops there naming the method, the
// step and the learning rate, instead of failing later in a kernel.
func TestRunDiverges(t *testing.T) {
	s, labels := testSplit(30, 20, 2)
	for _, method := range []Method{MethodU2U, MethodD2DR} {
		c := DefaultConfig()
		c.Steps, c.Tile, c.TopK, c.LR = 10, 16, 5, 1e300
		um, _, err := Run(context.Background(), newDotModel(30, 20, 4, 0, 1), s, labels, method, c, nil)
		if err == nil || um != nil {
			t.Fatalf("%s: lr 1e300 accepted", method)
		}
		for _, w := range []string{method.String() + " diverged at step 0", "lr = 1e+300", "try a smaller one"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", method, err, w)
			}
		}
	}
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	s, labels := testSplit(10, 8, 1)
	m := newDotModel(10, 8, 4, 0, 1)
	c := DefaultConfig()
	for _, tc := range []struct {
		name   string
		method Method
		labels []int32
		c      Config
	}{
		{"baseline method", MethodAdv, labels, c},
		{"label count", MethodU2U, labels[:5], c},
		{"one group", MethodD2D, make([]int32, 10), c},
		{"bad label", MethodD2D, append([]int32{-3}, labels[1:]...), c},
		{"bad config", MethodD2D, labels, Config{}},
	} {
		if _, _, err := Run(ctx, m, s, tc.labels, tc.method, tc.c, nil); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, _, err := Run(cctx, m, s, labels, MethodD2D, c, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func ExampleU2U() {
	// Two users per group on a line: cross distances 1², 3², 2², 4²... here
	// u = 0, 1 (group 0) and 2, 4 (group 1): (2−0)² + (4−0)² + (2−1)² + (4−1)² = 30.
	u := []float64{0, 1, 2, 4}
	g, _ := NewGroups([]int32{0, 0, 1, 1})
	pairs, _ := g.Pairs("anchor", 0)
	grad := make([]float64, 4)
	fmt.Println(U2U(grad, u, 1, g, pairs, 1), grad)
	// Output: 30 [-12 -8 6 14]
}

func ExampleMMD2() {
	// One point per group at distance 1: D = [[0,1],[1,0]], m = 1, and
	// MMD² = k(0) + k(0) − 2k(1) with k(D) = Σ_i exp(−D/σ_i), σ = ¼,½,1,2,4.
	x, y := []float64{0, 0}, []float64{1, 0}
	gx, gy := make([]float64, 2), make([]float64, 2)
	v, _ := MMD2(context.Background(), gx, gy, x, y, 2, []float64{0.25, 0.5, 1, 2, 4}, 16, 1)
	var want float64
	for _, s := range []float64{0.25, 0.5, 1, 2, 4} {
		want += 2 - 2*math.Exp(-1/s)
	}
	fmt.Printf("%.12f %.12f\n", v, want)
	// ∂MMD²/∂x = 4·w_x·w_y·Q_xy·(x − y) with w = (1, −1) and
	// Q_xy = −Σ_i exp(−1/σ_i)/σ_i: the gradient pulls x towards y.
	fmt.Printf("%.6f %.6f\n", gx[0], gy[0])
	// Output:
	// 6.186276387838 6.186276387838
	// -4.839112 4.839112
}

var _ recmodels.Hook = (*AdvHook)(nil)
var _ recmodels.Hook = (*MMDHook)(nil)
