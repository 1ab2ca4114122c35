package reports

import (
	"fmt"
	"image/color"
	"math"
	"os"
	"sort"
	"strings"

	"github.com/potau/potau/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Plots draws every figure the records have data for and writes each, in
// every format of opt.Formats, under dir (created if needed):
//
//   - alpha_*: the α trade-off, attack AUC against NDCG@10 per α, one curve
//     per method, when some method was run at several α;
//   - dim_*: attack AUC and NDCG@10 against the embedding dimension, when
//     some method was run at several dims;
//   - hist_*: per-dimension histograms of the user embeddings of each
//     attribute group for every method with a "user_table" artifact (read
//     from runDir together with the "labels" artifact);
//   - unlearn_*: unlearning loss per step (Record.Curves.Unlearn);
//   - train_*: training loss and HR@10 per epoch (Record.Curves).
//   - frontier_*: every α an α search tried, HR@10 against leakage
//     (Record.AlphaSearch).
//
// A figure whose data is absent is skipped without error; an artifact that
// is named but unreadable is an error naming the file.
func Plots(dir string, recs []results.Record, runDir string, opt Options) ([]Figure, error) {
	opt = opt.withDefaults()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	keys, groups := groupRecords(recs)
	// The tables' footnote symbol of every flag, for hollow points.
	opt.noteMarks = map[string]string{}
	for i, n := range BuildTable(recs, opt).Notes {
		opt.noteMarks[n.Flag] = markText(i)
	}
	var figs []Figure
	for _, draw := range []func() ([]Figure, error){
		func() ([]Figure, error) { return alphaFigures(dir, recs, keys, groups, opt) },
		func() ([]Figure, error) { return dimFigures(dir, recs, keys, groups, opt) },
		func() ([]Figure, error) { return histFigures(dir, recs, keys, groups, runDir, opt) },
		func() ([]Figure, error) { return unlearnFigures(dir, recs, keys, groups, opt) },
		func() ([]Figure, error) { return trainFigures(dir, recs, keys, groups, opt) },
		func() ([]Figure, error) { return frontierFigures(dir, recs, opt) },
	} {
		fs, err := draw()
		if err != nil {
			return figs, err
		}
		figs = append(figs, fs...)
	}
	return figs, nil
}

// groupRecords groups record indices by row key (everything but the seed)
// and returns the keys in table order: dataset and model by first
// appearance, then protocol, method (methodOrder), reg, α, dim, sweep.
// Records repeating an earlier record's cell id and method are the same
// result reported by several grid cells (in an α sweep, a method that does
// not take α) and are counted once.
func groupRecords(recs []results.Record) ([]rowKey, map[rowKey][]int) {
	groups := map[rowKey][]int{}
	var keys []rowKey
	dsOrder, modelOrder := map[string]int{}, map[string]int{}
	seen, seenSeed := map[string]bool{}, map[string]bool{}
	rank := methodOrder(recs)
	for i := range recs {
		r := &recs[i]
		if r.Cell != "" {
			id := r.Cell + "\x00" + r.Method
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		if _, ok := dsOrder[r.Dataset]; !ok {
			dsOrder[r.Dataset] = len(dsOrder)
		}
		if _, ok := modelOrder[r.Model]; !ok {
			modelOrder[r.Model] = len(modelOrder)
		}
		k := keyOf(r, rank)
		// The same row and seed from another run folder (a merged report
		// of runs that share cells) is the same result: counted once.
		seedID := fmt.Sprintf("%v\x00%d", k, r.Seed)
		if seenSeed[seedID] {
			continue
		}
		seenSeed[seedID] = true
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	sort.SliceStable(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.dataset != b.dataset {
			return dsOrder[a.dataset] < dsOrder[b.dataset]
		}
		if a.model != b.model {
			return modelOrder[a.model] < modelOrder[b.model]
		}
		if a.protocol != b.protocol {
			return a.protocol < b.protocol
		}
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.method != b.method {
			return a.method < b.method
		}
		if a.reg != b.reg {
			return a.reg < b.reg
		}
		if a.alpha != b.alpha {
			return a.alpha < b.alpha
		}
		if a.dim != b.dim {
			return a.dim < b.dim
		}
		return a.sweep < b.sweep
	})
	return keys, groups
}

// attackersOf lists the attackers that have an AUC column, in column order;
// mlp and gbdt when none has.
func attackersOf(opt Options) []string {
	var out []string
	for _, k := range opt.Columns {
		if att, m, ok := strings.Cut(k, "."); ok && m == "auc" && !strings.HasPrefix(k, "time_s.") {
			out = append(out, att)
		}
	}
	if len(out) == 0 {
		out = []string{"mlp", "gbdt"}
	}
	return out
}

// xyErr is a point set with symmetric error bars.
type xyErr struct {
	x, y, dx, dy []float64
}

func (p *xyErr) Len() int                        { return len(p.x) }
func (p *xyErr) XY(i int) (float64, float64)     { return p.x[i], p.y[i] }
func (p *xyErr) XError(i int) (float64, float64) { return p.dx[i], p.dx[i] }
func (p *xyErr) YError(i int) (float64, float64) { return p.dy[i], p.dy[i] }

// add appends a point; a point with a non-finite coordinate or spread is
// dropped, since it cannot be drawn (the tables still show it).
func (p *xyErr) add(x, y, dx, dy float64) {
	for _, v := range [...]float64{x, y, dx, dy} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
	}
	p.x, p.y, p.dx, p.dy = append(p.x, x), append(p.y, y), append(p.dx, dx), append(p.dy, dy)
}

func anyPositive(d []float64) bool {
	for _, v := range d {
		if v > 0 {
			return true
		}
	}
	return false
}

// series is one curve of a figure.
type series struct {
	name   string
	style  int // colour/dash/glyph index
	pts    xyErr
	labels []string // per-point labels, or nil
	// hollow marks points drawn hollow (below chance: a footnoted cell in
	// the tables); their label carries the table's footnote symbol. nil
	// for none.
	hollow []bool
}

// newStyledLine returns s's points joined by a line in s's colour and dashes.
func newStyledLine(s *series) (*plotter.Line, error) {
	l, err := plotter.NewLine(&s.pts)
	if err != nil {
		return nil, err
	}
	l.Color = colorOf(s.style)
	l.Width = vg.Points(1.2)
	l.Dashes = plotutil.Dashes(s.style)
	return l, nil
}

// addSeries draws s on p: a line with points when it has two or more points,
// else a lone marker; error bars where the spread is positive; point labels.
func addSeries(p *plot.Plot, s *series) error {
	if s.pts.Len() == 0 {
		return nil
	}
	col := colorOf(s.style)
	var thumbs []plot.Thumbnailer
	radius := vg.Points(2.6)
	if s.pts.Len() >= 2 {
		l, err := newStyledLine(s)
		if err != nil {
			return err
		}
		p.Add(l)
		thumbs = append(thumbs, l)
	} else {
		radius = vg.Points(3.4)
	}
	// Filled markers, then hollow ones (below chance).
	for _, hollow := range []bool{false, true} {
		var pts plotter.XYs
		for i := range s.pts.x {
			if (i < len(s.hollow) && s.hollow[i]) == hollow {
				pts = append(pts, plotter.XY{X: s.pts.x[i], Y: s.pts.y[i]})
			}
		}
		if len(pts) == 0 && hollow {
			continue
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.Color, sc.Shape, sc.Radius = col, marker{shape: s.style, hollow: hollow}, radius
		p.Add(sc)
		if !hollow {
			thumbs = append(thumbs, sc)
		}
	}
	if anyPositive(s.pts.dx) {
		eb, err := plotter.NewXErrorBars(&s.pts)
		if err != nil {
			return err
		}
		eb.Color = col
		p.Add(eb)
	}
	if anyPositive(s.pts.dy) {
		eb, err := plotter.NewYErrorBars(&s.pts)
		if err != nil {
			return err
		}
		eb.Color = col
		p.Add(eb)
	}
	lay := labelsOf(p)
	ser := 0
	if n := len(lay.items); n > 0 {
		ser = lay.items[n-1].series + 1
	}
	for i := range s.pts.x {
		lay.pts = append(lay.pts, plotter.XY{X: s.pts.x[i], Y: s.pts.y[i]})
		lay.bars = append(lay.bars, [4]float64{s.pts.x[i], s.pts.y[i], s.pts.dx[i], s.pts.dy[i]})
		if i > 0 {
			lay.segs = append(lay.segs, [2]plotter.XY{{X: s.pts.x[i-1], Y: s.pts.y[i-1]}, {X: s.pts.x[i], Y: s.pts.y[i]}})
		}
		if len(s.labels) == s.pts.Len() && s.labels[i] != "" {
			lay.items = append(lay.items, pointLabel{at: plotter.XY{X: s.pts.x[i], Y: s.pts.y[i]}, text: s.labels[i], color: col,
				series: ser, index: i, hollow: i < len(s.hollow) && s.hollow[i]})
		}
	}
	addLegend(p, s.name, thumbs...)
	return nil
}

// chanceLine is a dashed line at 0.5 across the data area: vertical when
// vertical is set, else horizontal.
type chanceLine struct{ vertical bool }

// Plot implements plot.Plotter.
func (l chanceLine) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	st := draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
	if l.vertical {
		x := tx(0.5)
		c.StrokeLine2(st, x, c.Min.Y, x, c.Max.Y)
		return
	}
	y := ty(0.5)
	c.StrokeLine2(st, c.Min.X, y, c.Max.X, y)
}

// includeChance widens an axis range to show 0.5 with a margin.
func includeChance(a *plot.Axis) {
	a.Min = math.Min(a.Min, 0.5-0.02)
	a.Max = math.Max(a.Max, 0.5+0.02)
}

// newPlot returns a plot with a title and axis labels in small type.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = withFigureFont(p.Title.TextStyle.Font)
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = withFigureFont(a.Label.TextStyle.Font)
		a.Label.TextStyle.Font.Size = vg.Points(9)
		a.Tick.Label.Font = withFigureFont(a.Tick.Label.Font)
		a.Tick.Label.Font.Size = vg.Points(8)
	}
	p.Legend.TextStyle.Font = withFigureFont(p.Legend.TextStyle.Font)
	p.X.Tick.Marker, p.Y.Tick.Marker = linTicks{}, linTicks{}
	// A light grid: a guide for the eye that stays behind the data.
	g := plotter.NewGrid()
	g.Vertical.Color, g.Horizontal.Color = color.Gray{Y: 215}, color.Gray{Y: 215}
	g.Vertical.Width, g.Horizontal.Width = vg.Points(0.5), vg.Points(0.5)
	p.Add(g)
	return p
}

