package recmodels

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// Metric conventions (docs/method.md#metrics). For a user with held-out positives T and a
// candidate set C ⊇ T, the rank of t ∈ T is the number of candidates with a
// strictly greater score (0-based; ties favour the positive; a NaN score of a
// positive ranks it last). Then, averaged over users with |T| > 0,
//
//	HR@K     = 1[∃ t ∈ T: rank_t < K]
//	Recall@K = |{t ∈ T: rank_t < K}| / |T|
//	NDCG@K   = Σ_{t: rank_t < K} 1/log2(rank_t+2)  /  Σ_{r < min(K,|T|)} 1/log2(r+2)
//
// Under leave-one-out (|T| = 1) NDCG@K = 1/log2(rank+2) and Recall@K = HR@K.
//
// Sampled evaluation: C = T ∪ the split's sampled negatives for the user.
// Full ranking: C = every item not in the user's training set and, when
// evaluating test, not in the validation set.

// DefaultKs are the cut-offs reported by default.
var DefaultKs = []int{5, 10, 15, 20}

// userBlock is the number of users scored together in a parallel block.
const userBlock = 64

// Evaluate computes HR, NDCG and Recall at each K in ks on "test" or "valid",
// by sampled or full ranking as s.Protocol.Eval says (sampled needs the
// split's negatives). Keys are "hr@K", "ndcg@K", "recall@K".
func Evaluate(ctx context.Context, m Model, s *datasets.Split, on string, ks []int) (map[string]float64, error) {
	pos, negs, excl, err := evalSets(s, on)
	if err != nil {
		return nil, err
	}
	switch s.Protocol.Eval {
	case "full":
		return evaluate(ctx, m, s, pos, nil, excl, ks)
	case "sampled", "":
		if negs == nil {
			return nil, fmt.Errorf("recmodels: sampled evaluation on %s but the split has no sampled negatives (%sNeg)", on, map[string]string{"test": "Test", "valid": "Valid"}[on])
		}
		return evaluate(ctx, m, s, pos, negs, nil, ks)
	default:
		return nil, fmt.Errorf("recmodels: unknown evaluation protocol %q (want sampled or full)", s.Protocol.Eval)
	}
}

// EvaluateFull is Evaluate with full ranking whatever the split's protocol.
func EvaluateFull(ctx context.Context, m Model, s *datasets.Split, on string, ks []int) (map[string]float64, error) {
	pos, _, excl, err := evalSets(s, on)
	if err != nil {
		return nil, err
	}
	return evaluate(ctx, m, s, pos, nil, excl, ks)
}

func evalSets(s *datasets.Split, on string) (pos, negs [][]int32, excl [][][]int32, err error) {
	if err := checkSplit(s); err != nil {
		return nil, nil, nil, err
	}
	switch on {
	case "test":
		excl = [][][]int32{s.Train}
		if s.Valid != nil {
			excl = append(excl, s.Valid)
		}
		return s.Test, s.TestNeg, excl, nil
	case "valid":
		if s.Valid == nil {
			return nil, nil, nil, fmt.Errorf("recmodels: evaluation on valid but the split has no validation hold-out")
		}
		return s.Valid, s.ValidNeg, [][][]int32{s.Train}, nil
	}
	return nil, nil, nil, fmt.Errorf("recmodels: evaluate on %q, want test or valid", on)
}

// dotModel is a model whose scores are dot products of final tables.
type dotModel interface {
	finalTables() (users, items *dense.Matrix)
}

// userScorer scores blocks of users; one per worker.
type userScorer interface {
	// scores writes into dst (len(us)×cols) the scores of each user in us for
	// the items in items[k] (sampled) or every item (items == nil).
	scores(dst *dense.Matrix, us []int, items [][]int32)
}

type dotScorer struct{ fu, fi, ub *dense.Matrix }

