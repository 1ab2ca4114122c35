package attackers_test

import (
	"context"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/attackers"
)

// ExampleAudit audits an over-matched table: 200 users on a line with
// alternating labels, so each user's nearest neighbours belong to the other
// group. Plain 5-NN is far below chance — the paper's reading would be
// "unlearned" — while its nested variant learns the sign and reads the
// attribute back; the leakage reports the worst case.
func ExampleAudit() {
	n := 200
	X := mat.NewDense(n, 2, nil)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % 2
		X.Set(i, 0, float64(i))
		X.Set(i, 1, float64(i*i%7)) // a nuisance column
	}
	cfg := attackers.DefaultAuditConfig()
	cfg.Attackers, cfg.Permutations = []string{"knn"}, 10
	res, err := attackers.Audit(context.Background(), attackers.Table{Name: "line", Dense: X}, y, []string{"F", "M"},
		attackers.DefaultConfig(), cfg, 1)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, name := range res.Order {
		s := res.Attackers[name]
		fmt.Printf("%-10s AUC %.2f, above the null: %v\n", name, s.AUC.Mean, *s.ExceedsNull)
	}
	fmt.Printf("leakage %.2f by %s\n", res.Leakage.AUC, res.Leakage.Attacker)
	// Output:
	// knn        AUC 0.14, above the null: false
	// knn+nested AUC 0.86, above the null: true
	// leakage 0.86 by knn+nested
}
