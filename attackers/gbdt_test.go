package attackers

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/dmitryikh/leaves"
	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/rng"
)

// TestGBDTStumpClosedForm fits one depth-1 tree on x ∈ {1,2,3,4} (8 rows
// each), y = [x ≥ 3]. At margin 0, p = ½: g = ±½, h = ¼, so each value
// holds G = ±4, H = 2. The best split is x < 3 with
// Δ = 8²/(4+1) + 8²/(4+1) − 0 = 25.6 and leaf values ∓η·8/5 = ∓0.8.
func TestGBDTStumpClosedForm(t *testing.T) {
	X := mat.NewDense(32, 1, nil)
	y := make([]int, 32)
	for i := 0; i < 32; i++ {
		v := float64(i%4 + 1)
		X.Set(i, 0, v)
		if v >= 3 {
			y[i] = 1
		}
	}
	cfg := DefaultGBDTConfig()
	cfg.NEstimators, cfg.MaxDepth = 1, 1
	g := NewGBDT(cfg)
	if err := g.Fit(context.Background(), X, y, nil, 2, 0); err != nil {
		t.Fatal(err)
	}
	root := g.trees[0].nodes[0]
	l, r := g.trees[0].nodes[root.left], g.trees[0].nodes[root.right]
	if root.cut != 3 || math.Abs(root.gain-25.6) > 1e-12 || math.Abs(l.value+0.8) > 1e-15 || math.Abs(r.value-0.8) > 1e-15 {
		t.Fatalf("cut %v gain %v leaves %v %v; want 3, 25.6, -0.8, 0.8", root.cut, root.gain, l.value, r.value)
	}
	// The model text says x <= prev(3) goes left.
	if !strings.Contains(string(g.Model()), "threshold="+ftoa(math.Nextafter(3, math.Inf(-1)))+"\n") {
		t.Fatalf("threshold not converted:\n%s", g.Model())
	}
}

// TestGBDTLeavesMatchesTrainer checks that leaves, reading the written
// LightGBM text, predicts what the trainer computed on every training row.
// The features take few distinct values, so every cut is a value that
// many rows hold exactly (rows on a threshold must go right, x < cut being
// false). Both sides add the same float64 leaf values in the same order,
// so the margins agree exactly and the probabilities to rounding; the
// tolerance 1e-12 is far below the 1e-6 the attack needs.
func TestGBDTLeavesMatchesTrainer(t *testing.T) {
	for _, classes := range []int{2, 3} {
		r := rng.New(8, "test-leaves")
		n, d := 500, 4
		X := mat.NewDense(n, d, nil)
		y := make([]int, n)
		onCut := 0
		for i := 0; i < n; i++ {
			s := 0.0
			for j := 0; j < d; j++ {
				v := float64(r.IntN(7)) * 0.25 // 7 distinct values per feature
				if j == 3 {
					v = r.NormFloat64() // one continuous feature
				}
				X.Set(i, j, v)
				s += v * float64(j+1)
			}
			y[i] = int(math.Abs(s+r.NormFloat64())) % classes
		}
		g := NewGBDT(DefaultGBDTConfig())
		if err := g.Fit(context.Background(), X, y, nil, classes, 0); err != nil {
			t.Fatal(err)
		}
		for _, tr := range g.trees {
			for _, nd := range tr.nodes {
				if nd.leaf {
					continue
				}
				for i := 0; i < n; i++ {
					if X.At(i, nd.feature) == nd.cut {
						onCut++
					}
				}
			}
		}
		if onCut == 0 {
			t.Fatal("no training row lies exactly on a threshold; the test lost its point")
		}
		P := mat.NewDense(n, classes, nil)
		if err := g.PredictProba(P, X); err != nil {
			t.Fatal(err)
		}
		prob := make([]float64, classes)
		for i := 0; i < n; i++ {
			if classes == 2 {
				prob[1] = sigmoid(g.TrainMargin.At(i, 0))
				prob[0] = 1 - prob[1]
			} else {
				mat.Row(prob, i, g.TrainMargin)
				softmax(prob)
			}
			for k := range prob {
				if math.Abs(prob[k]-P.At(i, k)) > 1e-12 {
					t.Fatalf("classes=%d row %d class %d: trainer %v, leaves %v", classes, i, k, prob[k], P.At(i, k))
				}
			}
		}
		// The text is a complete model: it loads again and counts its trees.
		ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(g.Model())), true)
		if err != nil {
			t.Fatal(err)
		}
		groups := classes
		if classes == 2 {
			groups = 1
		}
		if want := 1 + g.cfg.NEstimators; ens.NEstimators() != want || ens.NRawOutputGroups() != groups {
			t.Fatalf("leaves sees %d rounds × %d groups, want %d × %d", ens.NEstimators(), ens.NRawOutputGroups(), want, groups)
		}
		if g.Iterations() != g.cfg.NEstimators {
			t.Fatalf("Iterations %d", g.Iterations())
		}
	}
}

