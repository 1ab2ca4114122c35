package attackers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"

	"github.com/dmitryikh/leaves"
	"gonum.org/v1/gonum/mat"
)

// GBDT is a gradient-boosted trees classifier with the semantics of
// XGBoost 1.7's XGBClassifier(tree_method="hist"): binary logistic (or
// softmax over K > 2 classes, one tree per class and round), second-order
// gradient statistics, depthwise growth and quantile histograms.
//
// Per round, with margins F and p = σ(F) (binary), each row has
//
//	g_i = w_i·(p_i − y_i),   h_i = w_i·max(p_i(1 − p_i), 1e-16)
//
// (softmax: g_ik = w_i(p_ik − [y_i=k]), h_ik = w_i·max(2p_ik(1−p_ik), 1e-16)).
// A node with sums G, H splits at the histogram boundary that maximises
//
//	Δ = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ)
//
// over features and bins with H_L, H_R ≥ min_child_weight (ties, up to a
// relative 1e-10, go to the lower feature, then the lower bin); it splits when Δ > 1e-6 and Δ ≥ γ and
// its depth is below max_depth. A leaf's value is −η·G/(H+λ). The features
// are binned once per Fit by QuantileCuts; rows go left when x < cut.
//
// Fit writes the ensemble as a LightGBM v3 text model (see WriteModel) and
// PredictProba evaluates that text with github.com/dmitryikh/leaves, so the
// predictions come from the saved model file.
type GBDT struct {
	cfg     GBDTConfig
	classes int
	nFeat   int
	cuts    [][]float64
	trees   []*tree // round-major: trees[r·groups + k]
	base    []float64
	model   []byte
	ens     *leaves.Ensemble
	// TrainMargin holds the trainer's own margins of the training rows
	// (rows × groups), summed in the same order leaves sums the trees.
	TrainMargin *mat.Dense
	minMax      [][2]float64
	// cutFn places the cut points; nil means QuantileCuts (tests swap in
	// fixed-width bins to show why quantiles matter).
	cutFn func(vals, weights []float64, maxBin int) []float64
}

// NewGBDT returns an unfitted GBDT.
func NewGBDT(cfg GBDTConfig) *GBDT { return &GBDT{cfg: cfg} }

// Name returns "gbdt".
func (g *GBDT) Name() string { return "gbdt" }

// Iterations returns the number of boosting rounds of the last Fit.
func (g *GBDT) Iterations() int {
	if g.classes == 0 {
		return 0
	}
	return len(g.trees) / g.groups()
}

// Settings returns the configuration.
func (g *GBDT) Settings() GBDTConfig { return g.cfg }

// Cuts returns the cut points of feature f of the last Fit (nil before a
// Fit or for a feature out of range).
func (g *GBDT) Cuts(f int) []float64 {
	if f < 0 || f >= len(g.cuts) {
		return nil
	}
	return g.cuts[f]
}

func (g *GBDT) groups() int {
	if g.classes == 2 {
		return 1
	}
	return g.classes
}

// tree is one regression tree; nodes are in breadth-first order, root 0.
type tree struct {
	nodes []treeNode
}

type treeNode struct {
	leaf        bool
	feature     int
	bin         int
	cut         float64 // rows with x < cut go left
	left, right int
	value       float64 // leaf value (η included)
	gain        float64
	sumG, sumH  float64
	count       int
	depth       int
	begin, end  int // rows of the node in the position array
}

type ghPair struct{ g, h float64 }

// kRtEps is XGBoost's minimum loss change of a valid split.
const kRtEps = 1e-6

