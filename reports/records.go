package reports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/potau/potau/experiments"
)

// ReadRecords reads a results.jsonl file: one experiments.Record per line,
// blank lines ignored. Errors name the file and the 1-based line, and say what
// was expected there.
func ReadRecords(path string) ([]experiments.Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return decodeRecords(path, f)
}

// decodeRecords parses JSON Lines from r; name labels errors.
func decodeRecords(name string, r io.Reader) ([]experiments.Record, error) {
	br := bufio.NewReader(r)
	var recs []experiments.Record
	for line := 1; ; line++ {
		b, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s:%d: %w", name, line, err)
		}
		if t := bytes.TrimSpace(b); len(t) > 0 {
			rec, perr := parseRecord(t)
			if perr != nil {
				return nil, fmt.Errorf("%s:%d: %w", name, line, perr)
			}
			recs = append(recs, rec)
		}
		if err != nil { // io.EOF
			return recs, nil
		}
	}
}

// parseRecord decodes and checks one record. Unknown fields are accepted:
// a writer may add fields without changing the schema version.
func parseRecord(b []byte) (experiments.Record, error) {
	var rec experiments.Record
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&rec); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return rec, fmt.Errorf("invalid JSON at byte %d: %v (want one JSON object per line)", se.Offset, se)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return rec, fmt.Errorf("invalid JSON: the object ends early (want one whole JSON object per line)")
		case errors.As(err, &te):
			return rec, fmt.Errorf("key %q: got JSON %s, want %v", te.Field, te.Value, te.Type)
		}
		return rec, fmt.Errorf("invalid record: %v", err)
	}
	if dec.More() {
		return rec, fmt.Errorf("trailing data after the record (want one JSON object per line)")
	}
	if rec.Schema != experiments.SchemaVersion {
		return rec, fmt.Errorf("key \"schema\": got %d, want %d", rec.Schema, experiments.SchemaVersion)
	}
	for _, kv := range [...]struct{ k, v string }{
		{"dataset", rec.Dataset}, {"model", rec.Model}, {"method", rec.Method},
	} {
		if kv.v == "" {
			return rec, fmt.Errorf("key %q: missing or empty, want a name", kv.k)
		}
	}
	return rec, nil
}
