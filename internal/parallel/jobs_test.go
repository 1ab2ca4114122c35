package parallel

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestJobs checks that every job runs once when none fails, that a failure
// is reported with its index ahead of the cancellations it causes, and that
// a cancelled parent context runs nothing and returns its error.
func TestJobs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 4} {
		runtime.GOMAXPROCS(procs)
		counts := make([]atomic.Int32, 40)
		if j, err := Jobs(context.Background(), len(counts), func(_ context.Context, j int) error {
			counts[j].Add(1)
			return nil
		}); j != -1 || err != nil {
			t.Fatalf("procs %d: Jobs = %d, %v without failures", procs, j, err)
		}
		for j := range counts {
			if c := counts[j].Load(); c != 1 {
				t.Fatalf("procs %d: job %d ran %d times", procs, j, c)
			}
		}

		boom := errors.New("boom")
		j, err := Jobs(context.Background(), 40, func(ctx context.Context, j int) error {
			switch {
			case j == 7:
				return boom
			case j < 7:
				return nil
			}
			<-ctx.Done() // later jobs wait for the cancellation the failure causes
			return ctx.Err()
		})
		if j != 7 || !errors.Is(err, boom) {
			t.Fatalf("procs %d: Jobs = %d, %v; want 7, boom", procs, j, err)
		}

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		var ran atomic.Int32
		j, err = Jobs(ctx, 10, func(context.Context, int) error { ran.Add(1); return nil })
		if j != -1 || !errors.Is(err, context.Canceled) || ran.Load() != 0 {
			t.Fatalf("procs %d: cancelled parent: Jobs = %d, %v, %d jobs ran", procs, j, err, ran.Load())
		}
	}
}
