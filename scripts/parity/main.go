// Command parity writes the data sets, fold assignments and potau's attack
// results that scripts/parity/compare.py checks against scikit-learn's
// MLPClassifier and XGBoost's XGBClassifier (make parity), and the leakage
// audit's folds and results that it checks against scikit-learn's
// LogisticRegression, KNeighborsClassifier and standardised MLPClassifier,
// plain and nested.
//
// For every data set it writes, into --out:
//
//	NAME.npy   the table (float64, one row per labelled user)
//	NAME.json  labels, classes, the positive class, each repeat's rows and
//	           test folds exactly as attackers.Plan made them, and potau's
//	           per-fold metrics and wall time for both attackers; under
//	           "audit" the audit's shuffled folds and potau's per-fold AUCs
//	           of mlp-std, logreg and knn, plain and nested (trained tables:
//	           also mlp and gbdt)
//
// Data sets: four synthetic two-class Gaussian tables (546 × 32 and
// 3,418 × 64 rows, each at a weak and a strong separation); an ML-100K user
// table (the users' normalised genre-rating profiles, randomly projected to
// 32 dimensions; a stand-in for trained embeddings); any trained tables
// passed with --table NAME=users.npy,labels.csv (repeatable; the exports of
// `potau run` with export.embeddings: true); and, for information only, a
// synthetic collapsed table like the one U2U leaves behind.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/npy"
	"github.com/potau/potau/internal/rng"
	"github.com/potau/potau/results"
)

type repeatJSON struct {
	Rows []int `json:"rows"`
	Fold []int `json:"fold"`
}

type goAttack struct {
	AUCMean  float64                      `json:"auc_mean"`
	Metrics  map[string]attackers.Summary `json:"metrics"`
	FoldAUC  []float64                    `json:"fold_auc"`
	FoldIter []int                        `json:"fold_iterations"`
}

// auditJSON is the leakage audit's part of a data set: its (shuffled)
// folds and potau's per-fold AUCs of each audited attacker, plain and
// nested.
type auditJSON struct {
	Repeats []repeatJSON        `json:"repeats"`
	Go      map[string]goAttack `json:"go"`
	TimeS   float64             `json:"time_s"`
	Leakage attackers.Leakage   `json:"leakage"`
}

type manifest struct {
	Name     string              `json:"name"`
	About    string              `json:"about"`
	InfoOnly bool                `json:"info_only"`
	Rows     int                 `json:"rows"`
	Dims     int                 `json:"dims"`
	Labels   []int               `json:"labels"`
	Classes  []string            `json:"classes"`
	Positive int                 `json:"positive"`
	Shuffle  bool                `json:"shuffle"`
	Repeats  []repeatJSON        `json:"repeats"`
	Go       map[string]goAttack `json:"go"`
	GoTimeS  float64             `json:"go_time_s"` // both attackers, full protocol, wall
	GoCPUS   float64             `json:"go_cpu_s"`  // the same, process CPU time (user + system)
	GoProcs  int                 `json:"go_procs"`
	Audit    *auditJSON          `json:"audit"`
}

type dataset struct {
	name, about string
	info        bool
	trained     bool // a --table: audited by every attacker, plain and nested
	X           *mat.Dense
	y           []int
	classes     []string
}

func main() {
	out := flag.String("out", "bin/parity", "output folder")
	seed := flag.Uint64("seed", 1, "root seed")
	emb := flag.String("embeddings", "", "optional trained user table (.npy) to add as a data set")
	lab := flag.String("labels", "", "labels CSV of --embeddings (header, then row index,label)")
	name := flag.String("name", "embeddings", "name of the --embeddings data set")
	data := flag.String("data", "", "MovieLens folder holding ml-100k/ (default $POTAU_DATA, then ../shared/datasets)")
	only := flag.String("only", "", "comma-separated data set names to write (default all)")
	var tables tableList
	flag.Var(&tables, "table", "NAME=TABLE.npy,LABELS.csv: add a trained user table (repeatable)")
	flag.Parse()
	if *emb != "" {
		tables = append(tables, tableSpec{*name, *emb, *lab})
	}
	if err := run(*out, *seed, tables, *data, *only); err != nil {
		fmt.Fprintln(os.Stderr, "parity:", err)
		os.Exit(1)
	}
}

type tableSpec struct{ name, emb, labels string }

// tableList is the repeatable --table flag.
type tableList []tableSpec

func (t *tableList) String() string { return fmt.Sprint(*t) }

