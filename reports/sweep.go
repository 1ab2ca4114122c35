package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/potau/potau/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// uniqueName returns name, or name-2, name-3, … when already taken.
func uniqueName(taken map[string]bool, name string) string {
	n := name
	for i := 2; taken[n]; i++ {
		n = name + "-" + strconv.Itoa(i)
	}
	taken[n] = true
	return n
}

// alphaFigures draws the α trade-off: for each dataset × model × dim block in
// which some method ran at two or more α, one panel per attacker plotting
// attack AUC (x) against NDCG@10 (y), one point per α (seeds averaged, error
// bars ± std), one curve per method, a dashed vertical line at chance.
// Methods run at a single α (those that do not take α) appear as lone
// markers.
func alphaFigures(dir string, recs []results.Record, keys []rowKey, groups map[rowKey][]int, opt Options) ([]Figure, error) {
	order, members, _ := figureGroups(keys, groups, nil)
	taken := map[string]bool{}
	var figs []Figure
	for _, fk := range order {
		ss := splitSeries(members[fk], func(k rowKey) string { return k.method + "\x00" + k.reg })
		swept := false
		for _, s := range ss {
			swept = swept || distinct(s, func(k rowKey) string { return fmtG(k.alpha) }) >= 2
		}
		if !swept {
			continue
		}
		showReg := regsVary(members[fk])
		anyHollow := false
		var panels []*plot.Plot
		var used []string
		leak := false
		atts := attackersOf(opt)
		for _, i := range groupsIdx(members[fk], groups) {
			if recs[i].Leakage != nil {
				atts = append(slices.Clone(atts), "leakage")
				break
			}
		}
		for _, att := range atts {
			key := att + ".auc"
			p := newPlot(strings.ToUpper(att)+" attacker", "attack AUC ("+strings.ToUpper(att)+")", "NDCG@10")
			if att == "leakage" {
				key = "leakage"
				p = newPlot("Audit leakage", "leakage AUC (worst case)", "NDCG@10")
			}
			n := 0
			hollowAny := false
			for _, s := range ss {
				sr := &series{name: seriesName(s[0], showReg), style: styleOf(s[0])}
				multi := distinct(s, func(k rowKey) string { return fmtG(k.alpha) }) >= 2
				for _, k := range s {
					auc := aggregate(recs, groups[k], key)
					nd := aggregate(recs, groups[k], "ndcg@10")
					if !auc.OK || !nd.OK {
						continue
					}
					n0 := sr.pts.Len()
					sr.pts.add(auc.Mean, nd.Mean, stdOf(auc), stdOf(nd))
					if sr.pts.Len() == n0 {
						continue // not drawable
					}
					lbl := ""
					if multi {
						lbl = "α=" + alphaLabel(k.alpha)
					}
					below, sym := false, ""
					if att != "leakage" {
						below, sym = belowChanceMark(recs, groups[k], att, opt)
					}
					if below {
						lbl += sym
						hollowAny = true
					}
					sr.labels = append(sr.labels, lbl)
					sr.hollow = append(sr.hollow, below)
				}
				if err := addSeries(p, sr); err != nil {
					return figs, err
				}
				n += sr.pts.Len()
			}
			if n == 0 {
				continue
			}
			p.Add(chanceLine{vertical: true})
			includeChance(&p.X)
			anyHollow = anyHollow || hollowAny
			pad(p, 0.3)
			panels = append(panels, p)
			if att == "leakage" {
				leak = true
			} else {
				used = append(used, strings.ToUpper(att))
			}
		}
		if len(panels) == 0 {
			continue
		}
		name := uniqueName(taken, slug("alpha", fk.dataset, fk.model, "d"+strconv.Itoa(fk.dim)))
		files, err := saveFigure(dir, name, vg.Length(len(panels))*3.8*vg.Inch, rowHeight(len(panels), 3.3*vg.Inch), opt, paintGrid([][]*plot.Plot{panels}))
		if err != nil {
			return figs, err
		}
		leakNote := ""
		if leak {
			leakNote = "; the audit-leakage panel draws each point's leakage (the largest AUC over the audit's attackers and representations)"
		}
		figs = append(figs, Figure{Name: name, Files: files, Caption: fmt.Sprintf(
			"α trade-off on %s (dim %d, protocol %s): attack AUC (%s) against NDCG@10, one point per α (labelled; coincident points share one label), one curve per method; "+
				"methods run at one α are lone markers%s. Dashed line: chance (AUC 0.5). Error bars: ± std (attack: folds × repeats or seeds; NDCG: seeds).%s",
			describe(rowKey{dataset: fk.dataset, model: fk.model, sweep: fk.sweep}), fk.dim, fk.protocol, strings.Join(used, ", "), leakNote, hollowNote(anyHollow))})
	}
	return figs, nil
}

