package recmodels

import (
	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// The dense path of a training batch. The propagation is linear,
// F = P·X⁰ with the symmetric n×n operator
//
//	P = 1/(L+1) · Σ_{l=0..L} Â^l,
//
// so a batch needs F_B = P_B·X⁰ on its nodes B (|B|·n·d multiply-adds) and
// the gradient ∂L/∂X⁰ = P_Bᵀ·D_B with D = ∂L/∂F (another |B|·n·d). The
// sparse path instead runs the Horner recursion over every row within L−1
// hops of B — at ML-1M size and batch 256 that is the whole graph, about
// 4·nnz(Â)·d multiply-adds per batch forward and backward — and gathers a
// row of X for each stored entry, which runs at half the dense kernel's
// rate. takeDense compares the two; P is built once (n·⌈n/64⌉ columns of
// L SpMMs) at the first batch that takes the path.

// takeDense reports whether this batch takes the dense path, building P the
// first time. It uses the batch nodes and the forward levels just computed.
func (w *gcnWork) takeDense() bool {
	n := w.adj.Rows
	if w.path == pathSparse || w.layers == 0 || n*n > propDenseMaxBytes/4 {
		return false
	}
	if w.path == pathAuto {
		sparse := 0 // stored entries the forward visits (≈ the backward's)
		for k := 1; k <= w.layers; k++ {
			if len(w.levels[k]) == n {
				sparse += w.adj.NNZ()
				continue
			}
			for _, v := range w.levels[k] {
				sparse += w.adj.RowPtr[v+1] - w.adj.RowPtr[v]
			}
		}
		if float64(len(w.nodes))*float64(n) >= propDenseRatio*float64(sparse) {
			return false
		}
	}
	if w.prop == nil {
		w.prop = buildProp(w.adj, w.layers, w.allRows, 0)
	}
	return true
}

// buildProp returns P = 1/(L+1)·Σ_l Â^l as a dense n×n matrix. Row j is
// P·e_j, computed by the same Horner recursion as the sparse path on 64 unit
// columns at a time, Y₀ = E, Y_k = E + Â·Y_{k−1}, P[j] = Y_L[·, j]/(L+1).
func buildProp(adj *csr.Matrix, layers int, allRows []int32, workers int) *dense.Matrix {
	const bw = 64
	n := adj.Rows
	p := dense.New(n, n)
	e := dense.New(n, bw)
	y := [2]*dense.Matrix{dense.New(n, bw), dense.New(n, bw)}
	scale := 1 / float32(layers+1)
	nb := parallel.Workers(workers)
	for j0 := 0; j0 < n; j0 += bw {
		w := min(bw, n-j0)
		e.Zero()
		for c := range w {
			e.Data[(j0+c)*bw+c] = 1
		}
		cur := e
		for k := 1; k <= layers; k++ {
			next := y[k%2]
			csr.MulDenseRows(next, adj, cur, e, allRows, nil, workers)
			cur = next
		}
		parallel.For(workers, nb, func(_, b int) {
			lo, hi := parallel.Blocks(w, nb, b)
			for c := lo; c < hi; c++ {
				row := p.Row(j0 + c)
				for i := range row {
					row[i] = scale * cur.Data[i*bw+c]
				}
			}
		})
	}
	return p
}

// propTerms is the number of rows of X⁰ one pass of the forward kernel
// covers: 1,024 rows of d = 64 float32 (256 KB) stay in a core's L2 cache
// while every quad of batch rows adds their terms.
const propTerms = 1024

// forwardDense sets F_b = P_b·X⁰ for every batch node b, four nodes at a
// time. Every element is one chain of multiply-adds in ascending k, so the
// split into quads, term blocks and workers does not change a bit.
func (w *gcnWork) forwardDense(workers int) {
	B := w.nodes
	n, d := w.adj.Rows, w.x0.Cols
	for _, v := range B {
		clear(w.f.Row(int(v)))
	}
	w.growPad(workers, d)
	nq := (len(B) + 3) / 4
	const quadsPerBlock = 4
	nb := (nq + quadsPerBlock - 1) / quadsPerBlock
	parallel.For(workers, nb, func(wk, b int) {
		pad := w.pad[wk]
		for k0 := 0; k0 < n; k0 += propTerms {
			k1 := min(k0+propTerms, n)
			for q := b * quadsPerBlock; q < min((b+1)*quadsPerBlock, nq); q++ {
				var dst, coef [4][]float32
				for r := range 4 {
					t := min(4*q+r, len(B)-1)
					coef[r] = w.prop.Row(int(B[t]))
					if 4*q+r < len(B) {
						dst[r] = w.f.Row(int(B[t]))
					} else {
						dst[r] = pad[r*d : (r+1)*d]
					}
				}
				dense.RowsMulAdd4(&dst, &coef, w.x0, k0, k1)
			}
		}
	})
}

// backwardDense returns ∂L/∂X⁰ = P_Bᵀ·D_B, D_b = ∂L/∂F_b held in w.g's
// batch rows (which it clears), in a buffer owned by w:
//
//	(∂L/∂X⁰)_k = Σ_t P_{B_t, k} · D_{B_t}   (t in batch order)
func (w *gcnWork) backwardDense(workers int) *dense.Matrix {
	B := w.nodes
	n, d := w.adj.Rows, w.x0.Cols
	if w.dB == nil || cap(w.dB.Data) < len(B)*d {
		w.dB = dense.New(len(B), d)
	}
	dB := &dense.Matrix{Rows: len(B), Cols: d, Data: w.dB.Data[:len(B)*d]}
	for t, v := range B {
		copy(dB.Row(t), w.g.Row(int(v)))
		clear(w.g.Row(int(v)))
	}
	out := w.h[0]
	out.Zero()
	// Blocks of 64 output rows: the 16 columns of P a cache line holds, for
	// every batch row, serve four quads.
	const rowsPerBlock = 64
	nb := (n + rowsPerBlock - 1) / rowsPerBlock
	parallel.For(workers, nb, func(_, b int) {
		dense.ColsMulAdd(out, w.prop, B, b*rowsPerBlock, min((b+1)*rowsPerBlock, n), dB)
	})
	return out
}

// growPad makes one 4×d padding block per worker.
func (w *gcnWork) growPad(workers, d int) {
	for len(w.pad) < parallel.Workers(workers) {
		w.pad = append(w.pad, make([]float32, 4*d))
	}
}
