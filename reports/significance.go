package reports

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"html"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/potau/potau/internal/rng"
	"github.com/potau/potau/results"
)

// BootstrapResamples is the number of bootstrap resamples of a confidence
// interval in the significance section.
const BootstrapResamples = 10000

// bootstrapSeed roots the bootstrap streams; each comparison draws from its
// own named substream, so the intervals do not depend on which other
// comparisons a report holds.
const bootstrapSeed = 20231009

// Comparison is one paired comparison over seeds: metric Metric of method
// Row against the reference Versus, on the seeds both ran.
type Comparison struct {
	Dataset, Model, Protocol string
	Row                      string // row label: method (α, dim, … when they vary)
	Versus                   string // the original row's method, or "best baseline (<name>)"
	Metric                   string // "worst-case AUC" or "HR@10"
	Seeds                    []uint64
	MeanDiff                 float64 // mean of row − versus over the seeds
	CILo, CIHi               float64 // 95 % percentile bootstrap CI of MeanDiff
	Dz                       float64 // Cohen's d_z
	T, PT, PTHolm            float64 // paired t statistic, p, Holm-adjusted p
	W, PW, PWHolm            float64 // Wilcoxon statistic, p, Holm-adjusted p
	WExact                   bool    // the Wilcoxon p is exact
}

// Significance is the significance section: every comparison, with the
// Holm adjustment made over all comparisons of one test.
type Significance struct {
	Caption     string
	Comparisons []Comparison
}

// sigMetric is a per-record metric the section tests.
type sigMetric struct {
	name string
	get  func(r *results.Record) (float64, bool)
}

var sigMetrics = []sigMetric{
	{"worst-case AUC", worstCase},
	{"HR@10", func(r *results.Record) (float64, bool) {
		v, ok := r.Rec[bestHRKey]
		return v, ok && !math.IsNaN(v)
	}},
}

// BuildSignificance compares, in every dataset × model block, each method
// with the original model and each post-training method with the best
// in-training baseline, on the worst-case attack AUC (as in the best-method
// rule) and on HR@10, paired by seed. A comparison needs at least two common
// seeds; nil when no row has them. The best baseline is the eligible
// baseline of lowest worst-case AUC under the best-method rule, else the
// baseline of lowest worst-case AUC.
func BuildSignificance(recs []results.Record, opt Options) *Significance {
	opt = opt.withDefaults()
	t := BuildTable(recs, Options{Columns: []string{bestHRKey}, MaxHRDrop: opt.MaxHRDrop, Digits: opt.Digits})
	s := &Significance{}
	for lo := 0; lo < len(t.Rows); {
		hi := lo
		for hi < len(t.Rows) && t.Rows[hi].Block == t.Rows[lo].Block {
			hi++
		}
		block := t.Rows[lo:hi]
		lo = hi
		orig := -1
		base := -1
		for i, r := range block {
			switch {
			case isOriginal(recs, r):
				if orig < 0 {
					orig = i
				}
			case isBaseline(recs, r):
				if base < 0 || baselineBetter(r, block[base]) {
					base = i
				}
			}
		}
		for i, r := range block {
			if i == orig {
				continue
			}
			if orig >= 0 {
				s.compare(recs, t.Keys, r, block[orig], block[orig].Method)
			}
			if base >= 0 && i != base && !isBaseline(recs, r) && !isOriginal(recs, r) {
				s.compare(recs, t.Keys, r, block[base], "best baseline ("+block[base].Keys[2]+")")
			}
		}
	}
	if len(s.Comparisons) == 0 {
		return nil
	}
	pt := make([]float64, len(s.Comparisons))
	pw := make([]float64, len(s.Comparisons))
	for i, c := range s.Comparisons {
		pt[i], pw[i] = c.PT, c.PW
	}
	pt, pw = Holm(pt), Holm(pw)
	for i := range s.Comparisons {
		s.Comparisons[i].PTHolm, s.Comparisons[i].PWHolm = pt[i], pw[i]
	}
	s.Caption = fmt.Sprintf("Paired comparisons over seeds (each pair: one seed, both rows run on it). Δ = mean over seeds of row − reference; 95 %% CI: percentile bootstrap of Δ (%d resamples, seeded); d_z = mean/sd of the differences (Cohen); t: two-sided paired t-test; W: two-sided Wilcoxon signed-rank (exact null distribution when there are at most 50 pairs, no zero and no tied difference, else the normal approximation); p_Holm: Holm-adjusted over the %d comparisons of each test. Worst-case AUC: the audit's leakage when recorded, otherwise the highest attacker AUC (below 0.5 counted as 1 − AUC), per seed. With n seeds the exact Wilcoxon p cannot go below 2/2ⁿ (0.25 for 3 seeds): a small study cannot reach significance with it, whatever the effect.", BootstrapResamples, len(s.Comparisons))
	return s
}

