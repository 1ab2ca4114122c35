package unlearning

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
)

func randTable(n, d int, seed uint64, scale, offset float64) []float64 {
	r := rng.New(seed, "rand-table")
	u := make([]float64, n*d)
	for i := range u {
		u[i] = r.NormFloat64()*scale + offset
	}
	return u
}

func randLabels(n, k int, seed uint64) []int32 {
	r := rng.New(seed, "rand-labels")
	l := make([]int32, n)
	for i := range l {
		l[i] = int32(r.IntN(k+1)) - 1 // includes -1 (unknown)
	}
	for c := 0; c < k; c++ {
		l[c] = int32(c)
	}
	return l
}

// TestU2ULaplacian compares the O(N·d) closed form with the dense
// Laplacian form trace(Uᵀ L U), L = Σ_pairs L_{A,B} with L_{A,B} the
// Laplacian of the complete bipartite graph between A and B, and its
// gradient 2·L·U. Both are float64; the closed form cancels
// |B|Σ‖u‖² + |A|Σ‖u‖² against 2 S_A·S_B, so we allow 1e-10 relative.
func TestU2ULaplacian(t *testing.T) {
	for _, tc := range []struct {
		n, d, k int
		form    string
		offset  float64
	}{
		{7, 3, 2, "anchor", 0},
		{40, 5, 2, "anchor", 3},
		{33, 4, 3, "anchor", -1},
		{33, 4, 4, "pairs", 0.5},
	} {
		t.Run(fmt.Sprintf("n%d_k%d_%s", tc.n, tc.k, tc.form), func(t *testing.T) {
			u := randTable(tc.n, tc.d, uint64(tc.n), 1, tc.offset)
			labels := randLabels(tc.n, tc.k, uint64(tc.k))
			g, err := NewGroups(labels)
			if err != nil {
				t.Fatal(err)
			}
			pairs, err := g.Pairs(tc.form, g.DefaultAnchor())
			if err != nil {
				t.Fatal(err)
			}
			L := make([]float64, tc.n*tc.n)
			for _, p := range pairs {
				for _, a := range g.Members[p.A] {
					for _, b := range g.Members[p.B] {
						L[int(a)*tc.n+int(a)]++
						L[int(b)*tc.n+int(b)]++
						L[int(a)*tc.n+int(b)]--
						L[int(b)*tc.n+int(a)]--
					}
				}
			}
			var want float64
			wantG := make([]float64, tc.n*tc.d)
			for i := 0; i < tc.n; i++ {
				for j := 0; j < tc.n; j++ {
					for k := 0; k < tc.d; k++ {
						want += L[i*tc.n+j] * u[i*tc.d+k] * u[j*tc.d+k]
						wantG[i*tc.d+k] += 2 * L[i*tc.n+j] * u[j*tc.d+k]
					}
				}
			}
			grad := make([]float64, len(u))
			got := U2U(grad, u, tc.d, g, pairs, 1)
			if e := relErr(got, want); e > 1e-10 {
				t.Errorf("value %.12g, Laplacian form %.12g (rel %.2g)", got, want, e)
			}
			if e := maxRelErr(grad, wantG); e > 1e-10 {
				t.Errorf("gradient rel err %.2g", e)
			}
		})
	}
}

// naiveMMD2 is the textbook O(n²·d) MMD² between X and Y for a given m,
// without tiling, centring or the squaring shortcut, and the gradient with m
// held fixed (detached) from its own derivation:
// ∂/∂x_a Σ_bc w_b w_c Σ_i exp(−‖z_b−z_c‖²/σ_i) = −4 w_a Σ_c w_c Σ_i e_i/σ_i (z_a − z_c).
func naiveMMD2(x, y []float64, d int, kernels []float64, m float64) (v float64, grad []float64) {
	z := append(slices.Clone(x), y...)
	n, nx := len(z)/d, len(x)/d
	w := make([]float64, n)
	for a := range w {
		if a < nx {
			w[a] = 1 / float64(nx)
		} else {
			w[a] = -1 / float64(n-nx)
		}
	}
	grad = make([]float64, len(z))
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			var D float64
			for k := 0; k < d; k++ {
				t := z[a*d+k] - z[b*d+k]
				D += t * t
			}
			var kv, kp float64
			for _, mu := range kernels {
				e := math.Exp(-D / (mu * m))
				kv += e
				kp += e / (mu * m)
			}
			v += w[a] * w[b] * kv
			for k := 0; k < d; k++ {
				grad[a*d+k] += -4 * w[a] * w[b] * kp * (z[a*d+k] - z[b*d+k])
			}
		}
	}
	return v, grad
}

