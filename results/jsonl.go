package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/potau/potau/internal/atomicfile"
)

// Names of the files a run writes in its output folder.
const (
	// JSONLFile holds every record, one JSON object a line, with the measured
	// costs (time_s, peak_rss_mb). Written last: its presence means the run
	// finished.
	JSONLFile = "results.jsonl"
	// MetricsFile holds the same records without the measured costs.
	MetricsFile = "metrics.jsonl"
	// CSVFile is the flat projection of the records (see CSV).
	CSVFile = "results.csv"
)

// AppendJSONL appends recs to dst as JSON Lines, one record a line. Without
// costs the two measured-cost fields (TimeS, PeakRSSMB) are left out, and
// what remains is a function of the config and seed alone.
func AppendJSONL(dst []byte, recs []Record, costs bool) ([]byte, error) {
	for i := range recs {
		r := &recs[i]
		if !costs {
			c := *r
			c.TimeS, c.PeakRSSMB = nil, 0
			r = &c
		}
		b, err := json.Marshal(r)
		if err != nil {
			return dst, fmt.Errorf("encoding record %d: %w", i, err)
		}
		dst = append(append(dst, b...), '\n')
	}
	return dst, nil
}

// WriteRun writes recs into the run folder dir as metrics.jsonl,
// results.csv and results.jsonl (in that order, results.jsonl last), each
// atomically.
//
// metrics.jsonl holds the records without the two measured-cost fields
// (time_s, peak_rss_mb): everything in it is a function of the config and
// seed alone, so it is byte-identical for any --jobs, any number of cores,
// and for a run resumed after a crash. results.jsonl also carries the
// costs, which are measurements of the machine.
func WriteRun(dir string, recs []Record) error {
	det, err := AppendJSONL(nil, recs, false)
	if err != nil {
		return err
	}
	full, err := AppendJSONL(nil, recs, true)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, MetricsFile), det); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, CSVFile), CSV(recs)); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(dir, JSONLFile), full)
}

// ReadJSONL reads a results.jsonl (or metrics.jsonl) file: one Record per
// line, blank lines ignored. Errors name the file and the 1-based line, and
// say what was expected there.
func ReadJSONL(path string) ([]Record, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return DecodeJSONL(f, path)
}

// DecodeJSONL parses JSON Lines of records from r; name labels errors.
func DecodeJSONL(r io.Reader, name string) ([]Record, error) {
	br := bufio.NewReader(r)
	var recs []Record
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
func parseRecord(b []byte) (Record, error) {
	var rec Record
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
	if rec.Schema != SchemaVersion {
		return rec, fmt.Errorf("key \"schema\": got %d, want %d", rec.Schema, SchemaVersion)
	}
	for _, kv := range [...]struct{ k, v string }{
		{"dataset", rec.Dataset}, {"model", rec.Model}, {"method", rec.Method},
	} {
		if kv.v == "" {
			return rec, fmt.Errorf("key %q: missing or empty, want a name", kv.k)
		}
	}
	switch rec.MethodKind {
	case KindNone, KindInTraining, KindPostTraining:
	case "":
		return rec, fmt.Errorf("key \"method_kind\": missing, want %q, %q or %q (results written before the field existed: run the config again, its stages are cached)",
			KindNone, KindInTraining, KindPostTraining)
	default:
		return rec, fmt.Errorf("key \"method_kind\": got %q, want %q, %q or %q", rec.MethodKind, KindNone, KindInTraining, KindPostTraining)
	}
	return rec, nil
}
