package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	err := run(context.Background(), args, &o, &e)
	code = exitCode(err, &e)
	return o.String(), e.String(), code
}

func TestHelpAndVersion(t *testing.T) {
	out, _, code := runCLI(t, "help")
	if code != 0 || !strings.Contains(out, "run") || !strings.Contains(out, "attack") {
		t.Fatalf("help: code %d\n%s", code, out)
	}
	for _, c := range []string{"run", "config", "data", "attack", "report", "version"} {
		out, errOut, code := runCLI(t, c, "-h")
		if code != 0 || !strings.Contains(out, "Usage") || errOut != "" {
			t.Errorf("%s -h: exit %d, stdout %q, stderr %q; want 0 and the usage on stdout only", c, code, out, errOut)
		}
	}
	// A flag error prints the usage to stderr.
	if out, errOut, code := runCLI(t, "report", "--bogus"); code != 2 || out != "" || !strings.Contains(errOut, "Usage") {
		t.Errorf("report --bogus: exit %d, stdout %q, stderr %q; want 2 and the usage on stderr", code, out, errOut)
	}
	// report -h lists the valid columns.
	if out, _, _ := runCLI(t, "report", "-h"); !strings.Contains(out, "<attacker>.<metric>") || !strings.Contains(out, "balanced_accuracy") {
		t.Errorf("report -h does not list the columns:\n%s", out)
	}
	// config defaults prints each key's doc comment above its default.
	if out, _, code := runCLI(t, "config", "defaults"); code != 0 || !strings.Contains(out, "  # LR is Adam's learning rate (1e-3).\n  lr: ") ||
		!strings.Contains(out, "# MaxHRDrop is the HR@10 budget") {
		t.Errorf("config defaults: exit %d, no doc comments beside the defaults:\n%.2000s", code, out)
	}
	if _, _, code := runCLI(t); code != 2 {
		t.Errorf("no command: exit %d, want 2", code)
	}
	if _, _, code := runCLI(t, "bogus"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
	out, _, code = runCLI(t, "version")
	if code != 0 || !strings.HasPrefix(out, "potau ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestConfigErrorsExitTwoWithFileLineKey(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]struct{ body, want string }{
		"unknown.yaml":  {"# one unknown key\nbogus_key: 1\n", "unknown.yaml:2: bogus_key"},
		"type.yaml":     {"unlearn:\n  alpha: high\n", `type.yaml:2: unlearn.alpha: expected a number, got "high"`},
		"negative.yaml": {"model:\n  epochs: -1\n", "negative.yaml:2: model.epochs"},
	}
	for name, c := range cases {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(c.body), 0o644); err != nil {
			t.Fatal(err)
		}
		_, errOut, code := runCLI(t, "config", "check", p)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit 2 and %q", name, code, errOut, c.want)
		}
		_, errOut, code = runCLI(t, "run", p, "--out", filepath.Join(dir, "out"))
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("run %s: exit %d, stderr %q", name, code, errOut)
		}
	}
}

func TestShippedConfigsCheck(t *testing.T) {
	files, _ := filepath.Glob("../../configs/*.yaml")
	more, _ := filepath.Glob("../../configs/*/*.yaml")
	for _, f := range append(files, more...) {
		out, errOut, code := runCLI(t, "config", "check", f)
		if code != 0 || !strings.Contains(out, "valid") {
			t.Errorf("config check %s: exit %d: %s", f, code, errOut)
		}
	}
	out, _, code := runCLI(t, "config", "defaults")
	if code != 0 || !strings.Contains(out, "unlearn:") || !strings.Contains(out, "attack:") {
		t.Errorf("config defaults: exit %d\n%s", code, out)
	}
}

func TestDataStatsSynthetic(t *testing.T) {
	t.Setenv("POTAU_DATA", t.TempDir()) // no real data needed
	out, errOut, code := runCLI(t, "data", "stats", "synthetic")
	if code != 0 || !strings.Contains(out, "users") {
		t.Fatalf("data stats synthetic: exit %d: %s\n%s", code, errOut, out)
	}
}

func sharedData(t *testing.T) string {
	t.Helper()
	d := os.Getenv("POTAU_DATA")
	if d == "" {
		d = "../../../shared/datasets"
	}
	if _, err := os.Stat(filepath.Join(d, "ml-100k", "u.data")); err != nil {
		t.Skipf("ML-100K not found under %s (set POTAU_DATA to the folder holding ml-100k/)", d)
	}
	abs, _ := filepath.Abs(d)
	return abs
}

func TestDataStatsAndVerifyML100K(t *testing.T) {
	data := sharedData(t)
	t.Setenv("POTAU_DATA", data)
	out, errOut, code := runCLI(t, "data", "stats", "ml-100k")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"943", "1,682", "100,000", "670", "273"} {
		if !strings.Contains(out, want) {
			t.Errorf("data stats ml-100k lacks %s:\n%s", want, out)
		}
	}
	if _, errOut, code := runCLI(t, "data", "verify", "ml-100k"); code != 0 {
		t.Fatalf("verify on the real copy: exit %d: %s", code, errOut)
	}
	// One changed byte in u.data must fail verification, naming the file.
	bad := t.TempDir()
	if err := os.MkdirAll(filepath.Join(bad, "ml-100k"), 0o755); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(data, "ml-100k"))
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(data, "ml-100k", e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "u.data" {
			b[100] ^= 1
		}
		if err := os.WriteFile(filepath.Join(bad, "ml-100k", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("POTAU_DATA", bad)
	_, errOut, code = runCLI(t, "data", "verify", "ml-100k")
	if code != 1 || !strings.Contains(errOut, "u.data") {
		t.Fatalf("verify on a corrupted copy: exit %d, stderr %q; want exit 1 naming u.data", code, errOut)
	}
}

// TestRunRejectsUnknownColumns: a config's unknown report column stops
// `potau run` before any stage, exit 2, naming the key and the column.
func TestRunRejectsUnknownColumns(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, []byte("report: {columns: [mlp.auc, hr10]}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCLI(t, "run", cfg, "--out", filepath.Join(dir, "out"), "-q")
	if code != 2 || !strings.Contains(errOut, "report.columns") || !strings.Contains(errOut, `"hr10"`) {
		t.Errorf("exit %d, %s; want 2 naming report.columns and hr10", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
		t.Error("the run folder was created")
	}
}