// Fit trains the ensemble (deterministic; seed is unused) and loads its
// LightGBM text model with leaves.
func (g *GBDT) Fit(ctx context.Context, X *mat.Dense, y []int, w []float64, classes int, _ uint64) error {
	if err := checkFit(X, y, w, classes); err != nil {
		return err
	}
	if err := g.cfg.Validate(); err != nil {
		return fmt.Errorf("attackers: gbdt: %w", err)
	}
	n, F := X.Dims()
	g.classes, g.nFeat = classes, F
	G := g.groups()
	maxBin := g.cfg.MaxBin

	// Quantise: cut points per feature, bins row-major.
	g.cuts = make([][]float64, F)
	g.minMax = make([][2]float64, F)
	col := make([]float64, n)
	bins := make([]uint8, n*F)
	for f := 0; f < F; f++ {
		mat.Col(col, f, X)
		if g.cutFn != nil {
			g.cuts[f] = g.cutFn(col, w, maxBin)
		} else {
			g.cuts[f] = QuantileCuts(col, w, maxBin)
		}
		lo, hi := col[0], col[0]
		for i, v := range col {
			bins[f*n+i] = uint8(searchBin(g.cuts[f], v)) // feature-major: one feature's column is contiguous
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		g.minMax[f] = [2]float64{lo, hi}
	}

	// Base margins, as a one-leaf tree per group.
	g.base = make([]float64, G)
	if G == 1 {
		b := g.cfg.BaseScore
		g.base[0] = math.Log(b / (1 - b))
	}
	margin := mat.NewDense(n, G, nil)
	mr := margin.RawMatrix()
	for i := 0; i < n; i++ {
		for k := 0; k < G; k++ {
			mr.Data[i*mr.Stride+k] += g.base[k]
		}
	}

	gh := make([]ghPair, n*G)
	pos := make([]int, n)
	scratch := make([]int, n)
	scratchGH := make([]ghPair, n)
	hist := make([]ghPair, 256) // a slot per uint8 bin
	prob := make([]float64, G)
	g.trees = g.trees[:0]
	for round := 0; round < g.cfg.NEstimators; round++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			row := mr.Data[i*mr.Stride : i*mr.Stride+G]
			wi := 1.0
			if w != nil {
				wi = w[i]
			}
			if G == 1 {
				p := sigmoid(row[0])
				yi := 0.0
				if y[i] == 1 {
					yi = 1
				}
				gh[i] = ghPair{wi * (p - yi), wi * math.Max(p*(1-p), 1e-16)}
				continue
			}
			copy(prob, row)
			softmax(prob)
			for k, p := range prob {
				yk := 0.0
				if y[i] == k {
					yk = 1
				}
				gh[i*G+k] = ghPair{wi * (p - yk), wi * math.Max(2*p*(1-p), 1e-16)}
			}
		}
		for k := 0; k < G; k++ {
			t := g.growTree(bins, n, F, gh, G, k, pos, scratch, scratchGH, hist)
			for _, nd := range t.nodes {
				if !nd.leaf {
					continue
				}
				for _, r := range pos[nd.begin:nd.end] {
					mr.Data[r*mr.Stride+k] += nd.value
				}
			}
			g.trees = append(g.trees, t)
		}
	}
	g.TrainMargin = margin

	var buf bytes.Buffer
	if err := g.WriteModel(&buf); err != nil {
		return err
	}
	g.model = buf.Bytes()
	ens, err := leaves.LGEnsembleFromReader(bufio.NewReader(bytes.NewReader(g.model)), true)
	if err != nil {
		return fmt.Errorf("attackers: gbdt: leaves cannot read the model it wrote: %w", err)
	}
	g.ens = ens
	return nil
}

// growTree grows one depthwise tree for output group k from the binned
// features (feature-major: bins[f·n + i] is row i's bin of feature f; hist
// has 256 zero slots, one feature's histogram at a time, so it stays in
// the L1 cache; scratchGH has n slots for a node's gradient pairs). On
// return, pos[nd.begin:nd.end] lists the rows of each node.
func (g *GBDT) growTree(bins []uint8, n, F int, gh []ghPair, G, k int, pos, scratch []int, scratchGH, hist []ghPair) *tree {
	c := g.cfg
	for i := range pos {
		pos[i] = i
	}
	var G0, H0 float64
	for i := 0; i < n; i++ {
		G0 += gh[i*G+k].g
		H0 += gh[i*G+k].h
	}
	t := &tree{nodes: []treeNode{{sumG: G0, sumH: H0, count: n, begin: 0, end: n}}}
	ghNode := scratchGH[:n]
	var mark [256]byte // bins are uint8
	score := func(sg, sh float64) float64 { return sg * sg / (sh + c.RegLambda) }
	for level := 0; level < c.MaxDepth; level++ {
		levelStart := len(t.nodes)
		for id := 0; id < levelStart; id++ {
			nd := t.nodes[id]
			if nd.depth != level || nd.left != 0 {
				continue
			}
			// Histogram of the node.
			parent := score(nd.sumG, nd.sumH)
			best, bf, bb := 0.0, -1, -1
			var bl ghPair
			rows := pos[nd.begin:nd.end]
			// The node's gradient pairs in position order, gathered once
			// for all features.
			ghn := ghNode[:len(rows)]
			for i, r := range rows {
				ghn[i] = gh[r*G+k]
			}
			for f := 0; f < F; f++ {
				// The node's histogram of feature f (rows in position
				// order, as every bin's sum always was), marking the
				// non-empty bins with a byte each (a store only: a
				// bitmap's read-modify-write chains rows that share a
				// word); hist and mark are all zero on entry and left so.
				histRows(hist, &mark, bins[f*n:(f+1)*n], rows, ghn)
				// Split search over the non-empty bins only, in ascending
				// order: an empty bin leaves l unchanged, so its gain equals
				// that of the last non-empty bin before it, which was
				// already compared with a best no larger (best only changes
				// at a bin), and can never be strictly greater — skipping
				// it changes nothing.
				if sb, sl, sc, ok := splitBins(hist, &mark, len(g.cuts[f]), nd.sumG, nd.sumH, parent, best, c.MinChildWeight, c.RegLambda); ok {
					best, bf, bb, bl = sc, f, sb, sl
				}
			}
			if bf < 0 || best <= kRtEps || best < c.Gamma {
				continue
			}
			// Stable partition: bin <= bb goes left.
			nl := 0
			nr := 0
			for _, r := range pos[nd.begin:nd.end] {
				if int(bins[bf*n+r]) <= bb {
					pos[nd.begin+nl] = r
					nl++
				} else {
					scratch[nr] = r
					nr++
				}
			}
			copy(pos[nd.begin+nl:nd.end], scratch[:nr])
			li := len(t.nodes)
			t.nodes = append(t.nodes,
				treeNode{sumG: bl.g, sumH: bl.h, count: nl, depth: level + 1, begin: nd.begin, end: nd.begin + nl},
				treeNode{sumG: nd.sumG - bl.g, sumH: nd.sumH - bl.h, count: nr, depth: level + 1, begin: nd.begin + nl, end: nd.end})
			p := &t.nodes[id]
			p.feature, p.bin, p.cut, p.gain = bf, bb, g.cuts[bf][bb], best
			p.left, p.right = li, li+1
		}
	}
	for i := range t.nodes {
		nd := &t.nodes[i]
		nd.leaf = nd.left == 0
		if nd.leaf {
			nd.value = -c.LearningRate * nd.sumG / (nd.sumH + c.RegLambda)
		}
	}
	return t
}