func (t *tableList) Set(v string) error {
	name, files, ok := strings.Cut(v, "=")
	emb, lab, ok2 := strings.Cut(files, ",")
	if !ok || !ok2 || name == "" || emb == "" || lab == "" {
		return fmt.Errorf("want NAME=TABLE.npy,LABELS.csv, got %q", v)
	}
	*t = append(*t, tableSpec{name, emb, lab})
	return nil
}

func run(out string, seed uint64, tables []tableSpec, data, only string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var sets []dataset
	for _, g := range []struct {
		n, d int
		sep  float64
		tag  string
	}{{546, 32, 0.8, "weak"}, {546, 32, 2.1, "strong"}, {3418, 64, 0.95, "weak"}, {3418, 64, 1.8, "strong"}} {
		X, y := gaussian(g.n, g.d, g.sep, seed)
		sets = append(sets, dataset{
			name:  fmt.Sprintf("gauss-%d-%d-%s", g.n, g.d, g.tag),
			about: fmt.Sprintf("%d rows (balanced) × %d dims, N(0, I) with class 1 shifted by %.2f along (1,…,1)/√d", g.n, g.d, g.sep),
			X:     X, y: y, classes: []string{"0", "1"},
		})
	}
	if dir := dataDir(data); dir != "" {
		X, y, err := ml100kGenreTable(filepath.Join(dir, "ml-100k"), seed)
		if err != nil {
			return err
		}
		sets = append(sets, dataset{name: "ml100k-genre32",
			about: "ML-100K users (943; 670 M / 273 F): per-genre rating share and mean rating deviation (38 features, z-scored), Gaussian random projection to 32 dims — a stand-in for trained embeddings",
			X:     X, y: y, classes: []string{"F", "M"}})
	} else {
		fmt.Fprintln(os.Stderr, "parity: ML-100K not found ($POTAU_DATA or ../shared/datasets); skipping the ML-100K table")
	}
	X, y := collapsed(800, 16, seed)
	sets = append(sets, dataset{name: "collapsed-info", info: true,
		about: "information only: 800 users within 1e-4 of one point, groups in offset bands, 1% outliers (what U2U leaves); MLP accuracy is chance, its AUC unstable",
		X:     X, y: y, classes: []string{"0", "1"}})
	for _, t := range tables {
		X, y, classes, err := readTable(t.emb, t.labels)
		if err != nil {
			return err
		}
		sets = append(sets, dataset{name: t.name, about: "trained user table " + t.emb, X: X, y: y, classes: classes, trained: true})
	}
	keep := map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		if s != "" {
			keep[s] = true
		}
	}
	for _, s := range sets {
		if len(keep) > 0 && !keep[s.name] {
			continue
		}
		if err := write(out, s, seed); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
	return nil
}

func dataDir(flagDir string) string {
	for _, d := range []string{flagDir, os.Getenv("POTAU_DATA"), "../shared/datasets"} {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "ml-100k", "u.data")); err == nil {
			return d
		}
	}
	return ""
}

func write(out string, s dataset, seed uint64) error {
	cfg := attackers.DefaultConfig()
	reps, err := attackers.Plan(s.y, len(s.classes), cfg, seed)
	if err != nil {
		return err
	}
	pos, err := attackers.PositiveClass(s.y, s.classes, cfg.Positive)
	if err != nil {
		return err
	}
	start, cpu0 := time.Now(), cpuTime()
	res, err := attackers.Run(context.Background(), s.X, s.y, s.classes, cfg, seed)
	if err != nil {
		return err
	}
	el, cpu := time.Since(start).Seconds(), (cpuTime() - cpu0).Seconds()
	n, d := s.X.Dims()
	m := manifest{Name: s.name, About: s.about, InfoOnly: s.info, Rows: n, Dims: d, Labels: s.y, Classes: s.classes,
		Positive: pos, Shuffle: cfg.Shuffle, Go: map[string]goAttack{}, GoTimeS: el, GoCPUS: cpu, GoProcs: maxProcs()}
	for _, r := range reps {
		m.Repeats = append(m.Repeats, repeatJSON{Rows: r.Rows, Fold: r.Fold})
	}
	for name, r := range res {
		g := goAttack{AUCMean: r.Metrics["auc"].Mean, Metrics: r.Metrics}
		for _, f := range r.Folds {
			g.FoldAUC = append(g.FoldAUC, f.AUC)
			g.FoldIter = append(g.FoldIter, f.Iterations)
		}
		m.Go[name] = g
	}
	if m.Audit, err = audit(s, cfg, seed); err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(out, s.name+".npy"), func(w io.Writer) error { return npyio.Write(w, s.X) }); err != nil {
		return err
	}
	js, err := json.Marshal(m)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "parity: %-24s %5d × %-3d  potau MLP AUC %.4f  GBDT AUC %.4f  (%.1f s wall, %.1f s CPU)\n",
		s.name, n, d, m.Go["mlp"].AUCMean, m.Go["gbdt"].AUCMean, el, cpu)
	return atomicfile.WriteFile(filepath.Join(out, s.name+".json"), js)
}

