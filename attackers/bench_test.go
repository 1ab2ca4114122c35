package attackers

import (
	"context"
	"testing"
)

// BenchmarkProtocol runs the full reference protocol (5 folds × 3 repeats,
// MLP and GBDT) on 3,418 × 64 balanced rows (ML-1M's 1,709 F users and as
// many M after down-sampling), Bayes AUC Φ(1.5/√2) = 0.86.
func BenchmarkProtocol(b *testing.B) {
	X, y := balancedGaussian(3418, 64, 1.5, 1)
	cfg := DefaultConfig()
	for i := 0; i < b.N; i++ {
		if _, err := Run(context.Background(), X, y, []string{"M", "F"}, cfg, 7); err != nil {
			b.Fatal(err)
		}
	}
}

func benchAttacker(b *testing.B, name string) {
	X, y := balancedGaussian(2734, 64, 1.5, 1)
	cfg := DefaultConfig()
	for i := 0; i < b.N; i++ {
		a, _ := New(name, cfg)
		if err := a.Fit(context.Background(), X, y, nil, 2, 1); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(a.Iterations()), "iters")
	}
}

// BenchmarkMLPFit fits one MLP on a training fold of the protocol's size.
func BenchmarkMLPFit(b *testing.B) { benchAttacker(b, "mlp") }

// BenchmarkGBDTFit fits one GBDT on a training fold of the protocol's size.
func BenchmarkGBDTFit(b *testing.B) { benchAttacker(b, "gbdt") }
