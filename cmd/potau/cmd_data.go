package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/experiments"
)

func cmdData(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "data fetch NAME | data verify NAME [--path DIR] | data stats NAME|CONFIG [--seed N] [--write-split DIR]"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stdout, "Usage: potau %s\n\n  fetch   download a GroupLens data set (ml-100k, ml-1m), check its checksums, install it in the user cache\n  verify  check a local copy against the published checksums\n  stats   load, filter and split a data set (a name, or the data block of a CONFIG) and print statistics\n\nData is looked for in: the config's data.path; $POTAU_DATA/NAME; the user cache folder (where fetch puts it).\n", usage)
		if len(args) == 0 {
			return usagef("data: expected fetch, verify or stats")
		}
		return nil
	}
	switch args[0] {
	case "fetch":
		fs := newFlags("data fetch", "data fetch NAME", stdout, stderr)
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("data fetch: expected one data set name (ml-100k or ml-1m)")
		}
		dir, err := datasets.Fetch(ctx, pos[0], stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s installed in %s\n", pos[0], dir)
		return nil
	case "verify":
		fs := newFlags("data verify", "data verify NAME [--path DIR]", stdout, stderr)
		path := fs.String("path", "", "folder of the local copy (default: located like `data stats`)")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("data verify: expected one data set name")
		}
		dir, err := datasets.LocateCopy(pos[0], *path)
		if err != nil {
			return err
		}
		files, err := datasets.Verify(dir, pos[0])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s in %s: checksums match: %s\n", pos[0], dir, strings.Join(files, ", "))
		return nil
	case "stats":
		fs := newFlags("data stats", "data stats NAME|CONFIG [--seed N] [--set path=value ...] [--write-split DIR]", stdout, stderr)
		seed := fs.Uint64("seed", 0, "root seed (default: the config's seed, or 1)")
		var sets stringList
		fs.Var(&sets, "set", "override a config key (with a CONFIG): `path=value`; repeatable")
		writeSplit := fs.String("write-split", "", "also write the split's files to `DIR`")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("data stats: expected a data set name or a config file")
		}
		var dc datasets.Config
		s := uint64(1)
		if strings.HasSuffix(pos[0], ".yaml") || strings.HasSuffix(pos[0], ".yml") {
			cfg, err := experiments.LoadConfig(pos[0], sets)
			if err != nil {
				return err
			}
			dc, s = cfg.Data, cfg.Seed
		} else {
			dc = datasets.DefaultConfig()
			dc.Name = pos[0]
			if err := dc.Validate(); err != nil {
				return usagef("data stats: %v", err)
			}
		}
		if *seed != 0 {
			s = *seed
		}
		raw, err := datasets.Load(ctx, dc)
		if err != nil {
			return err
		}
		datasets.FormatStats(stdout, dc.Name+" (raw)", datasets.ComputeStats(raw))
		_, sp, err := datasets.Prepare(ctx, dc, s)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout)
		datasets.FormatStats(stdout, fmt.Sprintf("%s (split: %s, eval %s, seed %d)", dc.Name, sp.Protocol.Split, sp.Protocol.Eval, s), datasets.SplitStats(sp))
		if *writeSplit != "" {
			if err := sp.WriteFiles(*writeSplit); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "\nsplit written to %s\n", *writeSplit)
		}
		return nil
	}
	return usagef("data: unknown subcommand %q (expected fetch, verify or stats)", args[0])
}
