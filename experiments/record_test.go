package experiments

import (
	"encoding/json"
	"testing"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/results"
)

// TestSchemaMirrorsDatasets: the record's Protocol and Stats are converted
// from the data set's own types (results imports nothing of the pipeline);
// the conversion compiles only while the fields agree, and this test checks
// that the JSON tags agree too, so results.jsonl keeps its bytes.
func TestSchemaMirrorsDatasets(t *testing.T) {
	p := datasets.Protocol{Split: "ratio", Eval: "sampled", Negatives: 99, Validation: true}
	s := datasets.Stats{Users: 3, Items: 4, Interactions: 5, Density: 0.25,
		Attributes: map[string]map[string]int{"gender": {"F": 1, "M": 2}}, Train: 3, Valid: 1, Test: 1}
	for _, c := range []struct {
		name      string
		from, got any
	}{
		{"Protocol", p, results.Protocol(p)},
		{"Stats", s, results.Stats(s)},
		{"empty Stats", datasets.Stats{}, results.Stats(datasets.Stats{})},
	} {
		a, err1 := json.Marshal(c.from)
		b, err2 := json.Marshal(c.got)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if string(a) != string(b) {
			t.Errorf("%s: datasets JSON %s, results JSON %s", c.name, a, b)
		}
	}
}
