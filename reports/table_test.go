package reports

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/potau/potau/results"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/<name>.golden. On a mismatch it writes
// testdata/<name>.got beside it and fails; with -update it rewrites the
// golden file instead.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	gotPath := filepath.Join("testdata", name+".got")
	if !bytes.Equal(got, want) {
		if err := os.WriteFile(gotPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Fatalf("%s differs from %s; diff them, and run go test -update if the change is intended", gotPath, path)
	}
	os.Remove(gotPath)
}

func testRecords(t *testing.T) []results.Record {
	t.Helper()
	recs, err := results.ReadJSONL(filepath.Join("testdata", "records.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestTableGolden(t *testing.T) {
	tab := BuildTable(testRecords(t), Options{})
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"table.md", func(b *bytes.Buffer) error { return tab.Markdown(b) }},
		{"table.tex", func(b *bytes.Buffer) error { return tab.LaTeX(b) }},
		{"table.csv", func(b *bytes.Buffer) error { return tab.CSV(b) }},
		{"table.html", func(b *bytes.Buffer) error { return tab.HTMLTable(b) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.Bytes())
		})
	}
}

// TestTableGoldenColumns renders a table with other columns: precision (no
// best), a cost, best epoch and the collapse ratio.
func TestTableGoldenColumns(t *testing.T) {
	tab := BuildTable(testRecords(t), Options{Columns: []string{"mlp.f1", "time_s.unlearn", "peak_rss_mb", "collapse", "recall@20"}, Digits: 2})
	var b bytes.Buffer
	if err := tab.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "table_columns.md", b.Bytes())
}

