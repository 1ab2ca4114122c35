package unlearning

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// Golden values (testdata/*.json) were computed with PyTorch in float64 from
// inputs exact to 6 decimals. Tolerances:
//   - float64 paths: ≤ 1e-9 relative. Our summation order differs from
//     PyTorch's and m comes from a closed form, which moves results by a few
//     hundred ulps at most (≈1e-13); 1e-9 leaves room and still catches any
//     formula error (a wrong bandwidth or factor moves values by > 1e-2).
//   - float32 paths: ≤ 1e-4 relative. Inputs are rounded to float32 (2^-24 ≈
//     6e-8 relative), Gram entries are float32 dot products and P is stored in
//     float32; the exponent amplifies a relative error ε of D by D/σ_0 ≤ ~40
//     on these data, so errors reach ~1e-5.
//
// Gradient vectors are compared in the max norm relative to the reference's
// max norm, since entries near zero have no meaningful relative error.

func readGolden(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

func flat[T Float](rows [][]float64) ([]T, int) {
	if len(rows) == 0 {
		return nil, 0
	}
	d := len(rows[0])
	out := make([]T, 0, len(rows)*d)
	for _, r := range rows {
		for _, v := range r {
			out = append(out, T(v))
		}
	}
	return out, d
}

func relErr(got, want float64) float64 {
	return math.Abs(got-want) / math.Max(math.Abs(want), 1e-300)
}

// maxRelErr returns max_i |got_i − want_i| / max_i |want_i|.
func maxRelErr[T Float](got []T, want []float64) float64 {
	var num, den float64
	for i, w := range want {
		num = math.Max(num, math.Abs(float64(got[i])-w))
		den = math.Max(den, math.Abs(w))
	}
	if len(got) != len(want) {
		return math.Inf(1)
	}
	return num / math.Max(den, 1e-300)
}

func flatten(rows [][]float64) []float64 {
	var out []float64
	for _, r := range rows {
		out = append(out, r...)
	}
	return out
}

type mmdCase struct {
	X, Y  [][]float64
	MMD2  float64     `json:"mmd2"`
	GradX [][]float64 `json:"grad_X"`
	GradY [][]float64 `json:"grad_Y"`
}

func testMMDGolden[T Float](t *testing.T, tol float64, tile, workers int) {
	var g struct{ Cases []mmdCase }
	readGolden(t, "mmd.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i, c := range g.Cases {
		x, d := flat[T](c.X)
		y, _ := flat[T](c.Y)
		gx, gy := make([]T, len(x)), make([]T, len(y))
		v, err := MMD2(context.Background(), gx, gy, x, y, d, []float64{0.25, 0.5, 1, 2, 4}, tile, workers)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("case %d: mmd2 rel err %.2g, grad X %.2g, grad Y %.2g", i, relErr(v, c.MMD2), maxRelErr(gx, flatten(c.GradX)), maxRelErr(gy, flatten(c.GradY)))
		if e := relErr(v, c.MMD2); e > tol {
			t.Errorf("case %d: mmd2 %.15g, want %.15g (rel %.2g > %.0g)", i, v, c.MMD2, e, tol)
		}
		if e := maxRelErr(gx, flatten(c.GradX)); e > tol {
			t.Errorf("case %d: grad X rel err %.2g > %.0g", i, e, tol)
		}
		if e := maxRelErr(gy, flatten(c.GradY)); e > tol {
			t.Errorf("case %d: grad Y rel err %.2g > %.0g", i, e, tol)
		}
	}
}

func TestMMDGolden(t *testing.T) {
	for _, tc := range []struct {
		name          string
		tile, workers int
	}{{"tile16", 16, 1}, {"tile32w3", 32, 3}} {
		t.Run("float64/"+tc.name, func(t *testing.T) { testMMDGolden[float64](t, 1e-9, tc.tile, tc.workers) })
		t.Run("float32/"+tc.name, func(t *testing.T) { testMMDGolden[float32](t, 1e-4, tc.tile, tc.workers) })
	}
}

type u2uCase struct {
	U     [][]float64
	Group []int32
	Loss  float64
	Grad  [][]float64
}

func testU2UGolden[T Float](t *testing.T, tol float64) {
	var g struct{ Cases []u2uCase }
	readGolden(t, "u2u.json", &g)
	if len(g.Cases) == 0 {
		t.Fatal("no cases")
	}
	for i, c := range g.Cases {
		u, d := flat[T](c.U)
		gr, err := NewGroups(c.Group)
		if err != nil {
			t.Fatal(err)
		}
		pairs, err := gr.Pairs("anchor", 0)
		if err != nil {
			t.Fatal(err)
		}
		grad := make([]T, len(u))
		v := U2U(grad, u, d, gr, pairs, 1)
		t.Logf("case %d: loss rel err %.2g, grad %.2g", i, relErr(v, c.Loss), maxRelErr(grad, flatten(c.Grad)))
		if e := relErr(v, c.Loss); e > tol {
			t.Errorf("case %d: loss %.15g, want %.15g (rel %.2g)", i, v, c.Loss, e)
		}
		if e := maxRelErr(grad, flatten(c.Grad)); e > tol {
			t.Errorf("case %d: grad rel err %.2g > %.0g", i, e, tol)
		}
	}
}

func TestU2UGolden(t *testing.T) {
	t.Run("float64", func(t *testing.T) { testU2UGolden[float64](t, 1e-9) })
	t.Run("float32", func(t *testing.T) { testU2UGolden[float32](t, 1e-4) })
}
