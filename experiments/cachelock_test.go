package experiments

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/lockfile"
	"github.com/potau/potau/internal/progress"
)

// A cached file that no longer matches its manifest is reported (naming the
// entry and the file), recomputed and never used: the results are those of
// an intact cache. The cases are the ones of issue 12: a flipped byte in an
// unlearned table, an edited number in an attack's meta.json; plus an entry
// of an older potau without a MANIFEST, which is recomputed silently.
func TestCorruptCacheEntriesAreRecomputed(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	spec := loadShardSpec(t, dir)
	cache := filepath.Join(dir, "cache")
	out := filepath.Join(dir, "out")
	if _, err := Run(ctx, spec, RunOptions{Out: out, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	// The exported tables are read from the cache (users.npy of unlearn
	// entries): they show a corrupt table that was used.
	exports := func() map[string]string {
		m, _ := filepath.Glob(filepath.Join(out, "exports", "*", "*", "*", "users.npy"))
		h := map[string]string{}
		for _, p := range m {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			h[p] = string(b)
		}
		return h
	}
	wantExports := exports()
	nth := func(pattern string, i int) string {
		t.Helper()
		m, err := filepath.Glob(filepath.Join(cache, pattern))
		if err != nil || len(m) <= i {
			t.Fatalf("no cache file %s number %d", pattern, i)
		}
		return m[i]
	}
	flipLastByte := func(p string) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-1] ^= 0x40 // a float32 of the last row changes
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	editNumber := func(p string) {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`"mean": 0\.(\d)`)
		loc := re.FindSubmatchIndex(b)
		if loc == nil {
			t.Fatalf("%s has no mean to edit", p)
		}
		d := b[loc[2]]
		b[loc[2]] = '0' + (d-'0'+5)%10 // e.g. an AUC 0.61… becomes 0.11…
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Each case damages a different entry; one rerun meets them all.
	cases := []struct {
		name    string
		file    string // glob under the cache
		nth     int    // which match
		corrupt func(string)
		warn    string // "" = no warning expected
	}{
		{"flipped byte in users.npy", "unlearn/*/users.npy", 0, flipLastByte, "users.npy does not match its checksum"},
		{"edited number in attack meta.json", "attack/*/meta.json", 0, editNumber, "meta.json does not match its checksum"},
		{"edited number in eval meta.json", "eval/*/meta.json", 0, func(p string) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, regexp.MustCompile(`("hr@10": 0\.)(\d)`).ReplaceAll(b, []byte("${1}0")), 0o644)
		}, "meta.json does not match its checksum"},
		{"extra file in a train entry", "train/*/meta.json", 0, func(p string) {
			os.WriteFile(filepath.Join(filepath.Dir(p), "extra"), []byte("x"), 0o644)
		}, "extra is not in the manifest"},
		{"entry without MANIFEST (older potau)", "train/*/MANIFEST", 1, func(p string) { os.Remove(p) }, ""},
	}
	stages := make([][2]string, len(cases))
	for i, c := range cases {
		p := nth(c.file, c.nth)
		stages[i] = [2]string{filepath.Base(filepath.Dir(filepath.Dir(p))), filepath.Base(filepath.Dir(p))}
		c.corrupt(p)
	}
	var log bytes.Buffer
	if _, err := Run(ctx, spec, RunOptions{Out: out, CacheDir: cache, Progress: progress.New(&log, false)}); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("metrics.jsonl changed: a corrupt entry was used")
	}
	gotExports := exports()
	if len(gotExports) != len(wantExports) || len(wantExports) == 0 {
		t.Errorf("%d exported tables, want %d", len(gotExports), len(wantExports))
	}
	for p, b := range wantExports {
		if gotExports[p] != b {
			t.Errorf("%s changed: a corrupt cached table was exported", p)
		}
	}
	for i, c := range cases {
		stage, entry := stages[i][0], stages[i][1]
		if c.warn != "" {
			w := "warning: cache entry " + stage + "/" + entry + ": " + c.warn
			if !strings.Contains(log.String(), w) {
				t.Errorf("%s: no warning %q in:\n%s", c.name, w, log.String())
			}
		}
		if !strings.Contains(log.String(), "computing stage "+stage+"/"+entry) {
			t.Errorf("%s: %s/%s was not recomputed:\n%s", c.name, stage, entry, log.String())
		}
		if err := (&Cache{Dir: cache}).Verify(stage, entry); err != nil {
			t.Errorf("%s: after the rerun: %v", c.name, err)
		}
	}
}

