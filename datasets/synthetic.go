package datasets

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/potau/potau/internal/parallel"
	"github.com/potau/potau/internal/rng"
)

// Time range of the synthetic timestamps: ML-100K's first and last rating.
const (
	synthTimeStart = 874724710
	synthTimeSpan  = 893286638 - 874724710
)

// Generate builds the synthetic data set. It needs no files and no network,
// and the same config gives the same data set, byte for byte, whatever
// GOMAXPROCS.
//
// Model (d = c.Dim, every draw from a named internal/rng stream):
//
//	a_u ∈ {M, F}       exactly round(minority·users) users are F ("attribute")
//	v                  a uniformly random unit vector in R^d ("direction")
//	p_u = z_u + strength·(1[a_u = F] − ½)·v,   z_u ~ N(0, I_d) ("users")
//	q_i ~ N(0, I_d)                                             ("items")
//	b_i = −popularity · ln(rank_i),  rank a random permutation of 1..items
//	s_ui = affinity · p_u·q_i / √d + b_i
//
// so the class means of p differ by `strength` along v (per-dimension
// standard deviation 1). User u interacts with n_u distinct items drawn
// without replacement with probabilities ∝ exp(s_ui) (Gumbel top-k,
// stream ("datasets/synthetic/pick", u)), where
//
//	n_u = min_per_user + e_u,  e_u ∝ exp(activity·N(0,1)),  Σ_u n_u = interactions
//
// (largest-remainder rounding, each n_u capped at items/2). Popularity
// makes item degrees long-tailed; activity makes user degrees long-tailed.
// Each user's interactions get distinct timestamps in ML-100K's time range,
// in a random order, so leave-one-out is not biased towards any item; the
// rating is round(3.5 + 0.8·(s_ui − b_i) + N(0, 0.8²)) clipped to 1..5.
func Generate(ctx context.Context, c SyntheticConfig) (*Dataset, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("synthetic: %w", err)
	}
	nu, ni, d := c.Users, c.Items, c.Dim
	seed := c.Seed

	// Attribute: a random subset of round(minority·users) users is F.
	nf := int(math.Round(c.Minority * float64(nu)))
	labels := make([]int32, nu)
	for _, u := range rng.New(seed, "datasets/synthetic/attribute").Perm(nu)[:nf] {
		labels[u] = 1
	}

	// Planted direction.
	dir := make([]float64, d)
	{
		r := rng.New(seed, "datasets/synthetic/direction")
		var norm float64
		for norm == 0 {
			norm = 0
			for k := range dir {
				dir[k] = r.NormFloat64()
				norm += dir[k] * dir[k]
			}
		}
		norm = math.Sqrt(norm)
		for k := range dir {
			dir[k] /= norm
		}
	}

	// User preferences and item factors.
	P := make([]float64, nu*d)
	for u := 0; u < nu; u++ {
		r := rng.New(seed, "datasets/synthetic/users", uint64(u))
		shift := c.Strength * (float64(labels[u]) - 0.5)
		for k := 0; k < d; k++ {
			P[u*d+k] = r.NormFloat64() + shift*dir[k]
		}
	}
	Q := make([]float64, ni*d)
	for i := 0; i < ni; i++ {
		r := rng.New(seed, "datasets/synthetic/items", uint64(i))
		for k := 0; k < d; k++ {
			Q[i*d+k] = r.NormFloat64()
		}
	}
	bias := make([]float64, ni)
	for rank0, i := range rng.New(seed, "datasets/synthetic/popularity").Perm(ni) {
		bias[i] = -c.Popularity * math.Log(float64(rank0+1))
	}

	counts := activityCounts(c)

	// Per-user picks: independent streams, written to per-user slots, so the
	// blocks of users may run on any goroutine without changing the result.
	perUser := make([][]Interaction, nu)
	const blk = 64
	nb := (nu + blk - 1) / blk
	type scratch struct {
		keys, aff []float64
		order     []int32
	}
	sc := make([]scratch, min(parallel.Workers(0), nb))
	errs := make([]error, nb)
	scale := c.Affinity / math.Sqrt(float64(d))
	parallel.For(0, nb, func(w, b int) {
		if err := ctx.Err(); err != nil {
			errs[b] = err
			return
		}
		s := &sc[w]
		if s.keys == nil {
			s.keys, s.aff, s.order = make([]float64, ni), make([]float64, ni), make([]int32, ni)
		}
		for u := b * blk; u < min(nu, (b+1)*blk); u++ {
			perUser[u] = pickUser(seed, u, counts[u], P[u*d:(u+1)*d], Q, bias, scale, s.keys, s.aff, s.order)
		}
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}

	ds := &Dataset{Name: NameSynthetic, UserIDs: make([]string, nu), ItemIDs: make([]string, ni)}
	for u := range ds.UserIDs {
		ds.UserIDs[u] = strconv.Itoa(u + 1)
	}
	for i := range ds.ItemIDs {
		ds.ItemIDs[i] = strconv.Itoa(i + 1)
	}
	ds.Interactions = make([]Interaction, 0, c.Interactions)
	for _, l := range perUser {
		ds.Interactions = append(ds.Interactions, l...)
	}
	ds.Attributes = map[string]*Attribute{
		"gender": {Name: "gender", Classes: []string{"M", "F"}, Labels: labels},
	}
	ds.Checksum = syntheticChecksum(c)
	return ds, nil
}

