package reports

import (
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/potau/potau/results"
)

// searchRecord is a D2D-R record of model on ML-100K, seed 1, whose α
// search tried the (α, leakage, HR@10) triples of tried and chose chosen.
func searchRecord(model string, dim int, hr0, chosen float64, tried [][3]float64) results.Record {
	s := &results.AlphaSearch{Chosen: chosen, Split: "test", MaxHRDrop: 0.02,
		HR10Original: hr0, Leakage: "audit", Feasible: true}
	for _, t := range tried {
		s.Tried = append(s.Tried, results.AlphaTry{Alpha: t[0], Leakage: t[1], HR10: t[2]})
	}
	return results.Record{Schema: 1, Name: "frontier", Dataset: "ml-100k", Model: model, Method: "D2D-R",
		MethodKind: kindOf("D2D-R"), Dim: dim, Seed: 1, AlphaSearch: s}
}

// frontierRecord is a real α search: NeuMF D2D-R on ML-100K, seed 1, twelve
// evaluations (a lead run's metrics.jsonl, 2026-12), whose points crowd
// into the lower right corner.
func frontierRecord() results.Record {
	return searchRecord("neumf", 32, 0.6065747613997879, 0.0026179459447212014, [][3]float64{
		{1e-06, 0.8700104071013164, 0.5864262990455992},
		{3.162277660168379e-05, 0.794677277828793, 0.5927889713679746},
		{0.0004424844710216198, 0.7211276400367309, 0.5991516436903499},
		{0.001, 0.6864834200591776, 0.6023329798515377},
		{0.0012122498387006032, 0.6673772064075095, 0.6065747613997879},
		{0.001781461352153106, 0.621107642077339, 0.6033934252386002},
		{0.0022599663163120134, 0.5877563513927151, 0.6065747613997879},
		{0.0026179459447212014, 0.5834220997857361, 0.6023329798515377},
		{0.0033211327575783716, 0.6039004183246608, 0.6023329798515377},
		{0.006191502712157722, 0.6396608509335782, 0.6044538706256628},
		{0.03162277660168379, 0.7116000408121621, 0.6044538706256628},
		{1, 0.7425691255994288, 0.6086956521739131},
	})
}

// frontierRecordLightGCN is another real α search, LightGCN D2D-R on
// ML-100K, seed 1 (the same lead runs): seven of its twelve points within
// 0.004 HR@10 and 0.015 leakage of each other, the chosen α next to
// another.
func frontierRecordLightGCN() results.Record {
	return searchRecord("lightgcn", 64, 0.5524920466595971, 0.001046486008598545, [][3]float64{
		{1e-06, 0.6938275686154474, 0.5344644750795334},
		{3.162277660168379e-05, 0.6831470258136925, 0.5397667020148462},
		{0.0004424844710216198, 0.6481326395265791, 0.5524920466595971},
		{0.0008249124628235773, 0.6247884909703091, 0.5482502651113468},
		{0.001, 0.614087542087542, 0.5482502651113468},
		{0.001046486008598545, 0.6121224364860729, 0.5461293743372216},
		{0.0012122498387006032, 0.6153286399347007, 0.5461293743372216},
		{0.0015378631700917076, 0.6189760228548107, 0.5471898197242842},
		{0.0022599663163120134, 0.6268641975308642, 0.5493107104984093},
		{0.006191502712157722, 0.6575035200489746, 0.5503711558854719},
		{0.03162277660168379, 0.7008321599836752, 0.5514316012725344},
		{1, 0.7260091827364554, 0.5482502651113468},
	})
}

