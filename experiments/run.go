package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/progress"
	"github.com/potau/potau/results"
	"github.com/potau/potau/unlearning"
)

// Run executes every cell of spec and returns one record per distinct
// (cell, method) table, in grid order then method order. Results are written
// atomically to opt.Out/results.jsonl, metrics.jsonl and results.csv
// (results.WriteRun).
func Run(ctx context.Context, spec *Spec, opt RunOptions) ([]results.Record, error) {
	if opt.Jobs < 1 {
		opt.Jobs = 1
	}
	if opt.Progress == nil {
		opt.Progress = progress.Discard()
	}
	if opt.CacheDir == "" {
		return nil, errors.New("run: no cache folder")
	}
	r := &runner{ctx: ctx, opt: opt, cache: &Cache{Dir: opt.CacheDir}, sem: make(chan struct{}, opt.Jobs),
		rep: opt.Progress, futures: map[string]*future{}, noCompute: opt.Collect}
	r.cache.Warn = r.rep.Warnf
	var cells []Cell
	if !opt.DryRun {
		// Every cell is decoded and validated before anything is created:
		// a config error leaves no cache folder behind.
		var err error
		if cells, err = spec.Cells(); err != nil {
			return nil, err
		}
		if err := CheckWritable(opt.CacheDir); err != nil {
			return nil, err
		}
	}
	r.cache.Clean()
	if opt.DryRun {
		return nil, r.dryRun(spec)
	}
	all := cells
	if opt.Shard.Count > 0 && !opt.Collect {
		var mine []Cell
		for _, c := range cells {
			if opt.Shard.Has(c.Index) {
				mine = append(mine, c)
			}
		}
		cells = mine
	}
	if opt.Collect {
		if err := r.checkCollect(all); err != nil {
			return nil, err
		}
	}
	var cachedBefore int
	if opt.Shard.Count > 0 && !opt.Collect {
		for i := range cells {
			ok, err := r.cellCached(&cells[i])
			if err != nil {
				return nil, err
			}
			if ok {
				cachedBefore++
			}
		}
	}
	type slot struct {
		rec *results.Record
		err error
	}
	var jobs [][]slot
	var wg sync.WaitGroup
	parent := ctx
	stopSnap := context.AfterFunc(parent, r.snapshot)
	defer stopSnap()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r.ctx = ctx
	// Progress: each record names its cell ("cell k of N"), α where the
	// method takes it, the seed, and a run-level ETA from the records done.
	totalRecs := 0
	for ci := range cells {
		totalRecs += len(cells[ci].Config.Unlearn.RunMethods())
	}
	var doneRecs atomic.Int64
	runStart := time.Now()
	for ci := range cells {
		ms := cells[ci].Config.Unlearn.RunMethods()
		row := make([]slot, len(ms))
		jobs = append(jobs, row)
		for mi, m := range ms {
			wg.Add(1)
			go func(ci int, c *Cell, method unlearning.Method, s *slot) {
				defer wg.Done()
				s.rec, s.err = r.record(c, method)
				if s.err != nil {
					cancel()
					return
				}
				d := int(doneRecs.Add(1))
				r.rep.Logf("%s", cellProgress(ci, len(cells), c, method, d, totalRecs, time.Since(runStart)))
			}(ci, &cells[ci], m, &jobs[ci][mi])
		}
	}
	wg.Wait()
	var recs []results.Record
	seen := map[string]bool{}
	var firstErr error
	for ci, row := range jobs {
		for mi, s := range row {
			if s.err != nil {
				if firstErr == nil || (errors.Is(firstErr, context.Canceled) && !errors.Is(s.err, context.Canceled)) {
					var se *StageError
					if errors.As(s.err, &se) {
						firstErr = fmt.Errorf("cell %d (%s): %w", cells[ci].Index, cells[ci].Label(), s.err)
					} else {
						firstErr = fmt.Errorf("cell %d (%s), method %s: %w", cells[ci].Index, cells[ci].Label(), cells[ci].Config.Unlearn.RunMethods()[mi], s.err)
					}
				}
				continue
			}
			if seen[s.rec.Cell] {
				continue // the same table reached from another cell (e.g. original in an α sweep)
			}
			seen[s.rec.Cell] = true
			recs = append(recs, *s.rec)
		}
	}
	if parent.Err() != nil {
		r.actMu.Lock()
		doing := append([]string(nil), r.stopped...)
		r.actMu.Unlock()
		return nil, &InterruptedError{Doing: doing, Err: parent.Err()}
	}
	if firstErr != nil {
		return nil, firstErr
	}
	if opt.Shard.Count > 0 && !opt.Collect {
		// A shard only fills the cache; `potau collect` writes the records.
		if opt.Stdout != nil {
			fmt.Fprintf(opt.Stdout, "shard %s: %d cell(s), %d already cached, %d computed (%d stage(s) computed)\n",
				opt.Shard, len(cells), cachedBefore, len(cells)-cachedBefore, r.computed.Load())
		}
		return recs, nil
	}
	if err := r.exportAll(cells, recs); err != nil {
		return nil, err
	}
	for _, p := range atomicfile.CleanStale(opt.Out) {
		r.rep.Logf("removed %s, left by a run that was killed", p)
	}
	if err := results.WriteRun(opt.Out, recs); err != nil {
		return nil, err
	}
	return recs, nil
}