func meanSqDist(z []float64, d int) float64 {
	n := len(z) / d
	var s float64
	for a := 0; a < n; a++ {
		for b := 0; b < n; b++ {
			for k := 0; k < d; k++ {
				t := z[a*d+k] - z[b*d+k]
				s += t * t
			}
		}
	}
	return s / float64(n*n-n)
}

// TestMMDNaive checks the tiled engine (float64 Go path, float32 path with
// the assembly kernels where available) against naiveMMD2 over tile sizes,
// worker counts, sizes that are not multiples of 16, data far from the
// origin, and kernels that do not halve (so the direct-exp path runs).
// Tolerances: float64 1e-11 (summation order only); float32 1e-4 (see
// golden_test.go).
func TestMMDNaive(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		nx, ny, d     int
		offset        float64
		kernels       []float64
		tile, workers int
	}{
		{5, 3, 4, 0, []float64{0.25, 0.5, 1, 2, 4}, 16, 1},
		{37, 29, 7, 0, []float64{0.25, 0.5, 1, 2, 4}, 16, 2},
		{37, 29, 7, 0, []float64{0.25, 0.5, 1, 2, 4}, 32, 3},
		{50, 21, 33, 5, []float64{0.25, 0.5, 1, 2, 4}, 48, 2},
		{40, 40, 16, 0, []float64{0.3, 1, 2.5}, 16, 2},
		{60, 17, 64, 0.2, []float64{1}, 32, 0},
	} {
		name := fmt.Sprintf("%dx%d_d%d_k%d_t%d_w%d", tc.nx, tc.ny, tc.d, len(tc.kernels), tc.tile, tc.workers)
		x := randTable(tc.nx, tc.d, 1, 1, tc.offset)
		y := randTable(tc.ny, tc.d, 2, 1.2, tc.offset+0.3)
		m := meanSqDist(append(slices.Clone(x), y...), tc.d)
		want, wantG := naiveMMD2(x, y, tc.d, tc.kernels, m)
		t.Run(name+"/float64", func(t *testing.T) {
			gx, gy := make([]float64, len(x)), make([]float64, len(y))
			v, err := MMD2(ctx, gx, gy, x, y, tc.d, tc.kernels, tc.tile, tc.workers)
			if err != nil {
				t.Fatal(err)
			}
			if e := relErr(v, want); e > 1e-11 {
				t.Errorf("value %.15g want %.15g rel %.2g", v, want, e)
			}
			if e := maxRelErr(append(gx, gy...), wantG); e > 1e-11 {
				t.Errorf("grad rel err %.2g", e)
			}
		})
		t.Run(name+"/float32", func(t *testing.T) {
			x32, y32 := make([]float32, len(x)), make([]float32, len(y))
			for i, v := range x {
				x32[i] = float32(v)
			}
			for i, v := range y {
				y32[i] = float32(v)
			}
			gx, gy := make([]float32, len(x)), make([]float32, len(y))
			v, err := MMD2(ctx, gx, gy, x32, y32, tc.d, tc.kernels, tc.tile, tc.workers)
			if err != nil {
				t.Fatal(err)
			}
			// The value is a difference of means of O(1) kernel values, so
			// its float32 error is absolute (~1e-6), not relative.
			if e := math.Abs(v - want); e > 1e-4*math.Max(math.Abs(want), 0.01) {
				t.Errorf("value %.8g want %.8g abs err %.2g", v, want, e)
			}
			if e := maxRelErr(append(gx, gy...), wantG); e > 1e-4 {
				t.Errorf("grad rel err %.2g", e)
			}
		})
	}
}

// TestMMDFiniteDifference checks the float64 gradient against central
// differences of the value with the bandwidth held fixed, as the objective
// detaches m: the engine's value at a perturbed point uses its own m, so we
// difference naiveMMD2 at the unperturbed m. h = 1e-6 gives truncation
// error O(h²·f”') ≈ 1e-12 and rounding O(ε/h) ≈ 1e-10; tolerance 1e-7.
func TestMMDFiniteDifference(t *testing.T) {
	const d = 5
	x := randTable(9, d, 3, 1, 0)
	y := randTable(6, d, 4, 1, 0.5)
	ks := []float64{0.25, 0.5, 1, 2, 4}
	gx, gy := make([]float64, len(x)), make([]float64, len(y))
	if _, err := MMD2(context.Background(), gx, gy, x, y, d, ks, 16, 1); err != nil {
		t.Fatal(err)
	}
	g := append(gx, gy...)
	m := meanSqDist(append(slices.Clone(x), y...), d)
	const h = 1e-6
	var maxErr, maxG float64
	for i := range g {
		xp, yp := slices.Clone(x), slices.Clone(y)
		xm, ym := slices.Clone(x), slices.Clone(y)
		if i < len(x) {
			xp[i] += h
			xm[i] -= h
		} else {
			yp[i-len(x)] += h
			ym[i-len(x)] -= h
		}
		vp, _ := naiveMMD2(xp, yp, d, ks, m)
		vm, _ := naiveMMD2(xm, ym, d, ks, m)
		fd := (vp - vm) / (2 * h)
		maxErr = math.Max(maxErr, math.Abs(fd-g[i]))
		maxG = math.Max(maxG, math.Abs(g[i]))
	}
	if maxErr > 1e-7*maxG {
		t.Errorf("max |fd − grad| = %.3g (max |grad| %.3g)", maxErr, maxG)
	}
}

