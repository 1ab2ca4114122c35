package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"

	"github.com/potau/potau/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// curveSet is one panel's worth of traces: a title and, per series, y values
// at x = x0, x0+1, x0+2, … (epochs count from 1, steps from 0).
type curveSet struct {
	title, xlabel string
	x0            int
	names         []string
	styles        []int
	ys            [][]float64
}

// panel draws a curve set; the y axis is logarithmic when every value is
// positive and they span more than two decades.
func (cs *curveSet) panel() (*plot.Plot, error) {
	p := newPlot(cs.title, cs.xlabel, cs.title)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, y := range cs.ys {
		for _, v := range y {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	logY := lo > 0 && hi/lo > 100
	p.X.Tick.Marker = intTicks{n: 5} // epochs and steps are whole numbers
	for i, y := range cs.ys {
		s := &series{name: cs.names[i], style: cs.styles[i]}
		for x, v := range y {
			s.pts.add(float64(cs.x0+x), v, 0, 0)
		}
		if err := addLine(p, s); err != nil {
			return nil, err
		}
	}
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = powTicks{}
		p.Y.Label.Text += " (log)"
	}
	pad(p, 0.25) // the linear axes only
	return p, nil
}

// addLine draws s as a plain line (no point markers: traces are dense).
func addLine(p *plot.Plot, s *series) error {
	if s.pts.Len() < 2 {
		return addSeries(p, s)
	}
	l, err := newStyledLine(s)
	if err != nil {
		return err
	}
	p.Add(l)
	addLegend(p, s.name, l)
	return nil
}

// unlearnFigures draws the unlearning losses per step: for each dataset ×
// model × dim block, one panel per loss term, one line per method (lower
// median α, smallest seed).
func unlearnFigures(dir string, recs []results.Record, keys []rowKey, groups map[rowKey][]int, opt Options) ([]Figure, error) {
	has := func(i int) bool { return recs[i].Curves != nil && len(recs[i].Curves.Unlearn) > 0 }
	return traceFigures(dir, recs, keys, groups, opt, has, "unlearn", "step",
		func(r *results.Record) map[string][]float64 { return r.Curves.Unlearn }, false,
		"Unlearning loss per optimisation step on %s (dim %d), one panel per loss term, one line per method%s.")
}

// trainFigures draws training loss and HR@10 per epoch for each dataset ×
// model × dim block, one line per method whose trace differs from those
// already drawn (unlearning records repeat the original model's training).
func trainFigures(dir string, recs []results.Record, keys []rowKey, groups map[rowKey][]int, opt Options) ([]Figure, error) {
	has := func(i int) bool {
		c := recs[i].Curves
		return c != nil && (len(c.TrainLoss) > 0 || len(c.TrainHR10) > 0)
	}
	return traceFigures(dir, recs, keys, groups, opt, has, "train", "epoch",
		func(r *results.Record) map[string][]float64 {
			m := map[string][]float64{}
			if len(r.Curves.TrainLoss) > 0 {
				m["training loss"] = r.Curves.TrainLoss
			}
			if len(r.Curves.TrainHR10) > 0 {
				m["HR@10"] = r.Curves.TrainHR10
			}
			return m
		}, true,
		"Training curves on %s (dim %d): training loss and HR@10 per epoch, one line per method%s; methods whose trace repeats one already drawn are omitted.")
}

// traceFigures is the common body of unlearnFigures and trainFigures.
func traceFigures(dir string, recs []results.Record, keys []rowKey, groups map[rowKey][]int, opt Options,
	has func(int) bool, prefix, xlabel string, traces func(*results.Record) map[string][]float64, dedupe bool, capFmt string) ([]Figure, error) {
	order, members, withCurves := figureGroups(keys, groups, has)
	taken := map[string]bool{}
	var figs []Figure
	for _, fk := range order {
		ss := splitSeries(members[fk], func(k rowKey) string { return k.method + "\x00" + k.reg })
		showReg := regsVary(members[fk])
		sets := map[string]*curveSet{}
		var terms []string
		var alphaNote []string
		for _, s := range ss {
			r := &recs[pick(recs, s, withCurves)]
			name := seriesName(s[0], showReg)
			if distinct(s, func(k rowKey) string { return fmtG(k.alpha) }) > 1 {
				name += " α=" + fmtShort(r.Alpha)
				alphaNote = append(alphaNote, name)
			}
			tr := traces(r)
			ts := make([]string, 0, len(tr))
			for t := range tr {
				ts = append(ts, t)
			}
			sort.Strings(ts)
			for _, t := range ts {
				y := tr[t]
				cs := sets[t]
				if cs == nil {
					cs = &curveSet{title: t, xlabel: xlabel}
					if xlabel == "epoch" {
						cs.x0 = 1 // the value after epoch 1 first
					}
					sets[t] = cs
					terms = append(terms, t)
				}
				dup := false
				for _, prev := range cs.ys {
					dup = dup || (dedupe && slices.Equal(prev, y))
				}
				if dup || len(y) == 0 {
					continue
				}
				cs.names = append(cs.names, name)
				cs.styles = append(cs.styles, styleOf(s[0]))
				cs.ys = append(cs.ys, y)
			}
		}
		// Totals and losses first, then the terms alphabetically.
		first := map[string]int{"training loss": 1, "HR@10": 2, "total": 1, "loss": 1}
		sort.Slice(terms, func(i, j int) bool {
			a, b := first[terms[i]], first[terms[j]]
			if a == 0 {
				a = 99
			}
			if b == 0 {
				b = 99
			}
			if a != b {
				return a < b
			}
			return terms[i] < terms[j]
		})
		var panels []*plot.Plot
		for _, t := range terms {
			if len(sets[t].ys) == 0 {
				continue
			}
			p, err := sets[t].panel()
			if err != nil {
				return figs, err
			}
			panels = append(panels, p)
		}
		if len(panels) == 0 {
			continue
		}
		// At most three panels per row.
		var grid [][]*plot.Plot
		for i := 0; i < len(panels); i += 3 {
			grid = append(grid, panels[i:min(i+3, len(panels))])
		}
		cols := len(grid[0])
		name := uniqueName(taken, slug(prefix, fk.dataset, fk.model, "d"+strconv.Itoa(fk.dim)))
		files, err := saveFigure(dir, name, vg.Length(cols)*3.4*vg.Inch, vg.Length(len(grid))*rowHeight(cols, 2.9*vg.Inch), opt, paintGrid(grid))
		if err != nil {
			return figs, err
		}
		note := ""
		if len(alphaNote) > 0 {
			note = " (a method run at several α is shown at its lower median α)"
		}
		figs = append(figs, Figure{Name: name, Files: files, Caption: fmt.Sprintf(capFmt,
			describe(rowKey{dataset: fk.dataset, model: fk.model, sweep: fk.sweep}), fk.dim, note)})
	}
	return figs, nil
}
