package experiments

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
)

// WriteResults writes recs as dir/results.jsonl (one JSON record a line),
// dir/results.csv (a flat projection) and dir/metrics.jsonl, each
// atomically.
//
// metrics.jsonl holds the same records without the two measured-cost
// fields (time_s, peak_rss_mb): everything in it is a function of the
// config and seed alone, so it is byte-identical for any --jobs, any
// number of cores, and for a run resumed after a crash. results.jsonl also
// carries the costs, which are measurements of the machine.
func WriteResults(dir string, recs []Record) error {
	var full, det bytes.Buffer
	for i := range recs {
		b, err := json.Marshal(&recs[i])
		if err != nil {
			return fmt.Errorf("encoding record %d: %w", i, err)
		}
		full.Write(b)
		full.WriteByte('\n')
		r := recs[i]
		r.TimeS, r.PeakRSSMB = nil, 0
		b, err = json.Marshal(&r)
		if err != nil {
			return fmt.Errorf("encoding record %d: %w", i, err)
		}
		det.Write(b)
		det.WriteByte('\n')
	}
	if err := WriteFileAtomic(filepath.Join(dir, "metrics.jsonl"), det.Bytes()); err != nil {
		return err
	}
	if err := WriteFileAtomic(filepath.Join(dir, "results.csv"), resultsCSV(recs)); err != nil {
		return err
	}
	// results.jsonl last: its presence means the run finished.
	return WriteFileAtomic(filepath.Join(dir, "results.jsonl"), full.Bytes())
}

// resultsCSV flattens records: fixed columns, then every rec metric and
// every attacker metric (mean and std) seen in any record, sorted.
func resultsCSV(recs []Record) []byte {
	recKeys := map[string]bool{}
	attKeys := map[string]bool{}
	for _, r := range recs {
		for k := range r.Rec {
			recKeys[k] = true
		}
		for a, m := range r.Attack {
			for k := range m {
				attKeys[a+"."+k] = true
			}
		}
	}
	rk, ak := sortedKeys(recKeys), sortedKeys(attKeys)
	header := []string{"name", "dataset", "model", "method", "reg", "alpha", "dim", "seed", "split", "eval", "selection", "best_epoch"}
	header = append(header, rk...)
	for _, k := range ak {
		header = append(header, k+".mean", k+".std")
	}
	header = append(header, "time_s", "peak_rss_mb", "flags", "config_hash")
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	for _, r := range recs {
		row := []string{r.Name, r.Dataset, r.Model, r.Method, r.Reg, f(r.Alpha), strconv.Itoa(r.Dim), strconv.FormatUint(r.Seed, 10),
			r.Protocol.Split, r.Protocol.Eval, r.Selection, strconv.Itoa(r.BestEpoch)}
		for _, k := range rk {
			if v, ok := r.Rec[k]; ok {
				row = append(row, f(v))
			} else {
				row = append(row, "")
			}
		}
		for _, k := range ak {
			var a, m string
			for i := range k {
				if k[i] == '.' {
					a, m = k[:i], k[i+1:]
					break
				}
			}
			if s, ok := r.Attack[a][m]; ok {
				row = append(row, f(s.Mean), f(s.Std))
			} else {
				row = append(row, "", "")
			}
		}
		var total float64
		for _, t := range r.TimeS {
			total += t
		}
		flags := ""
		for i, fl := range r.Flags {
			if i > 0 {
				flags += ";"
			}
			flags += fl
		}
		row = append(row, f(round3(total)), f(r.PeakRSSMB), flags, r.ConfigHash)
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