// dimFigures draws the dimension sweep: for each dataset × model block in
// which some method ran at two or more dims, attack AUC per attacker and
// NDCG@10 against the dimension (log₂ axis), one curve per method run at
// two or more dims.
func dimFigures(dir string, recs []results.Record, keys []rowKey, groups map[rowKey][]int, opt Options) ([]Figure, error) {
	type figKey struct{ dataset, model, protocol, sweep string }
	var order []figKey
	members := map[figKey][]rowKey{}
	for _, k := range keys {
		fk := figKey{k.dataset, k.model, k.protocol, k.sweep}
		if _, ok := members[fk]; !ok {
			order = append(order, fk)
		}
		members[fk] = append(members[fk], k)
	}
	taken := map[string]bool{}
	var figs []Figure
	for _, fk := range order {
		ms := members[fk]
		ss := splitSeries(ms, func(k rowKey) string { return k.method + "\x00" + k.reg + "\x00" + fmtG(k.alpha) })
		swept := false
		for _, s := range ss {
			swept = swept || distinct(s, func(k rowKey) string { return strconv.Itoa(k.dim) }) >= 2
		}
		if !swept {
			continue
		}
		// A method's α goes into its legend entry when it ran at several α.
		alphas := map[string]map[float64]bool{}
		var dims []float64
		logOK := true
		for _, k := range ms {
			if alphas[k.method] == nil {
				alphas[k.method] = map[float64]bool{}
			}
			alphas[k.method][k.alpha] = true
			if !slices.Contains(dims, float64(k.dim)) {
				dims = append(dims, float64(k.dim))
			}
			logOK = logOK && k.dim > 0
		}
		slices.Sort(dims)
		showReg := regsVary(ms)
		metrics := make([]string, 0, 3)
		for _, att := range attackersOf(opt) {
			metrics = append(metrics, att+".auc")
		}
		metrics = append(metrics, "ndcg@10")
		var panels []*plot.Plot
		var used []string
		dimHollow := false
		for _, m := range metrics {
			c := newColumn(m, opt.Digits)
			// Panel title the attacker (or "Recommendation"), y axis the
			// metric: the same words once each.
			title, head, ylabel := c.Label, "Recommendation", c.Label
			if att, ok := c.attacker(); ok {
				title = "attack " + c.Label + " (" + strings.ToUpper(att) + ")"
				head, ylabel = strings.ToUpper(att)+" attacker", "attack "+c.Label
			}
			p := newPlot(head, "embedding dimension", ylabel)
			n := 0
			for _, s := range ss {
				if distinct(s, func(k rowKey) string { return strconv.Itoa(k.dim) }) < 2 {
					continue // a method run at one dim is not part of the sweep
				}
				name := seriesName(s[0], showReg)
				if len(alphas[s[0].method]) > 1 {
					name += " α=" + fmtShort(s[0].alpha)
				}
				sr := &series{name: name, style: styleOf(s[0])}
				for _, k := range s {
					v := aggregate(recs, groups[k], m)
					if !v.OK {
						continue
					}
					n0 := sr.pts.Len()
					sr.pts.add(float64(k.dim), v.Mean, 0, stdOf(v))
					if sr.pts.Len() == n0 {
						continue
					}
					below, sym := false, ""
					if att, ok := c.attacker(); ok {
						below, sym = belowChanceMark(recs, groups[k], att, opt)
					}
					sr.labels = append(sr.labels, sym)
					sr.hollow = append(sr.hollow, below)
					dimHollow = dimHollow || below
				}
				if err := addSeries(p, sr); err != nil {
					return figs, err
				}
				n += sr.pts.Len()
			}
			if n == 0 {
				continue
			}
			if c.Goal == GoalChance {
				p.Add(chanceLine{})
				includeChance(&p.Y)
			}
			if logOK {
				p.X.Scale = plot.LogScale{}
				ticks := make(plot.ConstantTicks, len(dims))
				for i, d := range dims {
					ticks[i] = plot.Tick{Value: d, Label: strconv.Itoa(int(d))}
				}
				p.X.Tick.Marker = ticks
				p.X.Min, p.X.Max = dims[0]/1.15, dims[len(dims)-1]*1.15
			}
			pad(p, 0.3)
			panels = append(panels, p)
			used = append(used, title)
		}
		if len(panels) == 0 {
			continue
		}
		name := uniqueName(taken, slug("dim", fk.dataset, fk.model))
		files, err := saveFigure(dir, name, vg.Length(len(panels))*3.3*vg.Inch, rowHeight(len(panels), 2.6*vg.Inch), opt, paintGrid([][]*plot.Plot{panels}))
		if err != nil {
			return figs, err
		}
		figs = append(figs, Figure{Name: name, Files: files, Caption: fmt.Sprintf(
			"Dimension sweep on %s (protocol %s): %s against the embedding dimension, one curve per method. Dashed line: chance (AUC 0.5). Error bars: ± std.%s",
			describe(rowKey{dataset: fk.dataset, model: fk.model, sweep: fk.sweep}), fk.protocol, strings.Join(used, ", "), hollowNote(dimHollow))})
	}
	return figs, nil
}