// isOriginal and isBaseline classify a row by its records' method kind.
func isOriginal(recs []results.Record, r Row) bool {
	return recs[r.recIdx[0]].MethodKind == results.KindNone
}

func isBaseline(recs []results.Record, r Row) bool {
	return recs[r.recIdx[0]].MethodKind == results.KindInTraining
}

// baselineBetter reports whether baseline a beats b: eligible under the
// best-method rule first, then lower worst-case AUC.
func baselineBetter(a, b Row) bool {
	if a.Best != b.Best {
		return a.Best
	}
	if a.HasWorst != b.HasWorst {
		return a.HasWorst
	}
	return a.Worst < b.Worst
}

// compare appends the comparisons of row r against reference v for every
// metric, on their common seeds.
func (s *Significance) compare(recs []results.Record, keys []string, r, v Row, versus string) {
	bySeed := func(row Row, m sigMetric) map[uint64]float64 {
		out := map[uint64]float64{}
		for _, i := range row.recIdx {
			if x, ok := m.get(&recs[i]); ok {
				out[recs[i].Seed] = x
			}
		}
		return out
	}
	label := r.Keys[2]
	for k := 3; k < len(r.Keys); k++ {
		if keys[k] != "Seeds" {
			label += ", " + keys[k] + " " + r.Keys[k]
		}
	}
	for _, m := range sigMetrics {
		a, b := bySeed(r, m), bySeed(v, m)
		var seeds []uint64
		for sd := range a {
			if _, ok := b[sd]; ok {
				seeds = append(seeds, sd)
			}
		}
		if len(seeds) < 2 {
			continue
		}
		slices.Sort(seeds)
		x := make([]float64, len(seeds))
		y := make([]float64, len(seeds))
		for i, sd := range seeds {
			x[i], y[i] = a[sd], b[sd]
		}
		c := Comparison{Dataset: r.Dataset, Model: r.Model, Protocol: protocolShort(&recs[r.recIdx[0]]),
			Row: label, Versus: versus, Metric: m.name, Seeds: seeds, MeanDiff: mean(diffs(x, y))}
		src := rng.New(bootstrapSeed, "reports/bootstrap/"+strings.Join([]string{c.Dataset, c.Model, c.Protocol, c.Row, c.Versus, c.Metric}, "/"))
		c.CILo, c.CIHi = BootstrapCI(x, y, BootstrapResamples, 0.95, src)
		c.Dz = CohenDz(x, y)
		c.T, c.PT = PairedT(x, y)
		c.W, c.PW, c.WExact = Wilcoxon(x, y)
		s.Comparisons = append(s.Comparisons, c)
	}
}

// sigHeader are the section's column titles.
var sigHeader = []string{"Dataset", "Model", "Row", "vs", "Metric", "n", "Δ", "95% CI", "d_z", "t", "p (t)", "p_Holm (t)", "W", "p (W)", "p_Holm (W)"}

// cells renders comparison c for a text table with d decimals.
func (c Comparison) cells(d int) []string {
	num := func(x float64, dd int) string {
		if math.IsNaN(x) {
			return "–"
		}
		return fmtF(x, dd)
	}
	p := func(x float64) string {
		switch {
		case math.IsNaN(x):
			return "–"
		case x < 1e-4:
			return strconv.FormatFloat(x, 'e', 1, 64)
		}
		return fmtF(x, 4)
	}
	w := num(c.W, 1)
	if c.WExact {
		w += " (exact)"
	}
	return []string{c.Dataset, c.Model, c.Row, c.Versus, c.Metric, strconv.Itoa(len(c.Seeds)),
		fmtDiff(c.MeanDiff, d), "[" + fmtDiff(c.CILo, d) + ", " + fmtDiff(c.CIHi, d) + "]",
		num(c.Dz, 2), num(c.T, 2), p(c.PT), p(c.PTHolm), w, p(c.PW), p(c.PWHolm)}
}

// Markdown writes the section as a Markdown table under its caption.
func (s *Significance) Markdown(w io.Writer, digits int) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("**Significance.** " + mdEscape(s.Caption) + "\n\n")
	writeMDRow(bw, sigHeader)
	align := make([]string, len(sigHeader))
	for i := range align {
		align[i] = "---"
		if i >= 5 {
			align[i] = "---:"
		}
	}
	writeMDRow(bw, align)
	for _, c := range s.Comparisons {
		writeMDRow(bw, c.cells(digits))
	}
	return bw.Flush()
}

