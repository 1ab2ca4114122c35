package attackers

import (
	"cmp"
	"math"
	"slices"
	"sort"
)

// QuantileCuts returns the histogram cut points of one feature, placed the
// way XGBoost 1.7's "hist" method places them, but from an exact summary
// instead of its streaming sketch.
//
// The summary has one entry per distinct value v_j (ascending) with weight
// w_j (the summed row weights; 1 per row unweighted) and rank bounds
//
//	rmin_j = Σ_{i<j} w_i,   rmax_j = rmin_j + w_j.
//
// As in SketchContainerImpl::MakeCuts, the summary is pruned to
// min(n, 8·maxBin) entries, then to min(n, 8·maxBin, maxBin)+1 entries by
// WQSummary::SetPrune (which keeps the first and last entries and, for
// k = 1..size−2, the entry nearest rank k·(rmin_last − rmax_first)/(size−1)
// + rmax_first), and AddCutPoint takes the values of entries 1..maxBin−1,
// dropping repeats. A final cut max + |max| + 1e-5 closes the last bin.
// When a feature has at most maxBin distinct values every value but the
// smallest is a cut, so each value has its own bin, exactly as in XGBoost;
// otherwise the cuts are the exact weighted quantiles XGBoost's sketch
// approximates (its sketch error is ≤ 1/(8·maxBin) of the total weight).
//
// Bin b holds the values x with cuts[b−1] <= x < cuts[b] (cuts[−1] = −∞),
// so "bin <= b" is the XGBoost split condition x < cuts[b].
func QuantileCuts(vals, weights []float64, maxBin int) []float64 {
	n := len(vals)
	if n == 0 {
		return []float64{1e-5}
	}
	// Sort (value, weight) pairs by value; equal values are merged below,
	// so the order among them does not matter.
	type vw struct{ v, w float64 }
	p := make([]vw, n)
	for i, v := range vals {
		p[i] = vw{v, 1}
		if weights != nil {
			p[i].w = weights[i]
		}
	}
	slices.SortFunc(p, func(a, b vw) int { return cmp.Compare(a.v, b.v) })
	var s []wqEntry
	var r float64
	for k := 0; k < n; {
		v := p[k].v
		var w float64
		for ; k < n && p[k].v == v; k++ {
			w += p[k].w
		}
		s = append(s, wqEntry{rmin: r, rmax: r + w, wmin: w, value: v})
		r += w
	}
	numCuts := min(n, 8*maxBin)
	s = setPrune(s, numCuts)
	maxNumBins := min(numCuts, maxBin)
	s = setPrune(s, maxNumBins+1)
	var cuts []float64
	req := min(len(s), maxNumBins)
	for i := 1; i < req; i++ {
		if i == 1 || s[i].value > cuts[len(cuts)-1] {
			cuts = append(cuts, s[i].value)
		}
	}
	last := s[len(s)-1].value
	return append(cuts, last+(math.Abs(last)+1e-5))
}

// wqEntry is one entry of a weighted quantile summary.
type wqEntry struct {
	rmin, rmax, wmin, value float64
}

func (e wqEntry) rminNext() float64 { return e.rmin + e.wmin }
func (e wqEntry) rmaxPrev() float64 { return e.rmax - e.wmin }

// setPrune is XGBoost's WQSummary::SetPrune: it keeps at most maxSize
// entries of src, spread evenly in rank.
func setPrune(src []wqEntry, maxSize int) []wqEntry {
	if len(src) <= maxSize {
		return src
	}
	begin := src[0].rmax
	rng := src[len(src)-1].rmin - src[0].rmax
	n := float64(maxSize - 1)
	out := []wqEntry{src[0]}
	i, last := 1, 0
	for k := 1; k < maxSize-1; k++ {
		dx2 := 2 * (float64(k)*rng/n + begin)
		for i < len(src)-1 && dx2 >= src[i+1].rmax+src[i+1].rmin {
			i++
		}
		if i == len(src)-1 {
			break
		}
		if dx2 < src[i].rminNext()+src[i+1].rmaxPrev() {
			if i != last {
				out = append(out, src[i])
				last = i
			}
		} else if i+1 != last {
			out = append(out, src[i+1])
			last = i + 1
		}
	}
	if last != len(src)-1 {
		out = append(out, src[len(src)-1])
	}
	return out
}

// searchBin returns the bin of x: the index of the first cut > x, clamped
// to the last bin.
func searchBin(cuts []float64, x float64) int {
	b := sort.Search(len(cuts), func(i int) bool { return cuts[i] > x })
	if b == len(cuts) {
		b--
	}
	return b
}
