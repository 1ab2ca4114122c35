package reports

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio"
	"github.com/potau/potau/results"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// synthRecord is a record with attack AUC/accuracy and HR/NDCG@10.
func synthRecord(method string, alpha float64, dim int, seed uint64, auc, ndcg float64) results.Record {
	return results.Record{
		Schema: 1, Name: "synthetic-sweep", Dataset: "synthetic", Model: "mf", Method: method, MethodKind: kindOf(method), Alpha: alpha, Dim: dim, Seed: seed,
		Protocol:  results.Protocol{Split: "loo", Eval: "sampled", Negatives: 99},
		Selection: "valid",
		Rec:       map[string]float64{"hr@10": 2 * ndcg, "ndcg@10": ndcg},
		Attack: map[string]results.AttackResult{
			"mlp":  {"auc": {Mean: auc, Std: 0.02}, "accuracy": {Mean: auc - 0.05, Std: 0.02}},
			"gbdt": {"auc": {Mean: auc + 0.03, Std: 0.03}, "accuracy": {Mean: auc - 0.02, Std: 0.02}},
		},
	}
}

// sweepRecords is an α sweep of U2U-R and D2D-R (two seeds) beside the
// original model and U2U at one α.
func sweepRecords() []results.Record {
	recs := []results.Record{synthRecord("original", 0, 16, 1, 0.8, 0.40), synthRecord("U2U", 0, 16, 1, 0.55, 0.2)}
	for i, a := range []float64{1e-6, 1e-5, 1e-4, 1e-3} {
		for s := uint64(1); s <= 2; s++ {
			d := 0.01 * float64(s)
			recs = append(recs,
				synthRecord("U2U-R", a, 16, s, 0.52+0.06*float64(i)+d, 0.25+0.04*float64(i)+d),
				synthRecord("D2D-R", a, 16, s, 0.45+0.08*float64(i)+d, 0.36+0.01*float64(i)-d))
		}
	}
	return recs
}

// dimRecords is a dimension sweep of the original model, U2U and D2D.
func dimRecords() []results.Record {
	var recs []results.Record
	for i, d := range []int{8, 16, 32, 64} {
		f := float64(i)
		recs = append(recs,
			synthRecord("original", 0, d, 1, 0.7+0.03*f, 0.35+0.01*f),
			synthRecord("U2U", 0, d, 1, 0.52+0.01*f, 0.2+0.01*f),
			synthRecord("D2D", 0, d, 1, 0.5+0.005*f, 0.33+0.01*f))
	}
	return recs
}

// patchHeader replaces old by repl in the header of a .npy file and keeps
// the header's length by taking the difference out of (or adding it to) the
// padding spaces before the header's newline.
func patchHeader(t testing.TB, b []byte, old, repl string) []byte {
	t.Helper()
	i := bytes.Index(b, []byte(old))
	end := bytes.IndexByte(b, '\n')
	if i < 0 || end < 0 || i > end {
		t.Fatalf("npy header %q lacks %q", b[:min(len(b), 80)], old)
	}
	hdr := string(b[:i]) + repl + string(b[i+len(old):end])
	diff := len(repl) - len(old)
	if diff > 0 {
		if !strings.HasSuffix(hdr, strings.Repeat(" ", diff)) {
			t.Fatalf("npy header padding too short for %q", repl)
		}
		hdr = hdr[:len(hdr)-diff]
	} else {
		hdr += strings.Repeat(" ", -diff)
	}
	return append([]byte(hdr), b[end:]...)
}

// npyBytes encodes the flat slice v as a rows × cols .npy array (npyio
// writes slices as 1-D; the shape is patched in the header).
func npyBytes(t testing.TB, v any, n, rows, cols int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := npyio.Write(&buf, v); err != nil {
		t.Fatal(err)
	}
	return patchHeader(t, buf.Bytes(), fmt.Sprintf("'shape': (%d,), ", n), fmt.Sprintf("'shape': (%d, %d), ", rows, cols))
}

