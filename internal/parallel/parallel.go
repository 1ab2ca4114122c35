// Package parallel owns potau's one parallel loop: For runs a fixed set of
// blocks on the calling goroutine and a pool of long-lived helper goroutines.
// Every kernel, trainer, loss, evaluator and attack protocol that splits work
// over cores goes through it, so the program has one worker pool and one
// rule for reproducibility: a computation is split into blocks that depend
// only on its size (never on the number of goroutines), each block writes
// only its own state (or per-worker scratch), and anything reduced across
// blocks is reduced afterwards in block order.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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

// For calls fn(w, b) for every block b in [0, nb) on at most workers
// goroutines. Blocks are handed out in index order; fn must write only
// state owned by block b (or by the worker id w it is given, 0 ≤ w < workers),
// so that the result does not depend on which goroutine ran which block.
//
// The caller is worker 0; the others are long-lived helper goroutines (at
// most GOMAXPROCS−1) that poll briefly for the next call before parking,
// so the many short calls of a training step do not each pay a thread
// wake-up. A helper that is busy (nested calls) is skipped: the blocks are
// then shared by fewer goroutines.
func For(workers, nb int, fn func(w, b int)) {
	workers = min(Workers(workers), nb, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for b := 0; b < nb; b++ {
			fn(0, b)
		}
		return
	}
	j := &job{fn: fn, nb: int64(nb)}
	for _, h := range getHelpers(workers - 1) {
		if h.state.CompareAndSwap(helperPolling, helperAssigned) {
			j.wg.Add(1)
			h.job.Store(j)
		} else if h.state.CompareAndSwap(helperParked, helperAssigned) {
			j.wg.Add(1)
			h.job.Store(j)
			h.wake <- struct{}{}
		}
	}
	j.run(0)
	j.wg.Wait()
}

// job is one For call.
type job struct {
	fn   func(w, b int)
	nb   int64
	next atomic.Int64
	wg   sync.WaitGroup
}

func (j *job) run(w int) {
	for {
		b := j.next.Add(1) - 1
		if b >= j.nb {
			return
		}
		j.fn(w, int(b))
	}
}

// Helper states.
const (
	helperParked   = 0 // blocked on wake
	helperPolling  = 1 // idle, polling state
	helperAssigned = 2 // given a job (or running it)
)

// helperPoll is how long an idle helper polls (yielding its P to any
// runnable goroutine in between) before parking: longer than the serial
// gaps between the parallel phases of a training step, short enough to
// cost nothing noticeable when the calls stop.
const helperPoll = 50 * time.Microsecond

type helper struct {
	id    int // the worker id the helper runs blocks as (≥ 1)
	state atomic.Int32
	job   atomic.Pointer[job]
	wake  chan struct{}
}

var (
	helpersMu sync.Mutex
	helpers   []*helper
)

// getHelpers returns the first n helpers, starting any that are missing.
func getHelpers(n int) []*helper {
	helpersMu.Lock()
	defer helpersMu.Unlock()
	for len(helpers) < n {
		h := &helper{id: len(helpers) + 1, wake: make(chan struct{}, 1)}
		h.state.Store(helperPolling)
		helpers = append(helpers, h)
		go h.loop()
	}
	return helpers[:n]
}

func (h *helper) loop() {
	for {
		start := time.Now()
		for polls := 1; h.state.Load() != helperAssigned; polls++ {
			if polls%32 != 0 {
				continue
			}
			runtime.Gosched()
			if time.Since(start) > helperPoll && h.state.CompareAndSwap(helperPolling, helperParked) {
				<-h.wake // sent by the call that assigns the next job
				break
			}
		}
		j := h.job.Load()
		for j == nil { // assigned: the job pointer follows the state
			j = h.job.Load()
		}
		h.job.Store(nil)
		j.run(h.id)
		h.state.Store(helperPolling)
		j.wg.Done()
	}
}
