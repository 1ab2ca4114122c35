//go:build amd64 && !purego

package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPropKernelsAVX512MatchAVX2 checks that the 64-column AVX-512 forms
// compute the same chains as the 16-column AVX2 ones: bit for bit.
func TestPropKernelsAVX512MatchAVX2(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 on this CPU")
	}
	r := rand.New(rand.NewPCG(5, 6))
	x := randMatrix(r, 300, 144)
	p := randMatrix(r, 40, 300)
	rows := []int32{39, 2, 17, 0, 5, 33}
	d := randMatrix(r, len(rows), 144)
	run := func(avx512 bool) (fw [4][]float32, bw *Matrix) {
		defer func(v bool) { useAVX512 = v }(useAVX512)
		useAVX512 = avx512
		var coef [4][]float32
		for q := range 4 {
			fw[q] = make([]float32, 144)
			coef[q] = p.Row(3 * q)
		}
		RowsMulAdd4(&fw, &coef, x, 7, 300)
		bw = New(300, 144)
		ColsMulAdd(bw, p, rows, 101, 290, d)
		return fw, bw
	}
	f1, b1 := run(true)
	f2, b2 := run(false)
	for q := range 4 {
		for j := range f1[q] {
			if math.Float32bits(f1[q][j]) != math.Float32bits(f2[q][j]) {
				t.Fatalf("RowsMulAdd4 row %d col %d: AVX-512 %v, AVX2 %v", q, j, f1[q][j], f2[q][j])
			}
		}
	}
	for i := range b1.Data {
		if math.Float32bits(b1.Data[i]) != math.Float32bits(b2.Data[i]) {
			t.Fatalf("ColsMulAdd element %d: AVX-512 %v, AVX2 %v", i, b1.Data[i], b2.Data[i])
		}
	}
}
