package parallel_test

import (
	"fmt"

	"github.com/potau/potau/internal/parallel"
)

// A sum over fixed blocks, reduced in block order afterwards, gives the same
// bits on any number of workers.
func ExampleFor() {
	x := make([]float64, 1000)
	for i := range x {
		x[i] = 1 / float64(i+1)
	}
	const nb = 8
	for _, workers := range []int{1, 2, 8} {
		partial := make([]float64, nb) // one slot per block
		parallel.For(workers, nb, func(_, b int) {
			lo, hi := parallel.Blocks(len(x), nb, b)
			for _, v := range x[lo:hi] {
				partial[b] += v
			}
		})
		var sum float64
		for _, p := range partial {
			sum += p
		}
		fmt.Printf("%d workers: %.15f\n", workers, sum)
	}
	// Output:
	// 1 workers: 7.485470860550346
	// 2 workers: 7.485470860550346
	// 8 workers: 7.485470860550346
}
