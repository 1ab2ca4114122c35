package reports

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/potau/potau/results"
)

// HTMLTable writes t as an HTML <table> with a <caption>, best values in
// <strong>, footnote marks in <sup> and the footnotes in a <tfoot>.
func (t *Table) HTMLTable(w io.Writer) error {
	bw := bufio.NewWriter(w)
	e := html.EscapeString
	bw.WriteString("<div class=\"scroll\">\n<table>\n<caption>" + e(t.Caption) + "</caption>\n<thead>\n")
	grouped := false
	for _, c := range t.Columns {
		grouped = grouped || c.Group != ""
	}
	if grouped {
		bw.WriteString("<tr>")
		fmt.Fprintf(bw, `<th colspan="%d"></th>`, len(t.Keys))
		for j := 0; j < len(t.Columns); {
			k := j + 1
			for k < len(t.Columns) && t.Columns[j].Group != "" && t.Columns[k].Group == t.Columns[j].Group {
				k++
			}
			fmt.Fprintf(bw, `<th colspan="%d" class="group">%s</th>`, k-j, e(t.Columns[j].Group))
			j = k
		}
		bw.WriteString("</tr>\n")
	}
	bw.WriteString("<tr>")
	for _, k := range t.Keys {
		bw.WriteString("<th>" + e(k) + "</th>")
	}
	for _, c := range t.Columns {
		lbl := c.Title()
		if grouped {
			lbl = c.Label
		}
		bw.WriteString(`<th class="num">` + e(lbl) + "</th>")
	}
	bw.WriteString("</tr>\n</thead>\n<tbody>\n")
	sup := func(ms []int) string {
		if len(ms) == 0 {
			return ""
		}
		var b strings.Builder
		for _, m := range ms {
			b.WriteString(markText(m))
		}
		return "<sup>" + e(b.String()) + "</sup>"
	}
	for i, r := range t.Rows {
		cls := ""
		if i > 0 && r.Block != t.Rows[i-1].Block {
			cls = ` class="block"`
		}
		bw.WriteString("<tr" + cls + ">")
		for k, v := range r.Keys {
			if k == 2 && r.Best {
				bw.WriteString("<td><strong>" + e(v) + "</strong>")
			} else {
				bw.WriteString("<td>" + e(v))
			}
			if k == 2 {
				bw.WriteString(sup(r.Marks))
			}
			bw.WriteString("</td>")
		}
		for j, c := range r.Cells {
			main, ref := cellText(c, t.Columns[j].Digits)
			s := e(main)
			if c.Best {
				s = "<strong>" + s + "</strong>"
			}
			s += sup(c.Marks)
			if ref != "" {
				s += ` <span class="ref">(` + e(ref) + ")</span>"
			}
			bw.WriteString(`<td class="num">` + s + "</td>")
		}
		bw.WriteString("</tr>\n")
	}
	bw.WriteString("</tbody>\n")
	if len(t.Notes) > 0 {
		// The notes sit in a <div> that stays at the scroll box's left edge
		// and wraps at the page's width, so a table wider than the page
		// does not push them out of view.
		fmt.Fprintf(bw, "<tfoot>\n<tr><td colspan=\"%d\"><div class=\"notes\">", len(t.Keys)+len(t.Columns))
		for i, n := range t.Notes {
			if i > 0 {
				bw.WriteString("<br>")
			}
			bw.WriteString("<sup>" + e(markText(i)) + "</sup> " + e(n.Text))
		}
		bw.WriteString("</div></td></tr>\n</tfoot>\n")
	}
	bw.WriteString("</table>\n</div>\n")
	return bw.Flush()
}

// CostTable is the table of the costs the records carry (costColumns), or
// nil when they carry none. Its LaTeX label ends in -cost.
func CostTable(recs []results.Record, opt Options) *Table {
	cc := costColumns(recs)
	if len(cc) == 0 {
		return nil
	}
	opt.Columns = cc
	ct := BuildTable(recs, opt)
	ct.Caption = "Cost per row: wall-clock seconds per stage, peak resident memory (MB) and the users' mean pairwise distance after unlearning over before (spread). Mean ± std over seeds where a row aggregates several; a time or memory is bold only when it is the single lowest of its dataset × model (a value several methods share, such as the training time they inherit, is not marked; the original model is not ranked). Timings are wall-clock on a shared machine: noisy."
	ct.Label = strings.TrimSuffix(ct.Label, "-results") + "-cost"
	return ct
}