func (r *runner) record(cell *Cell, method unlearning.Method) (*results.Record, error) {
	c := &cell.Config
	b, err := r.data(c)
	if err != nil {
		return nil, err
	}
	c, search, err := r.resolveAlpha(c, b, method)
	if err != nil {
		return nil, err
	}
	k := cellKeys(c, b.sum, method)
	var (
		em   *stageMeta
		e1   error
		wg   sync.WaitGroup
		atts = make([]*stageMeta, len(k.attacks)) // one per attribute
		e2s  = make([]error, len(k.attacks))
	)
	reps := auditReps(c)
	// audits[a*len(reps)+j]: attribute a, representation j.
	na := len(c.Data.Attribute)
	audits, auditErrs := make([]*stageMeta, na*len(reps)), make([]error, na*len(reps))
	wg.Add(1 + len(k.attacks) + na*len(reps))
	go func() { defer wg.Done(); _, em, e1 = runStage(r, r.evalSpec(c, b, method, k)) }()
	for i := range k.attacks {
		go func() { defer wg.Done(); _, atts[i], e2s[i] = runStage(r, r.attackSpec(c, b, method, k, i)) }()
	}
	for a := range na {
		for j, rep := range reps {
			i := a*len(reps) + j
			go func() {
				defer wg.Done()
				_, audits[i], auditErrs[i] = runStage(r, r.auditSpec(c, b, method, k, rep, a))
			}()
		}
	}
	wg.Wait()
	if e1 != nil {
		return nil, e1
	}
	for _, e := range e2s {
		if e != nil {
			return nil, e
		}
	}
	for _, err := range auditErrs {
		if err != nil {
			return nil, err
		}
	}
	att := atts[0]
	// The table stage's own meta (train / unlearn / baseline) for times and
	// curves, through the stage (a corrupt entry is reported and recomputed).
	_, tm, err := r.table(c, b, method)
	if err != nil {
		return nil, err
	}
	out := &results.Record{
		Schema: results.SchemaVersion, Name: c.Name, ConfigHash: cell.Hash, Cell: k.attack[:16] + "-" + k.eval[:8],
		Dataset: c.Data.Name, Model: c.Model.Kind, Method: method.String(), MethodKind: methodKind(method),
		Dim: c.Model.Dim, Seed: c.Seed,
		Protocol: b.split.Protocol, DataStats: b.stats, Rec: em.Rec, Attack: att.Attack,
		TimeS: map[string]float64{}, Version: Version, GoVersion: runtime.Version(), Config: configMap(c),
	}
	if method.TakesAlpha() {
		out.Reg, out.Alpha = c.Unlearn.Reg, c.Unlearn.Alpha
	}
	out.AlphaSearch = search
	if method.Kind() == unlearning.KindPostTraining {
		out.Target = c.Unlearn.ForModel(method, c.Model.Kind).Config.Target
		if out.Target == "served" {
			out.ServedRepresentations = c.Unlearn.ServedReps(c.Model.Kind)
		}
	}
	if method.Kind() != unlearning.KindPostTraining { // the table stage trained the model
		out.BestEpoch, out.Selection = tm.BestEpoch, tm.Selection
	} else {
		_, trm, err := r.table(c, b, unlearning.MethodOriginal)
		if err != nil {
			return nil, err
		}
		out.BestEpoch, out.Selection = trm.BestEpoch, trm.Selection
		out.TimeS[string(stageTrain)] = round3(trm.Seconds)
	}
	out.TimeS[string(k.tableStage)] = round3(tm.Seconds)
	out.TimeS["eval"] = round3(em.Seconds)
	out.TimeS["attack"] = round3(att.Seconds)
	out.PeakRSSMB = math.Max(math.Max(tm.PeakRSSMB, em.PeakRSSMB), att.PeakRSSMB)
	if len(reps) > 0 {
		var secs float64
		for _, a := range audits {
			secs += a.Seconds
			out.PeakRSSMB = math.Max(out.PeakRSSMB, a.PeakRSSMB)
		}
		out.TimeS["audit"] = round3(secs)
		out.Audit, out.Leakage = auditRecord(c.Model.Kind, reps, audits[:len(reps)], att.Attack)
		if na > 1 {
			out.AuditByAttribute = map[string]map[string]map[string]results.AuditAttack{}
			out.LeakageByAttribute = map[string]*results.Leakage{}
			for a, name := range c.Data.Attribute {
				out.AuditByAttribute[name], out.LeakageByAttribute[name] = auditRecord(c.Model.Kind, reps, audits[a*len(reps):(a+1)*len(reps)], atts[a].Attack)
			}
		}
	}
	out.Curves = tm.Curves
	out.Collapse = tm.Collapse
	if len(cell.Values) > 0 {
		out.Sweep = map[string]any{}
		for _, v := range cell.Values {
			out.Sweep[v.Path] = v.Value
		}
	}
	for name, a := range att.Attack {
		if s, ok := a["auc"]; ok && s.Mean < 0.45 {
			out.Flags = append(out.Flags, "below-chance:"+name)
		}
	}
	if len(atts) > 1 {
		out.AttackByAttribute = map[string]map[string]results.AttackResult{}
		for i, a := range atts {
			name := c.Data.Attribute[i]
			out.AttackByAttribute[name] = a.Attack
			for an, ar := range a.Attack {
				if s, ok := ar["auc"]; ok && s.Mean < 0.45 && i > 0 {
					out.Flags = append(out.Flags, "below-chance:"+name+"/"+an)
				}
			}
		}
	}
	sortStrings(out.Flags)
	out.Reference = matchReference(c, method)
	return out, nil
}

