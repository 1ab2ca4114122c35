package recmodels

import (
	"math/rand/v2"
	"slices"

	"github.com/potau/potau/datasets"
)

// tinySplit builds a random leave-one-out split with sampled test negatives
// (and optionally a validation item per user).
func tinySplit(nu, ni, perUser int, seed uint64, valid bool) *datasets.Split {
	nneg := min(20, (ni-perUser-2)/2)
	r := rand.New(rand.NewPCG(seed, 99))
	s := &datasets.Split{NumUsers: nu, NumItems: ni, Train: make([][]int32, nu), Test: make([][]int32, nu), TestNeg: make([][]int32, nu),
		Protocol: datasets.Protocol{Split: "loo", Eval: "sampled", Negatives: 20}}
	if valid {
		s.Valid, s.ValidNeg = make([][]int32, nu), make([][]int32, nu)
		s.Protocol.Validation = true
	}
	for u := 0; u < nu; u++ {
		// Users prefer items near a user-specific centre, so there is signal.
		c := r.IntN(ni)
		set := map[int32]bool{}
		for len(set) < perUser+2 {
			i := int32((c + int(r.NormFloat64()*float64(ni)/8) + 10*ni) % ni)
			set[i] = true
		}
		var items []int32
		for i := range set {
			items = append(items, i)
		}
		slices.Sort(items)
		r.Shuffle(len(items), func(a, b int) { items[a], items[b] = items[b], items[a] })
		s.Test[u] = []int32{items[0]}
		rest := items[1:]
		if valid {
			s.Valid[u] = []int32{items[1]}
			rest = items[2:]
		} else {
			rest = items[2:]
		}
		s.Train[u] = slices.Sorted(slices.Values(rest))
		for len(s.TestNeg[u]) < nneg {
			j := int32(r.IntN(ni))
			if !set[j] && !slices.Contains(s.TestNeg[u], j) {
				s.TestNeg[u] = append(s.TestNeg[u], j)
			}
		}
		if valid {
			for len(s.ValidNeg[u]) < nneg {
				j := int32(r.IntN(ni))
				if !set[j] && !slices.Contains(s.ValidNeg[u], j) {
					s.ValidNeg[u] = append(s.ValidNeg[u], j)
				}
			}
		}
	}
	return s
}

func smallConfig(kind string) Config {
	c := DefaultConfig(kind)
	switch kind {
	case "neumf":
		c.Dim, c.MLPDim, c.Layers = 4, 8, 3
	default:
		c.Dim = 5
	}
	c.Epochs, c.BatchSize = 3, 32
	c.Selection = "test"
	return c
}
