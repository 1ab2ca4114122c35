package attackers

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/rng"
)

// gaussianClasses returns n rows of d-dimensional N(0, I) noise where the
// rows of class 1 (a fraction frac1 of them, in seeded random order) are
// shifted by sep/sqrt(d) in every dimension, i.e. by sep in norm. With
// equal priors the Bayes AUC is Φ(sep/√2).
func gaussianClasses(n, d int, sep, frac1 float64, seed uint64) (*mat.Dense, []int) {
	r := rng.New(seed, "test-gauss")
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	shift := sep / sqrtF(float64(d))
	for i := 0; i < n; i++ {
		if r.Float64() < frac1 {
			y[i] = 1
		}
		for j := 0; j < d; j++ {
			v := r.NormFloat64()
			if y[i] == 1 {
				v += shift
			}
			X.Set(i, j, v)
		}
	}
	return X, y
}

// balancedGaussian returns n rows alternating between class 0 and 1,
// class 1 shifted by sep in norm along (1,…,1)/√d (Bayes AUC Φ(sep/√2)).
func balancedGaussian(n, d int, sep float64, seed uint64) (*mat.Dense, []int) {
	r := rng.New(seed, "test-balanced")
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	shift := sep / sqrtF(float64(d))
	for i := 0; i < n; i++ {
		y[i] = i % 2
		for j := 0; j < d; j++ {
			X.Set(i, j, r.NormFloat64()+shift*float64(y[i]))
		}
	}
	return X, y
}

func sqrtF(x float64) float64 {
	z := x
	for i := 0; i < 60; i++ {
		z = 0.5 * (z + x/z)
	}
	return z
}

func rngNew(seed uint64) *rand.Rand { return rng.New(seed, "test") }
