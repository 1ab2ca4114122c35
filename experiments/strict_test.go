package experiments

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// TestStrictYAML: the holes of issue 12 item 5. Each input is an error that
// names the file, the line and the key.
func TestStrictYAML(t *testing.T) {
	cases := []struct {
		name, body string
		sets       []string
		want       []string // fragments of the message
	}{
		{"float into int", "model:\n  dim: 8.5\n", nil, []string{"c.yaml:2:", "model.dim", "expected an integer, got 8.5"}},
		{"float into uint", "seed: 1.5\n", nil, []string{"c.yaml:1:", "seed", "expected a non-negative integer, got 1.5"}},
		{"exponent into int", "model:\n  epochs: 1e3\n", nil, []string{"c.yaml:2:", "model.epochs", "expected an integer, got 1e3"}},
		{"float in int list", "eval:\n  ks: [5, 10.5]\n", nil, []string{"c.yaml:2:", "eval.ks[1]", "expected an integer"}},
		{"--set float into int", "name: x\n", []string{"model.epochs=2.7"}, []string{"--set model.epochs", "model.epochs", "expected an integer, got 2.7"}},
		{"duplicate key", "name: a\nseed: 1\nname: b\n", nil, []string{"c.yaml:3:", "name", "duplicate key \"name\" (first at line 1)"}},
		{"duplicate nested key", "model:\n  dim: 8\n  epochs: 2\n  dim: 16\n", nil, []string{"c.yaml:4:", "model.dim", "duplicate key"}},
		{"duplicate in --set", "name: x\n", []string{"model={dim: 8, dim: 9}"}, []string{"--set model", "model.dim", "duplicate key"}},
		{"second document", "name: a\n---\nname: b\n", nil, []string{"c.yaml:2:", "second YAML document"}},
		{"empty second document", "name: a\n---\n", nil, []string{"c.yaml:", "second YAML document"}},
		{"second document in --set", "name: x\n", []string{"seed=1\n---\n2"}, []string{"--set seed", "second YAML document"}},
		{"error through an alias", "name: &n hello\nmodel:\n  dim: *n\n", nil, []string{"c.yaml:1:", "model.dim", `expected an integer, got "hello"`}},
		{"alias error in a sweep", "name: &n hello\nsweep:\n  seed: [1, 2]\nmodel:\n  epochs: *n\n", nil, []string{"c.yaml:1:", "model.epochs"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{"c.yaml": c.body})
			sp, err := LoadSpec(filepath.Join(dir, "c.yaml"), c.sets)
			if err == nil {
				_, err = sp.Cells()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v (%T), want a *ConfigError", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message %q lacks %q", err, w)
				}
			}
		})
	}
	// What stays valid: an integer into a float key, a document start
	// marker, an end marker, and an alias of a valid value.
	for _, body := range []string{
		"unlearn:\n  alpha: 1\n",
		"---\nname: a\n",
		"name: a\n...\n",
		"model:\n  dim: &d 8\nunlearn:\n  steps: *d\n",
	} {
		dir := writeFiles(t, map[string]string{"c.yaml": body})
		if _, err := LoadConfig(filepath.Join(dir, "c.yaml"), nil); err != nil {
			t.Errorf("%q: %v", body, err)
		}
	}
}

// TestMissingConfigIsAConfigError: a config file that cannot be read is a
// *ConfigError (the command line's usage exit code 2) naming the file; a
// missing extends target names the extends line.
func TestMissingConfigIsAConfigError(t *testing.T) {
	dir := writeFiles(t, map[string]string{"child.yaml": "name: x\nextends: nope.yaml\n"})
	for _, c := range []struct{ file, want string }{
		{filepath.Join(dir, "absent.yaml"), "absent.yaml: cannot read the config file: no such file or directory"},
		{dir, "cannot read the config file: is a directory"},
		{filepath.Join(dir, "child.yaml"), "child.yaml:2: extends:"},
	} {
		_, err := LoadSpec(c.file, nil)
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v (%T), want a *ConfigError with %q", c.file, err, err, c.want)
		}
	}
}
