package attackers

import (
	"fmt"
	"slices"
	"testing"

	"github.com/potau/potau/internal/rng"
)

// TestStratifiedFoldsSklearn compares with the test folds of scikit-learn
// 1.2.1's StratifiedKFold(n_splits=k, shuffle=False).split, computed with
// /usr/bin/python3 (the last case has a class smaller than k, where
// scikit-learn warns but still assigns folds).
func TestStratifiedFoldsSklearn(t *testing.T) {
	for _, c := range []struct {
		y    []int
		k    int
		want []int
	}{
		{[]int{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, 5, []int{0, 1, 2, 3, 4, 0, 1, 2, 3, 4}},
		{[]int{1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1}, 3, []int{0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}},
		{[]int{2, 0, 1, 2, 2, 0, 1, 1, 0, 2, 2, 2, 0, 1}, 4, []int{0, 0, 0, 0, 1, 1, 1, 2, 2, 1, 2, 3, 3, 3}},
		{[]int{1, 0, 1, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1}, 5, []int{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 2, 3, 4, 3, 4, 4}},
	} {
		got, err := StratifiedFolds(c.y, c.k, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("y=%v k=%d: got %v, scikit-learn %v", c.y, c.k, got, c.want)
		}
	}
}

// TestStratifiedFoldsShuffle checks that shuffled folds keep each class's
// per-fold counts and that an unsatisfiable k is an error.
func TestStratifiedFoldsShuffle(t *testing.T) {
	y := []int{1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1, 1, 0, 1, 0, 1, 1}
	plain, _ := StratifiedFolds(y, 3, nil)
	sh, err := StratifiedFolds(y, 3, rng.New(1, "x"))
	if err != nil {
		t.Fatal(err)
	}
	count := func(f []int) [3][2]int {
		var c [3][2]int
		for i := range f {
			c[f[i]][y[i]]++
		}
		return c
	}
	if count(plain) != count(sh) {
		t.Fatalf("shuffle changed the allocation: %v vs %v", count(plain), count(sh))
	}
	if slices.Equal(plain, sh) {
		t.Fatal("shuffle left the folds unchanged")
	}
	if _, err := StratifiedFolds([]int{0, 1, 0, 1}, 3, nil); err == nil {
		t.Fatal("k larger than every class: no error")
	}
	if _, err := StratifiedFolds(y, 1, nil); err == nil {
		t.Fatal("k=1: no error")
	}
}

func TestDownsampleAndWeights(t *testing.T) {
	y := []int{0, 1, 1, 1, 0, 1, 1, 2, 2, 1, 2}
	keep := Downsample(y, 4, rng.New(5, "d"))
	var c [4]int
	for _, i := range keep {
		c[y[i]]++
	}
	if c != [4]int{2, 2, 2, 0} || !slices.IsSorted(keep) {
		t.Fatalf("downsample kept %v (class counts %v)", keep, c)
	}
	w := BalancedWeights([]int{0, 0, 0, 1}, 2)
	// n/(K·n_k): 4/(2·3) and 4/(2·1).
	if w[0] != 4.0/6 || w[3] != 2 {
		t.Fatalf("weights %v", w)
	}
}

// ExampleStratifiedFolds shows scikit-learn's unshuffled layout: classes
// are dealt round-robin over the folds by count, and each class's rows
// fill the folds in order, in blocks.
func ExampleStratifiedFolds() {
	y := []int{0, 0, 0, 0, 0, 0, 1, 1, 1, 1}
	folds, _ := StratifiedFolds(y, 3, nil)
	fmt.Println(folds)
	// Output: [0 0 1 1 2 2 0 0 1 2]
}
