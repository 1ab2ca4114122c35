package reports

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/stat/distuv"
)

// PairedT is the two-sided paired t-test of x against y (scipy's
// ttest_rel): with d_i = x_i − y_i over n pairs,
//
//	t = mean(d) / (sd(d) / √n),   sd with n − 1,
//	p = 2 · P(T_{n−1} ≥ |t|).
//
// It returns NaN for both when n < 2 or every difference is equal (sd = 0).
func PairedT(x, y []float64) (t, p float64) {
	d := diffs(x, y)
	n := float64(len(d))
	if len(d) < 2 {
		return math.NaN(), math.NaN()
	}
	m := mean(d)
	var ss float64
	for _, v := range d {
		ss += (v - m) * (v - m)
	}
	sd := math.Sqrt(ss / (n - 1))
	if sd == 0 {
		return math.NaN(), math.NaN()
	}
	t = m / (sd / math.Sqrt(n))
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: n - 1}
	return t, 2 * st.Survival(math.Abs(t))
}

// Wilcoxon is the two-sided Wilcoxon signed-rank test of x against y with
// scipy's defaults (zero_method "wilcox": zero differences are dropped; no
// continuity correction). With the n non-zero differences ranked by
// magnitude (ties get their average rank), R+ and R− the rank sums of the
// positive and negative ones, the statistic is W = min(R+, R−). The p-value
// is exact when the data has at most 50 pairs, no zero difference and no
// tied magnitudes: under H0 every sign pattern is equally likely, so
//
//	P(R+ = k) = #{S ⊆ {1..n} : Σ S = k} / 2ⁿ,
//	p = min(1, 2 · min(P(R+ ≤ r), P(R+ ≥ r))),   p = 1 at the centre.
//
// Otherwise it is the normal approximation z = (W − n(n+1)/4) / σ with
// σ² = (n(n+1)(2n+1) − ½ Σ_ties (t³ − t)) / 24, p = 2 · P(Z ≥ |z|). (scipy
// 1.10 also takes the exact branch with tied magnitudes, truncating R+ to
// an integer; the exact distribution does not hold with ties, so this
// function approximates there.) exact reports which branch ran. n = 0
// gives NaN.
func Wilcoxon(x, y []float64) (w, p float64, exact bool) {
	d := diffs(x, y)
	total := len(d)
	nz := d[:0:0]
	for _, v := range d {
		if v != 0 {
			nz = append(nz, v)
		}
	}
	n := len(nz)
	if n == 0 {
		return math.NaN(), math.NaN(), false
	}
	ranks, ties := rankAbs(nz)
	var rp, rm float64
	for i, v := range nz {
		if v > 0 {
			rp += ranks[i]
		} else {
			rm += ranks[i]
		}
	}
	w = math.Min(rp, rm)
	if total <= 50 && n == total && len(ties) == 0 {
		pmf := signedRankPMF(n)
		r := int(rp) // an integer: the ranks are 1..n without ties
		if 2*r == n*(n+1)/2 && n*(n+1)%4 == 0 {
			return w, 1, true
		}
		var lo, hi float64
		for k, q := range pmf {
			if k <= r {
				lo += q
			}
			if k >= r {
				hi += q
			}
		}
		return w, math.Min(1, 2*math.Min(lo, hi)), true
	}
	fn := float64(n)
	mn := fn * (fn + 1) / 4
	se := fn * (fn + 1) * (2*fn + 1)
	for _, t := range ties {
		ft := float64(t)
		se -= 0.5 * ft * (ft*ft - 1)
	}
	se = math.Sqrt(se / 24)
	z := (w - mn) / se
	return w, 2 * distuv.UnitNormal.Survival(math.Abs(z)), false
}

