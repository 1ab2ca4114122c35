package reports

import (
	"bytes"
	"context"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/potau/potau/results"
)

// latexTables are the tables the compile test sets: the paper-layout table
// (references, flags, two seeds), an α sweep, the cost table, a table with
// every attack metric (far wider than a page, so it splits) and one with
// negative and large values, each at both widths.
func latexTables(t *testing.T) map[string]*Table {
	t.Helper()
	recs := testRecords(t)
	wide := Options{Columns: []string{"mlp.auc", "mlp.accuracy", "mlp.balanced_accuracy", "mlp.f1", "gbdt.auc", "gbdt.accuracy", "gbdt.balanced_accuracy", "gbdt.f1", "hr@10", "ndcg@10", "hr@20", "ndcg@20"}}
	neg := []results.Record{
		{Schema: 1, Dataset: "d_1", Model: "m&m", Method: "x%y", MethodKind: kindOf("x%y"), TimeS: map[string]float64{"train": 1234.5}, Rec: map[string]float64{"hr@10": -0.25}},
		{Schema: 1, Dataset: "d_1", Model: "m&m", Method: "original", MethodKind: kindOf("original"), TimeS: map[string]float64{"train": 3}, Rec: map[string]float64{"hr@10": 0.5}},
	}
	out := map[string]*Table{}
	for _, width := range []string{"column", "page"} {
		o := Options{LaTeXWidth: width}
		out["paper-"+width] = BuildTable(recs, o)
		out["alpha-"+width] = BuildTable(sweepRecords(), o)
		out["cost-"+width] = CostTable(recs, o)
		w := wide
		w.LaTeXWidth = width
		out["wide-"+width] = BuildTable(recs, w)
		out["neg-"+width] = BuildTable(neg, Options{LaTeXWidth: width, Columns: []string{"hr@10", "time_s.train"}})
	}
	return out
}

var reOverfull = regexp.MustCompile(`(?m)^(Overfull|Underfull) \\[hv]box.*$`)

// TestLaTeXCompiles compiles every table with pdflatex, preceded by
// Preamble, in a one-column and a two-column article, and fails on any
// LaTeX error and on any overfull box (a table or note wider than its
// column or page). Needs pdflatex with booktabs, siunitx and adjustbox
// (Debian: texlive-latex-base, texlive-latex-recommended,
// texlive-latex-extra, texlive-science; `make test` installs them); skips
// where they are missing.
func TestLaTeXCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("pdflatex runs skipped in -short mode")
	}
	pdflatex, err := exec.LookPath("pdflatex")
	if err != nil {
		t.Skip("pdflatex not found: install texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-science (make test does) to compile the LaTeX tables")
	}
	if out, err := exec.Command("kpsewhich", "siunitx.sty", "adjustbox.sty", "booktabs.sty").Output(); err != nil || len(strings.Fields(string(out))) != 3 {
		t.Skipf("TeX packages missing (kpsewhich found %q): install texlive-latex-extra texlive-science", strings.Fields(string(out)))
	}
	tables := latexTables(t)
	dir := t.TempDir()
	if d := os.Getenv("POTAU_LATEX_KEEP"); d != "" { // keep the PDFs for a look
		dir = d
	}
	for _, class := range []string{"onecolumn", "twocolumn"} {
		var doc bytes.Buffer
		names := slices.Sorted(maps.Keys(tables))
		doc.WriteString(`\documentclass[10pt,` + class + "]{article}\n" + Preamble + "\\begin{document}\n")
		for _, name := range names {
			if !strings.HasSuffix(name, "-page") && !strings.HasSuffix(name, "-column") {
				continue
			}
			doc.WriteString("% ---- " + name + "\n")
			tab := *tables[name]
			tab.Label = "tab:" + name // one document holds them all
			if err := tab.LaTeX(&doc); err != nil {
				t.Fatal(err)
			}
			doc.WriteString("\\clearpage\n")
		}
		sig := BuildSignificance(sigRecords(), Options{})
		for _, width := range []string{"column", "page"} {
			doc.WriteString("% ---- significance-" + width + "\n")
			if err := sig.LaTeX(&doc, 3, width, "tab:significance-"+width); err != nil {
				t.Fatal(err)
			}
			doc.WriteString("\\clearpage\n")
		}
		doc.WriteString("\\end{document}\n")
		tex := filepath.Join(dir, class+".tex")
		if err := os.WriteFile(tex, doc.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Run(class, func(t *testing.T) {
			t.Parallel()
			compileTeX(t, pdflatex, dir, class)
		})
	}
}

// compileTeX runs pdflatex on dir/name.tex and fails on an error, an
// overfull box or a label defined twice.
func compileTeX(t *testing.T, pdflatex, dir, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, pdflatex, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", name+".tex")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: pdflatex failed: %v\n%s", name, err, tail(string(out), 40))
	}
	logb, err := os.ReadFile(filepath.Join(dir, name+".log"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range reOverfull.FindAllString(string(logb), -1) {
		if strings.HasPrefix(m, "Overfull") {
			t.Errorf("%s: %s (document %s)", name, m, filepath.Join(dir, name+".tex"))
		}
	}
	if bytes.Contains(logb, []byte("multiply defined")) {
		t.Errorf("%s: a label is defined twice", name)
	}
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
