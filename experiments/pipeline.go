package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/npy"
	"github.com/potau/potau/internal/progress"
	"github.com/potau/potau/recmodels"
	"github.com/potau/potau/results"
	"github.com/potau/potau/unlearning"
)

// Version is potau's version, recorded in every result.
var Version = "0.1.0"

// RunOptions control one `potau run`.
type RunOptions struct {
	Out      string // run folder: results.jsonl, results.csv, exports/, report/
	CacheDir string // stage cache folder (required; the CLI defaults it to .cache beside Out)
	Jobs     int    // independent stages run at once (>= 1)
	DryRun   bool   // print the grid and cached status, compute nothing
	// Shard restricts the run to a share of the cells; a sharded run only
	// fills the cache (no results files) and prints a one-line summary.
	Shard Shard
	// Collect computes nothing: every stage must be in the cache, else Run
	// fails with a MissingCellsError (naming each cell's shard of
	// Shard.Count when set); the records, exports and results are written
	// from the cache.
	Collect  bool
	Progress *progress.Reporter
	Stdout   io.Writer // dry-run listing
}

// modelKey is the part of the model block a trained model depends on: all
// of it but the worker count (training splits its work into fixed
// partitions, so the result does not depend on it).
func modelKey(c *Config) any {
	m := c.Model
	m.Workers = 0
	return m
}

// keys are the stage keys of one (cell, method).
type keys struct {
	data, train, table, eval, attack string
	tableStage                       stage // stageTrain, stageUnlearn or stageBaseline
	// attacks[i] is the attack stage of the i-th attribute of
	// data.attribute; attacks[0] == attack (the primary attribute).
	attacks []string
}

// cellKeys derives the stage keys of method m in cell c from exactly what
// each stage depends on; for the unlearning stages that is
// c.Unlearn.ForModel(m, kind) (For, without a target that does not matter
// for the model kind).
func cellKeys(c *Config, dataSum string, m unlearning.Method) keys {
	var k keys
	// The split does not depend on which attributes are unlearned: the data
	// key sees the primary attribute only, as when data.attribute was one
	// name, so a list reuses the models trained for its first attribute
	// (the stages that read the labels key on the attributes themselves).
	d := c.Data
	d.Attribute = d.Attribute[:1]
	if d.AgeGroups == datasets.AgeGroupsML1M {
		// The ages were always ML-1M's groups before data.age_groups
		// existed: the default leaves the data keys as they were.
		d.AgeGroups = ""
	}
	k.data = stageKey(stageData, d, c.Seed, dataSum)
	k.train = stageKey(stageTrain, k.data, modelKey(c), c.Seed)
	attr := c.Data.Attribute
	switch m.Kind() {
	case unlearning.KindNone:
		k.table, k.tableStage = k.train, stageTrain
	case unlearning.KindInTraining:
		k.table, k.tableStage = stageKey(stageBaseline, k.data, modelKey(c), c.Seed, attr, c.Unlearn.For(m)), stageBaseline
	default:
		k.table, k.tableStage = stageKey(stageUnlearn, k.train, attr, c.Unlearn.ForModel(m, c.Model.Kind)), stageUnlearn
	}
	k.eval = stageKey(stageEval, k.table, c.Eval)
	for _, a := range attr {
		// The name alone, as when data.attribute was one string.
		k.attacks = append(k.attacks, stageKey(stageAttack, k.table, a, c.Attack, c.Seed))
	}
	k.attack = k.attacks[0]
	return k
}

type future struct {
	done chan struct{}
	val  any
	err  error
}

type runner struct {
	ctx   context.Context
	opt   RunOptions
	cache *Cache
	sem   chan struct{}
	rep   *progress.Reporter
	mem   memProbe // peak memory of the stages computed

	mu      sync.Mutex
	futures map[string]*future

	noCompute bool         // collect: a stage that is not cached is an error
	computed  atomic.Int64 // stages computed by this runner

	actMu    sync.Mutex
	actSeq   int
	active   map[int]string // what the runner is doing now, for interrupts
	stopped  []string       // active when the run's context was cancelled
	lastDone string         // the activity that ended last
}

