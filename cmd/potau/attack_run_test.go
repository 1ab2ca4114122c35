package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potau/potau/internal/atomicfile/atomictest"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/npy"
)

// TestAttackCommand attacks a table whose first column separates the two
// classes by 6 standard deviations: both attackers must find it (AUC > 0.95;
// the Bayes AUC is Φ(6/√2) ≈ 1 − 1e-5), and a table without signal must
// stay near chance. Bad label files fail with the file and line.
func TestAttackCommand(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	const n, d = 200, 4
	sep, noise := dense.New(n, d), dense.New(n, d)
	var labels strings.Builder
	labels.WriteString("user,gender\n")
	for i := 0; i < n; i++ {
		cls := i % 2
		for j := 0; j < d; j++ {
			sep.Data[i*d+j] = float32(r.NormFloat64())
			noise.Data[i*d+j] = float32(r.NormFloat64())
		}
		sep.Data[i*d] += float32(6 * cls)
		fmt.Fprintf(&labels, "%d,%s\n", i, []string{"M", "F"}[cls])
	}
	for name, m := range map[string]*dense.Matrix{"sep.npy": sep, "noise.npy": noise} {
		if err := npy.ExportNPY(filepath.Join(dir, name), m); err != nil {
			t.Fatal(err)
		}
	}
	lab := filepath.Join(dir, "labels.csv")
	if err := os.WriteFile(lab, []byte(labels.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	auc := func(table string) map[string]float64 {
		out, errOut, code := runCLI(t, "attack", "--embeddings", filepath.Join(dir, table), "--labels", lab, "--repeats", "1", "--json")
		if code != 0 {
			t.Fatalf("attack %s: exit %d: %s", table, code, errOut)
		}
		var res map[string]map[string]struct{ Mean, Std float64 }
		if err := json.Unmarshal([]byte(out), &res); err != nil {
			t.Fatalf("attack --json printed %q: %v", out, err)
		}
		return map[string]float64{"mlp": res["mlp"]["auc"].Mean, "gbdt": res["gbdt"]["auc"].Mean}
	}
	for a, v := range auc("sep.npy") {
		if v < 0.95 {
			t.Errorf("%s AUC %.3f on separable classes, want > 0.95", a, v)
		}
	}
	// No signal: 100 test rows per fold, AUC's sd under the null ≈ 0.058;
	// the mean over 5 folds has sd ≈ 0.026, so ±0.15 is a wide band.
	for a, v := range auc("noise.npy") {
		if v < 0.35 || v > 0.65 {
			t.Errorf("%s AUC %.3f on noise, want near 0.5", a, v)
		}
	}
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("user,gender\n0,M\nseven,F\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "attack", "--embeddings", filepath.Join(dir, "sep.npy"), "--labels", bad)
	if code == 0 || !strings.Contains(errOut, "bad.csv:3") {
		t.Errorf("bad labels: exit %d, stderr %q; want an error naming bad.csv:3", code, errOut)
	}
	if _, _, code := runCLI(t, "attack", "--labels", lab); code != 2 {
		t.Errorf("missing --embeddings: exit %d, want 2", code)
	}

	// --suite audit: exactly the audit's keys, every attacker finds the
	// separable table, the null is there for logreg and knn only.
	out, errOut, code := runCLI(t, "attack", "--embeddings", filepath.Join(dir, "sep.npy"), "--labels", lab,
		"--suite", "audit", "--repeats", "1", "--permutations", "3", "--json")
	if code != 0 {
		t.Fatalf("attack --suite audit: exit %d: %s", code, errOut)
	}
	var res map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("attack --suite audit --json printed %q: %v", out, err)
	}
	want := []string{"leakage", "mlp", "gbdt", "mlp-std", "logreg", "knn",
		"mlp+nested", "gbdt+nested", "mlp-std+nested", "logreg+nested", "knn+nested"}
	if len(res) != len(want) {
		t.Errorf("audit JSON has %d keys, want %d: %s", len(res), len(want), out)
	}
	for _, k := range want[1:] {
		var e struct {
			AUC              struct{ Mean, Std float64 }
			BalancedAccuracy *struct{ Mean, Std float64 } `json:"balanced_accuracy"`
			Null95           *float64                     `json:"null95"`
		}
		if err := json.Unmarshal(res[k], &e); err != nil || e.BalancedAccuracy == nil {
			t.Fatalf("%s: %s (%v)", k, res[k], err)
		}
		if e.AUC.Mean < 0.95 {
			t.Errorf("audit %s AUC %.3f on separable classes", k, e.AUC.Mean)
		}
		if fast := strings.HasPrefix(k, "logreg") || strings.HasPrefix(k, "knn"); fast != (e.Null95 != nil) {
			t.Errorf("audit %s: null95 %v", k, e.Null95)
		}
	}
	var leak struct {
		AUC      float64
		Attacker string
	}
	if err := json.Unmarshal(res["leakage"], &leak); err != nil || leak.AUC < 0.95 || leak.Attacker == "" {
		t.Errorf("leakage %s (%v)", res["leakage"], err)
	}
	if _, _, code := runCLI(t, "attack", "--embeddings", filepath.Join(dir, "sep.npy"), "--labels", lab, "--suite", "audit", "--attacker", "svm"); code != 2 {
		t.Errorf("--attacker svm: exit %d, want 2", code)
	}
	if _, errOut, code := runCLI(t, "attack", "--embeddings", filepath.Join(dir, "sep.npy"), "--labels", lab, "--suite", "audit", "--null", "knn,svm"); code != 2 || !strings.Contains(errOut, "null[1]") {
		t.Errorf("--null knn,svm: exit %d, stderr %q; want 2 naming null[1]", code, errOut)
	}
}

// TestRunAndReportCommands runs a toy config end to end through the command
// line, then re-renders its report.
func TestRunAndReportCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end run skipped in -short mode")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "toy.yaml")
	body := `name: toy
data:
  synthetic: {users: 120, items: 150, interactions: 3000, min_per_user: 10}
  split: {negatives: 49}
model: {kind: mf, dim: 8, epochs: 2}
unlearn: {methods: [U2U, D2D-R], steps: 10}
attack: {folds: 3, repeats: 1, gbdt: {n_estimators: 5}, mlp: {max_iter: 20}}
export: {embeddings: true}
report: {formats: [svg]}
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	// Every file the commands write must go through internal/atomicfile:
	// renamed into place (or inside a published folder), folder synced, no
	// temporary left. The log covers run, report and data stats below.
	files := atomictest.Start(t)
	files.Ignore("*.lock") // the cache's flock targets: one stable inode each, not outputs
	out := filepath.Join(dir, "run")
	stdout, errOut, code := runCLI(t, "run", cfg, "--out", out, "-q")
	if code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"| synthetic | mf | Original", "| synthetic | mf | U2U", "| synthetic | mf | D2D-R", "report:"} {
		// The best method's name is in bold: accept "| **U2U**" too.
		if !strings.Contains(strings.ReplaceAll(stdout, "**", ""), want) {
			t.Errorf("run output lacks %q:\n%s", want, stdout)
		}
	}
	for _, f := range []string{"results.jsonl", "metrics.jsonl", "results.csv", "report/report.html", "report/table.tex"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("run folder lacks %s", f)
		}
	}
	stdout, errOut, code = runCLI(t, "report", out, "--table", "csv", "--formats", "svg")
	if code != 0 || !strings.Contains(stdout, "D2D-R") {
		t.Fatalf("report: exit %d: %s\n%s", code, errOut, stdout)
	}
	if _, _, code := runCLI(t, "report", out, "--table", "xls"); code != 2 {
		t.Errorf("report --table xls: exit %d, want 2", code)
	}
	if _, errOut, code := runCLI(t, "report", out, "--columns", "mlp.aucc"); code != 2 || !strings.Contains(errOut, `unknown column "mlp.aucc"`) {
		t.Errorf("report --columns mlp.aucc: exit %d, %s; want 2 naming the column", code, errOut)
	}
	// Several run folders: one merged report, which needs --out.
	if _, _, code := runCLI(t, "report", out, out); code != 2 {
		t.Errorf("report of two runs without --out: exit %d, want 2", code)
	}
	merged := filepath.Join(dir, "merged")
	if _, errOut, code := runCLI(t, "report", out, out, "--out", merged, "--formats", "svg"); code != 0 {
		t.Fatalf("merged report: exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(filepath.Join(merged, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"potau run toy.yaml --out " + out, "<details>", `href="#figures"`, "hist_"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("merged report.html lacks %q", want)
		}
	}
	split := filepath.Join(dir, "split")
	if _, errOut, code := runCLI(t, "data", "stats", cfg, "--write-split", split); code != 0 {
		t.Fatalf("data stats --write-split: exit %d: %s", code, errOut)
	}
	// Outputs: results (3), report (3 tables, html, figures), exports (3
	// methods × 3 tables + labels), cache (meta.json, model.bin, …), split.
	files.Check(t, 30, out, filepath.Join(dir, ".cache"), split)
	for _, f := range []string{"results.jsonl", "metrics.jsonl", "results.csv", "report/report.html"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Mode().Perm()&0o044 == 0 {
			t.Errorf("%s: mode %v, %v; want readable by group and others (0644 under the usual umask)", f, st.Mode(), err)
		}
	}
}
