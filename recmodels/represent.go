package recmodels

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// The representations of a user that a trained model exposes — what an
// attacker could be given. docs/method.md#representations states them.
const (
	// RepUser is MF's user table U.
	RepUser = "user"
	// RepGMF is NeuMF's GMF user table P, the table the paper unlearns.
	RepGMF = "gmf"
	// RepMLPTower is NeuMF's MLP-branch user table A (the input of the
	// tower; the paper's methods never change it).
	RepMLPTower = "mlp-tower"
	// RepConcat is NeuMF's [P_u, A_u], every user-side parameter.
	RepConcat = "concat"
	// RepEgo is LightGCN's layer-0 user table E_U, the unlearned table.
	RepEgo = "ego"
	// RepPropagated is LightGCN's layer mean F_U = 1/(L+1)·Σ_l (Â^l X⁰)_U,
	// the user table the model scores with.
	RepPropagated = "propagated"
	// RepRecommendations is each user's top-RecommendationsK items by score
	// among the items that are not the user's training positives, as a
	// sparse 0/1 row over the items (the black-box view of a user).
	RepRecommendations = "recommendations"
)

// RecommendationsK is the length of the recommendation list of
// RepRecommendations.
const RecommendationsK = 20

// Representations returns the representations a model kind exposes, the
// unlearned table first and RepRecommendations last.
func Representations(kind string) ([]string, error) {
	switch kind {
	case "mf":
		return []string{RepUser, RepRecommendations}, nil
	case "neumf":
		return []string{RepGMF, RepMLPTower, RepConcat, RepRecommendations}, nil
	case "lightgcn":
		return []string{RepEgo, RepPropagated, RepRecommendations}, nil
	}
	return nil, fmt.Errorf("recmodels: unknown model kind %q (want mf, neumf or lightgcn)", kind)
}

// UnlearnedRepresentation names the representation of a model kind that
// is its UserTable: the table unlearning changes and the paper attacks.
func UnlearnedRepresentation(kind string) string {
	switch kind {
	case "neumf":
		return RepGMF
	case "lightgcn":
		return RepEgo
	}
	return RepUser
}

// Rep is one representation of every user: exactly one of Dense (N×d) and
// Sparse (N×items, one 1 per recommended item, columns ascending) is set.
type Rep struct {
	Name   string
	Dense  *dense.Matrix
	Sparse *csr.Matrix
}

// Representation extracts the representation name of every user of m.
// train lists each user's training positives (ascending item indices); only
// RepRecommendations uses it, to exclude them. Dense representations share
// memory with the model: callers must not modify them. A name the model
// does not expose is an error naming the model's representations.
func Representation(ctx context.Context, m Model, name string, train [][]int32) (*Rep, error) {
	names, err := Representations(m.Kind())
	if err != nil {
		return nil, err
	}
	if !slices.Contains(names, name) {
		return nil, fmt.Errorf("recmodels: %s has no representation %q (it has: %s)", m.Kind(), name, strings.Join(names, ", "))
	}
	switch name {
	case RepUser, RepGMF, RepEgo:
		return &Rep{Name: name, Dense: m.UserTable()}, nil
	case RepPropagated:
		u, _ := m.Embeddings()
		return &Rep{Name: name, Dense: u}, nil
	case RepMLPTower, RepConcat:
		n, ok := m.(*NeuMF)
		if !ok {
			return nil, fmt.Errorf("recmodels: representation %q needs a NeuMF, got %T", name, m)
		}
		if name == RepMLPTower {
			return &Rep{Name: name, Dense: n.A.w}, nil
		}
		return &Rep{Name: name, Dense: ServedParams(n)}, nil
	}
	lists, err := TopItems(ctx, m, train, RecommendationsK, 0)
	if err != nil {
		return nil, err
	}
	sp := &csr.Matrix{Rows: m.NumUsers(), Cols: m.NumItems(), RowPtr: make([]int, m.NumUsers()+1)}
	for u, l := range lists {
		row := slices.Clone(l)
		slices.Sort(row)
		sp.ColIdx = append(sp.ColIdx, row...)
		sp.RowPtr[u+1] = len(sp.ColIdx)
	}
	sp.Val = make([]float32, len(sp.ColIdx))
	for p := range sp.Val {
		sp.Val[p] = 1
	}
	return &Rep{Name: name, Sparse: sp}, nil
}

// TopItems returns each user's k items with the largest scores
// (Model.ScoreAll) among the items that are not in train[u], best first.
// Tie rule: equal scores are ordered by item index (the smaller first); a
// NaN score ranks below every number. A user with fewer than k candidates
// gets all of them. Users are scored in fixed blocks on at most workers
// goroutines (0 = GOMAXPROCS), each list depending on its user alone, so
// the result does not depend on the number of workers; ScoreAll must be
// safe for concurrent use.
func TopItems(ctx context.Context, m Model, train [][]int32, k, workers int) ([][]int32, error) {
	nu, ni := m.NumUsers(), m.NumItems()
	if len(train) != nu {
		return nil, fmt.Errorf("recmodels: top lists need the training positives of %d users, got %d lists", nu, len(train))
	}
	if k < 1 {
		return nil, fmt.Errorf("recmodels: top lists of length %d, want >= 1", k)
	}
	lists := make([][]int32, nu)
	const blk = 64
	nb := (nu + blk - 1) / blk
	workers = min(parallel.Workers(workers), max(nb, 1))
	type scratch struct {
		scores []float32
		idx    []int32
	}
	sc := make([]scratch, workers)
	errs := make([]error, nb)
	parallel.For(workers, nb, func(w, b int) {
		if err := ctx.Err(); err != nil {
			errs[b] = err
			return
		}
		buf := &sc[w]
		if buf.scores == nil {
			buf.scores, buf.idx = make([]float32, ni), make([]int32, 0, ni)
		}
		for u := b * blk; u < min(nu, (b+1)*blk); u++ {
			m.ScoreAll(buf.scores, u)
			buf.idx = buf.idx[:0]
			pos := train[u]
			for i := 0; i < ni; i++ {
				if _, found := slices.BinarySearch(pos, int32(i)); !found {
					buf.idx = append(buf.idx, int32(i))
				}
			}
			lists[u] = topK(buf.idx, buf.scores, k)
		}
	})
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return lists, nil
}

// topK returns the k candidates with the largest scores, best first; equal
// scores are ordered by item index, NaN last (cmp.Compare). It reorders
// cand.
func topK(cand []int32, scores []float32, k int) []int32 {
	better := func(a, b int32) int {
		if c := cmp.Compare(scores[b], scores[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	}
	if len(cand) <= k {
		slices.SortFunc(cand, better)
		return slices.Clone(cand)
	}
	// Keep a sorted window of the best k seen so far (k is small).
	top := slices.Clone(cand[:k])
	slices.SortFunc(top, better)
	for _, c := range cand[k:] {
		if better(c, top[k-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(top, c, better)
		copy(top[i+1:], top[i:k-1])
		top[i] = c
	}
	return top
}