// writeNPY writes a users × dim table as float32 (<f4) or float64 (<f8).
func writeNPY(t testing.TB, path string, rows, cols int, at func(i, j int) float64, f32 bool) {
	t.Helper()
	var b []byte
	if f32 {
		v := make([]float32, rows*cols)
		for i := range rows {
			for j := range cols {
				v[i*cols+j] = float32(at(i, j))
			}
		}
		b = npyBytes(t, v, rows*cols, rows, cols)
	} else {
		m := mat.NewDense(rows, cols, nil)
		for i := range rows {
			for j := range cols {
				m.Set(i, j, at(i, j))
			}
		}
		var buf bytes.Buffer
		if err := npyio.Write(&buf, m); err != nil {
			t.Fatal(err)
		}
		b = buf.Bytes()
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// histRun writes a run folder with three user tables (original, U2U, D2D)
// and labels, and returns the records naming them. Group F is shifted by
// +1 in dim 2 and +0.3 in dim 4 of the original table.
func histRun(t *testing.T, dir string) []results.Record {
	t.Helper()
	const n, d = 60, 6
	os.MkdirAll(filepath.Join(dir, "exports"), 0o755)
	var lab strings.Builder
	lab.WriteString("user,gender\n")
	female := func(u int) bool { return u%3 == 0 }
	for u := range n {
		g := "M"
		if female(u) {
			g = "F"
		}
		if u == n-1 {
			continue // an unlabelled user
		}
		fmt.Fprintf(&lab, "%d,%s\n", u, g)
	}
	os.WriteFile(filepath.Join(dir, "exports", "labels.csv"), []byte(lab.String()), 0o644)
	noise := func(u, j int) float64 { return math.Sin(float64(7*u+13*j)) * 0.5 }
	orig := func(u, j int) float64 {
		x := noise(u, j)
		if female(u) && j == 2 {
			x += 1
		}
		if female(u) && j == 4 {
			x += 0.3
		}
		return x
	}
	writeNPY(t, filepath.Join(dir, "exports", "orig.npy"), n, d, orig, true)
	writeNPY(t, filepath.Join(dir, "exports", "u2u.npy"), n, d, func(u, j int) float64 { return 0.2 * orig(u, j) }, false)
	writeNPY(t, filepath.Join(dir, "exports", "d2d.npy"), n, d, noise, true)
	var recs []results.Record
	for _, m := range []struct{ method, file string }{{"original", "orig.npy"}, {"U2U", "u2u.npy"}, {"D2D", "d2d.npy"}} {
		r := synthRecord(m.method, 0, d, 1, 0.6, 0.3)
		r.Artifacts = map[string]string{"user_table": "exports/" + m.file, "labels": "exports/labels.csv"}
		r.Curves = &results.Curves{Unlearn: map[string][]float64{"total": {3, 2, 1.5, 1.2}, "dist": {3, 1.9, 1.3, 1}}}
		if m.method == "D2D" { // MMD² shrinks by orders of magnitude: a log axis
			r.Curves.Unlearn = map[string][]float64{"total": {0.5, 0.05, 0.004, 0.002}, "dist": {0.5, 0.04, 0.003, 0.001}}
		}
		if m.method == "original" {
			r.Curves = &results.Curves{TrainLoss: []float64{0.7, 0.5, 0.4, 0.35}, TrainHR10: []float64{0.3, 0.45, 0.5, 0.52}}
		}
		recs = append(recs, r)
	}
	return recs
}

func figNames(figs []Figure) []string {
	var s []string
	for _, f := range figs {
		s = append(s, f.Name)
	}
	return s
}

func TestPlotsWhichFigures(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs func(t *testing.T, runDir string) []results.Record
		want []string
	}{
		{"alpha", func(*testing.T, string) []results.Record { return sweepRecords() }, []string{"alpha_synthetic_mf_d16"}},
		{"dim", func(*testing.T, string) []results.Record { return dimRecords() }, []string{"dim_synthetic_mf"}},
		{"hist+curves", histRun, []string{"hist_synthetic_mf_d6", "unlearn_synthetic_mf_d6", "train_synthetic_mf_d6"}},
		{"nothing to draw", func(*testing.T, string) []results.Record { return testRecordsNoT() }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runDir := t.TempDir()
			out := filepath.Join(runDir, "report")
			figs, err := Plots(out, tc.recs(t, runDir), runDir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := figNames(figs); !slices.Equal(got, tc.want) {
				t.Fatalf("figures %v, want %v", got, tc.want)
			}
			for _, f := range figs {
				if f.Caption == "" {
					t.Errorf("%s: empty caption", f.Name)
				}
				checkFiles(t, f)
			}
		})
	}
}

// testRecordsNoT reads testdata/records.jsonl (no sweeps, no artifacts, no
// curves) for table-driven cases without a *testing.T at hand.
func testRecordsNoT() []results.Record {
	recs, err := results.ReadJSONL(filepath.Join("testdata", "records.jsonl"))
	if err != nil {
		panic(err)
	}
	return recs
}

// checkFiles checks that each format of f is a well-formed file of its kind.
func checkFiles(t *testing.T, f Figure) {
	t.Helper()
	if len(f.Files) != 3 {
		t.Errorf("%s: files %v, want png, svg and pdf", f.Name, f.Files)
	}
	for format, path := range f.Files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		switch format {
		case "png":
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if w := img.Bounds().Dx(); w < 300 {
				t.Errorf("%s: %d px wide, want a readable figure", path, w)
			}
		case "svg":
			dec := xml.NewDecoder(bytes.NewReader(b))
			for {
				_, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Errorf("%s: not well-formed XML: %v", path, err)
					break
				}
			}
		case "pdf":
			if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[len(b)-64:], []byte("%%EOF")) {
				t.Errorf("%s: not a complete PDF", path)
			}
		}
	}
}

