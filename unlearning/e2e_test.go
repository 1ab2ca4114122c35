package unlearning

import (
	"context"
	"math"
	"testing"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/recmodels"
)

// synthSplit returns a small synthetic split with a planted binary
// attribute, and its labels.
func synthSplit(t *testing.T) (*datasets.Split, []int32) {
	t.Helper()
	dc := datasets.DefaultConfig()
	dc.Synthetic.Users, dc.Synthetic.Items, dc.Synthetic.Interactions = 240, 300, 7200
	dc.Synthetic.Strength = 3
	_, s, err := datasets.Prepare(context.Background(), dc, 1)
	if err != nil {
		t.Fatal(err)
	}
	a := s.Attributes["gender"]
	if a == nil {
		t.Fatal("synthetic split has no gender attribute")
	}
	return s, a.Labels
}

// groupMMD returns MMD²(G_1, G_0) of the model's user table (float64 path).
func groupMMD(t *testing.T, m recmodels.Model, labels []int32) float64 {
	t.Helper()
	U := m.UserTable()
	var x, y []float64
	for u, l := range labels {
		row := U.Row(u)
		for _, v := range row {
			switch l {
			case 0:
				x = append(x, float64(v))
			case 1:
				y = append(y, float64(v))
			}
		}
	}
	v, err := MMD2(context.Background(), nil, nil, x, y, U.Cols, DefaultConfig().Kernels, 64, 0)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestEndToEnd trains MF on a synthetic split with a strongly planted
// attribute, unlearns it with D2D-R and U2U, and checks that (1) the
// groups' MMD² falls at least 5-fold under D2D-R, (2) U2U contracts the mean
// cross-group distance, (3) only the user table changed (the item table is
// shared, not copied), and (4) D2D-R keeps HR@10 within 0.1 of the original.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	ctx := context.Background()
	s, labels := synthSplit(t)
	rc := recmodels.DefaultConfig("mf")
	rc.Dim, rc.Epochs, rc.Selection = 16, 8, "last"
	m, _, err := recmodels.Train(ctx, s, rc, 3, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	before, err := recmodels.Evaluate(ctx, m, s, "test", []int{10})
	if err != nil {
		t.Fatal(err)
	}
	mmd0 := groupMMD(t, m, labels)

	c := DefaultConfig()
	c.Steps, c.Alpha, c.LR, c.Tile = 300, 1e-4, 1e-2, 64
	um, tr, err := Run(ctx, m, s, labels, MethodD2DR, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	mmd1 := groupMMD(t, um, labels)
	after, err := recmodels.Evaluate(ctx, um, s, "test", []int{10})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("D2D-R: MMD² %.4g → %.4g; HR@10 %.3f → %.3f; %.2f s", mmd0, mmd1, before["hr@10"], after["hr@10"], tr.Seconds)
	if !(mmd1 < mmd0/5) {
		t.Errorf("MMD² %.4g → %.4g, want a 5-fold drop", mmd0, mmd1)
	}
	if math.Abs(after["hr@10"]-before["hr@10"]) > 0.1 {
		t.Errorf("HR@10 %.3f → %.3f", before["hr@10"], after["hr@10"])
	}
	_, items0 := m.Embeddings()
	_, items1 := um.Embeddings()
	if &items0.Data[0] != &items1.Data[0] {
		t.Error("the unlearned model copied the item table")
	}
	if &m.UserTable().Data[0] == &um.UserTable().Data[0] {
		t.Error("the unlearned model shares the original user table")
	}

	g, _ := NewGroups(labels)
	pairs, _ := g.Pairs("anchor", g.DefaultAnchor())
	cross := func(m recmodels.Model) float64 {
		U := m.UserTable()
		n := float64(len(g.Members[0]) * len(g.Members[1]))
		return U2U(nil, U.Data, U.Cols, g, pairs, 0) / n
	}
	c.Steps = 100
	u2u, _, err := Run(ctx, m, s, labels, MethodU2U, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	d0, d1 := cross(m), cross(u2u)
	t.Logf("U2U: mean cross-group squared distance %.4g → %.4g", d0, d1)
	if !(d1 < d0/2) {
		t.Errorf("U2U did not contract the table: %.4g → %.4g", d0, d1)
	}
}

// TestBaselines trains the adv and retrain baselines for two epochs through
// recmodels.Train and checks that their hook terms were logged.
func TestBaselines(t *testing.T) {
	if testing.Short() {
		t.Skip("trains models")
	}
	ctx := context.Background()
	s, labels := synthSplit(t)
	rc := recmodels.DefaultConfig("mf")
	rc.Dim, rc.Epochs, rc.Selection = 16, 2, "last"
	c := DefaultConfig()
	c.Tile = 64
	for _, method := range []Method{MethodAdv, MethodRetrain} {
		m, res, err := Baseline(ctx, method, s, labels, rc, c, 4, nil)
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		if m.NumUsers() != s.NumUsers || len(res.History) != 2 {
			t.Fatalf("%s: model of %d users, %d epochs", method, m.NumUsers(), len(res.History))
		}
		for _, e := range res.History {
			if !(e.HookLoss > 0) {
				t.Errorf("%s: epoch %d hook loss %v", method, e.Epoch, e.HookLoss)
			}
		}
		t.Logf("%s: hook loss per epoch %.4g, %.4g", method, res.History[0].HookLoss, res.History[1].HookLoss)
	}
	if _, _, err := Baseline(ctx, MethodD2D, s, labels, rc, c, 4, nil); err == nil {
		t.Error("Baseline accepted a post-training method")
	}
}