// TestQuantileCuts checks the cut placement: with at most maxBin distinct
// values every value but the smallest is a cut (each value its own bin,
// as in XGBoost), followed by max + |max| + 1e-5; with many distinct
// values the bins hold equal shares of the rows (within the rank error of
// two prunings, a few rows), and the bins are invariant under positive
// affine maps of the feature, which fixed-width bins over an outlier are
// not.
func TestQuantileCuts(t *testing.T) {
	got := QuantileCuts([]float64{3, 1, 2, 2, 5, 1, 3}, nil, 256)
	if want := []float64{2, 3, 5, 5 + 5 + 1e-5}; !slices.Equal(got, want) {
		t.Fatalf("few values: cuts %v, want %v", got, want)
	}
	r := rng.New(1, "test-cuts")
	n := 20000
	v := make([]float64, n)
	for i := range v {
		v[i] = r.NormFloat64()
	}
	cuts := QuantileCuts(v, nil, 256)
	if len(cuts) != 256 {
		t.Fatalf("%d cuts, want 256 (255 quantiles + the closing cut)", len(cuts))
	}
	counts := make([]int, len(cuts))
	for _, x := range v {
		counts[searchBin(cuts, x)]++
	}
	for b, c := range counts {
		// n/256 = 78.1 rows per bin; the first and last bins absorb the
		// ends of the rank grid.
		if c < 60 || c > 100 {
			t.Fatalf("bin %d holds %d rows, want ≈ 78 (counts %v)", b, c, counts)
		}
	}
	// Affine invariance of the bin assignment.
	w := make([]float64, n)
	for i := range v {
		w[i] = 1e-4*v[i] + 0.3
	}
	cw := QuantileCuts(w, nil, 256)
	for i := range v {
		if searchBin(cuts, v[i]) != searchBin(cw, w[i]) {
			t.Fatalf("row %d changes bin under x → 1e-4·x + 0.3", i)
		}
	}
	// Weighted: a value holding half the weight spans half the rank range.
	wt := []float64{10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}
	vals := []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	// Weighted: value 0 holds half the weight (rmin 0, rmax 10); SetPrune's
	// rank grid runs from rmax₀ = 10 to rmin_last = 19 in 4 steps of 2.25,
	// picking the entries nearest ranks 12.25, 14.5, 16.75: values 3, 5, 7.
	if c := QuantileCuts(vals, wt, 4); !slices.Equal(c, []float64{3, 5, 7, 10 + 10 + 1e-5}) {
		t.Fatalf("weighted cuts %v", c)
	}
}

// fixedWidthCuts splits [min, max] into maxBin equal-width bins: the
// scheme the quantile bins replace.
func fixedWidthCuts(vals, _ []float64, maxBin int) []float64 {
	lo, hi := slices.Min(vals), slices.Max(vals)
	c := make([]float64, maxBin)
	for b := range c {
		c[b] = lo + (hi-lo)*float64(b+1)/float64(maxBin)
	}
	c[maxBin-1] = hi + math.Abs(hi) + 1e-5
	return c
}

// collapsedTable imitates a table after U2U without regulariser: every
// user sits within 1e-4 of one point, each group in a tight band per
// dimension offset from the other's (the bands overlap per dimension, so
// one feature alone does not separate them), and 1% of users are left far
// out (at ±1), as a few high-norm users are.
func collapsedTable(n, d int, seed uint64) (*mat.Dense, []int) {
	r := rng.New(seed, "test-collapse")
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % 2
		out := r.IntN(100) == 0
		for j := 0; j < d; j++ {
			v := 0.3 + 1e-4*(r.Float64()+0.6*float64(y[i]))
			if out {
				v = float64(2*r.IntN(2) - 1)
			}
			X.Set(i, j, v)
		}
	}
	return X, y
}

