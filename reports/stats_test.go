package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/potau/potau/results"
)

// scipyCase is one case of testdata/scipy_stats.json: inputs and scipy's
// ttest_rel and wilcoxon outputs (null where scipy gave NaN).
type scipyCase struct {
	Name string    `json:"name"`
	X    []float64 `json:"x"`
	Y    []float64 `json:"y"`
	T    *float64  `json:"t"`
	TP   *float64  `json:"t_p"`
	W    float64   `json:"w"`
	WP   float64   `json:"w_p"`
}

type scipyFile struct {
	Scipy string      `json:"scipy"`
	Cases []scipyCase `json:"cases"`
}

// TestStatsScipyParity compares PairedT and Wilcoxon with scipy 1.10's
// ttest_rel and wilcoxon on the stored cases (exact and approximate
// Wilcoxon branches, a zero difference, ties). Tolerance 1e-6 absolute on
// statistics and p-values, as the acceptance asks; both sides compute in
// float64 from the same inputs, so the true differences are ~1e-12 (the
// Student-t tail is an incomplete beta in both libraries).
func TestStatsScipyParity(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "scipy_stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f scipyFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Cases) < 10 {
		t.Fatalf("%d cases, want at least 10", len(f.Cases))
	}
	const tol = 1e-6
	for _, c := range f.Cases {
		tt, tp := PairedT(c.X, c.Y)
		if c.T == nil {
			if !math.IsNaN(tt) {
				t.Errorf("%s: t = %v, scipy NaN", c.Name, tt)
			}
		} else if math.Abs(tt-*c.T) > tol || math.Abs(tp-*c.TP) > tol {
			t.Errorf("%s: t = %v p = %v, scipy t = %v p = %v", c.Name, tt, tp, *c.T, *c.TP)
		}
		w, wp, _ := Wilcoxon(c.X, c.Y)
		if math.Abs(w-c.W) > tol || math.Abs(wp-c.WP) > tol {
			t.Errorf("%s: W = %v p = %v, scipy W = %v p = %v", c.Name, w, wp, c.W, c.WP)
		}
	}
}

// TestStatsScipyRerun re-runs testdata/scipy_stats.py where Debian's
// python3-scipy is installed and checks that the stored file is scipy's
// output (so the parity test compares with scipy, not with a stale copy).
func TestStatsScipyRerun(t *testing.T) {
	py := os.Getenv("POTAU_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
	}
	if err := exec.Command(py, "-c", "import scipy, numpy").Run(); err != nil {
		t.Skipf("%s cannot import scipy and numpy (Debian: apt-get install python3-scipy): the stored scipy outputs are checked, not regenerated", py)
	}
	cmd := exec.Command(py, filepath.Join("testdata", "scipy_stats.py"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("scipy_stats.py: %v\n%s", err, stderr.String())
	}
	var got, want scipyFile
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join("testdata", "scipy_stats.json"))
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(got.Cases) != len(want.Cases) {
		t.Fatalf("scipy %s: %d cases, stored %d (regenerate testdata/scipy_stats.json)", got.Scipy, len(got.Cases), len(want.Cases))
	}
	// Another scipy release may differ in the last bits: 1e-9.
	for i, g := range got.Cases {
		w := want.Cases[i]
		if g.Name != w.Name || math.Abs(g.W-w.W) > 1e-9 || math.Abs(g.WP-w.WP) > 1e-9 || (g.TP == nil) != (w.TP == nil) ||
			(g.TP != nil && math.Abs(*g.TP-*w.TP) > 1e-9) {
			t.Errorf("case %d (%s): scipy %s now gives %+v, stored %+v", i, g.Name, got.Scipy, g, w)
		}
	}
}

// TestWilcoxonExactSmall checks the exact branch by enumeration: for
// n = 3 untied differences, every one of the 2³ sign patterns is equally
// likely, so with all differences negative R+ = 0, P(R+ ≤ 0) = 1/8 and the
// two-sided p is 2/8.
func TestWilcoxonExactSmall(t *testing.T) {
	w, p, exact := Wilcoxon([]float64{0.1, 0.2, 0.3}, []float64{0.5, 0.7, 0.9})
	if !exact || w != 0 || math.Abs(p-0.25) > 1e-15 {
		t.Errorf("Wilcoxon = %v, %v, exact %v; want 0, 0.25, exact", w, p, exact)
	}
	// The null distribution sums to one and is symmetric.
	for n := 1; n <= 12; n++ {
		pmf := signedRankPMF(n)
		var s float64
		for k := range pmf {
			s += pmf[k]
			if pmf[k] != pmf[len(pmf)-1-k] {
				t.Fatalf("n=%d: pmf not symmetric at %d", n, k)
			}
		}
		if math.Abs(s-1) > 1e-15 {
			t.Errorf("n=%d: pmf sums to %v", n, s)
		}
	}
}