// paintGrid lays plots out in rows × cols tiles, with the panels' legend
// entries (addLegend) in one legend under them, outside every data area,
// and each panel's title centred over its data area at the same height
// across a row (gonum places a title from its tile's top, which moves with
// the panel's tick labels).
func paintGrid(plots [][]*plot.Plot) func(dc draw.Canvas) {
	return newGrid(plots).paint
}

// grid is a figure's layout: panels, shared legend and panel titles.
type grid struct {
	plots  [][]*plot.Plot
	legend []legendItem
	titles [][]string
	tsty   draw.TextStyle
	troom  vg.Length // the height a row of titles takes
}

// newGrid takes the legend entries, label layers and titles of plots.
func newGrid(plots [][]*plot.Plot) *grid {
	g := &grid{plots: plots, legend: takeLegends(plots)}
	finishLabels(plots)
	for _, r := range plots {
		var ts []string
		for _, p := range r {
			t := ""
			if p != nil {
				t = p.Title.Text
				if t != "" {
					g.tsty = p.Title.TextStyle
					g.troom = max(g.troom, p.Title.TextStyle.Height(t)+vg.Points(4))
				}
				p.Title.Text = ""
			}
			ts = append(ts, t)
		}
		g.titles = append(g.titles, ts)
	}
	return g
}

