package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// These helpers give the tests an attacker that is independent of potau's
// recommenders and attackers: user embeddings from a truncated SVD of the
// binary train matrix (the optimum of a squared-loss MF), and a
// cross-validated L2 logistic regression scored by ROC-AUC.

// svdEmbeddings returns the users' rank-k embeddings U_k·Σ_k of the binary
// train matrix X (users × items), computed by randomized subspace iteration
// (Halko, Martinsson, Tropp 2011): with Ω Gaussian items × (k+10),
//
//	Q = orth(X Ω), then 4 times Q = orth(X orth(Xᵀ Q)),
//	B = Qᵀ X = Ũ Σ Vᵀ,  U = Q Ũ,
//
// which for this matrix recovers the leading singular triplets to far
// better accuracy than the attacker needs, in milliseconds instead of the
// seconds a dense SVD takes.
func svdEmbeddings(sp *Split, k int) [][]float64 {
	nu, ni := sp.NumUsers, sp.NumItems
	l := k + 10
	r := rand.New(rand.NewPCG(11, 13))
	omega := mat.NewDense(ni, l, nil)
	for i := 0; i < ni; i++ {
		for j := 0; j < l; j++ {
			omega.Set(i, j, r.NormFloat64())
		}
	}
	// xTimes returns X·M (M items × l); xtTimes returns Xᵀ·M (M users × l).
	xTimes := func(m *mat.Dense) *mat.Dense {
		out := mat.NewDense(nu, l, nil)
		for u, items := range sp.Train {
			row := out.RawRowView(u)
			for _, i := range items {
				for j, v := range m.RawRowView(int(i)) {
					row[j] += v
				}
			}
		}
		return out
	}
	xtTimes := func(m *mat.Dense) *mat.Dense {
		out := mat.NewDense(ni, l, nil)
		for u, items := range sp.Train {
			src := m.RawRowView(u)
			for _, i := range items {
				row := out.RawRowView(int(i))
				for j, v := range src {
					row[j] += v
				}
			}
		}
		return out
	}
	// orth orthonormalises the columns of m by modified Gram–Schmidt
	// (twice, for numerical orthogonality), in place.
	orth := func(m *mat.Dense) *mat.Dense {
		rows, cols := m.Dims()
		for pass := 0; pass < 2; pass++ {
			for j := 0; j < cols; j++ {
				for p := 0; p < j; p++ {
					var dot float64
					for i := 0; i < rows; i++ {
						dot += m.At(i, j) * m.At(i, p)
					}
					for i := 0; i < rows; i++ {
						m.Set(i, j, m.At(i, j)-dot*m.At(i, p))
					}
				}
				var norm float64
				for i := 0; i < rows; i++ {
					norm += m.At(i, j) * m.At(i, j)
				}
				norm = math.Sqrt(norm)
				for i := 0; i < rows; i++ {
					m.Set(i, j, m.At(i, j)/norm)
				}
			}
		}
		return m
	}
	q := orth(xTimes(omega))
	for it := 0; it < 4; it++ {
		q = orth(xTimes(orth(xtTimes(q))))
	}
	b := xtTimes(q) // Xᵀ Q = Bᵀ (items × l)
	var svd mat.SVD
	if !svd.Factorize(b, mat.SVDThin) {
		panic("svd failed")
	}
	// Bᵀ = V Σ Ũᵀ, so Ũ is svd's right factor.
	var ut, u mat.Dense
	svd.VTo(&ut)
	u.Mul(q, &ut)
	s := svd.Values(nil)
	emb := make([][]float64, nu)
	for i := range emb {
		emb[i] = make([]float64, k)
		for j := 0; j < k; j++ {
			emb[i][j] = u.At(i, j) * s[j]
		}
	}
	return emb
}

// aucOf returns the ROC-AUC of scores for labels (ties count ½).
func aucOf(scores []float64, labels []int) float64 {
	idx := make([]int, len(scores))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return scores[idx[a]] < scores[idx[b]] })
	// Mann–Whitney U with mid-ranks.
	ranks := make([]float64, len(scores))
	for i := 0; i < len(idx); {
		j := i
		for j < len(idx) && scores[idx[j]] == scores[idx[i]] {
			j++
		}
		for k := i; k < j; k++ {
			ranks[idx[k]] = float64(i+j+1) / 2
		}
		i = j
	}
	var rpos, npos, nneg float64
	for i, l := range labels {
		if l == 1 {
			rpos += ranks[i]
			npos++
		} else {
			nneg++
		}
	}
	return (rpos - npos*(npos+1)/2) / (npos * nneg)
}

// cvLogisticAUC balances the classes by down-sampling, then returns the mean
// held-out AUC of an L2 logistic regression over 5 stratified folds.
func cvLogisticAUC(emb [][]float64, labels []int32, seed uint64) float64 {
	r := rand.New(rand.NewPCG(seed, 7))
	var pos, neg []int
	for u, l := range labels {
		if l == 1 {
			pos = append(pos, u)
		} else if l == 0 {
			neg = append(neg, u)
		}
	}
	r.Shuffle(len(pos), func(i, j int) { pos[i], pos[j] = pos[j], pos[i] })
	r.Shuffle(len(neg), func(i, j int) { neg[i], neg[j] = neg[j], neg[i] })
	n := min(len(pos), len(neg))
	pos, neg = pos[:n], neg[:n]
	d := len(emb[0])
	// Standardise features.
	mu, sd := make([]float64, d), make([]float64, d)
	all := slices.Concat(pos, neg)
	for _, u := range all {
		for j, v := range emb[u] {
			mu[j] += v
		}
	}
	for j := range mu {
		mu[j] /= float64(len(all))
	}
	for _, u := range all {
		for j, v := range emb[u] {
			sd[j] += (v - mu[j]) * (v - mu[j])
		}
	}
	for j := range sd {
		sd[j] = math.Sqrt(sd[j]/float64(len(all))) + 1e-12
	}
	feat := func(u int) []float64 {
		f := make([]float64, d)
		for j, v := range emb[u] {
			f[j] = (v - mu[j]) / sd[j]
		}
		return f
	}
	const folds = 5
	var total float64
	for f := 0; f < folds; f++ {
		var trX [][]float64
		var trY []float64
		var teX [][]float64
		var teY []int
		for k := 0; k < n; k++ {
			for c, u := range []int{pos[k], neg[k]} {
				y := 1 - c
				if k%folds == f {
					teX, teY = append(teX, feat(u)), append(teY, y)
				} else {
					trX, trY = append(trX, feat(u)), append(trY, float64(y))
				}
			}
		}
		w := make([]float64, d+1)
		g := make([]float64, d+1)
		const lambda, lr = 1e-2, 0.5
		for it := 0; it < 300; it++ {
			clear(g)
			for i, x := range trX {
				z := w[d]
				for j, v := range x {
					z += w[j] * v
				}
				e := 1/(1+math.Exp(-z)) - trY[i]
				for j, v := range x {
					g[j] += e * v
				}
				g[d] += e
			}
			for j := range w {
				reg := 0.0
				if j < d {
					reg = lambda * w[j]
				}
				w[j] -= lr * (g[j]/float64(len(trX)) + reg)
			}
		}
		scores := make([]float64, len(teX))
		for i, x := range teX {
			z := w[d]
			for j, v := range x {
				z += w[j] * v
			}
			scores[i] = z
		}
		total += aucOf(scores, teY)
	}
	return total / folds
}