// TestAggregate checks the cells against values computed by hand from
// testdata/records.jsonl. The inputs are decimals with ≤ 3 digits, so the
// float64 results agree with the exact decimal arithmetic to ~1e-15; 1e-12
// leaves room for the summation order and nothing else.
func TestAggregate(t *testing.T) {
	tab := BuildTable(testRecords(t), Options{})
	find := func(model, method string) *Row {
		for i := range tab.Rows {
			if tab.Rows[i].Model == model && tab.Rows[i].Method == method {
				return &tab.Rows[i]
			}
		}
		t.Fatalf("no row %s/%s", model, method)
		return nil
	}
	col := map[string]int{}
	for j, c := range tab.Columns {
		col[c.Key] = j
	}
	const tol = 1e-12
	for _, tc := range []struct {
		model, method, key string
		mean, std          float64
		hasStd, best       bool
	}{
		// Two seeds: mean and sample std (n−1) over the seeds' means.
		{"neumf", "original", "hr@10", 0.655, math.Sqrt(2 * 0.005 * 0.005), true, false},
		{"neumf", "original", "mlp.auc", 0.705, math.Sqrt(2 * 0.005 * 0.005), true, false},
		{"neumf", "U2U", "gbdt.auc", 0.9925, math.Sqrt(2 * 0.0025 * 0.0025), true, false},
		{"neumf", "D2D-R", "mlp.auc", 0.5, math.Sqrt(2 * 0.005 * 0.005), true, true},
		{"neumf", "D2D-R", "hr@10", 0.65, math.Sqrt(2 * 0.005 * 0.005), true, true},
		// One seed in a table over seeds: no spread (the attack's spread
		// over folds would be another quantity in the same column).
		{"neumf", "adv", "mlp.auc", 0.56, 0, false, false},
		{"neumf", "adv", "hr@10", 0.61, 0, false, false},
		// Best method (row): within 0.02 HR@10 of the original, no
		// below-chance flag, lowest worst-case AUC. neumf: adv, retrain,
		// U2U, U2U-R lose more than 0.02; D2D is flagged; D2D-R (worst
		// 0.515) is best. lightgcn: D2D (worst 0.53, drop 0.01).
		{"neumf", "D2D", "gbdt.auc", 0.48, 0, false, false},
		{"neumf", "D2D-R", "gbdt.auc", 0.515, math.Sqrt(2 * 0.005 * 0.005), true, true},
		{"lightgcn", "D2D", "mlp.auc", 0.51, 0, false, true},
		{"lightgcn", "D2D", "hr@10", 0.67, 0, false, true},
		{"lightgcn", "original", "hr@10", 0.68, 0, false, false}, // the original is never ranked
	} {
		r := find(tc.model, tc.method)
		c := r.Cells[col[tc.key]]
		if !c.OK || math.Abs(c.Mean-tc.mean) > tol || math.Abs(c.Std-tc.std) > tol || c.HasStd != tc.hasStd || r.Best != tc.best {
			t.Errorf("%s/%s %s = %+v (row best %v), want mean %v std %v hasStd %v best %v", tc.model, tc.method, tc.key, c, r.Best, tc.mean, tc.std, tc.hasStd, tc.best)
		}
	}
	// References: beside ours, from the records.
	if c := find("neumf", "D2D-R").Cells[col["mlp.auc"]]; !c.HasRef || c.Ref != 0.5012 {
		t.Errorf("D2D-R mlp.auc reference = %+v, want 0.5012", c)
	}
	// The below-chance flag names the MLP: it marks the MLP cells only.
	d2d := find("neumf", "D2D")
	if len(d2d.Cells[col["mlp.auc"]].Marks) != 1 || len(d2d.Cells[col["gbdt.auc"]].Marks) != 0 || len(d2d.Marks) != 0 {
		t.Errorf("D2D marks: row %v, mlp.auc %v, gbdt.auc %v; want only the MLP cells marked", d2d.Marks, d2d.Cells[col["mlp.auc"]].Marks, d2d.Cells[col["gbdt.auc"]].Marks)
	}
	// An unknown flag marks the row label.
	if u := find("lightgcn", "U2U"); len(u.Marks) != 1 {
		t.Errorf("lightgcn U2U row marks = %v, want one", u.Marks)
	}
	// Row order: dataset, model as first seen; methods in the paper's order.
	var got []string
	for _, r := range tab.Rows {
		got = append(got, r.Model+"/"+r.Method)
	}
	want := "neumf/original neumf/adv neumf/retrain neumf/U2U neumf/U2U-R neumf/D2D neumf/D2D-R lightgcn/original lightgcn/U2U lightgcn/D2D"
	if strings.Join(got, " ") != want {
		t.Errorf("row order\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if !strings.Contains(tab.Caption, "99 sampled negatives") || !strings.Contains(tab.Caption, "test HR@10") {
		t.Errorf("caption lacks the protocol: %s", tab.Caption)
	}
}

// bestRecord is a record of one block "d"/model with MLP and GBDT AUCs and
// an HR@10.
func bestRecord(model, method string, mlp, gbdt, hr float64, flags ...string) results.Record {
	return results.Record{Schema: 1, Dataset: "d", Model: model, Method: method, MethodKind: kindOf(method), Dim: 8, Flags: flags,
		Rec: map[string]float64{"hr@10": hr},
		Attack: map[string]results.AttackResult{
			"mlp": {"auc": {Mean: mlp}}, "gbdt": {"auc": {Mean: gbdt}},
		}}
}

// bestOf returns the methods marked best, in row order.
func bestOf(tab *Table) []string {
	var out []string
	for _, r := range tab.Rows {
		if r.Best {
			out = append(out, r.Model+"/"+r.Method)
		}
	}
	return out
}

// TestBestMethod checks the best-method rule case by case. Each case is a
// block with an original (MLP 0.70, GBDT 0.72, HR@10 0.60) and competitors;
// the expected winners follow from the rule by hand.
func TestBestMethod(t *testing.T) {
	orig := bestRecord("m", "original", 0.70, 0.72, 0.60)
	for _, tc := range []struct {
		name   string
		recs   []results.Record
		budget float64
		want   string
	}{
		{"one attacker fooled, the other not: never best",
			[]results.Record{orig, bestRecord("m", "U2U", 0.50, 0.99, 0.60), bestRecord("m", "D2D", 0.65, 0.66, 0.60)}, 0, "m/D2D"},
		{"alone at 0.50 and 0.99: still not best (worse than the original)",
			[]results.Record{orig, bestRecord("m", "U2U", 0.50, 0.99, 0.60)}, 0, ""},
		{"worst case not below the original's: not best",
			[]results.Record{orig, bestRecord("m", "U2U", 0.72, 0.50, 0.60)}, 0, ""},
		{"HR@10 drop over the budget: not best",
			[]results.Record{orig, bestRecord("m", "U2U", 0.50, 0.51, 0.57), bestRecord("m", "D2D", 0.60, 0.61, 0.59)}, 0, "m/D2D"},
		{"a larger budget admits it",
			[]results.Record{orig, bestRecord("m", "U2U", 0.50, 0.51, 0.57), bestRecord("m", "D2D", 0.60, 0.61, 0.59)}, 0.05, "m/U2U"},
		{"a drop of exactly the budget is within it",
			[]results.Record{orig, bestRecord("m", "U2U", 0.50, 0.51, 0.58)}, 0, "m/U2U"},
		{"below-chance flag: never best",
			[]results.Record{orig, bestRecord("m", "U2U", 0.40, 0.51, 0.60, "below-chance:mlp"), bestRecord("m", "D2D", 0.55, 0.56, 0.60)}, 0, "m/D2D"},
		{"an AUC under 0.5 folds about chance: 0.45 leaks like 0.55",
			[]results.Record{orig, bestRecord("m", "U2U", 0.45, 0.50, 0.60), bestRecord("m", "D2D", 0.53, 0.52, 0.60)}, 0, "m/D2D"},
		{"ties at the digits shown are all best",
			[]results.Record{orig, bestRecord("m", "U2U", 0.5501, 0.52, 0.60), bestRecord("m", "D2D", 0.5499, 0.5, 0.60)}, 0, "m/U2U m/D2D"},
		{"no original: nothing can be checked, nothing is best",
			[]results.Record{bestRecord("m", "U2U", 0.50, 0.51, 0.60)}, 0, ""},
		{"blocks are separate",
			[]results.Record{orig, bestRecord("m", "U2U", 0.55, 0.56, 0.60),
				bestRecord("n", "original", 0.60, 0.60, 0.30), bestRecord("n", "U2U", 0.58, 0.50, 0.30), bestRecord("n", "D2D", 0.59, 0.59, 0.30)}, 0, "m/U2U n/U2U"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := BuildTable(tc.recs, Options{Columns: []string{"mlp.auc", "gbdt.auc", "hr@10"}, MaxHRDrop: tc.budget})
			if got := strings.Join(bestOf(tab), " "); got != tc.want {
				t.Errorf("best = %q, want %q", got, tc.want)
			}
			for _, r := range tab.Rows {
				for j, c := range r.Cells {
					if c.Best {
						t.Errorf("%s: column %s marked; only costs mark cells", r.Method, tab.Columns[j].Key)
					}
				}
			}
		})
	}
}

