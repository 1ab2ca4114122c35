package unlearning

import (
	"bufio"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
)

// resetPeakRSS asks Linux to reset the process's peak resident set size
// (VmHWM), so that a later peakRSSMB measures one method. It is a no-op where
// /proc/self/clear_refs is not writable. The counter is process-wide: methods
// run concurrently share it.
func resetPeakRSS() {
	f, err := os.OpenFile("/proc/self/clear_refs", os.O_WRONLY, 0)
	if err != nil {
		return
	}
	f.WriteString("5")
	f.Close()
}

// peakRSSMB returns the process's peak resident set size (VmHWM) in MiB, or
// 0 when /proc/self/status cannot be read.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fs := strings.Fields(rest)
			if len(fs) >= 1 {
				kb, err := strconv.ParseFloat(fs[0], 64)
				if err == nil {
					return kb / 1024
				}
			}
		}
	}
	return 0
}

// heapSampler tracks the largest live Go heap seen at its sample points.
type heapSampler struct {
	s    []metrics.Sample
	peak uint64
}

func newHeapSampler() *heapSampler {
	h := &heapSampler{s: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
	h.sample()
	return h
}

func (h *heapSampler) sample() {
	metrics.Read(h.s)
	if h.s[0].Value.Kind() == metrics.KindUint64 {
		h.peak = max(h.peak, h.s[0].Value.Uint64())
	}
}

func (h *heapSampler) peakMB() float64 { return float64(h.peak) / (1 << 20) }
