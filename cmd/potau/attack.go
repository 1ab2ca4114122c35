package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/internal/npy"
	"github.com/potau/potau/results"
)

// cmdAttack runs the attribute-inference protocol (attackers.Run) on any
// embedding table: a float32 or float64 .npy array with one row per user
// and a labels CSV (optional header, then "row index,label"). Only labelled rows are
// attacked. --json prints {"mlp": {"auc": {"mean", "std"}, …}, "gbdt": …}.
//
// --suite audit runs the leakage audit (attackers.Audit) instead: every
// attacker of attackers.AuditAttackers plain and nested, with the
// permutation null of logreg and knn; --json then prints one object per
// attacker ({"auc": {"mean", "std"}, "balanced_accuracy": {…}, "null95":
// number or null, "exceeds_null": bool or null}) and "leakage": {"auc",
// "attacker"}.
func cmdAttack(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "attack --embeddings FILE.npy --labels FILE.csv [--suite paper|audit] [--attacker NAME|all] [--folds 5] [--repeats 3] [--seed N] [--json]"
	fs := newFlags("attack", usage, stdout, stderr)
	emb := fs.String("embeddings", "", "embedding table (.npy, float32 or float64, one row per user)")
	labPath := fs.String("labels", "", "labels CSV: an optional header row, then `row index,label` per user (a first row starting with an integer is data)")
	suite := fs.String("suite", "paper", "paper: the paper's attackers (mlp, gbdt); audit: the leakage audit (mlp, gbdt, mlp-std, logreg, knn, each plain and nested, with permutation nulls)")
	which := fs.String("attacker", "all", "attacker to run: mlp, gbdt or all (audit: also mlp-std, logreg, knn)")
	defAudit := attackers.DefaultAuditConfig()
	perms := fs.Int("permutations", defAudit.Permutations, "audit: label permutations of the null (0 = none)")
	nested := fs.Bool("nested", defAudit.Nested, "audit: also run the nested variants")
	neighbors := fs.Int("k", defAudit.KNN.K, "audit: neighbours of knn")
	nullOf := fs.String("null", strings.Join(defAudit.Null, ","), "audit: comma-separated attackers whose permutation null is computed (empty: none)")
	def := attackers.DefaultConfig()
	folds := fs.Int("folds", def.Folds, "number of stratified folds")
	repeats := fs.Int("repeats", def.Repeats, "number of repeats of the cross-validation")
	seed := fs.Uint64("seed", 1, "root seed of the down-sampling, fold shuffling and MLP streams")
	shuffle := fs.Bool("shuffle", def.Shuffle, "shuffle the folds within each class (default: scikit-learn's unshuffled folds; --suite audit: shuffled)")
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
	audit := defAudit
	audit.Permutations, audit.Nested, audit.KNN.K = *perms, *nested, *neighbors
	audit.Null = nil
	for _, a := range strings.Split(*nullOf, ",") {
		if a = strings.TrimSpace(a); a != "" {
			audit.Null = append(audit.Null, a)
		}
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "shuffle" {
			audit.Shuffle = *shuffle // the audit shuffles unless told not to
		}
	})
	switch {
	case *suite != "paper" && *suite != "audit":
		return usagef("attack: --suite must be paper or audit, got %q", *suite)
	case *which == "all":
	case *suite == "paper" && (*which == "mlp" || *which == "gbdt"):
		cfg.Attackers = []string{*which}
	case *suite == "audit" && slices.Contains(attackers.AuditAttackers, *which):
		audit.Attackers = []string{*which}
	case *suite == "audit":
		return usagef("attack: --attacker must be one of %s or all, got %q", strings.Join(attackers.AuditAttackers, ", "), *which)
	default:
		return usagef("attack: --attacker must be mlp, gbdt or all, got %q (--suite audit adds mlp-std, logreg, knn)", *which)
	}
	if err := cfg.Validate(); err != nil {
		return usageError{fmt.Errorf("attack: %w", err)}
	}
	if err := audit.Validate(); err != nil {
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
	if *suite == "audit" {
		return printAudit(ctx, stdout, attackers.Table{Name: *emb, Dense: X}, labels, cfg, audit, *seed, *asJSON)
	}
	res, err := attackers.Run(ctx, X, labels.Y, labels.Classes, cfg, *seed)
	if err != nil {
		// The protocol's refusals (one class, too few rows per class) are
		// about the labels: name the file.
		return fmt.Errorf("%s: %w", *labPath, err)
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

// printAudit runs the leakage audit and prints it as JSON (one object per
// attacker plus "leakage") or as a table.
func printAudit(ctx context.Context, stdout io.Writer, tab attackers.Table, labels *results.Labels, cfg attackers.Config,
	audit attackers.AuditConfig, seed uint64, asJSON bool) error {
	res, err := attackers.Audit(ctx, tab, labels.Y, labels.Classes, cfg, audit, seed)
	if err != nil {
		return err
	}
	if asJSON {
		type entry struct {
			AUC              attackers.Summary `json:"auc"`
			BalancedAccuracy attackers.Summary `json:"balanced_accuracy"`
			Null95           *float64          `json:"null95"`
			ExceedsNull      *bool             `json:"exceeds_null"`
		}
		out := map[string]any{"leakage": res.Leakage}
		for _, name := range res.Order {
			s := res.Attackers[name]
			out[name] = entry{s.AUC, s.BalancedAccuracy, s.Null95, s.ExceedsNull}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	n, d := tab.Dense.Dims()
	fmt.Fprintf(stdout, "%d labelled rows × %d dims, classes %s (counts %v), positive %q; %d folds × %d repeats, balance %s, shuffle %v, seed %d; null: %d permutations\n",
		n, d, strings.Join(labels.Classes, "/"), res.Protocol.ClassCounts, res.Positive,
		cfg.Folds, cfg.Repeats, cfg.Balance, audit.Shuffle, seed, res.Permutations)
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "attacker\tauc\tbalanced_accuracy\tnull95\t")
	for _, name := range res.Order {
		s := res.Attackers[name]
		null := "-"
		if s.Null95 != nil {
			null = fmt.Sprintf("%.4f", *s.Null95)
			if *s.ExceedsNull {
				null += " *"
			}
		}
		fmt.Fprintf(tw, "%s\t%.4f ± %.4f\t%.4f ± %.4f\t%s\t\n", name, s.AUC.Mean, s.AUC.Std, s.BalancedAccuracy.Mean, s.BalancedAccuracy.Std, null)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "leakage: %.4f (%s); * = above the permutation null's 95th percentile\n", res.Leakage.AUC, res.Leakage.Attacker)
	return err
}