// Clean removes a cache's temporary folders only when their owner is gone:
// this host and a pid that is not running, or — any host — a key whose lock
// nobody holds (every writer holds its key's lock while it writes) for a
// folder older than staleAge.
func TestCleanRemovesOnlyWhatGoneOwnersLeft(t *testing.T) {
	dir := t.TempDir()
	c := &Cache{Dir: dir}
	key := strings.Repeat("ab", 32)
	held := strings.Repeat("cd", 32)
	dead := deadPID(t)
	mk := func(name string) string {
		p := filepath.Join(dir, "train", name)
		if err := os.MkdirAll(filepath.Join(p, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	own := func(pid int, host string) string { return strconv.Itoa(pid) + "@" + host }
	old := time.Now().Add(-2 * staleAge)
	goneHere := mk(".tmp-" + key + "-" + own(dead, atomicfile.Host()) + "-00000001")
	liveHere := mk(".tmp-" + key + "-" + own(os.Getpid(), atomicfile.Host()) + "-00000002")
	elsewhereFree := mk(".tmp-" + key + "-" + own(dead, "other-node") + "-00000003")
	elsewhereHeld := mk(".tmp-" + held + "-" + own(dead, "other-node") + "-00000004")
	elsewhereYoung := mk(".tmp-" + key + "-" + own(dead, "other-node") + "-00000005")
	for _, p := range []string{elsewhereFree, elsewhereHeld} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	l, err := lockfile.TryLock(c.lockPath("train", held))
	if err != nil || l == nil {
		t.Fatal(err)
	}
	defer l.Release()
	// liveHere's writer (this process) holds its key's lock, as every writer
	// does while it writes.
	l2, err := lockfile.TryLock(c.lockPath("train", key))
	if err != nil || l2 == nil {
		t.Fatal(err)
	}
	c.Clean()
	l2.Release()
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	if exists(goneHere) {
		t.Error("a temporary folder of a dead process on this host was kept")
	}
	if !exists(liveHere) {
		t.Error("a temporary folder of a live process was removed")
	}
	if !exists(elsewhereFree) {
		t.Error("a temporary folder of another host was removed while its key was locked")
	}
	if !exists(elsewhereHeld) {
		t.Error("a temporary folder of another host was removed while its key was locked")
	}
	c.Clean() // now key's lock is free: the other host's old folder of key goes
	if exists(elsewhereFree) {
		t.Error("an old temporary folder of another host whose key nobody holds was kept")
	}
	if !exists(elsewhereYoung) {
		t.Error("a recent temporary folder of another host was removed (its host's locks may not be visible here)")
	}
	if !exists(elsewhereHeld) {
		t.Error("a temporary folder of another host was removed while its key was locked")
	}
}

// A run killed with SIGKILL while exporting leaves
// exports/<cell>/.tmp-users.npy-<pid>@<host>-…; the rerun removes it (its
// owner is gone) and keeps a live process's temporary file.
func TestRerunRemovesStaleExportTemps(t *testing.T) {
	if testing.Short() {
		t.Skip("pipeline integration test skipped in -short mode")
	}
	ctx := context.Background()
	dir := t.TempDir()
	spec := loadShardSpec(t, dir)
	cache, out := filepath.Join(dir, "cache"), filepath.Join(dir, "out")
	recs, err := Run(ctx, spec, RunOptions{Out: out, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	cellDir := filepath.Join(out, filepath.Dir(recs[0].Artifacts["user_table"]))
	stale := filepath.Join(cellDir, ".tmp-users.npy-"+strconv.Itoa(deadPID(t))+"@"+atomicfile.Host()+"-0badcafe")
	live := filepath.Join(cellDir, atomicfile.TempName("users.npy"))
	staleOut := filepath.Join(out, ".tmp-metrics.jsonl-"+strconv.Itoa(deadPID(t))+"@"+atomicfile.Host()+"-0badcafe")
	for _, p := range []string{stale, live, staleOut} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Run(ctx, spec, RunOptions{Out: out, CacheDir: cache}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("the rerun kept the export temporary file of a killed run")
	}
	if _, err := os.Stat(staleOut); err == nil {
		t.Error("the rerun kept the results temporary file of a killed run")
	}
	if _, err := os.Stat(live); err != nil {
		t.Error("the rerun removed a live process's temporary file")
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

// Without working locks two writers may publish the same key: the first
// copy stays, the second Put succeeds without replacing it, and both
// verify. An entry of an older potau (no MANIFEST) is replaced.
func TestPutKeepsTheFirstCopyAndReplacesLegacyEntries(t *testing.T) {
	c := &Cache{Dir: t.TempDir()}
	key := strings.Repeat("ef", 32)
	put := func(body string) error {
		return c.Put("eval", key, map[string]string{"v": body}, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "data"), []byte(body), 0o644)
		})
	}
	if err := put("first"); err != nil {
		t.Fatal(err)
	}
	if err := put("second"); err != nil {
		t.Fatalf("second Put of a published key: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(c.Open("eval", key), "data"))
	if string(b) != "first" {
		t.Errorf("the second Put replaced the entry: %q", b)
	}
	if err := c.Verify("eval", key); err != nil {
		t.Error(err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(c.Dir, "eval", ".tmp-*")); len(tmp) > 0 {
		t.Errorf("temporary folders left: %v", tmp)
	}
	// An older potau's entry: meta.json but no MANIFEST.
	if err := os.Remove(filepath.Join(c.Open("eval", key), manifestName)); err != nil {
		t.Fatal(err)
	}
	if c.Has("eval", key) {
		t.Fatal("an entry without MANIFEST counts as present")
	}
	if err := put("third"); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(filepath.Join(c.Open("eval", key), "data"))
	if string(b) != "third" || c.Verify("eval", key) != nil {
		t.Errorf("the legacy entry was not replaced: %q %v", b, c.Verify("eval", key))
	}
	// The manifest is sha256sum's format.
	m, _ := os.ReadFile(filepath.Join(c.Open("eval", key), manifestName))
	if !regexp.MustCompile(`^([0-9a-f]{64}  (data|meta\.json)\n){2}$`).Match(m) {
		t.Errorf("MANIFEST:\n%s", m)
	}
}