// costColumns are the cost metrics the records carry, as table columns:
// time per stage (sorted), peak RSS, best epoch, collapse ratio.
func costColumns(recs []results.Record) []string {
	stages := map[string]bool{}
	rss, collapse := false, false
	for i := range recs {
		for s := range recs[i].TimeS {
			stages[s] = true
		}
		rss = rss || recs[i].PeakRSSMB > 0
		collapse = collapse || recs[i].Collapse != nil
	}
	var cols []string
	for s := range stages {
		cols = append(cols, "time_s."+s)
	}
	sort.Strings(cols)
	if rss {
		cols = append(cols, "peak_rss_mb")
	}
	if collapse {
		cols = append(cols, "collapse")
	}
	return cols
}

const htmlStyle = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
div.scroll{overflow-x:auto;margin:1em 0 2em}
table{border-collapse:collapse;font-size:0.9em}
caption{caption-side:top;text-align:left;padding:0.5em 0;color:#444;white-space:normal;max-width:72em}
th,td{padding:0.25em 0.6em;border-bottom:1px solid #ddd;white-space:nowrap}
th{background:#f4f4f4}th.group{text-align:center}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tr.block td{border-top:2px solid #888}
span.ref{color:#666;font-size:0.85em}
tfoot td{white-space:normal;color:#444;font-size:0.9em}tfoot div.notes{position:sticky;left:0.6em;max-width:min(70em,calc(100vw - 4em))}
figure{margin:1.5em 0}figure svg,figure img{width:100%;height:auto;display:block}
nav#toc ol{margin:0.2em 0}pre{background:#f6f6f6;padding:0.6em;overflow-x:auto}details{margin:0.5em 0 1em}summary{cursor:pointer}
figcaption{color:#444;font-size:0.9em}
dl{display:grid;grid-template-columns:max-content auto;gap:0.2em 1em}dt{font-weight:600}`

// xmlProlog matches the XML declaration, comments and doctype that a
// standalone SVG file starts with but an inline <svg> must not carry.
var xmlProlog = regexp.MustCompile(`(?s)^\s*(<\?xml.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*`)

// HTML writes a self-contained report: run metadata, a table of contents,
// each run's resolved config (collapsible) and the command that reruns it,
// the protocol in words, the results table, a cost table when the records
// carry costs, the significance section when rows share seeds, and every
// figure inline at the page's full width (its SVG when written, else its
// PNG as a data URI). Wide tables scroll sideways. It loads nothing from
// outside.
func HTML(w io.Writer, recs []results.Record, figs []Figure, opt Options) error {
	opt = opt.withDefaults()
	bw := bufio.NewWriter(w)
	e := html.EscapeString
	title := "potau report"
	if n := commonString(recs, func(r *results.Record) string { return r.Name }); n != "" && !strings.HasPrefix(n, "(") {
		title += ": " + n
	}
	bw.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	bw.WriteString("<title>" + e(title) + "</title>\n<style>\n" + htmlStyle + "\n</style>\n</head>\n<body>\n")
	bw.WriteString("<h1>" + e(title) + "</h1>\n<dl>\n")
	meta := [][2]string{
		{"records", fmt.Sprint(len(recs))},
		{"config hash", commonString(recs, func(r *results.Record) string { return r.ConfigHash })},
		{"potau version", commonString(recs, func(r *results.Record) string { return r.Version })},
		{"Go version", commonString(recs, func(r *results.Record) string { return r.GoVersion })},
	}
	for _, kv := range meta {
		if kv[1] != "" {
			bw.WriteString("<dt>" + e(kv[0]) + "</dt><dd>" + e(kv[1]) + "</dd>\n")
		}
	}
	bw.WriteString("</dl>\n")
	ct := CostTable(recs, opt)
	sig := BuildSignificance(recs, opt)
	// Table of contents.
	type entry struct{ id, title string }
	toc := []entry{{"runs", "Runs and how to reproduce them"}, {"protocol", "Protocol"}, {"results", "Results"}}
	if ct != nil {
		toc = append(toc, entry{"cost", "Cost"})
	}
	if sig != nil {
		toc = append(toc, entry{"significance", "Significance over seeds"})
	}
	if len(figs) > 0 {
		toc = append(toc, entry{"figures", "Figures"})
	}
	bw.WriteString("<nav id=\"toc\"><h2>Contents</h2>\n<ol>\n")
	for _, en := range toc {
		bw.WriteString("<li><a href=\"#" + en.id + "\">" + e(en.title) + "</a>")
		if en.id == "figures" {
			bw.WriteString("\n<ol>\n")
			for i, f := range figs {
				fmt.Fprintf(bw, "<li><a href=\"#%s\">Figure %d</a>: %s</li>\n", e(f.Name), i+1, e(firstSentence(f.Caption)))
			}
			bw.WriteString("</ol>\n")
		}
		bw.WriteString("</li>\n")
	}
	bw.WriteString("</ol>\n</nav>\n")

	// Runs: each run's resolved config and the command that reruns it.
	bw.WriteString("<h2 id=\"runs\">Runs and how to reproduce them</h2>\n")
	if len(opt.Runs) == 0 {
		bw.WriteString("<p>The records were given without their run folders; each record carries its resolved config (<code>config</code> in results.jsonl).</p>\n")
	}
	for _, r := range opt.Runs {
		name := r.Name
		if name == "" {
			name = r.Dir
		}
		fmt.Fprintf(bw, "<h3>%s</h3>\n<p>Folder <code>%s</code>, %d records.", e(name), e(r.Dir), r.Records)
		if r.Command != "" {
			file := strings.Fields(r.Command)[2]
			fmt.Fprintf(bw, " To run it again, save the config below as <code>%s</code> and run</p>\n<pre><code>%s</code></pre>\n", e(file), e(r.Command))
			fmt.Fprintf(bw, "<details><summary>Resolved config of %s (the first cell's values, with the run's sweep axes)</summary>\n<pre><code>%s</code></pre>\n</details>\n", e(name), e(r.Config))
		} else {
			bw.WriteString("</p>\n")
		}
	}

	// Protocol: every distinct protocol of the records, in words.
	bw.WriteString("<h2 id=\"protocol\">Protocol</h2>\n<ul>\n")
	seenProto := map[string]bool{}
	for i := range recs {
		ps := protocolShort(&recs[i])
		if !seenProto[ps] {
			seenProto[ps] = true
			bw.WriteString("<li><code>" + e(ps) + "</code>: " + e(protocolText(&recs[i])) + ".</li>\n")
		}
	}
	bw.WriteString("<li>Attackers: cross-validated attribute inference on the user embeddings (the attack block of each run's config); best method: " + e(bestRule(opt.MaxHRDrop)) + "</li>\n</ul>\n")

	bw.WriteString("<h2 id=\"results\">Results</h2>\n")
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := BuildTable(recs, opt).HTMLTable(bw); err != nil {
		return err
	}
	if ct != nil {
		bw.WriteString("<h2 id=\"cost\">Cost</h2>\n")
		if err := ct.HTMLTable(bw); err != nil {
			return err
		}
	}
	if sig != nil {
		bw.WriteString("<h2 id=\"significance\">Significance over seeds</h2>\n")
		if err := sig.HTMLTable(bw, opt.Digits); err != nil {
			return err
		}
	}
	if len(figs) > 0 {
		bw.WriteString("<h2 id=\"figures\">Figures</h2>\n")
	}
	for i, f := range figs {
		fmt.Fprintf(bw, "<figure id=\"%s\">\n", e(f.Name))
		switch {
		case f.Files["svg"] != "":
			b, err := os.ReadFile(f.Files["svg"])
			if err != nil {
				return fmt.Errorf("figure %s: %w", f.Name, err)
			}
			b = xmlProlog.ReplaceAll(b, nil)
			if !bytes.HasPrefix(b, []byte("<svg")) {
				return fmt.Errorf("figure %s: %s does not start with <svg>", f.Name, f.Files["svg"])
			}
			bw.Write(b)
		case f.Files["png"] != "":
			b, err := os.ReadFile(f.Files["png"])
			if err != nil {
				return fmt.Errorf("figure %s: %w", f.Name, err)
			}
			fmt.Fprintf(bw, `<img alt="%s" src="data:image/png;base64,%s">`, e(f.Name), base64.StdEncoding.EncodeToString(b))
		default:
			fmt.Fprintf(bw, "<p>(figure %s has no SVG or PNG rendering to inline)</p>", e(f.Name))
		}
		fmt.Fprintf(bw, "\n<figcaption>Figure %d. %s</figcaption>\n</figure>\n", i+1, e(f.Caption))
	}
	bw.WriteString("</body>\n</html>\n")
	return bw.Flush()
}

// commonString returns f's value when all records share it, else "" (or a
// count of distinct values).
func commonString(recs []results.Record, f func(*results.Record) string) string {
	seen := map[string]bool{}
	for i := range recs {
		seen[f(&recs[i])] = true
	}
	if len(seen) == 1 {
		for s := range seen {
			return s
		}
	}
	if len(seen) > 1 {
		return fmt.Sprintf("(%d distinct values)", len(seen))
	}
	return ""
}

// firstSentence is s up to its first ". ", or up to its first ": " when
// that comes first (a figure's title for the table of contents: "α
// trade-off on ml-100k / neumf (dim 32, protocol …)").
func firstSentence(s string) string {
	i := strings.Index(s, ". ")
	if j := strings.Index(s, ": "); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i >= 0 {
		return s[:i]
	}
	return s
}
