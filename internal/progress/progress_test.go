package progress

import (
	"bytes"
	"strings"
	"testing"
)

func TestPlainLinesWithoutTerminal(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, false) // a bytes.Buffer is not a terminal: plain lines
	r.Logf("hello %d", 7)
	task := r.Start("train", 3)
	task.Add(1, "epoch 1") // within 5 s of the start: no line
	task.Add(2, "epoch 3") // the last step always prints
	task.Done()
	out := b.String()
	if !strings.Contains(out, "] hello 7\n") {
		t.Fatalf("log line missing:\n%s", out)
	}
	if strings.Contains(out, "epoch 1") || !strings.Contains(out, "train 3/3") || !strings.Contains(out, "epoch 3") {
		t.Fatalf("progress lines wrong:\n%s", out)
	}
}

func TestQuiet(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, true)
	r.Logf("not shown")
	r.Start("x", 1).Add(1, "")
	r.Warnf("shown %s", "anyway")
	if got := b.String(); got != "warning: shown anyway\n" {
		t.Fatalf("quiet reporter printed %q", got)
	}
	var nilR *Reporter
	nilR.Logf("no panic")
	nilR.Start("x", 1).Add(1, "")
}
