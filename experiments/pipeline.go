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
	"sort"
	"strconv"
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
	tableStage                       string // "train", "unlearn" or "baseline"
}

// cellKeys derives the stage keys of method m in cell c from exactly what
// each stage depends on; for the unlearning stages that is
// c.Unlearn.ForModel(m, kind) (For, without a target that does not matter
// for the model kind).
func cellKeys(c *Config, dataSum string, m unlearning.Method) keys {
	var k keys
	k.data = stageKey("data", c.Data, c.Seed, dataSum)
	k.train = stageKey("train", k.data, modelKey(c), c.Seed)
	attr := c.Data.Attribute
	switch m.Kind() {
	case unlearning.KindNone:
		k.table, k.tableStage = k.train, "train"
	case unlearning.KindInTraining:
		k.table, k.tableStage = stageKey("baseline", k.data, modelKey(c), c.Seed, attr, c.Unlearn.For(m)), "baseline"
	default:
		k.table, k.tableStage = stageKey("unlearn", k.train, attr, c.Unlearn.ForModel(m, c.Model.Kind)), "unlearn"
	}
	k.eval = stageKey("eval", k.table, c.Eval)
	k.attack = stageKey("attack", k.table, attr, c.Attack, c.Seed)
	return k
}

// stageMeta is stored with every stage output.
type stageMeta struct {
	Stage     string  `json:"stage"`
	Key       string  `json:"key"`
	Seconds   float64 `json:"seconds"`
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// Train / baseline outputs.
	BestEpoch int               `json:"best_epoch,omitempty"`
	Selection string            `json:"selection,omitempty"`
	Curves    *results.Curves   `json:"curves,omitempty"`
	Collapse  *results.Collapse `json:"collapse,omitempty"`
	// Eval outputs.
	Rec map[string]float64 `json:"rec,omitempty"`
	// Attack outputs.
	Attack map[string]results.AttackResult `json:"attack,omitempty"`
	Detail map[string]*attackers.Result    `json:"detail,omitempty"`
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

func (r *runner) labels(c *Config, b *dataBundle) (*datasets.Attribute, error) {
	a, ok := b.split.Attributes[c.Data.Attribute]
	if !ok {
		names := make([]string, 0, len(b.split.Attributes))
		for n := range b.split.Attributes {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("data.attribute: data set %q has no attribute %q (it has: %s)", c.Data.Name, c.Data.Attribute, strings.Join(names, ", "))
	}
	return a, nil
}

// model returns the trained (or unlearned) model of a method, from the
// cache when possible.
func (r *runner) model(c *Config, b *dataBundle, method unlearning.Method) (recmodels.Model, error) {
	k := cellKeys(c, b.sum, method)
	v, err := r.once("model:"+k.table, func() (any, error) {
		switch k.tableStage {
		case "train":
			return r.trainStage(c, b, k)
		case "baseline":
			return r.baselineStage(c, b, k, method)
		default:
			return r.unlearnStage(c, b, k, method)
		}
	})
	if err != nil {
		return nil, err
	}
	return v.(recmodels.Model), nil
}

// stageWhat names a stage for messages: "unlearning D2D-R (α=0.0001) of
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

func (r *runner) loadCheckpoint(stage, key string) (recmodels.Model, error) {
	f, err := os.Open(filepath.Join(r.cache.Open(stage, key), "model.bin"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := recmodels.Load(f)
	if err != nil {
		return nil, fmt.Errorf("cache %s/%s: %w", stage, key, err)
	}
	return m, nil
}

func saveCheckpoint(dir string, m recmodels.Model) error {
	return atomicfile.Write(filepath.Join(dir, "model.bin"), func(w io.Writer) error { return recmodels.Save(w, m) })
}

func trainCurves(tr *recmodels.TrainResult) *results.Curves {
	cv := &results.Curves{}
	for _, e := range tr.History {
		cv.TrainLoss = append(cv.TrainLoss, e.Loss)
		cv.TrainHR10 = append(cv.TrainHR10, e.HR10)
	}
	return cv
}

func (r *runner) trainStage(c *Config, b *dataBundle, k keys) (recmodels.Model, error) {
	var m recmodels.Model
	err := r.cached("train", k.train, stageWhat("training", c), func() (err error) {
		m, err = r.loadCheckpoint("train", k.train)
		return err
	}, func(what string) error {
		return r.work(what, func() error {
			start := time.Now()
			r.rep.Logf("train %s on %s (seed %d)", c.Model.Kind, c.Data.Name, c.Seed)
			task := r.rep.Start("train "+c.Model.Kind, c.Model.Epochs)
			var tr *recmodels.TrainResult
			var err error
			m, tr, err = recmodels.Train(r.ctx, b.split, c.Model, c.Seed, nil, func(e recmodels.EpochLog) {
				task.Add(1, fmt.Sprintf("epoch %d loss %.4f HR@10 %.4f (%.1fs)", e.Epoch+1, e.Loss, e.HR10, e.Seconds))
			})
			task.Done()
			if err != nil {
				return fmt.Errorf("train %s: %w", c.Model.Kind, err)
			}
			meta := stageMeta{Stage: "train", Key: k.train, Seconds: time.Since(start).Seconds(), PeakRSSMB: PeakRSSMB(),
				BestEpoch: tr.BestEpoch, Selection: tr.Selection, Curves: trainCurves(tr)}
			r.rep.Logf("train %s done: best epoch %d (%s), %.1fs", c.Model.Kind, tr.BestEpoch+1, tr.Selection, meta.Seconds)
			return r.cache.Put("train", k.train, meta, func(dir string) error { return saveCheckpoint(dir, m) })
		})
	})
	return m, err
}

func (r *runner) baselineStage(c *Config, b *dataBundle, k keys, method unlearning.Method) (recmodels.Model, error) {
	var m recmodels.Model
	err := r.cached("baseline", k.table, stageWhat("training baseline "+method.String(), c), func() (err error) {
		m, err = r.loadCheckpoint("baseline", k.table)
		return err
	}, func(what string) error {
		attr, err := r.labels(c, b)
		if err != nil {
			return err
		}
		return r.work(what, func() error {
			start := time.Now()
			r.rep.Logf("baseline %s: train %s with the in-training term", method, c.Model.Kind)
			var tr *recmodels.TrainResult
			var err error
			task := r.rep.Start("baseline "+method.String()+" "+c.Model.Kind, c.Model.Epochs)
			m, tr, err = unlearning.Baseline(r.ctx, method, b.split, attr.Labels, c.Model, c.Unlearn, c.Seed, func(e recmodels.EpochLog) {
				task.Add(1, fmt.Sprintf("epoch %d loss %.4f (+%s %.4f) HR@10 %.4f (%.1fs)", e.Epoch+1, e.Loss, method, e.HookLoss, e.HR10, e.Seconds))
			})
			task.Done()
			if err != nil {
				return fmt.Errorf("baseline %s: %w", method, err)
			}
			meta := stageMeta{Stage: "baseline", Key: k.table, Seconds: time.Since(start).Seconds(), PeakRSSMB: PeakRSSMB(),
				BestEpoch: tr.BestEpoch, Selection: tr.Selection, Curves: trainCurves(tr)}
			r.rep.Logf("baseline %s done in %.1fs", method, meta.Seconds)
			return r.cache.Put("baseline", k.table, meta, func(dir string) error { return saveCheckpoint(dir, m) })
		})
	})
	return m, err
}

func (r *runner) unlearnStage(c *Config, b *dataBundle, k keys, method unlearning.Method) (recmodels.Model, error) {
	base, err := r.model(c, b, unlearning.MethodOriginal)
	if err != nil {
		return nil, err
	}
	var m recmodels.Model
	// Under target "served" the stage stores every user-side parameter the
	// model scores with (served.npy); otherwise the unlearned table
	// (users.npy), as before the target existed.
	served := c.Unlearn.Target == "served" && !recmodels.ServedIsTable(c.Model.Kind)
	err = r.cached("unlearn", k.table, stageWhat("unlearning", c, method), func() error {
		name := "users.npy"
		if served {
			name = "served.npy"
		}
		u, err := npy.ReadNPY(filepath.Join(r.cache.Open("unlearn", k.table), name))
		if err != nil {
			return fmt.Errorf("cache unlearn/%s: %w", k.table, err)
		}
		if served {
			m, err = recmodels.WithServedParams(base, u)
			if err != nil {
				return fmt.Errorf("cache unlearn/%s: %w", k.table, err)
			}
			return nil
		}
		m = base.WithUserTable(u)
		return nil
	}, func(what string) error {
		attr, err := r.labels(c, b)
		if err != nil {
			return err
		}
		return r.work(what, func() error {
			start := time.Now()
			task := r.rep.Start("unlearn "+method.String(), c.Unlearn.Steps)
			var tr *unlearning.Trace
			var err error
			m, tr, err = unlearning.Run(r.ctx, base, b.split, attr.Labels, method, c.Unlearn, func(step int, terms map[string]float64) {
				task.Add(1, fmt.Sprintf("step %d loss %.4g", step+1, terms["total"]))
			})
			task.Done()
			if err != nil {
				return fmt.Errorf("unlearn %s: %w", method, err)
			}
			meta := stageMeta{Stage: "unlearn", Key: k.table, Seconds: time.Since(start).Seconds(), PeakRSSMB: PeakRSSMB(),
				Curves:   &results.Curves{Unlearn: tr.Terms},
				Collapse: &results.Collapse{MeanDistBefore: MeanPairwiseDistance(base.UserTable()), MeanDistAfter: MeanPairwiseDistance(m.UserTable())}}
			r.rep.Logf("unlearn %s (%s) done in %.1fs", method, c.Model.Kind, meta.Seconds)
			return r.cache.Put("unlearn", k.table, meta, func(dir string) error {
				if served {
					return npy.ExportNPY(filepath.Join(dir, "served.npy"), recmodels.ServedParams(m))
				}
				return npy.ExportNPY(filepath.Join(dir, "users.npy"), m.UserTable())
			})
		})
	})
	return m, err
}

func (r *runner) evalStage(c *Config, b *dataBundle, method unlearning.Method, k keys) (*stageMeta, error) {
	v, err := r.once("eval:"+k.eval, func() (any, error) { return r.evalOnce(c, b, method, k) })
	if err != nil {
		return nil, err
	}
	return v.(*stageMeta), nil
}

func (r *runner) evalOnce(c *Config, b *dataBundle, method unlearning.Method, k keys) (*stageMeta, error) {
	var meta stageMeta
	err := r.cached("eval", k.eval, stageWhat("evaluating", c, method), func() error {
		return r.cache.Meta("eval", k.eval, &meta)
	}, func(what string) error {
		m, err := r.model(c, b, method)
		if err != nil {
			return err
		}
		return r.work(what, func() error {
			start := time.Now()
			rec, err := recmodels.Evaluate(r.ctx, m, b.split, "test", c.Eval.Ks)
			if err != nil {
				return err
			}
			if c.Eval.Full && b.split.Protocol.Eval != "full" {
				full, err := recmodels.EvaluateFull(r.ctx, m, b.split, "test", c.Eval.Ks)
				if err != nil {
					return err
				}
				for key, v := range full {
					rec["full_"+key] = v
				}
			}
			meta = stageMeta{Stage: "eval", Key: k.eval, Seconds: time.Since(start).Seconds(), PeakRSSMB: PeakRSSMB(), Rec: rec}
			return r.cache.Put("eval", k.eval, meta, nil)
		})
	})
	return &meta, err
}

func (r *runner) attackStage(c *Config, b *dataBundle, method unlearning.Method, k keys) (*stageMeta, error) {
	v, err := r.once("attack:"+k.attack, func() (any, error) { return r.attackOnce(c, b, method, k) })
	if err != nil {
		return nil, err
	}
	return v.(*stageMeta), nil
}

func (r *runner) attackOnce(c *Config, b *dataBundle, method unlearning.Method, k keys) (*stageMeta, error) {
	var meta stageMeta
	err := r.cached("attack", k.attack, stageWhat("attacking", c, method), func() error {
		return r.cache.Meta("attack", k.attack, &meta)
	}, func(what string) error {
		m, err := r.model(c, b, method)
		if err != nil {
			return err
		}
		attr, err := r.labels(c, b)
		if err != nil {
			return err
		}
		return r.work(what, func() error {
			start := time.Now()
			X, y := attackTable(m.UserTable(), attr.Labels)
			res, err := attackers.Run(r.ctx, X, y, attr.Classes, c.Attack, c.Seed)
			if err != nil {
				return fmt.Errorf("attack %s: %w", method, err)
			}
			meta = stageMeta{Stage: "attack", Key: k.attack, Seconds: time.Since(start).Seconds(), PeakRSSMB: PeakRSSMB(),
				Attack: map[string]results.AttackResult{}, Detail: res}
			for name, rr := range res {
				ar := results.AttackResult{}
				for mk, s := range rr.Metrics {
					ar[mk] = results.Summary{Mean: s.Mean, Std: s.Std}
				}
				meta.Attack[name] = ar
			}
			r.rep.Logf("attack %s/%s done in %.1fs: %s", c.Model.Kind, method, meta.Seconds, aucLine(meta.Attack))
			return r.cache.Put("attack", k.attack, meta, nil)
		})
	})
	return &meta, err
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

// PeakRSSMB is the process's peak resident set size (VmHWM) in MiB, or the
// Go runtime's total obtained memory where /proc is unavailable.
func PeakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				f := strings.Fields(line)
				if len(f) >= 2 {
					if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
						return math.Round(kb/1024*10) / 10
					}
				}
			}
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return math.Round(float64(ms.Sys)/(1<<20)*10) / 10
}

// shortKey is a stage key's first 12 characters, for messages.
func shortKey(k string) string {
	if len(k) > 12 {
		return k[:12]
	}
	return k
}
