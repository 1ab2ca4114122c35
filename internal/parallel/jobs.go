package parallel

import (
	"context"
	"errors"
)

// Jobs runs fn(ctx, j) for every job j in [0, n) as the blocks of For
// (taken in index order, on the caller and the helpers). The first failure
// cancels the context the other jobs see, and the jobs not yet started are
// skipped. It returns the index of the failed job and its error — the
// failure that caused the cancellation, not the cancellations it caused
// (the lowest index among the others) — or −1 and ctx's error when no job
// failed. fn must write only state owned by job j.
func Jobs(ctx context.Context, n int, fn func(ctx context.Context, j int) error) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, n)
	For(0, n, func(_, j int) {
		if ctx.Err() != nil {
			return
		}
		if errs[j] = fn(ctx, j); errs[j] != nil {
			cancel()
		}
	})
	first := -1
	for j, e := range errs {
		if e != nil && (first < 0 || errors.Is(errs[first], context.Canceled) && !errors.Is(e, context.Canceled)) {
			first = j
		}
	}
	if first >= 0 {
		return first, errs[first]
	}
	return -1, ctx.Err()
}
