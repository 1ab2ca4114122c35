package reports

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/potau/potau/results"
)

// frontierFigures draws the α search of every record that ran one
// (unlearn.alpha: auto; Record.AlphaSearch): one figure per such record
// (frontierPlot).
func frontierFigures(dir string, recs []results.Record, opt Options) ([]Figure, error) {
	taken := map[string]bool{}
	seen := map[string]bool{}
	var figs []Figure
	for i := range recs {
		r := &recs[i]
		s := r.AlphaSearch
		if s == nil || len(s.Tried) == 0 {
			continue
		}
		if id := r.Cell + "\x00" + r.Method; r.Cell != "" {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		p, err := frontierPlot(r)
		if err != nil {
			return figs, err
		}
		name := uniqueName(taken, slug("frontier", r.Dataset, r.Model, r.Method, "d"+strconv.Itoa(r.Dim), "s"+strconv.FormatUint(r.Seed, 10)))
		files, err := saveFigure(dir, name, frontierWidth, frontierHeight, opt, paintGrid([][]*plot.Plot{{p}}))
		if err != nil {
			return figs, err
		}
		figs = append(figs, Figure{Name: name, Files: files, Caption: frontierCaption(r)})
	}
	return figs, nil
}

// frontierWidth and frontierHeight are the α search figure's natural size:
// a column wide once scaled (paperSize), taller than wide, since the
// points crowd along the leakage axis.
const frontierWidth, frontierHeight = 3.8 * vg.Inch, 4.2 * vg.Inch

// Colours of the α search figure: points within the HR@10 budget black,
// points beyond it grey (hollow), the chosen α in the accent colour
// (vermillion).
var (
	frontierIn     = palette[0]
	frontierOut    = color.Gray{Y: 140}
	frontierChosen = palette[5]
)

// frontierFeasible reports whether an α tried meets the search's
// constraint, HR@10 ≥ original − max_hr_drop, in the search's own terms
// (the drop at most max_hr_drop; experiments/alphasearch.go).
func frontierFeasible(s *results.AlphaSearch, t results.AlphaTry) bool {
	return s.HR10Original-t.HR10 <= s.MaxHRDrop
}

// frontierPlot is the panel of r's α search: HR@10 on the search's split
// against the leakage it minimised, one labelled point per α tried (points
// only: joined in α order they zig-zag, since neither coordinate is
// monotone in α), filled black within the HR@10 budget, hollow grey beyond
// it, the chosen α a star in the accent colour, and a dashed vertical line
// at HR@10 = original − max_hr_drop, the budget's edge. Each kind of mark
// has a legend entry.
func frontierPlot(r *results.Record) (*plot.Plot, error) {
	s := r.AlphaSearch
	title := fmt.Sprintf("%s %s on %s", modelDisplayName(r.Model), r.Method, datasetDisplayName(r.Dataset))
	p := newPlot(title, "HR@10 ("+s.Split+")", "leakage ("+leakageName(s.Leakage)+")")
	budget := s.HR10Original - s.MaxHRDrop
	line := vLine{x: budget}
	p.Add(line)
	const (
		in = iota
		out
		chosen
	)
	var pts [3]plotter.XYs
	lay := labelsOf(p)
	for i, t := range s.Tried {
		if math.IsNaN(t.HR10+t.Leakage) || math.IsInf(t.HR10+t.Leakage, 0) {
			continue // not drawable; the record still holds it
		}
		k, col := in, frontierIn
		switch {
		case t.Alpha == s.Chosen:
			k, col = chosen, frontierChosen
		case !frontierFeasible(s, t):
			k, col = out, frontierOut
		}
		xy := plotter.XY{X: t.HR10, Y: t.Leakage}
		pts[k] = append(pts[k], xy)
		lay.pts = append(lay.pts, xy)
		// One label series per kind: labels of nearby points merge only
		// within a kind, so the chosen α's label (in its colour) never
		// names another α.
		lay.items = append(lay.items, pointLabel{at: xy, text: "α=" + alphaLabel(t.Alpha), color: col, series: k, index: i, hollow: k == out})
	}
	names := [3]string{
		in:     "within the budget",
		out:    "beyond the budget",
		chosen: "chosen α = " + alphaLabel(s.Chosen),
	}
	if !s.Feasible {
		names[chosen] += " (none met the budget: the smallest HR@10 drop)"
	}
	glyphs := [3]marker{in: {shape: 0}, out: {shape: 0, hollow: true}, chosen: {shape: 7}}
	cols := [3]color.Color{frontierIn, frontierOut, frontierChosen}
	radii := [3]vg.Length{vg.Points(2.6), vg.Points(2.6), vg.Points(3)} // the star's tips at 3.9 points: clear of its label (4 points out)
	for k := range pts {
		if len(pts[k]) == 0 {
			continue
		}
		sc, err := plotter.NewScatter(pts[k])
		if err != nil {
			return nil, err
		}
		sc.Color, sc.Shape, sc.Radius = cols[k], glyphs[k], radii[k]
		p.Add(sc)
		addLegend(p, names[k], sc)
	}
	addLegend(p, fmt.Sprintf("budget: HR@10 ≥ original − %s", fmtShort(s.MaxHRDrop)), line)
	p.X.Min = min(p.X.Min, budget-0.005)
	p.X.Max = max(p.X.Max, budget+0.005)
	pad(p, 0.15)
	return p, nil
}

// frontierCaption says what r's α search figure shows.
func frontierCaption(r *results.Record) string {
	s := r.AlphaSearch
	rule := "the chosen α (star) has the lowest leakage among those within the budget"
	if !s.Feasible {
		rule = "no α tried was within the budget, so the chosen α (star) is the one with the smallest HR@10 drop"
	}
	return fmt.Sprintf("α search (unlearn.alpha = auto) of %s %s on %s, dim %d, seed %d: every α tried (%d evaluations), "+
		"HR@10 on the %s split against the leakage the search minimises (%s). "+
		"The HR@10 budget is the original model's HR@10 on that split (%.4f) minus max_hr_drop %s: points left of the dashed line (hollow, grey) are beyond it; "+
		"%s: α = %s. Points are not joined: neither axis is monotone in α.",
		modelDisplayName(r.Model), r.Method, datasetDisplayName(r.Dataset), r.Dim, r.Seed, len(s.Tried),
		s.Split, leakageName(s.Leakage), s.HR10Original, fmtShort(s.MaxHRDrop), rule, alphaLabel(s.Chosen))
}

// modelDisplayName and datasetDisplayName spell the built-in models and
// datasets as the paper does ("NeuMF", "ML-100K"); other names print as
// configured.
func modelDisplayName(m string) string {
	if n, ok := map[string]string{"mf": "MF", "neumf": "NeuMF", "lightgcn": "LightGCN"}[m]; ok {
		return n
	}
	return m
}

func datasetDisplayName(d string) string {
	if n, ok := map[string]string{"ml-100k": "ML-100K", "ml-1m": "ML-1M"}[d]; ok {
		return n
	}
	return d
}

func leakageName(src string) string {
	if src == "attack" {
		return "max(AUC, 1−AUC) of the attack block"
	}
	return src
}

// vLine is a dashed vertical line at x across the data area.
type vLine struct{ x float64 }

func (vLine) style() draw.LineStyle {
	return draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
}

// Plot implements plot.Plotter.
func (l vLine) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	x := tx(l.x)
	c.StrokeLine2(l.style(), x, c.Min.Y, x, c.Max.Y)
}

// Thumbnail implements plot.Thumbnailer: a short vertical dash.
func (l vLine) Thumbnail(c *draw.Canvas) {
	x := (c.Min.X + c.Max.X) / 2
	st := l.style()
	st.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
	c.StrokeLine2(st, x, c.Min.Y, x, c.Max.Y)
}
