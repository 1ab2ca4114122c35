package reports

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/potau/potau/results"
)

// kindOrder is the paper's row order of method kinds (Record.MethodKind):
// the original model, the in-training baselines, the post-training methods.
// Reports know methods only through their kind, their reg (set exactly when
// the method takes α) and the order of the records; an unknown kind goes
// last.
var kindOrder = []string{results.KindNone, results.KindInTraining, results.KindPostTraining}

// Table is a projection of records onto rows and metric columns, ready for a
// format-specific writer (Markdown, LaTeX, CSV, HTML).
type Table struct {
	Caption string
	// Keys are the row-key column headers: Dataset, Model, Method, then any
	// of α, dim, reg, sweep, protocol that vary within one method, and Seeds
	// when a row aggregates several seeds.
	Keys    []string
	Columns []Column
	Rows    []Row
	Notes   []Note // footnotes; Cell.Marks and Row.Marks index this slice
	// HasRef[j] reports whether any row carries a reference for column j.
	HasRef []bool

	// Label is the LaTeX label of the table ("tab:<name>-results"; parts
	// after the first append -b, -c, …).
	Label string

	maxHRDrop  float64 // the best-method rule's HR@10 budget
	latexWidth string  // Options.LaTeXWidth
}

// Row is one dataset × model × method (× varying keys) row.
type Row struct {
	Keys    []string // values for Table.Keys
	Dataset string
	Model   string
	Method  string
	Kind    string // the records' method_kind
	Block   int    // index of the dataset × model × protocol block, from 0
	Seeds   []uint64
	Cells   []Cell
	Marks   []int    // notes attached to the row label
	Flags   []string // every flag of the row's records, sorted, deduplicated
	// Worst is the row's worst-case attack AUC (mean over its records of
	// the leakage AUC, or of the highest attacker AUC), HR its mean HR@10;
	// HasWorst and HasHR say whether every record carries them.
	Worst, HR       float64
	HasWorst, HasHR bool
	// Best marks the block's best method (see the package comment).
	Best bool

	recIdx []int // indices of the row's records in BuildTable's input
}

// Cell is one metric of one row.
type Cell struct {
	OK     bool // the metric exists in at least one record of the row
	Mean   float64
	Std    float64
	HasStd bool // Std is meaningful (attack spread, or n ≥ 2 seeds)
	N      int  // records aggregated
	Best   bool // lowest unique cost of its block (GoalLower columns only)
	HasRef bool
	Ref    float64 // reference value; Mean − Ref is the difference shown
	// Who names, for the leakage column, the attacker and representation
	// that reached it ("knn+nested/gmf"); "" elsewhere, or when the
	// records of the row disagree (several seeds: their who's joined by
	// ", ").
	Who   string
	Marks []int
}

// Note is a footnote: a flag found on some records and what it means.
type Note struct {
	Flag string
	Text string
}

// flagTexts explains known record flags.
var flagTexts = map[string]string{
	"below-chance": "attack AUC well below 0.5 under cross-validation: the folds became anti-correlated, and an attacker that flips its output recovers the attribute; not success",
}

// rowKey identifies the records aggregated into one row: everything but the
// seed. kind and rank are functions of method (see methodOrder).
type rowKey struct {
	dataset, model, method, reg string
	kind                        string
	rank                        int
	alpha                       float64
	dim                         int
	protocol, sweep             string
}

