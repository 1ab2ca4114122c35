package reports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/potau/potau/results"
)

// allRecords mixes every kind of input: the paper table, an α sweep, a dim
// sweep and a run with exported tables and curves under runDir.
func allRecords(t *testing.T, runDir string) []results.Record {
	recs := testRecords(t)
	recs = append(recs, sweepRecords()...)
	for _, r := range dimRecords() {
		r.Dataset = "synthetic-dims"
		recs = append(recs, r)
	}
	return append(recs, histRun(t, runDir)...)
}

// reportDir is where TestWrite renders; set POTAU_REPORTS_KEEP to a folder
// to keep the report for a look in a browser.
func reportDir(t *testing.T) string {
	if d := os.Getenv("POTAU_REPORTS_KEEP"); d != "" {
		return d
	}
	return t.TempDir()
}

var (
	reTable      = regexp.MustCompile(`<table[ >]`)
	reSVG        = regexp.MustCompile(`<svg[ >]`)
	reFigcaption = regexp.MustCompile(`<figcaption>Figure (\d+)\. `)
)

// checkReportHTML checks that an HTML text (the file, or the DOM a browser
// made of it) shows both tables and every figure with its caption.
func checkReportHTML(t *testing.T, what, doc string, figs []Figure) {
	t.Helper()
	if n := len(reTable.FindAllString(doc, -1)); n != 3 {
		t.Errorf("%s: %d <table> elements, want 3 (results, cost, significance)", what, n)
	}
	if n := len(reSVG.FindAllString(doc, -1)); n != len(figs) {
		t.Errorf("%s: %d <svg> elements, want %d (one per figure)", what, n, len(figs))
	}
	caps := reFigcaption.FindAllStringSubmatch(doc, -1)
	if len(caps) != len(figs) {
		t.Errorf("%s: %d figure captions, want %d", what, len(caps), len(figs))
	}
	for i, f := range figs {
		if !strings.Contains(doc, fmt.Sprintf(`<figure id="%s">`, f.Name)) {
			t.Errorf("%s: no figure %s", what, f.Name)
		}
		if i < len(caps) && caps[i][1] != fmt.Sprint(i+1) {
			t.Errorf("%s: caption %d numbered %s", what, i+1, caps[i][1])
		}
	}
	for _, s := range []string{"ml-100k", "D2D-R", "<caption>", "α trade-off", "Distribution of user embedding values"} {
		if !strings.Contains(doc, s) {
			t.Errorf("%s: lacks %q", what, s)
		}
	}
}

func TestWrite(t *testing.T) {
	runDir := reportDir(t)
	recs := allRecords(t, runDir)
	path, err := Write(runDir, recs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(runDir, "report")
	if path != filepath.Join(dir, "report.html") {
		t.Errorf("html path %s", path)
	}
	// The figures Write drew are the ones Plots draws.
	figs, err := Plots(t.TempDir(), recs, runDir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"table.md", "table.tex", "table.csv", "cost.md", "cost.tex", "cost.csv", "significance.md", "significance.tex", "significance.csv", "preamble.tex", "report.html"}
	for _, f := range figs {
		for _, ext := range DefaultFormats {
			want = append(want, f.Name+"."+ext)
		}
	}
	for _, name := range want {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != len(want) {
		var got []string
		for _, e := range ents {
			got = append(got, e.Name())
		}
		t.Errorf("report folder holds %v, want exactly %v", got, want)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	if len(figs) != 6 {
		t.Errorf("figures %v, want alpha, dim, hist, unlearn, train for the mixed records", figNames(figs))
	}
	checkReportHTML(t, "report.html", doc, figs)
	// Self-contained: nothing is fetched (xmlns values are names, not loads).
	for _, re := range []string{`(?i)\ssrc="(https?:|//)`, `(?i)\shref="(https?:|//)`, `(?i)url\(`, `(?i)<link`, `(?i)<script`, `(?i)@import`, `<\?xml`} {
		if m := regexp.MustCompile(re).FindString(doc); m != "" {
			t.Errorf("report.html refers outside itself: %q", m)
		}
	}
	// The Markdown table on disk is the one BuildTable renders.
	var md bytes.Buffer
	BuildTable(recs, Options{}).Markdown(&md)
	if got, _ := os.ReadFile(filepath.Join(dir, "table.md")); !bytes.Equal(got, md.Bytes()) {
		t.Error("table.md differs from BuildTable(...).Markdown")
	}
}

// TestHTMLChromium opens the report in headless Chromium (one launch) and
// checks the DOM it built: two tables, one inline SVG and one caption per
// figure. It skips when Chromium is not installed (make test installs it).
func TestHTMLChromium(t *testing.T) {
	bin, err := exec.LookPath("chromium")
	if err != nil {
		if _, e := os.Stat("/usr/bin/chromium"); e != nil {
			t.Skip("chromium not installed (apt-get install -y chromium; `make test` tries): skipping the browser check of report.html")
		}
		bin = "/usr/bin/chromium"
	}
	runDir := t.TempDir()
	recs := allRecords(t, runDir)
	path, err := Write(runDir, recs, Options{Formats: []string{"svg"}})
	if err != nil {
		t.Fatal(err)
	}
	figs, err := Plots(t.TempDir(), recs, runDir, Options{Formats: []string{"svg"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--dump-dom", "file://"+path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	t.Logf("chromium --dump-dom took %v", time.Since(start).Round(time.Millisecond))
	dom := stdout.String()
	if !strings.Contains(dom, "</html>") {
		t.Fatalf("chromium dumped no document:\n%.500s\nstderr:\n%s", dom, stderr.String())
	}
	checkReportHTML(t, "chromium DOM", dom, figs)
}
