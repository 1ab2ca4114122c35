package attackers

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkProtocol runs the full reference protocol (5 folds × 3 repeats,
// MLP and GBDT) on ML-100K's 546 balanced users × 32 dims (the cost target
// of the paper's attack) and on 3,418 × 64 balanced rows (ML-1M's 1,709 F
// users and as many M after down-sampling), Bayes AUC Φ(1.5/√2) = 0.86.
func BenchmarkProtocol(b *testing.B) {
	for _, sz := range []struct{ n, d int }{{546, 32}, {3418, 64}} {
		X, y := balancedGaussian(sz.n, sz.d, 1.5, 1)
		b.Run(fmt.Sprintf("%dx%d", sz.n, sz.d), func(b *testing.B) {
			cfg := DefaultConfig()
			for i := 0; i < b.N; i++ {
				if _, err := Run(context.Background(), X, y, []string{"M", "F"}, cfg, 7); err != nil {
					b.Fatal(err)
				}
			}
		})
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

// BenchmarkAudit runs the full leakage audit (every attacker plain and
// nested, 5 folds × 3 repeats, the 20-permutation null of logreg and knn)
// on the two table sizes of the cost target — ML-100K's 546 balanced users
// × 32 dims and ML-1M's 3,418 × 64 — and, per attacker, the audit of that
// attacker alone (plain + nested + its null when it has one), so the cost
// can be attributed. Bayes AUC Φ(1/√2) = 0.76.
func BenchmarkAudit(b *testing.B) {
	for _, sz := range []struct{ n, d int }{{546, 32}, {3418, 64}} {
		X, y := balancedGaussian(sz.n, sz.d, 1.0, 1)
		for _, only := range append([]string{"all"}, AuditAttackers...) {
			b.Run(fmt.Sprintf("%dx%d/%s", sz.n, sz.d, only), func(b *testing.B) {
				cfg := DefaultAuditConfig()
				if only != "all" {
					cfg.Attackers = []string{only}
				}
				for i := 0; i < b.N; i++ {
					res, err := Audit(context.Background(), Table{Name: "bench", Dense: X}, y, []string{"M", "F"}, DefaultConfig(), cfg, 7)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(res.Leakage.AUC, "leakage")
				}
			})
		}
	}
}