// BuildTable projects recs onto a Table (see the package comment for the
// aggregation and the best-value rule).
func BuildTable(recs []results.Record, opt Options) *Table {
	opt = opt.withDefaults()
	t := &Table{}
	for _, k := range withLeakage(recs, opt.Columns) {
		t.Columns = append(t.Columns, newColumn(k, opt.Digits))
	}
	t.HasRef = make([]bool, len(t.Columns))

	keys, groups := groupRecords(recs)

	// Which optional key columns vary within one dataset × model × method?
	type dmm struct{ d, m, me string }
	vals := map[dmm][5]map[string]bool{}
	protocols := map[string]bool{}
	multiSeed := false
	for _, k := range keys {
		id := dmm{k.dataset, k.model, k.method}
		v, ok := vals[id]
		if !ok {
			for i := range v {
				v[i] = map[string]bool{}
			}
			vals[id] = v
		}
		v[0][fmtG(k.alpha)] = true
		v[1][strconv.Itoa(k.dim)] = true
		v[2][k.reg] = true
		v[3][k.sweep] = true
		protocols[k.protocol] = true
		if len(groups[k]) > 1 {
			multiSeed = true
		}
	}
	var show [5]bool
	for _, v := range vals {
		for i := 0; i < 4; i++ {
			show[i] = show[i] || len(v[i]) > 1
		}
	}
	show[4] = len(protocols) > 1
	t.Keys = []string{"Dataset", "Model", "Method"}
	for i, name := range [...]string{"α", "dim", "reg", "sweep", "protocol"} {
		if show[i] {
			t.Keys = append(t.Keys, name)
		}
	}
	if multiSeed {
		t.Keys = append(t.Keys, "Seeds")
	}

	// Rows.
	noteIdx := map[string]int{}
	mark := func(flag string) int {
		if i, ok := noteIdx[flag]; ok {
			return i
		}
		noteIdx[flag] = len(t.Notes)
		t.Notes = append(t.Notes, Note{Flag: flag, Text: flagText(flag)})
		return len(t.Notes) - 1
	}
	block, prev := -1, rowKey{}
	for ki, k := range keys {
		idx := groups[k]
		if ki == 0 || k.dataset != prev.dataset || k.model != prev.model || k.protocol != prev.protocol {
			block++
		}
		prev = k
		row := Row{Dataset: k.dataset, Model: k.model, Method: k.method, Kind: k.kind, Block: block, recIdx: idx}
		row.Keys = []string{k.dataset, k.model, methodName(k)}
		first := &recs[idx[0]]
		alpha := fmtG(k.alpha)
		if k.reg == "" {
			alpha = "–" // α only weighs a regulariser: the record names one exactly when its method takes α
		}
		for i, s := range [...]string{alpha, strconv.Itoa(k.dim), k.reg, k.sweep, protocolShort(first)} {
			if show[i] {
				row.Keys = append(row.Keys, s)
			}
		}
		for _, i := range idx {
			row.Seeds = append(row.Seeds, recs[i].Seed)
		}
		slices.Sort(row.Seeds)
		if multiSeed {
			row.Keys = append(row.Keys, strconv.Itoa(len(idx)))
		}
		row.Cells = make([]Cell, len(t.Columns))
		for j, c := range t.Columns {
			row.Cells[j] = aggregate(recs, idx, c.Key)
			if multiSeed && len(idx) == 1 {
				// A table over seeds shows spreads over seeds only: a
				// one-seed row's spread over folds × repeats would be
				// another quantity in the same column.
				row.Cells[j].Std, row.Cells[j].HasStd = 0, false
			}
			if v, ok := first.Reference[c.Key]; ok {
				row.Cells[j].HasRef, row.Cells[j].Ref = true, v
				t.HasRef[j] = true
			}
		}
		// Flags: union over the row's records, attached to the cells of the
		// attacker they name, else to the row label.
		seen := map[string]bool{}
		for _, i := range idx {
			for _, f := range recs[i].Flags {
				seen[f] = true
			}
		}
		for f := range seen {
			row.Flags = append(row.Flags, f)
		}
		sort.Strings(row.Flags)
		for _, f := range row.Flags {
			m := mark(f)
			att, _ := splitFlag(f, t.Columns)
			attached := false
			if att != "" {
				for j, c := range t.Columns {
					if a, ok := c.attacker(); ok && a == att && row.Cells[j].OK {
						row.Cells[j].Marks = append(row.Cells[j].Marks, m)
						attached = true
					}
				}
			}
			if !attached {
				row.Marks = append(row.Marks, m)
			}
		}
		t.Rows = append(t.Rows, row)
	}
	t.markBestMethods(recs, groups, keys, opt.MaxHRDrop, opt.Digits)
	t.markLowestUnique()
	t.maxHRDrop, t.latexWidth = opt.MaxHRDrop, opt.LaTeXWidth
	t.Label = "tab:" + slug(labelName(recs)) + "-results"
	n := 0
	for _, idx := range groups {
		n += len(idx)
	}
	t.Caption = caption(recs, n, t, multiSeed)
	return t
}

// labelName is the records' common experiment name, or "potau" when they
// have none or several.
func labelName(recs []results.Record) string {
	name := ""
	for i := range recs {
		if i > 0 && recs[i].Name != name {
			return "potau"
		}
		name = recs[i].Name
	}
	if name == "" {
		return "potau"
	}
	return name
}

