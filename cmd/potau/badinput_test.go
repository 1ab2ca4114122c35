package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"testing"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/npy"
)

// badCase is one bad input: files written into a fresh input folder {in},
// the command line (with {in} and {out} replaced; {out} is a folder that
// must stay empty or absent), the exit code, and fragments the message must
// hold — the file, line or key it is about, and what was wrong.
type badCase struct {
	name  string
	files map[string]string
	args  []string
	code  int
	want  []string
}

// Small valid inputs that the cases break one at a time.
const (
	// An ML-100K-shaped folder: u.data (user item rating time, tab) and
	// u.user (id|age|gender|occupation|zip).
	goodUData = "1\t1\t5\t100\n1\t2\t3\t101\n2\t1\t4\t102\n2\t3\t1\t103\n"
	goodUUser = "1|24|M|technician|85711\n2|53|F|other|94043\n"
	// ML-1M: ratings.dat and users.dat, "::"-separated.
	goodRatings = "1::1::5::100\n1::2::3::101\n2::1::4::102\n"
	goodUsers   = "1::F::1::10::48067\n2::M::56::16::70072\n"
	// Generic (LFM-2B style): interactions user,item,time and users user,gender.
	goodInter = "user,item,time\nu1,a,1\nu1,b,2\nu2,a,3\n"
	goodGUser = "user,gender\nu1,m\nu2,f\n"
	// Reference: train pairs, test lines, user CSV.
	goodTrain = "0,1\n0,2\n1,0\n"
	goodTest  = "(0, 3)\t4\t5\n(1, 2)\t3\t4\n"
	goodRUser = "user,gender\n0,M\n1,F\n"
)

// loaderCfg is a config running the named loader on {in}; the run stops at
// the data stage, before any training.
func loaderCfg(name, extra string) string {
	return "data:\n  name: " + name + "\n  path: {in}\n" + extra + "model: {dim: 4, epochs: 1}\nunlearn: {methods: []}\n"
}

const genericBlock = "  generic: {interactions: i.csv, users: u.csv, delimiter: \",\", header: true, users_header: true, time_column: 2}\n"

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// npyBytes assembles a version 1.0 .npy file from a header dict and data.
func npyBytes(header string, data []byte) string {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY\x01\x00")
	binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.String()
}

func npyHeader(descr, fortran, shape string) string {
	return "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }\n"
}

