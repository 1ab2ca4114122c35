package reports

import (
	"fmt"
	"math"
	"strings"

	"github.com/potau/potau/results"
)

// DefaultMaxHRDrop is the default HR@10 budget of the best-method rule:
// a method may lose at most this much HR@10 (absolute) against the
// original model of its block.
const DefaultMaxHRDrop = 0.02

// bestHRKey is the recommendation metric the budget of the best-method
// rule is stated in.
const bestHRKey = "hr@10"

// worstCase returns the worst-case attack AUC of one record: the audit's
// leakage AUC when the record carries it, otherwise the largest mean AUC
// over the record's attackers, each folded about chance,
//
//	worst = max_a max(AUC_a, 1 − AUC_a),
//
// since an attacker whose output is flipped reaches 1 − AUC: a mean of 0.47
// leaks as much as one of 0.53 and is not better than 0.50. ok is false
// when the record has neither.
func worstCase(r *results.Record) (auc float64, ok bool) {
	if r.Leakage != nil && !math.IsNaN(r.Leakage.AUC) {
		return r.Leakage.AUC, true
	}
	auc = math.Inf(-1)
	for _, res := range r.Attack {
		if s, has := res["auc"]; has && !math.IsNaN(s.Mean) {
			auc, ok = math.Max(auc, math.Max(s.Mean, 1-s.Mean)), true
		}
	}
	return auc, ok
}

// belowChance reports whether any of the records carries a below-chance
// flag (for any attacker).
func belowChance(recs []results.Record, idx []int) bool {
	for _, i := range idx {
		for _, f := range recs[i].Flags {
			if strings.Contains(f, "below-chance") {
				return true
			}
		}
	}
	return false
}

// rowWorst is the worst-case attack AUC of a row: worstCase per record,
// averaged over the row's records (seeds). ok is false when a record lacks
// it, so that a row is never judged on part of its seeds.
func rowWorst(recs []results.Record, idx []int) (float64, bool) {
	var sum float64
	for _, i := range idx {
		w, ok := worstCase(&recs[i])
		if !ok {
			return 0, false
		}
		sum += w
	}
	return sum / float64(len(idx)), len(idx) > 0
}

// rowHR is the mean HR@10 of a row over its records; ok is false when a
// record lacks it.
func rowHR(recs []results.Record, idx []int) (float64, bool) {
	var sum float64
	for _, i := range idx {
		v, ok := recs[i].Rec[bestHRKey]
		if !ok || math.IsNaN(v) {
			return 0, false
		}
		sum += v
	}
	return sum / float64(len(idx)), len(idx) > 0
}

// markBestMethods applies the best-method rule (see the package comment)
// to every dataset × model × protocol block: among the non-original rows
// whose HR@10 drop against the block's original row is at most maxDrop,
// whose records carry no below-chance flag, and whose worst-case attack AUC
// is strictly below the original's, the rows with the lowest worst-case
// AUC (ties at digits decimals all count) are best. A block without an
// original row, or whose original lacks HR@10 or an attack AUC, has no
// best method: the budget and the improvement cannot be checked.
func (t *Table) markBestMethods(recs []results.Record, groups map[rowKey][]int, keys []rowKey, maxDrop float64, digits int) {
	p := math.Pow(10, float64(digits))
	round := func(x float64) float64 { return math.Round(x*p) / p }
	for lo := 0; lo < len(t.Rows); {
		hi := lo
		for hi < len(t.Rows) && t.Rows[hi].Block == t.Rows[lo].Block {
			hi++
		}
		orig := -1
		for i := lo; i < hi; i++ {
			if t.Rows[i].Kind == results.KindNone {
				orig = i
				break
			}
		}
		for i := lo; i < hi; i++ {
			r := &t.Rows[i]
			idx := groups[keys[i]]
			r.Worst, r.HasWorst = rowWorst(recs, idx)
			r.HR, r.HasHR = rowHR(recs, idx)
		}
		if orig >= 0 && t.Rows[orig].HasWorst && t.Rows[orig].HasHR {
			o := t.Rows[orig]
			best := math.Inf(1)
			eligible := make([]bool, hi-lo)
			for i := lo; i < hi; i++ {
				r := t.Rows[i]
				if i == orig || r.Kind == results.KindNone || !r.HasWorst || !r.HasHR ||
					math.IsInf(r.Worst, 0) || belowChance(recs, groups[keys[i]]) {
					continue
				}
				// A drop within the budget, compared at 1e-12 so that a
				// drop of exactly the budget counts as within it.
				if o.HR-r.HR > maxDrop+1e-12 || !(r.Worst < o.Worst) {
					continue
				}
				eligible[i-lo] = true
				best = math.Min(best, round(r.Worst))
			}
			for i := lo; i < hi; i++ {
				if eligible[i-lo] && round(t.Rows[i].Worst) <= best+1e-12 {
					t.Rows[i].Best = true
				}
			}
		}
		lo = hi
	}
}

// markLowestUnique sets Cell.Best, in each block and each GoalLower column
// (costs), on the single non-original row with the lowest value at the
// digits shown. When the lowest value is shared by several rows (a
// training time every method of a model inherits, a rounded 0.00) nothing
// is marked: a shared value distinguishes no method.
func (t *Table) markLowestUnique() {
	for j, c := range t.Columns {
		if c.Goal != GoalLower {
			continue
		}
		p := math.Pow(10, float64(c.Digits))
		for lo := 0; lo < len(t.Rows); {
			hi := lo
			for hi < len(t.Rows) && t.Rows[hi].Block == t.Rows[lo].Block {
				hi++
			}
			best, at, n := math.Inf(1), -1, 0
			for i := lo; i < hi; i++ {
				cell := t.Rows[i].Cells[j]
				if t.Rows[i].Kind == results.KindNone || !cell.OK || math.IsNaN(cell.Mean) || math.IsInf(cell.Mean, 0) {
					continue
				}
				v := math.Round(cell.Mean*p) / p
				switch {
				case v < best-1e-12:
					best, at, n = v, i, 1
				case math.Abs(v-best) <= 1e-12:
					n++
				}
			}
			if n == 1 {
				t.Rows[at].Cells[j].Best = true
			}
			lo = hi
		}
	}
}

// bestRule describes the best-method rule for captions.
func bestRule(maxDrop float64) string {
	return fmt.Sprintf("The best method of each dataset × model (name in bold) has the lowest worst-case attack AUC (the audit's leakage when recorded, otherwise the highest AUC over the attackers, an AUC below 0.5 counted as 1 − AUC) among the methods that lose at most %s HR@10 against the original model, whose worst case is below the original's and that no attacker recovers below chance; a block may have none.", fmtG(maxDrop))
}
