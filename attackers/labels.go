package attackers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Labels are the known attribute values of some rows of a table.
type Labels struct {
	// Rows are the table rows that have a label, ascending.
	Rows []int
	// Y[i] indexes Classes: the label of Rows[i].
	Y []int
	// Classes are the distinct label values, sorted.
	Classes []string
}

// ReadLabels reads a labels CSV: a header row, then one row per labelled
// table row with the row index in the table (0-based) in the first column
// and the label in the second (e.g. "user,gender" then "0,M"). Rows with an
// empty label are skipped (unknown). name is used in error messages, which
// give the line; tableRows bounds the indices.
func ReadLabels(r io.Reader, name string, tableRows int) (*Labels, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: empty file; expected a header row such as \"user,gender\"", name)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(header) < 2 {
		return nil, fmt.Errorf("%s:1: header has %d column(s); expected at least 2 (row index, label)", name, len(header))
	}
	byRow := map[int]string{}
	lineOf := map[int]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("%s:%d: %d column(s); expected a row index and a label", name, line, len(rec))
		}
		idx, err := strconv.Atoi(strings.TrimSpace(rec[0]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: row index %q is not an integer", name, line, rec[0])
		}
		if idx < 0 || idx >= tableRows {
			return nil, fmt.Errorf("%s:%d: row index %d is outside the table's rows [0, %d)", name, line, idx, tableRows)
		}
		if prev, dup := lineOf[idx]; dup {
			return nil, fmt.Errorf("%s:%d: row index %d is labelled again (first on line %d)", name, line, idx, prev)
		}
		lab := strings.TrimSpace(rec[1])
		lineOf[idx] = line
		if lab == "" {
			continue
		}
		byRow[idx] = lab
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
