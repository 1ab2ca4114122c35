package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/npy"
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
	k := cellKeys(c, b.sum, method)
	var (
		em     *stageMeta
		att    *stageMeta
		e1, e2 error
		wg     sync.WaitGroup
	)
	wg.Add(2)
	go func() { defer wg.Done(); em, e1 = r.evalStage(c, b, method, k) }()
	go func() { defer wg.Done(); att, e2 = r.attackStage(c, b, method, k) }()
	wg.Wait()
	if e1 != nil {
		return nil, e1
	}
	if e2 != nil {
		return nil, e2
	}
	// The table stage's own meta (train / unlearn / baseline) for times and curves.
	// readMeta reads a table stage's meta.json after verifying its entry;
	// a corrupt entry is recomputed through the stage (which reports it).
	readMeta := func(stage, key string, of unlearning.Method, v any) error {
		if r.cache.Verify(stage, key) != nil {
			if _, err := r.model(c, b, of); err != nil {
				return err
			}
		}
		if err := r.cache.Meta(stage, key, v); err != nil {
			return fmt.Errorf("reading %s stage of %s: %w", stage, of, err)
		}
		return nil
	}
	var tm stageMeta
	if err := readMeta(k.tableStage, k.table, method, &tm); err != nil {
		return nil, err
	}
	out := &results.Record{
		Schema: results.SchemaVersion, Name: c.Name, ConfigHash: cell.Hash, Cell: k.attack[:16] + "-" + k.eval[:8],
		Dataset: c.Data.Name, Model: c.Model.Kind, Method: method.String(), MethodKind: methodKind(method),
		Dim: c.Model.Dim, Seed: c.Seed,
		Protocol: results.Protocol(b.split.Protocol), DataStats: results.Stats(b.stats), Rec: em.Rec, Attack: att.Attack,
		TimeS: map[string]float64{}, Version: Version, GoVersion: runtime.Version(), Config: configMap(c),
	}
	if method.TakesAlpha() {
		out.Reg, out.Alpha = c.Unlearn.Reg, c.Unlearn.Alpha
	}
	if method.Kind() == unlearning.KindPostTraining {
		out.Target = c.Unlearn.ForModel(method, c.Model.Kind).Config.Target
	}
	if method.Kind() != unlearning.KindPostTraining { // the table stage trained the model
		out.BestEpoch, out.Selection = tm.BestEpoch, tm.Selection
	} else {
		var trm stageMeta
		if err := readMeta("train", k.train, unlearning.MethodOriginal, &trm); err != nil {
			return nil, err
		}
		out.BestEpoch, out.Selection = trm.BestEpoch, trm.Selection
		out.TimeS["train"] = round3(trm.Seconds)
	}
	out.TimeS[k.tableStage] = round3(tm.Seconds)
	out.TimeS["eval"] = round3(em.Seconds)
	out.TimeS["attack"] = round3(att.Seconds)
	out.PeakRSSMB = math.Max(math.Max(tm.PeakRSSMB, em.PeakRSSMB), att.PeakRSSMB)
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
	b, err := yaml.Marshal(c)
	if err != nil {
		return nil
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil
	}
	return m
}

