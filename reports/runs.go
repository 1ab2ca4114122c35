package reports

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/results"
)

// Run describes one run folder of a report: where it is, what it holds and
// how to run it again.
type Run struct {
	Dir     string // the run folder as given
	Name    string // the experiment name its records carry ("" if several)
	Records int
	// Config is the resolved config of the run's first cell with a sweep
	// block holding every swept path's values over the run's records (in
	// the order the records first show them), in YAML: saved as a file,
	// `potau run` on it runs the same cells (the axes are listed by path,
	// so the cells may come in another order than the original file's).
	Config string
	// Command reproduces the run from Config saved as <name>.yaml.
	Command string
}

// ReadRuns reads the results.jsonl of every run folder and merges their
// records into one report's input, in folder order. Artifact paths, which a
// record holds relative to its run folder, become paths relative to the
// current directory (joined with the folder), so the figures of a merged
// report find every run's exported tables. Errors name the folder, file
// and line.
func ReadRuns(dirs []string) ([]results.Record, []Run, error) {
	var all []results.Record
	var runs []Run
	for _, dir := range dirs {
		recs, err := results.ReadJSONL(filepath.Join(dir, results.JSONLFile))
		if err != nil {
			return nil, nil, err
		}
		for i := range recs {
			if len(recs[i].Artifacts) == 0 {
				continue
			}
			a := make(map[string]string, len(recs[i].Artifacts))
			for k, p := range recs[i].Artifacts {
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				a[k] = p
			}
			recs[i].Artifacts = a
		}
		run, err := describeRun(dir, recs)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", filepath.Join(dir, results.JSONLFile), err)
		}
		runs = append(runs, run)
		all = append(all, recs...)
	}
	return all, runs, nil
}

// describeRun builds the Run of dir from its records.
func describeRun(dir string, recs []results.Record) (Run, error) {
	r := Run{Dir: dir, Records: len(recs)}
	if n := commonString(recs, func(r *results.Record) string { return r.Name }); !strings.HasPrefix(n, "(") {
		r.Name = n
	}
	if len(recs) == 0 || recs[0].Config == nil {
		return r, nil
	}
	cfg := maps.Clone(recs[0].Config)
	axes := map[string][]any{}
	for i := range recs {
		for path, v := range recs[i].Sweep {
			if !slices.ContainsFunc(axes[path], func(x any) bool { return fmt.Sprint(x) == fmt.Sprint(v) }) {
				axes[path] = append(axes[path], v)
			}
		}
	}
	if len(axes) > 0 {
		sw := map[string]any{}
		for path, vs := range axes {
			sw[path] = vs // in the records' (grid) order
		}
		cfg["sweep"] = sw
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return r, fmt.Errorf("config of the first record: %v", err)
	}
	r.Config = string(b)
	name := r.Name
	if name == "" {
		name = "config"
	}
	r.Command = fmt.Sprintf("potau run %s.yaml --out %s", slug(name), dir)
	return r, nil
}
