// Command potau runs post-training attribute unlearning experiments: it
// loads and splits data, trains recommenders, unlearns a user attribute,
// attacks the embeddings and reports. `potau help` lists the subcommands.
//
// main only wires the process to run(ctx, args, stdout, stderr), which the
// tests call directly.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/potau/potau/experiments"
	"github.com/potau/potau/internal/cfgerr"
)

// usageError marks a command-line mistake (exit code 2).
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

func main() {
	ctx, stop := interruptible()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// interruptible returns a context cancelled by the first SIGINT or SIGTERM
// (Ctrl-C, kill, scancel): every stage checks it and stops within a second,
// leaving only complete files, and the run ends with exit code 130. A
// second signal exits at once (130); atomic writes still leave no partial
// file, at worst a temporary one that the next run removes.
func interruptible() (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			fmt.Fprintf(os.Stderr, "\npotau: %v received: stopping (again to exit at once)\n", sig)
			cancel()
		case <-done:
			return
		}
		select {
		case <-sigs:
			fmt.Fprintln(os.Stderr, "potau: second signal: exiting now")
			os.Exit(exitInterrupted)
		case <-done:
		}
	}()
	return ctx, func() { signal.Stop(sigs); close(done); cancel() }
}

// exitInterrupted is the exit code of a run stopped by a signal (128+SIGINT,
// as shells report Ctrl-C).
const exitInterrupted = 130

// exitCode prints err and maps it to potau's exit codes: 0 success,
// 1 runtime failure, 2 usage or config error, 130 interrupted.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, errHelpShown) {
		return 0
	}
	fmt.Fprintf(stderr, "potau: %v\n", err)
	if errors.Is(err, context.Canceled) {
		return exitInterrupted
	}
	var ue usageError
	var ce *experiments.ConfigError
	var fe *cfgerr.FieldError
	if errors.As(err, &ue) || errors.As(err, &ce) || errors.As(err, &fe) {
		return 2
	}
	return 1
}

var errHelpShown = errors.New("help shown")

type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"run", "CONFIG [flags]", "run an experiment config: data → train → unlearn → evaluate + attack → results and report", cmdRun},
		{"collect", "CONFIG [--out DIR] [--cache DIR] [--shards N]", "write results and report of a sharded run from the cache, computing nothing", cmdCollect},
		{"slurm", "CONFIG [--tasks N] [--partition P] [--time T] [--submit]", "write (and submit) a Slurm job array of shards plus a collect job", cmdSlurm},
		{"config", "check CONFIG [--set k=v ...] | defaults", "validate a config and print it resolved with its hash, or print every default", cmdConfig},
		{"data", "fetch NAME | verify NAME | stats NAME|CONFIG", "download, verify or describe a data set", cmdData},
		{"attack", "--embeddings FILE.npy --labels FILE.csv [flags]", "run the attribute-inference protocol on any embedding table", cmdAttack},
		{"report", "RUN_DIR [flags]", "write tables, figures and the HTML report of a finished run", cmdReport},
		{"version", "", "print potau's version", cmdVersion},
		{"help", "[COMMAND]", "describe a command", nil},
	}
}

// run is potau's whole command line.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printHelp(stderr)
		return usagef("no command given")
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "--help" || name == "-help" {
		if len(args) > 1 {
			for _, c := range commands() {
				if c.name == args[1] && c.run != nil {
					return c.run(ctx, []string{"-h"}, stdout, stdout)
				}
			}
			return usagef("unknown command %q", args[1])
		}
		printHelp(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == name && c.run != nil {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	printHelp(stderr)
	return usagef("unknown command %q", name)
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "potau — post-training attribute unlearning for recommender systems")
	fmt.Fprintln(w, "\nUsage: potau COMMAND [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %-45s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintln(w, "\n`potau COMMAND -h` describes a command's flags. Exit codes: 0 success, 1 runtime failure, 2 usage or config error.")
}

func cmdVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" {
			fmt.Fprintln(stdout, "Usage: potau version\n\nPrints potau's version and the Go version it was built with.")
			return nil
		}
		return usagef("version takes no arguments")
	}
	fmt.Fprintf(stdout, "potau %s (%s)\n", experiments.Version, goVersion())
	return nil
}
