package experiments

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/potau/potau/internal/progress"
)

func testRunner(dir string, jobs int) *runner {
	return &runner{ctx: context.Background(), cache: &Cache{Dir: dir}, sem: make(chan struct{}, jobs),
		rep: progress.Discard(), futures: map[string]*future{}}
}

// counterSpec is a stage whose output is an int written to value.txt; it
// counts its prepare, compute and load calls.
func counterSpec(key string, v int, prepared, computed, loaded *atomic.Int32) stageSpec[int] {
	return stageSpec[int]{
		stage: stageEval, key: key,
		prepare: func() error { prepared.Add(1); return nil },
		compute: func(meta *stageMeta) (int, error) {
			computed.Add(1)
			meta.Rec = map[string]float64{"v": float64(v)}
			return v, nil
		},
		store: func(dir string, v int) error {
			return os.WriteFile(filepath.Join(dir, "value.txt"), []byte(strconv.Itoa(v)), 0o644)
		},
		load: func(dir string, meta *stageMeta) (int, error) {
			loaded.Add(1)
			b, err := os.ReadFile(filepath.Join(dir, "value.txt"))
			if err != nil {
				return 0, err
			}
			return strconv.Atoi(string(b))
		},
	}
}

// TestRunStage: a stage computes once per key and run (concurrent callers
// share it), publishes its output, and a later run loads it without
// preparing or computing; a verified entry whose meta.json names another
// key is an error that names the file.
func TestRunStage(t *testing.T) {
	dir := t.TempDir()
	key := strings.Repeat("ab", 32)
	var prepared, computed, loaded atomic.Int32
	r := testRunner(dir, 2)
	var wg sync.WaitGroup
	got := make([]int, 4)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			v, meta, err := runStage(r, counterSpec(key, 7, &prepared, &computed, &loaded))
			if err != nil || meta.Stage != "eval" || meta.Key != key || meta.Rec["v"] != 7 {
				t.Errorf("runStage = %d, %+v, %v", v, meta, err)
			}
			got[i] = v
		}()
	}
	wg.Wait()
	if prepared.Load() != 1 || computed.Load() != 1 || loaded.Load() != 0 || got[0] != 7 || got[3] != 7 {
		t.Fatalf("first run: prepared %d computed %d loaded %d, values %v; want 1 1 0, all 7", prepared.Load(), computed.Load(), loaded.Load(), got)
	}
	// A new run finds the output in the cache.
	v, meta, err := runStage(testRunner(dir, 1), counterSpec(key, 8, &prepared, &computed, &loaded))
	if err != nil || v != 7 || meta.Rec["v"] != 7 || prepared.Load() != 1 || computed.Load() != 1 || loaded.Load() != 1 {
		t.Fatalf("second run: %d, %+v, %v; prepared %d computed %d loaded %d", v, meta, err, prepared.Load(), computed.Load(), loaded.Load())
	}
	// An entry whose meta names another key (its manifest intact: a folder
	// copied under the wrong name) is not this stage's output.
	other := strings.Repeat("cd", 32)
	c := &Cache{Dir: dir}
	if err := c.Put("eval", other, stageMeta{Stage: "eval", Key: key}, nil); err != nil {
		t.Fatal(err)
	}
	_, _, err = runStage(testRunner(dir, 1), counterSpec(other, 8, &prepared, &computed, &loaded))
	mp := filepath.Join(dir, "eval", other, "meta.json")
	if err == nil || !strings.Contains(err.Error(), mp) || !strings.Contains(err.Error(), "not this stage's output") {
		t.Errorf("misplaced entry: error %v, want one naming %s", err, mp)
	}
}

// TestMemProbe: only a measurement started while no other runs resets the
// process's peak, so overlapping stages never erase each other's peaks.
func TestMemProbe(t *testing.T) {
	resets := 0
	peak := 100.0
	p := &memProbe{reset: func() { resets++ }, peak: func() float64 { return peak }}
	a := p.start() // idle: reset
	b := p.start() // a runs: no reset
	if resets != 1 {
		t.Fatalf("%d resets after two overlapping starts, want 1", resets)
	}
	if got := a.stop(); got != 100 {
		t.Errorf("stop = %v, want the probe's peak 100", got)
	}
	c := p.start() // b still runs: no reset
	b.stop()
	c.stop()
	if resets != 1 {
		t.Errorf("%d resets while stages overlapped, want 1", resets)
	}
	p.start().stop() // idle again: reset
	if resets != 2 {
		t.Errorf("%d resets, want 2 once idle", resets)
	}
}

// TestStageSalts: every stage has its own salt (a shared or empty salt
// would let one stage's bump leave another's outputs in place).
func TestStageSalts(t *testing.T) {
	seen := map[string]stage{}
	for _, s := range []stage{stageData, stageTrain, stageUnlearn, stageBaseline, stageEval, stageAttack} {
		salt := s.salt()
		if salt == "" || strings.HasSuffix(salt, "-unsalted") {
			t.Errorf("stage %s has no salt", s)
		}
		if o, ok := seen[salt]; ok {
			t.Errorf("stages %s and %s share the salt %q", o, s, salt)
		}
		seen[salt] = s
	}
}
