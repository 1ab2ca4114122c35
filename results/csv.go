package results

import (
	"bytes"
	"encoding/csv"
	"math"
	"sort"
	"strconv"
	"strings"
)

// CSV is the flat projection of records written as results.csv: a header,
// then one row per record with fixed columns, every recommendation metric and
// every attacker metric (mean and std) seen in any record (sorted; ranking
// metrics by name, then cut-off: hr@5 before hr@10), the total
// time, peak memory, flags and config hash.
func CSV(recs []Record) []byte {
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
	sort.SliceStable(rk, func(i, j int) bool { return metricLess(rk[i], rk[j]) })
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

// metricLess orders ranking-metric keys naturally: by name, then by the
// cut-off as a number (hr@5, hr@10, hr@15, hr@20, not hr@10, hr@15, hr@20,
// hr@5).
func metricLess(a, b string) bool {
	na, ka, oka := strings.Cut(a, "@")
	nb, kb, okb := strings.Cut(b, "@")
	if na != nb || !oka || !okb {
		return a < b
	}
	ia, ea := strconv.Atoi(ka)
	ib, eb := strconv.Atoi(kb)
	if ea != nil || eb != nil || ia == ib {
		return a < b
	}
	return ia < ib
}

// round3 rounds to milliseconds (the precision of the recorded times).
func round3(x float64) float64 { return math.Round(x*1000) / 1000 }
