// Package reports owns the presentation of potau's results: it reads result
// records (experiments.Record, one JSON line each in results.jsonl), projects
// them onto tables in the paper's layout (Markdown, LaTeX, CSV, HTML), draws
// the paper's figures with gonum/plot (PNG, SVG, PDF) and assembles a single
// self-contained HTML report.
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
// The best value of a column within a dataset × model block is marked. For
// attack AUC and accuracy "best" is the value closest to chance,
//
//	best = argmin_rows |x − 0.5|
//
// for HR, NDCG, recall and precision at K it is the largest, for costs the
// smallest. The original model is the baseline, not a competitor, and never
// takes part; nor does a cell flagged below-chance (an AUC below 0.5 under
// cross-validation is a recovered attribute, not success).
//
// Nothing here computes a result: every metric shown is copied from, or
// averaged over, the records; the figures only bin and select what the
// records and their artifacts hold.
package reports
