package attackers

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"testing"

	"github.com/potau/potau/internal/rng"
)

// TestMetricsGolden compares every metric with scikit-learn 1.2.1's values
// in testdata/classification.json (positive class 1, predictions
// score >= 0.5). The metrics are ratios of small integer counts (and the
// AUC a ratio of half-integer counts), computed in float64 from exact
// counts, so they must agree to the last few ulps: tolerance 1e-12.
func TestMetricsGolden(t *testing.T) {
	raw, err := os.ReadFile("testdata/classification.json")
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Cases []struct {
			Y         []int     `json:"y"`
			Score     []float64 `json:"score"`
			Threshold float64   `json:"pred_threshold"`
			AUC       float64   `json:"auc"`
			Accuracy  float64   `json:"accuracy"`
			Precision float64   `json:"precision"`
			Recall    float64   `json:"recall"`
			F1        float64   `json:"f1"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Cases) == 0 {
		t.Fatal("no golden cases")
	}
	for ci, c := range g.Cases {
		pos := make([]bool, len(c.Y))
		pred := make([]int, len(c.Y))
		for i := range c.Y {
			pos[i] = c.Y[i] == 1
			if c.Score[i] >= c.Threshold {
				pred[i] = 1
			}
		}
		auc, err := ROCAUC(pos, c.Score)
		if err != nil {
			t.Fatal(err)
		}
		cm := NewConfusion(c.Y, pred, 2, 1)
		for _, m := range []struct {
			name      string
			got, want float64
		}{
			{"auc", auc, c.AUC},
			{"accuracy", cm.Accuracy(), c.Accuracy},
			{"precision", cm.Precision(), c.Precision},
			{"recall", cm.Recall(), c.Recall},
			{"f1", cm.F1(), c.F1},
		} {
			if math.Abs(m.got-m.want) > 1e-12 {
				t.Errorf("case %d %s = %.17g, scikit-learn %.17g", ci, m.name, m.got, m.want)
			}
		}
	}
}

// TestROCAUCPairCount checks the rank formula against the O(n²) pair
// count on random scores with many ties (scores rounded to 1 decimal).
// Both are exact sums of halves divided by n₊n₋; tolerance 1e-12.
func TestROCAUCPairCount(t *testing.T) {
	r := rng.New(3, "test-auc")
	for trial := 0; trial < 20; trial++ {
		n := 5 + r.IntN(200)
		pos := make([]bool, n)
		s := make([]float64, n)
		pos[0], pos[1] = true, false
		for i := range s {
			if i > 1 {
				pos[i] = r.IntN(3) == 0
			}
			s[i] = math.Round(r.Float64()*10) / 10
		}
		var num, np, nn float64
		for i := range s {
			if pos[i] {
				np++
			} else {
				nn++
			}
			for j := range s {
				if pos[i] && !pos[j] {
					switch {
					case s[i] > s[j]:
						num++
					case s[i] == s[j]:
						num += 0.5
					}
				}
			}
		}
		got, err := ROCAUC(pos, s)
		if err != nil {
			t.Fatal(err)
		}
		if want := num / (np * nn); math.Abs(got-want) > 1e-12 {
			t.Fatalf("trial %d: rank AUC %v, pair count %v", trial, got, want)
		}
	}
}

func TestMetricsErrorsAndEdges(t *testing.T) {
	for _, c := range []struct {
		name  string
		pos   []bool
		score []float64
	}{
		{"one class", []bool{true, true}, []float64{0.1, 0.2}},
		{"NaN", []bool{true, false}, []float64{math.NaN(), 0.2}},
		{"length", []bool{true, false}, []float64{0.2}},
	} {
		if _, err := ROCAUC(c.pos, c.score); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
	// Nothing predicted positive: precision and F1 are 0 (scikit-learn's
	// zero_division default), balanced accuracy is (1 + 0)/2.
	c := NewConfusion([]int{0, 1, 1, 0}, []int{0, 0, 0, 0}, 2, 1)
	if c.Precision() != 0 || c.F1() != 0 || c.Recall() != 0 || c.BalancedAccuracy() != 0.5 || c.Accuracy() != 0.5 {
		t.Errorf("all-negative predictions: %+v", c)
	}
}

// TestSummarize checks mean and population std against a hand computation:
// {1,2,3,4} has mean 2.5 and variance (2.25+0.25+0.25+2.25)/4 = 1.25.
func TestSummarize(t *testing.T) {
	s := Summarize([]float64{1, 2, 3, 4})
	if s.Mean != 2.5 || math.Abs(s.Std-math.Sqrt(1.25)) > 1e-15 {
		t.Fatalf("got %+v", s)
	}
}

func ExampleROCAUC() {
	pos := []bool{true, true, false, false}
	score := []float64{0.9, 0.4, 0.4, 0.1}
	auc, _ := ROCAUC(pos, score)
	// Pairs (pos, neg): 0.9>0.4, 0.9>0.1, 0.4=0.4 (½), 0.4>0.1 → 3.5/4.
	fmt.Println(auc)
	// Output: 0.875
}
