package results

import (
	"bytes"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func sampleRecords() []Record {
	return []Record{
		{Schema: SchemaVersion, Name: "x", ConfigHash: "h1", Dataset: "synthetic", Model: "mf", Method: "original", MethodKind: KindNone, Dim: 8, Seed: 1,
			Protocol:  Protocol{Split: "loo", Eval: "sampled", Negatives: 99},
			DataStats: Stats{Users: 3, Items: 4, Interactions: 5, Density: 5.0 / 12, Attributes: map[string]map[string]int{"gender": {"F": 1, "M": 2}}},
			Rec:       map[string]float64{"hr@10": 0.5, "ndcg@10": 0.25},
			Attack:    map[string]AttackResult{"mlp": {"auc": {Mean: 0.7, Std: 0.01}}},
			TimeS:     map[string]float64{"train": 1.25, "eval": 0.5}, PeakRSSMB: 123.5},
		{Schema: SchemaVersion, Name: "x", ConfigHash: "h1", Dataset: "synthetic", Model: "mf", Method: "m-R", MethodKind: KindPostTraining, Reg: "rank", Alpha: 1e-4, Dim: 8, Seed: 1,
			Rec:    map[string]float64{"hr@10": 0.4},
			Attack: map[string]AttackResult{"mlp": {"auc": {Mean: 0.55, Std: 0.02}}, "gbdt": {"auc": {Mean: 0.5, Std: 0}}},
			Flags:  []string{"below-chance:gbdt"}, TimeS: map[string]float64{"unlearn": 2}},
	}
}

// TestWriteRun: results.jsonl reads back as the records; metrics.jsonl is
// the same without the two measured costs; results.csv has a header and
// one row per record; nothing else is left in the folder.
func TestWriteRun(t *testing.T) {
	dir := t.TempDir()
	recs := sampleRecords()
	if err := WriteRun(dir, recs); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSONL(filepath.Join(dir, JSONLFile))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, recs) {
		t.Errorf("results.jsonl reads back as\n%+v\nwant\n%+v", back, recs)
	}
	det, err := ReadJSONL(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	for i := range recs {
		want := recs[i]
		want.TimeS, want.PeakRSSMB = nil, 0
		if !reflect.DeepEqual(det[i], want) {
			t.Errorf("metrics.jsonl record %d = %+v, want the record without costs", i, det[i])
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, MetricsFile))
	if bytes.Contains(raw, []byte("time_s")) || bytes.Contains(raw, []byte("peak_rss_mb")) {
		t.Errorf("metrics.jsonl holds measured costs:\n%s", raw)
	}
	if n := bytes.Count(raw, []byte("\n")); n != len(recs) {
		t.Errorf("metrics.jsonl has %d lines, want %d", n, len(recs))
	}
	// The input records are not modified by leaving out the costs.
	if recs[0].TimeS == nil || recs[0].PeakRSSMB != 123.5 {
		t.Error("WriteRun changed its input")
	}
	f, _ := os.Open(filepath.Join(dir, CSVFile))
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("results.csv has %d rows, want header + 2", len(rows))
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, c := range []struct {
		row       int
		key, want string
	}{
		{1, "method", "original"}, {1, "hr@10", "0.5"}, {1, "mlp.auc.mean", "0.7"}, {1, "gbdt.auc.mean", ""},
		{1, "time_s", "1.75"}, {1, "peak_rss_mb", "123.5"}, {1, "split", "loo"},
		{2, "alpha", "0.0001"}, {2, "ndcg@10", ""}, {2, "gbdt.auc.std", "0"}, {2, "flags", "below-chance:gbdt"},
	} {
		i, ok := col[c.key]
		if !ok {
			t.Errorf("results.csv lacks column %q (header %v)", c.key, rows[0])
			continue
		}
		if got := rows[c.row][i]; got != c.want {
			t.Errorf("results.csv row %d %s = %q, want %q", c.row, c.key, got, c.want)
		}
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "metrics.jsonl results.csv results.jsonl" {
		t.Errorf("run folder holds %v", names)
	}
}
