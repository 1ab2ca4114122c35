package reports

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/potau/potau/internal/npy"
	"github.com/potau/potau/results"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// userTable is a users × dim embedding table read from a .npy file.
type userTable struct {
	path       string
	rows, cols int
	data       []float64 // row-major
}

func (t *userTable) at(u, j int) float64 { return t.data[u*t.cols+j] }

// readUserTable reads a users × dim table from a .npy file (internal/npy:
// float32 or float64, C or Fortran order; a 1-D array is one column) and
// checks that every value is finite.
func readUserTable(path string) (*userTable, error) {
	m, err := npy.ReadNPY(path)
	if err != nil {
		return nil, err
	}
	data := make([]float64, len(m.Data))
	for i, x := range m.Data {
		v := float64(x)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: row %d col %d is %v, want a finite value", path, i/m.Cols, i%m.Cols, v)
		}
		data[i] = v
	}
	return &userTable{path: path, rows: m.Rows, cols: m.Cols, data: data}, nil
}

// groupsOf returns the distinct non-empty labels, sorted, and for each the
// users carrying it.
func groupsOf(labels []string) ([]string, [][]int) {
	idx := map[string]int{}
	var names []string
	for _, l := range labels {
		if _, ok := idx[l]; !ok && l != "" {
			idx[l] = 0
			names = append(names, l)
		}
	}
	sort.Strings(names)
	for i, n := range names {
		idx[n] = i
	}
	members := make([][]int, len(names))
	for u, l := range labels {
		if l != "" {
			members[idx[l]] = append(members[idx[l]], u)
		}
	}
	return names, members
}

// separation scores each dimension by how far apart the groups' means are,
// in units of the pooled standard deviation, maximised over pairs of groups:
//
//	s_j = max_{g<h} |μ_gj − μ_hj| / sqrt((σ²_gj + σ²_hj)/2)
//
// (population variances; a zero pooled spread scores +Inf when the means
// differ, 0 when they do not).
func separation(t *userTable, members [][]int) []float64 {
	s := make([]float64, t.cols)
	for j := 0; j < t.cols; j++ {
		mu := make([]float64, len(members))
		v := make([]float64, len(members))
		for g, us := range members {
			for _, u := range us {
				mu[g] += t.at(u, j)
			}
			mu[g] /= float64(len(us))
			for _, u := range us {
				d := t.at(u, j) - mu[g]
				v[g] += d * d
			}
			v[g] /= float64(len(us))
		}
		for g := range members {
			for h := g + 1; h < len(members); h++ {
				diff := math.Abs(mu[g] - mu[h])
				pooled := math.Sqrt((v[g] + v[h]) / 2)
				var x float64
				switch {
				case pooled > 0:
					x = diff / pooled
				case diff > 0:
					x = math.Inf(1)
				}
				s[j] = math.Max(s[j], x)
			}
		}
	}
	return s
}

// topDims returns the k dimensions of largest score, ties to the lower index.
func topDims(score []float64, k int) []int {
	dims := make([]int, len(score))
	for i := range dims {
		dims[i] = i
	}
	sort.SliceStable(dims, func(a, b int) bool { return score[dims[a]] > score[dims[b]] })
	return dims[:min(k, len(dims))]
}

// histTail is the fraction of a histogram column's values left outside its
// range on each side (they count in the end bins).
const histTail = 0.005

// quantileSorted is the q-quantile of sorted xs by linear interpolation
// between order statistics (Hyndman and Fan's type 7, NumPy's default):
// h = (n−1)q, x[⌊h⌋] + (h−⌊h⌋)(x[⌊h⌋+1] − x[⌊h⌋]). NaN for no values.
func quantileSorted(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	h := float64(len(xs)-1) * q
	i := int(math.Floor(h))
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	return xs[i] + (h-float64(i))*(xs[i+1]-xs[i])
}

// histogram returns the density of xs over nb equal bins on [lo, hi]:
//
//	h_b = count_b / (n · w),   w = (hi − lo)/nb
//
// so that Σ_b h_b·w = 1. The maximum falls into the last bin.
func histogram(xs []float64, lo, hi float64, nb int) []float64 {
	h := make([]float64, nb)
	if len(xs) == 0 {
		return h
	}
	w := (hi - lo) / float64(nb)
	for _, x := range xs {
		b := int((x - lo) / w)
		b = max(0, min(b, nb-1))
		h[b]++
	}
	for b := range h {
		h[b] /= float64(len(xs)) * w
	}
	return h
}

