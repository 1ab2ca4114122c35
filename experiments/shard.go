package experiments

import (
	"fmt"
	"strconv"
	"strings"
)

// Shard selects a share of a grid's cells: shard Index of Count. The zero
// Shard (Count 0) selects every cell.
//
// The rule is round robin in grid order: cell i (its Index, fixed by the
// config: the product of the sweep axes, first axis outermost) belongs to
// shard i mod Count. It depends only on the config, so every task of a job
// array — on any machine, in any order, resubmitted or not — agrees on it,
// and shards differ in size by at most one cell. Stages shared by cells of
// different shards (one trained model feeding every α) are computed once:
// the first process to claim the stage's cache key computes it and the
// others wait for it (see Cache.Claim).
type Shard struct {
	Index, Count int
}

// Has reports whether cell index i belongs to the shard.
func (s Shard) Has(i int) bool { return s.Count <= 0 || i%s.Count == s.Index }

// Of returns the shard (of s.Count) that cell index i belongs to.
func (s Shard) Of(i int) int {
	if s.Count <= 0 {
		return 0
	}
	return i % s.Count
}

func (s Shard) String() string {
	if s.Count <= 0 {
		return "all"
	}
	return fmt.Sprintf("%d/%d", s.Index, s.Count)
}

// ShardError is a malformed --shard value or a missing Slurm variable (a
// usage error).
type ShardError struct{ Msg string }

func (e *ShardError) Error() string { return "--shard: " + e.Msg }

// ParseShard reads a --shard value: "I/N" (0 ≤ I < N) or "slurm", which
// takes the shard from a Slurm job array's environment (getenv):
//
//	I = (SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP
//	N = SLURM_ARRAY_TASK_COUNT
//
// so `--array=1-4` and `--array=0-12:4` work as well as `--array=0-3`
// (MIN defaults to 0 and STEP to 1 when unset). Resubmit the whole array
// after a failure: a task whose cells are cached finishes at once, and a
// subset such as `--array=2` alone would be one task of one shard.
func ParseShard(s string, getenv func(string) string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	if s == "slurm" {
		get := func(name string, def int, required bool) (int, error) {
			v := strings.TrimSpace(getenv(name))
			if v == "" {
				if required {
					return 0, &ShardError{fmt.Sprintf("slurm: %s is not set (is this a Slurm job array task? submit with sbatch --array, or use --shard I/N)", name)}
				}
				return def, nil
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return 0, &ShardError{fmt.Sprintf("slurm: %s=%q is not a non-negative integer", name, v)}
			}
			return n, nil
		}
		id, err := get("SLURM_ARRAY_TASK_ID", 0, true)
		if err != nil {
			return Shard{}, err
		}
		count, err := get("SLURM_ARRAY_TASK_COUNT", 0, true)
		if err != nil {
			return Shard{}, err
		}
		min, err := get("SLURM_ARRAY_TASK_MIN", 0, false)
		if err != nil {
			return Shard{}, err
		}
		step, err := get("SLURM_ARRAY_TASK_STEP", 1, false)
		if err != nil {
			return Shard{}, err
		}
		if step < 1 {
			step = 1
		}
		if count < 1 || id < min || (id-min)%step != 0 || (id-min)/step >= count {
			return Shard{}, &ShardError{fmt.Sprintf("slurm: task id %d does not fit an array of %d task(s) starting at %d with step %d", id, count, min, step)}
		}
		return Shard{Index: (id - min) / step, Count: count}, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return Shard{}, &ShardError{fmt.Sprintf("expected I/N (e.g. 0/4) or slurm, got %q", s)}
	}
	i, err1 := strconv.Atoi(strings.TrimSpace(is))
	n, err2 := strconv.Atoi(strings.TrimSpace(ns))
	switch {
	case err1 != nil || err2 != nil:
		return Shard{}, &ShardError{fmt.Sprintf("expected two integers I/N, got %q", s)}
	case n < 1:
		return Shard{}, &ShardError{fmt.Sprintf("the shard count N must be at least 1, got %q", s)}
	case i < 0 || i >= n:
		return Shard{}, &ShardError{fmt.Sprintf("the shard index I must be in 0..N-1 = 0..%d, got %q", n-1, s)}
	}
	return Shard{Index: i, Count: n}, nil
}
