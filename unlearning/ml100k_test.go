package unlearning

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/recmodels"
)

// dataDir returns $POTAU_DATA, or ../shared/datasets beside the repository
// when it exists, or "".
func dataDir() string {
	if d := os.Getenv("POTAU_DATA"); d != "" {
		return d
	}
	d, _ := filepath.Abs("../../shared/datasets")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

// meanSqDistances returns the mean squared distance over all pairs of
// distinct labelled users and over cross-group pairs, in float64.
func meanSqDistances(m recmodels.Model, g *Groups) (all, cross float64) {
	U := m.UserTable()
	pairs, _ := g.Pairs("pairs", 0)
	var rows []int32
	for _, mem := range g.Members {
		rows = append(rows, mem...)
	}
	all64 := make([]float64, 0, len(rows)*U.Cols)
	for _, r := range rows {
		for _, v := range U.Row(int(r)) {
			all64 = append(all64, float64(v))
		}
	}
	u := make([]float64, len(U.Data))
	for i, v := range U.Data {
		u[i] = float64(v)
	}
	n0, n1 := float64(len(g.Members[0])), float64(len(g.Members[1]))
	cross = U2U(nil, u, U.Cols, g, pairs, 0) / (n0 * n1)
	return meanSqDistFast(all64, U.Cols), cross
}

// meanSqDistFast is Σ_ab ‖z_a − z_b‖² / (n² − n) = 2n Σ‖z_a − z̄‖² / (n² − n).
func meanSqDistFast(z []float64, d int) float64 {
	n := len(z) / d
	mean := make([]float64, d)
	for i, v := range z {
		mean[i%d] += v / float64(n)
	}
	var s float64
	for i, v := range z {
		s += (v - mean[i%d]) * (v - mean[i%d])
	}
	return 2 * float64(n) * s / float64(n*n-n)
}

// TestML100KNeuMF trains the reference NeuMF (and, with
// POTAU_ML100K=lightgcn or =all, LightGCN) on ML-100K (25 epochs, best epoch
// by test HR@10 as in the reference) and runs D2D-R (rank) for
// α ∈ {1e-6, 1e-4, 1e-2, 1}, U2U and D2D with the reference 500 steps,
// logging HR@10 / NDCG@10 before and after, MMD², the mean squared distances
// and the cost. It takes minutes, so it runs only with POTAU_ML100K set.
func TestML100KNeuMF(t *testing.T) {
	kinds := map[string][]string{"1": {"neumf"}, "neumf": {"neumf"}, "lightgcn": {"lightgcn"}, "all": {"neumf", "lightgcn"}}[os.Getenv("POTAU_ML100K")]
	if kinds == nil {
		t.Skip("set POTAU_ML100K=1 (NeuMF), lightgcn or all to train on ML-100K and run the α sweep")
	}
	dir := dataDir()
	if dir == "" {
		t.Skip("no data: set POTAU_DATA to the folder holding ml-100k/")
	}
	ctx := context.Background()
	dc := datasets.DefaultConfig()
	dc.Name, dc.Path = datasets.NameML100K, filepath.Join(dir, "ml-100k")
	_, s, err := datasets.Prepare(ctx, dc, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range kinds {
		ml100kSweep(t, s, kind)
	}
}

// ml100kSweep trains one recommender kind and logs the sweep.
func ml100kSweep(t *testing.T, s *datasets.Split, kind string) {
	ctx := context.Background()
	labels := s.Attributes["gender"].Labels
	rc := recmodels.DefaultConfig(kind)
	m, res, err := recmodels.Train(ctx, s, rc, 1, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: best epoch %d (%s), %.0f s", kind, res.BestEpoch, res.Selection, res.Seconds)
	g, _ := NewGroups(labels)
	report := func(name string, m recmodels.Model, tr *Trace) {
		ev, err := recmodels.Evaluate(ctx, m, s, "test", []int{10})
		if err != nil {
			t.Fatal(err)
		}
		all, cross := meanSqDistances(m, g)
		line := ""
		if tr != nil {
			line = " | dist " + ftoa(tr.Terms["dist"][0]) + " → " + ftoa(tr.Final["dist"])
			if r, ok := tr.Final["reg"]; ok {
				line += ", reg → " + ftoa(r)
			}
			line += ", " + ftoa(tr.Seconds) + " s (setup " + ftoa(tr.SetupSeconds) + " s)"
		}
		t.Logf("%-14s HR@10 %.4f NDCG@10 %.4f MMD² %.4g mean sq dist all %.4g cross %.4g%s",
			name, ev["hr@10"], ev["ndcg@10"], groupMMD(t, m, labels), all, cross, line)
	}
	report(kind+" original", m, nil)
	c := DefaultConfig()
	for _, alpha := range []float64{1e-6, 1e-4, 1e-2, 1} {
		c.Alpha = alpha
		um, tr, err := Run(ctx, m, s, labels, MethodD2DR, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		report("D2D-R α="+ftoa(alpha), um, tr)
	}
	for _, method := range []Method{MethodU2U, MethodD2D} {
		um, tr, err := Run(ctx, m, s, labels, method, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		report(method.String(), um, tr)
	}
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', 4, 64) }
