package csr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/potau/potau/internal/dense"
)

// TestMulDenseRows64 checks the 64-column block kernel of MulDenseRows
// (one call per block of listed rows) against dense.Comb row by row, which
// evaluates the same chain of multiply-adds in ascending entry order: the
// results must agree bit for bit, with and without the added rows, for any
// number of workers, and leave unlisted rows untouched. Rows with no stored
// entries (isolated users) are included, and short lists put them in either
// lane of the two-lane AVX-512 kernel (which must give the same bits as the
// AVX2 one: both run where the CPU has AVX-512).
func TestMulDenseRows64(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	nu, ni, d := 150, 90, 64
	R := randomGraph(r, nu, ni, 0.1)
	R[3], R[140] = nil, nil // isolated users: empty rows
	a, err := Bipartite(nu, ni, R)
	if err != nil {
		t.Fatal(err)
	}
	n := nu + ni
	x, add := dense.New(n, d), dense.New(n, d)
	for i := range x.Data {
		x.Data[i], add.Data[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	rows := make([]int32, 0, n)
	for _, v := range r.Perm(n)[:n-20] {
		rows = append(rows, int32(v))
	}
	rows = append(rows, 3, 140)
	lists := [][]int32{rows, {}, {3}, {7}, {3, 140}, {140, 7}, {7, 3}, {5, 3, 7}, {3, 150, 140, 0, 200}}
	wides := []bool{false}
	if wide {
		wides = append(wides, true)
	}
	defer func(v bool) { wide = v }(wide)
	for _, wd := range wides {
		wide = wd
		for li, rows := range lists {
			for _, withAdd := range []bool{false, true} {
				var ad *dense.Matrix
				if withAdd {
					ad = add
				}
				want := dense.New(n, d)
				for _, i := range rows {
					lo, hi := a.RowPtr[i], a.RowPtr[i+1]
					var ar []float32
					if withAdd {
						ar = add.Row(int(i))
					}
					dense.Comb(want.Row(int(i)), ar, a.Val[lo:hi], a.ColIdx[lo:hi], x)
				}
				for _, workers := range []int{1, 2, 3} {
					got := dense.New(n, d)
					MulDenseRows(got, a, x, ad, rows, nil, workers)
					for k := range want.Data {
						if math.Float32bits(got.Data[k]) != math.Float32bits(want.Data[k]) {
							t.Fatalf("wide %v list %d add %v workers %d: element %d (row %d): %v, want %v", wd, li, withAdd, workers, k, k/d, got.Data[k], want.Data[k])
						}
					}
				}
			}
		}
	}
}

// TestScatterRow checks ScatterRow against dense.AxpyVec per stored entry
// (the same fused multiply-add per element): bit for bit where the kernel
// runs, nothing written where it reports false.
func TestScatterRow(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	nu, ni := 60, 50
	a, _ := Bipartite(nu, ni, randomGraph(r, nu, ni, 0.3))
	n := nu + ni
	for _, d := range []int{64, 8} {
		base := dense.New(n, d)
		for i := range base.Data {
			base.Data[i] = float32(r.NormFloat64())
		}
		g := make([]float32, d)
		for i := range g {
			g[i] = float32(r.NormFloat64())
		}
		for _, b := range []int{0, 7, nu + 3} {
			for _, rg := range [][2]int{{0, n}, {20, 70}, {nu, nu + 10}, {5, 5}} {
				want, got := base.Clone(), base.Clone()
				for p := a.RowPtr[b]; p < a.RowPtr[b+1]; p++ {
					if c := int(a.ColIdx[p]); c >= rg[0] && c < rg[1] {
						dense.AxpyVec(a.Val[p], g, want.Row(c))
					}
				}
				if !a.ScatterRow(got, b, rg[0], rg[1], g) {
					want = base
				}
				for k := range want.Data {
					if math.Float32bits(got.Data[k]) != math.Float32bits(want.Data[k]) {
						t.Fatalf("d %d row %d columns %v: element %d: %v, want %v", d, b, rg, k, got.Data[k], want.Data[k])
					}
				}
			}
		}
	}
}