// cvAUC is the mean held-out AUC and accuracy of fresh attackers over 5
// unshuffled stratified folds.
func cvAUC(t *testing.T, X *mat.Dense, y []int, fresh func() Attacker) (aucMean, accMean float64) {
	t.Helper()
	folds, err := StratifiedFolds(y, 5, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, d := X.Dims()
	for f := 0; f < 5; f++ {
		var tr, te []int
		for i, fo := range folds {
			if fo == f {
				te = append(te, i)
			} else {
				tr = append(tr, i)
			}
		}
		pick := func(rows []int) (*mat.Dense, []int) {
			m := mat.NewDense(len(rows), d, nil)
			l := make([]int, len(rows))
			for k, i := range rows {
				m.SetRow(k, X.RawRowView(i))
				l[k] = y[i]
			}
			return m, l
		}
		Xtr, ytr := pick(tr)
		Xte, yte := pick(te)
		a := fresh()
		if err := a.Fit(context.Background(), Xtr, ytr, nil, 2, uint64(f)); err != nil {
			t.Fatal(err)
		}
		P := mat.NewDense(len(te), 2, nil)
		if err := a.PredictProba(P, Xte); err != nil {
			t.Fatal(err)
		}
		pos := make([]bool, len(te))
		s := make([]float64, len(te))
		ok := 0
		for i := range te {
			pos[i], s[i] = yte[i] == 1, P.At(i, 1)
			if (s[i] > 0.5) == pos[i] {
				ok++
			}
		}
		auc, err := ROCAUC(pos, s)
		if err != nil {
			t.Fatal(err)
		}
		aucMean += auc / 5
		accMean += float64(ok) / float64(len(te)) / 5
	}
	return aucMean, accMean
}

// TestCollapsedTableFinding shows the finding the attack must not hide:
// after a collapse to a 1e-4-wide cloud, trees on quantile bins still
// separate the groups almost perfectly, the same trees on fixed-width bins
// (their width set by the outliers, ≈ 2/256 ≫ 1e-4) see chance, and the
// scale-sensitive MLP (the L2 penalty α = 1 keeps its weights too small to
// amplify 1e-4 differences) predicts one class for everybody: accuracy ½.
// Its AUC is not asserted: it ranks users by output differences near
// float64 resolution, which land anywhere (0.17–0.73 in trials), and is
// reported for what it is.
func TestCollapsedTableFinding(t *testing.T) {
	X, y := collapsedTable(800, 16, 1)
	mlpAUC, mlpAcc := cvAUC(t, X, y, func() Attacker { return NewMLP(DefaultMLPConfig()) })
	quant, quantAcc := cvAUC(t, X, y, func() Attacker { return NewGBDT(DefaultGBDTConfig()) })
	fixed, fixedAcc := cvAUC(t, X, y, func() Attacker {
		g := NewGBDT(DefaultGBDTConfig())
		g.cutFn = fixedWidthCuts
		return g
	})
	t.Logf("collapsed table: MLP AUC %.3f acc %.3f; GBDT quantile bins AUC %.3f acc %.3f; fixed-width bins AUC %.3f acc %.3f",
		mlpAUC, mlpAcc, quant, quantAcc, fixed, fixedAcc)
	if quant < 0.97 || quantAcc < 0.95 {
		t.Errorf("GBDT with quantile bins: AUC %.3f accuracy %.3f, want ≈ 1", quant, quantAcc)
	}
	if math.Abs(mlpAcc-0.5) > 0.03 {
		t.Errorf("MLP: accuracy %.3f, want ≈ 0.5", mlpAcc)
	}
	if math.Abs(fixed-0.5) > 0.1 || math.Abs(fixedAcc-0.5) > 0.1 {
		t.Errorf("GBDT with fixed-width bins: AUC %.3f accuracy %.3f, want ≈ 0.5", fixed, fixedAcc)
	}
}

// growTreeDense is growTree's split search as first written: every bin of
// every feature scanned, the whole histogram cleared per node. The tree
// grower skips empty bins (and clears only the used ones); this reference
// checks that the skip changes no split.
func growTreeDense(g *GBDT, bins []uint8, n, F int, gh []ghPair, G, k int) []treeNode {
	c := g.cfg
	maxBin := c.MaxBin
	pos := make([]int, n)
	for i := range pos {
		pos[i] = i
	}
	hist := make([]ghPair, F*maxBin)
	var G0, H0 float64
	for i := 0; i < n; i++ {
		G0 += gh[i*G+k].g
		H0 += gh[i*G+k].h
	}
	nodes := []treeNode{{sumG: G0, sumH: H0, count: n, begin: 0, end: n}}
	score := func(sg, sh float64) float64 { return sg * sg / (sh + c.RegLambda) }
	for level := 0; level < c.MaxDepth; level++ {
		levelStart := len(nodes)
		for id := 0; id < levelStart; id++ {
			nd := nodes[id]
			if nd.depth != level || nd.left != 0 {
				continue
			}
			clear(hist)
			for _, r := range pos[nd.begin:nd.end] {
				for f := 0; f < F; f++ {
					h := &hist[f*maxBin+int(bins[r*F+f])]
					h.g += gh[r*G+k].g
					h.h += gh[r*G+k].h
				}
			}
			parent := score(nd.sumG, nd.sumH)
			best, bf, bb := 0.0, -1, -1
			var bl ghPair
			for f := 0; f < F; f++ {
				var l ghPair
				for b := 0; b < len(g.cuts[f])-1; b++ {
					l.g += hist[f*maxBin+b].g
					l.h += hist[f*maxBin+b].h
					rg, rh := nd.sumG-l.g, nd.sumH-l.h
					if l.h < c.MinChildWeight || rh < c.MinChildWeight {
						continue
					}
					if chg := score(l.g, l.h) + score(rg, rh) - parent; chg > best+1e-10*math.Abs(best) {
						best, bf, bb, bl = chg, f, b, l
					}
				}
			}
			if bf < 0 || best <= kRtEps || best < c.Gamma {
				continue
			}
			var left, right []int
			for _, r := range pos[nd.begin:nd.end] {
				if int(bins[r*F+bf]) <= bb {
					left = append(left, r)
				} else {
					right = append(right, r)
				}
			}
			copy(pos[nd.begin:], append(left, right...))
			nl := len(left)
			li := len(nodes)
			nodes = append(nodes,
				treeNode{sumG: bl.g, sumH: bl.h, count: nl, depth: level + 1, begin: nd.begin, end: nd.begin + nl},
				treeNode{sumG: nd.sumG - bl.g, sumH: nd.sumH - bl.h, count: len(right), depth: level + 1, begin: nd.begin + nl, end: nd.end})
			p := &nodes[id]
			p.feature, p.bin, p.cut, p.gain = bf, bb, g.cuts[bf][bb], best
			p.left, p.right = li, li+1
		}
	}
	for i := range nodes {
		nd := &nodes[i]
		nd.leaf = nd.left == 0
		if nd.leaf {
			nd.value = -c.LearningRate * nd.sumG / (nd.sumH + c.RegLambda)
		}
	}
	return nodes
}

// TestGrowTreeSkipsEmptyBins grows trees on random binned data (few rows
// per node, so most bins of a deep node are empty; some features with few
// bins; MinChildWeight 0 and 1) with growTree and with the dense reference,
// and requires identical nodes: same splits, gains, sums and leaf values,
// bit for bit.
func TestGrowTreeSkipsEmptyBins(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for trial := 0; trial < 20; trial++ {
		n, F := 20+r.IntN(400), 1+r.IntN(12)
		cfg := DefaultConfig().GBDT
		cfg.MaxDepth = 1 + r.IntN(6)
		cfg.MinChildWeight = float64(r.IntN(2))
		g := &GBDT{cfg: cfg, cuts: make([][]float64, F)}
		bins := make([]uint8, n*F)
		for f := 0; f < F; f++ {
			nb := 2 + r.IntN(cfg.MaxBin-1)
			g.cuts[f] = make([]float64, nb)
			for b := range g.cuts[f] {
				g.cuts[f][b] = float64(b)
			}
			for i := 0; i < n; i++ {
				bins[i*F+f] = uint8(r.IntN(nb))
			}
		}
		gh := make([]ghPair, n)
		for i := range gh {
			p := r.Float64()
			gh[i] = ghPair{p - float64(r.IntN(2)), math.Max(p*(1-p), 1e-16)}
		}
		pos, scratch := make([]int, n), make([]int, n)
		hist := make([]ghPair, 256)
		binsT := make([]uint8, n*F) // growTree's feature-major layout
		for i := 0; i < n; i++ {
			for f := 0; f < F; f++ {
				binsT[f*n+i] = bins[i*F+f]
			}
		}
		got := g.growTree(binsT, n, F, gh, 1, 0, pos, scratch, make([]ghPair, n), hist)
		want := growTreeDense(g, bins, n, F, gh, 1, 0)
		if len(got.nodes) != len(want) {
			t.Fatalf("trial %d: %d nodes, reference %d", trial, len(got.nodes), len(want))
		}
		for i := range want {
			if got.nodes[i] != want[i] {
				t.Fatalf("trial %d node %d: %+v, reference %+v", trial, i, got.nodes[i], want[i])
			}
		}
		for i, h := range hist {
			if h != (ghPair{}) {
				t.Fatalf("trial %d: histogram slot %d left at %+v", trial, i, h)
			}
		}
	}
}
