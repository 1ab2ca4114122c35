package dense

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Workers returns w when w > 0 and runtime.GOMAXPROCS(0) otherwise.
func Workers(w int) int {
	if w > 0 {
		return w
	}
	return runtime.GOMAXPROCS(0)
}

// Blocks splits [0, n) into nb nearly equal contiguous blocks and returns
// the bounds of block b as [lo, hi). The split depends only on n and nb, so
// a computation partitioned by Blocks reduces in the same order whatever the
// number of goroutines that execute the blocks.
func Blocks(n, nb, b int) (lo, hi int) {
	return b * n / nb, (b + 1) * n / nb
}

// ParallelFor calls fn(b) for every block b in [0, nb) on at most workers
// goroutines. Blocks are handed out in index order; fn must write only
// state owned by block b (or by the worker id w it is given, 0 ≤ w < workers),
// so that the result does not depend on which goroutine ran which block.
func ParallelFor(workers, nb int, fn func(w, b int)) {
	workers = Workers(workers)
	if workers > nb {
		workers = nb
	}
	if workers <= 1 {
		for b := 0; b < nb; b++ {
			fn(0, b)
		}
		return
	}
	var next atomic.Int64
	run := func(w int) {
		for {
			b := int(next.Add(1) - 1)
			if b >= nb {
				return
			}
			fn(w, b)
		}
	}
	// The caller is worker 0, so a call starts workers−1 goroutines.
	var wg sync.WaitGroup
	wg.Add(workers - 1)
	for w := 1; w < workers; w++ {
		go func(w int) {
			defer wg.Done()
			run(w)
		}(w)
	}
	run(0)
	wg.Wait()
}
