package reports

import "context"

// Options selects what tables and figures show. The zero value is usable.
type Options struct {
	// Columns are the metric keys of the table, in order. A key is one of
	//	<attacker>.<metric>  attack summary, e.g. "mlp.auc", "gbdt.accuracy"
	//	<rec metric>         Record.Rec key, e.g. "hr@10", "ndcg@10"
	//	time_s.<stage>       Record.TimeS entry
	//	peak_rss_mb, best_epoch, collapse (mean distance after / before)
	// Default: mlp.auc, mlp.accuracy, gbdt.auc, gbdt.accuracy, hr@10, ndcg@10.
	Columns []string
	// Formats are the figure formats written by Plots (any format gonum/plot
	// renders: png, svg, pdf, eps, jpg, tiff). Default: png, svg, pdf.
	Formats []string
	// Digits is the number of decimals shown in tables. Default 3.
	Digits int
	// MaxHRDrop is the HR@10 budget of the best-method rule: the largest
	// absolute HR@10 loss against the original model that a best method
	// may have. Default DefaultMaxHRDrop (0.02) when zero or negative.
	MaxHRDrop float64
	// LaTeXWidth is the width LaTeX tables must fit: "column" (default; a
	// table float, scaled down to \columnwidth when wider) or "page" (a
	// table* float across a two-column page, scaled to \textwidth).
	LaTeXWidth string
	// Runs are the run folders the records come from (ReadRuns), shown in
	// the HTML report with their configs and commands; may be empty.
	Runs []Run
	// HistDims are the embedding dimensions drawn in the distribution figure.
	// Default: the HistTop dimensions whose group means differ most in the
	// original table, in units of the pooled standard deviation.
	HistDims []int
	// HistTop is the number of dimensions chosen when HistDims is empty.
	// Default 3.
	HistTop int
	// HistBins is the number of histogram bins per panel. Default 30.
	HistBins int
	// HistMethods are the methods (Record.Method values) whose tables the
	// distribution figure shows, in table order. Default: the original
	// model and the post-training methods without a regulariser, as in the
	// paper (told apart by the records' method_kind and reg); every method
	// with a table when none of those has one.
	HistMethods []string

	ctx       context.Context   // set by WriteContext: stops between files
	noteMarks map[string]string // set by Plots: flag → the tables' footnote symbol
}

// DefaultColumns are the table's columns when Options.Columns is empty.
var DefaultColumns = []string{"mlp.auc", "mlp.accuracy", "gbdt.auc", "gbdt.accuracy", "hr@10", "ndcg@10"}

// DefaultFormats are the figure formats when Options.Formats is empty.
var DefaultFormats = []string{"png", "svg", "pdf"}

// withDefaults returns opt with zero fields replaced by their defaults.
func (opt Options) withDefaults() Options {
	if opt.ctx == nil {
		opt.ctx = context.Background()
	}
	if len(opt.Columns) == 0 {
		opt.Columns = DefaultColumns
	}
	if len(opt.Formats) == 0 {
		opt.Formats = DefaultFormats
	}
	if opt.Digits <= 0 {
		opt.Digits = 3
	}
	if !(opt.MaxHRDrop > 0) {
		opt.MaxHRDrop = DefaultMaxHRDrop
	}
	if opt.LaTeXWidth == "" {
		opt.LaTeXWidth = "column"
	}
	if opt.HistTop <= 0 {
		opt.HistTop = 3
	}
	if opt.HistBins <= 0 {
		opt.HistBins = 30
	}
	return opt
}