// doing registers an activity (a stage being computed or waited for) and
// returns the function that ends it. If the run is interrupted, the
// activities at that moment are what the error names.
func (r *runner) doing(what string) (end func()) {
	r.actMu.Lock()
	defer r.actMu.Unlock()
	if r.active == nil {
		r.active = map[int]string{}
	}
	r.actSeq++
	id := r.actSeq
	r.active[id] = what
	return func() {
		r.actMu.Lock()
		delete(r.active, id)
		r.lastDone = what
		r.actMu.Unlock()
	}
}

// snapshot records the current activities, in start order (called when the
// run's context is cancelled).
func (r *runner) snapshot() {
	r.actMu.Lock()
	defer r.actMu.Unlock()
	ids := make([]int, 0, len(r.active))
	for id := range r.active {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	r.stopped = r.stopped[:0]
	for _, id := range ids {
		r.stopped = append(r.stopped, r.active[id])
	}
	if len(r.stopped) == 0 && r.lastDone != "" {
		r.stopped = append(r.stopped, "starting the next stage after "+r.lastDone)
	}
}

// InterruptedError is a run stopped by its context (Ctrl-C, SIGTERM,
// scancel): it names what was being computed at that moment. Finished
// stages stay in the cache; nothing half-written is left.
type InterruptedError struct {
	Doing []string
	Err   error // the context's error
}

func (e *InterruptedError) Error() string {
	what := "between stages"
	if len(e.Doing) > 0 {
		what = "while " + strings.Join(e.Doing, "; ")
	}
	return fmt.Sprintf("interrupted %s: finished stages are kept in the cache, run again to resume", what)
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// cached runs one stage through the cache. A finished entry is verified
// against its manifest and read with load; a corrupt one is reported (naming
// the entry and file), removed and recomputed, never used. Otherwise the
// stage's key is claimed — waiting while another process computes it — and,
// unless that process published it meanwhile, computed by compute, which
// stores it with Cache.Put before the claim is released. Every computed
// stage is counted and logged as "computing stage <stage>/<key>". what
// names the stage in messages; compute passes it on to r.work, so that an
// interrupt names the stages that were running, not those queued.
func (r *runner) cached(stage, key, what string, load func() error, compute func(what string) error) error {
	tryLoad := func() (bool, error) {
		if !r.cache.Has(stage, key) {
			return false, nil
		}
		if err := r.cache.Verify(stage, key); err != nil {
			r.rep.Warnf("%v: the entry is discarded and recomputed", err)
			if err := r.cache.Discard(stage, key); err != nil {
				return false, err
			}
			return false, nil
		}
		return true, load()
	}
	if ok, err := tryLoad(); ok || err != nil {
		if ok && err == nil {
			r.rep.Logf("%s: from the cache (stage %s/%s)", what, stage, shortKey(key))
		}
		return err
	}
	if r.noCompute {
		return fmt.Errorf("collect: stage %s/%s is not in the cache (collect computes nothing)", stage, key)
	}
	endWait := func() {}
	release, err := r.cache.Claim(r.ctx, stage, key, func(holder string) {
		r.rep.Logf("waiting for stage %s/%s (being computed by %s)", stage, key[:12], holder)
		endWait = r.doing(fmt.Sprintf("waiting for %s (computed by %s)", what, holder))
	})
	endWait()
	if err != nil {
		return err
	}
	defer release()
	if ok, err := tryLoad(); ok || err != nil {
		return err
	}
	r.computed.Add(1)
	r.rep.Logf("computing stage %s/%s", stage, key)
	if err := compute(what); err != nil {
		var se *StageError
		if errors.As(err, &se) || errors.Is(err, context.Canceled) {
			return err // named by the stage that failed / an interrupt
		}
		return &StageError{What: what, Err: err}
	}
	return nil
}

// StageError is a stage that failed, named by what it computes ("training
// mf dim 32 seed 1 on ml-100k"): a stage shared by several methods and cells
// is named for itself, not for whichever record needed it first.
type StageError struct {
	What string
	Err  error
}

func (e *StageError) Error() string { return e.What + ": " + e.Err.Error() }

func (e *StageError) Unwrap() error { return e.Err }

// once runs f once per key and shares its result (singleflight).
func (r *runner) once(key string, f func() (any, error)) (any, error) {
	r.mu.Lock()
	if fu, ok := r.futures[key]; ok {
		r.mu.Unlock()
		select {
		case <-fu.done:
		case <-r.ctx.Done():
			return nil, r.ctx.Err()
		}
		return fu.val, fu.err
	}
	fu := &future{done: make(chan struct{})}
	r.futures[key] = fu
	r.mu.Unlock()
	fu.val, fu.err = f()
	close(fu.done)
	return fu.val, fu.err
}

// work runs heavy computation under the --jobs limit. Callers resolve their
// dependencies before calling it, so holding a slot never waits on a slot.
//
// what names the work for an interrupt's message: while f runs it is one of
// the runner's activities (see doing).
func (r *runner) work(what string, f func() error) error {
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		return r.ctx.Err()
	}
	defer func() { <-r.sem }()
	defer r.doing(what)()
	return f()
}

type dataBundle struct {
	ds    *datasets.Dataset
	split *datasets.Split
	stats datasets.Stats
	sum   string
}

func (r *runner) data(c *Config) (*dataBundle, error) {
	v, err := r.once("data:"+hashJSON([]any{c.Data, c.Seed}), func() (any, error) {
		var b dataBundle
		err := r.work(fmt.Sprintf("loading data set %s (seed %d)", c.Data.Name, c.Seed), func() error {
			start := time.Now()
			ds, sp, err := datasets.Prepare(r.ctx, c.Data, c.Seed)
			if err != nil {
				return err
			}
			b = dataBundle{ds: ds, split: sp, stats: datasets.SplitStats(sp), sum: ds.Checksum}
			r.rep.Logf("data %s: %d users, %d items, %d interactions (%.1fs)", c.Data.Name, b.stats.Users, b.stats.Items, b.stats.Interactions, time.Since(start).Seconds())
			return nil
		})
		return &b, err
	})
	if err != nil {
		return nil, err
	}
	return v.(*dataBundle), nil
}

// labels returns the primary attribute of data.attribute (the first).
func (r *runner) labels(c *Config, b *dataBundle) (*datasets.Attribute, error) {
	return r.labelsOf(c, b, c.Data.Attribute.Primary())
}

// allLabels returns the label vectors of every attribute of data.attribute,
// in order.
func (r *runner) allLabels(c *Config, b *dataBundle) ([][]int32, error) {
	var out [][]int32
	for _, name := range c.Data.Attribute {
		a, err := r.labelsOf(c, b, name)
		if err != nil {
			return nil, err
		}
		out = append(out, a.Labels)
	}
	return out, nil
}

func (r *runner) labelsOf(c *Config, b *dataBundle, name string) (*datasets.Attribute, error) {
	a, ok := b.split.Attributes[name]
	if !ok {
		names := make([]string, 0, len(b.split.Attributes))
		for n := range b.split.Attributes {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("data.attribute: data set %q has no attribute %q (it has: %s)", c.Data.Name, name, strings.Join(names, ", "))
	}
	return a, nil
}

// table returns the model of method m in cell c — trained, retrained with
// an in-training term, or re-bound to an unlearned user table — and the
// meta of the stage that made it.
func (r *runner) table(c *Config, b *dataBundle, m unlearning.Method) (recmodels.Model, *stageMeta, error) {
	k := cellKeys(c, b.sum, m)
	switch m.Kind() {
	case unlearning.KindNone:
		return runStage(r, r.trainSpec(c, b, k))
	case unlearning.KindInTraining:
		return runStage(r, r.baselineSpec(c, b, k, m))
	}
	return runStage(r, r.unlearnSpec(c, b, k, m))
}

// stageWhat names a stage for messages: "unlearning <method> (α=0.0001) of
// mf dim 32 seed 1 on ml-100k".
// With no method the verb says it all ("training").
func stageWhat(verb string, c *Config, method ...unlearning.Method) string {
	var b strings.Builder
	b.WriteString(verb)
	for _, m := range method {
		b.WriteString(" " + m.String())
		if m.TakesAlpha() {
			fmt.Fprintf(&b, " (α=%g)", c.Unlearn.Alpha)
		}
		b.WriteString(" of")
	}
	fmt.Fprintf(&b, " %s dim %d seed %d on %s", c.Model.Kind, c.Model.Dim, c.Seed, c.Data.Name)
	return b.String()
}

func loadCheckpoint(dir string, _ *stageMeta) (recmodels.Model, error) {
	f, err := os.Open(filepath.Join(dir, "model.bin"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return recmodels.Load(f)
}

func saveCheckpoint(dir string, m recmodels.Model) error {
	return atomicfile.Write(filepath.Join(dir, "model.bin"), func(w io.Writer) error { return recmodels.Save(w, m) })
}

// trained fills meta from a training run.
func trained(meta *stageMeta, tr *recmodels.TrainResult) {
	meta.BestEpoch, meta.Selection = tr.BestEpoch, tr.Selection
	cv := &results.Curves{}
	for _, e := range tr.History {
		cv.TrainLoss = append(cv.TrainLoss, e.Loss)
		cv.TrainHR10 = append(cv.TrainHR10, e.HR10)
	}
	meta.Curves = cv
}

// trainSpec: the recommender trained on the split (model.bin).
func (r *runner) trainSpec(c *Config, b *dataBundle, k keys) stageSpec[recmodels.Model] {
	return stageSpec[recmodels.Model]{
		stage: stageTrain, key: k.train, what: stageWhat("training", c), load: loadCheckpoint, store: saveCheckpoint,
		compute: func(meta *stageMeta) (recmodels.Model, error) {
			r.rep.Logf("train %s on %s (seed %d)", c.Model.Kind, c.Data.Name, c.Seed)
			task := r.rep.Start("train "+c.Model.Kind, c.Model.Epochs)
			m, tr, err := recmodels.Train(r.ctx, b.split, c.Model, c.Seed, nil, func(e recmodels.EpochLog) {
				task.Add(1, fmt.Sprintf("epoch %d loss %.4f HR@10 %.4f (%.1fs)", e.Epoch+1, e.Loss, e.HR10, e.Seconds))
			})
			task.Done()
			if err != nil {
				return nil, fmt.Errorf("train %s: %w", c.Model.Kind, err)
			}
			trained(meta, tr)
			return m, nil
		},
		finish: func(_ recmodels.Model, meta *stageMeta) {
			r.rep.Logf("train %s done: best epoch %d (%s), %.1fs", c.Model.Kind, meta.BestEpoch+1, meta.Selection, meta.Seconds)
		},
	}
}

// baselineSpec: the recommender retrained with an in-training unlearning
// term (model.bin).
func (r *runner) baselineSpec(c *Config, b *dataBundle, k keys, method unlearning.Method) stageSpec[recmodels.Model] {
	var attr *datasets.Attribute
	return stageSpec[recmodels.Model]{
		stage: stageBaseline, key: k.table, what: stageWhat("training baseline "+method.String(), c),
		load: loadCheckpoint, store: saveCheckpoint,
		prepare: func() (err error) {
			attr, err = r.labels(c, b)
			return err
		},
		compute: func(meta *stageMeta) (recmodels.Model, error) {
			r.rep.Logf("baseline %s: train %s with the in-training term", method, c.Model.Kind)
			task := r.rep.Start("baseline "+method.String()+" "+c.Model.Kind, c.Model.Epochs)
			m, tr, err := unlearning.Baseline(r.ctx, method, b.split, attr.Labels, c.Model, c.Unlearn, c.Seed, func(e recmodels.EpochLog) {
				task.Add(1, fmt.Sprintf("epoch %d loss %.4f (+%s %.4f) HR@10 %.4f (%.1fs)", e.Epoch+1, e.Loss, method, e.HookLoss, e.HR10, e.Seconds))
			})
			task.Done()
			if err != nil {
				return nil, fmt.Errorf("baseline %s: %w", method, err)
			}
			trained(meta, tr)
			return m, nil
		},
		finish: func(_ recmodels.Model, meta *stageMeta) {
			r.rep.Logf("baseline %s done in %.1fs", method, meta.Seconds)
		},
	}
}

// unlearnSpec: the trained model re-bound to the user-side parameters a
// post-training method produced; every other parameter is the trained
// model's. Under target "served" the stage stores every user-side
// parameter the model scores with (served.npy); otherwise the unlearned
// table (users.npy), as before the target existed.
func (r *runner) unlearnSpec(c *Config, b *dataBundle, k keys, method unlearning.Method) stageSpec[recmodels.Model] {
	var (
		base   recmodels.Model
		labels [][]int32 // one per attribute of data.attribute
	)
	served := c.Unlearn.Target == "served" && !recmodels.ServedIsTable(c.Model.Kind)
	file := "users.npy"
	if served {
		file = "served.npy"
	}
	original := func() (err error) {
		base, _, err = r.table(c, b, unlearning.MethodOriginal)
		return err
	}
	return stageSpec[recmodels.Model]{
		stage: stageUnlearn, key: k.table, what: stageWhat("unlearning", c, method),
		load: func(dir string, _ *stageMeta) (recmodels.Model, error) {
			if err := original(); err != nil {
				return nil, err
			}
			u, err := npy.ReadNPY(filepath.Join(dir, file))
			if err != nil {
				return nil, err
			}
			if served {
				return recmodels.WithServedParams(base, u)
			}
			return base.WithUserTable(u), nil
		},
		prepare: func() error {
			if err := original(); err != nil {
				return err
			}
			var err error
			labels, err = r.allLabels(c, b)
			return err
		},
		compute: func(meta *stageMeta) (recmodels.Model, error) {
			task := r.rep.Start("unlearn "+method.String(), c.Unlearn.Steps)
			m, tr, err := unlearning.RunMulti(r.ctx, base, b.split, labels, method, c.Unlearn, func(step int, terms map[string]float64) {
				task.Add(1, fmt.Sprintf("step %d loss %.4g", step+1, terms["total"]))
			})
			task.Done()
			if err != nil {
				return nil, fmt.Errorf("unlearn %s: %w", method, err)
			}
			meta.Curves = &results.Curves{Unlearn: tr.Terms}
			return m, nil
		},
		finish: func(m recmodels.Model, meta *stageMeta) {
			meta.Collapse = &results.Collapse{MeanDistBefore: MeanPairwiseDistance(base.UserTable()), MeanDistAfter: MeanPairwiseDistance(m.UserTable())}
			r.rep.Logf("unlearn %s (%s) done in %.1fs", method, c.Model.Kind, meta.Seconds)
		},
		store: func(dir string, m recmodels.Model) error {
			if served {
				return npy.ExportNPY(filepath.Join(dir, file), recmodels.ServedParams(m))
			}
			return npy.ExportNPY(filepath.Join(dir, file), m.UserTable())
		},
	}
}

// metaOnly loads a stage whose meta is its whole output.
func metaOnly(string, *stageMeta) (struct{}, error) { return struct{}{}, nil }

// evalSpec: the recommendation metrics of method's table on the test set.
func (r *runner) evalSpec(c *Config, b *dataBundle, method unlearning.Method, k keys) stageSpec[struct{}] {
	var m recmodels.Model
	return stageSpec[struct{}]{
		stage: stageEval, key: k.eval, what: stageWhat("evaluating", c, method), load: metaOnly,
		prepare: func() (err error) {
			m, _, err = r.table(c, b, method)
			return err
		},
		compute: func(meta *stageMeta) (struct{}, error) {
			rec, err := recmodels.Evaluate(r.ctx, m, b.split, "test", c.Eval.Ks)
			if err != nil {
				return struct{}{}, err
			}
			if c.Eval.Full && b.split.Protocol.Eval != "full" {
				full, err := recmodels.EvaluateFull(r.ctx, m, b.split, "test", c.Eval.Ks)
				if err != nil {
					return struct{}{}, err
				}
				for key, v := range full {
					rec["full_"+key] = v
				}
			}
			meta.Rec = rec
			return struct{}{}, nil
		},
	}
}

// attackSpec: the attackers' cross-validated metrics on method's user table
// for the i-th attribute of data.attribute (0: the primary one).
func (r *runner) attackSpec(c *Config, b *dataBundle, method unlearning.Method, k keys, i int) stageSpec[struct{}] {
	var (
		m    recmodels.Model
		attr *datasets.Attribute
	)
	name := c.Data.Attribute[i]
	what := stageWhat("attacking", c, method)
	if len(c.Data.Attribute) > 1 {
		what = stageWhat("attacking ("+name+")", c, method)
	}
	return stageSpec[struct{}]{
		stage: stageAttack, key: k.attacks[i], what: what, load: metaOnly,
		prepare: func() (err error) {
			if m, _, err = r.table(c, b, method); err != nil {
				return err
			}
			attr, err = r.labelsOf(c, b, name)
			return err
		},
		compute: func(meta *stageMeta) (struct{}, error) {
			X, y := attackTable(m.UserTable(), attr.Labels)
			res, err := attackers.Run(r.ctx, X, y, attr.Classes, c.Attack, c.Seed)
			if err != nil {
				return struct{}{}, fmt.Errorf("attack %s: %w", method, err)
			}
			meta.Attack, meta.Detail = map[string]results.AttackResult{}, res
			for name, rr := range res {
				ar := results.AttackResult{}
				for mk, s := range rr.Metrics {
					ar[mk] = results.Summary{Mean: s.Mean, Std: s.Std}
				}
				meta.Attack[name] = ar
			}
			return struct{}{}, nil
		},
		finish: func(_ struct{}, meta *stageMeta) {
			r.rep.Logf("attack %s/%s done in %.1fs: %s", c.Model.Kind, method, meta.Seconds, aucLine(meta.Attack))
		},
	}
}

func aucLine(a map[string]results.AttackResult) string {
	names := make([]string, 0, len(a))
	for n := range a {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s AUC %.3f", n, a[n]["auc"].Mean))
	}
	return strings.Join(parts, ", ")
}

// attackTable keeps the users with a known label.
func attackTable(u *dense.Matrix, labels []int32) (*mat.Dense, []int) {
	var rows []int
	for i, l := range labels {
		if l >= 0 && i < u.Rows {
			rows = append(rows, i)
		}
	}
	X := mat.NewDense(len(rows), u.Cols, nil)
	y := make([]int, len(rows))
	for r, i := range rows {
		src := u.Row(i)
		dst := X.RawRowView(r)
		for j, v := range src {
			dst[j] = float64(v)
		}
		y[r] = int(labels[i])
	}
	return X, y
}

// MeanPairwiseDistance is the mean Euclidean distance over all user pairs
// i < j, accumulated in float64 in a fixed order.
//
//	d̄ = 2/(N(N−1)) · Σ_{i<j} ‖u_i − u_j‖
func MeanPairwiseDistance(u *dense.Matrix) float64 {
	n := u.Rows
	if n < 2 {
		return 0
	}
	var sum float64
	for i := 0; i < n; i++ {
		a := u.Row(i)
		for j := i + 1; j < n; j++ {
			b := u.Row(j)
			var s float64
			for k := range a {
				d := float64(a[k]) - float64(b[k])
				s += d * d
			}
			sum += math.Sqrt(s)
		}
	}
	return sum / (float64(n) * float64(n-1) / 2)
}

// shortKey is a stage key's first 12 characters, for messages.
func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}