// signedRankPMF is the null distribution of R+ for n untied ranks: entry k
// is the number of subsets of {1..n} summing to k over 2ⁿ. The counts are
// exact integers in float64 up to n = 50 (2⁵⁰ < 2⁵³).
func signedRankPMF(n int) []float64 {
	m := n * (n + 1) / 2
	c := make([]float64, m+1)
	c[0] = 1
	for i := 1; i <= n; i++ {
		for k := m; k >= i; k-- {
			c[k] += c[k-i]
		}
	}
	scale := math.Ldexp(1, -n)
	for k := range c {
		c[k] *= scale
	}
	return c
}

// rankAbs ranks |v| from 1, giving tied magnitudes their average rank, and
// returns the sizes of the groups of ties (groups of one left out).
func rankAbs(v []float64) (ranks []float64, ties []int) {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return math.Abs(v[idx[a]]) < math.Abs(v[idx[b]]) })
	ranks = make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i + 1
		for j < len(idx) && math.Abs(v[idx[j]]) == math.Abs(v[idx[i]]) {
			j++
		}
		r := float64(i+1+j) / 2 // average of ranks i+1 … j
		for k := i; k < j; k++ {
			ranks[idx[k]] = r
		}
		if j-i > 1 {
			ties = append(ties, j-i)
		}
		i = j
	}
	return ranks, ties
}

// Holm adjusts p-values for multiple comparisons (Holm–Bonferroni): with
// the m finite p-values sorted ascending, p_(i) becomes
//
//	max_{j ≤ i} min(1, (m − j + 1) · p_(j)),
//
// returned in the input order. NaN entries stay NaN and do not count in m.
func Holm(p []float64) []float64 {
	out := make([]float64, len(p))
	var idx []int
	for i, v := range p {
		out[i] = math.NaN()
		if !math.IsNaN(v) {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return p[idx[a]] < p[idx[b]] })
	m := len(idx)
	run := 0.0
	for j, i := range idx {
		run = math.Max(run, math.Min(1, float64(m-j)*p[i]))
		out[i] = run
	}
	return out
}

// CohenDz is the paired effect size d_z = mean(d) / sd(d) (sd with n − 1)
// of d = x − y; NaN when n < 2 or sd = 0.
func CohenDz(x, y []float64) float64 {
	d := diffs(x, y)
	if len(d) < 2 {
		return math.NaN()
	}
	m := mean(d)
	var ss float64
	for _, v := range d {
		ss += (v - m) * (v - m)
	}
	sd := math.Sqrt(ss / float64(len(d)-1))
	if sd == 0 {
		return math.NaN()
	}
	return m / sd
}

// BootstrapCI is the percentile bootstrap confidence interval of mean(x − y)
// at the given level (0.95 for 95 %): b resamples of the n pairs drawn with
// replacement from rnd, the mean difference of each, and the (1−level)/2
// and (1+level)/2 quantiles of those means (linear interpolation between
// order statistics, numpy's default). The same rnd state gives the same
// interval. NaN when there are no pairs.
func BootstrapCI(x, y []float64, b int, level float64, rnd *rand.Rand) (lo, hi float64) {
	d := diffs(x, y)
	n := len(d)
	if n == 0 || b < 1 {
		return math.NaN(), math.NaN()
	}
	means := make([]float64, b)
	for i := range means {
		var s float64
		for range n {
			s += d[rnd.IntN(n)]
		}
		means[i] = s / float64(n)
	}
	slices.Sort(means)
	return quantile(means, (1-level)/2), quantile(means, (1+level)/2)
}

// quantile is the q-quantile of sorted s by linear interpolation between
// the order statistics at positions q·(len−1).
func quantile(s []float64, q float64) float64 {
	pos := q * float64(len(s)-1)
	i := int(math.Floor(pos))
	if i >= len(s)-1 {
		return s[len(s)-1]
	}
	f := pos - float64(i)
	return s[i] + f*(s[i+1]-s[i])
}

// diffs returns x_i − y_i over the common length.
func diffs(x, y []float64) []float64 {
	n := min(len(x), len(y))
	d := make([]float64, n)
	for i := range d {
		d[i] = x[i] - y[i]
	}
	return d
}

func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}
