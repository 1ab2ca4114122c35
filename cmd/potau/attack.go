package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/internal/npy"
	"github.com/potau/potau/results"
)

// cmdAttack runs the attribute-inference protocol (attackers.Run) on any
// embedding table: a float32 or float64 .npy array with one row per user
// and a labels CSV (header, then "row index,label"). Only labelled rows are
// attacked. --json prints {"mlp": {"auc": {"mean", "std"}, …}, "gbdt": …}.
func cmdAttack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "attack --embeddings FILE.npy --labels FILE.csv [--attacker mlp|gbdt|all] [--folds 5] [--repeats 3] [--seed N] [--json]"
	fs := newFlags("attack", usage, stderr)
	emb := fs.String("embeddings", "", "embedding table (.npy, float32 or float64, one row per user)")
	labPath := fs.String("labels", "", "labels CSV: a header row, then `row index,label` per user")
	which := fs.String("attacker", "all", "attacker to run: mlp, gbdt or all")
	def := attackers.DefaultConfig()
	folds := fs.Int("folds", def.Folds, "number of stratified folds")
	repeats := fs.Int("repeats", def.Repeats, "number of repeats of the cross-validation")
	seed := fs.Uint64("seed", 1, "root seed of the down-sampling, fold shuffling and MLP streams")
	shuffle := fs.Bool("shuffle", def.Shuffle, "shuffle the folds within each class (default: scikit-learn's unshuffled folds)")
	balance := fs.String("balance", def.Balance, "class balancing: downsample, weights or none")
	positive := fs.String("positive", "", "class reported as positive (default: the minority class)")
	asJSON := fs.Bool("json", false, "print the metrics as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("attack: unexpected argument %q", pos[0])
	}
	if *emb == "" || *labPath == "" {
		return usagef("attack: --embeddings and --labels are required")
	}
	cfg := def
	cfg.Folds, cfg.Repeats, cfg.Shuffle, cfg.Balance, cfg.Positive = *folds, *repeats, *shuffle, *balance, *positive
	switch *which {
	case "all":
	case "mlp", "gbdt":
		cfg.Attackers = []string{*which}
	default:
		return usagef("attack: --attacker must be mlp, gbdt or all, got %q", *which)
	}
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("attack: %w", err)}
	}

	table, err := npy.ReadNPY(*emb)
	if err != nil {
		return err
	}
	labels, err := results.ReadLabelsFile(*labPath, table.Rows)
	if err != nil {
		return err
	}
	X := mat.NewDense(len(labels.Rows), table.Cols, nil)
	for i, r := range labels.Rows {
		dst := X.RawRowView(i)
		for j, v := range table.Data[r*table.Cols : (r+1)*table.Cols] {
			dst[j] = float64(v)
		}
	}
	res, err := attackers.Run(ctx, X, labels.Y, labels.Classes, cfg, *seed)
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]map[string]attackers.Summary{}
		for name, r := range res {
			out[name] = r.Metrics
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	r0 := res[cfg.Attackers[0]]
	fmt.Fprintf(stdout, "%d labelled rows × %d dims, classes %s (counts %v), positive %q; %d folds × %d repeats, balance %s, shuffle %v, seed %d\n",
		X.RawMatrix().Rows, table.Cols, strings.Join(labels.Classes, "/"), r0.Protocol.ClassCounts, r0.Positive,
		cfg.Folds, cfg.Repeats, cfg.Balance, cfg.Shuffle, *seed)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "attacker\t")
	for _, m := range attackers.MetricNames {
		fmt.Fprintf(tw, "%s\t", m)
	}
	fmt.Fprintln(tw)
	for _, name := range cfg.Attackers {
		fmt.Fprintf(tw, "%s\t", name)
		for _, m := range attackers.MetricNames {
			s := res[name].Metrics[m]
			fmt.Fprintf(tw, "%.4f ± %.4f\t", s.Mean, s.Std)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