func (d *dotScorer) scores(dst *dense.Matrix, us []int, items [][]int32) {
	if items == nil {
		for k, u := range us {
			copy(d.ub.Row(k), d.fu.Row(u))
		}
		ub := &dense.Matrix{Rows: len(us), Cols: d.fu.Cols, Data: d.ub.Data[:len(us)*d.fu.Cols]}
		dst.Rows = len(us)
		dense.MulABTPar(dst, ub, d.fi, 1)
		return
	}
	for k, u := range us {
		ur, r := d.fu.Row(u), dst.Row(k)
		for c, i := range items[k] {
			r[c] = dense.DotVec(ur, d.fi.Row(int(i)))
		}
	}
}

type neuScorer struct {
	m *NeuMF
	w *neuWork
}

func (n *neuScorer) scores(dst *dense.Matrix, us []int, items [][]int32) {
	for k, u := range us {
		r := dst.Row(k)
		var cnt int
		var iOf func(int) int
		if items == nil {
			cnt, iOf = n.m.NumItems(), func(j int) int { return j }
		} else {
			it := items[k]
			cnt, iOf = len(it), func(j int) int { return int(it[j]) }
		}
		for lo := 0; lo < cnt; lo += evalBlock {
			b := min(evalBlock, cnt-lo)
			n.m.scoreBlock(n.w, n.m.P.w, b, func(int) int { return u }, func(j int) int { return iOf(lo + j) }, r[lo:])
		}
	}
}

func newScorer(m Model) userScorer {
	switch t := m.(type) {
	case dotModel:
		fu, fi := t.finalTables()
		return &dotScorer{fu: fu, fi: fi, ub: dense.New(userBlock, fu.Cols)}
	case *NeuMF:
		return &neuScorer{m: t, w: t.newWork(evalBlock)}
	}
	return &genericScorer{m: m}
}

// genericScorer scores through the Model interface (for foreign models).
type genericScorer struct{ m Model }

func (g *genericScorer) scores(dst *dense.Matrix, us []int, items [][]int32) {
	for k, u := range us {
		if items == nil {
			g.m.ScoreAll(dst.Row(k), u)
		} else {
			g.m.Score(dst.Row(k)[:len(items[k])], u, items[k])
		}
	}
}

