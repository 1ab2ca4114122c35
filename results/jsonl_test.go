package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadJSONLErrors(t *testing.T) {
	good := `{"schema":1,"dataset":"d","model":"m","method":"U2U","method_kind":"post-training"}`
	for _, tc := range []struct {
		name, body, want string
	}{
		{"syntax", good + "\n\n{\"schema\":1,\n", "bad.jsonl:3: invalid JSON"},
		{"schema", good + "\n" + `{"schema":2,"dataset":"d","model":"m","method":"U2U","method_kind":"post-training"}`, `bad.jsonl:2: key "schema": got 2, want 1`},
		{"no kind", `{"schema":1,"dataset":"d","model":"m","method":"U2U"}`, `bad.jsonl:1: key "method_kind": missing, want "none", "in-training" or "post-training"`},
		{"bad kind", `{"schema":1,"dataset":"d","model":"m","method":"U2U","method_kind":"post"}`, `bad.jsonl:1: key "method_kind": got "post", want`},
		{"missing", `{"schema":1,"dataset":"d","model":"m"}`, `bad.jsonl:1: key "method": missing`},
		{"type", `{"schema":1,"dataset":"d","model":"m","method":"x","alpha":"big"}`, `bad.jsonl:1: key "alpha": got JSON string, want float64`},
		{"trailing", good + " {}", "bad.jsonl:1: trailing data"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.jsonl")
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadJSONL(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := ReadJSONL(filepath.Join(t.TempDir(), "none.jsonl")); err == nil {
		t.Error("missing file: no error")
	}
	// A last line without a newline and blank lines are fine.
	path := filepath.Join(t.TempDir(), "ok.jsonl")
	os.WriteFile(path, []byte("\n"+good+"\n\n"+good), 0o644)
	if recs, err := ReadJSONL(path); err != nil || len(recs) != 2 {
		t.Errorf("ReadJSONL = %d records, %v; want 2, nil", len(recs), err)
	}
}

// TestCSVNaturalMetricOrder: ranking metrics by name, then cut-off.
func TestCSVNaturalMetricOrder(t *testing.T) {
	b := CSV([]Record{{Rec: map[string]float64{"hr@20": 1, "hr@5": 1, "hr@10": 1, "ndcg@5": 1, "hr@15": 1, "ndcg@10": 1}}})
	head := strings.SplitN(string(b), "\n", 2)[0]
	if !strings.Contains(head, "best_epoch,hr@5,hr@10,hr@15,hr@20,ndcg@5,ndcg@10,") {
		t.Errorf("header %s", head)
	}
}
