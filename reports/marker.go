package reports

import (
	"image/color"
	"math"
	"strconv"
	"strings"
	"sync"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// marker is a method's point glyph: one of eight shapes (circle, square,
// upward triangle, diamond, downward triangle, pentagon, hexagon, star),
// filled, or hollow for a point the tables footnote as below chance.
type marker struct {
	shape  int
	hollow bool
}

// DrawGlyph implements draw.GlyphDrawer.
func (m marker) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	c.SetLineWidth(vg.Points(0.9))
	c.SetColor(sty.Color)
	r := sty.Radius
	var p vg.Path
	switch m.shape % 8 {
	case 0:
		p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
		p.Arc(pt, r, 0, 2*math.Pi)
	case 1:
		polygon(&p, pt, r*0.9*math.Sqrt2, 4, math.Pi/4)
	case 2:
		polygon(&p, pt, r*1.2, 3, math.Pi/2)
	case 3:
		polygon(&p, pt, r*1.2, 4, 0)
	case 4:
		polygon(&p, pt, r*1.2, 3, -math.Pi/2)
	case 5:
		polygon(&p, pt, r*1.1, 5, math.Pi/2)
	case 6:
		polygon(&p, pt, r*1.1, 6, 0)
	case 7:
		star(&p, pt, r*1.3)
	}
	p.Close()
	if m.hollow {
		c.Stroke(p)
		return
	}
	c.Fill(p)
}

// polygon appends a regular n-gon of circumradius r centred on c, its first
// vertex at angle a0.
func polygon(p *vg.Path, c vg.Point, r vg.Length, n int, a0 float64) {
	for i := 0; i < n; i++ {
		a := a0 + 2*math.Pi*float64(i)/float64(n)
		q := vg.Point{X: c.X + r*vg.Length(math.Cos(a)), Y: c.Y + r*vg.Length(math.Sin(a))}
		if i == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
}

// star appends a five-pointed star of outer radius r.
func star(p *vg.Path, c vg.Point, r vg.Length) {
	for i := 0; i < 10; i++ {
		a := math.Pi/2 + math.Pi*float64(i)/5
		rr := r
		if i%2 == 1 {
			rr = r * 0.45
		}
		q := vg.Point{X: c.X + rr*vg.Length(math.Cos(a)), Y: c.Y + rr*vg.Length(math.Sin(a))}
		if i == 0 {
			p.Move(q)
		} else {
			p.Line(q)
		}
	}
}

// legendItem is one entry of a figure's shared legend.
type legendItem struct {
	name   string
	thumbs []plot.Thumbnailer
}

// legends holds the entries of plots being built; paintGrid takes them out
// when it lays a figure out, so the legend is drawn once, outside the data,
// under the panels.
var (
	legendMu sync.Mutex
	legends  = map[*plot.Plot][]legendItem{}
)

// addLegend records a legend entry of p (instead of p.Legend, which gonum
// draws inside the data area).
func addLegend(p *plot.Plot, name string, thumbs ...plot.Thumbnailer) {
	legendMu.Lock()
	legends[p] = append(legends[p], legendItem{name, thumbs})
	legendMu.Unlock()
}

// takeLegends removes and returns the entries of plots, deduplicated by
// name in first-seen order.
func takeLegends(plots [][]*plot.Plot) []legendItem {
	legendMu.Lock()
	defer legendMu.Unlock()
	var out []legendItem
	seen := map[string]bool{}
	for _, r := range plots {
		for _, p := range r {
			for _, it := range legends[p] {
				if !seen[it.name] {
					seen[it.name] = true
					out = append(out, it)
				}
			}
			delete(legends, p)
		}
	}
	return out
}

// legendFont is the legend's text style.
func legendFont() draw.TextStyle {
	p := plot.New()
	sty := p.Legend.TextStyle
	sty.Font.Size = vg.Points(7.5)
	return sty
}

// legendLayout places items in rows across width w: thumbnail, space, text,
// gap. It returns each item's row and x offset and the number of rows.
func legendLayout(items []legendItem, sty draw.TextStyle, w vg.Length) (rows []int, xs []vg.Length, n int) {
	const thumb, gap = 16, 12
	x, row := vg.Length(0), 0
	for _, it := range items {
		iw := vg.Points(thumb) + vg.Points(3) + sty.Width(it.name)
		if x > 0 && x+iw > w {
			row++
			x = 0
		}
		rows = append(rows, row)
		xs = append(xs, x)
		x += iw + vg.Points(gap)
	}
	if len(items) > 0 {
		n = row + 1
	}
	return rows, xs, n
}

// drawLegend draws items in rows of height rh at the bottom of dc, centred
// horizontally; it returns the height used.
func drawLegend(dc draw.Canvas, items []legendItem) vg.Length {
	if len(items) == 0 {
		return 0
	}
	sty := legendFont()
	margin := vg.Points(6)
	rows, xs, n := legendLayout(items, sty, dc.Max.X-dc.Min.X-2*margin)
	rh := sty.Font.Size * 1.6
	// Row widths, to centre each row.
	widths := make([]vg.Length, n)
	for i, it := range items {
		widths[rows[i]] = xs[i] + vg.Points(19) + sty.Width(it.name)
	}
	h := rh*vg.Length(n) + margin
	for i, it := range items {
		r := rows[i]
		x0 := dc.Min.X + (dc.Max.X-dc.Min.X-widths[r])/2 + xs[i]
		y0 := dc.Min.Y + margin/2 + rh*vg.Length(n-1-r)
		icon := draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: x0, Y: y0}, Max: vg.Point{X: x0 + vg.Points(16), Y: y0 + rh*0.8}}}
		for _, t := range it.thumbs {
			t.Thumbnail(&icon)
		}
		ts := sty
		ts.YAlign = draw.YCenter
		dc.FillText(ts, vg.Point{X: x0 + vg.Points(19), Y: y0 + rh*0.4}, it.name)
	}
	return h
}