// histRows adds the gradient pair ghn[i] of every row rows[i] to the bin
// col[rows[i]] of hist (len ≥ 256), in order, and marks the bin with a byte
// (a store only: a bitmap's read-modify-write would chain rows that share a
// word). It is a function of its own so that the loop keeps its state in
// registers (inside growTree the compiler kept the row counter on the stack).
//
//go:noinline
func histRows(hist []ghPair, mark *[256]byte, col []uint8, rows []int, ghn []ghPair) {
	hist = hist[:256]
	ghn = ghn[:len(rows)]
	for i, r := range rows {
		p := ghn[i]
		b := col[r]
		h := &hist[b]
		h.g += p.g
		h.h += p.h
		mark[b] = 1
	}
}

// splitBins runs the split search of one feature over its marked bins in
// ascending order (nb cut points; the last bin is never a left side) and
// clears them and their marks. It returns the first bin whose gain
//
//	chg = G_L²/(H_L+λ) + G_R²/(H_R+λ) − parent
//
// passes best by more than 1e-10·|best| (and each later one that passes the
// then best), with its left sums and gain; ok is false when none does.
//
//go:noinline
func splitBins(hist []ghPair, mark *[256]byte, nb int, sumG, sumH, parent, best, minChild, lambda float64) (bb int, bl ghPair, bestOut float64, ok bool) {
	hist = hist[:256]
	// The marks as a bitmap of four words, eight bytes at a time without
	// branches: bit 0 of byte i (each byte 0 or 1) moves to bit 56+i under
	// the multiply.
	var used [4]uint64
	for wd := 0; wd < len(mark); wd += 8 {
		m := binary.LittleEndian.Uint64(mark[wd:])
		used[wd>>6] |= (m * 0x0102040810204080 >> 56) << (wd & 63)
	}
	*mark = [256]byte{}
	var l ghPair
	for wd, m := range used {
		for ; m != 0; m &= m - 1 {
			b := wd<<6 + bits.TrailingZeros64(m)
			hb := hist[b&255]
			hist[b&255] = ghPair{}
			if b >= nb-1 {
				continue
			}
			l.g += hb.g
			l.h += hb.h
			rg, rh := sumG-l.g, sumH-l.h
			if l.h < minChild || rh < minChild {
				continue
			}
			chg := l.g*l.g/(l.h+lambda) + rg*rg/(rh+lambda) - parent
			if chg > best+1e-10*math.Abs(best) {
				best, bb, bl, ok = chg, b, l, true
			}
		}
	}
	return bb, bl, best, ok
}

// Model returns the LightGBM v3 text of the last Fit.
func (g *GBDT) Model() []byte { return g.model }

// PredictProba evaluates the saved model with leaves and writes the class
// probabilities of the rows of X into dst.
func (g *GBDT) PredictProba(dst, X *mat.Dense) error {
	if g.ens == nil {
		return errors.New("attackers: gbdt: predict before fit")
	}
	n, d := X.Dims()
	if d != g.nFeat {
		return fmt.Errorf("attackers: gbdt: fitted on %d features, got %d", g.nFeat, d)
	}
	if r, c := dst.Dims(); r != n || c != g.classes {
		return fmt.Errorf("attackers: gbdt: dst is %d×%d, want %d×%d", r, c, n, g.classes)
	}
	out := make([]float64, g.classes)
	for i := 0; i < n; i++ {
		row := X.RawRowView(i)
		if g.classes == 2 {
			p := g.ens.PredictSingle(row, 0)
			dst.Set(i, 0, 1-p)
			dst.Set(i, 1, p)
			continue
		}
		if err := g.ens.Predict(row, 0, out); err != nil {
			return fmt.Errorf("attackers: gbdt: leaves: %w", err)
		}
		dst.SetRow(i, out)
	}
	return nil
}