// TestFrontierLeaders draws the α search panels of frontierRecord and
// frontierRecordLightGCN at the figure's size and smaller, where labels
// need leader lines, and checks with positions computed
// here from the plot's transforms (not the placer's): every label names
// its own point; a leader line starts within a marker radius of that point
// (the placer starts it 3.5 points out, just past the 2.6-point marker,
// so 3.5 points plus float slack) and ends on its own label's box; and, at
// the sizes where the placer can avoid it, no leader passes through
// another point's marker or another label, and no two leaders cross. The leader of "α=2.26·10⁻³" once ran through the
// chosen α's marker on its way, seemingly ending there.
func TestFrontierLeaders(t *testing.T) {
	figW, figH := paperSize(frontierWidth, frontierHeight)
	for _, tc := range []struct {
		w, h vg.Length
		// crossFree: the greedy placer finds a spot whose leader crosses
		// nothing for every label (2.4 in tall it does not: the last
		// labels of the crowded corner get leaders across others). The
		// last size is the figure's own (frontierFigures); the first two
		// need leader lines.
		crossFree bool
	}{{ColumnWidth, 2.4 * vg.Inch, false}, {3.8 * vg.Inch, 3.3 * vg.Inch, true}, {figW, figH, true}} {
		for _, rec := range []results.Record{frontierRecord(), frontierRecordLightGCN()} {
			size := [2]vg.Length{tc.w, tc.h}
			p, err := frontierPlot(&rec)
			if err != nil {
				t.Fatal(err)
			}
			lay := labelsOf(p)
			cv := vgimg.NewWith(vgimg.UseWH(size[0], size[1]), vgimg.UseDPI(72))
			g := newGrid([][]*plot.Plot{{p}})
			g.paint(draw.New(cv))
			dc := p.DataCanvas(g.canvases(draw.New(cv))[0][0])
			tx, ty := p.Transforms(&dc)
			own := map[string]vg.Point{}
			var marks []vg.Point
			for _, tr := range rec.AlphaSearch.Tried {
				q := vg.Point{X: tx(tr.HR10), Y: ty(tr.Leakage)}
				own["α="+alphaLabel(tr.Alpha)] = q
				marks = append(marks, q)
			}
			leaders := 0
			const slack = 1e-6
			for i, l := range lay.placed {
				// A label of points closer than a marker names them all
				// ("α=2.62·10⁻³, 3.32·10⁻³") at their centroid.
				var at vg.Point
				vals := strings.Split(strings.TrimPrefix(l.text, "α="), ", ")
				for _, v := range vals {
					q, ok := own["α="+v]
					if !ok {
						t.Fatalf("%s %v: label %q names no point tried", rec.Model, size, l.text)
					}
					at.X += q.X / vg.Length(len(vals))
					at.Y += q.Y / vg.Length(len(vals))
				}
				if !l.leader {
					continue
				}
				leaders++
				if d := math.Hypot(float64(l.from.X-at.X), float64(l.from.Y-at.Y)); d > 3.5+1e-3 {
					t.Errorf("%s %v: leader of %q starts %.2f points from its point, want ≤ 3.5", rec.Model, size, l.text, d)
				}
				b := l.box
				onEdge := l.to.X >= b.Min.X-slack && l.to.X <= b.Max.X+slack && l.to.Y >= b.Min.Y-slack && l.to.Y <= b.Max.Y+slack &&
					(math.Abs(float64(l.to.X-b.Min.X)) < slack || math.Abs(float64(l.to.X-b.Max.X)) < slack ||
						math.Abs(float64(l.to.Y-b.Min.Y)) < slack || math.Abs(float64(l.to.Y-b.Max.Y)) < slack)
				if !onEdge {
					t.Errorf("%s %v: leader of %q ends at %v, not on its label's edge %v", rec.Model, size, l.text, l.to, b)
				}
				if !tc.crossFree {
					continue
				}
				for _, m := range marks {
					if math.Hypot(float64(m.X-at.X), float64(m.Y-at.Y)) <= float64(mergeDist) {
						continue // its own, or one its label names
					}
					box := vg.Rectangle{Min: vg.Point{X: m.X - 2.6, Y: m.Y - 2.6}, Max: vg.Point{X: m.X + 2.6, Y: m.Y + 2.6}}
					if segmentHitsRect(l.from, l.to, box) {
						t.Errorf("%s %v: leader of %q runs through the marker at %v", rec.Model, size, l.text, m)
					}
				}
				for j, o := range lay.placed {
					if j == i {
						continue
					}
					if segmentHitsRect(l.from, l.to, o.box) {
						t.Errorf("%s %v: leader of %q runs through label %q", rec.Model, size, l.text, o.text)
					}
					if o.leader && j > i && segmentsCross(l.from, l.to, o.from, o.to) {
						t.Errorf("%s %v: leaders of %q and %q cross", rec.Model, size, l.text, o.text)
					}
				}
			}
			if tc.h != figH && leaders == 0 {
				t.Errorf("%s %v: no leader lines: the panel is not crowded enough to test them", rec.Model, size)
			}
		}
	}
}

