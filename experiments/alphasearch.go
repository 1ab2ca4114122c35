package experiments

import (
	"cmp"
	"math"
	"slices"
	"sync"
)

// alphaEval is one evaluation of the α search: the leakage (a worst-case
// AUC) and HR@10 of a regularised method's table at one α.
type alphaEval struct {
	Alpha, Leakage, HR10 float64
}

// alphaObjective is the penalised objective of the search: the leakage
// where HR@10 falls by at most maxDrop against hr0, else 1 plus the excess
// drop — larger than any leakage (an AUC ≤ 1), and decreasing towards the
// feasible set, so that the search walks into it.
func alphaObjective(e alphaEval, hr0, maxDrop float64) float64 {
	if drop := hr0 - e.HR10; drop > maxDrop {
		return 1 + (drop - maxDrop)
	}
	return e.Leakage
}

// bracketAlphas are the α of the search's first phase, known before any
// evaluation: min(5, evals−1) log-spaced points from lo to hi, the ends
// exactly as configured.
func bracketAlphas(lo, hi float64, evals int) []float64 {
	g := min(5, evals-1)
	x0, x1 := math.Log10(lo), math.Log10(hi)
	out := make([]float64, g)
	for i := range out {
		switch i {
		case 0:
			out[i] = lo
		case g - 1:
			out[i] = hi
		default:
			out[i] = math.Pow(10, x0+(x1-x0)*float64(i)/float64(g-1))
		}
	}
	return out
}

// searchAlpha searches log α in [lo, hi] for the α with the lowest leakage
// subject to HR@10 ≥ hr0 − maxDrop (docs/method.md#alpha-auto), evaluating
// eval at most evals times (evals ≥ 3):
//
//  1. bracket: a grid of g = min(5, evals−1) log-spaced points from lo to
//     hi, evaluated concurrently (eval must be safe for that); the bracket is the grid point with the lowest penalised
//     objective and its two neighbours (one at an end);
//  2. golden-section search on log α inside the bracket with the
//     remaining evaluations (the objective is taken as unimodal there;
//     where it is not, the search still returns the best point it saw).
//
// It returns every evaluation in the order made and the index of the
// chosen one: the lowest penalised objective (ties → the larger HR@10, then
// the smaller α). feasible reports whether the chosen one meets the HR@10
// constraint; when none does it is the one with the smallest drop. The
// sequence of α depends only on the values eval returns, so the search is
// deterministic.
func searchAlpha(lo, hi float64, evals int, hr0, maxDrop float64, eval func(alpha float64) (alphaEval, error)) (tried []alphaEval, chosen int, feasible bool, err error) {
	seen := map[float64]int{}
	at := func(x float64) (float64, error) { // x = log10 α
		a := math.Pow(10, x)
		if i, ok := seen[a]; ok {
			return alphaObjective(tried[i], hr0, maxDrop), nil
		}
		e, err := eval(a)
		if err != nil {
			return 0, err
		}
		e.Alpha = a
		seen[a] = len(tried)
		tried = append(tried, e)
		return alphaObjective(e, hr0, maxDrop), nil
	}
	alphas := bracketAlphas(lo, hi, evals)
	g := len(alphas)
	grid := make([]float64, g)
	vals := make([]float64, g)
	// The grid's evaluations are independent: they run concurrently (eval
	// must allow that) and are recorded in grid order.
	ge := make([]alphaEval, g)
	errs := make([]error, g)
	var wg sync.WaitGroup
	gridAlpha := func(i int) float64 { return alphas[i] }
	x0, x1 := math.Log10(lo), math.Log10(hi)
	for i := range grid {
		grid[i] = x0 + (x1-x0)*float64(i)/float64(g-1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ge[i], errs[i] = eval(gridAlpha(i))
		}()
	}
	wg.Wait()
	best := 0
	for i := range grid {
		if errs[i] != nil {
			return nil, 0, false, errs[i]
		}
		a := gridAlpha(i)
		e := ge[i]
		e.Alpha = a
		seen[a] = len(tried)
		tried = append(tried, e)
		vals[i] = alphaObjective(e, hr0, maxDrop)
		if vals[i] < vals[best] {
			best = i
		}
	}
	a, b := grid[max(best-1, 0)], grid[min(best+1, g-1)]
	// Golden section on [a, b].
	const invPhi = 0.6180339887498949
	c, d := b-invPhi*(b-a), a+invPhi*(b-a)
	var fc, fd float64
	have := 0 // 0: neither, 1: fc, 2: fd, 3: both
	for len(tried) < evals {
		if have&1 == 0 {
			if fc, err = at(c); err != nil {
				return nil, 0, false, err
			}
			have |= 1
			continue
		}
		if have&2 == 0 {
			if fd, err = at(d); err != nil {
				return nil, 0, false, err
			}
			have |= 2
			continue
		}
		if fc <= fd { // the minimum is in [a, d]
			b, d, fd = d, c, fc
			c = b - invPhi*(b-a)
			have = 2
		} else { // in [c, b]
			a, c, fc = c, d, fd
			d = a + invPhi*(b-a)
			have = 1
		}
		if b-a < 1e-9 {
			break
		}
	}
	order := make([]int, len(tried))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int {
		ei, ej := tried[i], tried[j]
		if c := cmp.Compare(alphaObjective(ei, hr0, maxDrop), alphaObjective(ej, hr0, maxDrop)); c != 0 {
			return c
		}
		if c := cmp.Compare(ej.HR10, ei.HR10); c != 0 {
			return c
		}
		return cmp.Compare(ei.Alpha, ej.Alpha)
	})
	chosen = order[0]
	return tried, chosen, hr0-tried[chosen].HR10 <= maxDrop, nil
}
