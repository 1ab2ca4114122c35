package parallel

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestFor checks that every block runs exactly once with a worker id
// below the bound, across repeated, nested and spaced-out calls (helpers
// polling, parked and busy) and GOMAXPROCS changes.
func TestFor(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		for _, workers := range []int{0, 1, 2, 3, 8} {
			for rep := 0; rep < 50; rep++ {
				nb := 1 + rep%17
				bound := min(Workers(workers), nb, procs)
				counts := make([]atomic.Int32, nb)
				var bad atomic.Int32
				For(workers, nb, func(w, b int) {
					if w < 0 || w >= bound {
						bad.Add(1)
					}
					counts[b].Add(1)
					if b%5 == 0 { // nested call from inside a block
						var inner atomic.Int32
						For(workers, 3, func(_, _ int) { inner.Add(1) })
						if inner.Load() != 3 {
							bad.Add(1)
						}
					}
				})
				if bad.Load() != 0 {
					t.Fatalf("procs %d workers %d nb %d: bad worker id or nested call", procs, workers, nb)
				}
				for b := range counts {
					if c := counts[b].Load(); c != 1 {
						t.Fatalf("procs %d workers %d nb %d: block %d ran %d times", procs, workers, nb, b, c)
					}
				}
				if rep%10 == 9 {
					time.Sleep(helperPoll + 100*time.Microsecond) // let helpers park
				}
			}
		}
	}
}