// TestSegmentGeometry checks the leader tests' geometry on cases worked by
// hand.
func TestSegmentGeometry(t *testing.T) {
	pt := func(x, y vg.Length) vg.Point { return vg.Point{X: x, Y: y} }
	box := vg.Rectangle{Min: pt(0, 0), Max: pt(2, 2)}
	for _, tc := range []struct {
		p, q vg.Point
		want bool
	}{
		{pt(-1, 1), pt(3, 1), true},   // straight through
		{pt(-1, -1), pt(3, 3), true},  // diagonal
		{pt(1, 1), pt(5, 5), true},    // starts inside
		{pt(-1, 3), pt(3, 3), false},  // above
		{pt(3, -1), pt(3, 5), false},  // right of it
		{pt(-2, 1), pt(-1, 1), false}, // stops short
		{pt(-1, 2), pt(3, 2), false},  // along the top edge: touching only
		{pt(3, 0), pt(0, 3), true},    // cuts the corner
		{pt(4, 0), pt(0, 4), false},   // passes the corner
	} {
		if got := segmentHitsRect(tc.p, tc.q, box); got != tc.want {
			t.Errorf("segmentHitsRect(%v, %v) = %v, want %v", tc.p, tc.q, got, tc.want)
		}
	}
	for _, tc := range []struct {
		a, b, c, d vg.Point
		want       bool
	}{
		{pt(0, 0), pt(2, 2), pt(0, 2), pt(2, 0), true},
		{pt(0, 0), pt(1, 1), pt(0, 2), pt(2, 0), false}, // ends at the crossing point: touching
		{pt(0, 0), pt(2, 0), pt(0, 1), pt(2, 1), false}, // parallel
		{pt(0, 0), pt(2, 0), pt(1, 0), pt(3, 0), false}, // collinear
		{pt(0, 0), pt(4, 1), pt(1, 1), pt(1, -1), true},
	} {
		if got := segmentsCross(tc.a, tc.b, tc.c, tc.d); got != tc.want {
			t.Errorf("segmentsCross(%v, %v, %v, %v) = %v, want %v", tc.a, tc.b, tc.c, tc.d, got, tc.want)
		}
	}
}

// TestFrontierFigure: the figure is written, titled with display names,
// and its caption and legend say what it shows: every α tried, the split,
// the budget and the chosen α with the rule; no polyline.
func TestFrontierFigure(t *testing.T) {
	recs := []results.Record{frontierRecord()}
	var figs []Figure
	var err error
	texts := drawnTexts(t, func() { figs, err = Plots(t.TempDir(), recs, "", Options{Formats: []string{"svg"}}) })
	figs = slices.DeleteFunc(figs, func(f Figure) bool { return !strings.HasPrefix(f.Name, "frontier_") })
	if err != nil || len(figs) != 1 {
		t.Fatalf("figures %v, %v", figNames(figs), err)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"NeuMF D2D-R on ML-100K", "chosen α = 2.62·10⁻³", "budget: HR@10 ≥ original − 0.02", "within the budget", "beyond the budget", "HR@10 (test)"} {
		if !strings.Contains(all, want) {
			t.Errorf("the figure draws no %q; drawn: %q", want, texts)
		}
	}
	c := figs[0].Caption
	for _, want := range []string{"every α tried (12 evaluations)", "test split", "0.6066", "max_hr_drop 0.02", "lowest leakage", "α = 2.62·10⁻³", "not joined"} {
		if !strings.Contains(c, want) {
			t.Errorf("caption lacks %q: %s", want, c)
		}
	}
	// The HTML contents list the figure by its caption up to the first
	// colon.
	if got, want := firstSentence(c), "α search (unlearn.alpha = auto) of NeuMF D2D-R on ML-100K, dim 32, seed 1"; got != want {
		t.Errorf("contents entry %q, want %q", got, want)
	}
	// The chosen α's label names it alone, even when another α lies on the
	// same spot (as LightGCN's 1.21·10⁻³ next to the chosen 1.05·10⁻³).
	near := frontierRecord()
	s := near.AlphaSearch
	s.Tried[6].HR10, s.Tried[6].Leakage = s.Tried[7].HR10, s.Tried[7].Leakage
	p, err := frontierPlot(&near)
	if err != nil {
		t.Fatal(err)
	}
	lay := labelsOf(p)
	cv := vgimg.NewWith(vgimg.UseWH(3.8*vg.Inch, 4.2*vg.Inch), vgimg.UseDPI(72))
	newGrid([][]*plot.Plot{{p}}).paint(draw.New(cv))
	var names []string
	for _, l := range lay.placed {
		names = append(names, l.text)
	}
	if !slices.Contains(names, "α=2.62·10⁻³") || !slices.Contains(names, "α=2.26·10⁻³") {
		t.Errorf("coincident chosen and other α: labels %q, want α=2.62·10⁻³ and α=2.26·10⁻³ apart", names)
	}
	rec := frontierRecord()
	rec.AlphaSearch.Feasible = false
	if c := frontierCaption(&rec); !strings.Contains(c, "smallest HR@10 drop") {
		t.Errorf("infeasible search: caption %q does not say how α was chosen", c)
	}
	p, err = frontierPlot(&rec)
	if err != nil {
		t.Fatal(err)
	}
	if segs := labelsOf(p).segs; len(segs) != 0 {
		t.Errorf("the panel joins the points: %d segments", len(segs))
	}
}
