// Package recmodels owns the recommenders (MF, NeuMF, LightGCN): their
// parameters, training (BCE with sampled negatives or BPR, Adam), evaluation
// (sampled and full ranking; HR, NDCG, Recall), checkpoints and exports.
//
// Unlearning changes only one user table of a trained model (MF: the user
// table; NeuMF: the GMF user table; LightGCN: the ego, layer-0 user table).
// A Model exposes that table and can be re-bound to a new one without
// copying the rest of its parameters.
//
// The models, training, model selection and metrics are stated in
// docs/method.md#recommenders and docs/method.md#metrics.
package recmodels

import (
	"context"

	"github.com/potau/potau/internal/dense"
)

// Model is a trained recommender.
type Model interface {
	// Kind is "mf", "neumf" or "lightgcn".
	Kind() string
	NumUsers() int
	NumItems() int

	// UserTable returns the table that unlearning optimises and attackers
	// attack (N×d). Callers must not modify it.
	UserTable() *dense.Matrix
	// WithUserTable returns a model that shares every parameter with the
	// receiver except the unlearnable user table, which is u (not copied).
	WithUserTable(u *dense.Matrix) Model

	// Score writes the raw score (logit) of user u for each item into dst.
	Score(dst []float32, u int, items []int32)
	// ScoreAll writes the scores of user u for every item into dst
	// (len(dst) == NumItems()).
	ScoreAll(dst []float32, u int)

	// ScorePairs scores the pairs (users[k], items[k]) as a function of the
	// unlearnable user table U (which may differ from UserTable()), writing
	// dst[k]. The returned backward function takes dL/ds (len(users)) and
	// accumulates dL/dU into dU (same shape as U). For LightGCN the gradient
	// flows through the graph propagation; for NeuMF through the network.
	ScorePairs(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (backward func(dS []float32, dU *dense.Matrix) error, err error)

	// Embeddings returns the user and item embeddings a user would export:
	// for LightGCN the propagated (final) tables, for NeuMF the GMF tables.
	Embeddings() (users, items *dense.Matrix)
}

// BatchInfo describes one training mini-batch for a Hook.
type BatchInfo struct {
	Epoch, Index int     // 0-based epoch and batch index within the epoch
	Step         int     // 0-based global batch counter
	Users        []int32 // the user of every row of the batch (with repeats)
}

// Hook adds a term to the training loss of each mini-batch. It is how the
// in-training unlearning baselines (adversarial head, MMD penalty) reuse the
// recommenders' training loop.
type Hook interface {
	// Batch is called once per mini-batch after the recommendation loss's
	// gradients are computed and before the optimiser step. U is the current
	// unlearnable user table; the hook adds dTerm/dU into gradU and returns the
	// term's value. It may update its own parameters.
	Batch(ctx context.Context, b BatchInfo, U, gradU *dense.Matrix) (float64, error)
	// Name labels the term in training logs.
	Name() string
}