// TestBestUsesLeakage: an audit's leakage replaces the attackers' AUCs.
func TestBestUsesLeakage(t *testing.T) {
	u := bestRecord("m", "U2U", 0.50, 0.51, 0.60)
	u.Leakage = &results.Leakage{AUC: 0.80, Attacker: "mlp", Representation: "users+items"}
	d := bestRecord("m", "D2D", 0.60, 0.61, 0.60)
	tab := BuildTable([]results.Record{bestRecord("m", "original", 0.70, 0.72, 0.60), u, d}, Options{Columns: []string{"mlp.auc"}})
	if got := strings.Join(bestOf(tab), " "); got != "m/D2D" {
		t.Errorf("best = %q, want m/D2D (U2U's leakage 0.80 exceeds the original's 0.72)", got)
	}
	if w := tab.Rows[1].Worst; w != 0.80 {
		t.Errorf("U2U worst = %v, want the leakage 0.80", w)
	}
}

// TestCostLowestUnique: in a cost column only a lowest value that no other
// row shares (at the digits shown) is marked.
func TestCostLowestUnique(t *testing.T) {
	mk := func(model, method string, train, unlearn float64) results.Record {
		return results.Record{Schema: 1, Dataset: "d", Model: model, Method: method, MethodKind: kindOf(method),
			TimeS: map[string]float64{"train": train, "unlearn": unlearn}}
	}
	recs := []results.Record{
		mk("a", "original", 10, 0), mk("a", "U2U", 10, 0.001), mk("a", "D2D", 10, 2.5), mk("a", "adv", 30, 0.002),
		mk("b", "original", 10, 0), mk("b", "U2U", 12, 3), mk("b", "D2D", 11, 4),
	}
	tab := BuildTable(recs, Options{Columns: []string{"time_s.train", "time_s.unlearn"}})
	var got []string
	for _, r := range tab.Rows {
		for j, c := range r.Cells {
			if c.Best {
				got = append(got, r.Model+"/"+r.Method+"/"+tab.Columns[j].Key)
			}
		}
	}
	// a: train 10 is shared by U2U and D2D; unlearn 0.00 (2 decimals) is
	// shared by U2U and adv. b: the lowest of each column is unique.
	if want := "b/U2U/time_s.unlearn b/D2D/time_s.train"; strings.Join(got, " ") != want {
		t.Errorf("marked %q, want %q", strings.Join(got, " "), want)
	}
}