// TestHolm checks Holm's adjustment against a hand computation: p =
// (0.01, 0.04, 0.03, NaN, 0.2), m = 4: sorted 0.01·4 = 0.04, 0.03·3 = 0.09,
// 0.04·2 = 0.08 → max with 0.09 = 0.09, 0.2·1 = 0.2.
func TestHolm(t *testing.T) {
	got := Holm([]float64{0.01, 0.04, 0.03, math.NaN(), 0.2})
	want := []float64{0.04, 0.09, 0.09, math.NaN(), 0.2}
	for i := range want {
		if math.IsNaN(want[i]) != math.IsNaN(got[i]) || (!math.IsNaN(want[i]) && math.Abs(got[i]-want[i]) > 1e-15) {
			t.Errorf("Holm[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

// TestCohenDzAndBootstrap: d = (1, 2, 3) has mean 2 and sd 1, so d_z = 2;
// a bootstrap of a constant difference is that constant; a seeded source
// gives the same interval twice, and the interval lies within the range of
// the differences.
func TestCohenDzAndBootstrap(t *testing.T) {
	if dz := CohenDz([]float64{2, 4, 6}, []float64{1, 2, 3}); math.Abs(dz-2) > 1e-15 {
		t.Errorf("d_z = %v, want 2", dz)
	}
	lo, hi := BootstrapCI([]float64{1, 1, 1}, []float64{0.5, 0.5, 0.5}, 100, 0.95, rand.New(rand.NewPCG(1, 2)))
	if lo != 0.5 || hi != 0.5 {
		t.Errorf("constant CI = [%v, %v], want [0.5, 0.5]", lo, hi)
	}
	x, y := []float64{0.1, 0.5, 0.3, 0.9}, []float64{0, 0, 0, 0}
	l1, h1 := BootstrapCI(x, y, 2000, 0.95, rand.New(rand.NewPCG(7, 8)))
	l2, h2 := BootstrapCI(x, y, 2000, 0.95, rand.New(rand.NewPCG(7, 8)))
	if l1 != l2 || h1 != h2 || !(0.1 <= l1 && l1 < mean(x) && mean(x) < h1 && h1 <= 0.9) {
		t.Errorf("CI [%v, %v] then [%v, %v]; want equal, around the mean %v, within [0.1, 0.9]", l1, h1, l2, h2, mean(x))
	}
}

// sigRecords: three seeds of original, adv (a baseline), U2U and D2D in one
// block; D2D lacks seed 3 and U2U is alone in another block without an
// original.
func sigRecords() []results.Record {
	var recs []results.Record
	add := func(model, method string, seed uint64, mlp, gbdt, hr float64) {
		r := bestRecord(model, method, mlp, gbdt, hr)
		r.Seed = seed
		recs = append(recs, r)
	}
	for s := uint64(1); s <= 3; s++ {
		f := float64(s)
		add("m", "original", s, 0.70+0.01*f, 0.72, 0.60)
		add("m", "adv", s, 0.60, 0.62-0.01*f, 0.55+0.001*f*f)
		add("m", "U2U", s, 0.52+0.001*f*f, 0.51, 0.59-0.002*f)
		if s < 3 {
			add("m", "D2D", s, 0.55, 0.56+0.01*f, 0.60)
		}
		add("n", "U2U", s, 0.5, 0.5, 0.5)
	}
	return recs
}

// TestSignificance checks which comparisons the section makes and that
// each is the paired tests of the per-seed values worked out by hand.
func TestSignificance(t *testing.T) {
	s := BuildSignificance(sigRecords(), Options{})
	var got []string
	for _, c := range s.Comparisons {
		got = append(got, c.Model+"/"+c.Row+" vs "+c.Versus+": "+c.Metric+" n="+fmt.Sprint(len(c.Seeds)))
	}
	want := []string{
		"m/adv vs original: worst-case AUC n=3", "m/adv vs original: HR@10 n=3",
		"m/U2U vs original: worst-case AUC n=3", "m/U2U vs original: HR@10 n=3",
		"m/U2U vs best baseline (adv): worst-case AUC n=3", "m/U2U vs best baseline (adv): HR@10 n=3",
		"m/D2D vs original: worst-case AUC n=2", "m/D2D vs original: HR@10 n=2",
		"m/D2D vs best baseline (adv): worst-case AUC n=2", "m/D2D vs best baseline (adv): HR@10 n=2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("comparisons\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// U2U vs original, worst case per seed: U2U max(0.52+0.001s², 0.51),
	// original max(0.70+0.01s, 0.72).
	u, o := []float64{0.521, 0.524, 0.529}, []float64{0.72, 0.72, 0.73}
	c := s.Comparisons[2]
	tt, tp := PairedT(u, o)
	w, wp, _ := Wilcoxon(u, o)
	if math.Abs(c.T-tt) > 1e-12 || math.Abs(c.PT-tp) > 1e-12 || c.W != w || c.PW != wp || math.Abs(c.MeanDiff-(mean(u)-mean(o))) > 1e-12 {
		t.Errorf("U2U vs original: %+v; want t %v p %v W %v p %v", c, tt, tp, w, wp)
	}
	if !(c.CILo <= c.MeanDiff && c.MeanDiff <= c.CIHi) {
		t.Errorf("CI [%v, %v] does not hold Δ %v", c.CILo, c.CIHi, c.MeanDiff)
	}
	// Holm over the 10 tests of each kind never lowers a p-value.
	for _, c := range s.Comparisons {
		if !math.IsNaN(c.PT) && c.PTHolm < c.PT || c.PWHolm < c.PW {
			t.Errorf("%s %s: Holm-adjusted p below the raw p", c.Row, c.Metric)
		}
	}
	if BuildSignificance(testRecords(t)[:1], Options{}) != nil {
		t.Error("one record: a significance section")
	}
}

// quickEntry is one comparison scipy made on the three-seed quickstart.
type quickEntry struct {
	Model, Row, Versus, Metric string
	T, TP                      *float64
	W, WP, WPApprox            *float64
	ZeroOrTie                  bool `json:"zero_or_tie"`
}

func (q *quickEntry) UnmarshalJSON(b []byte) error {
	var raw struct {
		Model     string   `json:"model"`
		Row       string   `json:"row"`
		Versus    string   `json:"versus"`
		Metric    string   `json:"metric"`
		T         *float64 `json:"t"`
		TP        *float64 `json:"t_p"`
		W         *float64 `json:"w"`
		WP        *float64 `json:"w_p"`
		WPApprox  *float64 `json:"w_p_approx"`
		ZeroOrTie bool     `json:"zero_or_tie"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*q = quickEntry{raw.Model, raw.Row, raw.Versus, raw.Metric, raw.T, raw.TP, raw.W, raw.WP, raw.WPApprox, raw.ZeroOrTie}
	return nil
}

// TestSignificanceQuickstartParity: the significance section of a real
// three-seed sweep of the quickstart (testdata/quickstart3.jsonl) against
// scipy 1.10 on the same per-seed numbers (testdata/scipy_stats.py): every
// t-test p and every Wilcoxon p to 1e-6. Where the differences have no zero
// and no tied magnitude both sides use the exact distribution and the
// comparison is with scipy's default; with ties potau uses the normal
// approximation (the exact distribution assumes untied ranks) and the
// comparison is with scipy's method="approx" (scipy 1.10's default there
// truncates the tied rank sum into the exact distribution).
func TestSignificanceQuickstartParity(t *testing.T) {
	recs, err := results.ReadJSONL(filepath.Join("testdata", "quickstart3.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join("testdata", "scipy_stats.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Quick []quickEntry `json:"quickstart3"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	ref := map[string]quickEntry{}
	for _, q := range f.Quick {
		ref[q.Model+"|"+q.Row+"|"+q.Versus+"|"+q.Metric] = q
	}
	s := BuildSignificance(recs, Options{})
	if s == nil || len(s.Comparisons) != 40 {
		t.Fatalf("want 40 comparisons (2 models × (6 vs original + 4 vs the best baseline) × 2 metrics), got %v", s)
	}
	const tol = 1e-6
	exact, approx := 0, 0
	for _, c := range s.Comparisons {
		versus := c.Versus
		if v, ok := strings.CutPrefix(versus, "best baseline ("); ok {
			versus = strings.TrimSuffix(v, ")")
		}
		q, ok := ref[c.Model+"|"+c.Row+"|"+versus+"|"+c.Metric]
		if !ok {
			t.Errorf("%s %s vs %s %s: no scipy entry", c.Model, c.Row, versus, c.Metric)
			continue
		}
		if q.TP == nil {
			if !math.IsNaN(c.PT) {
				t.Errorf("%s %s vs %s %s: t p %v, scipy NaN", c.Model, c.Row, versus, c.Metric, c.PT)
			}
		} else if math.Abs(c.T-*q.T) > tol || math.Abs(c.PT-*q.TP) > tol {
			t.Errorf("%s %s vs %s %s: t %v p %v, scipy %v %v", c.Model, c.Row, versus, c.Metric, c.T, c.PT, *q.T, *q.TP)
		}
		switch {
		case q.WP == nil:
			if !math.IsNaN(c.PW) {
				t.Errorf("%s %s vs %s %s: W p %v, but every difference is zero", c.Model, c.Row, versus, c.Metric, c.PW)
			}
		case q.ZeroOrTie:
			approx++
			if c.WExact || math.Abs(c.W-*q.W) > tol || math.Abs(c.PW-*q.WPApprox) > tol {
				t.Errorf("%s %s vs %s %s: W %v p %v exact %v, scipy approx W %v p %v", c.Model, c.Row, versus, c.Metric, c.W, c.PW, c.WExact, *q.W, *q.WPApprox)
			}
		default:
			exact++
			if !c.WExact || math.Abs(c.W-*q.W) > tol || math.Abs(c.PW-*q.WP) > tol {
				t.Errorf("%s %s vs %s %s: W %v p %v exact %v, scipy W %v p %v", c.Model, c.Row, versus, c.Metric, c.W, c.PW, c.WExact, *q.W, *q.WP)
			}
		}
	}
	t.Logf("40 comparisons: t-test p all within %g of scipy; Wilcoxon %d exact (scipy default), %d with ties (scipy approx)", tol, exact, approx)
}