func badCases(t *testing.T) []badCase {
	// A valid 40 × 3 table and labels for the attack command's cases.
	m := dense.New(40, 3)
	for i := range m.Data {
		m.Data[i] = float32(i%7) - 3
	}
	tmp := filepath.Join(t.TempDir(), "t.npy")
	if err := npy.ExportNPY(tmp, m); err != nil {
		t.Fatal(err)
	}
	table, err := os.ReadFile(tmp)
	if err != nil {
		t.Fatal(err)
	}
	var lab, few strings.Builder
	lab.WriteString("user,gender\n")
	few.WriteString("user,gender\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&lab, "%d,%s\n", i, []string{"M", "F"}[i%2])
		g := "M"
		if i < 3 {
			g = "F"
		}
		fmt.Fprintf(&few, "%d,%s\n", i, g)
	}
	withTable := func(files map[string]string) map[string]string {
		return merge(map[string]string{"t.npy": string(table), "l.csv": lab.String()}, files)
	}
	attack := []string{"attack", "--embeddings", "{in}/t.npy", "--labels", "{in}/l.csv"}
	cfg := func(body string) map[string]string { return map[string]string{"c.yaml": body} }
	run := []string{"run", "{in}/c.yaml", "--out", "{out}/run", "--cache", "{cache}", "-q"}
	check := []string{"config", "check", "{in}/c.yaml"}
	ml100k := map[string]string{"c.yaml": loaderCfg("ml-100k", ""), "u.data": goodUData, "u.user": goodUUser}
	ml1m := map[string]string{"c.yaml": loaderCfg("ml-1m", ""), "ratings.dat": goodRatings, "users.dat": goodUsers}
	generic := map[string]string{"c.yaml": loaderCfg("generic", genericBlock), "i.csv": goodInter, "u.csv": goodGUser}
	reference := map[string]string{"c.yaml": loaderCfg("reference", ""), "train_interactions.csv": goodTrain, "test_neg_interactions": goodTest, "user_attributes.csv": goodRUser}
	synth := func(s string) map[string]string {
		return cfg("data:\n  synthetic: {" + s + "}\nmodel: {dim: 4, epochs: 1}\nunlearn: {methods: []}\n")
	}
	pickle, err := os.ReadFile(filepath.Join("..", "..", "datasets", "testdata", "pickle", "str_labels.npy"))
	if err != nil {
		t.Fatal(err)
	}
	refNPY := func(users string) map[string]string {
		r := merge(reference, map[string]string{RefUsersNPY: users})
		delete(r, "user_attributes.csv")
		return r
	}
	return []badCase{
		// ---- configs (exit 2, file:line: key) ----
		{"unknown key", cfg("name: x\nbogus: 1\n"), check, 2, []string{"c.yaml:2: bogus", "unknown key"}},
		{"unknown nested key", cfg("unlearn:\n  alhpa: 1\n"), run, 2, []string{"c.yaml:2: unlearn.alhpa", "unknown key"}},
		{"wrong type", cfg("unlearn:\n  alpha: high\n"), run, 2, []string{"c.yaml:2: unlearn.alpha", `expected a number, got "high"`}},
		{"float into int", cfg("model:\n  dim: 8.5\n"), run, 2, []string{"c.yaml:2: model.dim", "expected an integer, got 8.5"}},
		{"quoted number", cfg("seed: \"3\"\n"), check, 2, []string{"c.yaml:1: seed", "expected a non-negative integer"}},
		{"negative seed", cfg("seed: -1\n"), check, 2, []string{"c.yaml:1: seed"}},
		{"duplicate key", cfg("name: a\nname: b\n"), check, 2, []string{"c.yaml:2: name", "duplicate key"}},
		{"duplicate nested key", cfg("model:\n  dim: 4\n  dim: 8\n"), run, 2, []string{"c.yaml:3: model.dim", "duplicate key"}},
		{"second document", cfg("name: a\n---\nname: b\n"), check, 2, []string{"c.yaml:2:", "second YAML document"}},
		{"alias error", cfg("name: &n x\nmodel:\n  epochs: *n\n"), check, 2, []string{"c.yaml:1: model.epochs", "expected an integer"}},
		{"invalid YAML", cfg("model:\n  dim: [4\n"), check, 2, []string{"c.yaml", "invalid YAML"}},
		{"top level list", cfg("- a\n- b\n"), check, 2, []string{"c.yaml:1:", "expected a mapping"}},
		{"mapping expected", cfg("data: ml-100k\n"), check, 2, []string{"c.yaml:1: data", "expected a mapping"}},
		{"list expected", cfg("eval:\n  ks: 10\n"), check, 2, []string{"c.yaml:2: eval.ks", "expected a list"}},
		{"bad cut-off", cfg("eval:\n  ks: [5, 0]\n"), check, 2, []string{"c.yaml:2: eval.ks[1]", "must be >= 1"}},
		{"negative epochs", cfg("model:\n  epochs: -3\n"), run, 2, []string{"c.yaml:2: model.epochs"}},
		{"negative lr", cfg("model:\n  lr: -1\n"), run, 2, []string{"c.yaml:2: model.lr"}},
		{"unknown model kind", cfg("model:\n  kind: svd\n"), check, 2, []string{"c.yaml:2: model.kind"}},
		{"unknown data set", cfg("data:\n  name: netflix\n"), check, 2, []string{"c.yaml:2: data.name"}},
		{"unknown split method", cfg("data:\n  split: {method: kfold}\n"), check, 2, []string{"c.yaml:2: data.split.method"}},
		{"unknown method", cfg("unlearn:\n  methods: [U2U, forget]\n"), check, 2, []string{"c.yaml:2: unlearn.methods[1]"}},
		{"too many steps", cfg("unlearn:\n  steps: 1000000\n"), check, 2, []string{"c.yaml:2: unlearn.steps", "between 0 and 100000"}},
		{"one fold", cfg("attack:\n  folds: 1\n"), check, 2, []string{"c.yaml:2: attack.folds"}},
		{"unknown attacker", cfg("attack:\n  attackers: [svm]\n"), check, 2, []string{"c.yaml:2: attack.attackers"}},
		{"bad figure format", cfg("report:\n  formats: [gif]\n"), check, 2, []string{"c.yaml:2: report.formats[0]"}},
		{"missing config", nil, run, 2, []string{"c.yaml: cannot read the config file"}},
		{"config is a folder", map[string]string{"c.yaml/x": ""}, check, 2, []string{"c.yaml: cannot read the config file"}},
		{"extends missing", cfg("extends: base.yaml\n"), check, 2, []string{"c.yaml:1: extends", "base.yaml"}},
		{"extends cycle", cfg("extends: c.yaml\n"), check, 2, []string{"c.yaml", "extends chain too deep"}},
		{"error in base", merge(cfg("extends: b.yaml\n"), map[string]string{"b.yaml": "seed: 1\nbogus: 2\n"}), check, 2, []string{"b.yaml:2: bogus"}},
		{"sweep not a list", cfg("sweep:\n  seed: 3\n"), check, 2, []string{"c.yaml:2: sweep.seed", "non-empty list"}},
		{"bad sweep value", cfg("sweep:\n  unlearn.alpha: [1e-3, oops]\n"), run, 2, []string{"c.yaml:2: unlearn.alpha"}},
		{"sweep too big", cfg("sweep:\n  seed: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  unlearn.alpha: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  unlearn.steps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  model.dim: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n  model.epochs: [1, 2]\n"), run, 2,
			[]string{"c.yaml:1: sweep", "20000 cells", "seed (10) × unlearn.alpha (10)", "sweep_limit 10000"}},
		{"bad sweep_limit", cfg("sweep_limit: lots\n"), check, 2, []string{"c.yaml:1: sweep_limit", "positive integer"}},
		{"--set float into int", cfg("name: x\n"), append(append([]string{}, run...), "--set", "model.epochs=2.7"), 2, []string{"--set model.epochs", "expected an integer, got 2.7"}},
		{"--set without =", cfg("name: x\n"), append(append([]string{}, check...), "--set", "model.epochs"), 2, []string{"--set", "expected path=value"}},
		{"--set unknown key", cfg("name: x\n"), append(append([]string{}, run...), "--set", "model.depth=3"), 2, []string{"--set model.depth", "unknown key"}},
		{"--set bad YAML", cfg("name: x\n"), append(append([]string{}, check...), "--set", "eval.ks=[5"), 2, []string{"--set", "eval.ks"}},
		// ---- synthetic parameters (exit 2) ----
		{"synthetic users", synth("users: 2"), check, 2, []string{"c.yaml:2: data.synthetic.users", "must be >= 4"}},
		{"synthetic too few interactions", synth("users: 10, items: 50, interactions: 20, min_per_user: 5"), check, 2, []string{"data.synthetic.interactions"}},
		{"synthetic items", synth("items: 0"), check, 2, []string{"data.synthetic.items"}},
		{"synthetic min_per_user", synth("min_per_user: -1"), check, 2, []string{"data.synthetic.min_per_user"}},
		{"synthetic float users", synth("users: 1e3"), check, 2, []string{"c.yaml:2: data.synthetic.users", "expected an integer"}},
		// ---- ml-100k (runtime, exit 1: file:line) ----
		{"ml-100k binary u.data", merge(ml100k, map[string]string{"u.data": "\x00"}), run, 1, []string{"u.data:1:"}},
		{"ml-100k bad rating", merge(ml100k, map[string]string{"u.data": goodUData + "3\t1\tfive\t104\n"}), run, 1, []string{"u.data:5:", "five"}},
		{"ml-100k too few fields", merge(ml100k, map[string]string{"u.data": "1\t1\t5\n"}), run, 1, []string{"u.data:1:", "(user item rating timestamp)"}},
		{"ml-100k wrong separator", merge(ml100k, map[string]string{"u.data": "1,1,5,100\n"}), run, 1, []string{"u.data:1:"}},
		{"ml-100k bad gender", merge(ml100k, map[string]string{"u.user": "1|24|X|technician|85711\n2|53|F|other|94043\n"}), run, 1, []string{"u.user:1:", "gender"}},
		{"ml-100k user without attributes", merge(ml100k, map[string]string{"u.user": "1|24|M|technician|85711\n"}), run, 1, []string{"u.user", "2"}},
		{"ml-100k u.user bad line", merge(ml100k, map[string]string{"u.user": goodUUser + "3|x\n"}), run, 1, []string{"u.user:3:"}},
		{"ml-100k no users file", func() map[string]string { m := merge(ml100k); delete(m, "u.user"); return m }(), run, 1, []string{"u.user"}},
		// ---- ml-1m ----
		{"ml-1m ratings missing", func() map[string]string { m := merge(ml1m); delete(m, "ratings.dat"); return m }(), run, 1, []string{"ratings.dat"}},
		{"ml-1m ratings separator", merge(ml1m, map[string]string{"ratings.dat": "1\t1\t5\t100\n"}), run, 1, []string{"ratings.dat:1:", "UserID::MovieID::Rating::Timestamp"}},
		{"ml-1m bad timestamp", merge(ml1m, map[string]string{"ratings.dat": goodRatings + "2::2::4::later\n"}), run, 1, []string{"ratings.dat:4:", "later"}},
		{"ml-1m users bad line", merge(ml1m, map[string]string{"users.dat": goodUsers + "3::M\n"}), run, 1, []string{"users.dat:3:", "UserID::Gender::Age::Occupation::Zip-code"}},
		{"ml-1m corrupt gzip", func() map[string]string {
			m := merge(ml1m, map[string]string{"ratings.dat.gz": "\x1f\x8b\x08\x00garbage"})
			delete(m, "ratings.dat")
			return m
		}(), run, 1, []string{"ratings.dat.gz"}},
		{"verify ml-1m without ratings", map[string]string{"users.dat": goodUsers}, []string{"data", "verify", "ml-1m", "--path", "{in}"}, 1, []string{"ratings.dat is missing"}},
		// ---- generic ----
		{"generic interactions missing", func() map[string]string { m := merge(generic); delete(m, "i.csv"); return m }(), run, 1, []string{"i.csv", "no such file"}},
		{"generic wrong delimiter", merge(generic, map[string]string{"i.csv": "user,item,time\nu1\ta\t1\n"}), run, 1, []string{"i.csv:2:"}},
		{"generic bad timestamp", merge(generic, map[string]string{"i.csv": "user,item,time\nu1,a,soon\n"}), run, 1, []string{"i.csv:2:", "soon"}},
		{"generic user without attributes", merge(generic, map[string]string{"u.csv": "user,gender\nu1,m\n"}), run, 1, []string{"u2"}},
		{"generic empty attribute", merge(generic, map[string]string{"u.csv": "user,gender\nu1,m\nu2,\n"}), run, 1, []string{"u.csv:3:", "empty"}},
		{"generic duplicate user", merge(generic, map[string]string{"u.csv": goodGUser + "u1,f\n"}), run, 1, []string{"u.csv:4:", "duplicate"}},
		{"generic users without header", merge(generic, map[string]string{"u.csv": "1,m\n2,f\n"}, map[string]string{"i.csv": "user,item,time\n1,a,1\n2,a,2\n"}), run, 1, []string{"u.csv:1:", "users_header is true"}},
		{"generic interactions without header", merge(generic, map[string]string{"i.csv": "1,2,1\n2,2,2\n"}), run, 1, []string{"i.csv:1:", "header is true"}},
		{"generic column out of range", merge(generic, map[string]string{"c.yaml": loaderCfg("generic", "  generic: {interactions: i.csv, users: u.csv, delimiter: \",\", header: true, users_header: true, time_column: 7}\n")}), run, 1, []string{"i.csv:2:", "at least 8 fields"}},
		// ---- reference ----
		{"reference train missing", func() map[string]string { m := merge(reference); delete(m, "train_interactions.csv"); return m }(), run, 1, []string{"train_interactions.csv", "no such file"}},
		{"reference bad test pair", merge(reference, map[string]string{"test_neg_interactions": "0, 3\t4\t5\n"}), run, 1, []string{"test_neg_interactions:1:", "(user, item)"}},
		{"reference negatives count", merge(reference, map[string]string{"test_neg_interactions": "(0, 3)\t4\t5\n(1, 2)\t3\n"}), run, 1, []string{"test_neg_interactions:2:", "negatives"}},
		{"reference bad users header", merge(reference, map[string]string{"user_attributes.csv": "id,gender\n0,M\n1,F\n"}), run, 1, []string{"user_attributes.csv:1:", "header"}},
		{"reference user without attribute", merge(reference, map[string]string{"user_attributes.csv": "user,gender\n0,M\n"}), run, 1, []string{"user_attributes.csv", "user 1", "no attribute line"}},
		{"reference unknown user", merge(reference, map[string]string{"user_attributes.csv": goodRUser + "7,M\n"}), run, 1, []string{"user_attributes.csv:4:", "unknown user id 7"}},
		{"reference pickle malformed", refNPY(string(pickle[:len(pickle)-9])), run, 1, []string{RefUsersNPY, "malformed pickle"}},
		{"reference pickle not a dict", refNPY(npyBytes(npyHeader("|O", "False", "()"), []byte{0x80, 3, 'K', 7, '.'})), run, 1, []string{RefUsersNPY, "the pickle holds 7"}},
		{"reference pickle of floats", refNPY(npyBytes(npyHeader("<f4", "False", "(1,)"), []byte{0, 0, 0x80, 0x3f})), run, 1, []string{RefUsersNPY, "want a pickled dict"}},
		{"reference pickle foreign class", refNPY(npyBytes(npyHeader("|O", "False", "()"), []byte("\x80\x03cos\nsystem\n(S'true'\ntR."))), run, 1, []string{RefUsersNPY, "unsupported Python global os.system"}},
		// ---- .npy tables (potau attack) ----
		{"npy not numpy", withTable(map[string]string{"t.npy": "hello"}), attack, 1, []string{"t.npy", "not a NumPy .npy file"}},
		{"npy huge shape", withTable(map[string]string{"t.npy": npyBytes(npyHeader("<f4", "False", "(1000000000000, 1000000000000)"), nil)}), attack, 1, []string{"t.npy", "overflows"}},
		{"npy 2^62 rows", withTable(map[string]string{"t.npy": npyBytes(npyHeader("<f4", "False", "(4611686018427387904, 1)"), nil)}), attack, 1, []string{"t.npy", "needs more than 2^64 data bytes"}},
		{"npy negative dimension", withTable(map[string]string{"t.npy": npyBytes(npyHeader("<f4", "False", "(-3, 2)"), nil)}), attack, 1, []string{"t.npy", "negative dimension -3"}},
		{"npy header past the end", withTable(map[string]string{"t.npy": "\x93NUMPY\x01\x00\xff\xff{'descr'"}), attack, 1, []string{"t.npy", "header length 65535"}},
		{"npy v2 4 GB header", withTable(map[string]string{"t.npy": "\x93NUMPY\x02\x00\xff\xff\xff\xff{}\n"}), attack, 1, []string{"t.npy", "header length 4294967295"}},
		{"npy version 9", withTable(map[string]string{"t.npy": "\x93NUMPY\x09\x00\x00\x00"}), attack, 1, []string{"t.npy", "version 9.0"}},
		{"npy int dtype", withTable(map[string]string{"t.npy": npyBytes(npyHeader("<i8", "False", "(1, 1)"), make([]byte, 8))}), attack, 1, []string{"t.npy", `dtype "<i8"`}},
		{"npy 3-D", withTable(map[string]string{"t.npy": npyBytes(npyHeader("<f4", "False", "(1, 1, 1)"), make([]byte, 4))}), attack, 1, []string{"t.npy", "want a 1-D or 2-D array"}},
		{"npy truncated data", withTable(map[string]string{"t.npy": string(table[:len(table)-5])}), attack, 1, []string{"t.npy", "needs 480 data bytes"}},
		{"npy bad fortran_order", withTable(map[string]string{"t.npy": npyBytes(npyHeader("<f4", "'yes'", "(1, 1)"), make([]byte, 4))}), attack, 1, []string{"t.npy", "fortran_order"}},
		{"npy missing", map[string]string{"l.csv": lab.String()}, attack, 1, []string{"t.npy", "no such file"}},
		// ---- labels CSV (potau attack) ----
		{"labels missing", map[string]string{"t.npy": string(table)}, attack, 1, []string{"l.csv", "no such file"}},
		{"labels empty", withTable(map[string]string{"l.csv": ""}), attack, 1, []string{"l.csv: empty file"}},
		{"labels row out of range", withTable(map[string]string{"l.csv": lab.String() + "40,M\n"}), attack, 1, []string{"l.csv:42:", "row index 40 is outside"}},
		{"labels duplicate row", withTable(map[string]string{"l.csv": lab.String() + "3,M\n"}), attack, 1, []string{"l.csv:42:", "labelled again (first on line 5)"}},
		{"labels non-integer row", withTable(map[string]string{"l.csv": lab.String() + "x,M\n"}), attack, 1, []string{"l.csv:42:", `row index "x"`}},
		{"labels one column", withTable(map[string]string{"l.csv": "user,gender\n0\n"}), attack, 1, []string{"l.csv:2:", "1 column(s)"}},
		{"labels one class", withTable(map[string]string{"l.csv": "user,gender\n0,M\n1,M\n2,M\n"}), attack, 1, []string{"l.csv: attackers: labels hold 1 class(es)", "at least 2"}},
		{"labels no labelled rows", withTable(map[string]string{"l.csv": "user,gender\n0,\n1,-1\n"}), attack, 1, []string{"l.csv: no labelled rows"}},
		{"labels minority too small", withTable(map[string]string{"l.csv": few.String()}), attack, 1, []string{"l.csv: attackers: the smallest class has 3 rows", "needs at least 25 per class"}},
		{"labels bad quote", withTable(map[string]string{"l.csv": "user,gender\n0,\"M\n"}), attack, 1, []string{"l.csv", "parse error on line 2"}},
		// ---- command-line flags (exit 2) ----
		{"no command", nil, []string{}, 2, []string{"no command"}},
		{"unknown command", nil, []string{"train"}, 2, []string{`unknown command "train"`}},
		{"run without config", nil, []string{"run"}, 2, []string{"run"}},
		{"run two configs", cfg("name: x\n"), []string{"run", "{in}/c.yaml", "{in}/c.yaml"}, 2, []string{"run"}},
		{"unknown flag", cfg("name: x\n"), []string{"run", "{in}/c.yaml", "--bogus"}, 2, []string{"bogus"}},
		{"bad --jobs", cfg("name: x\n"), []string{"run", "{in}/c.yaml", "--jobs", "many"}, 2, []string{"jobs"}},
		{"attack without labels", withTable(nil), []string{"attack", "--embeddings", "{in}/t.npy"}, 2, []string{"--labels"}},
		{"attack unknown attacker", withTable(nil), append(append([]string{}, attack...), "--attacker", "svm"), 2, []string{"svm"}},
		{"attack bad folds", withTable(nil), append(append([]string{}, attack...), "--folds", "1"), 2, []string{"folds"}},
		{"config unknown subcommand", nil, []string{"config", "lint"}, 2, []string{`unknown subcommand "lint"`}},
		{"config defaults bad kind", nil, []string{"config", "defaults", "--kind", "svd"}, 2, []string{"svd"}},
		{"data unknown name", nil, []string{"data", "verify", "netflix", "--path", "{in}"}, 1, []string{"netflix"}},
		{"version with arguments", nil, []string{"version", "x"}, 2, []string{"version takes no arguments"}},
		{"report of a missing run", nil, []string{"report", "{in}/nope"}, 1, []string{"nope"}},
	}
}

