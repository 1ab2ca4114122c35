package recmodels

import (
	"math"
	"testing"
)

func TestReluMask(t *testing.T) {
	xs := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-45, -1e-45, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.Float32frombits(0xffc00000), math.MaxFloat32, -math.MaxFloat32}
	for _, x := range xs {
		for _, d := range []float32{2.5, -3, 0, float32(math.Copysign(0, -1))} {
			want := d
			if x <= 0 {
				want = 0
			}
			if got := reluMask(d, x); math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("x=%v (%x) d=%v: %v want %v", x, math.Float32bits(x), d, got, want)
			}
		}
	}
}