// exportAll writes the user tables (and labels) of the records as .npy when
// the config asks for it, and names them in each record's Artifacts.
func (r *runner) exportAll(cells []Cell, recs []results.Record) error {
	type cellMethod struct {
		cell   *Cell
		method unlearning.Method
	}
	byCell := map[string]cellMethod{}
	for ci := range cells {
		for _, m := range cells[ci].Config.Unlearn.RunMethods() {
			byCell[cells[ci].Hash+"/"+m.String()] = cellMethod{&cells[ci], m}
		}
	}
	names := exportNames(recs)
	for i := range recs {
		rec := &recs[i]
		cm, ok := byCell[rec.ConfigHash+"/"+rec.Method]
		if !ok || !cm.cell.Config.Export.Embeddings {
			continue
		}
		c := &cm.cell.Config
		b, err := r.data(c)
		if err != nil {
			return err
		}
		m, err := r.model(c, b, cm.method)
		if err != nil {
			return err
		}
		dir := filepath.Join("exports", names[i])
		abs := filepath.Join(r.opt.Out, dir)
		if err := r.ctx.Err(); err != nil {
			return &InterruptedError{Doing: []string{"writing the exports in " + abs}, Err: err}
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		// Temporary files of a killed earlier run (their owner is gone); a
		// live run writing the same folder keeps its own.
		for _, p := range atomicfile.CleanStale(abs) {
			r.rep.Logf("removed %s, left by a run that was killed", p)
		}
		rec.Artifacts = map[string]string{}
		if err := npy.ExportNPY(filepath.Join(abs, "users.npy"), m.UserTable()); err != nil {
			return err
		}
		rec.Artifacts["user_table"] = filepath.Join(dir, "users.npy")
		ue, ie := m.Embeddings()
		if err := npy.ExportNPY(filepath.Join(abs, "user_embeddings.npy"), ue); err != nil {
			return err
		}
		if err := npy.ExportNPY(filepath.Join(abs, "item_embeddings.npy"), ie); err != nil {
			return err
		}
		rec.Artifacts["user_embeddings"] = filepath.Join(dir, "user_embeddings.npy")
		rec.Artifacts["item_embeddings"] = filepath.Join(dir, "item_embeddings.npy")
		attr, err := r.labels(c, b)
		if err != nil {
			return err
		}
		if err := results.WriteLabels(filepath.Join(abs, "labels.csv"), c.Data.Attribute, attr.Classes, attr.Labels); err != nil {
			return err
		}
		rec.Artifacts["labels"] = filepath.Join(dir, "labels.csv")
	}
	// The original table of the same cell, for before/after figures.
	orig := map[string]string{}
	for _, rec := range recs {
		if rec.MethodKind == results.KindNone && rec.Artifacts != nil {
			orig[rec.ConfigHash] = rec.Artifacts["user_table"]
		}
	}
	for i := range recs {
		if recs[i].Artifacts != nil {
			if p, ok := orig[recs[i].ConfigHash]; ok {
				recs[i].Artifacts["user_table_original"] = p
			}
		}
	}
	return nil
}

// cellStages lists every stage (name, key) a cell's records read, in the
// order the dry run prints them, method by method.
func (r *runner) cellStages(cell *Cell) ([][][2]string, error) {
	c := &cell.Config
	b, err := r.data(c)
	if err != nil {
		return nil, err
	}
	var out [][][2]string
	for _, m := range c.Unlearn.RunMethods() {
		k := cellKeys(c, b.sum, m)
		var st [][2]string
		if m.Kind() == unlearning.KindPostTraining {
			st = append(st, [2]string{"train", k.train})
		}
		st = append(st, [2]string{k.tableStage, k.table}, [2]string{"eval", k.eval}, [2]string{"attack", k.attack})
		out = append(out, st)
	}
	return out, nil
}

// cellCached reports whether every stage of a cell is in the cache.
func (r *runner) cellCached(cell *Cell) (bool, error) {
	ms, err := r.cellStages(cell)
	if err != nil {
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
		for _, m := range c.Unlearn.RunMethods() {
			k := cellKeys(c, sum, m)
			st := func(stage, key string) string {
				if r.cache.Has(stage, key) {
					return stage + "=cached"
				}
				return stage + "=todo"
			}
			parts := []string{}
			if m.Kind() == unlearning.KindPostTraining {
				parts = append(parts, st("train", k.train))
			}
			parts = append(parts, st(k.tableStage, k.table), st("eval", k.eval), st("attack", k.attack))
			fmt.Fprintf(w, "  %-9s %s\n", m, strings.Join(parts, " "))
		}
		return r.ctx.Err()
	})
}

// exportNames names each record's export folder for people, relative to
// exports/: <dataset>/<model>/<method>[-a<α>]-d<dim>-s<seed>, α only for
// methods that take it (Reg set). Records that would share a name but are
// different cells (another swept key differs) get their cell id appended;
// the cell id and config hash stay in the record either way.
func exportNames(recs []results.Record) []string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == 0 || r == ':' {
				return '_'
			}
			return r
		}, s)
	}
	names := make([]string, len(recs))
	cells := map[string]map[string]bool{}
	for i, r := range recs {
		leaf := clean(r.Method)
		if r.Reg != "" {
			leaf += "-a" + strconv.FormatFloat(r.Alpha, 'g', -1, 64)
		}
		leaf += "-d" + strconv.Itoa(r.Dim) + "-s" + strconv.FormatUint(r.Seed, 10)
		names[i] = filepath.Join(clean(r.Dataset), clean(r.Model), leaf)
		if cells[names[i]] == nil {
			cells[names[i]] = map[string]bool{}
		}
		cells[names[i]][r.Cell] = true
	}
	for i, r := range recs {
		if len(cells[names[i]]) > 1 {
			names[i] += "-" + clean(r.Cell)
		}
	}
	return names
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
	if m.TakesAlpha() {
		fmt.Fprintf(&b, " α=%s", strconv.FormatFloat(c.Config.Unlearn.Alpha, 'g', -1, 64))
	}
	fmt.Fprintf(&b, " seed %d done; %d of %d records", c.Config.Seed, done, total)
	if done < total {
		eta := time.Duration(float64(elapsed) / float64(done) * float64(total-done))
		fmt.Fprintf(&b, ", run ETA %s", eta.Round(time.Second))
	}
	return b.String()
}
