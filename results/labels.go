package results

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/potau/potau/internal/atomicfile"
)

// Labels are the known attribute values of some rows of a table, as read
// from a labels CSV.
type Labels struct {
	// Rows are the table rows that have a label, ascending.
	Rows []int
	// Y[i] indexes Classes: the label of Rows[i].
	Y []int
	// Classes are the distinct label values, sorted.
	Classes []string
}

// ByRow returns the label of each of n table rows, "" for a row without one.
func (l *Labels) ByRow(n int) []string {
	out := make([]string, n)
	for i, r := range l.Rows {
		if r < n {
			out[r] = l.Classes[l.Y[i]]
		}
	}
	return out
}

// EncodeLabels is the labels CSV of a table: the header "user,<attribute>",
// then one line "row,class" for each row whose y is a class index (y[row] ≥
// 0; rows with a negative y have no label and are left out), rows ascending.
func EncodeLabels(attribute string, classes []string, y []int32) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"user", attribute})
	for u, l := range y {
		if l >= 0 {
			_ = w.Write([]string{strconv.Itoa(u), classes[l]})
		}
	}
	w.Flush()
	return buf.Bytes()
}

// WriteLabels writes EncodeLabels(attribute, classes, y) to path atomically.
func WriteLabels(path, attribute string, classes []string, y []int32) error {
	return atomicfile.WriteFile(path, EncodeLabels(attribute, classes, y))
}

// ReadLabelsFile reads the labels CSV at path (see ReadLabels).
func ReadLabelsFile(path string, tableRows int) (*Labels, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadLabels(f, path, tableRows)
}

// ReadLabels reads a labels CSV: an optional header row (a first row whose
// first field is not an integer, e.g. "user,gender"), then one row per
// labelled table row with the row index in the table (0-based) in the first
// column and the label in the second (e.g. "0,M"); further columns are
// ignored. A row whose label is empty or "-1" is unknown and skipped. name
// is used in error messages, which give the line; tableRows bounds the
// indices. At least one row must carry a label.
func ReadLabels(r io.Reader, name string, tableRows int) (*Labels, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	byRow := map[int]string{}
	lineOf := map[int]int{}
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			if first {
				return nil, fmt.Errorf("%s: empty file; expected rows \"row,label\" after an optional header such as \"user,gender\"", name)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: %d column(s); expected a row index and a label", name, line, len(rec))
		}
		idx, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		if err != nil {
			if first {
				continue // the header
			}
			return nil, fmt.Errorf("%s:%d: row index %q is not an integer", name, line, rec[0])
		}
		if idx < 0 || idx >= tableRows {
			return nil, fmt.Errorf("%s:%d: row index %d is outside the table's rows [0, %d)", name, line, idx, tableRows)
		}
		if prev, dup := lineOf[idx]; dup {
			return nil, fmt.Errorf("%s:%d: row index %d is labelled again (first on line %d)", name, line, idx, prev)
		}
		lineOf[idx] = line
		if lab := strings.TrimSpace(rec[1]); lab != "" && lab != "-1" {
			byRow[idx] = lab
		}
	}
	l := &Labels{}
	seen := map[string]bool{}
	for row, lab := range byRow {
		l.Rows = append(l.Rows, row)
		if !seen[lab] {
			seen[lab] = true
			l.Classes = append(l.Classes, lab)
		}
	}
	if len(l.Rows) == 0 {
		return nil, fmt.Errorf("%s: no labelled rows", name)
	}
	sort.Ints(l.Rows)
	sort.Strings(l.Classes)
	code := map[string]int{}
	for k, c := range l.Classes {
		code[c] = k
	}
	for _, row := range l.Rows {
		l.Y = append(l.Y, code[byRow[row]])
	}
	return l, nil
}
