package reports

import (
	"bytes"
	"strings"
	"testing"

	"github.com/potau/potau/results"
)

func auditRecords() []results.Record {
	yes, no := true, false
	n95 := 0.56
	mk := func(method, kind string, leak float64, who, rep string, knn float64) results.Record {
		return results.Record{
			Dataset: "ml-100k", Model: "neumf", Method: method, MethodKind: kind, Dim: 32, Seed: 1,
			Rec:    map[string]float64{"hr@10": 0.6, "ndcg@10": 0.3},
			Attack: map[string]results.AttackResult{"mlp": {"auc": {Mean: 0.41, Std: 0.02}}},
			Audit: map[string]map[string]results.AuditAttack{
				"gmf": {
					"knn":        {AUC: results.Summary{Mean: knn, Std: 0.01}, Null95: &n95, ExceedsNull: &yes},
					"knn+nested": {AUC: results.Summary{Mean: 0.5, Std: 0.03}, Null95: &n95, ExceedsNull: &no},
					"logreg":     {AUC: results.Summary{Mean: 0.52, Std: 0.04}},
				},
				"recommendations": {"logreg": {AUC: results.Summary{Mean: 0.61, Std: 0.05}}},
			},
			Leakage: &results.Leakage{AUC: leak, Attacker: who, Representation: rep},
		}
	}
	return []results.Record{
		mk("original", results.KindNone, 0.76, "knn", "gmf", 0.76),
		mk("D2D-R", results.KindPostTraining, 0.83, "knn+nested", "gmf", 0.6),
	}
}

// TestLeakageColumn: records with a leakage get a Leakage column after the
// attack columns, whose text names who reached it.
func TestLeakageColumn(t *testing.T) {
	recs := auditRecords()
	tab := BuildTable(recs, Options{Columns: []string{"mlp.auc", "hr@10"}})
	var keys []string
	for _, c := range tab.Columns {
		keys = append(keys, c.Key)
	}
	if strings.Join(keys, ",") != "mlp.auc,leakage,hr@10" {
		t.Fatalf("columns %v", keys)
	}
	var md bytes.Buffer
	if err := tab.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Leakage", "0.760 knn/gmf", "0.830 knn+nested/gmf"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	// A method whose leakage is not below the original's is never best.
	for _, r := range tab.Rows {
		if r.Best {
			t.Errorf("%s marked best with leakage %v (original 0.76)", r.Method, r.Worst)
		}
	}
}

// TestAuditMarkdown: one table per record, representation rows, plain
// then nested attackers, * where the AUC exceeds the null.
func TestAuditMarkdown(t *testing.T) {
	var b bytes.Buffer
	AuditMarkdown(&b, auditRecords(), 3)
	s := b.String()
	for _, want := range []string{
		"### ml-100k · neumf · D2D-R",
		"| representation | logreg | knn | knn+nested |",
		"| gmf | 0.520 ± 0.040 | 0.600 ± 0.010* | 0.500 ± 0.030 |",
		"| recommendations | 0.610 ± 0.050 | – | – |",
		"Leakage 0.830 (knn+nested on gmf). The paper's MLP (attack block): 0.410.",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("audit markdown lacks %q:\n%s", want, s)
		}
	}
}

// TestAlphaFigureLeakagePanel: an α sweep whose records carry a leakage
// gets a third panel, named in the caption; without leakage it does not.
func TestAlphaFigureLeakagePanel(t *testing.T) {
	for _, leak := range []bool{false, true} {
		recs := sweepRecords()
		if leak {
			for i := range recs {
				recs[i].Leakage = &results.Leakage{AUC: recs[i].Attack["gbdt"]["auc"].Mean + 0.05, Attacker: "knn+nested", Representation: "user"}
			}
		}
		runDir := t.TempDir()
		figs, err := Plots(runDir+"/report", recs, runDir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var caption string
		for _, f := range figs {
			if strings.HasPrefix(f.Name, "alpha") {
				caption = f.Caption
			}
		}
		if got := strings.Contains(caption, "the audit-leakage panel"); got != leak || !strings.Contains(caption, "(MLP, GBDT)") {
			t.Errorf("leakage %v: caption %q", leak, caption)
		}
	}
}
