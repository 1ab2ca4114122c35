package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/potau/potau/experiments"
	"github.com/potau/potau/internal/progress"
	"github.com/potau/potau/reports"
	"github.com/potau/potau/results"
)

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runOrCollect(ctx, "run", args, stdout, stderr)
}

func cmdCollect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return runOrCollect(ctx, "collect", args, stdout, stderr)
}

// runOrCollect is `potau run` and `potau collect`: the same pipeline, but
// collect reads every stage from the cache and computes nothing.
func runOrCollect(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	collect := name == "collect"
	usage := "run CONFIG [--out DIR] [--cache DIR] [--jobs N] [--shard I/N|slurm] [--set path=value ...] [--dry-run] [-q]"
	if collect {
		usage = "collect CONFIG [--out DIR] [--cache DIR] [--shards N] [--set path=value ...] [-q]"
	}
	fs := newFlags(name, usage, stdout, stderr)
	out := fs.String("out", "", "run folder for results.jsonl, results.csv, exports/ and report/ (default runs/<config name>)")
	cache := fs.String("cache", "", "stage cache folder (default: .cache beside the run folder, shared by runs there)")
	quiet := fs.Bool("q", false, "quiet: no progress output")
	noReport := fs.Bool("no-report", false, "do not write the report (tables, figures, HTML)")
	var sets stringList
	fs.Var(&sets, "set", "override a config key: `path=value` (value in YAML syntax); repeatable")
	jobs, dry, shardFlag, shards := new(int), new(bool), new(string), new(int)
	*jobs = 1
	if collect {
		fs.IntVar(shards, "shards", 0, "the number of shards the cells were computed in: a missing cell is reported with its shard")
	} else {
		fs.IntVar(jobs, "jobs", 1, "independent stages run at once; results are identical for any value")
		fs.BoolVar(dry, "dry-run", false, "print the expanded grid, each cell's stages and which are cached; compute nothing")
		fs.StringVar(shardFlag, "shard", "", "compute only shard `I/N` of the cells (cell i belongs to shard i mod N) into the cache, or `slurm`: "+
			"the shard of this Slurm array task; records are then written by potau collect")
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("%s: expected one CONFIG file, got %d arguments", name, len(pos))
	}
	if *jobs < 1 {
		return usagef("run: --jobs must be >= 1, got %d", *jobs)
	}
	if *shards < 0 {
		return usagef("collect: --shards must be >= 0, got %d", *shards)
	}
	shard, err := experiments.ParseShard(*shardFlag, os.Getenv)
	if err != nil {
		return usageError{err}
	}
	if collect {
		shard = experiments.Shard{Count: *shards}
	}
	spec, err := experiments.LoadSpec(pos[0], sets)
	if err != nil {
		return err
	}
	// Report columns are checked before hours of computing, not after.
	if base, err := spec.Base(); err == nil {
		if err := reports.CheckColumns(base.Report.Columns); err != nil {
			return usagef("%s: report.columns: %v", pos[0], err)
		}
	}
	if *out == "" {
		*out = filepath.Join("runs", strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0])))
	}
	if *cache == "" {
		*cache = filepath.Join(filepath.Dir(filepath.Clean(*out)), ".cache")
	}
	rep := progress.New(stderr, *quiet)
	start := time.Now()
	recs, err := experiments.Run(ctx, spec, experiments.RunOptions{
		Out: *out, CacheDir: *cache, Jobs: *jobs, DryRun: *dry, Progress: rep, Stdout: stdout,
		Shard: shard, Collect: collect,
	})
	if err != nil || *dry {
		return err
	}
	if shard.Count > 0 && !collect {
		rep.Logf("shard %s finished in %.1fs; `potau collect` writes the records", shard, time.Since(start).Seconds())
		return nil
	}
	base, err := spec.Base()
	if err != nil {
		return err
	}
	opt := reportOptions(base.Report)
	if err := reports.BuildTable(recs, opt).Markdown(stdout); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nresults: %s\n", filepath.Join(*out, "results.jsonl"))
	if !*noReport {
		if _, runs, err := reports.ReadRuns([]string{*out}); err == nil {
			opt.Runs = runs // the runs section of report.html
		}
		html, err := reports.WriteContext(ctx, *out, recs, opt)
		if err != nil {
			return reportError(err, filepath.Join(*out, "report"), *out)
		}
		fmt.Fprintf(stdout, "report:  %s\n", html)
	}
	rep.Logf("%s finished in %.1fs", name, time.Since(start).Seconds())
	return nil
}

func cmdReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "report RUN_DIR... [--out DIR] [--columns a,b,...] [--formats png,svg,pdf] [--table md|tex|csv]", stdout, stderr)
	out := fs.String("out", "", "report folder (default RUN_DIR/report for one run; required for several)")
	cols := fs.String("columns", "", "table columns, comma-separated (default: the first run's report.columns); see the list below")
	formats := fs.String("formats", "png,svg,pdf", "figure formats, comma-separated")
	table := fs.String("table", "md", "table printed on stdout: md, tex or csv")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: potau report RUN_DIR... [--out DIR] [flags]\n\n")
		fmt.Fprintf(w, "Writes tables (md, tex, csv), figures and report.html for one run folder, or one\nreport merging the records of several run folders.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nColumns (--columns, report.columns):\n%s", reports.ColumnHelp())
	}
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usagef("report: expected at least one RUN_DIR")
	}
	if len(pos) > 1 && *out == "" {
		return usagef("report: %d run folders need --out DIR for the merged report", len(pos))
	}
	if *out == "" {
		*out = filepath.Join(pos[0], "report")
	}
	recs, runs, err := reports.ReadRuns(pos)
	if err != nil {
		return err
	}
	var opt reports.Options
	if len(recs) > 0 {
		opt, err = recordReportOptions(&recs[0])
		if err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(pos[0], "results.jsonl"), err)
		}
	}
	opt.Runs = runs
	opt.Formats = splitList(*formats)
	if *cols != "" {
		opt.Columns = splitList(*cols)
		if err := reports.CheckColumns(opt.Columns); err != nil {
			return usagef("report: --columns: %v", err)
		}
	}
	for _, f := range opt.Formats {
		if f != "png" && f != "svg" && f != "pdf" {
			return usagef("report: --formats: expected png, svg or pdf, got %q", f)
		}
	}
	t := reports.BuildTable(recs, opt)
	switch *table {
	case "md":
		err = t.Markdown(stdout)
	case "tex":
		err = t.LaTeX(stdout)
	case "csv":
		err = t.CSV(stdout)
	default:
		return usagef("report: --table: expected md, tex or csv, got %q", *table)
	}
	if err != nil {
		return err
	}
	html, err := reports.WriteDir(ctx, *out, recs, opt)
	if err != nil {
		args := strings.Join(pos, " ")
		if len(pos) > 1 {
			args += " --out " + *out
		}
		return reportError(err, *out, args)
	}
	fmt.Fprintf(stdout, "\nreport: %s\n", html)
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// reportOptions maps a config's report block onto the reports' options.
func reportOptions(rc experiments.ReportConfig) reports.Options {
	return reports.Options{
		Columns: rc.Columns, Formats: rc.Formats, Digits: rc.Digits,
		MaxHRDrop: rc.MaxHRDrop, LaTeXWidth: rc.LaTeX.Width,
	}
}

// recordReportOptions reads the report block of the resolved config a
// record carries (keys absent from older records keep their defaults).
func recordReportOptions(r *results.Record) (reports.Options, error) {
	rc := experiments.DefaultConfig(experiments.DefaultModelKind).Report
	if m, ok := r.Config["report"]; ok {
		b, err := json.Marshal(m)
		if err != nil {
			return reports.Options{}, err
		}
		if err := json.Unmarshal(b, &rc); err != nil {
			return reports.Options{}, fmt.Errorf("record %q: config key report: %v", r.Cell, err)
		}
	}
	return reportOptions(rc), nil
}

// reportError names an interrupted report: the files it wrote are complete,
// `potau report` writes the rest.
func reportError(err error, reportDir, runDirs string) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted while writing the report in %s (the files written are complete; `potau report %s` writes them all): %w",
			reportDir, runDirs, err)
	}
	return fmt.Errorf("report: %w", err)
}