// methodKind is the record's method_kind of m.
func methodKind(m unlearning.Method) string {
	switch m.Kind() {
	case unlearning.KindNone:
		return results.KindNone
	case unlearning.KindInTraining:
		return results.KindInTraining
	}
	return results.KindPostTraining
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func matchReference(c *Config, method unlearning.Method) map[string]float64 {
	for _, ref := range c.Reference {
		if ref.Dataset != "" && !strings.EqualFold(ref.Dataset, c.Data.Name) {
			continue
		}
		if ref.Model != "" && !strings.EqualFold(ref.Model, c.Model.Kind) {
			continue
		}
		if ref.Method != "" && !strings.EqualFold(ref.Method, method.String()) {
			continue
		}
		if ref.Alpha != nil && method.TakesAlpha() && *ref.Alpha != c.Unlearn.Alpha {
			continue
		}
		return ref.Values
	}
	return nil
}

// configMap is the resolved config with its YAML key names, for records.
func configMap(c *Config) map[string]any {
	b, err := c.Canonical()
	if err != nil {
		return nil
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil
	}
	return m
}

// cellStages lists every stage (name, key) a cell's records read, in the
// order the dry run prints them, method by method. Under alpha: auto a
// searched method's stages are those of every evaluation of its search,
// replayed from the cache (searchPlan), then those of its record at the
// chosen α; complete is false when the replay stops at an evaluation not in
// the cache (the later evaluations' α are not known yet).
func (r *runner) cellStages(cell *Cell) (stages [][][2]string, complete bool, err error) {
	c := &cell.Config
	b, err := r.data(c)
	if err != nil {
		return nil, false, err
	}
	complete = true
	for _, m := range c.Unlearn.RunMethods() {
		var st [][2]string
		cm := c
		if c.Unlearn.AlphaAuto && m.TakesAlpha() {
			points, more, chosen, err := r.searchPlan(c, b, m)
			if err != nil {
				return nil, false, err
			}
			for _, p := range points {
				st = append(st, p.stages...)
			}
			if more > 0 || chosen == nil {
				complete = false
				stages = append(stages, st)
				continue
			}
			cm = chosen
		}
		k := cellKeys(cm, b.sum, m)
		if m.Kind() == unlearning.KindPostTraining {
			st = append(st, [2]string{string(stageTrain), k.train})
		}
		st = append(st, [2]string{string(k.tableStage), k.table}, [2]string{string(stageEval), k.eval})
		for _, a := range k.attacks {
			st = append(st, [2]string{string(stageAttack), a})
		}
		stages = append(stages, st)
	}
	return stages, complete, nil
}

// cellCached reports whether every stage of a cell is in the cache.
func (r *runner) cellCached(cell *Cell) (bool, error) {
	ms, complete, err := r.cellStages(cell)
	if err != nil || !complete {
		return false, err
	}
	for _, st := range ms {
		for _, s := range st {
			if !r.cache.Has(s[0], s[1]) {
				return false, nil
			}
		}
	}
	return true, nil
}

// MissingCellsError is `potau collect` finding cells whose stages are not
// all in the cache.
type MissingCellsError struct {
	Total int
	Shard Shard // the shard count used to name each cell's shard (0: unknown)
	Cells []Cell
}

func (e *MissingCellsError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "collect: %d of %d cell(s) are not (completely) in the cache:", len(e.Cells), e.Total)
	for _, c := range e.Cells {
		fmt.Fprintf(&b, "\n  cell %d [%s]", c.Index, c.Label())
		if e.Shard.Count > 0 {
			fmt.Fprintf(&b, " shard %d/%d", e.Shard.Of(c.Index), e.Shard.Count)
		}
	}
	if e.Shard.Count > 0 {
		b.WriteString("\nrun those shards (potau run CONFIG --shard I/N --cache DIR, or resubmit the job array) and collect again")
	} else {
		b.WriteString("\nrun them (potau run CONFIG --cache DIR, or its shards: cell i belongs to shard i mod N) and collect again")
	}
	return b.String()
}

