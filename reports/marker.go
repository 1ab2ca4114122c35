package reports

import (
	"image/color"
	"math"
	"sort"
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
	sty.Font = withFigureFont(sty.Font)
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

// legendHeight is the height drawLegend takes on dc.
func legendHeight(dc draw.Canvas, items []legendItem) vg.Length {
	if len(items) == 0 {
		return 0
	}
	sty := legendFont()
	margin := vg.Points(6)
	_, _, n := legendLayout(items, sty, dc.Max.X-dc.Min.X-2*margin)
	return sty.Font.Size*1.6*vg.Length(n) + margin
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

// linTicks are gonum's default tick positions on a linear axis, labelled
// with the fewest decimals that print every labelled value exactly, the
// same number on all of them ("0.0 2.5 5.0 7.5", not "0.00 2.50 5.00
// 7.50"), and negative values with the minus sign U+2212.
type linTicks struct{}

// Ticks implements plot.Ticker.
func (linTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	var vals []float64
	for _, t := range ticks {
		if t.Label != "" {
			vals = append(vals, t.Value)
		}
	}
	if len(vals) == 0 {
		return ticks
	}
	span := 0.0
	for _, v := range vals {
		span = math.Max(span, math.Abs(v))
	}
	prec := 0
	for ; prec < 12; prec++ {
		exact := true
		for _, v := range vals {
			r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', prec, 64), 64)
			exact = exact && math.Abs(r-v) <= 1e-9*math.Max(span, 1e-300)
		}
		if exact {
			break
		}
	}
	for i := range ticks {
		if ticks[i].Label == "" {
			continue
		}
		v := ticks[i].Value
		if math.Abs(v) <= 1e-12*span {
			v = 0 // not "-0.0"
		}
		ticks[i].Label = strings.Replace(strconv.FormatFloat(v, 'f', prec, 64), "-", "−", 1)
	}
	return ticks
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

// pow10Label is "10" followed by k in superscript digits and sign: "10⁻³",
// "10²" (figureFont has every one of them, U+207B minus included).
func pow10Label(k int) string {
	sup := strings.NewReplacer("-", "⁻", "0", "⁰", "1", "¹", "2", "²", "3", "³", "4", "⁴", "5", "⁵", "6", "⁶", "7", "⁷", "8", "⁸", "9", "⁹")
	return "10" + sup.Replace(strconv.Itoa(k))
}

// pointLabels draws the point labels of a panel's series together.
//
// Labels of one series whose points lie within mergeDist of each other on
// the page (coincident, or so close their markers overlap; mergeLabels)
// become one label
// at their centroid: "α=10⁻⁶…1" for three or more consecutive points of the
// series alike in being hollow or not, else the values joined by commas
// ("α=10⁻⁶, 10⁻⁴, 1"). A label set away from its point (beyond the first
// ring, or in a free spot) gets a thin leader line from its marker's edge to
// the nearest point of its box (leaderLine). Each label then takes the first
// of eight positions around its point (right, left, above, below and the
// diagonals; near, then farther out in rings) that overlaps no label already
// placed, no marker and no error bar or line, stays inside the data area and
// whose leader crosses nothing (no other label, leader or point's marker: a
// line through another marker seems to end there); failing that, the first
// that overlaps no label, marker or edge and crosses nothing (lines and error
// bars may lie under it), then the free spot of the data area nearest its
// point that crosses nothing (nearestFree), then the first position and
// the nearest free spot that overlap no label, marker or edge though their
// leader crosses something, and only then the least-overlapping position.
// Placement is greedy, label by label, so a crowded panel can leave a late
// label no crossing-free spot: the labels are laid out twice, in their own
// order and with crowded points first (crowdedFirst), and the layout with
// fewer overlaps, then fewer crossings, then shorter leaders is drawn
// (layoutScore). Drawing the labels of every series in one pass is what
// lets them avoid each other.
type pointLabels struct {
	items []pointLabel
	pts   []plotter.XY    // every marker of the panel, to keep clear of
	bars  [][4]float64    // x, y, dx, dy of every error bar, to keep clear of
	segs  [][2]plotter.XY // the series' line segments, to keep clear of
	// placed holds the labels of the last Plot call, for tests.
	placed []placedLabel
}

type pointLabel struct {
	at     plotter.XY
	text   string
	color  color.Color
	series int  // the series' index in the panel: only its own labels merge
	index  int  // the point's index in its series
	hollow bool // drawn hollow (below chance)
}

// placedLabel is a label as drawn: its text, its box and the page position
// of the point(s) it names.
type placedLabel struct {
	text   string
	box    vg.Rectangle
	at     vg.Point
	leader bool
	color  color.Color
	// from, to are the leader line's ends when leader is set: on the
	// marker's edge, and on the box's edge nearest the point.
	from, to vg.Point
}

// leaderLine is the leader from a marker of radius r at at to the point of
// box b nearest at: it starts on the marker's edge, on the way to b, and
// ends on b. ok is false when b reaches into the marker (no line is drawn).
func leaderLine(at vg.Point, b vg.Rectangle, r vg.Length) (from, to vg.Point, ok bool) {
	to = vg.Point{X: min(max(at.X, b.Min.X), b.Max.X), Y: min(max(at.Y, b.Min.Y), b.Max.Y)}
	dx, dy := to.X-at.X, to.Y-at.Y
	d := vg.Length(math.Hypot(float64(dx), float64(dy)))
	if d <= r {
		return at, at, false
	}
	return vg.Point{X: at.X + dx*r/d, Y: at.Y + dy*r/d}, to, true
}

// segmentHitsRect reports whether the segment p–q passes through the
// interior of b (Liang–Barsky clipping: the parameter interval of the
// segment inside b's slab in x and in y is non-empty).
func segmentHitsRect(p, q vg.Point, b vg.Rectangle) bool {
	t0, t1 := 0.0, 1.0
	clip := func(d, lo, hi float64) bool { // p + t·d within (lo, hi)
		if d == 0 {
			return lo < 0 && 0 < hi
		}
		a, z := lo/d, hi/d
		if a > z {
			a, z = z, a
		}
		t0, t1 = math.Max(t0, a), math.Min(t1, z)
		return t0 < t1
	}
	return clip(float64(q.X-p.X), float64(b.Min.X-p.X), float64(b.Max.X-p.X)) &&
		clip(float64(q.Y-p.Y), float64(b.Min.Y-p.Y), float64(b.Max.Y-p.Y))
}

// segmentsCross reports whether the segments a–b and c–d cross at a point
// inside both (the orientations of each segment's ends about the other
// differ in sign; touching or collinear segments do not count).
func segmentsCross(a, b, c, d vg.Point) bool {
	orient := func(p, q, r vg.Point) float64 {
		return float64(q.X-p.X)*float64(r.Y-p.Y) - float64(q.Y-p.Y)*float64(r.X-p.X)
	}
	d1, d2 := orient(c, d, a), orient(c, d, b)
	d3, d4 := orient(a, b, c), orient(a, b, d)
	return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
}

// mergeDist is the page distance within which the labels of one series'
// points merge: about a marker's diameter.
const mergeDist = vg.Length(5)

// labelStyle is the text style of point labels.
func labelStyle() draw.TextStyle {
	sty := legendFont()
	sty.Font.Size = vg.Points(6.5)
	return sty
}

// overlapArea is the area two rectangles share (0 when disjoint or only
// touching).
func overlapArea(a, b vg.Rectangle) vg.Length {
	w := min(a.Max.X, b.Max.X) - max(a.Min.X, b.Min.X)
	h := min(a.Max.Y, b.Max.Y) - max(a.Min.Y, b.Min.Y)
	if w <= 0 || h <= 0 {
		return 0
	}
	return w * h
}

// mergeLabels groups items of one series whose page positions (pos) lie
// within mergeDist of each other — each item joins the first group of its
// series all of whose members are that close (complete linkage, so a group
// spans at most mergeDist however many points it has), else starts one —
// and returns one item per group, at the group's centroid, with a merged
// text.
func mergeLabels(items []pointLabel, pos func(plotter.XY) vg.Point) []pointLabel {
	var groups [][]int
	near := func(i, j int) bool {
		pi, pj := pos(items[i].at), pos(items[j].at)
		return math.Hypot(float64(pi.X-pj.X), float64(pi.Y-pj.Y)) <= float64(mergeDist)
	}
next:
	for i := range items {
		for gi, g := range groups {
			if items[g[0]].series != items[i].series {
				continue
			}
			all := true
			for _, j := range g {
				all = all && near(i, j)
			}
			if all {
				groups[gi] = append(g, i)
				continue next
			}
		}
		groups = append(groups, []int{i})
	}
	out := make([]pointLabel, 0, len(groups))
	for _, g := range groups {
		if len(g) == 1 {
			out = append(out, items[g[0]])
			continue
		}
		m := items[g[0]]
		var sx, sy float64
		for _, i := range g {
			sx += items[i].at.X
			sy += items[i].at.Y
		}
		m.at = plotter.XY{X: sx / float64(len(g)), Y: sy / float64(len(g))}
		m.text = mergedText(items, g)
		out = append(out, m)
	}
	return out
}

// mergedText is the label of the items g (indices into items, in series
// order): a shared "name=" prefix once, then the values — the first and
// last joined by "…" when there are three or more consecutive points alike
// in hollowness, else all of them joined by ", ". Repeated values count
// once.
func mergedText(items []pointLabel, g []int) string {
	prefix := ""
	if i := strings.Index(items[g[0]].text, "="); i >= 0 {
		prefix = items[g[0]].text[:i+1]
	}
	for _, i := range g {
		if !strings.HasPrefix(items[i].text, prefix) {
			prefix = ""
			break
		}
	}
	var vals []string
	run, same := true, true
	for k, i := range g {
		v := strings.TrimPrefix(items[i].text, prefix)
		if len(vals) == 0 || vals[len(vals)-1] != v {
			vals = append(vals, v)
		}
		if k > 0 {
			run = run && items[i].index == items[g[k-1]].index+1
			same = same && items[i].hollow == items[g[0]].hollow
		}
	}
	if len(vals) >= 3 && run && same {
		return prefix + vals[0] + "…" + vals[len(vals)-1]
	}
	return prefix + strings.Join(vals, ", ")
}

// Plot implements plot.Plotter.
func (pl *pointLabels) Plot(c draw.Canvas, p *plot.Plot) {
	tx, ty := p.Transforms(&c)
	pos := func(q plotter.XY) vg.Point { return vg.Point{X: tx(q.X), Y: ty(q.Y)} }
	sty := labelStyle()
	rect := func(min, max vg.Point) vg.Rectangle { return vg.Rectangle{Min: min, Max: max} }
	// Hard obstacles (markers) and soft ones (error bars, lines).
	var markers, soft []vg.Rectangle
	r := vg.Points(3.5)
	for _, q := range pl.pts {
		x, y := tx(q.X), ty(q.Y)
		markers = append(markers, rect(vg.Point{X: x - r, Y: y - r}, vg.Point{X: x + r, Y: y + r}))
	}
	thin := vg.Points(1.5)
	for _, b := range pl.bars {
		x, y := tx(b[0]), ty(b[1])
		if b[2] > 0 {
			soft = append(soft, rect(vg.Point{X: tx(b[0] - b[2]), Y: y - thin}, vg.Point{X: tx(b[0] + b[2]), Y: y + thin}))
		}
		if b[3] > 0 {
			soft = append(soft, rect(vg.Point{X: x - thin, Y: ty(b[1] - b[3])}, vg.Point{X: x + thin, Y: ty(b[1] + b[3])}))
		}
	}
	for _, sg := range pl.segs {
		// A segment as a chain of small boxes along it.
		x0, y0, x1, y1 := tx(sg[0].X), ty(sg[0].Y), tx(sg[1].X), ty(sg[1].Y)
		for i := 0; i <= 16; i++ {
			f := vg.Length(i) / 16
			x, y := x0+(x1-x0)*f, y0+(y1-y0)*f
			soft = append(soft, rect(vg.Point{X: x - thin, Y: y - thin}, vg.Point{X: x + thin, Y: y + thin}))
		}
	}
	gap := vg.Points(4)
	rings := []vg.Length{1, 2.5, 4.5, 7, 10}
	// layout places the labels of order one by one (greedy: each takes
	// the best spot the labels before it left).
	layout := func(order []pointLabel) []placedLabel {
		var placed []placedLabel
		for _, it := range order {
			at := pos(it.at)
			x, y := at.X, at.Y
			w, h := sty.Width(it.text), sty.Height(it.text)
			// Eight directions per ring, near rings first.
			var cands []vg.Point
			for _, f := range rings {
				g := gap * f
				cands = append(cands,
					vg.Point{X: x + g, Y: y - h/2}, vg.Point{X: x - g - w, Y: y - h/2},
					vg.Point{X: x - w/2, Y: y + g}, vg.Point{X: x - w/2, Y: y - g - h},
					vg.Point{X: x + g, Y: y + g/2}, vg.Point{X: x + g, Y: y - g/2 - h},
					vg.Point{X: x - g - w, Y: y + g/2}, vg.Point{X: x - g - w, Y: y - g/2 - h})
			}
			// costs of a label box at cnd: hard is what it covers (labels,
			// markers, the data area's edge), cross counts what its leader line
			// (or the box) would cross — another label, another leader, another
			// point's marker, so that a line seems to end at the wrong point —
			// and light what soft obstacles it covers.
			costs := func(cnd vg.Point, leader bool) (hard vg.Length, cross int, light vg.Length) {
				b := rect(cnd, vg.Point{X: cnd.X + w, Y: cnd.Y + h})
				for _, o := range placed {
					hard += overlapArea(b, o.box)
					if o.leader && segmentHitsRect(o.from, o.to, b) {
						cross++
					}
				}
				for _, o := range markers {
					hard += overlapArea(b, o)
				}
				if from, to, ok := leaderLine(at, b, r); leader && ok {
					for _, o := range placed {
						if segmentHitsRect(from, to, o.box) || (o.leader && segmentsCross(from, to, o.from, o.to)) {
							cross++
						}
					}
					for _, q := range pl.pts {
						m := pos(q)
						if math.Hypot(float64(m.X-x), float64(m.Y-y)) <= float64(mergeDist) {
							continue // its own marker, or one merged into its label
						}
						if segmentHitsRect(from, to, rect(vg.Point{X: m.X - r, Y: m.Y - r}, vg.Point{X: m.X + r, Y: m.Y + r})) {
							cross++
						}
					}
				}
				if b.Min.X < c.Min.X || b.Max.X > c.Max.X || b.Min.Y < c.Min.Y || b.Max.Y > c.Max.Y {
					hard += w * h // cut at the edge
				}
				for _, o := range soft {
					light += overlapArea(b, o)
				}
				return hard, cross, light
			}
			// In order of preference: a ring position free of everything; one
			// free of hard obstacles and crossings; the nearest free spot
			// without crossings; a ring position free of hard obstacles; the
			// nearest free spot; the least-overlapping ring position.
			best, bestCost := -1, vg.Length(math.Inf(1))
			firstClean, firstHardFree := -1, -1
			for ci, cnd := range cands {
				hard, cross, light := costs(cnd, ci >= 8)
				if hard == 0 && cross == 0 && light == 0 {
					firstClean = ci
					break
				}
				if hard == 0 && cross == 0 && firstClean < 0 && firstHardFree < 0 {
					firstHardFree = ci
				}
				if cost := hard*1000 + light; cost < bestCost {
					best, bestCost = ci, cost
				}
			}
			if firstClean < 0 && firstHardFree < 0 {
				if free, ok := nearestFree(c.Rectangle, at, w, h, func(q vg.Point) (vg.Length, vg.Length) {
					hard, cross, light := costs(q, true)
					if cross > 0 {
						hard += w * h
					}
					return hard, light
				}); ok {
					firstClean = len(cands)
					cands = append(cands, free)
				}
			}
			if firstClean < 0 && firstHardFree < 0 {
				for ci, cnd := range cands {
					if hard, _, _ := costs(cnd, ci >= 8); hard == 0 {
						firstHardFree = ci
						break
					}
				}
			}
			if firstClean < 0 && firstHardFree < 0 {
				if free, ok := nearestFree(c.Rectangle, at, w, h, func(q vg.Point) (vg.Length, vg.Length) {
					hard, _, light := costs(q, true)
					return hard, light
				}); ok {
					firstClean = len(cands)
					cands = append(cands, free)
				}
			}
			switch {
			case firstClean >= 0:
				best = firstClean
			case firstHardFree >= 0:
				best = firstHardFree
			}
			cnd := cands[best]
			b := rect(cnd, vg.Point{X: cnd.X + w, Y: cnd.Y + h})
			lbl := placedLabel{text: it.text, box: b, at: at, color: it.color}
			if best >= 8 {
				// From the marker's edge to the nearest point of the box.
				lbl.from, lbl.to, lbl.leader = leaderLine(at, b, r)
			}
			placed = append(placed, lbl)
		}
		return placed
	}
	// Two orders, the labels' own and crowded points first
	// (crowdedFirst); the layout with fewer overlaps, then fewer
	// crossings, then shorter leaders wins, the first on a tie.
	items := mergeLabels(pl.items, pos)
	var bestScore [3]float64
	pl.placed = pl.placed[:0]
	for k, order := range [][]pointLabel{items, crowdedFirst(items, pl.pts, pos)} {
		placed := layout(order)
		if sc := layoutScore(placed, markers, c.Rectangle, r); k == 0 || less3(sc, bestScore) {
			pl.placed, bestScore = placed, sc
		}
	}
	for _, lbl := range pl.placed {
		if lbl.leader {
			st := draw.LineStyle{Color: lbl.color, Width: vg.Points(0.4)}
			c.StrokeLine2(st, lbl.from.X, lbl.from.Y, lbl.to.X, lbl.to.Y)
		}
		ts := sty
		ts.Color = lbl.color
		ts.XAlign, ts.YAlign = draw.XLeft, draw.YBottom
		c.FillText(ts, lbl.box.Min, lbl.text)
	}
}

// layoutScore rates a label layout, lower better: the number of labels
// overlapping another label, a marker or the area's edge; the number of
// leader lines through another label or another point's marker (of radius
// r, one within mergeDist of the label's point counting as its own) and of
// pairs of crossing leaders; the leaders' total length.
func layoutScore(placed []placedLabel, markers []vg.Rectangle, area vg.Rectangle, r vg.Length) [3]float64 {
	var sc [3]float64
	for i, a := range placed {
		if a.box.Min.X < area.Min.X || a.box.Max.X > area.Max.X || a.box.Min.Y < area.Min.Y || a.box.Max.Y > area.Max.Y {
			sc[0]++
		}
		for j, b := range placed {
			if j > i && overlapArea(a.box, b.box) > 0 {
				sc[0]++
			}
			if !a.leader || j == i {
				continue
			}
			if segmentHitsRect(a.from, a.to, b.box) {
				sc[1]++
			}
			if j > i && b.leader && segmentsCross(a.from, a.to, b.from, b.to) {
				sc[1]++
			}
		}
		for _, m := range markers {
			if overlapArea(a.box, m) > 0 {
				sc[0]++
			}
			c := vg.Point{X: (m.Min.X + m.Max.X) / 2, Y: (m.Min.Y + m.Max.Y) / 2}
			if a.leader && math.Hypot(float64(c.X-a.at.X), float64(c.Y-a.at.Y)) > float64(mergeDist) && segmentHitsRect(a.from, a.to, m) {
				sc[1]++
			}
		}
		if a.leader {
			sc[2] += math.Hypot(float64(a.to.X-a.from.X), float64(a.to.Y-a.from.Y))
		}
	}
	return sc
}

// less3 orders scores lexicographically.
func less3(a, b [3]float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// crowdDist is the page distance within which crowdedFirst counts a
// label's neighbours: about two labels' height and a short label's width.
const crowdDist = vg.Length(24)

// crowdedFirst orders items for placement: most markers within crowdDist
// of the point first, ties in the given order (a stable sort). A label in
// a crowd has few free spots and takes one before the labels of isolated
// points, which have room anywhere, can take it; placed last, it would be
// left only spots whose leader crosses others.
func crowdedFirst(items []pointLabel, pts []plotter.XY, pos func(plotter.XY) vg.Point) []pointLabel {
	n := make([]int, len(items))
	for i, it := range items {
		a := pos(it.at)
		for _, q := range pts {
			b := pos(q)
			if math.Hypot(float64(a.X-b.X), float64(a.Y-b.Y)) <= float64(crowdDist) {
				n[i]++
			}
		}
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return n[idx[i]] > n[idx[j]] })
	out := make([]pointLabel, len(items))
	for i, k := range idx {
		out[i] = items[k]
	}
	return out
}

// nearestFree scans the area on a 2-point grid for a w × h box that costs
// nothing hard (no label, marker or edge under it) and returns the one
// whose centre is nearest to at, preferring one that crosses no line or
// error bar either when it is at most 20 points farther; ok is false when
// there is none.
func nearestFree(area vg.Rectangle, at vg.Point, w, h vg.Length, costs func(vg.Point) (hard, light vg.Length)) (vg.Point, bool) {
	step := vg.Points(2)
	var cands []vg.Point
	for y := area.Min.Y; y+h <= area.Max.Y; y += step {
		for x := area.Min.X; x+w <= area.Max.X; x += step {
			cands = append(cands, vg.Point{X: x, Y: y})
		}
	}
	dist := func(p vg.Point) float64 {
		return math.Hypot(float64(p.X+w/2-at.X), float64(p.Y+h/2-at.Y))
	}
	sort.SliceStable(cands, func(i, j int) bool { return dist(cands[i]) < dist(cands[j]) })
	var first *vg.Point
	for i, p := range cands {
		if first != nil && dist(p) > dist(*first)+20 {
			break // a line under the label beats a long leader line
		}
		hard, light := costs(p)
		if hard > 0 {
			continue
		}
		if light == 0 {
			return p, true
		}
		if first == nil {
			first = &cands[i]
		}
	}
	if first == nil {
		return vg.Point{}, false
	}
	return *first, true
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