// splitSeries partitions ks (in order) by id, keeping first-appearance order.
func splitSeries(ks []rowKey, id func(rowKey) string) [][]rowKey {
	idx := map[string]int{}
	var out [][]rowKey
	for _, k := range ks {
		s := id(k)
		i, ok := idx[s]
		if !ok {
			i = len(out)
			idx[s] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], k)
	}
	return out
}

// distinct counts the distinct values of f over ks.
func distinct(ks []rowKey, f func(rowKey) string) int {
	seen := map[string]bool{}
	for _, k := range ks {
		seen[f(k)] = true
	}
	return len(seen)
}

// regsVary reports whether one method appears with several regularisers.
func regsVary(ks []rowKey) bool {
	regs := map[string]map[string]bool{}
	for _, k := range ks {
		if regs[k.method] == nil {
			regs[k.method] = map[string]bool{}
		}
		regs[k.method][k.reg] = true
	}
	for _, r := range regs {
		if len(r) > 1 {
			return true
		}
	}
	return false
}

// stdOf is a cell's spread for error bars (0 when it has none).
func stdOf(c Cell) float64 {
	if c.HasStd {
		return c.Std
	}
	return 0
}

// figKey identifies one figure: the rows of one dataset × model × protocol
// × sweep × dim.
type figKey struct {
	dataset, model, protocol, sweep string
	dim                             int
}

// figureGroups groups row keys by figure, in first-seen order. With has
// non-nil, only the records i with has(i) are kept (returned per row key)
// and rows without any are left out.
func figureGroups(keys []rowKey, groups map[rowKey][]int, has func(int) bool) ([]figKey, map[figKey][]rowKey, map[rowKey][]int) {
	var order []figKey
	members := map[figKey][]rowKey{}
	kept := map[rowKey][]int{}
	for _, k := range keys {
		if has != nil {
			for _, i := range groups[k] {
				if has(i) {
					kept[k] = append(kept[k], i)
				}
			}
			if len(kept[k]) == 0 {
				continue
			}
		}
		fk := figKey{k.dataset, k.model, k.protocol, k.sweep, k.dim}
		if _, ok := members[fk]; !ok {
			order = append(order, fk)
		}
		members[fk] = append(members[fk], k)
	}
	return order, members, kept
}

// alphaLabel prints α for a figure: a power of ten as 10 with a superscript
// exponent ("10⁻⁶"), otherwise compactly ("3e-4" → "3·10⁻⁴").
func alphaLabel(a float64) string {
	if a <= 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return fmtShort(a)
	}
	k := math.Floor(math.Log10(a))
	m := a / math.Pow(10, k)
	if math.Abs(m-math.Round(m)) < 1e-9 {
		m = math.Round(m)
	}
	if m == 10 {
		m, k = 1, k+1
	}
	if k >= -1 && k <= 1 {
		return fmtShort(a)
	}
	if m == 1 {
		return pow10Label(int(k))
	}
	return strconv.FormatFloat(m, 'g', 3, 64) + "·" + pow10Label(int(k))
}

// hollowNote explains hollow markers in a caption when a figure has any.
func hollowNote(any bool) string {
	if !any {
		return ""
	}
	return " Hollow markers, with the tables' footnote symbol: attack AUC flagged below chance (the attribute is recovered by flipping the attacker's output; not success)."
}

// groupsIdx lists the record indices of the row keys ks.
func groupsIdx(ks []rowKey, groups map[rowKey][]int) []int {
	var out []int
	for _, k := range ks {
		out = append(out, groups[k]...)
	}
	return out
}
