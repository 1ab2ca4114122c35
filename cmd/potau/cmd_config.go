package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/experiments"
)

func cmdConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "config check CONFIG [--set path=value ...] | config defaults [--kind mf|neumf|lightgcn]"
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintf(stdout, "Usage: potau %s\n\n  check     validate CONFIG strictly (unknown keys, wrong types and out-of-range values are errors\n            naming file:line and key), print the fully resolved config with every default and its hash;\n            for a config with a sweep, print every cell's hash too\n  defaults  print every key with its default value\n", usage)
		if len(args) == 0 {
			return usagef("config: expected check or defaults")
		}
		return nil
	}
	switch args[0] {
	case "check":
		fs := newFlags("config check", "config check CONFIG [--set path=value ...]", stdout, stderr)
		var sets stringList
		fs.Var(&sets, "set", "override a config key: `path=value` (value in YAML syntax); repeatable")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 1 {
			return usagef("config check: expected one CONFIG file, got %d arguments", len(pos))
		}
		spec, err := experiments.LoadSpec(pos[0], sets)
		if err != nil {
			return err
		}
		cells, err := spec.Cells()
		if err != nil {
			return err
		}
		base := cells[0].Config
		out, err := base.Canonical()
		if err != nil {
			return err
		}
		if len(cells) == 1 {
			fmt.Fprintf(stdout, "# %s: valid; hash %s\n", pos[0], cells[0].Hash)
		} else {
			fmt.Fprintf(stdout, "# %s: valid; %d cells; the first cell resolved below\n", pos[0], len(cells))
			for _, c := range cells {
				fmt.Fprintf(stdout, "#   cell %d [%s] hash %s\n", c.Index, c.Label(), c.Hash)
			}
		}
		_, err = stdout.Write(out)
		return err
	case "defaults":
		fs := newFlags("config defaults", "config defaults [--kind mf|neumf|lightgcn]", stdout, stderr)
		kind := fs.String("kind", experiments.DefaultModelKind, "model kind whose model defaults to show")
		if _, err := parse(fs, args[1:]); err != nil {
			return err
		}
		d := experiments.DefaultConfig(*kind)
		if err := d.Validate(); err != nil {
			return usagef("config defaults: %v", err)
		}
		fmt.Fprintf(stdout, "# potau defaults (model.kind: %s; model defaults depend on the kind)\n", *kind)
		var n yaml.Node
		if err := n.Encode(&d); err != nil {
			return err
		}
		commentKeys(&n, "")
		enc := yaml.NewEncoder(stdout)
		enc.SetIndent(2)
		return enc.Encode(&n)
	}
	return usagef("config: unknown subcommand %q (expected check or defaults)", args[0])
}

// commentKeys puts each key's doc comment (experiments.KeyDoc) above it,
// wrapped at about 88 columns.
func commentKeys(n *yaml.Node, prefix string) {
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			commentKeys(c, prefix)
		}
		return
	}
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		if doc := experiments.KeyDoc(path); doc != "" {
			k.HeadComment = wrapComment(doc, 86)
		}
		commentKeys(v, path)
	}
}

// wrapComment breaks text into lines of at most width characters.
func wrapComment(text string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = w
			continue
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}