// checkCollect fails with a MissingCellsError unless every cell is cached.
func (r *runner) checkCollect(cells []Cell) error {
	var missing []Cell
	for i := range cells {
		ok, err := r.cellCached(&cells[i])
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, cells[i])
		}
	}
	if len(missing) > 0 {
		return &MissingCellsError{Total: len(cells), Shard: Shard{Count: r.opt.Shard.Count}, Cells: missing}
	}
	return nil
}

// dryRun lists the grid and which stages are cached. It streams the cells
// (Spec.EachCell) so that a large grid needs memory for one cell at a
// time: a first pass validates every cell, a second prints them.
func (r *runner) dryRun(spec *Spec) error {
	w := r.opt.Stdout
	if w == nil {
		w = io.Discard
	}
	if err := spec.EachCell(func(Cell) error { return r.ctx.Err() }); err != nil {
		return err
	}
	if r.opt.Shard.Count > 0 {
		fmt.Fprintf(w, "%d cell(s); shard %s: cells i with i mod %d = %d\n", spec.Size, r.opt.Shard, r.opt.Shard.Count, r.opt.Shard.Index)
	} else {
		fmt.Fprintf(w, "%d cell(s)\n", spec.Size)
	}
	sums := map[string]string{}
	return spec.EachCell(func(cell Cell) error {
		if !r.opt.Shard.Has(cell.Index) {
			return nil
		}
		c := &cell.Config
		fmt.Fprintf(w, "cell %d [%s] %s/%s seed %d hash %s\n", cell.Index, cell.Label(), c.Data.Name, c.Model.Kind, c.Seed, cell.Hash[:12])
		// Only the data checksum enters the keys: keep it, drop the data set
		// (a seed sweep has a data set per cell).
		dk := hashJSON([]any{c.Data, c.Seed})
		sum, ok := sums[dk]
		if !ok {
			b, err := r.data(c)
			if err != nil {
				return err
			}
			sum, sums[dk] = b.sum, b.sum
			r.mu.Lock()
			delete(r.futures, "data:"+dk)
			r.mu.Unlock()
		}
		st := func(s stage, key string) string {
			if r.cache.Has(string(s), key) {
				return string(s) + "=cached"
			}
			return string(s) + "=todo"
		}
		for _, m := range c.Unlearn.RunMethods() {
			cm := c
			if c.Unlearn.AlphaAuto && m.TakesAlpha() {
				chosen, err := r.dryRunSearch(w, c, sum, m)
				if err != nil {
					return err
				}
				if chosen == nil {
					continue
				}
				cm = chosen
			}
			k := cellKeys(cm, sum, m)
			parts := []string{}
			if m.Kind() == unlearning.KindPostTraining {
				parts = append(parts, st(stageTrain, k.train))
			}
			parts = append(parts, st(k.tableStage, k.table), st(stageEval, k.eval))
			for _, a := range k.attacks {
				parts = append(parts, st(stageAttack, a))
			}
			label := m.String()
			if cm != c {
				label += " α=" + strconv.FormatFloat(cm.Unlearn.Alpha, 'g', 4, 64)
			}
			fmt.Fprintf(w, "  %-9s %s\n", label, strings.Join(parts, " "))
		}
		return r.ctx.Err()
	})
}

