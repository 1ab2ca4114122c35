package unlearning

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// TestObjectiveMultiAttribute checks L_dist over two attributes (a binary
// one and a four-class one, with unknown users in each) against the sum of
// the two one-attribute objectives, computed separately: the values and the
// gradients must agree to float32 rounding of the summed gradients (each
// entry is one float32 addition of the two terms, so 1e-6 relative to the
// largest entry), under both multi-class forms; and the multi-attribute
// gradient passes the same central-difference check as one attribute.
func TestObjectiveMultiAttribute(t *testing.T) {
	ctx := context.Background()
	s, gender := testSplit(40, 30, 7)
	gender[5] = -1
	age := randLabels(40, 4, 6)
	for _, tc := range []struct {
		method Method
		form   string
	}{
		{MethodD2D, "anchor"}, {MethodD2D, "pairs"}, {MethodU2U, "anchor"}, {MethodD2DR, "pairs"},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.method, tc.form), func(t *testing.T) {
			m := newDotModel(40, 30, 6, 0.7, 3)
			c := DefaultConfig()
			c.Reg, c.Alpha, c.TopK, c.Tile, c.MultiClass = "l2", 0.5, 8, 16, tc.form
			both, err := NewObjectiveMulti(ctx, m, s, [][]int32{gender, age}, tc.method, c)
			if err != nil {
				t.Fatal(err)
			}
			U := m.U.Clone()
			for i := range U.Data {
				U.Data[i] *= 1.1
			}
			gb := dense.New(U.Rows, U.Cols)
			tb, err := both.Eval(ctx, U, gb)
			if err != nil {
				t.Fatal(err)
			}
			var want float64
			wg := make([]float64, len(U.Data))
			for _, l := range [][]int32{gender, age} {
				c1 := c
				c1.Reg, c1.Alpha = "l2", 0
				o, err := NewObjective(ctx, m, s, l, tc.method, c1)
				if err != nil {
					t.Fatal(err)
				}
				g := dense.New(U.Rows, U.Cols)
				terms, err := o.Eval(ctx, U, g)
				if err != nil {
					t.Fatal(err)
				}
				want += terms["dist"]
				for i, v := range g.Data {
					wg[i] += float64(v)
				}
			}
			if math.Abs(tb["dist"]-want) > 1e-12*math.Abs(want) {
				t.Errorf("dist %.15g, sum of the attributes' %.15g", tb["dist"], want)
			}
			if tc.method.Regularised() { // add α·∂L_reg = α·2(U−U₀)
				for i := range wg {
					wg[i] += 0.5 * 2 * (float64(U.Data[i]) - float64(m.U.Data[i]))
				}
			}
			var scale float64
			for _, v := range wg {
				scale = math.Max(scale, math.Abs(v))
			}
			for i, v := range gb.Data {
				if math.Abs(float64(v)-wg[i]) > 1e-6*scale {
					t.Fatalf("grad[%d] = %v, sum of the attributes' %v", i, v, wg[i])
				}
			}
			fd, an := directional(t, both, U, 1e-3, 1)
			if math.Abs(fd-an) > 2e-3*math.Abs(an) {
				t.Errorf("directional derivative: fd %.8g, analytic %.8g", fd, an)
			}
		})
	}
}
