package unlearning

// Float is the element type of the loss kernels: float32 for the model's
// tables, float64 for reference computations.
type Float interface{ ~float32 | ~float64 }

// U2U returns the user-to-user distance (docs/method.md#u2u) summed over the given
// group pairs, and adds coef·∂L/∂U to grad (skipped when grad is nil). u and
// grad are row-major N×d.
//
// For one pair (A, B), the sum of squared cross-group distances equals the
// complete-bipartite Laplacian form trace(Uᵀ L U), and is computed from group
// sums in O(N·d):
//
//	L  = Σ_{a∈A} Σ_{b∈B} ‖u_a − u_b‖²
//	   = |B|·Σ_A ‖u_a‖² + |A|·Σ_B ‖u_b‖² − 2·S_A·S_B,   S_X = Σ_{x∈X} u_x
//	∂L/∂u_a = 2(|B|·u_a − S_B),   ∂L/∂u_b = 2(|A|·u_b − S_A)
//
// L is invariant to a common translation, so the rows are centred on the
// mean of all grouped users first (in float64), which keeps the cancellation
// in the closed form small when the table is far from the origin.
func U2U[T Float](grad, u []T, d int, g *Groups, pairs []Pair, coef float64) float64 {
	// Centre.
	mean := make([]float64, d)
	cnt := 0
	for _, m := range g.Members {
		for _, r := range m {
			row := u[int(r)*d : int(r)*d+d]
			for k, v := range row {
				mean[k] += float64(v)
			}
			cnt++
		}
	}
	if cnt == 0 {
		return 0
	}
	for k := range mean {
		mean[k] /= float64(cnt)
	}
	// Per-class sums S_c and Σ‖u‖² of centred rows.
	sum := make([][]float64, len(g.Members))
	sq := make([]float64, len(g.Members))
	for c, m := range g.Members {
		s := make([]float64, d)
		for _, r := range m {
			row := u[int(r)*d : int(r)*d+d]
			for k, v := range row {
				x := float64(v) - mean[k]
				s[k] += x
				sq[c] += x * x
			}
		}
		sum[c] = s
	}
	var loss float64
	// partner[c] accumulates Σ over the pairs containing c of (|other|, S_other).
	pn := make([]float64, len(g.Members))
	ps := make([][]float64, len(g.Members))
	for _, p := range pairs {
		na, nb := float64(len(g.Members[p.A])), float64(len(g.Members[p.B]))
		var dot float64
		for k := 0; k < d; k++ {
			dot += sum[p.A][k] * sum[p.B][k]
		}
		loss += nb*sq[p.A] + na*sq[p.B] - 2*dot
		for _, x := range [2][2]int{{p.A, p.B}, {p.B, p.A}} {
			c, o := x[0], x[1]
			pn[c] += float64(len(g.Members[o]))
			if ps[c] == nil {
				ps[c] = make([]float64, d)
			}
			for k := 0; k < d; k++ {
				ps[c][k] += sum[o][k]
			}
		}
	}
	if grad == nil || coef == 0 {
		return loss
	}
	for c, m := range g.Members {
		if ps[c] == nil {
			continue
		}
		for _, r := range m {
			row := u[int(r)*d : int(r)*d+d]
			gr := grad[int(r)*d : int(r)*d+d]
			for k, v := range row {
				x := float64(v) - mean[k]
				gr[k] += T(coef * 2 * (pn[c]*x - ps[c][k]))
			}
		}
	}
	return loss
}
