package attackers

import (
	"fmt"
	"math/rand/v2"
	"sort"
)

// StratifiedFolds assigns each row to one of k test folds, reproducing
// scikit-learn's StratifiedKFold._make_test_folds (1.2) exactly.
//
// Classes are encoded in order of first appearance in y. The number of
// rows of class c in fold f is the count of c in y_sorted[f::k], where
// y_sorted is the sorted encoded labels (a round robin over the sorted
// labels). Within each class, rows keep their data order and receive fold
// indices in blocks: the first alloc[0][c] rows go to fold 0, the next
// alloc[1][c] to fold 1, and so on. With shuffle non-nil the block fold
// indices of each class are permuted by a Fisher–Yates shuffle drawn from
// it (scikit-learn's shuffle=True does the same with NumPy's generator, so
// shuffled folds are seeded but not NumPy-identical).
//
// It returns an error when k < 2 or every class has fewer than k rows
// (scikit-learn raises the same error).
func StratifiedFolds(y []int, k int, shuffle *rand.Rand) ([]int, error) {
	if k < 2 {
		return nil, fmt.Errorf("attackers: stratified folds: k must be >= 2, got %d", k)
	}
	if len(y) < k {
		return nil, fmt.Errorf("attackers: stratified folds: %d rows cannot fill %d folds", len(y), k)
	}
	// Encode by order of appearance.
	code := map[int]int{}
	enc := make([]int, len(y))
	for i, v := range y {
		c, ok := code[v]
		if !ok {
			c = len(code)
			code[v] = c
		}
		enc[i] = c
	}
	nc := len(code)
	counts := make([]int, nc)
	for _, c := range enc {
		counts[c]++
	}
	allBelow := true
	for _, n := range counts {
		if n >= k {
			allBelow = false
		}
	}
	if allBelow {
		return nil, fmt.Errorf("attackers: stratified folds: k=%d is greater than the number of members in each class %v", k, counts)
	}
	sorted := append([]int(nil), enc...)
	sort.Ints(sorted)
	alloc := make([][]int, k) // alloc[f][c]
	for f := range alloc {
		alloc[f] = make([]int, nc)
		for i := f; i < len(sorted); i += k {
			alloc[f][sorted[i]]++
		}
	}
	folds := make([]int, len(y))
	for c := 0; c < nc; c++ {
		block := make([]int, 0, counts[c])
		for f := 0; f < k; f++ {
			for j := 0; j < alloc[f][c]; j++ {
				block = append(block, f)
			}
		}
		if shuffle != nil {
			shuffle.Shuffle(len(block), func(a, b int) { block[a], block[b] = block[b], block[a] })
		}
		j := 0
		for i, e := range enc {
			if e == c {
				folds[i] = block[j]
				j++
			}
		}
	}
	return folds, nil
}

// Downsample returns the sorted row indices of a class-balanced subset:
// every class present is reduced to the size of the smallest by drawing
// rows uniformly without replacement (a partial Fisher–Yates shuffle of
// the class's rows in data order) from r. Rows keep their data order, so
// unshuffled folds stay in the reference's block layout.
func Downsample(y []int, classes int, r *rand.Rand) []int {
	byClass := make([][]int, classes)
	for i, c := range y {
		byClass[c] = append(byClass[c], i)
	}
	m := -1
	for _, rows := range byClass {
		if len(rows) > 0 && (m < 0 || len(rows) < m) {
			m = len(rows)
		}
	}
	var keep []int
	for _, rows := range byClass {
		if len(rows) == 0 {
			continue
		}
		for i := 0; i < m; i++ {
			j := i + r.IntN(len(rows)-i)
			rows[i], rows[j] = rows[j], rows[i]
		}
		keep = append(keep, rows[:m]...)
	}
	sort.Ints(keep)
	return keep
}

// BalancedWeights returns scikit-learn's class_weight="balanced" sample
// weights, w_i = n / (K · n_{y_i}) with K the number of classes present;
// they average to 1.
func BalancedWeights(y []int, classes int) []float64 {
	counts := make([]int, classes)
	for _, c := range y {
		counts[c]++
	}
	present := 0
	for _, n := range counts {
		if n > 0 {
			present++
		}
	}
	w := make([]float64, len(y))
	for i, c := range y {
		w[i] = float64(len(y)) / (float64(present) * float64(counts[c]))
	}
	return w
}
