package unlearning

import (
	"context"
	"slices"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// TestAlphaScale: under alpha_scale per-user (inverse) the objective of a
// 40-user model equals, to the bit, the unscaled objective with α·40/943
// (α·943/40) computed here, for the value and the gradient; "off" keeps α;
// the setting is part of a regularised method's settings only when not off.
func TestAlphaScale(t *testing.T) {
	ctx := context.Background()
	s, labels := testSplit(40, 30, 7)
	m := newDotModel(40, 30, 6, 0.7, 3)
	c := DefaultConfig()
	c.Reg, c.Alpha, c.TopK, c.Tile = "l2", 0.5, 8, 16
	U := m.U.Clone()
	for i := range U.Data {
		U.Data[i] *= 1.1
	}
	eval := func(cfg Config) (map[string]float64, []float32) {
		o, err := NewObjective(ctx, m, s, labels, MethodD2DR, cfg)
		if err != nil {
			t.Fatal(err)
		}
		g := dense.New(U.Rows, U.Cols)
		terms, err := o.Eval(ctx, U, g)
		if err != nil {
			t.Fatal(err)
		}
		return terms, g.Data
	}
	if got := c.EffectiveAlpha(40); got != 0.5 {
		t.Fatalf("off: EffectiveAlpha = %v", got)
	}
	to, _ := eval(c)
	for _, tc := range []struct {
		scale string
		alpha float64 // the effective α, computed independently
	}{
		{"per-user", 0.5 * 40 / 943.0},
		{"inverse", 0.5 * 943 / 40.0},
	} {
		scaled := c
		scaled.AlphaScale = tc.scale
		manual := c
		manual.Alpha = tc.alpha
		if got := scaled.EffectiveAlpha(40); got != tc.alpha {
			t.Fatalf("%s: EffectiveAlpha = %v, want %v", tc.scale, got, tc.alpha)
		}
		ts, gs := eval(scaled)
		tm, gm := eval(manual)
		if ts["total"] != tm["total"] || !slices.Equal(gs, gm) {
			t.Errorf("%s: total %v, gradient differs %v; want the objective at α = %v (total %v)", tc.scale, ts["total"], !slices.Equal(gs, gm), tc.alpha, tm["total"])
		}
		if to["total"] == ts["total"] {
			t.Errorf("%s does not change the objective", tc.scale)
		}
		if scaled.For(MethodD2DR).Config.AlphaScale != tc.scale || scaled.For(MethodD2D).Config.AlphaScale != "" {
			t.Errorf("For: alpha_scale %s dropped where it matters or kept where it does not", tc.scale)
		}
	}
	if c.For(MethodD2DR).Config.AlphaScale != "" {
		t.Error("For: alpha_scale off is part of the settings (it was left out of the key before the field existed)")
	}
	bad := c
	bad.AlphaScale = "per-item"
	if bad.Validate() == nil {
		t.Error("alpha_scale per-item accepted")
	}
}
