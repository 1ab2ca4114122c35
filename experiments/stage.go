package experiments

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/results"
)

// stage names a step of the pipeline. A cached stage's name is also its
// folder in the cache.
type stage string

const (
	stageData     stage = "data" // in memory only; its key feeds the others
	stageTrain    stage = "train"
	stageUnlearn  stage = "unlearn"
	stageBaseline stage = "baseline"
	stageEval     stage = "eval"
	stageAttack   stage = "attack"
	stageAudit    stage = "audit"
)

// salt is mixed into every key of the stage. Bump a stage's salt when a
// change alters what the stage computes, so that stale cached outputs are
// not reused.
func (s stage) salt() string {
	switch s {
	case stageData:
		return "data-v1"
	case stageTrain:
		return "train-v1"
	case stageUnlearn:
		return "unlearn-v1"
	case stageBaseline:
		return "baseline-v1"
	case stageEval:
		return "eval-v1"
	case stageAttack:
		return "attack-v1"
	case stageAudit:
		return "audit-v1"
	}
	return string(s) + "-unsalted"
}

// stageKey hashes exactly what a stage depends on: its name and code salt,
// its config subset and its upstream keys.
func stageKey(s stage, parts ...any) string {
	return hashJSON(append([]any{string(s), s.salt()}, parts...))
}

// stageMeta is stored with every stage output as meta.json.
type stageMeta struct {
	Stage string `json:"stage"`
	Key   string `json:"key"`
	// Seconds and PeakRSSMB are the stage's measured costs (see runStage).
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
	// Audit outputs.
	Audit *attackers.AuditResult `json:"audit,omitempty"`
}

// stageSpec is one cached stage output: where it lives and how to make it.
type stageSpec[T any] struct {
	stage stage
	key   string
	what  string // names the stage in messages (stageWhat)
	// load rebuilds the output from its finished, verified cache folder and
	// its meta.
	load func(dir string, meta *stageMeta) (T, error)
	// prepare, on a cache miss, resolves what compute needs (upstream
	// stages, labels) before a --jobs slot is taken, so that holding a slot
	// never waits on a slot. nil: nothing to resolve.
	prepare func() error
	// compute makes the output and fills meta's output fields; it runs in
	// a --jobs slot and is what meta.Seconds and meta.PeakRSSMB measure.
	compute func(meta *stageMeta) (T, error)
	// finish, when non-nil, runs after the measurement, still in the slot:
	// summaries that are not part of the stage's cost, log lines.
	finish func(v T, meta *stageMeta)
	// store writes the output's files into the stage's fresh folder; nil:
	// the meta is the whole output.
	store func(dir string, v T) error
}

// stageResult is what one resolution of a stage shares with every caller.
type stageResult[T any] struct {
	v    T
	meta *stageMeta
}

// runStage returns a stage's output and meta. Within one run each key is
// resolved once, concurrent callers sharing the result. Through
// runner.cached, a finished output is verified and loaded (its meta must
// name this stage and key); otherwise it is computed in a --jobs slot,
// timed, its peak memory measured (memProbe), and published whole
// (Cache.Put).
func runStage[T any](r *runner, s stageSpec[T]) (T, *stageMeta, error) {
	v, err := r.once(string(s.stage)+":"+s.key, func() (any, error) {
		out, meta, err := s.get(r)
		return stageResult[T]{out, meta}, err
	})
	if err != nil {
		var zero T
		return zero, nil, err
	}
	res := v.(stageResult[T])
	return res.v, res.meta, nil
}

func (s stageSpec[T]) get(r *runner) (T, *stageMeta, error) {
	name := string(s.stage)
	var (
		v    T
		meta *stageMeta
	)
	load := func() error {
		var m stageMeta
		if err := r.cache.Meta(name, s.key, &m); err != nil {
			return err
		}
		if m.Stage != name || m.Key != s.key {
			return fmt.Errorf("cache: %s names stage %q key %q, want %q %q: the folder is not this stage's output (delete it)",
				filepath.Join(r.cache.Open(name, s.key), "meta.json"), m.Stage, m.Key, name, s.key)
		}
		out, err := s.load(r.cache.Open(name, s.key), &m)
		if err != nil {
			return fmt.Errorf("cache %s/%s: %w", name, s.key, err)
		}
		v, meta = out, &m
		return nil
	}
	compute := func(what string) error {
		if s.prepare != nil {
			if err := s.prepare(); err != nil {
				return err
			}
		}
		return r.work(what, func() error {
			m := &stageMeta{Stage: name, Key: s.key}
			span := r.mem.start()
			start := time.Now()
			out, err := s.compute(m)
			m.Seconds = time.Since(start).Seconds()
			m.PeakRSSMB = span.stop()
			if err != nil {
				return err
			}
			if s.finish != nil {
				s.finish(out, m)
			}
			var store func(dir string) error
			if s.store != nil {
				store = func(dir string) error { return s.store(dir, out) }
			}
			if err := r.cache.Put(name, s.key, m, store); err != nil {
				return err
			}
			v, meta = out, m
			return nil
		})
	}
	if err := r.cached(name, s.key, s.what, load, compute); err != nil {
		var zero T
		return zero, nil, err
	}
	return v, meta, nil
}
