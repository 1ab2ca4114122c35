package reports

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/potau/potau/results"
)

// AuditMarkdown writes the leakage audit of every audited record as one
// Markdown table per record (dataset × model × method × α × dim × seed):
// a row per representation, a column per attacker (plain, then nested),
// each cell the mean ± std of the held-out AUC over folds × repeats,
// marked * when it exceeds its permutation null's 95th percentile, and
// the record's leakage under the table. It writes nothing when no record
// carries an audit.
func AuditMarkdown(b *bytes.Buffer, recs []results.Record, digits int) {
	for i := range recs {
		r := &recs[i]
		if len(r.Audit) == 0 {
			continue
		}
		title := fmt.Sprintf("%s · %s · %s", r.Dataset, r.Model, r.Method)
		if r.Reg != "" {
			title += " · α = " + fmtG(r.Alpha)
		}
		title += fmt.Sprintf(" · dim %d · seed %d", r.Dim, r.Seed)
		fmt.Fprintf(b, "### %s\n\n", title)
		reps := auditRepOrder(r)
		var atts []string
		for _, rep := range reps {
			for a := range r.Audit[rep] {
				if !slices.Contains(atts, a) {
					atts = append(atts, a)
				}
			}
		}
		slices.SortFunc(atts, func(x, y string) int {
			xn, yn := strings.HasSuffix(x, "+nested"), strings.HasSuffix(y, "+nested")
			if xn != yn {
				if xn {
					return 1
				}
				return -1
			}
			return strings.Compare(auditAttackerRank(x), auditAttackerRank(y))
		})
		b.WriteString("| representation |")
		for _, a := range atts {
			b.WriteString(" " + a + " |")
		}
		b.WriteString("\n|---|")
		for range atts {
			b.WriteString("---|")
		}
		b.WriteString("\n")
		for _, rep := range reps {
			b.WriteString("| " + rep + " |")
			for _, a := range atts {
				s, ok := r.Audit[rep][a]
				if !ok {
					b.WriteString(" – |")
					continue
				}
				cell := fmtF(s.AUC.Mean, digits) + " ± " + fmtF(s.AUC.Std, digits)
				if s.ExceedsNull != nil && *s.ExceedsNull {
					cell += "*"
				}
				b.WriteString(" " + cell + " |")
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
		if l := r.Leakage; l != nil {
			fmt.Fprintf(b, "Leakage %s (%s on %s).", fmtF(l.AUC, digits), l.Attacker, l.Representation)
		}
		if a, ok := r.Attack["mlp"]["auc"]; ok {
			fmt.Fprintf(b, " The paper's MLP (attack block): %s.", fmtF(a.Mean, digits))
		}
		b.WriteString(" AUC mean ± std over folds × repeats; * = above the permutation null's 95th percentile.\n\n")
	}
}

// auditRepOrder lists a record's audited representations in the models'
// order (the unlearned table first, recommendations last).
func auditRepOrder(r *results.Record) []string {
	order := []string{"user", "gmf", "ego", "mlp-tower", "concat", "propagated", "recommendations"}
	var out []string
	for _, rep := range order {
		if _, ok := r.Audit[rep]; ok {
			out = append(out, rep)
		}
	}
	var rest []string
	for rep := range r.Audit {
		if !slices.Contains(order, rep) {
			rest = append(rest, rep)
		}
	}
	slices.Sort(rest)
	return append(out, rest...)
}

// auditAttackerRank orders attackers as the audit reports them.
func auditAttackerRank(a string) string {
	base := strings.TrimSuffix(a, "+nested")
	for i, n := range []string{"mlp", "gbdt", "mlp-std", "logreg", "knn"} {
		if base == n {
			return fmt.Sprint(i)
		}
	}
	return "9" + base
}
