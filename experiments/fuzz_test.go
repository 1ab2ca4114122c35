package experiments

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// errEnough stops the fuzz target's walk over a large grid.
var errEnough = errors.New("enough cells")

// FuzzConfig: any config file and --set value load without a panic; a
// failure is a *ConfigError that names a file (or --set), and an accepted
// spec expands into cells that decode and validate (the first 200 are
// checked).
func FuzzConfig(f *testing.F) {
	f.Add([]byte(tinyConfig), "seed=4")
	f.Add([]byte("name: &n x\nmodel:\n  dim: *n\n"), "model.epochs=2.7")
	f.Add([]byte("sweep_limit: 3\nsweep:\n  seed: [1, 2]\n  model.dim: [4, 8]\n"), "sweep_limit=4")
	f.Add([]byte("a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n---\nx: 1\n"), "model={dim: 8, dim: 9}")
	f.Add([]byte("extends: c.yaml\n"), "x")
	f.Add([]byte("unlearn:\n  methods: [U2U, D2D-R]\n  alpha: 1e-3\nmodel: {kind: lightgcn, layers: 2}\n"), "eval.ks=[5, 10]")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte, set string) {
		p := filepath.Join(dir, "c.yaml")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		sp, err := LoadSpec(p, sets)
		if err == nil {
			err = sp.EachCell(func(c Cell) error {
				if err := c.Config.Validate(); err != nil {
					t.Fatalf("cell %d passed decoding but not validation: %v", c.Index, err)
				}
				if c.Index == 199 {
					return errEnough
				}
				return nil
			})
			if err == errEnough {
				err = nil
			}
		}
		if err == nil {
			return
		}
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.File == "" {
			t.Fatalf("error %q (%T) does not name a file", err, err)
		}
	})
}