// canvases returns the canvas of each panel on dc: the tiles above the
// legend, with room for a row of titles above each row.
func (g *grid) canvases(dc draw.Canvas) [][]draw.Canvas {
	cols := 0
	for _, r := range g.plots {
		cols = max(cols, len(r))
	}
	t := draw.Tiles{Rows: len(g.plots), Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter*4 + g.troom,
		PadTop: vg.Millimeter*2 + g.troom, PadBottom: vg.Millimeter * 1, PadLeft: vg.Millimeter * 2, PadRight: vg.Millimeter * 3}
	area := dc
	area.Min.Y += legendHeight(dc, g.legend)
	return plot.Align(g.plots, t, area)
}

// paint draws the figure on dc.
func (g *grid) paint(dc draw.Canvas) {
	// Fill the white background first: PNG canvases start transparent.
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	drawLegend(dc, g.legend)
	canv := g.canvases(dc)
	for i, r := range g.plots {
		for j, p := range r {
			if p == nil {
				continue
			}
			p.Draw(canv[i][j])
			if t := g.titles[i][j]; t != "" {
				da := p.DataCanvas(canv[i][j])
				sty := g.tsty
				sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
				da.FillText(sty, vg.Point{X: da.Center().X, Y: da.Max.Y + vg.Points(4)}, t)
			}
		}
	}
}

