package experiments

import (
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

// This file holds every probe of the operating system the pipeline makes:
// the process's peak resident memory. Nothing else in the module reads or
// resets it.

// memProbe measures the peak resident memory of stages. The kernel keeps
// one peak per process (VmHWM), so a stage's figure is the peak since the
// last moment no stage was computing: a probe started while no other one
// runs resets the counter, one started while others run does not (a reset
// would erase their peaks). With --jobs 1 each stage thus gets its own
// peak, on top of what the process already holds (data, loaded models);
// with concurrent stages the figure covers them too.
//
// The zero value uses /proc; reset and peak replace it in tests.
type memProbe struct {
	mu     sync.Mutex
	active int
	reset  func()         // nil: resetPeakRSS
	peak   func() float64 // nil: peakRSSMB
}

// memSpan is one started measurement.
type memSpan struct{ p *memProbe }

// start begins a measurement; stop ends it.
func (p *memProbe) start() memSpan {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.active == 0 {
		if p.reset != nil {
			p.reset()
		} else {
			resetPeakRSS()
		}
	}
	p.active++
	return memSpan{p}
}

// stop ends the measurement and returns the peak resident memory in MiB
// (rounded to 0.1) since the counter's last reset.
func (s memSpan) stop() float64 {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	s.p.active--
	if s.p.peak != nil {
		return s.p.peak()
	}
	return peakRSSMB()
}

// resetPeakRSS asks Linux to reset the process's peak resident set size
// (VmHWM) to the current one. It does nothing where /proc/self/clear_refs
// is not writable; the peak then runs from the process's start.
func resetPeakRSS() {
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	f.WriteString("5")
	f.Close()
}

// peakRSSMB is the process's peak resident set size (VmHWM) in MiB, or the
// Go runtime's total obtained memory where /proc is unavailable.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				if f := strings.Fields(rest); len(f) >= 1 {
					if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
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
