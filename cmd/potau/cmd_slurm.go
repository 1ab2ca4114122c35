package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/potau/potau/experiments"
	"github.com/potau/potau/internal/atomicfile"
)

// cmdSlurm writes (and with --submit submits) a Slurm job array whose tasks
// each compute one shard of a config's cells into a shared cache, plus a
// collect job that runs once every task has succeeded.
func cmdSlurm(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("slurm", "slurm CONFIG [--tasks N] [--partition P] [--time T] [--cpus C] [--mem M] [--cache DIR] [--out DIR] [--set path=value ...] [--submit]", stdout, stderr)
	tasks := fs.Int("tasks", 4, "array tasks (shards); at most the number of cells")
	partition := fs.String("partition", "", "Slurm partition (default: the cluster's default)")
	timeLimit := fs.String("time", "04:00:00", "time limit of each task, in Slurm's format ([D-]HH:MM:SS or minutes)")
	cpus := fs.Int("cpus", 1, "CPUs per task (also GOMAXPROCS of each task)")
	mem := fs.String("mem", "", "memory per task, e.g. 4G (default: the cluster's default)")
	cache := fs.String("cache", "", "stage cache shared by every task: a folder on a file system all nodes see, with working locks (default: .cache beside the run folder)")
	out := fs.String("out", "", "run folder (default runs/<config name>); the scripts go to OUT/slurm, task logs to OUT/slurm/logs")
	bin := fs.String("potau", "", "potau binary the jobs run (default: this one)")
	submit := fs.Bool("submit", false, "submit the array and the collect job with sbatch and print their job ids")
	var sets stringList
	fs.Var(&sets, "set", "override a config key: `path=value`; passed on to every job; repeatable")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("slurm: expected one CONFIG file, got %d arguments", len(pos))
	}
	if *tasks < 1 {
		return usagef("slurm: --tasks must be >= 1, got %d", *tasks)
	}
	if *cpus < 1 {
		return usagef("slurm: --cpus must be >= 1, got %d", *cpus)
	}
	if !regexp.MustCompile(`^([0-9]+-)?[0-9]+(:[0-9]+){0,2}$`).MatchString(*timeLimit) {
		return usagef("slurm: --time: expected [D-]HH:MM:SS, MM:SS or minutes, got %q", *timeLimit)
	}
	if *mem != "" && !regexp.MustCompile(`^[0-9]+[KMGT]?$`).MatchString(*mem) {
		return usagef("slurm: --mem: expected a size such as 4000 or 4G, got %q", *mem)
	}
	if *partition != "" && !regexp.MustCompile(`^[A-Za-z0-9_.,-]+$`).MatchString(*partition) {
		return usagef("slurm: --partition: expected a partition name, got %q", *partition)
	}
	spec, err := experiments.LoadSpec(pos[0], sets)
	if err != nil {
		return err
	}
	cells, err := spec.Cells()
	if err != nil {
		return err
	}
	if *tasks > len(cells) {
		fmt.Fprintf(stderr, "slurm: %d task(s) asked for %d cell(s): using %d\n", *tasks, len(cells), len(cells))
		*tasks = len(cells)
	}
	base, err := spec.Base()
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("runs", strings.TrimSuffix(filepath.Base(pos[0]), filepath.Ext(pos[0])))
	}
	if *cache == "" {
		*cache = filepath.Join(filepath.Dir(filepath.Clean(*out)), ".cache")
	}
	if *bin == "" {
		if *bin, err = os.Executable(); err != nil {
			return fmt.Errorf("slurm: cannot find this program's path (%v): pass --potau", err)
		}
	}
	abs := func(p string) (string, error) {
		a, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("slurm: %s: %w", p, err)
		}
		return a, nil
	}
	var cfg, outAbs, cacheAbs, binAbs, cwd string
	for _, x := range []struct {
		dst *string
		src string
	}{{&cfg, pos[0]}, {&outAbs, *out}, {&cacheAbs, *cache}, {&binAbs, *bin}, {&cwd, "."}} {
		if *x.dst, err = abs(x.src); err != nil {
			return err
		}
	}
	if err := experiments.CheckWritable(cacheAbs); err != nil {
		return err
	}
	dir := filepath.Join(outAbs, "slurm")
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		return fmt.Errorf("slurm: %w", err)
	}
	name := "potau-" + regexp.MustCompile(`[^A-Za-z0-9_.-]+`).ReplaceAllString(base.Name, "_")
	var setArgs string
	for _, s := range sets {
		setArgs += " --set " + shellQuote(s)
	}
	header := func(b *bytes.Buffer, job, output string) {
		fmt.Fprintf(b, "#SBATCH --job-name=%s\n", job)
		fmt.Fprintf(b, "#SBATCH --chdir=%s\n", cwd)
		fmt.Fprintf(b, "#SBATCH --output=%s\n", filepath.Join(dir, "logs", output))
		fmt.Fprintf(b, "#SBATCH --time=%s\n", *timeLimit)
		if *partition != "" {
			fmt.Fprintf(b, "#SBATCH --partition=%s\n", *partition)
		}
		if *mem != "" {
			fmt.Fprintf(b, "#SBATCH --mem=%s\n", *mem)
		}
	}
	arrayPath, collectPath := filepath.Join(dir, "array.sbatch"), filepath.Join(dir, "collect.sbatch")
	var a bytes.Buffer
	fmt.Fprintf(&a, "#!/bin/bash\n# potau: %d cell(s) of %s as a job array of %d shard(s) over one shared cache.\n", len(cells), cfg, *tasks)
	fmt.Fprintf(&a, "# Task i computes the cells whose grid index is i mod %d; a stage shared by several\n# shards is computed by whichever claims it first, the others wait for it.\n", *tasks)
	fmt.Fprintf(&a, "# Submit with its collect job (or run `potau slurm ... --submit`):\n#   array=$(sbatch --parsable %s) && sbatch --dependency=afterok:${array%%%%;*} %s\n", arrayPath, collectPath)
	fmt.Fprintf(&a, "# Resubmit the whole array after a failed or cancelled task: cached cells cost nothing.\n")
	header(&a, name, "%x-%A_%a.log")
	fmt.Fprintf(&a, "#SBATCH --array=0-%d\n#SBATCH --cpus-per-task=%d\n", *tasks-1, *cpus)
	fmt.Fprintf(&a, "set -eu\nexport GOMAXPROCS=\"${SLURM_CPUS_PER_TASK:-%d}\"\n", *cpus)
	fmt.Fprintf(&a, "exec %s run %s --shard slurm --cache %s --out %s%s\n", shellQuote(binAbs), shellQuote(cfg), shellQuote(cacheAbs), shellQuote(outAbs), setArgs)

	var c bytes.Buffer
	fmt.Fprintf(&c, "#!/bin/bash\n# potau: collect the records of %s from the shared cache once every array task\n# has succeeded (submitted with --dependency=afterok:<array job>). Computes nothing.\n", cfg)
	header(&c, name+"-collect", "%x-%j.log")
	fmt.Fprintf(&c, "#SBATCH --cpus-per-task=1\n")
	fmt.Fprintf(&c, "set -eu\nexport GOMAXPROCS=1\n")
	fmt.Fprintf(&c, "exec %s collect %s --cache %s --out %s --shards %d%s\n", shellQuote(binAbs), shellQuote(cfg), shellQuote(cacheAbs), shellQuote(outAbs), *tasks, setArgs)

	if err := atomicfile.WriteFile(arrayPath, a.Bytes()); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(collectPath, c.Bytes()); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "==> %s\n%s\n==> %s\n%s\n", arrayPath, a.String(), collectPath, c.String())
	if !*submit {
		fmt.Fprintf(stdout, "submit with:\n  array=$(sbatch --parsable %s) && sbatch --dependency=afterok:${array%%%%;*} %s\n", arrayPath, collectPath)
		return nil
	}
	sbatch, err := exec.LookPath("sbatch")
	if err != nil {
		return fmt.Errorf("slurm: --submit: no sbatch on PATH (%v); submit the scripts above on a Slurm login node", err)
	}
	arrayID, err := runSbatch(ctx, sbatch, arrayPath)
	if err != nil {
		return err
	}
	collectID, err := runSbatch(ctx, sbatch, "--dependency=afterok:"+arrayID, collectPath)
	if err != nil {
		return fmt.Errorf("%w (the array job %s was submitted)", err, arrayID)
	}
	fmt.Fprintf(stdout, "array job %s (%d tasks)\ncollect job %s (after every task of %s succeeds)\n", arrayID, *tasks, collectID, arrayID)
	return nil
}

// runSbatch submits with --parsable and returns the job id ("id" or
// "id;cluster" on stdout).
func runSbatch(ctx context.Context, sbatch string, args ...string) (string, error) {
	var o, e bytes.Buffer
	cmd := exec.CommandContext(ctx, sbatch, append([]string{"--parsable"}, args...)...)
	cmd.Stdout, cmd.Stderr = &o, &e
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(e.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && msg != "" {
			return "", fmt.Errorf("slurm: sbatch %s: %s", strings.Join(args, " "), msg)
		}
		return "", fmt.Errorf("slurm: sbatch %s: %v %s", strings.Join(args, " "), err, msg)
	}
	id, _, _ := strings.Cut(strings.TrimSpace(o.String()), ";")
	if !regexp.MustCompile(`^[0-9]+$`).MatchString(id) {
		return "", fmt.Errorf("slurm: sbatch %s: expected a job id, got %q", strings.Join(args, " "), o.String())
	}
	return id, nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && regexp.MustCompile(`^[A-Za-z0-9_./:=@%+,-]+$`).MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
