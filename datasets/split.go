package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/potau/potau/internal/rng"
)

// Streams of internal/rng used by MakeSplit, each indexed by the user.
const (
	streamNegatives      = "datasets/negatives"       // test negatives
	streamValidNegatives = "datasets/valid-negatives" // validation negatives
	streamRatioSplit     = "datasets/split"           // ratio split's per-user shuffle
)

// MakeSplit splits d into train, optional validation and test, and samples
// evaluation negatives. d is usually Filter's output; repeated (user, item)
// pairs are deduplicated here as well (the latest is kept).
//
// Leave-one-out ("loo"): each user's interactions are ordered by time; among
// equal timestamps the larger item index (= larger raw item id when ids are
// numeric) counts as later. The latest is the test positive, the
// second-latest the validation positive when validation is on, the rest is
// training. Every user needs 2 interactions (3 with validation).
//
// Ratio ("ratio"): each user's items are shuffled with the stream
// ("datasets/split", user); the first round(test_ratio·n) are test, the next
// round(valid_ratio·n) validation, the rest training, with at least one
// item in each part.
//
// Sampled evaluation draws, for each user, s.Negatives distinct items the
// user never interacted with (in train, validation or test), uniformly and
// without replacement, from the stream ("datasets/negatives", user); validation
// negatives come from ("datasets/valid-negatives", user). Per-user streams make each
// user's draw independent of every other user's.
func MakeSplit(d *Dataset, s SplitConfig, seed uint64) (*Split, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("split: %w", err)
	}
	if err := checkDataset(d); err != nil {
		return nil, err
	}
	nu, ni := d.NumUsers(), d.NumItems()
	in := dedupLatest(d.Interactions, nu) // sorted by (user, time, item)

	sp := &Split{
		NumUsers: nu, NumItems: ni,
		Train: make([][]int32, nu), Valid: make([][]int32, nu), Test: make([][]int32, nu),
		Protocol: Protocol{Split: s.Method, Eval: s.Eval, Validation: s.Validation},
		UserIDs:  slices.Clone(d.UserIDs), ItemIDs: slices.Clone(d.ItemIDs),
	}
	if s.Eval == "sampled" {
		sp.Protocol.Negatives = s.Negatives
		sp.TestNeg = make([][]int32, nu)
		if s.Validation {
			sp.ValidNeg = make([][]int32, nu)
		}
	}
	sp.Attributes = make(map[string]*Attribute, len(d.Attributes))
	for name, a := range d.Attributes {
		sp.Attributes[name] = &Attribute{Name: a.Name, Classes: slices.Clone(a.Classes), Labels: slices.Clone(a.Labels)}
	}

	need := 2
	if s.Validation {
		need = 3
	}
	start := 0
	items := make([]int32, 0, 64)
	for u := 0; u < nu; u++ {
		end := start
		for end < len(in) && int(in[end].User) == u {
			end++
		}
		items = items[:0]
		for _, it := range in[start:end] { // by (time, item): latest last
			items = append(items, it.Item)
		}
		start = end
		n := len(items)
		if n < need {
			return nil, fmt.Errorf("%s: user %s has %d interaction(s); the %s split needs at least %d per user (raise filter.min_user)",
				d.Name, d.UserIDs[u], n, s.Method, need)
		}
		var train, valid, test []int32
		switch s.Method {
		case "loo":
			test = []int32{items[n-1]}
			rest := items[:n-1]
			if s.Validation {
				valid = []int32{items[n-2]}
				rest = items[:n-2]
			}
			train = slices.Clone(rest)
		case "ratio":
			shuf := slices.Clone(items)
			slices.Sort(shuf)
			r := rng.New(seed, streamRatioSplit, uint64(u))
			r.Shuffle(len(shuf), func(i, j int) { shuf[i], shuf[j] = shuf[j], shuf[i] })
			nt := max(1, int(math.Round(s.TestRatio*float64(n))))
			nv := 0
			if s.Validation {
				nv = max(1, int(math.Round(s.ValidRatio*float64(n))))
			}
			for nt+nv > n-1 { // keep at least one training item
				if nv > 1 {
					nv--
				} else {
					nt--
				}
			}
			test = slices.Clone(shuf[:nt])
			valid = slices.Clone(shuf[nt : nt+nv])
			train = slices.Clone(shuf[nt+nv:])
		}
		slices.Sort(train)
		slices.Sort(valid)
		slices.Sort(test)
		sp.Train[u], sp.Valid[u], sp.Test[u] = train, valid, test
		if s.Eval == "sampled" {
			seen := slices.Clone(items)
			slices.Sort(seen)
			neg, err := sampleNegatives(rng.New(seed, streamNegatives, uint64(u)), ni, seen, s.Negatives)
			if err != nil {
				return nil, fmt.Errorf("%s: user %s: %w", d.Name, d.UserIDs[u], err)
			}
			sp.TestNeg[u] = neg
			if s.Validation {
				neg, err := sampleNegatives(rng.New(seed, streamValidNegatives, uint64(u)), ni, seen, s.Negatives)
				if err != nil {
					return nil, fmt.Errorf("%s: user %s: %w", d.Name, d.UserIDs[u], err)
				}
				sp.ValidNeg[u] = neg
			}
		}
	}
	return sp, nil
}

// sampleNegatives draws k distinct items of [0, numItems) outside the sorted,
// duplicate-free list seen, uniformly over all k-subsets, and returns them
// sorted. Floyd's algorithm picks k distinct ranks in [0, A) with
// A = numItems − len(seen); rank r then maps to the r-th item not in seen.
func sampleNegatives(r *rand.Rand, numItems int, seen []int32, k int) ([]int32, error) {
	avail := numItems - len(seen)
	if k > avail {
		return nil, fmt.Errorf("needs %d negatives but only %d items are not interacted with", k, avail)
	}
	chosen := make(map[int32]struct{}, k)
	ranks := make([]int32, 0, k)
	for j := avail - k; j < avail; j++ {
		t := int32(r.IntN(j + 1))
		if _, dup := chosen[t]; dup {
			t = int32(j)
		}
		chosen[t] = struct{}{}
		ranks = append(ranks, t)
	}
	slices.Sort(ranks)
	out := make([]int32, k)
	p := 0
	for i, rk := range ranks {
		c := rk + int32(p)
		for p < len(seen) && seen[p] <= c {
			p++
			c = rk + int32(p)
		}
		out[i] = c
	}
	return out, nil
}
