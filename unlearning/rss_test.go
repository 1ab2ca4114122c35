package unlearning

import (
	"context"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

// procStatusMB reads a memory line of /proc/self/status ("VmHWM", "VmRSS")
// in MiB; it skips the test where /proc is unavailable.
func procStatusMB(t *testing.T, field string) float64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			if f := strings.Fields(rest); len(f) >= 1 {
				if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
					return kb / 1024
				}
			}
		}
	}
	t.Skipf("no %s in /proc/self/status", field)
	return 0
}

// TestRunKeepsPeakRSS: Run must not reset the process's peak resident set
// size (VmHWM), which concurrent stages of a run share. The test raises the
// peak with 96 MiB of touched memory, returns it to the OS so that the
// current RSS falls well below the peak (a reset would bring the peak down
// to the current RSS), runs a small unlearning and checks the peak did not
// fall. Where the OS keeps the memory resident the test cannot tell and
// skips.
func TestRunKeepsPeakRSS(t *testing.T) {
	buf := make([]byte, 96<<20)
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = 1
	}
	runtime.KeepAlive(buf)
	buf = nil
	debug.FreeOSMemory()
	peak, rss := procStatusMB(t, "VmHWM"), procStatusMB(t, "VmRSS")
	if peak-rss < 48 {
		t.Skipf("peak %.0f MiB, current %.0f MiB: the memory was not returned, a reset could not be seen", peak, rss)
	}
	s, labels := testSplit(40, 30, 7)
	m := newDotModel(40, 30, 6, 0.7, 3)
	c := DefaultConfig()
	c.Steps, c.TopK, c.Tile = 3, 8, 16
	if _, _, err := Run(context.Background(), m, s, labels, MethodD2DR, c, nil); err != nil {
		t.Fatal(err)
	}
	if after := procStatusMB(t, "VmHWM"); after < peak-1 {
		t.Errorf("Run reset the process's peak RSS: %.0f → %.0f MiB (current %.0f MiB)", peak, after, rss)
	}
}
