package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/results"
)

// Write renders the whole report into runDir/report: table.md, table.tex,
// table.csv, the cost table (cost.md, cost.tex, cost.csv) when the records
// carry costs, the significance section over seeds (significance.md,
// .tex, .csv) when rows share at least two seeds, preamble.tex (the
// packages the .tex tables need), every figure in every format and
// report.html, each file written atomically and durably
// (internal/atomicfile). SVG is always among the figure
// formats, since the HTML report inlines it. It returns the HTML file's path.
func Write(runDir string, recs []results.Record, opt Options) (htmlPath string, err error) {
	return WriteContext(context.Background(), runDir, recs, opt)
}

// WriteContext is Write stopping, with ctx's error, before the next file
// once ctx is done (a report interrupted by Ctrl-C): every file already
// written is complete, the rest are missing, and the temporary files of an
// earlier killed report are removed.
func WriteContext(ctx context.Context, runDir string, recs []results.Record, opt Options) (htmlPath string, err error) {
	return writeReport(ctx, filepath.Join(runDir, "report"), runDir, recs, opt)
}

// WriteDir writes the report of records merged from one or more run folders
// (ReadRuns, whose artifact paths are already relative to the current
// directory) into dir, with the files WriteContext writes; opt.Runs feeds
// the HTML report's runs section.
func WriteDir(ctx context.Context, dir string, recs []results.Record, opt Options) (htmlPath string, err error) {
	return writeReport(ctx, dir, "", recs, opt)
}

// writeReport writes the report into dir; artifacts are relative to runDir.
func writeReport(ctx context.Context, dir, runDir string, recs []results.Record, opt Options) (htmlPath string, err error) {
	opt.ctx = ctx
	opt = opt.withDefaults()
	if !slices.Contains(opt.Formats, "svg") {
		opt.Formats = append(slices.Clone(opt.Formats), "svg")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	t := BuildTable(recs, opt)
	type output struct {
		name   string
		render func(*bytes.Buffer) error
	}
	outs := []output{
		{"table.md", func(b *bytes.Buffer) error { return t.Markdown(b) }},
		{"table.tex", func(b *bytes.Buffer) error { return t.LaTeX(b) }},
		{"table.csv", func(b *bytes.Buffer) error { return t.CSV(b) }},
		{"preamble.tex", func(b *bytes.Buffer) error { _, err := b.WriteString(Preamble); return err }},
	}
	if ct := CostTable(recs, opt); ct != nil {
		outs = append(outs,
			output{"cost.md", func(b *bytes.Buffer) error { return ct.Markdown(b) }},
			output{"cost.tex", func(b *bytes.Buffer) error { return ct.LaTeX(b) }},
			output{"cost.csv", func(b *bytes.Buffer) error { return ct.CSV(b) }})
	}
	if sig := BuildSignificance(recs, opt); sig != nil {
		label := strings.TrimSuffix(t.Label, "-results") + "-significance"
		outs = append(outs,
			output{"significance.md", func(b *bytes.Buffer) error { return sig.Markdown(b, opt.Digits) }},
			output{"significance.tex", func(b *bytes.Buffer) error { return sig.LaTeX(b, opt.Digits, opt.LaTeXWidth, label) }},
			output{"significance.csv", func(b *bytes.Buffer) error { return sig.CSV(b) }})
	}
	hasAudit := false
	for i := range recs {
		hasAudit = hasAudit || len(recs[i].Audit) > 0
	}
	if hasAudit {
		outs = append(outs, output{"audit.md", func(b *bytes.Buffer) error { AuditMarkdown(b, recs, opt.Digits); return nil }})
	}
	atomicfile.CleanStale(dir)
	for _, out := range outs {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		var b bytes.Buffer
		if err := out.render(&b); err != nil {
			return "", err
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, out.name), b.Bytes()); err != nil {
			return "", err
		}
	}
	figs, err := Plots(dir, recs, runDir, opt)
	if err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var b bytes.Buffer
	if err := HTML(&b, recs, figs, opt); err != nil {
		return "", err
	}
	htmlPath = filepath.Join(dir, "report.html")
	return htmlPath, atomicfile.WriteFile(htmlPath, b.Bytes())
}