// TestPlotsDeterministic: the same records give byte-identical files in
// every format, and the PNG has the size asked for.
func TestPlotsDeterministic(t *testing.T) {
	runDir := t.TempDir()
	recs := append(sweepRecords(), histRun(t, runDir)...)
	a, err := Plots(filepath.Join(runDir, "a"), recs, runDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Plots(filepath.Join(runDir, "b"), recs, runDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) || len(a) < 4 {
		t.Fatalf("%d and %d figures", len(a), len(b))
	}
	for i := range a {
		for format, pa := range a[i].Files {
			ba, _ := os.ReadFile(pa)
			bb, _ := os.ReadFile(b[i].Files[format])
			if !bytes.Equal(ba, bb) {
				t.Errorf("%s.%s differs between two identical runs", a[i].Name, format)
			}
		}
	}
	// alpha figure: two panels (natural 7.6 in × 3.3 in) drawn two columns
	// wide, 7 in × 3.3·7/7.6 in, at 300 dpi.
	f, _ := os.Open(a[0].Files["png"])
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	if w, h := int(math.Round((7 * vg.Inch).Dots(300))), int(math.Round((3.3 * 7 / 7.6 * vg.Inch).Dots(300))); cfg.Width != w || cfg.Height != h {
		t.Errorf("alpha PNG %d × %d, want %d × %d", cfg.Width, cfg.Height, w, h)
	}
	// No temporary files are left behind.
	ents, _ := os.ReadDir(filepath.Join(runDir, "a"))
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestPlotsArtifactErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(dir string, recs []results.Record)
		want   string
	}{
		{"missing table", func(dir string, recs []results.Record) { recs[1].Artifacts["user_table"] = "exports/none.npy" }, "none.npy"},
		{"user out of range", func(dir string, recs []results.Record) {
			os.WriteFile(filepath.Join(dir, "exports", "labels.csv"), []byte("user,gender\n0,M\n60,F\n"), 0o644)
		}, "labels.csv:3: row index 60 is outside the table's rows [0, 60)"},
		{"duplicate user", func(dir string, recs []results.Record) {
			os.WriteFile(filepath.Join(dir, "exports", "labels.csv"), []byte("0,M\n1,F\n0,F\n"), 0o644)
		}, "labels.csv:3: row index 0 is labelled again (first on line 1)"},
		{"not a table", func(dir string, recs []results.Record) {
			os.WriteFile(filepath.Join(dir, "exports", "u2u.npy"), []byte("hello"), 0o644)
		}, "u2u.npy: not a NumPy .npy file"},
		{"1-D array", func(dir string, recs []results.Record) {
			f, _ := os.Create(filepath.Join(dir, "exports", "u2u.npy"))
			npyio.Write(f, []float64{1, 2, 3})
			f.Close()
		}, "labels.csv:5: row index 3 is outside the table's rows [0, 3)"}, // a 1-D array is one column
		{"int dtype", func(dir string, recs []results.Record) {
			os.WriteFile(filepath.Join(dir, "exports", "u2u.npy"), npyBytes(t, make([]int64, 360), 360, 60, 6), 0o644)
		}, `u2u.npy: dtype "<i8", want float32 ('<f4') or float64 ('<f8')`},
		{"not finite", func(dir string, recs []results.Record) {
			v := make([]float64, 360)
			v[7] = math.NaN()
			os.WriteFile(filepath.Join(dir, "exports", "u2u.npy"), npyBytes(t, v, 360, 60, 6), 0o644)
		}, "u2u.npy: row 1 col 1 is NaN, want a finite value"},
		{"truncated", func(dir string, recs []results.Record) {
			b := npyBytes(t, make([]float64, 360), 360, 60, 6)
			os.WriteFile(filepath.Join(dir, "exports", "u2u.npy"), b[:len(b)-80], 0o644)
		}, "u2u.npy"},
		{"histogram dim", nil, "histogram dimension 9, want 0 ≤ dim < 6"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			recs := histRun(t, dir)
			opt := Options{Formats: []string{"svg"}}
			if tc.break_ != nil {
				tc.break_(dir, recs)
			} else {
				opt.HistDims = []int{1, 9}
			}
			_, err := Plots(filepath.Join(dir, "report"), recs, dir, opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	// An unknown format is an error naming it.
	_, err := Plots(t.TempDir(), sweepRecords(), "", Options{Formats: []string{"gif"}})
	if err == nil || !strings.Contains(err.Error(), `"gif"`) {
		t.Errorf("format gif: error %v", err)
	}
}

// TestReadUserTable: float32 and float64, C and Fortran order, all read as
// the same row-major table.
func TestReadUserTable(t *testing.T) {
	dir := t.TempDir()
	at := func(i, j int) float64 { return float64(10*i + j) }
	writeNPY(t, filepath.Join(dir, "f4.npy"), 3, 2, at, true)
	writeNPY(t, filepath.Join(dir, "f8.npy"), 3, 2, at, false)
	// Fortran order: column-major data with fortran_order True.
	{
		var buf bytes.Buffer
		npyio.Write(&buf, []float64{0, 10, 20, 1, 11, 21})
		b := patchHeader(t, buf.Bytes(), "'fortran_order': False, 'shape': (6,), ", "'fortran_order': True, 'shape': (3, 2), ")
		os.WriteFile(filepath.Join(dir, "fortran.npy"), b, 0o644)
	}
	for _, name := range []string{"f4.npy", "f8.npy", "fortran.npy"} {
		tab, err := readUserTable(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if tab.rows != 3 || tab.cols != 2 {
			t.Fatalf("%s: %d × %d, want 3 × 2", name, tab.rows, tab.cols)
		}
		for i := range 3 {
			for j := range 2 {
				if tab.at(i, j) != at(i, j) {
					t.Errorf("%s[%d,%d] = %v, want %v", name, i, j, tab.at(i, j), at(i, j))
				}
			}
		}
	}
}

// TestHistogram: densities integrate to one, counts land in the right bins
// and the maximum falls into the last bin.
func TestHistogram(t *testing.T) {
	xs := []float64{0, 0.1, 0.25, 0.5, 0.74, 0.75, 1}
	h := histogram(xs, 0, 1, 4)
	// bins [0,.25) [.25,.5) [.5,.75) [.75,1]: counts 2, 1, 2, 2; w = 0.25.
	want := []float64{2 / (7 * 0.25), 1 / (7 * 0.25), 2 / (7 * 0.25), 2 / (7 * 0.25)}
	var area float64
	for b := range h {
		if math.Abs(h[b]-want[b]) > 1e-12 {
			t.Errorf("bin %d = %v, want %v", b, h[b], want[b])
		}
		area += h[b] * 0.25
	}
	if math.Abs(area-1) > 1e-12 {
		t.Errorf("area %v, want 1", area)
	}
}

// TestSeparation compares the dimension scores with a hand computation.
func TestSeparation(t *testing.T) {
	// Group 0 rows 0,1; group 1 rows 2,3. Dim 0: means 1 and 3, variances 1
	// and 1 → 2/1 = 2. Dim 1: means 0 and 0 → 0. Dim 2: constant groups 5, 6
	// → +Inf.
	tab := &userTable{rows: 4, cols: 3, data: []float64{
		0, 1, 5,
		2, -1, 5,
		2, 2, 6,
		4, -2, 6,
	}}
	s := separation(tab, [][]int{{0, 1}, {2, 3}})
	if s[0] != 2 || s[1] != 0 || !math.IsInf(s[2], 1) {
		t.Errorf("separation = %v, want [2 0 +Inf]", s)
	}
	if got := topDims(s, 2); !slices.Equal(got, []int{2, 0}) {
		t.Errorf("topDims = %v, want [2 0]", got)
	}
}

// TestHistDimsChosen: the histogram figure shows the planted dimensions
// (2 most separated, then 4) first.
func TestHistDimsChosen(t *testing.T) {
	dir := t.TempDir()
	figs, err := Plots(filepath.Join(dir, "report"), histRun(t, dir), dir, Options{Formats: []string{"svg"}, HistTop: 2})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(figs[0].Caption, "(2, 4;") {
		t.Errorf("caption %q, want dimensions 2, 4", figs[0].Caption)
	}
}

// TestHistOriginalFromArtifact: without an original record, the histogram
// takes the table before unlearning that an unlearned record names.
func TestHistOriginalFromArtifact(t *testing.T) {
	dir := t.TempDir()
	recs := histRun(t, dir)[1:] // U2U and D2D only
	for i := range recs {
		recs[i].Artifacts["user_table_original"] = "exports/orig.npy"
	}
	var figs []Figure
	var err error
	texts := drawnTexts(t, func() {
		figs, err = Plots(filepath.Join(dir, "report"), recs, dir, Options{Formats: []string{"svg"}, HistTop: 2})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) == 0 || !strings.HasPrefix(figs[0].Name, "hist_") {
		t.Fatalf("figures %v, want a histogram first", figNames(figs))
	}
	for _, s := range []string{"Original · dim 2", "U2U · dim 2", "D2D · dim 4"} {
		if !slices.Contains(texts, s) {
			t.Errorf("histogram lacks panel %q", s)
		}
	}
	if !strings.Contains(figs[0].Caption, "(2, 4; the 2 whose group means differ most, in pooled standard deviations, in the Original table)") {
		t.Errorf("caption %q", figs[0].Caption)
	}
}

// BenchmarkHistML1MSize draws the distribution figure for three ML-1M-sized
// user tables (6,040 × 64, float32) in PNG, SVG and PDF.
func BenchmarkHistML1MSize(b *testing.B) {
	dir := b.TempDir()
	os.MkdirAll(filepath.Join(dir, "exports"), 0o755)
	const n, d = 6040, 64
	var lab strings.Builder
	for u := range n {
		fmt.Fprintf(&lab, "%d,%s\n", u, []string{"M", "F"}[u%3/2])
	}
	os.WriteFile(filepath.Join(dir, "exports", "labels.csv"), []byte(lab.String()), 0o644)
	var recs []results.Record
	for k, m := range []string{"original", "U2U", "D2D"} {
		file := fmt.Sprintf("exports/%s.npy", m)
		writeNPY(b, filepath.Join(dir, file), n, d, func(i, j int) float64 { return math.Sin(float64(i*d+j+k)) / float64(k+1) }, true)
		r := synthRecord(m, 0, d, 1, 0.6, 0.3)
		r.Artifacts = map[string]string{"user_table": file, "labels": "exports/labels.csv"}
		recs = append(recs, r)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		figs, err := Plots(filepath.Join(dir, "report"), recs, dir, Options{})
		if err != nil || len(figs) != 1 {
			b.Fatal(figNames(figs), err)
		}
	}
}

// TestFigureLabels: α and log-axis labels as powers of ten, linear and
// integer ticks.
func TestFigureLabels(t *testing.T) {
	for a, want := range map[float64]string{1e-6: "10⁻⁶", 3e-4: "3·10⁻⁴", 1: "1", 0.1: "0.1", 1e3: "10³", 2.5e-5: "2.5·10⁻⁵"} {
		if got := alphaLabel(a); got != want {
			t.Errorf("alphaLabel(%g) = %q, want %q", a, got, want)
		}
	}
	var got []string
	for _, tk := range (powTicks{}).Ticks(0.003, 20) {
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if strings.Join(got, " ") != "10⁻² 10⁻¹ 10⁰ 10¹" {
		t.Errorf("log ticks %v", got)
	}
	got = nil
	for _, tk := range (powTicks{}).Ticks(0.005, 2e6) { // 10 decades: every second power
		if tk.Label != "" {
			got = append(got, tk.Label)
		}
	}
	if strings.Join(got, " ") != "10⁻² 10⁰ 10² 10⁴ 10⁶" {
		t.Errorf("log ticks over 10 decades %v", got)
	}
	// Linear ticks: one number of decimals, the fewest that print every
	// label exactly; U+2212 for minus. The positions are gonum's.
	for _, tc := range []struct {
		min, max float64
		want     string
	}{
		{0, 7.9, "0.0 2.5 5.0 7.5"},
		{-0.55, 1.55, "−0.5 0.5 1.5"},
		{0.45, 0.86, "0.45 0.65 0.85"},
		{0, 250, "0 100 200"},
		{-0.12, 0.17, "−0.1 0.0 0.1"},
	} {
		got = nil
		for _, tk := range (linTicks{}).Ticks(tc.min, tc.max) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("linear ticks on [%g, %g]: %q, want %s", tc.min, tc.max, got, tc.want)
		}
	}
	got = nil
	for _, tk := range (intTicks{n: 5}).Ticks(-0.15, 299) {
		got = append(got, tk.Label)
	}
	if strings.Join(got, " ") != "0 100 200" {
		t.Errorf("integer ticks %v, want 0 100 200", got)
	}
}

// TestBelowChanceHollow: a point flagged below chance is hollow, labelled
// with the tables' footnote symbol, and the caption says what hollow means.
func TestBelowChanceHollow(t *testing.T) {
	recs := sweepRecords()
	for i := range recs {
		if recs[i].Method == "D2D-R" && recs[i].Alpha == 1e-6 {
			recs[i].Flags = []string{"below-chance:mlp"}
		}
	}
	dir := t.TempDir()
	var figs []Figure
	var err error
	texts := drawnTexts(t, func() { figs, err = Plots(dir, recs, dir, Options{Formats: []string{"svg"}}) })
	if err != nil || len(figs) == 0 {
		t.Fatalf("Plots: %v, %v", figs, err)
	}
	if !strings.Contains(figs[0].Caption, "Hollow markers") {
		t.Errorf("caption lacks the hollow-marker note: %s", figs[0].Caption)
	}
	all := strings.Join(texts, "\n")
	if !strings.Contains(all, "α=10⁻⁶†") {
		t.Error("the below-chance point's label lacks the footnote symbol †")
	}
	// Exactly one hollow glyph group: the MLP panel's D2D-R point at 1e-6.
	if n := strings.Count(all, "α=10⁻⁶†"); n != 1 {
		t.Errorf("%d labels with †, want 1 (MLP panel only)", n)
	}
}

// drawnTexts runs f and returns every string the figures it draws contain
// (titles, ticks, legends, point labels), in drawing order.
func drawnTexts(t *testing.T, f func()) []string {
	t.Helper()
	var got []string
	textHook = func(s string) { got = append(got, s) }
	defer func() { textHook = nil }()
	f()
	return got
}

// TestPointLabelsNoOverlap: labels of coincident points of one series merge
// into one ("α=10⁻⁶…1" for a run of consecutive α, commas otherwise), and no
// placed label overlaps another label, a marker or the data area's edge —
// on a crowded one-column panel: seven U2U-R points on one spot (as NeuMF's
// at GBDT AUC 0.999 in the α sweep), three D2D-R points on the same spot,
// two of them coincident with each other but not consecutive, and a cloud
// of labelled points close by and at the corners.
func TestPointLabelsNoOverlap(t *testing.T) {
	p := newPlot("GBDT attacker", "attack AUC (GBDT)", "NDCG@10")
	alphas := []float64{1e-6, 1e-4, 3e-4, 1e-3, 1e-2, 1e-1, 1}
	u := &series{name: "U2U-R", style: 1}
	for _, a := range alphas {
		u.pts.add(0.999, 0.30, 0, 0)
		u.labels = append(u.labels, "α="+alphaLabel(a))
	}
	d := &series{name: "D2D-R", style: 2}
	for i, a := range alphas[:4] {
		x, y := 0.999, 0.30
		if i == 1 {
			x, y = 0.7, 0.25
		}
		d.pts.add(x, y, 0, 0)
		d.labels = append(d.labels, "α="+alphaLabel(a))
	}
	c := &series{name: "cloud", style: 3}
	for i := range 12 {
		c.pts.add(0.88+0.03*float64(i%4), 0.275+0.012*float64(i/4), 0, 0)
		c.labels = append(c.labels, fmt.Sprintf("p%d", i))
	}
	for _, xy := range [][2]float64{{0.5, 0.2}, {1, 0.2}, {0.5, 0.32}} {
		c.pts.add(xy[0], xy[1], 0, 0)
		c.labels = append(c.labels, "corner")
	}
	for _, s := range []*series{u, d, c} {
		if err := addSeries(p, s); err != nil {
			t.Fatal(err)
		}
	}
	lay := labelsOf(p)
	cv := vgimg.NewWith(vgimg.UseWH(ColumnWidth, 2.6*vg.Inch), vgimg.UseDPI(72))
	g := newGrid([][]*plot.Plot{{p}})
	g.paint(draw.New(cv))

	var texts []string
	for _, l := range lay.placed {
		texts = append(texts, l.text)
	}
	// Seven U2U-R labels → one; D2D-R's 10⁻⁶, 3·10⁻⁴, 10⁻³ are not
	// consecutive in their series (10⁻⁴ is elsewhere): commas.
	for _, want := range []string{"α=10⁻⁶…1", "α=10⁻⁶, 3·10⁻⁴, 10⁻³", "α=10⁻⁴"} {
		if !slices.Contains(texts, want) {
			t.Errorf("no label %q among %q", want, texts)
		}
	}
	if n := len(texts); n != 2+1+15 {
		t.Errorf("%d labels, want 18 (merged U2U-R, two D2D-R, 15 cloud): %q", n, texts)
	}
	// The data area as the figure lays it out, and every marker on it,
	// computed here from the plot's transforms (not the placer's lists).
	dc := p.DataCanvas(g.canvases(draw.New(cv))[0][0])
	tx, ty := p.Transforms(&dc)
	const r = 2.6 // the markers' radius in points (addSeries)
	var marks []vg.Rectangle
	for _, s := range []*series{u, d, c} {
		for i := range s.pts.x {
			x, y := tx(s.pts.x[i]), ty(s.pts.y[i])
			marks = append(marks, vg.Rectangle{Min: vg.Point{X: x - r, Y: y - r}, Max: vg.Point{X: x + r, Y: y + r}})
		}
	}
	for i, a := range lay.placed {
		if a.box.Min.X < dc.Min.X || a.box.Max.X > dc.Max.X || a.box.Min.Y < dc.Min.Y || a.box.Max.Y > dc.Max.Y {
			t.Errorf("label %q at %v crosses the data area %v", a.text, a.box, dc.Rectangle)
		}
		for _, b := range lay.placed[i+1:] {
			if overlapArea(a.box, b.box) > 0 {
				t.Errorf("labels %q %v and %q %v overlap", a.text, a.box, b.text, b.box)
			}
		}
		for _, m := range marks {
			if overlapArea(a.box, m) > 0 {
				t.Errorf("label %q %v covers a marker %v", a.text, a.box, m)
			}
		}
	}
}

// TestFigureGlyphs: every character the figures draw has a glyph in the
// figure font (a missing one would print as an empty box, as U+207B did in
// Liberation Serif, which drew 10⁻⁶ as 10⁶), and the PDF holds outlines,
// not text in a font (gonum's PDF back end encodes text in code page 1252
// and printed α as "Î±").
func TestFigureGlyphs(t *testing.T) {
	recs := append(sweepRecords(), dimRecords()...)
	for i := range recs {
		if recs[i].Method == "D2D-R" && recs[i].Alpha == 1e-6 {
			recs[i].Flags = []string{"below-chance:mlp"}
		}
	}
	dir := t.TempDir()
	var figs []Figure
	var err error
	texts := drawnTexts(t, func() { figs, err = Plots(dir, recs, dir, Options{Formats: []string{"pdf"}}) })
	if err != nil {
		t.Fatal(err)
	}
	for k := -12; k <= 12; k++ {
		texts = append(texts, pow10Label(k), alphaLabel(2.5*math.Pow(10, float64(k))))
	}
	texts = append(texts, "±−…·", strings.Join(markSymbols, ""))
	registerFont()
	face := font.DefaultCache.Lookup(figureFont, 10)
	var buf sfnt.Buffer
	seen := map[rune]bool{}
	for _, s := range texts {
		for _, r := range s {
			if seen[r] {
				continue
			}
			seen[r] = true
			if idx, err := face.Face.GlyphIndex(&buf, r); err != nil || idx == 0 {
				t.Errorf("the figure font has no glyph for %q (%U), drawn in %q", r, r, s)
			}
		}
	}
	for _, r := range "α⁻⁰⁶" {
		if !seen[r] {
			t.Errorf("no figure drew %q: the check above saw too little", r)
		}
	}
	for _, f := range figs {
		b, err := os.ReadFile(f.Files["pdf"])
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("/BaseFont")) {
			t.Errorf("%s: the PDF has a font or text operators; want glyph outlines only", f.Files["pdf"])
		}
	}
}

// TestQuantileSorted against values worked by hand from the type-7
// definition on [1, 2, 4, 8, 16] (h = 4q): q = 0.005 → 1 + 0.02·1 = 1.02,
// 0.6 → 4 + 0.4·4 = 5.6, 0.995 → 8 + 0.98·8 = 15.84; the ends exactly.
func TestQuantileSorted(t *testing.T) {
	xs := []float64{1, 2, 4, 8, 16}
	for _, tc := range [][2]float64{{0, 1}, {0.005, 1.02}, {0.25, 2}, {0.6, 5.6}, {0.995, 15.84}, {1, 16}} {
		if got := quantileSorted(xs, tc[0]); math.Abs(got-tc[1]) > 1e-12 {
			t.Errorf("quantile %g = %g, want %g", tc[0], got, tc[1])
		}
	}
	if !math.IsNaN(quantileSorted(nil, 0.5)) {
		t.Error("quantile of no values is not NaN")
	}
}

// TestDimCaptionHollow: a dimension sweep with a below-chance point says
// what its hollow markers mean; without one it does not.
func TestDimCaptionHollow(t *testing.T) {
	for _, below := range []bool{false, true} {
		recs := dimRecords()
		if below {
			recs[2].Flags = []string{"below-chance:gbdt"}
		}
		figs, err := Plots(t.TempDir(), recs, "", Options{Formats: []string{"svg"}})
		if err != nil || len(figs) == 0 || !strings.HasPrefix(figs[0].Name, "dim_") {
			t.Fatalf("figures %v, %v", figNames(figs), err)
		}
		if got := strings.Contains(figs[0].Caption, "Hollow markers"); got != below {
			t.Errorf("below chance %v: caption %q", below, figs[0].Caption)
		}
	}
}