// TestSpreadNeverMixed: a table of one seed per row shows the attack's
// spread over folds × repeats and says so; a table over seeds shows only
// spreads over seeds and says so.
func TestSpreadNeverMixed(t *testing.T) {
	one := BuildTable([]results.Record{bestRecord("m", "original", 0.7, 0.7, 0.6)}, Options{Columns: []string{"mlp.auc"}})
	if !strings.Contains(one.Caption, "over the attack's folds × repeats within the seed") || strings.Contains(one.Caption, "over seeds") {
		t.Errorf("one-seed caption: %s", one.Caption)
	}
	tab := BuildTable(testRecords(t), Options{})
	if !strings.Contains(tab.Caption, "mean ± std over seeds") || strings.Contains(tab.Caption, "folds × repeats") {
		t.Errorf("multi-seed caption: %s", tab.Caption)
	}
	for _, r := range tab.Rows {
		for j, c := range r.Cells {
			if c.HasStd && len(r.Seeds) < 2 {
				t.Errorf("%s/%s %s: a one-seed row shows a spread in a table over seeds", r.Model, r.Method, tab.Columns[j].Key)
			}
		}
	}
}

// TestVaryingKeys: an α sweep adds an α column, several protocols a
// protocol column; missing metrics render as a dash.
func TestVaryingKeys(t *testing.T) {
	var recs []results.Record
	for _, a := range []float64{1e-6, 1e-4} {
		recs = append(recs, results.Record{Schema: 1, Dataset: "d", Model: "mf", Method: "U2U-R", MethodKind: kindOf("U2U-R"), Reg: "l2", Alpha: a, Dim: 8, Selection: "valid",
			Rec: map[string]float64{"hr@10": 0.5}})
	}
	recs = append(recs, results.Record{Schema: 1, Dataset: "d", Model: "mf", Method: "original", MethodKind: kindOf("original"), Dim: 8, Selection: "test",
		Rec: map[string]float64{"hr@10": 0.6}})
	tab := BuildTable(recs, Options{Columns: []string{"hr@10", "mlp.auc"}})
	if got := strings.Join(tab.Keys, ","); got != "Dataset,Model,Method,α,protocol" {
		t.Errorf("keys = %s, want Dataset,Model,Method,α,protocol", got)
	}
	var b bytes.Buffer
	if err := tab.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"| 1e-06 |", "| 0.0001 |", "| – |", "Protocols (column protocol)"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("Markdown lacks %q:\n%s", s, b.String())
		}
	}
}

func TestFormatNumbers(t *testing.T) {
	for _, tc := range []struct {
		x       float64
		d       int
		f, diff string
	}{
		{0.5, 4, "0.5000", "+0.5000"},
		{-0.00001, 3, "0.000", "+0.000"},
		{-0.0123, 3, "-0.012", "-0.012"},
		{1e-6, 2, "0.00", "+0.00"},
	} {
		if got := fmtF(tc.x, tc.d); got != tc.f {
			t.Errorf("fmtF(%v, %d) = %q, want %q", tc.x, tc.d, got, tc.f)
		}
		if got := fmtDiff(tc.x, tc.d); got != tc.diff {
			t.Errorf("fmtDiff(%v, %d) = %q, want %q", tc.x, tc.d, got, tc.diff)
		}
	}
}

