package reports

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/potau/potau/results"
)

// Goal says which value of a column is best.
type Goal int

const (
	// GoalNone marks nothing (e.g. attack precision, best epoch).
	GoalNone Goal = iota
	// GoalHigher: the largest value is best (HR, NDCG, recall at K).
	GoalHigher
	// GoalLower: the smallest value is best (time, memory).
	GoalLower
	// GoalChance: the value closest to 0.5 is best (attack AUC, accuracy).
	GoalChance
)

// Column is one metric column of a Table.
type Column struct {
	Key   string // metric key, see Options.Columns
	Group string // header group: "MLP", "GBDT", "Time (s)"; "" for none
	Label string // header label within the group: "AUC", "HR@10"
	Goal  Goal
	// Digits is the number of decimals shown: Options.Digits for metrics;
	// 2 for seconds, 0 for megabytes and epochs, 3 for the collapse ratio.
	Digits int
}

// Title is the column's one-line header: group and label.
func (c Column) Title() string {
	if c.Group == "" {
		return c.Label
	}
	return c.Group + " " + c.Label
}

// attackMetricLabels are the display names of attack metrics.
var attackMetricLabels = map[string]string{
	"auc": "AUC", "accuracy": "Acc", "balanced_accuracy": "BAcc",
	"precision": "Prec", "recall": "Rec", "f1": "F1",
}

// recPrefixes are the display names of ranking metrics "<name>@K".
var recPrefixes = map[string]string{
	"hr": "HR", "ndcg": "NDCG", "recall": "Recall", "precision": "Precision", "mrr": "MRR", "map": "MAP",
}

// newColumn derives a column's header and goal from its key.
func newColumn(key string, digits int) Column {
	c := Column{Key: key, Label: key, Digits: digits}
	switch {
	case key == "peak_rss_mb":
		c.Label, c.Goal, c.Digits = "Peak RSS (MB)", GoalLower, 0
	case key == "best_epoch":
		c.Label, c.Digits = "Best epoch", 0
	case key == "collapse":
		c.Label, c.Digits = "Spread after/before", 3
	case key == "leakage":
		c.Label = "Leakage"
	case strings.HasPrefix(key, "time_s."):
		c.Group, c.Label, c.Goal, c.Digits = "Time (s)", strings.TrimPrefix(key, "time_s."), GoalLower, 2
	case strings.HasSuffix(key, ":leakage"):
		c.Group, c.Label = "Leakage", strings.TrimSuffix(key, ":leakage")
	default:
		if name, k, ok := strings.Cut(key, "@"); ok {
			full := strings.HasPrefix(name, "full_") // full-ranking twin of a sampled metric
			if lbl, ok := recPrefixes[strings.ToLower(strings.TrimPrefix(name, "full_"))]; ok {
				c.Label, c.Goal = lbl+"@"+k, GoalHigher
				if full {
					c.Label = "full " + c.Label
				}
				return c
			}
		}
		if att, m, ok := strings.Cut(key, "."); ok {
			c.Group = strings.ToUpper(att)
			if attr, a, ok := strings.Cut(att, ":"); ok { // <attribute>:<attacker>.<metric>
				c.Group = strings.ToUpper(a) + " (" + attr + ")"
			}
			c.Label = m
			if lbl, ok := attackMetricLabels[m]; ok {
				c.Label = lbl
			}
			if m == "auc" || m == "accuracy" || m == "balanced_accuracy" {
				c.Goal = GoalChance
			}
		}
	}
	return c
}

// attacker returns the attacker part of an attack column key ("mlp" for
// "mlp.auc") and whether the key names an attack metric.
func (c Column) attacker() (string, bool) {
	if c.Group == "" || strings.HasPrefix(c.Key, "time_s.") {
		return "", false
	}
	att, _, ok := strings.Cut(c.Key, ".")
	if _, a, per := strings.Cut(att, ":"); per {
		att = a
	}
	return att, ok
}

// value extracts column key from r. hasStd reports whether the record itself
// carries a spread (attack metrics: std over folds × repeats).
func value(r *results.Record, key string) (mean, std float64, hasStd, ok bool) {
	switch {
	case key == "peak_rss_mb":
		return r.PeakRSSMB, 0, false, r.PeakRSSMB > 0
	case key == "best_epoch":
		return float64(r.BestEpoch), 0, false, true
	case key == "collapse":
		if r.Collapse == nil || r.Collapse.MeanDistBefore <= 0 {
			return 0, 0, false, false
		}
		return r.Collapse.MeanDistAfter / r.Collapse.MeanDistBefore, 0, false, true
	case strings.HasPrefix(key, "time_s."):
		v, ok := r.TimeS[strings.TrimPrefix(key, "time_s.")]
		return v, 0, false, ok
	case key == "leakage":
		if r.Leakage == nil {
			return 0, 0, false, false
		}
		return r.Leakage.AUC, 0, false, true
	}
	if v, ok := r.Rec[key]; ok {
		return v, 0, false, true
	}
	if attr, ok := strings.CutSuffix(key, ":leakage"); ok {
		// One attribute's audit leakage (Record.LeakageByAttribute); a
		// record of one attribute answers for its own.
		lk := r.LeakageByAttribute[attr]
		if r.LeakageByAttribute == nil && configAttribute(r) == attr {
			lk = r.Leakage
		}
		if lk == nil {
			return 0, 0, false, false
		}
		return lk.AUC, 0, false, true
	}
	if att, m, ok := strings.Cut(key, "."); ok {
		if attr, a, per := strings.Cut(att, ":"); per {
			// One attribute of several (Record.AttackByAttribute); a record
			// of one attribute answers for it when it is that attribute.
			if by, ok := r.AttackByAttribute[attr]; ok {
				if s, ok := by[a][m]; ok {
					return s.Mean, s.Std, true, true
				}
				return 0, 0, false, false
			}
			if r.AttackByAttribute != nil || configAttribute(r) != attr {
				return 0, 0, false, false
			}
			att = a
		}
		if s, ok := r.Attack[att][m]; ok {
			return s.Mean, s.Std, true, true
		}
	}
	return 0, 0, false, false
}

