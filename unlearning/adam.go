package unlearning

import "math"

// Adam is the Adam optimiser (Kingma & Ba 2015) over one float32 table, with
// first and second moments kept in float64. Step t = 1, 2, … updates
//
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	x ← x − lr · (m / (1−β1^t)) / (sqrt(v / (1−β2^t)) + ε)
//
// which is PyTorch's torch.optim.Adam without weight decay or amsgrad.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	m, v                  []float64
	t                     int
}

// NewAdam returns an optimiser for n parameters.
func NewAdam(n int, lr, beta1, beta2, eps float64) *Adam {
	return &Adam{LR: lr, Beta1: beta1, Beta2: beta2, Eps: eps, m: make([]float64, n), v: make([]float64, n)}
}

// Steps returns the number of steps taken.
func (a *Adam) Steps() int { return a.t }

// Step applies one update of x with gradient g (len(x) == len(g) == n).
func (a *Adam) Step(x, g []float32) {
	a.t++
	bc1 := 1 - math.Pow(a.Beta1, float64(a.t))
	bc2 := 1 - math.Pow(a.Beta2, float64(a.t))
	b1, b2 := a.Beta1, a.Beta2
	g = g[:len(x)]
	m, v := a.m[:len(x)], a.v[:len(x)]
	for i, gi := range g {
		gf := float64(gi)
		m[i] = b1*m[i] + (1-b1)*gf
		v[i] = b2*v[i] + (1-b2)*gf*gf
		x[i] = float32(float64(x[i]) - a.LR*(m[i]/bc1)/(math.Sqrt(v[i]/bc2)+a.Eps))
	}
}