// TestEmptyAndNonFinite: no records render an empty table and no figures;
// a NaN (possible in memory, never in JSON) shows as NaN, is never best
// and is left out of the figures.
func TestEmptyAndNonFinite(t *testing.T) {
	dir := t.TempDir()
	if _, err := Write(dir, nil, Options{}); err != nil {
		t.Fatalf("Write(no records): %v", err)
	}
	recs := sweepRecords()
	recs[2].Attack["mlp"]["auc"] = results.Summary{Mean: math.NaN()}
	recs[3].Rec["ndcg@10"] = math.Inf(1)
	tab := BuildTable(recs, Options{})
	for _, r := range tab.Rows {
		for j, c := range r.Cells {
			if c.Best && (math.IsNaN(c.Mean) || math.IsInf(c.Mean, 0)) {
				t.Errorf("%s %s: non-finite value marked best", r.Method, tab.Columns[j].Key)
			}
		}
	}
	var b bytes.Buffer
	for _, w := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return tab.Markdown(b) },
		func(b *bytes.Buffer) error { return tab.LaTeX(b) },
		func(b *bytes.Buffer) error { return tab.CSV(b) },
	} {
		if err := w(&b); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(b.String(), "NaN") {
		t.Error("the NaN is not shown")
	}
	figs, err := Plots(dir, recs, dir, Options{Formats: []string{"svg"}})
	if err != nil || len(figs) != 1 {
		t.Fatalf("Plots = %v, %v; want the α figure and no error", figNames(figs), err)
	}
}

// TestDuplicateCells: a result that several grid cells report (same cell id
// and method) counts once; other seeds still aggregate.
func TestDuplicateCells(t *testing.T) {
	mk := func(cell string, seed uint64, hr float64, sweep float64) results.Record {
		return results.Record{Schema: 1, Cell: cell, Dataset: "d", Model: "mf", Method: "U2U", MethodKind: kindOf("U2U"), Dim: 8, Seed: seed,
			Rec: map[string]float64{"hr@10": hr}, Sweep: map[string]any{"unlearn.alpha": sweep}}
	}
	recs := []results.Record{mk("c1", 1, 0.5, 1e-6), mk("c1", 1, 0.5, 1e-4), mk("c2", 2, 0.7, 1e-6)}
	tab := BuildTable(recs, Options{Columns: []string{"hr@10"}})
	if len(tab.Rows) != 1 || len(tab.Rows[0].Seeds) != 2 || math.Abs(tab.Rows[0].Cells[0].Mean-0.6) > 1e-15 {
		t.Fatalf("rows %+v, want one row of seeds 1 and 2 with mean 0.6", tab.Rows)
	}
	if !strings.Contains(tab.Caption, "over 2 records") {
		t.Errorf("caption %q, want 2 records", tab.Caption)
	}
}

// TestLaTeXBalanced is a structural check that runs without TeX (the
// compile test, TestLaTeXCompiles, needs pdflatex): unescaped braces
// balance and math shifts pair up on every row line, and every tabular row
// has as many cells as the column spec (an S column and its spread column
// per metric).
func TestLaTeXBalanced(t *testing.T) {
	var b bytes.Buffer
	if err := BuildTable(testRecords(t), Options{LaTeXWidth: "page"}).LaTeX(&b); err != nil {
		t.Fatal(err)
	}
	reSpec := regexp.MustCompile(`S\[[^\]]*\]|@\{[^}]*\}|[lcr]`)
	ncols, checked, depthAll := 0, 0, 0
	for i, line := range strings.Split(b.String(), "\n") {
		depth, dollars := 0, 0
		for k := 0; k < len(line); k++ {
			switch line[k] {
			case '\\':
				k++ // skip the escaped character
			case '{':
				depth++
			case '}':
				depth--
			case '$':
				dollars++
			}
		}
		depthAll += depth
		if depthAll < 0 {
			t.Fatalf("line %d: unbalanced }: %s", i+1, line)
		}
		if dollars%2 != 0 {
			t.Errorf("line %d: %d math shifts: %s", i+1, dollars, line)
		}
		if spec, ok := strings.CutPrefix(line, `\begin{tabular}{`); ok {
			ncols = 0
			for _, tok := range reSpec.FindAllString(strings.TrimSuffix(spec, "}"), -1) {
				if !strings.HasPrefix(tok, "@") {
					ncols++
				}
			}
		}
		if strings.HasSuffix(line, `\\`) && ncols > 0 && !strings.HasPrefix(line, "$^") {
			if depth != 0 {
				t.Errorf("line %d: braces %+d: %s", i+1, depth, line)
			}
			// Count & separators outside escapes; \multicolumn{k} spans k.
			cells := 1 + strings.Count(line, " & ")
			for _, m := range regexp.MustCompile(`\\multicolumn\{(\d+)\}`).FindAllStringSubmatch(line, -1) {
				var k int
				fmt.Sscan(m[1], &k)
				cells += k - 1
			}
			if cells != ncols {
				t.Errorf("line %d: %d cells, want %d: %s", i+1, cells, ncols, line)
			}
			checked++
		}
	}
	if depthAll != 0 {
		t.Errorf("braces %+d over the document", depthAll)
	}
	// Keys Method, Seeds + 6 metrics × 2; 2 header rows, 2 block rows, 10
	// data rows, 2 reference rows.
	if ncols != 14 || checked != 16 {
		t.Fatalf("%d columns, %d rows checked; want 14 and 16", ncols, checked)
	}
}