// audit runs the leakage audit's attackers without a null: logreg, knn
// and mlp-std (plain and nested) on every data set, and also mlp and gbdt
// on trained tables.
func audit(s dataset, proto attackers.Config, seed uint64) (*auditJSON, error) {
	acfg := attackers.DefaultAuditConfig()
	acfg.Permutations, acfg.Null = 0, nil
	if !s.trained {
		acfg.Attackers = []string{"mlp-std", "logreg", "knn"}
	}
	start := time.Now()
	res, err := attackers.Audit(context.Background(), attackers.Table{Name: s.name, Dense: s.X}, s.y, s.classes, proto, acfg, seed)
	if err != nil {
		return nil, err
	}
	aj := &auditJSON{Go: map[string]goAttack{}, TimeS: time.Since(start).Seconds(), Leakage: res.Leakage}
	p := proto
	p.Shuffle = acfg.Shuffle
	reps, err := attackers.Plan(s.y, len(s.classes), p, seed)
	if err != nil {
		return nil, err
	}
	for _, r := range reps {
		aj.Repeats = append(aj.Repeats, repeatJSON{Rows: r.Rows, Fold: r.Fold})
	}
	for name, r := range res.Attackers {
		g := goAttack{AUCMean: r.AUC.Mean, Metrics: map[string]attackers.Summary{"auc": r.AUC, "balanced_accuracy": r.BalancedAccuracy}}
		for _, f := range r.Folds {
			g.FoldAUC = append(g.FoldAUC, f.AUC)
			g.FoldIter = append(g.FoldIter, f.Iterations)
		}
		aj.Go[name] = g
	}
	fmt.Fprintf(os.Stderr, "parity: %-24s audit %s (%.1f s wall)\n", s.name, auditLine(res), aj.TimeS)
	return aj, nil
}

func auditLine(res *attackers.AuditResult) string {
	var b strings.Builder
	for _, name := range res.Order {
		fmt.Fprintf(&b, "%s %.3f  ", name, res.Attackers[name].AUC.Mean)
	}
	return b.String()
}

// gaussian returns n balanced rows: class 1 (every other row) is shifted
// by sep along (1,…,1)/√d, so the Bayes AUC is Φ(sep/√2).
func gaussian(n, d int, sep float64, seed uint64) (*mat.Dense, []int) {
	r := rng.New(seed, "scripts/parity/gauss", uint64(n), uint64(d), math.Float64bits(sep))
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	sh := sep / math.Sqrt(float64(d))
	for i := 0; i < n; i++ {
		y[i] = i % 2
		for j := 0; j < d; j++ {
			X.Set(i, j, r.NormFloat64()+sh*float64(y[i]))
		}
	}
	return X, y
}

func collapsed(n, d int, seed uint64) (*mat.Dense, []int) {
	r := rng.New(seed, "scripts/parity/collapse")
	X := mat.NewDense(n, d, nil)
	y := make([]int, n)
	for i := 0; i < n; i++ {
		y[i] = i % 2
		out := r.IntN(100) == 0
		for j := 0; j < d; j++ {
			v := 0.3 + 1e-4*(r.Float64()+0.6*float64(y[i]))
			if out {
				v = float64(2*r.IntN(2) - 1)
			}
			X.Set(i, j, v)
		}
	}
	return X, y
}

