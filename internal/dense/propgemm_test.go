package dense

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The products are checked against float64 sums. A chain of n float32
// multiply-adds has error at most γ_n·Σ|terms| with γ_n = n·u/(1−n·u),
// u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1); the tests allow
// 2·n·u·Σ|terms| (+ the exact sum's own rounding), which a wrong index, a
// dropped term or a wrong coefficient exceeds by orders of magnitude.
func chainTol(n int, absSum float64) float64 {
	return 2*float64(n+1)*0x1p-24*absSum + 1e-30
}

func TestRowsMulAdd4(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct{ n, cols, k0, k1 int }{
		{37, 64, 0, 37}, {37, 64, 5, 30}, {37, 80, 3, 37}, {100, 48, 0, 100}, {9, 19, 2, 9}, {5, 7, 0, 5}, {12, 64, 4, 4},
	} {
		x := randMatrix(r, tc.n, tc.cols)
		var dst, coef [4][]float32
		init := make([][]float32, 4)
		for q := range 4 {
			coef[q] = randVec(r, tc.n)
			init[q] = randVec(r, tc.cols)
			dst[q] = append([]float32(nil), init[q]...)
		}
		RowsMulAdd4(&dst, &coef, x, tc.k0, tc.k1)
		for q := range 4 {
			for j := range tc.cols {
				want, abs := float64(init[q][j]), math.Abs(float64(init[q][j]))
				for k := tc.k0; k < tc.k1; k++ {
					v := float64(coef[q][k]) * float64(x.Data[k*tc.cols+j])
					want += v
					abs += math.Abs(v)
				}
				if d := math.Abs(float64(dst[q][j]) - want); d > chainTol(tc.k1-tc.k0, abs) {
					t.Fatalf("%+v row %d col %d: got %v, want %v", tc, q, j, dst[q][j], want)
				}
			}
		}
		// Term blocks accumulate into the same chain: splitting [k0, k1)
		// gives the same bits.
		if tc.k1-tc.k0 >= 2 {
			m := (tc.k0 + tc.k1) / 2
			var two [4][]float32
			for q := range 4 {
				two[q] = append([]float32(nil), init[q]...)
			}
			RowsMulAdd4(&two, &coef, x, tc.k0, m)
			RowsMulAdd4(&two, &coef, x, m, tc.k1)
			for q := range 4 {
				for j := range two[q] {
					if math.Float32bits(two[q][j]) != math.Float32bits(dst[q][j]) {
						t.Fatalf("%+v: split at %d differs at row %d col %d: %v vs %v", tc, m, q, j, two[q][j], dst[q][j])
					}
				}
			}
		}
	}
}

func TestColsMulAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct{ prow, pcol, cols, k0, k1 int }{
		{50, 40, 64, 0, 40}, {50, 40, 64, 36, 40}, {50, 40, 80, 8, 31}, {30, 9, 20, 5, 9}, {8, 4, 7, 0, 4}, {8, 6, 16, 2, 2},
	} {
		p := randMatrix(r, tc.prow, tc.pcol)
		rows := []int32{int32(tc.prow - 1), 0, 3, int32(tc.prow / 2), 7}
		d := randMatrix(r, len(rows), tc.cols)
		init := randMatrix(r, tc.pcol, tc.cols)
		dst := init.Clone()
		ColsMulAdd(dst, p, rows, tc.k0, tc.k1, d)
		for k := range tc.pcol {
			for j := range tc.cols {
				want, abs := float64(init.Data[k*tc.cols+j]), math.Abs(float64(init.Data[k*tc.cols+j]))
				if k >= tc.k0 && k < tc.k1 {
					for s, i := range rows {
						v := float64(p.Data[int(i)*tc.pcol+k]) * float64(d.Data[s*tc.cols+j])
						want += v
						abs += math.Abs(v)
					}
				}
				if dd := math.Abs(float64(dst.Data[k*tc.cols+j]) - want); dd > chainTol(len(rows), abs) {
					t.Fatalf("%+v row %d col %d: got %v, want %v", tc, k, j, dst.Data[k*tc.cols+j], want)
				}
			}
		}
	}
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}
