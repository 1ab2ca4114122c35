// Package reports owns the presentation of potau's results: it reads result
// records (results.Record, one JSON line each in results.jsonl), projects
// them onto tables in the paper's layout (Markdown, LaTeX, CSV, HTML), draws
// the paper's figures with gonum/plot (PNG at 300 dpi, SVG, PDF; one or two
// columns wide; text in DejaVu Sans, drawn as glyph outlines so α, 10⁻⁶ and
// ± look the same in every format), tests methods against each other over seeds (paired t-test,
// Wilcoxon signed-rank, Holm, d_z, bootstrap CIs: BuildSignificance) and
// assembles a single self-contained HTML report, for one run folder or
// several merged (ReadRuns). LaTeX tables fit a column or a page
// (Options.LaTeXWidth) with the packages of Preamble.
//
// A Table is a pure projection of records: rows are dataset × model × method
// (plus α, dim, regulariser, protocol or sweep values when those vary for one
// method), columns are metrics chosen by key. Records that differ only in
// their seed are aggregated into one row. For a metric x observed on n seeds,
//
//	mean = (1/n) Σ_s x_s
//	std  = sqrt( Σ_s (x_s − mean)² / (n − 1) )     (n ≥ 2)
//
// With one seed an attack metric keeps its own std over folds × repeats and a
// recommendation metric has none.
//
// Best is a property of a method, not of a column. In each dataset × model
// block, with HR the mean HR@10 over seeds and W the worst-case attack AUC
// (the audit's leakage AUC when a record carries one, otherwise
// max_a max(AUC_a, 1 − AUC_a) over the attackers, averaged over seeds), a
// method m other than the original o is eligible when
//
//	HR_o − HR_m ≤ budget   (Options.MaxHRDrop, config report.max_hr_drop, 0.02)
//	W_m < W_o              (it leaks less than the model it started from)
//
// and no record of m carries a below-chance flag; the best methods are the
// eligible ones of lowest W (ties at the digits shown all count). A method
// that fools one attacker but not the other has a high W and is never best.
// In cost columns (time, memory) a cell is marked only when it is the
// block's single lowest value: a value several rows share marks nothing.
//
// Nothing here computes a result: every metric shown is copied from, or
// averaged over, the records; the figures only bin and select what the
// records and their artifacts hold.
package reports
