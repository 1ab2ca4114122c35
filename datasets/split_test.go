package datasets

import (
	"math"
	"slices"
	"testing"

	"github.com/potau/potau/internal/rng"
)

// TestLeaveOneOut checks the time order, the tie rule (equal timestamps:
// larger item is later), deduplication (latest kept) and the validation
// hold-out on a hand-made data set.
func TestLeaveOneOut(t *testing.T) {
	d := tinyDataset(3, 10, [][3]int{
		{0, 5, 100}, {0, 2, 300}, {0, 7, 200}, // latest: item 2 (t=300); second: 7
		{1, 3, 50}, {1, 8, 50}, {1, 1, 10}, // tie at t=50: item 8 is later
		{2, 4, 10}, {2, 4, 90}, {2, 6, 50}, {2, 9, 5}, // duplicate item 4: kept at t=90 → test
	})
	tests := []struct {
		name               string
		validation         bool
		train, valid, test [][]int32
	}{
		{"no validation", false,
			[][]int32{{5, 7}, {1, 3}, {6, 9}}, [][]int32{nil, nil, nil}, [][]int32{{2}, {8}, {4}}},
		{"validation", true,
			[][]int32{{5}, {1}, {9}}, [][]int32{{7}, {3}, {6}}, [][]int32{{2}, {8}, {4}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := SplitConfig{Method: "loo", Eval: "sampled", Negatives: 4, Validation: tc.validation}
			sp, err := MakeSplit(d, cfg, 7)
			if err != nil {
				t.Fatal(err)
			}
			for u := 0; u < 3; u++ {
				if !eqList(sp.Train[u], tc.train[u]) || !eqList(sp.Valid[u], tc.valid[u]) || !eqList(sp.Test[u], tc.test[u]) {
					t.Errorf("user %d: train %v valid %v test %v, want %v %v %v", u,
						sp.Train[u], sp.Valid[u], sp.Test[u], tc.train[u], tc.valid[u], tc.test[u])
				}
				checkNegatives(t, sp, u, sp.TestNeg[u], 4)
				if tc.validation {
					checkNegatives(t, sp, u, sp.ValidNeg[u], 4)
				}
			}
			if sp.Protocol != (Protocol{Split: "loo", Eval: "sampled", Negatives: 4, Validation: tc.validation}) {
				t.Errorf("protocol %+v", sp.Protocol)
			}
		})
	}
}

func eqList(a, b []int32) bool { return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b)) }

// checkNegatives: k distinct, sorted items the user never interacted with.
func checkNegatives(t *testing.T, sp *Split, u int, neg []int32, k int) {
	t.Helper()
	if len(neg) != k {
		t.Fatalf("user %d: %d negatives, want %d", u, len(neg), k)
	}
	pos := slices.Concat(sp.Train[u], sp.Valid[u], sp.Test[u])
	for j, n := range neg {
		if j > 0 && neg[j-1] >= n {
			t.Errorf("user %d: negatives %v not strictly ascending", u, neg)
		}
		if slices.Contains(pos, n) {
			t.Errorf("user %d: negative %d is a positive", u, n)
		}
		if n < 0 || int(n) >= sp.NumItems {
			t.Errorf("user %d: negative %d out of range", u, n)
		}
	}
}