// keyOf returns the row key of r; rank is the report's method order
// (methodOrder).
func keyOf(r *results.Record, rank map[string]int) rowKey {
	return rowKey{
		dataset: r.Dataset, model: r.Model, method: r.Method, reg: r.Reg, kind: r.MethodKind, rank: rank[r.Method],
		alpha: r.Alpha, dim: r.Dim, protocol: protocolShort(r), sweep: sweepString(r.Sweep),
	}
}

// aggregate summarises metric key over the records idx (see package doc).
func aggregate(recs []results.Record, idx []int, key string) Cell {
	var xs, stds []float64
	own := false
	for _, i := range idx {
		m, s, hs, ok := value(&recs[i], key)
		if !ok {
			continue
		}
		xs = append(xs, m)
		stds = append(stds, s)
		own = own || hs
	}
	c := Cell{N: len(xs)}
	if key == "leakage" {
		c.Who = leakageWho(recs, idx)
	}
	switch len(xs) {
	case 0:
		return c
	case 1:
		c.OK, c.Mean, c.Std, c.HasStd = true, xs[0], stds[0], own
		return c
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	mean := sum / float64(len(xs))
	var ss float64
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	c.OK, c.Mean, c.Std, c.HasStd = true, mean, math.Sqrt(ss/float64(len(xs)-1)), true
	return c
}

// methodOrder ranks the methods of recs from 0: by kind in kindOrder,
// then in the order the records first name them (within a cell, the
// config's order). A method's rank also fixes its colour and marker in
// every figure of one report.
func methodOrder(recs []results.Record) map[string]int {
	kindRank := func(k string) int {
		if i := slices.Index(kindOrder, k); i >= 0 {
			return i
		}
		return len(kindOrder)
	}
	var methods []string
	kind := map[string]string{}
	for i := range recs {
		m := recs[i].Method
		if _, ok := kind[m]; !ok {
			kind[m] = recs[i].MethodKind
			methods = append(methods, m)
		}
	}
	sort.SliceStable(methods, func(i, j int) bool { return kindRank(kind[methods[i]]) < kindRank(kind[methods[j]]) })
	rank := make(map[string]int, len(methods))
	for i, m := range methods {
		rank[m] = i
	}
	return rank
}

// methodName is a row's display name: the method's name, capitalised for
// the original model.
func methodName(k rowKey) string {
	if k.kind == results.KindNone {
		return capitalise(k.method)
	}
	return k.method
}

// originalName is the display name of the table before unlearning that
// only an artifact names (user_table_original), when no record of the
// original model is at hand.
const originalName = "Original"

func capitalise(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// splitFlag splits a flag such as "mlp.below-chance" or "below-chance:gbdt"
// into the attacker it names (one of the columns' attackers) and the rest.
func splitFlag(f string, cols []Column) (attacker, name string) {
	parts := strings.FieldsFunc(f, func(r rune) bool { return r == ':' || r == '.' || r == '/' })
	for _, c := range cols {
		a, ok := c.attacker()
		if !ok {
			continue
		}
		for i, p := range parts {
			if strings.EqualFold(p, a) && len(parts) > 1 {
				rest := append(slices.Clone(parts[:i]), parts[i+1:]...)
				return a, strings.Join(rest, ".")
			}
		}
	}
	return "", f
}

// flagText explains a flag: a known name ("below-chance") with its
// qualifiers ("mlp") in parentheses, or the flag itself.
func flagText(f string) string {
	parts := strings.FieldsFunc(f, func(r rune) bool { return r == ':' || r == '.' || r == '/' })
	for i, p := range parts {
		txt, ok := flagTexts[p]
		if !ok {
			continue
		}
		var qual []string
		for j, q := range parts {
			if j != i {
				qual = append(qual, strings.ToUpper(q))
			}
		}
		if len(qual) > 0 {
			return fmt.Sprintf("%s (%s): %s", p, strings.Join(qual, ", "), txt)
		}
		return p + ": " + txt
	}
	return f + ": flagged by the run"
}

// protocolShort is a compact protocol id: "loo/sampled-99/test".
func protocolShort(r *results.Record) string {
	p := r.Protocol
	ev := p.Eval
	if ev == "sampled" {
		ev = fmt.Sprintf("sampled-%d", p.Negatives)
	}
	s := p.Split + "/" + ev + "/" + r.Selection
	if p.Validation && r.Selection != "valid" {
		s += "/with-valid"
	}
	return s
}

// protocolText describes r's protocol in words.
func protocolText(r *results.Record) string {
	p := r.Protocol
	var parts []string
	switch p.Split {
	case "loo":
		parts = append(parts, "leave-one-out split (latest interaction is the test positive)")
	case "":
		parts = append(parts, "split not recorded")
	default:
		parts = append(parts, p.Split+" split")
	}
	switch p.Eval {
	case "sampled":
		parts = append(parts, fmt.Sprintf("sampled evaluation: each test positive ranked against %d sampled negatives", p.Negatives))
	case "full":
		parts = append(parts, "full-ranking evaluation over all items not in the user's training set")
	case "":
		parts = append(parts, "evaluation not recorded")
	default:
		parts = append(parts, p.Eval+" evaluation")
	}
	switch r.Selection {
	case "test":
		parts = append(parts, "best epoch selected on test HR@10 (the reference protocol; it leaks the test set)")
	case "valid":
		parts = append(parts, "best epoch selected on a validation hold-out")
	case "last":
		parts = append(parts, "the last epoch kept (no selection)")
	case "":
		parts = append(parts, "epoch selection not recorded")
	default:
		parts = append(parts, "best epoch selected on "+r.Selection)
	}
	return strings.Join(parts, "; ")
}

// caption describes what the table shows.
func caption(recs []results.Record, n int, t *Table, multiSeed bool) string {
	var b strings.Builder
	names := map[string]bool{}
	for i := range recs {
		names[recs[i].Name] = true
	}
	if len(names) == 1 && recs[0].Name != "" {
		fmt.Fprintf(&b, "%s: ", recs[0].Name)
	}
	fmt.Fprintf(&b, "attribute unlearning results over %d records, rows dataset × model × method. ", n)
	if multiSeed {
		b.WriteString("Cells are mean ± std over seeds (sample std, n − 1; n in column Seeds); a row of one seed shows its value without a spread. ")
	} else {
		b.WriteString("One seed per row: attack cells are mean ± std over the attack's folds × repeats within the seed; a recommendation metric has no spread. ")
	}
	b.WriteString(bestRule(t.maxHRDrop) + " ")
	if slices.Contains(t.HasRef, true) {
		b.WriteString("Reference values from the config are shown with ours, with Δ = ours − ref. ")
	}
	hidden := map[string]bool{}
	for i := range recs {
		for k := range recs[i].Reference {
			if !slices.ContainsFunc(t.Columns, func(c Column) bool { return c.Key == k }) {
				hidden[k] = true
			}
		}
	}
	if len(hidden) > 0 {
		ks := make([]string, 0, len(hidden))
		for k := range hidden {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		fmt.Fprintf(&b, "The records also carry reference values for %s, which no column shows. ", strings.Join(ks, ", "))
	}
	seen := map[string]bool{}
	var texts []string
	for i := range recs {
		s := protocolShort(&recs[i])
		if !seen[s] {
			seen[s] = true
			texts = append(texts, s+" = "+protocolText(&recs[i]))
		}
	}
	sort.Strings(texts)
	switch len(texts) {
	case 0:
	case 1:
		_, txt, _ := strings.Cut(texts[0], " = ")
		b.WriteString("Protocol: " + txt + ".")
	default:
		b.WriteString("Protocols (column protocol): " + strings.Join(texts, ". ") + ".")
	}
	return b.String()
}

// sweepString renders the swept values of a cell other than those the
// record's own fields carry (seed, α, dim, model kind, dataset name, method,
// regulariser), as "k=v, k=v" in key order.
func sweepString(sw map[string]any) string {
	var ks []string
	for k := range sw {
		last := k[strings.LastIndex(k, ".")+1:]
		switch strings.ToLower(last) {
		case "seed", "seeds", "alpha", "dim", "kind", "name", "method", "methods", "reg":
			continue
		}
		ks = append(ks, k)
	}
	sort.Strings(ks)
	parts := make([]string, len(ks))
	for i, k := range ks {
		v, err := json.Marshal(sw[k])
		if err != nil {
			v = []byte(fmt.Sprint(sw[k]))
		}
		parts[i] = k + "=" + string(v)
	}
	return strings.Join(parts, ", ")
}

// fmtG formats a float compactly and exactly ("1e-06", "0.5").
func fmtG(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// fmtF formats x with d decimals, never "-0.000".
func fmtF(x float64, d int) string {
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return s
}

// fmtDiff formats a signed difference: "+0.0012", "-0.0300".
func fmtDiff(x float64, d int) string {
	s := fmtF(x, d)
	if !strings.HasPrefix(s, "-") {
		s = "+" + s
	}
	return s
}