// styleOf gives each method a fixed colour/dash/glyph index across the
// figures of one report: its rank in methodOrder.
func styleOf(k rowKey) int { return k.rank }

// palette is Okabe and Ito's colour-blind-safe palette (Color Universal
// Design, 2008), indexed by method rank: black (the original model comes
// first), orange, sky blue, bluish green, blue, vermillion, reddish purple;
// yellow last, as it is faint on white.
var palette = []color.Color{
	color.RGBA{0x00, 0x00, 0x00, 0xff}, color.RGBA{0xe6, 0x9f, 0x00, 0xff}, color.RGBA{0x56, 0xb4, 0xe9, 0xff},
	color.RGBA{0x00, 0x9e, 0x73, 0xff}, color.RGBA{0x00, 0x72, 0xb2, 0xff}, color.RGBA{0xd5, 0x5e, 0x00, 0xff},
	color.RGBA{0xcc, 0x79, 0xa7, 0xff}, color.RGBA{0xf0, 0xe4, 0x42, 0xff},
}

// colorOf returns the colour of style index i.
func colorOf(i int) color.Color { return palette[i%len(palette)] }

// groupColors are the attribute groups' colours in histograms.
var groupColors = []color.Color{palette[4], palette[5], palette[3], palette[6], palette[1]}

// pad widens the axes of a linear plot by 5 % of their ranges and leaves
// top room (a fraction of the y range) for the legend.
func pad(p *plot.Plot, top float64) {
	if _, ok := p.X.Scale.(plot.LinearScale); ok {
		r := p.X.Max - p.X.Min
		p.X.Min, p.X.Max = p.X.Min-0.05*r, p.X.Max+0.05*r
	}
	if _, ok := p.Y.Scale.(plot.LinearScale); ok {
		r := p.Y.Max - p.Y.Min
		p.Y.Min, p.Y.Max = p.Y.Min-0.05*r, p.Y.Max+top*r
	}
}

// describe names a figure block: "ml-100k / NeuMF".
func describe(k rowKey) string {
	s := k.dataset + " / " + k.model
	if k.sweep != "" {
		s += " (" + k.sweep + ")"
	}
	return s
}

// pick chooses one record of a series for curve and histogram figures: the
// lower median α of the series, then the smallest seed.
func pick(recs []results.Record, ks []rowKey, groups map[rowKey][]int) int {
	alphas := make([]float64, 0, len(ks))
	for _, k := range ks {
		alphas = append(alphas, k.alpha)
	}
	sort.Float64s(alphas)
	a := alphas[(len(alphas)-1)/2]
	best := -1
	for _, k := range ks {
		if k.alpha != a {
			continue
		}
		for _, i := range groups[k] {
			if best < 0 || recs[i].Seed < recs[best].Seed {
				best = i
			}
		}
	}
	return best
}

// seriesName is a series' legend entry.
func seriesName(k rowKey, showReg bool) string {
	s := methodName(k)
	if showReg && k.reg != "" {
		s += " (" + k.reg + ")"
	}
	return s
}

// fmtShort formats α compactly for point labels ("1e-06" → "1e-6").
func fmtShort(x float64) string {
	s := fmt.Sprintf("%g", x)
	s = strings.Replace(s, "e-0", "e-", 1)
	return strings.Replace(s, "e+0", "e", 1)
}

// belowChance reports whether a record of idx is flagged below chance for
// attacker att (a flag naming att, or naming no attacker), and the tables'
// footnote symbol of that flag.
func belowChanceMark(recs []results.Record, idx []int, att string, opt Options) (bool, string) {
	for _, i := range idx {
		for _, f := range recs[i].Flags {
			if !strings.Contains(f, "below-chance") {
				continue
			}
			parts := strings.FieldsFunc(f, func(r rune) bool { return r == ':' || r == '.' || r == '/' })
			names := false
			for _, p := range parts {
				if p != "below-chance" {
					names = true
					if strings.EqualFold(p, att) {
						return true, opt.noteMarks[f]
					}
				}
			}
			if !names {
				return true, opt.noteMarks[f]
			}
		}
	}
	return false, ""
}