// dryRunSearch prints the α search of method m in cell c as far as the
// cache lets it be replayed (searchPlan): each α with its stages' status,
// then either the number of adaptive evaluations still to come or, when the
// search is complete, nothing more; it returns the config at the chosen α
// then (nil otherwise), whose record stages the caller prints.
func (r *runner) dryRunSearch(w io.Writer, c *Config, sum string, m unlearning.Method) (*Config, error) {
	b, err := r.data(c)
	if err != nil {
		return nil, err
	}
	points, more, chosen, err := r.searchPlan(c, b, m)
	if err != nil {
		return nil, err
	}
	u := c.Unlearn
	fmt.Fprintf(w, "  %-9s alpha: auto in [%g, %g], at most %d evaluations (HR@10 on %s):\n", m, u.AlphaMin, u.AlphaMax, u.AlphaEvals, searchSplit(b))
	for _, p := range points {
		counts := map[string][2]int{} // stage → (cached, all)
		var order []string
		for _, s := range p.stages {
			n, ok := counts[s[0]]
			if !ok {
				order = append(order, s[0])
			}
			n[1]++
			if r.cache.Has(s[0], s[1]) {
				n[0]++
			}
			counts[s[0]] = n
		}
		parts := []string{}
		for _, name := range order {
			n := counts[name]
			state := "todo"
			if n[0] == n[1] {
				state = "cached"
			}
			if n[1] > 1 {
				state = fmt.Sprintf("%s(%d/%d cached)", name, n[0], n[1])
				parts = append(parts, state)
				continue
			}
			parts = append(parts, name+"="+state)
		}
		fmt.Fprintf(w, "    α=%-10s %s\n", strconv.FormatFloat(p.alpha, 'g', 4, 64), strings.Join(parts, " "))
	}
	if more > 0 {
		fmt.Fprintf(w, "    + up to %d adaptive evaluation(s): golden section inside the bracket, each α chosen from the values before it, so not known until those are measured\n", more)
	}
	return chosen, nil
}

// cellProgress is the progress line of a finished record: its cell's place
// in the grid and label, the method with its α when it takes one, the seed,
// and the run's records done with an ETA from their mean time so far.
func cellProgress(ci, ncells int, c *Cell, m unlearning.Method, done, total int, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cell %d of %d", ci+1, ncells)
	if lbl := c.Label(); lbl != "default" {
		fmt.Fprintf(&b, " (%s)", lbl)
	}
	fmt.Fprintf(&b, ": %s", m)
	switch {
	case m.TakesAlpha() && c.Config.Unlearn.AlphaAuto:
		b.WriteString(" α=auto") // the record carries the chosen one
	case m.TakesAlpha():
		fmt.Fprintf(&b, " α=%s", strconv.FormatFloat(c.Config.Unlearn.Alpha, 'g', -1, 64))
	}
	fmt.Fprintf(&b, " seed %d done; %d of %d records", c.Config.Seed, done, total)
	if done < total {
		eta := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
		fmt.Fprintf(&b, ", run ETA %s", eta.Round(time.Second))
	}
	return b.String()
}