// ml100kGenreTable builds one row per ML-100K user: for each of the 19
// genres the share of the user's ratings that fall in it and the mean of
// (rating − the user's mean rating) over them (0 without any), z-scored per
// column and projected by a seeded Gaussian matrix to 32 dimensions.
// Labels: 0 = F, 1 = M.
func ml100kGenreTable(dir string, seed uint64) (*mat.Dense, []int, error) {
	const genres = 19
	itemGenres := map[int][]int{}
	if err := eachLine(filepath.Join(dir, "u.item"), func(ln int, s string) error {
		f := strings.Split(s, "|")
		if len(f) < 5+genres {
			return fmt.Errorf("%d fields, want %d", len(f), 5+genres)
		}
		id, err := strconv.Atoi(f[0])
		if err != nil {
			return err
		}
		for g := 0; g < genres; g++ {
			if f[5+g] == "1" {
				itemGenres[id] = append(itemGenres[id], g)
			}
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	gender := map[int]int{}
	if err := eachLine(filepath.Join(dir, "u.user"), func(ln int, s string) error {
		f := strings.Split(s, "|")
		if len(f) < 3 {
			return fmt.Errorf("%d fields, want 5", len(f))
		}
		id, err := strconv.Atoi(f[0])
		if err != nil {
			return err
		}
		switch f[2] {
		case "F":
			gender[id] = 0
		case "M":
			gender[id] = 1
		default:
			return fmt.Errorf("gender %q, want M or F", f[2])
		}
		return nil
	}); err != nil {
		return nil, nil, err
	}
	type rating struct{ item, r int }
	byUser := map[int][]rating{}
	if err := eachLine(filepath.Join(dir, "u.data"), func(ln int, s string) error {
		f := strings.Fields(s)
		if len(f) < 3 {
			return fmt.Errorf("%d fields, want 4", len(f))
		}
		u, e1 := strconv.Atoi(f[0])
		it, e2 := strconv.Atoi(f[1])
		rt, e3 := strconv.Atoi(f[2])
		if err := errors.Join(e1, e2, e3); err != nil {
			return err
		}
		byUser[u] = append(byUser[u], rating{it, rt})
		return nil
	}); err != nil {
		return nil, nil, err
	}
	n := len(gender)
	F := mat.NewDense(n, 2*genres, nil)
	y := make([]int, n)
	for u := 1; u <= n; u++ {
		g, ok := gender[u]
		if !ok {
			return nil, nil, fmt.Errorf("%s: user ids are not 1..%d", dir, n)
		}
		y[u-1] = g
		rs := byUser[u]
		var mean float64
		for _, r := range rs {
			mean += float64(r.r)
		}
		mean /= float64(len(rs))
		var cnt, dev [genres]float64
		for _, r := range rs {
			for _, gi := range itemGenres[r.item] {
				cnt[gi]++
				dev[gi] += float64(r.r) - mean
			}
		}
		for gi := 0; gi < genres; gi++ {
			F.Set(u-1, gi, cnt[gi]/float64(len(rs)))
			if cnt[gi] > 0 {
				F.Set(u-1, genres+gi, dev[gi]/cnt[gi])
			}
		}
	}
	for j := 0; j < 2*genres; j++ {
		col := mat.Col(nil, j, F)
		var m, ss float64
		for _, v := range col {
			m += v
		}
		m /= float64(n)
		for _, v := range col {
			ss += (v - m) * (v - m)
		}
		sd := math.Sqrt(ss / float64(n))
		if sd == 0 {
			sd = 1
		}
		for i := range col {
			F.Set(i, j, (col[i]-m)/sd)
		}
	}
	r := rng.New(seed, "scripts/parity/projection")
	P := mat.NewDense(2*genres, 32, nil)
	for i := 0; i < 2*genres; i++ {
		for j := 0; j < 32; j++ {
			P.Set(i, j, r.NormFloat64()/math.Sqrt(32))
		}
	}
	var X mat.Dense
	X.Mul(F, P)
	return &X, y, nil
}

func eachLine(path string, fn func(line int, s string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	ln := 0
	for sc.Scan() {
		ln++
		s := strings.TrimRight(sc.Text(), "\r")
		if s == "" {
			continue
		}
		if err := fn(ln, s); err != nil {
			return fmt.Errorf("%s:%d: %w", path, ln, err)
		}
	}
	return sc.Err()
}

func readTable(emb, lab string) (*mat.Dense, []int, []string, error) {
	if lab == "" {
		return nil, nil, nil, errors.New("--embeddings needs --labels")
	}
	t, err := npy.ReadNPY(emb)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := results.ReadLabelsFile(lab, t.Rows)
	if err != nil {
		return nil, nil, nil, err
	}
	X := mat.NewDense(len(l.Rows), t.Cols, nil)
	for i, r := range l.Rows {
		for j := 0; j < t.Cols; j++ {
			X.Set(i, j, float64(t.Data[r*t.Cols+j]))
		}
	}
	return X, l.Y, l.Classes, nil
}