// TestSampleNegativesUniform: Floyd's algorithm must give every allowed item
// the same inclusion probability k/A. Over R draws each count is close to
// Binomial(R, k/A); the χ² statistic over the A = 25 allowed items has
// 24 degrees of freedom (mean 24, sd ≈ 6.9), so a threshold of 55
// (p < 1e-3) fails only for a real bias, e.g. an item never or always drawn.
func TestSampleNegativesUniform(t *testing.T) {
	const numItems, k, R = 30, 6, 20000
	seen := []int32{0, 3, 4, 10, 29}
	allowed := numItems - len(seen)
	count := make([]int, numItems)
	for rep := 0; rep < R; rep++ {
		neg, err := sampleNegatives(rng.New(1, "t", uint64(rep)), numItems, seen, k)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range neg {
			count[n]++
		}
	}
	exp := float64(R*k) / float64(allowed)
	var chi2 float64
	for i := 0; i < numItems; i++ {
		if slices.Contains(seen, int32(i)) {
			if count[i] != 0 {
				t.Fatalf("excluded item %d drawn %d times", i, count[i])
			}
			continue
		}
		diff := float64(count[i]) - exp
		chi2 += diff * diff / exp
	}
	if chi2 > 55 {
		t.Errorf("χ² = %.1f over %d items: negatives are not uniform (counts %v)", chi2, allowed, count)
	}
	if _, err := sampleNegatives(rng.New(1, "t"), 6, []int32{0, 1, 2}, 4); err == nil {
		t.Error("asking for more negatives than available items must fail")
	}
	// k = A takes every allowed item.
	neg, err := sampleNegatives(rng.New(1, "t"), 6, []int32{1, 4}, 4)
	if err != nil || !slices.Equal(neg, []int32{0, 2, 3, 5}) {
		t.Errorf("k = A: %v %v", neg, err)
	}
}

// TestRatioSplit checks part sizes, disjointness and full-ranking output.
func TestRatioSplit(t *testing.T) {
	var triples [][3]int
	for u := 0; u < 4; u++ {
		for i := 0; i < 10+5*u; i++ {
			triples = append(triples, [3]int{u, (i * 7) % 40, i})
		}
	}
	d := tinyDataset(4, 40, triples)
	cfg := SplitConfig{Method: "ratio", Eval: "full", TestRatio: 0.2, ValidRatio: 0.1, Validation: true}
	sp, err := MakeSplit(d, cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	if sp.TestNeg != nil || sp.ValidNeg != nil || sp.Protocol.Negatives != 0 {
		t.Error("full ranking must not sample negatives")
	}
	for u := 0; u < 4; u++ {
		n := 10 + 5*u
		nt := int(math.Round(0.2 * float64(n)))
		nv := int(math.Round(0.1 * float64(n)))
		if len(sp.Test[u]) != nt || len(sp.Valid[u]) != nv || len(sp.Train[u]) != n-nt-nv {
			t.Errorf("user %d: %d/%d/%d, want %d/%d/%d", u, len(sp.Train[u]), len(sp.Valid[u]), len(sp.Test[u]), n-nt-nv, nv, nt)
		}
		all := slices.Concat(sp.Train[u], sp.Valid[u], sp.Test[u])
		slices.Sort(all)
		if len(slices.Compact(all)) != n {
			t.Errorf("user %d: parts overlap or lose items", u)
		}
	}
	other, _ := MakeSplit(d, cfg, 4)
	same, _ := MakeSplit(d, cfg, 3)
	if slices.Equal(other.Test[3], sp.Test[3]) && slices.Equal(other.Test[2], sp.Test[2]) {
		t.Error("a different seed gave the same ratio split")
	}
	for u := range sp.Test {
		if !slices.Equal(same.Test[u], sp.Test[u]) {
			t.Error("the same seed gave a different ratio split")
		}
	}
}

func TestSplitErrors(t *testing.T) {
	d := tinyDataset(2, 5, [][3]int{{0, 1, 1}, {0, 2, 2}, {1, 3, 1}})
	_, err := MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled", Negatives: 1}, 1)
	errContains(t, err, "user u1 has 1 interaction(s)", "at least 2", "filter.min_user")

	d = tinyDataset(1, 4, [][3]int{{0, 1, 1}, {0, 2, 2}})
	_, err = MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled", Negatives: 3}, 1)
	errContains(t, err, "user u0", "needs 3 negatives but only 2 items")

	bad := tinyDataset(1, 2, [][3]int{{0, 5, 1}})
	_, err = MakeSplit(bad, DefaultConfig().Split, 1)
	errContains(t, err, "item 5 outside")

	_, err = MakeSplit(d, SplitConfig{Method: "loo", Eval: "sampled"}, 1)
	errContains(t, err, "negatives: must be >= 1")
}