// RefUsersNPY is the reference bundle's pickled user file.
const RefUsersNPY = "user_gender.npy"

// TestBadInputs runs every bad input through run(ctx, args, stdout,
// stderr): it must not panic, must exit with the given code, must print a
// message naming the file, line or key, and must write nothing — the output
// folder stays empty or absent, the stage cache holds no file (and does not
// exist after a usage or config error) and the input folder is unchanged.
func TestBadInputs(t *testing.T) {
	cases := badCases(t)
	if len(cases) < 80 {
		t.Fatalf("%d cases, want at least 80", len(cases))
	}
	seen := map[string]bool{}
	for _, c := range cases {
		if seen[c.name] {
			t.Fatalf("case name %q repeated", c.name)
		}
		seen[c.name] = true
		t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
			root := t.TempDir()
			in, out, cache := filepath.Join(root, "in"), filepath.Join(root, "out"), filepath.Join(root, "cache")
			if err := os.Mkdir(in, 0o755); err != nil {
				t.Fatal(err)
			}
			for name, body := range c.files {
				p := filepath.Join(in, name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				body = strings.ReplaceAll(body, "{in}", in)
				if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before := listTree(t, in)
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = strings.NewReplacer("{in}", in, "{out}", out, "{cache}", cache).Replace(a)
			}
			var stdout, stderr bytes.Buffer
			code := func() (code int) {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("panic: %v\n%s", r, debug.Stack())
					}
				}()
				return exitCode(run(context.Background(), args, &stdout, &stderr), &stderr)
			}()
			msg := stderr.String()
			if os.Getenv("POTAU_SHOW_MESSAGES") != "" {
				t.Logf("exit %d: %s", code, strings.TrimSpace(msg))
			}
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr: %s", code, c.code, msg)
			}
			if strings.Contains(msg, "goroutine ") || strings.Contains(msg, "panic:") {
				t.Errorf("stack trace in the message: %s", msg)
			}
			for _, w := range c.want {
				if !strings.Contains(msg, strings.ReplaceAll(w, "{in}", in)) {
					t.Errorf("message lacks %q: %s", w, msg)
				}
			}
			if got := listTree(t, out); len(got) != 0 {
				t.Errorf("the output folder holds %v", got)
			}
			// A config or usage error creates nothing; a data error found
			// once the run has started may leave the (empty) stage cache
			// folder, never a file in it.
			cached := listTree(t, cache)
			if c.code == 2 && len(cached) != 0 {
				t.Errorf("a usage error created the cache: %v", cached)
			}
			for _, f := range cached {
				if !strings.HasSuffix(f, "/") {
					t.Errorf("the stage cache holds %s", f)
				}
			}
			if after := listTree(t, in); strings.Join(after, "\n") != strings.Join(before, "\n") {
				t.Errorf("the input folder changed: %v → %v", before, after)
			}
		})
	}
}

// listTree lists the files under dir (relative paths, sorted); an absent
// dir is empty.
func listTree(t *testing.T, dir string) []string {
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if os.IsNotExist(err) {
				return nil
			}
			return err
		}
		if p != dir {
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() {
				rel += "/"
			}
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}
