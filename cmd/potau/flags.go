package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"
)

func goVersion() string { return runtime.Version() }

// stringList is a repeatable string flag (--set a=b --set c=d).
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// flagSet is a FlagSet that knows where help goes: -h prints the usage to
// stdout (it was asked for), a flag error prints it to stderr.
type flagSet struct {
	*flag.FlagSet
	stdout, stderr io.Writer
}

// newFlags returns a FlagSet that reports errors instead of exiting.
func newFlags(name, usage string, stdout, stderr io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: potau %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return &flagSet{fs, stdout, stderr}
}

// parse parses args, allowing flags after positional arguments, and maps
// -h and parse errors to potau's conventions.
func parse(fs *flagSet, args []string) ([]string, error) {
	var pos []string
	for {
		fs.SetOutput(fs.stderr)
		if wantsHelp(args) {
			fs.SetOutput(fs.stdout)
		}
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errHelpShown
			}
			return nil, usageError{err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// wantsHelp reports whether the flag parser will meet -h or --help among
// args before any other flag error: the first flag-like argument that is
// a help flag, looking past positional arguments as parse does.
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		switch a {
		case "-h", "-help", "--h", "--help":
			return true
		}
	}
	return false
}