// evaluate ranks pos[u] among candidates: pos[u] ∪ negs[u] when negs != nil,
// otherwise every item not in any excl[·][u].
func evaluate(ctx context.Context, m Model, s *datasets.Split, pos, negs [][]int32, excl [][][]int32, ks []int) (map[string]float64, error) {
	if len(ks) == 0 {
		ks = DefaultKs
	}
	for _, k := range ks {
		if k < 1 {
			return nil, fmt.Errorf("recmodels: cut-off K = %d, want >= 1", k)
		}
	}
	if m.NumUsers() != s.NumUsers || m.NumItems() != s.NumItems {
		return nil, fmt.Errorf("recmodels: model has %d users × %d items, split %d × %d", m.NumUsers(), m.NumItems(), s.NumUsers, s.NumItems)
	}
	var users []int
	for u := range pos {
		if len(pos[u]) > 0 {
			users = append(users, u)
		}
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("recmodels: no user has held-out items to evaluate")
	}
	nk := len(ks)
	// Per-user metric rows: hr, ndcg, recall for each K.
	per := make([]float64, len(users)*3*nk)
	cols := 0
	if negs == nil {
		cols = s.NumItems
	} else {
		for _, u := range users {
			cols = max(cols, len(pos[u])+len(negs[u]))
		}
	}
	nb := (len(users) + userBlock - 1) / userBlock
	nw := parallel.Workers(0)
	if c, ok := m.(interface{ config() Config }); ok {
		nw = parallel.Workers(c.config().Workers)
	}
	nw = min(nw, max(nb, 1))
	type scratch struct {
		sc    userScorer
		buf   *dense.Matrix
		cands [][]int32
		us    []int
		mask  []bool
		ranks []int
	}
	work := make([]*scratch, nw)
	for w := range work {
		work[w] = &scratch{sc: newScorer(m), buf: dense.New(userBlock, cols), cands: make([][]int32, userBlock), mask: make([]bool, s.NumItems)}
	}
	var (
		errMu sync.Mutex
		cerr  error
	)
	parallel.For(nw, nb, func(w, b int) {
		if err := ctx.Err(); err != nil {
			errMu.Lock()
			cerr = err
			errMu.Unlock()
			return
		}
		sw := work[w]
		lo, hi := b*userBlock, min((b+1)*userBlock, len(users))
		sw.us = append(sw.us[:0], users[lo:hi]...)
		var items [][]int32
		if negs != nil {
			for k, u := range sw.us {
				sw.cands[k] = append(append(sw.cands[k][:0], pos[u]...), negs[u]...)
			}
			items = sw.cands[:len(sw.us)]
		}
		buf := &dense.Matrix{Rows: len(sw.us), Cols: cols, Data: sw.buf.Data[:len(sw.us)*cols]}
		sw.sc.scores(buf, sw.us, items)
		for k, u := range sw.us {
			row := buf.Row(k)
			var ranks []int
			if negs != nil {
				row = row[:len(items[k])]
				ranks = rankPositives(sw.ranks[:0], row, len(pos[u]), nil, nil)
			} else {
				for _, ex := range excl {
					for _, i := range ex[u] {
						sw.mask[i] = true
					}
				}
				ranks = rankPositives(sw.ranks[:0], row, 0, pos[u], sw.mask)
				for _, ex := range excl {
					for _, i := range ex[u] {
						sw.mask[i] = false
					}
				}
			}
			sw.ranks = ranks
			metrics(per[(lo+k)*3*nk:(lo+k+1)*3*nk], ranks, ks)
		}
	})
	if cerr != nil {
		return nil, cerr
	}
	out := make(map[string]float64, 3*nk)
	for j, k := range ks {
		var hr, nd, rc float64
		for x := range users { // fixed order
			r := per[x*3*nk:]
			hr += r[j]
			nd += r[nk+j]
			rc += r[2*nk+j]
		}
		n := float64(len(users))
		ksx := strconv.Itoa(k)
		out["hr@"+ksx], out["ndcg@"+ksx], out["recall@"+ksx] = hr/n, nd/n, rc/n
	}
	return out, nil
}

// rankPositives appends the rank of each positive to dst. Sampled: the
// positives are scores[0:np] and every entry of scores is a candidate.
// Full: the positives are the items posItems, and candidates are the items
// not excluded (excluded[i] true); a positive is always a candidate.
func rankPositives(dst []int, scores []float32, np int, posItems []int32, excluded []bool) []int {
	rank := func(p float32) int {
		if p != p { // NaN
			return len(scores)
		}
		r := 0
		if excluded == nil {
			for _, v := range scores {
				if v > p {
					r++
				}
			}
			return r
		}
		for i, v := range scores {
			if v > p && !excluded[i] {
				r++
			}
		}
		return r
	}
	if posItems == nil {
		for k := 0; k < np; k++ {
			dst = append(dst, rank(scores[k]))
		}
		return dst
	}
	for _, i := range posItems {
		dst = append(dst, rank(scores[i]))
	}
	return dst
}

// metrics writes hr@K, ndcg@K, recall@K (blocks of len(ks)) for one user.
func metrics(dst []float64, ranks []int, ks []int) {
	nk := len(ks)
	for j, k := range ks {
		hits, dcg, idcg := 0, 0.0, 0.0
		for _, r := range ranks {
			if r < k {
				hits++
				dcg += 1 / math.Log2(float64(r)+2)
			}
		}
		for r := 0; r < min(k, len(ranks)); r++ {
			idcg += 1 / math.Log2(float64(r)+2)
		}
		if hits > 0 {
			dst[j] = 1
		} else {
			dst[j] = 0
		}
		dst[nk+j] = dcg / idcg
		dst[2*nk+j] = float64(hits) / float64(len(ranks))
	}
}