func TestRankHingeGolden(t *testing.T) {
	var g struct {
		Cases []struct {
			Scores     [][]float64
			Top        [][]int32
			Margin     float64
			Loss       float64
			GradScores [][]float64 `json:"grad_scores"`
		}
	}
	readGolden(t, "rank_hinge.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no cases")
	}
	for ci, c := range g.Cases {
		var s []float64
		off := []int{0}
		for u, top := range c.Top {
			for _, it := range top {
				s = append(s, c.Scores[u][it])
			}
			off = append(off, len(s))
		}
		dS := make([]float64, len(s))
		loss := RankHinge(dS, s, off, c.Margin, 1)
		if e := relErr(loss, c.Loss); e > 1e-12 {
			t.Errorf("case %d: loss %.15g want %.15g", ci, loss, c.Loss)
		}
		// Scatter dS back to the (user, item) grid of the golden gradient.
		for u, top := range c.Top {
			got := make([]float64, len(c.Scores[u]))
			for n, it := range top {
				got[it] += dS[off[u]+n]
			}
			if !slices.Equal(got, c.GradScores[u]) {
				t.Errorf("case %d user %d: grad %v want %v", ci, u, got, c.GradScores[u])
			}
		}
	}
}

func TestL2RegGradient(t *testing.T) {
	u := []float64{1, -2, 3.5}
	u0 := []float64{0.5, -2, 1}
	g := make([]float64, 3)
	v := L2Reg(g, u, u0, 3)
	if v != 0.25+0+6.25 {
		t.Errorf("value %v", v)
	}
	if !slices.Equal(g, []float64{3 * 2 * 0.5, 0, 3 * 2 * 2.5}) {
		t.Errorf("grad %v", g)
	}
}

// TestMMDPortableMatchesAsm runs the float32 engine with the assembly
// kernels and with two portable variants: the pure-Go kernels
// (dense.Tile4x16Go and dense.GaussRowGo, what -tags purego runs) and the
// pure-Go micro-kernel with the float64 kernel-value loop. The first differs
// from the assembly only by FMA rounding, the second also by the float32
// polynomial exp (≈1e-7 relative); either grows ×16 through the squaring
// chain of the five kernels, so 1e-5 relative.
func TestMMDPortableMatchesAsm(t *testing.T) {
	if !dense.Accelerated() {
		t.Skip("no assembly kernels in this build or on this machine")
	}
	const d = 24
	x64 := randTable(70, d, 5, 1, 0)
	y64 := randTable(45, d, 6, 1, 0.4)
	u := make([]float32, 0, len(x64)+len(y64))
	for _, v := range append(x64, y64...) {
		u = append(u, float32(v))
	}
	rows := make([]int32, 115)
	w := make([]float64, 115)
	for i := range rows {
		rows[i] = int32(i)
		w[i] = 1.0 / 70
		if i >= 70 {
			w[i] = -1.0 / 45
		}
	}
	ks := []float64{0.25, 0.5, 1, 2, 4}
	run := func(variant string) (float64, []float32) {
		e := newMMDEngine[float32](ks, 32, 2)
		if e.row == nil {
			t.Fatal("float32 kernel-value loop not selected")
		}
		switch variant {
		case "go":
			e.kern, e.row = dense.Tile4x16Go[float32], dense.GaussRowGo
		case "float64":
			e.kern, e.row = dense.Tile4x16Go[float32], nil
		}
		g := make([]float32, len(u))
		v, err := e.eval(context.Background(), u, d, rows, w, g, 1)
		if err != nil {
			t.Fatal(err)
		}
		return v, g
	}
	va, ga := run("asm")
	for _, variant := range []string{"go", "float64"} {
		vp, gp := run(variant)
		want := make([]float64, len(gp))
		for i, v := range gp {
			want[i] = float64(v)
		}
		if e := relErr(va, vp); e > 1e-5 {
			t.Errorf("%s: value asm %.9g portable %.9g", variant, va, vp)
		}
		if e := maxRelErr(ga, want); e > 1e-5 {
			t.Errorf("%s: gradient rel err %.2g", variant, e)
		}
	}
}
