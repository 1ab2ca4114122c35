package unlearning

import (
	"context"
	"fmt"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/recmodels"
)

// Baseline trains a model from scratch on split with an in-training
// unlearning baseline: method "adv" (adversarial head) or "retrain" (MMD
// penalty), through recmodels.Train with the matching hook.
func Baseline(ctx context.Context, method Method, split *datasets.Split, labels []int32, recCfg recmodels.Config, ucfg Config, seed uint64, progress func(recmodels.EpochLog)) (recmodels.Model, *recmodels.TrainResult, error) {
	if err := ucfg.Validate(); err != nil {
		return nil, nil, err
	}
	if split == nil || len(labels) != split.NumUsers {
		return nil, nil, fmt.Errorf("unlearning: %d labels for a split of %d users", len(labels), splitUsers(split))
	}
	var hook recmodels.Hook
	switch method {
	case MethodAdv:
		h, err := NewAdvHook(labels, recCfg.Dim, ucfg, seed)
		if err != nil {
			return nil, nil, err
		}
		hook = h
	case MethodRetrain:
		h, err := NewMMDHook(labels, split, ucfg)
		if err != nil {
			return nil, nil, err
		}
		hook = h
	default:
		return nil, nil, fmt.Errorf("unlearning: %v is not an in-training baseline (want adv or retrain)", method)
	}
	return recmodels.Train(ctx, split, recCfg, seed, hook, progress)
}

func splitUsers(s *datasets.Split) int {
	if s == nil {
		return 0
	}
	return s.NumUsers
}