// intTicks labels integer positions only (epochs, steps), about n of them.
type intTicks struct{ n int }

// Ticks implements plot.Ticker.
func (t intTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo {
		return nil
	}
	n := t.n
	if n < 2 {
		n = 5
	}
	step := niceStep((hi - lo) / float64(n))
	var out []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		if v == 0 {
			v = 0 // not -0, which would print as "-0"
		}
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return out
}

// niceStep rounds a positive step up to an integer 1, 2 or 5 × 10^k (at
// least 1).
func niceStep(x float64) float64 {
	if x <= 1 {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

// powTicks labels a log axis at powers of ten as 10^k (superscript digits):
// every power, with unlabelled minor ticks at 2…9 × 10^k, over up to six
// decades; every second (third, …) power and no minor ticks over more.
type powTicks struct{}

// Ticks implements plot.Ticker.
func (powTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	var out []plot.Tick
	k0, k1 := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	// At most about six labels: every power over a few decades, every
	// second or third over many, and then no minor ticks.
	every := math.Max(1, math.Ceil((k1-k0)/6))
	first := math.Ceil(math.Log10(min) - 1e-12) // the first power in range
	for k := k0; k <= k1; k++ {
		base := math.Pow(10, k)
		for m := 1.0; m < 10; m++ {
			v := m * base
			if v < min*(1-1e-12) || v > max*(1+1e-12) || (m > 1 && every > 1) {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 && math.Mod(k-first, every) == 0 {
				t.Label = pow10Label(int(k))
			}
			out = append(out, t)
		}
	}
	return out
}

// pow10Label is "10" followed by k in superscript digits: "10ˉ³", "10²".
// The minus is U+02C9 (a raised bar): the figures' font, Liberation, has
// the superscript digits but no superscript minus (U+207B), which it would
// drop, turning 10⁻⁶ into a wrong 10⁶.
func pow10Label(k int) string {
	sup := strings.NewReplacer("-", "ˉ", "0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")
	return "10" + sup.Replace(strconv.Itoa(k))
}

// pointLabels draws the point labels of a panel's series together, each
// placed at the first of eight positions around its point (right, left,
// above, below and the diagonals; near, then at 2.5 and 4.5 times the
// distance) where it overlaps no label already placed,
// no point of the panel and does not cross the data area's edge; a label
// with no free position takes the least-overlapping one. Drawing them in one
// pass is what lets labels of different series avoid each other.
type pointLabels struct {
	items []pointLabel
	pts   []plotter.XY    // every marker of the panel, to keep clear of
	bars  [][4]float64    // x, y, dx, dy of every error bar, to keep clear of
	segs  [][2]plotter.XY // the series' line segments, to keep clear of
}

type pointLabel struct {
	at    plotter.XY
	text  string
	color color.Color
}

// Plot implements plot.Plotter.
func (pl *pointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	sty := legendFont()
	sty.Font.Size = vg.Points(6.5)
	type box struct{ min, max vg.Point }
	overlap := func(a, b box) vg.Length {
		w := min(a.max.X, b.max.X) - max(a.min.X, b.min.X)
		h := min(a.max.Y, b.max.Y) - max(a.min.Y, b.min.Y)
		if w <= 0 || h <= 0 {
			return 0
		}
		return w * h
	}
	var placed []box
	r := vg.Points(3.5)
	for _, q := range pl.pts {
		x, y := tx(q.X), ty(q.Y)
		placed = append(placed, box{vg.Point{X: x - r, Y: y - r}, vg.Point{X: x + r, Y: y + r}})
	}
	thin := vg.Points(1.5)
	for _, b := range pl.bars {
		x, y := tx(b[0]), ty(b[1])
		if b[2] > 0 {
			placed = append(placed, box{vg.Point{X: tx(b[0] - b[2]), Y: y - thin}, vg.Point{X: tx(b[0] + b[2]), Y: y + thin}})
		}
		if b[3] > 0 {
			placed = append(placed, box{vg.Point{X: x - thin, Y: ty(b[1] - b[3])}, vg.Point{X: x + thin, Y: ty(b[1] + b[3])}})
		}
	}
	for _, sg := range pl.segs {
		// A segment as a chain of small boxes along it.
		x0, y0, x1, y1 := tx(sg[0].X), ty(sg[0].Y), tx(sg[1].X), ty(sg[1].Y)
		for i := 0; i <= 16; i++ {
			f := vg.Length(i) / 16
			x, y := x0+(x1-x0)*f, y0+(y1-y0)*f
			placed = append(placed, box{vg.Point{X: x - thin, Y: y - thin}, vg.Point{X: x + thin, Y: y + thin}})
		}
	}
	gap := vg.Points(4)
	for _, it := range pl.items {
		x, y := tx(it.at.X), ty(it.at.Y)
		w, h := sty.Width(it.text), sty.Height(it.text)
		// Eight directions, near first, then farther out.
		var cands []vg.Point
		for _, f := range []vg.Length{1, 2.5, 4.5} {
			g := gap * f
			cands = append(cands,
				vg.Point{X: x + g, Y: y - h/2}, vg.Point{X: x - g - w, Y: y - h/2},
				vg.Point{X: x - w/2, Y: y + g}, vg.Point{X: x - w/2, Y: y - g - h},
				vg.Point{X: x + g, Y: y + g/2}, vg.Point{X: x + g, Y: y - g/2 - h},
				vg.Point{X: x - g - w, Y: y + g/2}, vg.Point{X: x - g - w, Y: y - g/2 - h})
		}
		best, bestCost := cands[0], vg.Length(math.Inf(1))
		for _, cnd := range cands {
			b := box{cnd, vg.Point{X: cnd.X + w, Y: cnd.Y + h}}
			var cost vg.Length
			for _, o := range placed {
				cost += overlap(b, o)
			}
			if b.min.X < c.Min.X || b.max.X > c.Max.X || b.min.Y < c.Min.Y || b.max.Y > c.Max.Y {
				cost += w * h * 10 // cut at the edge: worse than any overlap
			}
			if cost < bestCost {
				best, bestCost = cnd, cost
			}
			if cost == 0 {
				break
			}
		}
		placed = append(placed, box{best, vg.Point{X: best.X + w, Y: best.Y + h}})
		ts := sty
		ts.Color = it.color
		ts.XAlign, ts.YAlign = draw.XLeft, draw.YBottom
		c.FillText(ts, best, it.text)
	}
}

// labelsOf returns p's label layer, adding it on first use; every point of
// every series goes into it as an obstacle, and labels as given.
func labelsOf(p *plot.Plot) *pointLabels {
	labelMu.Lock()
	defer labelMu.Unlock()
	if l, ok := labelLayers[p]; ok {
		return l
	}
	l := &pointLabels{}
	labelLayers[p] = l
	return l
}

var (
	labelMu     sync.Mutex
	labelLayers = map[*plot.Plot]*pointLabels{}
)

// finishLabels adds the label layers of plots last, so labels draw over
// lines and markers, and forgets them.
func finishLabels(plots [][]*plot.Plot) {
	labelMu.Lock()
	defer labelMu.Unlock()
	for _, r := range plots {
		for _, p := range r {
			if l, ok := labelLayers[p]; ok {
				p.Add(l)
				delete(labelLayers, p)
			}
		}
	}
}
