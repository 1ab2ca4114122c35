package reports

import (
	"fmt"
	"image/color"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/potau/potau/results"
)

// frontierFigures draws the α search of every record that ran one
// (unlearn.alpha: auto; Record.AlphaSearch): one panel per such record,
// HR@10 on the search's split against the leakage, one point per α tried
// (labelled, joined in α order), the chosen α hollow, and a dashed line
// where HR@10 = original − max_hr_drop (the constraint: points left of it
// are infeasible).
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
		p := newPlot(fmt.Sprintf("%s %s on %s", r.Model, r.Method, r.Dataset), "HR@10 ("+s.Split+")", "leakage ("+leakageName(s.Leakage)+")")
		sr := &series{name: "α tried", style: 0}
		for _, t := range s.Tried {
			sr.pts.add(t.HR10, t.Leakage, 0, 0)
			sr.labels = append(sr.labels, "α="+alphaLabel(t.Alpha))
			sr.hollow = append(sr.hollow, t.Alpha == s.Chosen)
		}
		if err := addSeries(p, sr); err != nil {
			return figs, err
		}
		p.Add(vLine{x: s.HR10Original - s.MaxHRDrop})
		p.X.Min = min(p.X.Min, s.HR10Original-s.MaxHRDrop-0.005)
		p.X.Max = max(p.X.Max, s.HR10Original-s.MaxHRDrop+0.005)
		pad(p, 0.3)
		name := uniqueName(taken, slug("frontier", r.Dataset, r.Model, r.Method, "d"+strconv.Itoa(r.Dim), "s"+strconv.FormatUint(r.Seed, 10)))
		files, err := saveFigure(dir, name, 3.8*vg.Inch, 3.3*vg.Inch, opt, paintGrid([][]*plot.Plot{{p}}))
		if err != nil {
			return figs, err
		}
		feasible := "the chosen α (hollow) meets the constraint"
		if !s.Feasible {
			feasible = "no α tried met the constraint; the hollow point is the one with the smallest drop"
		}
		figs = append(figs, Figure{Name: name, Files: files, Caption: fmt.Sprintf(
			"α search (unlearn.alpha: auto) of %s %s on %s, dim %d, seed %d: every α tried, HR@10 on the %s split against the leakage it minimises (%s); "+
				"dashed line: HR@10 = original %.4f − max_hr_drop %.3g; %s (α = %s).",
			r.Model, r.Method, r.Dataset, r.Dim, r.Seed, s.Split, leakageName(s.Leakage), s.HR10Original, s.MaxHRDrop, feasible, alphaLabel(s.Chosen))})
	}
	return figs, nil
}

func leakageName(src string) string {
	if src == "attack" {
		return "max(AUC, 1−AUC) of the attack block"
	}
	return src
}

// vLine is a dashed vertical line at x across the data area.
type vLine struct{ x float64 }

// Plot implements plot.Plotter.
func (l vLine) Plot(c draw.Canvas, p *plot.Plot) {
	tx, _ := p.Transforms(&c)
	st := draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	x := tx(l.x)
	c.StrokeLine2(st, x, c.Min.Y, x, c.Max.Y)
}