// HTMLTable writes the section as an HTML table.
func (s *Significance) HTMLTable(w io.Writer, digits int) error {
	bw := bufio.NewWriter(w)
	e := html.EscapeString
	bw.WriteString("<div class=\"scroll\">\n<table>\n<caption>" + e(s.Caption) + "</caption>\n<thead>\n<tr>")
	for i, h := range sigHeader {
		cls := ""
		if i >= 5 {
			cls = ` class="num"`
		}
		bw.WriteString("<th" + cls + ">" + e(h) + "</th>")
	}
	bw.WriteString("</tr>\n</thead>\n<tbody>\n")
	for _, c := range s.Comparisons {
		bw.WriteString("<tr>")
		for i, v := range c.cells(digits) {
			cls := ""
			if i >= 5 {
				cls = ` class="num"`
			}
			bw.WriteString("<td" + cls + ">" + e(v) + "</td>")
		}
		bw.WriteString("</tr>\n")
	}
	bw.WriteString("</tbody>\n</table>\n</div>\n")
	return bw.Flush()
}

// CSV writes the section for machines: full-precision numbers, seeds
// ";"-separated, empty for NaN.
func (s *Significance) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"dataset", "model", "protocol", "row", "versus", "metric", "seeds", "mean_diff", "ci_lo", "ci_hi", "d_z", "t", "p_t", "p_t_holm", "w", "p_w", "p_w_holm", "w_exact"})
	num := func(x float64) string {
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	for _, c := range s.Comparisons {
		seeds := make([]string, len(c.Seeds))
		for i, sd := range c.Seeds {
			seeds[i] = strconv.FormatUint(sd, 10)
		}
		cw.Write([]string{c.Dataset, c.Model, c.Protocol, c.Row, c.Versus, c.Metric, strings.Join(seeds, ";"),
			num(c.MeanDiff), num(c.CILo), num(c.CIHi), num(c.Dz), num(c.T), num(c.PT), num(c.PTHolm),
			num(c.W), num(c.PW), num(c.PWHolm), strconv.FormatBool(c.WExact)})
	}
	cw.Flush()
	return cw.Error()
}

// LaTeX writes the section as a booktabs table float with label label,
// scaled to the column or page width like the results table.
func (s *Significance) LaTeX(w io.Writer, digits int, width, label string) error {
	bw := bufio.NewWriter(w)
	env, wd := "table", `\columnwidth`
	if width == "page" {
		env, wd = "table*", `\textwidth`
	}
	fmt.Fprintf(bw, "%% Generated by potau/reports; needs the packages of preamble.tex.\n\\begin{%s}[t]\n\\centering\n\\small\n", env)
	bw.WriteString("\\caption{" + texEscape(s.Caption) + "}\n\\label{" + label + "}\n")
	fmt.Fprintf(bw, "\\begin{adjustbox}{max width=%s}\n", wd)
	bw.WriteString("\\begin{tabular}{lll" + strings.Repeat("r", len(sigHeader)-5) + "}\n\\toprule\n")
	head := []string{"Row", "vs", "Metric"}
	for _, h := range sigHeader[5:] {
		head = append(head, texEscape(h))
	}
	head[len(head)-1] = `$p_{\mathrm{Holm}}$ (W)`
	head[len(head)-4] = `$p_{\mathrm{Holm}}$ (t)`
	head[3+3] = `$d_z$`
	bw.WriteString(strings.Join(head, " & ") + " \\\\\n")
	prev := ""
	for _, c := range s.Comparisons {
		blk := c.Dataset + " / " + c.Model + " / " + c.Protocol
		if blk != prev {
			bw.WriteString("\\midrule\n")
			fmt.Fprintf(bw, "\\multicolumn{%d}{@{}l}{\\textit{%s}} \\\\\n", len(sigHeader)-2, texEscape(c.Dataset+" / "+c.Model))
			prev = blk
		}
		cells := c.cells(digits)[2:]
		for i := range cells {
			cells[i] = texEscape(cells[i])
		}
		bw.WriteString(strings.Join(cells, " & ") + " \\\\\n")
	}
	bw.WriteString("\\bottomrule\n\\end{tabular}\n\\end{adjustbox}\n")
	fmt.Fprintf(bw, "\\end{%s}\n", env)
	return bw.Flush()
}
