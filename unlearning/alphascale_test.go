package unlearning

import (
	"context"
	"slices"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// TestAlphaScalePerUser: under alpha_scale: per-user the objective of a
// 40-user model equals, to the bit, the unscaled objective with
// α·40/943 (computed here), for the value and the gradient; "off" keeps α;
// the setting is part of a regularised method's settings only when on.
func TestAlphaScalePerUser(t *testing.T) {
	ctx := context.Background()
	s, labels := testSplit(40, 30, 7)
	m := newDotModel(40, 30, 6, 0.7, 3)
	c := DefaultConfig()
	c.Reg, c.Alpha, c.TopK, c.Tile = "l2", 0.5, 8, 16
	scaled := c
	scaled.AlphaScale = "per-user"
	manual := c
	manual.Alpha = 0.5 * 40 / 943.0
	if got := scaled.EffectiveAlpha(40); got != manual.Alpha {
		t.Fatalf("EffectiveAlpha = %v, want %v", got, manual.Alpha)
	}
	if got := c.EffectiveAlpha(40); got != 0.5 {
		t.Fatalf("off: EffectiveAlpha = %v", got)
	}
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
	ts, gs := eval(scaled)
	tm, gm := eval(manual)
	if ts["total"] != tm["total"] || !slices.Equal(gs, gm) {
		t.Errorf("per-user: total %v, gradient differs %v; want the objective at α·n/943 (total %v)", ts["total"], !slices.Equal(gs, gm), tm["total"])
	}
	to, _ := eval(c)
	if to["total"] == ts["total"] {
		t.Error("per-user does not change the objective")
	}
	if c.For(MethodD2DR).Config.AlphaScale != "" || scaled.For(MethodD2DR).Config.AlphaScale != "per-user" || scaled.For(MethodD2D).Config.AlphaScale != "" {
		t.Error("For: alpha_scale kept where it does not matter or dropped where it does")
	}
	bad := c
	bad.AlphaScale = "per-item"
	if bad.Validate() == nil {
		t.Error("alpha_scale per-item accepted")
	}
}
