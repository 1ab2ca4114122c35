package reports_test

import (
	"os"

	"github.com/potau/potau/reports"
	"github.com/potau/potau/results"
)

// Two seeds of U2U aggregate into one row (mean ± sample std over seeds);
// the rows of one seed show no spread, since the table's spreads are over
// seeds.
// D2D is the best method: within the HR@10 budget (0.02 below the original)
// and its worst-case AUC, max(0.47, 1 − 0.47) = 0.53, is below the
// original's 0.70. U2U loses too much HR@10; D2D-R's below-chance flag
// (a footnote on its MLP cells) excludes it.
func ExampleTable_Markdown() {
	rec := func(method string, seed uint64, auc, hr float64, flags ...string) results.Record {
		kind := results.KindPostTraining // as the pipeline records it
		if method == "original" {
			kind = results.KindNone
		}
		return results.Record{
			Schema: 1, Dataset: "ml-100k", Model: "neumf", Method: method, MethodKind: kind, Dim: 32, Seed: seed,
			Protocol:  results.Protocol{Split: "loo", Eval: "full"},
			Selection: "valid",
			Rec:       map[string]float64{"hr@10": hr},
			Attack:    map[string]results.AttackResult{"mlp": {"auc": {Mean: auc, Std: 0.02}}},
			Flags:     flags,
		}
	}
	recs := []results.Record{
		rec("original", 1, 0.70, 0.65),
		rec("U2U", 1, 0.58, 0.45),
		rec("U2U", 2, 0.56, 0.47),
		rec("D2D", 1, 0.47, 0.63),
		rec("D2D-R", 1, 0.42, 0.62, "below-chance:mlp"),
	}
	t := reports.BuildTable(recs, reports.Options{Columns: []string{"mlp.auc", "hr@10"}, Digits: 3})
	t.Caption = "Example."
	t.Markdown(os.Stdout)
	// Output:
	// **Table.** Example.
	//
	// | Dataset | Model | Method | Seeds | MLP AUC | HR@10 |
	// | --- | --- | --- | --- | ---: | ---: |
	// | ml-100k | neumf | Original | 1 | 0.700 | 0.650 |
	// | ml-100k | neumf | U2U | 2 | 0.570 ± 0.014 | 0.460 ± 0.014 |
	// | ml-100k | neumf | **D2D** | 1 | 0.470 | 0.630 |
	// | ml-100k | neumf | D2D-R | 1 | 0.420† | 0.620 |
	//
	// † below-chance (MLP): attack AUC well below 0.5 under cross-validation: the folds became anti-correlated, and an attacker that flips its output recovers the attribute; not success
}