// stepXYs turns a histogram into the outline of its bars.
func stepXYs(h []float64, lo, hi float64) plotter.XYs {
	w := (hi - lo) / float64(len(h))
	xys := make(plotter.XYs, 0, 2*len(h)+2)
	xys = append(xys, plotter.XY{X: lo, Y: 0})
	for b, v := range h {
		x0 := lo + float64(b)*w
		xys = append(xys, plotter.XY{X: x0, Y: v}, plotter.XY{X: x0 + w, Y: v})
	}
	return append(xys, plotter.XY{X: hi, Y: 0})
}

// histMethod reports whether the distribution figure shows the rows of k:
// those of Options.HistMethods when set, else the original model and the
// post-training methods without a regulariser (the paper's figure), as the
// records' method_kind and reg say.
func histMethod(k rowKey, opt Options) bool {
	if len(opt.HistMethods) > 0 {
		return slices.Contains(opt.HistMethods, k.method)
	}
	return k.kind == results.KindNone || (k.kind == results.KindPostTraining && k.reg == "")
}

// histFigures draws, for each dataset × model × dim block with "user_table"
// and "labels" artifacts, a grid of histograms: one row per method of
// Options.HistMethods or its default (the original first), one column per chosen dimension,
// one outline per attribute group. A method run at several α is shown at its lower median α,
// smallest seed.
func histFigures(dir string, recs []results.Record, keys []rowKey, groups map[rowKey][]int, runDir string, opt Options) ([]Figure, error) {
	has := func(i int) bool { return recs[i].Artifacts["user_table"] != "" && recs[i].Artifacts["labels"] != "" }
	order, members, withArt := figureGroups(keys, groups, has)
	taken := map[string]bool{}
	var figs []Figure
	for _, fk := range order {
		ks := members[fk]
		var chosen []rowKey
		for _, k := range ks {
			if histMethod(k, opt) {
				chosen = append(chosen, k)
			}
		}
		if len(chosen) > 0 {
			ks = chosen
		}
		ss := splitSeries(ks, func(k rowKey) string { return k.method + "\x00" + k.reg })
		showReg := regsVary(ks)
		type row struct {
			name  string
			alpha float64
			multi bool
			tab   *userTable
			lab   []string
		}
		load := func(table, labels string) (*userTable, []string, error) {
			tab, err := readUserTable(filepath.Join(runDir, table))
			if err != nil {
				return nil, nil, err
			}
			l, err := results.ReadLabelsFile(filepath.Join(runDir, labels), tab.rows)
			if err != nil {
				return nil, nil, err
			}
			return tab, l.ByRow(tab.rows), nil
		}
		var rows []row
		hasOriginal := false
		var picked []int
		for _, s := range ss {
			i := pick(recs, s, withArt)
			picked = append(picked, i)
			r := &recs[i]
			hasOriginal = hasOriginal || r.MethodKind == results.KindNone
			tab, lab, err := load(r.Artifacts["user_table"], r.Artifacts["labels"])
			if err != nil {
				return figs, err
			}
			rows = append(rows, row{seriesName(s[0], showReg), r.Alpha,
				distinct(s, func(k rowKey) string { return fmtG(k.alpha) }) > 1, tab, lab})
		}
		// Without an original record, use the table before unlearning that an
		// unlearned record names.
		for _, i := range picked {
			a := recs[i].Artifacts
			if hasOriginal || a["user_table_original"] == "" {
				continue
			}
			tab, lab, err := load(a["user_table_original"], a["labels"])
			if err != nil {
				return figs, err
			}
			rows = append([]row{{name: originalName, tab: tab, lab: lab}}, rows...)
			break
		}
		names, mem := groupsOf(rows[0].lab)
		if len(names) == 0 {
			continue // no labelled users: nothing to compare
		}
		dims := opt.HistDims
		if len(dims) == 0 {
			dims = topDims(separation(rows[0].tab, mem), opt.HistTop)
		}
		for _, r := range rows {
			for _, j := range dims {
				if j < 0 || j >= r.tab.cols {
					return figs, fmt.Errorf("%s: histogram dimension %d, want 0 ≤ dim < %d", r.tab.path, j, r.tab.cols)
				}
			}
		}
		// One value range per column (dimension), shared by its rows, so a
		// method's panel and the original's have the same bins and axes.
		los, his := make([]float64, len(dims)), make([]float64, len(dims))
		// The range is the column's 0.5 … 99.5 % quantiles (a few extreme
		// users, as LightGCN's tables have, would otherwise squeeze every
		// density into two bins); values beyond count in the end bins.
		for ci, j := range dims {
			var all []float64
			for _, r := range rows {
				_, gmem := groupsOf(r.lab)
				for _, us := range gmem {
					for _, u := range us {
						all = append(all, r.tab.at(u, j))
					}
				}
			}
			sort.Float64s(all)
			lo, hi := quantileSorted(all, histTail), quantileSorted(all, 1-histTail)
			if !(hi > lo) && len(all) > 0 {
				lo, hi = all[0], all[len(all)-1]
			}
			if !(hi > lo) { // one value: give the bins a width
				lo, hi = lo-0.5, hi+0.5
			}
			los[ci], his[ci] = lo, hi
		}
		dens := make([][][][]float64, len(rows)) // row, column, group → densities
		for ri, r := range rows {
			_, gmem := groupsOf(r.lab)
			dens[ri] = make([][][]float64, len(dims))
			for ci, j := range dims {
				for _, us := range gmem {
					xs := make([]float64, len(us))
					for k, u := range us {
						xs[k] = r.tab.at(u, j)
					}
					h := histogram(xs, los[ci], his[ci], opt.HistBins)
					dens[ri][ci] = append(dens[ri][ci], h)
				}
			}
		}
		grid := make([][]*plot.Plot, len(rows))
		for ri, r := range rows {
			gnames, gmem := groupsOf(r.lab)
			for ci, j := range dims {
				title := fmt.Sprintf("%s · dim %d", r.name, j)
				if r.multi {
					title += " (α=" + fmtShort(r.alpha) + ")"
				}
				p := newPlot(title, "", "")
				if ri == len(rows)-1 {
					p.X.Label.Text = "embedding value"
				}
				if ci == 0 {
					p.Y.Label.Text = "density"
				}
				for g, us := range gmem {
					l, err := plotter.NewLine(stepXYs(dens[ri][ci][g], los[ci], his[ci]))
					if err != nil {
						return figs, err
					}
					l.Color = groupColors[g%len(groupColors)]
					l.Width = vg.Points(1.2)
					l.Dashes = plotutil.Dashes(g)
					p.Add(l)
					if ri == 0 && ci == 0 {
						addLegend(p, fmt.Sprintf("%s (n=%d)", gnames[g], len(us)), l)
					}
				}
				// x shared by the column; y each panel's own, so that a
				// table an unlearning method contracted (a spike) does not
				// flatten the original's density to a line.
				p.X.Min, p.X.Max = los[ci], his[ci]
				pad(p, 0.25)
				grid[ri] = append(grid[ri], p)
			}
		}
		name := uniqueName(taken, slug("hist", fk.dataset, fk.model, "d"+strconv.Itoa(fk.dim)))
		w := vg.Length(len(dims))*2.4*vg.Inch + 0.3*vg.Inch
		h := vg.Length(len(rows))*1.9*vg.Inch + 0.2*vg.Inch
		files, err := saveFigure(dir, name, w, h, opt, paintGrid(grid))
		if err != nil {
			return figs, err
		}
		how := "chosen by hand"
		if len(opt.HistDims) == 0 {
			how = fmt.Sprintf("the %d whose group means differ most, in pooled standard deviations, in the %s table", len(dims), rows[0].name)
		}
		ds := make([]string, len(dims))
		for i, j := range dims {
			ds[i] = strconv.Itoa(j)
		}
		figs = append(figs, Figure{Name: name, Files: files, Caption: fmt.Sprintf(
			"Distribution of user embedding values per attribute group (%s) on %s (dim %d): one row per method, one column per dimension (%s; %s). "+
				"Densities over %d bins spanning the 0.5 … 99.5 %% quantiles of each column's values (values beyond count in the end bins); the rows of a column share their bins and x axis.",
			strings.Join(names, " vs "), describe(rowKey{dataset: fk.dataset, model: fk.model, sweep: fk.sweep}), fk.dim,
			strings.Join(ds, ", "), how, opt.HistBins)})
	}
	return figs, nil
}