// TestHiddenReference: a reference for a metric no column shows is named
// in the caption rather than dropped silently.
func TestHiddenReference(t *testing.T) {
	recs := []results.Record{{Schema: 1, Dataset: "d", Model: "m", Method: "U2U", MethodKind: kindOf("U2U"),
		Rec: map[string]float64{"hr@10": 0.5}, Reference: map[string]float64{"hr@10": 0.52, "recall@20": 0.3}}}
	tab := BuildTable(recs, Options{Columns: []string{"hr@10"}})
	if !strings.Contains(tab.Caption, "reference values for recall@20, which no column shows") {
		t.Errorf("caption %q", tab.Caption)
	}
	if c := tab.Rows[0].Cells[0]; !c.HasRef || c.Ref != 0.52 {
		t.Errorf("hr@10 cell %+v, want reference 0.52", c)
	}
}

// kindOf is the method_kind the pipeline records for a method name (the
// test records are written by hand).
func kindOf(method string) string {
	switch method {
	case "original":
		return results.KindNone
	case "adv", "retrain":
		return results.KindInTraining
	}
	return results.KindPostTraining
}

// TestMergedRunsCountASeedOnce: the same row and seed from two run folders
// is one result, not two seeds.
func TestMergedRunsCountASeedOnce(t *testing.T) {
	a := bestRecord("m", "U2U", 0.5, 0.5, 0.6)
	a.Cell, a.Seed = "run1-cell", 1
	b := a
	b.Cell = "run2-cell"
	c := a
	c.Cell, c.Seed = "run2-other", 2
	tab := BuildTable([]results.Record{a, b, c}, Options{Columns: []string{"hr@10"}})
	if len(tab.Rows) != 1 || len(tab.Rows[0].Seeds) != 2 {
		t.Fatalf("rows %+v, want one row of seeds 1 and 2", tab.Rows)
	}
}

// TestDescribeRun: a run's config gets its sweep axes back, values in the
// records' order, and the command names the run folder.
func TestDescribeRun(t *testing.T) {
	var recs []results.Record
	for _, k := range []string{"mf", "lightgcn"} {
		for _, s := range []float64{1, 2} {
			recs = append(recs, results.Record{Name: "q", Config: map[string]any{"name": "q", "seed": 1.0},
				Sweep: map[string]any{"model.kind": k, "seed": s}})
		}
	}
	r, err := describeRun("runs/q", recs)
	if err != nil {
		t.Fatal(err)
	}
	if r.Command != "potau run q.yaml --out runs/q" || r.Records != 4 || r.Name != "q" {
		t.Errorf("run %+v", r)
	}
	if !strings.Contains(r.Config, "sweep:\n    model.kind:\n        - mf\n        - lightgcn\n    seed:\n        - 1\n        - 2\n") {
		t.Errorf("config:\n%s", r.Config)
	}
}
