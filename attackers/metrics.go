package attackers

import (
	"errors"
	"math"
	"sort"
)

// ROCAUC returns the area under the ROC curve of score for the positive
// rows (pos[i] true) against the negative rows, counting ties as ½:
//
//	AUC = (1/(n₊·n₋)) · Σ_{i∈P} Σ_{j∈N} ( [s_i > s_j] + ½·[s_i = s_j] )
//
// computed in O(n log n) from mid-ranks (the Mann–Whitney U statistic):
//
//	AUC = (Σ_{i∈P} rank_i − n₊(n₊+1)/2) / (n₊·n₋)
//
// with rank the 1-based mid-rank of s_i among all scores. It returns an
// error when either class is empty or a score is NaN.
func ROCAUC(pos []bool, score []float64) (float64, error) {
	if len(pos) != len(score) {
		return 0, errors.New("attackers: ROCAUC: labels and scores differ in length")
	}
	idx := make([]int, len(score))
	for i := range idx {
		if math.IsNaN(score[i]) {
			return 0, errors.New("attackers: ROCAUC: NaN score")
		}
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return score[idx[a]] < score[idx[b]] })
	var nPos, nNeg int
	var rankSum float64
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && score[idx[hi]] == score[idx[lo]] {
			hi++
		}
		mid := float64(lo+1+hi) / 2 // mean of the 1-based ranks lo+1..hi
		for _, i := range idx[lo:hi] {
			if pos[i] {
				nPos++
				rankSum += mid
			} else {
				nNeg++
			}
		}
		lo = hi
	}
	if nPos == 0 || nNeg == 0 {
		return 0, errors.New("attackers: ROCAUC: needs both positive and negative rows")
	}
	np, nn := float64(nPos), float64(nNeg)
	return (rankSum - np*(np+1)/2) / (np * nn), nil
}

// Confusion counts the predictions of one class ("positive") against the
// rest, plus per-class recall for balanced accuracy.
type Confusion struct {
	TP, FP, TN, FN int
	// Correct[k] and Total[k] count the rows of true class k that were
	// predicted k, and all rows of true class k.
	Correct, Total []int
}

// NewConfusion tallies true classes y against predicted classes pred (both
// in [0, classes)) with positive the reported class.
func NewConfusion(y, pred []int, classes, positive int) Confusion {
	c := Confusion{Correct: make([]int, classes), Total: make([]int, classes)}
	for i := range y {
		c.Total[y[i]]++
		if pred[i] == y[i] {
			c.Correct[y[i]]++
		}
		switch p, t := pred[i] == positive, y[i] == positive; {
		case p && t:
			c.TP++
		case p && !t:
			c.FP++
		case !p && t:
			c.FN++
		default:
			c.TN++
		}
	}
	return c
}

// Accuracy is the fraction of rows predicted correctly.
func (c Confusion) Accuracy() float64 {
	var ok, n int
	for k := range c.Total {
		ok += c.Correct[k]
		n += c.Total[k]
	}
	return ratio(ok, n)
}

// BalancedAccuracy is the mean over classes present of the per-class recall
// (scikit-learn's balanced_accuracy_score without adjustment).
func (c Confusion) BalancedAccuracy() float64 {
	var s float64
	var m int
	for k := range c.Total {
		if c.Total[k] > 0 {
			s += ratio(c.Correct[k], c.Total[k])
			m++
		}
	}
	if m == 0 {
		return 0
	}
	return s / float64(m)
}

// Precision is TP/(TP+FP), 0 when nothing is predicted positive
// (scikit-learn's zero_division default).
func (c Confusion) Precision() float64 { return ratio(c.TP, c.TP+c.FP) }

// Recall is TP/(TP+FN), 0 without positive rows.
func (c Confusion) Recall() float64 { return ratio(c.TP, c.TP+c.FN) }

// F1 is the harmonic mean of precision and recall, 2TP/(2TP+FP+FN), and 0
// when both are 0.
func (c Confusion) F1() float64 { return ratio(2*c.TP, 2*c.TP+c.FP+c.FN) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// FoldMetrics are the metrics of one fold of one repeat.
type FoldMetrics struct {
	Repeat int    `json:"repeat"`
	Fold   int    `json:"fold"`
	Seed   uint64 `json:"seed"` // the attacker's seed for this fold
	NTrain int    `json:"n_train"`
	NTest  int    `json:"n_test"`
	// Iterations is the MLP's number of epochs or the GBDT's number of
	// trees.
	Iterations       int     `json:"iterations"`
	AUC              float64 `json:"auc"`
	Accuracy         float64 `json:"accuracy"`
	BalancedAccuracy float64 `json:"balanced_accuracy"`
	Precision        float64 `json:"precision"`
	Recall           float64 `json:"recall"`
	F1               float64 `json:"f1"`
}

// MetricNames lists the metrics of a Result, in report order.
var MetricNames = []string{"auc", "accuracy", "balanced_accuracy", "precision", "recall", "f1"}

// value returns the metric called name.
func (f FoldMetrics) value(name string) float64 {
	switch name {
	case "auc":
		return f.AUC
	case "accuracy":
		return f.Accuracy
	case "balanced_accuracy":
		return f.BalancedAccuracy
	case "precision":
		return f.Precision
	case "recall":
		return f.Recall
	case "f1":
		return f.F1
	}
	panic("attackers: unknown metric " + name)
}

// Summary is a metric's mean and population standard deviation (ddof 0, as
// numpy's std) over folds × repeats.
type Summary struct {
	Mean float64 `json:"mean"`
	Std  float64 `json:"std"`
}

// Summarize returns the mean and population standard deviation of v,
// computed in two passes in index order.
func Summarize(v []float64) Summary {
	if len(v) == 0 {
		return Summary{Mean: math.NaN(), Std: math.NaN()}
	}
	var s float64
	for _, x := range v {
		s += x
	}
	m := s / float64(len(v))
	var ss float64
	for _, x := range v {
		ss += (x - m) * (x - m)
	}
	return Summary{Mean: m, Std: math.Sqrt(ss / float64(len(v)))}
}