// pickUser draws user u's items by Gumbel top-k and gives them timestamps
// and ratings. keys, aff and order are per-worker scratch of length items.
func pickUser(seed uint64, u, n int, p, Q, bias []float64, scale float64, keys, aff []float64, order []int32) []Interaction {
	d := len(p)
	r := rng.New(seed, "datasets/synthetic/pick", uint64(u))
	for i := range keys {
		q := Q[i*d : (i+1)*d]
		var dot float64
		for k, pk := range p {
			dot += pk * q[k]
		}
		aff[i] = scale * dot
		// Gumbel(0,1) = −ln(−ln U), U uniform on (0,1).
		uu := r.Float64()
		for uu == 0 {
			uu = r.Float64()
		}
		keys[i] = aff[i] + bias[i] - math.Log(-math.Log(uu))
		order[i] = int32(i)
	}
	// Top n by key; ties (probability 0) broken by item index.
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(keys[b], keys[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	chosen := slices.Clone(order[:n])
	slices.Sort(chosen)

	// Distinct timestamps: n distinct offsets in the second half of the time
	// range, after a per-user start in the first half, assigned to the
	// chosen items in a random order.
	tr := rng.New(seed, "datasets/synthetic/time", uint64(u))
	start := int64(synthTimeStart) + tr.Int64N(synthTimeSpan/2)
	offs := make([]int64, 0, n)
	seen := make(map[int64]bool, n)
	for len(offs) < n {
		o := tr.Int64N(synthTimeSpan / 2)
		if !seen[o] {
			seen[o] = true
			offs = append(offs, o)
		}
	}
	slices.Sort(offs)
	tr.Shuffle(n, func(i, j int) { chosen[i], chosen[j] = chosen[j], chosen[i] })
	out := make([]Interaction, n)
	for k, it := range chosen {
		rating := math.Round(3.5 + 0.8*aff[it] + 0.8*tr.NormFloat64())
		rating = math.Max(1, math.Min(5, rating))
		out[k] = Interaction{User: int32(u), Item: it, Rating: float32(rating), Time: start + offs[k]}
	}
	return out
}

// activityCounts returns n_u for every user: min_per_user plus a log-normal
// share of the remaining interactions, rounded by largest remainder so that
// the total is exact, each capped at items/2 with the excess redistributed.
func activityCounts(c SyntheticConfig) []int {
	nu := c.Users
	r := rng.New(c.Seed, "datasets/synthetic/activity")
	w := make([]float64, nu)
	for u := range w {
		w[u] = math.Exp(c.Activity * r.NormFloat64())
	}
	limit := c.Items / 2
	counts := make([]int, nu)
	for u := range counts {
		counts[u] = c.MinPerUser
	}
	capped := make([]bool, nu)
	for {
		rest := c.Interactions
		var wsum float64
		for u := range counts {
			if capped[u] {
				rest -= limit
			} else {
				rest -= c.MinPerUser
				wsum += w[u]
			}
		}
		type frac struct {
			u int
			f float64
		}
		var fr []frac
		given := 0
		for u := range counts {
			if capped[u] {
				counts[u] = limit
				continue
			}
			x := float64(rest) * w[u] / wsum
			fl := math.Floor(x)
			counts[u] = c.MinPerUser + int(fl)
			given += int(fl)
			fr = append(fr, frac{u, x - fl})
		}
		slices.SortFunc(fr, func(a, b frac) int {
			if c := cmp.Compare(b.f, a.f); c != 0 {
				return c
			}
			return cmp.Compare(a.u, b.u)
		})
		for k := 0; k < rest-given; k++ {
			counts[fr[k%len(fr)].u]++
		}
		over := false
		for u := range counts {
			if !capped[u] && counts[u] > limit {
				capped[u] = true
				over = true
			}
		}
		if !over {
			return counts
		}
	}
}

// syntheticChecksum identifies the generated data by the generator version
// and its parameters.
func syntheticChecksum(c SyntheticConfig) string {
	h := sha256.New()
	fmt.Fprintf(h, "potau-synthetic-v1\x00%d %d %d %d %d %v %v %d %v %v %v",
		c.Seed, c.Users, c.Items, c.Interactions, c.MinPerUser,
		strconv.FormatFloat(c.Minority, 'g', -1, 64), strconv.FormatFloat(c.Strength, 'g', -1, 64), c.Dim,
		strconv.FormatFloat(c.Popularity, 'g', -1, 64), strconv.FormatFloat(c.Affinity, 'g', -1, 64),
		strconv.FormatFloat(c.Activity, 'g', -1, 64))
	return hex.EncodeToString(h.Sum(nil))
}
