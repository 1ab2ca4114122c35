// Package progress owns how potau shows long work: a bar with rate and ETA
// when the output is a terminal, plain log lines otherwise, nothing when
// quiet. A Reporter is passed down explicitly; there is no global logger.
package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// Reporter prints progress and log lines for a run.
type Reporter struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	quiet bool
	start time.Time
}

// New returns a Reporter writing to w. Bars are drawn only when w is a
// terminal; quiet suppresses everything but Warnf.
func New(w io.Writer, quiet bool) *Reporter {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	return &Reporter{w: w, tty: tty, quiet: quiet, start: time.Now()}
}

// Discard is a Reporter that prints nothing.
func Discard() *Reporter { return &Reporter{w: io.Discard, quiet: true, start: time.Now()} }

// Logf prints one line, prefixed with the elapsed time.
func (r *Reporter) Logf(format string, args ...any) {
	if r == nil || r.quiet {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "[%6.1fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
}

// Warnf prints a warning even when quiet.
func (r *Reporter) Warnf(format string, args ...any) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "warning: %s\n", fmt.Sprintf(format, args...))
}

// Task is one unit of long work with a known number of steps.
type Task struct {
	r       *Reporter
	bar     *progressbar.ProgressBar
	name    string
	total   int
	done    int
	last    time.Time
	started time.Time
}

// Start begins a task of total steps.
func (r *Reporter) Start(name string, total int) *Task {
	t := &Task{r: r, name: name, total: total, started: time.Now(), last: time.Now()}
	if r == nil || r.quiet {
		return t
	}
	if r.tty {
		t.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(r.w),
			progressbar.OptionSetDescription(name),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionThrottle(100*time.Millisecond),
		)
	}
	return t
}

// Add advances the task by n steps; msg (may be empty) describes the step.
// Without a terminal a line is printed at most every 5 seconds, and for
// the last step.
func (t *Task) Add(n int, msg string) {
	if t == nil || t.r == nil || t.r.quiet {
		return
	}
	t.done += n
	if t.bar != nil {
		if msg != "" {
			t.bar.Describe(t.name + " " + msg)
		}
		_ = t.bar.Add(n)
		return
	}
	if time.Since(t.last) >= 5*time.Second || t.done >= t.total {
		t.last = time.Now()
		el := time.Since(t.started).Seconds()
		rate := float64(t.done) / el
		eta := 0.0
		if rate > 0 {
			eta = float64(t.total-t.done) / rate
		}
		t.r.Logf("%s %d/%d (%.2f/s, ETA %.0fs) %s", t.name, t.done, t.total, rate, eta, msg)
	}
}

// Done finishes the task.
func (t *Task) Done() {
	if t == nil || t.bar == nil {
		return
	}
	_ = t.bar.Finish()
}