// configAttribute is the record's data.attribute when it is one name.
func configAttribute(r *results.Record) string {
	if d, ok := r.Config["data"].(map[string]any); ok {
		if a, ok := d["attribute"].(string); ok {
			return a
		}
	}
	return ""
}

// ColumnHelp lists the column keys a table accepts, one kind a line, for
// `potau report -h`.
func ColumnHelp() string {
	return `  <attacker>.<metric>   attack summary; attacker: mlp, gbdt (any attacker the run used);
                        metric: auc, accuracy, balanced_accuracy, precision, recall, f1
  <attribute>:<attacker>.<metric>
                        the same for one attribute of several (data.attribute: [gender, age])
  <attribute>:leakage   the audit's worst-case AUC for that attribute
  <metric>@<K>          ranking metric; metric: hr, ndcg, recall, precision, mrr, map,
                        or full_<metric> for the full-ranking twin; K: a cut-off of eval.ks
  time_s.<stage>        measured seconds of a stage (e.g. time_s.train, time_s.unlearn)
  peak_rss_mb           peak resident memory (MB)
  best_epoch            selected training epoch
  collapse              users' mean pairwise distance after unlearning over before
  leakage               the leakage audit's worst-case AUC and who reached it
                        (added after the attack columns whenever the records carry it)
`
}

// CheckColumns reports the first column key that names no metric a record
// can carry (see ColumnHelp), with what was expected.
func CheckColumns(keys []string) error {
	for _, k := range keys {
		if !validColumn(k) {
			return fmt.Errorf("unknown column %q: want [<attribute>:]<attacker>.<metric> (metric one of auc, accuracy, balanced_accuracy, precision, recall, f1), <metric>@<K> (metric one of hr, ndcg, recall, precision, mrr, map, optionally full_), time_s.<stage>, peak_rss_mb, best_epoch, collapse, leakage or <attribute>:leakage", k)
		}
	}
	return nil
}

// validColumn reports whether key has the shape of a column key.
func validColumn(key string) bool {
	switch key {
	case "peak_rss_mb", "best_epoch", "collapse", "leakage":
		return true
	}
	if st, ok := strings.CutPrefix(key, "time_s."); ok {
		return st != ""
	}
	if attr, ok := strings.CutSuffix(key, ":leakage"); ok {
		return attr != "" && !strings.ContainsAny(attr, ".:")
	}
	if name, k, ok := strings.Cut(key, "@"); ok {
		n, err := strconv.Atoi(k)
		_, known := recPrefixes[strings.TrimPrefix(name, "full_")]
		return err == nil && n >= 1 && known
	}
	if att, m, ok := strings.Cut(key, "."); ok {
		_, known := attackMetricLabels[m]
		if attr, a, per := strings.Cut(att, ":"); per {
			return attr != "" && a != "" && known
		}
		return att != "" && known
	}
	return false
}

// withLeakage returns cols with "leakage" inserted after the last attack
// column (at the end when there is none) when some record carries a
// leakage and cols does not name it already.
func withLeakage(recs []results.Record, cols []string) []string {
	if slices.Contains(cols, "leakage") {
		return cols
	}
	has := false
	for i := range recs {
		has = has || recs[i].Leakage != nil
	}
	if !has {
		return cols
	}
	at := len(cols)
	for j, k := range cols {
		if _, ok := newColumn(k, 3).attacker(); ok {
			at = j + 1
		}
	}
	return slices.Insert(slices.Clone(cols), at, "leakage")
}

// leakageWho names who reached the leakage of the records idx:
// "attacker/representation", the distinct values joined by ", " in
// record order when seeds disagree.
func leakageWho(recs []results.Record, idx []int) string {
	var who []string
	for _, i := range idx {
		if l := recs[i].Leakage; l != nil {
			w := l.Attacker + "/" + l.Representation
			if !slices.Contains(who, w) {
				who = append(who, w)
			}
		}
	}
	return strings.Join(who, ", ")
}
