// Package csr owns potau's compressed-sparse-row matrices and the sparse ×
// dense products (SpMM) that LightGCN's graph propagation is made of.
//
// A Matrix stores an r×c sparse matrix as three arrays:
//
//	RowPtr (r+1):  row i occupies positions RowPtr[i] .. RowPtr[i+1]-1
//	ColIdx (nnz):  column of each stored value, ascending within a row
//	Val    (nnz):  the stored values
//
// Products are computed row by row in gather form,
//
//	dst_i = Σ_{p ∈ row i} Val[p] · X_{ColIdx[p]},
//
// so every output row is written by exactly one goroutine and summed in a
// fixed order: the result does not depend on the number of workers. For 64
// columns an assembly kernel walks a whole block of rows per call (and
// ScatterRow a row's entries in scatter form), computing the same chains of
// fused multiply-adds as the per-row dense kernels; where the CPU has
// AVX-512 the block kernel advances two rows at once (two independent
// chains in flight), with the same chain per element.
package csr

import (
	"fmt"
	"math"
	"sort"
)

// Matrix is an r×c sparse matrix in CSR form.
type Matrix struct {
	Rows, Cols int
	RowPtr     []int
	ColIdx     []int32
	Val        []float32
}

// NNZ returns the number of stored values.
func (m *Matrix) NNZ() int { return len(m.Val) }

// Entry is one (row, column, value) triple.
type Entry struct {
	Row, Col int32
	Val      float32
}

// FromEntries builds an r×c CSR matrix from triples. Duplicate (row, col)
// entries are summed. It returns an error naming the first entry out of range.
func FromEntries(r, c int, entries []Entry) (*Matrix, error) {
	if r < 0 || c < 0 {
		return nil, fmt.Errorf("csr: negative shape %dx%d", r, c)
	}
	cnt := make([]int, r+1)
	for k, e := range entries {
		if e.Row < 0 || int(e.Row) >= r || e.Col < 0 || int(e.Col) >= c {
			return nil, fmt.Errorf("csr: entry %d at (%d, %d) outside %dx%d", k, e.Row, e.Col, r, c)
		}
		cnt[e.Row+1]++
	}
	for i := 0; i < r; i++ {
		cnt[i+1] += cnt[i]
	}
	col := make([]int32, len(entries))
	val := make([]float32, len(entries))
	next := append([]int(nil), cnt[:r]...)
	for _, e := range entries {
		p := next[e.Row]
		col[p], val[p] = e.Col, e.Val
		next[e.Row]++
	}
	// Sort each row by column and merge duplicates.
	m := &Matrix{Rows: r, Cols: c, RowPtr: make([]int, r+1)}
	m.ColIdx = col[:0]
	m.Val = val[:0]
	out := 0
	for i := 0; i < r; i++ {
		lo, hi := cnt[i], cnt[i+1]
		rs := rowSorter{col[lo:hi], val[lo:hi]}
		sort.Stable(rs)
		for p := lo; p < hi; p++ {
			if out > m.RowPtr[i] && col[out-1] == col[p] {
				val[out-1] += val[p]
				continue
			}
			col[out], val[out] = col[p], val[p]
			out++
		}
		m.RowPtr[i+1] = out
	}
	m.ColIdx = col[:out]
	m.Val = val[:out]
	return m, nil
}

type rowSorter struct {
	c []int32
	v []float32
}

func (s rowSorter) Len() int           { return len(s.c) }
func (s rowSorter) Less(i, j int) bool { return s.c[i] < s.c[j] }
func (s rowSorter) Swap(i, j int) {
	s.c[i], s.c[j] = s.c[j], s.c[i]
	s.v[i], s.v[j] = s.v[j], s.v[i]
}

// Degrees returns the number of stored entries of every row.
func (m *Matrix) Degrees() []int {
	d := make([]int, m.Rows)
	for i := range d {
		d[i] = m.RowPtr[i+1] - m.RowPtr[i]
	}
	return d
}

// Bipartite returns the symmetrically normalised adjacency matrix of the
// bipartite user–item graph with users 0..nu-1 and items nu..nu+ni-1,
//
//	Â = D^{-1/2} A D^{-1/2},   A = [0 R; Rᵀ 0],   Â_ui = 1/sqrt(d_u·d_i),
//
// where R[u] lists user u's items (duplicates are ignored) and d is the node
// degree. Isolated nodes get empty rows. The result is symmetric.
func Bipartite(nu, ni int, R [][]int32) (*Matrix, error) {
	if len(R) != nu {
		return nil, fmt.Errorf("csr: %d adjacency lists for %d users", len(R), nu)
	}
	n := nu + ni
	deg := make([]int, n)
	for u, items := range R {
		prev := int32(-1)
		for k, it := range items {
			if it < 0 || int(it) >= ni {
				return nil, fmt.Errorf("csr: user %d item %d (position %d) outside [0, %d)", u, it, k, ni)
			}
			if k > 0 && it <= prev {
				return nil, fmt.Errorf("csr: user %d items not strictly ascending at position %d (%d after %d)", u, k, it, prev)
			}
			prev = it
			deg[u]++
			deg[nu+int(it)]++
		}
	}
	inv := make([]float64, n)
	for i, d := range deg {
		if d > 0 {
			inv[i] = 1 / math.Sqrt(float64(d))
		}
	}
	m := &Matrix{Rows: n, Cols: n, RowPtr: make([]int, n+1)}
	for i := 0; i < n; i++ {
		m.RowPtr[i+1] = m.RowPtr[i] + deg[i]
	}
	nnz := m.RowPtr[n]
	m.ColIdx = make([]int32, nnz)
	m.Val = make([]float32, nnz)
	next := append([]int(nil), m.RowPtr[:n]...)
	// User rows: items ascending. Item rows: users ascending, because users
	// are visited in order.
	for u, items := range R {
		for _, it := range items {
			j := nu + int(it)
			w := float32(inv[u] * inv[j])
			m.ColIdx[next[u]], m.Val[next[u]] = int32(j), w
			next[u]++
			m.ColIdx[next[j]], m.Val[next[j]] = int32(u), w
			next[j]++
		}
	}
	return m, nil
}
