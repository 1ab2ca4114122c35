package recmodels

import (
	"github.com/potau/potau/internal/cfgerr"
)

// Config is the `model:` and `train:` parts of an experiment config: which
// recommender to build and how to train it. Zero values of optional fields
// mean the reference defaults (see DefaultConfig).
type Config struct {
	// Kind is the recommender: "mf", "neumf" or "lightgcn".
	Kind string `yaml:"kind"`
	// Dim is the embedding dimension of MF and LightGCN (reference 64) and
	// the GMF dimension of NeuMF (reference 32).
	Dim int `yaml:"dim"`
	// MLPDim is NeuMF's MLP embedding dimension (reference 128); the tower
	// halves it layer by layer from 2·MLPDim down to MLPDim/2^(Layers-1).
	MLPDim int `yaml:"mlp_dim"`
	// Layers is the number of LightGCN propagation layers (3) or NeuMF MLP
	// layers (3); unused by MF.
	Layers int `yaml:"layers"`
	// InitStd is the standard deviation of the normal embedding
	// initialisation; 0 means the model's reference default (NeuMF 0.01,
	// LightGCN 0.1, MF 0.1).
	InitStd float64 `yaml:"init_std"`
	// Loss is "bce" (pointwise BCE with logits, the reference) or "bpr".
	Loss string `yaml:"loss"`
	// Negatives is the number of uniformly drawn negatives per training
	// positive, resampled every epoch (4); with BPR, the number of
	// (positive, negative) pairs per positive.
	Negatives int `yaml:"negatives"`
	// Epochs is the number of training epochs (25).
	Epochs int `yaml:"epochs"`
	// BatchSize is the mini-batch size in examples (256).
	BatchSize int `yaml:"batch_size"`
	// LR is Adam's learning rate (1e-3).
	LR float64 `yaml:"lr"`
	// WeightDecay is Adam's L2 coefficient, added to every gradient as
	// torch.optim.Adam does (0).
	WeightDecay float64 `yaml:"weight_decay"`
	// Selection chooses the kept epoch: "valid" (best HR@10 on the
	// validation hold-out), "test" (best HR@10 on test, the reference
	// protocol — a leak), "last", or "" for valid when the split has a
	// validation hold-out and test otherwise.
	Selection string `yaml:"selection"`
	// Workers bounds the goroutines used (0 = GOMAXPROCS). Work is split
	// into a fixed number of partitions, so results do not depend on it.
	Workers int `yaml:"workers"`
}

// DefaultConfig returns the reference configuration of a recommender kind
// ("mf", "neumf", "lightgcn"); an unknown kind gets MF's numbers with its
// Kind kept, so that Validate reports it.
func DefaultConfig(kind string) Config {
	c := Config{
		Kind: kind, Dim: 64, Layers: 0, Loss: "bce", Negatives: 4,
		Epochs: 25, BatchSize: 256, LR: 1e-3,
	}
	switch kind {
	case "neumf":
		c.Dim, c.MLPDim, c.Layers = 32, 128, 3
	case "lightgcn":
		c.Layers = 3
	}
	return c
}

// initStd returns the configured or default embedding init std.
func (c Config) initStd() float64 {
	if c.InitStd > 0 {
		return c.InitStd
	}
	if c.Kind == "neumf" {
		return 0.01
	}
	return 0.1
}

// Validate checks c; errors are *cfgerr.FieldError with paths relative to
// the block ("dim", "loss").
func (c Config) Validate() error {
	switch c.Kind {
	case "mf", "neumf", "lightgcn":
	default:
		return cfgerr.New("kind", "must be one of mf, neumf, lightgcn, got %q", c.Kind)
	}
	if c.Dim < 1 || c.Dim > 4096 {
		return cfgerr.New("dim", "must be in [1, 4096], got %d", c.Dim)
	}
	switch c.Kind {
	case "neumf":
		if c.Layers < 1 || c.Layers > 8 {
			return cfgerr.New("layers", "NeuMF needs 1..8 MLP layers, got %d", c.Layers)
		}
		if c.MLPDim < 1 || c.MLPDim%(1<<(c.Layers-1)) != 0 {
			return cfgerr.New("mlp_dim", "must be a positive multiple of 2^(layers-1) = %d, got %d", 1<<(c.Layers-1), c.MLPDim)
		}
	case "lightgcn":
		if c.Layers < 0 || c.Layers > 16 {
			return cfgerr.New("layers", "LightGCN needs 0..16 layers, got %d", c.Layers)
		}
	}
	if c.InitStd < 0 {
		return cfgerr.New("init_std", "must be >= 0 (0 = model default), got %g", c.InitStd)
	}
	switch c.Loss {
	case "bce", "bpr":
	default:
		return cfgerr.New("loss", "must be bce or bpr, got %q", c.Loss)
	}
	if c.Negatives < 1 || c.Negatives > 1000 {
		return cfgerr.New("negatives", "must be in [1, 1000], got %d", c.Negatives)
	}
	if c.Epochs < 1 {
		return cfgerr.New("epochs", "must be >= 1, got %d", c.Epochs)
	}
	if c.BatchSize < 1 {
		return cfgerr.New("batch_size", "must be >= 1, got %d", c.BatchSize)
	}
	if !(c.LR > 0) {
		return cfgerr.New("lr", "must be > 0, got %g", c.LR)
	}
	if c.WeightDecay < 0 {
		return cfgerr.New("weight_decay", "must be >= 0, got %g", c.WeightDecay)
	}
	switch c.Selection {
	case "", "valid", "test", "last":
	default:
		return cfgerr.New("selection", "must be valid, test, last or empty (auto), got %q", c.Selection)
	}
	if c.Workers < 0 {
		return cfgerr.New("workers", "must be >= 0 (0 = GOMAXPROCS), got %d", c.Workers)
	}
	return nil
}
