package dense

import "math"

// axpyGo is the portable y += a·x, unrolled by four.
func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		y[i] += a * x[i]
		y[i+1] += a * x[i+1]
		y[i+2] += a * x[i+2]
		y[i+3] += a * x[i+3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}

// dotGo is the portable Σ x_i·y_i with four partial sums (as Dot).
func dotGo(x, y []float32) float32 { return Dot(x, y) }

// AdamCoef holds the per-step coefficients of an Adam update, laid out as
// the vector kernel reads them.
//
//	g' = g + WD·w
//	m ← B1·m + C1·g'                   (C1 = 1 − B1)
//	v ← B2·v + C2·g'²                  (C2 = 1 − B2)
//	w ← w − Step · m / (sqrt(v)/Sq2 + Eps)
//
// with Step = lr/(1 − β1^t) and Sq2 = sqrt(1 − β2^t): torch.optim.Adam's
// update, in its order of operations.
type AdamCoef struct {
	B1, C1, B2, C2, Step, Sq2, Eps, WD float32
}

// adamGo is the portable AdamStep.
func adamGo(w, g, m, v []float32, c *AdamCoef) {
	g, m, v = g[:len(w)], m[:len(w)], v[:len(w)]
	for i, gi := range g {
		gi += c.WD * w[i]
		mi := c.B1*m[i] + c.C1*gi
		vi := c.B2*v[i] + c.C2*(gi*gi)
		m[i], v[i] = mi, vi
		w[i] -= c.Step * (mi / (float32(math.Sqrt(float64(vi)))/c.Sq2 + c.Eps))
	}
}
