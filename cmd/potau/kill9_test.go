package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestKill9Script runs scripts/kill9.sh with a delay of 0 s, so the run is
// killed before its cache exists: the script must carry on under set -e
// (the rerun computes everything and matches the uninterrupted run) and
// leave nothing in its temporary folder.
func TestKill9Script(t *testing.T) {
	if testing.Short() {
		t.Skip("builds potau and runs a toy config three times")
	}
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command on PATH")
	}
	dir := t.TempDir()
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "toy.yaml")
	body := `name: toy
data:
  synthetic: {users: 80, items: 100, interactions: 1600, min_per_user: 8}
  split: {negatives: 20}
model: {kind: mf, dim: 4, epochs: 1}
unlearn: {methods: []}
attack: {attackers: [gbdt], folds: 2, repeats: 1, gbdt: {n_estimators: 3}}
`
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bash, "scripts/kill9.sh", cfg, "0")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK: metrics.jsonl") {
		t.Fatalf("kill9.sh: %v\n%s", err, out)
	}
	left, _ := os.ReadDir(tmp)
	if len(left) != 0 {
		t.Errorf("kill9.sh left %d entries in TMPDIR (%s …)", len(left), left[0].Name())
	}
}
