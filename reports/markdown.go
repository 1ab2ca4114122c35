package reports

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// markSymbols are footnote marks, in order; past them marks are numbers.
var markSymbols = []string{"†", "‡", "§", "¶", "‖"}

// markLaTeX are the LaTeX math forms of markSymbols.
var markLaTeX = []string{`\dagger`, `\ddagger`, `\S`, `\P`, `\|`}

// markText returns the plain-text footnote mark of note i.
func markText(i int) string {
	if i < len(markSymbols) {
		return markSymbols[i]
	}
	return strconv.Itoa(i + 1 - len(markSymbols))
}

// cellText renders a cell as plain text: "0.5012 ± 0.0100", with the
// reference and difference when present; "–" when missing.
func cellText(c Cell, digits int) (main, ref string) {
	if !c.OK {
		main = "–"
	} else {
		main = fmtF(c.Mean, digits)
		if c.HasStd {
			main += " ± " + fmtF(c.Std, digits)
		}
		if c.Who != "" {
			main += " " + c.Who
		}
	}
	if c.HasRef {
		ref = "ref " + fmtF(c.Ref, digits)
		if c.OK {
			ref += ", Δ " + fmtDiff(c.Mean-c.Ref, digits)
		}
	}
	return main, ref
}

// Markdown writes t as a GitHub-flavoured Markdown table: the caption as a
// paragraph, best values in bold, footnote marks as superscript symbols and
// the footnotes below.
func (t *Table) Markdown(w io.Writer) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("**Table.** " + mdEscape(t.Caption) + "\n\n")
	head := append([]string{}, t.Keys...)
	align := make([]string, 0, len(t.Keys)+len(t.Columns))
	for range t.Keys {
		align = append(align, "---")
	}
	for _, c := range t.Columns {
		head = append(head, c.Title())
		align = append(align, "---:")
	}
	writeMDRow(bw, head)
	writeMDRow(bw, align)
	for _, r := range t.Rows {
		cells := append([]string{}, r.Keys...)
		if r.Best {
			cells[2] = "**" + cells[2] + "**"
		}
		for _, m := range r.Marks {
			cells[2] += markText(m)
		}
		for j, c := range r.Cells {
			main, ref := cellText(c, t.Columns[j].Digits)
			if c.Best {
				main = "**" + main + "**"
			}
			for _, m := range c.Marks {
				main += markText(m)
			}
			if ref != "" {
				main += " (" + ref + ")"
			}
			cells = append(cells, main)
		}
		writeMDRow(bw, cells)
	}
	if len(t.Notes) > 0 {
		bw.WriteString("\n")
		for i, n := range t.Notes {
			bw.WriteString(markText(i) + " " + mdEscape(n.Text) + "  \n")
		}
	}
	return bw.Flush()
}

func writeMDRow(w *bufio.Writer, cells []string) {
	w.WriteString("|")
	for _, c := range cells {
		w.WriteString(" " + strings.ReplaceAll(mdEscape(c), "|", `\|`) + " |")
	}
	w.WriteString("\n")
}

// mdEscape keeps text from starting Markdown constructs it does not mean.
func mdEscape(s string) string {
	return strings.NewReplacer("\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
