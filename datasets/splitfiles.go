package datasets

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// potau's own split format is a folder of plain-text files, written with
// deterministic bytes (same split ⇒ same files):
//
//	split.tsv     "key<TAB>value" lines: format, users, items, split, eval,
//	              negatives, validation; then one "attribute<TAB>name<TAB>
//	              class_0<TAB>class_1…" line per attribute (by name)
//	users.tsv     header "index<TAB>id<TAB>attr…", one line per user with
//	              the class of each attribute ("" when missing)
//	items.tsv     header "index<TAB>id", one line per item
//	train.tsv, test.tsv, and when present valid.tsv, test_neg.tsv,
//	valid_neg.tsv: one line per user "u<TAB>i_1 i_2 …" (ascending items)
//
// ReadFiles reads it back.
const splitFormat = "potau-split-v1"

// maxSplitIDs bounds the user and item counts ReadFiles accepts.
const maxSplitIDs = 1 << 27

// Names of the files of potau's split format.
const (
	fileSplitMeta = "split.tsv"
	fileUsers     = "users.tsv"
	fileItems     = "items.tsv"
	fileTrain     = "train.tsv"
	fileValid     = "valid.tsv"
	fileTest      = "test.tsv"
	fileTestNeg   = "test_neg.tsv"
	fileValidNeg  = "valid_neg.tsv"
)

// WriteFiles writes s into dir (created if needed) in potau's plain-text
// split format; each file is written atomically.
func (s *Split) WriteFiles(dir string) error {
	if err := checkSplit(s); err != nil {
		return err
	}
	names := sortedKeys(s.Attributes)
	bad := func(v string) bool { return strings.ContainsAny(v, "\t\n\r") }
	for _, n := range names {
		if n == "" || bad(n) {
			return fmt.Errorf("split files: attribute name %q is empty or contains a tab or newline", n)
		}
		for _, c := range s.Attributes[n].Classes {
			if c == "" || bad(c) {
				return fmt.Errorf("split files: attribute %s: class %q is empty or contains a tab or newline", n, c)
			}
		}
	}
	for _, ids := range [][]string{s.UserIDs, s.ItemIDs} {
		for _, id := range ids {
			if id == "" || bad(id) {
				return fmt.Errorf("split files: raw id %q is empty or contains a tab or newline", id)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p := s.Protocol
	err := writeFile(filepath.Join(dir, fileSplitMeta), func(w *bufio.Writer) {
		fmt.Fprintf(w, "format\t%s\nusers\t%d\nitems\t%d\nsplit\t%s\neval\t%s\nnegatives\t%d\nvalidation\t%t\n",
			splitFormat, s.NumUsers, s.NumItems, p.Split, p.Eval, p.Negatives, p.Validation)
		for _, n := range names {
			fmt.Fprintf(w, "attribute\t%s\t%s\n", n, strings.Join(s.Attributes[n].Classes, "\t"))
		}
	})
	if err != nil {
		return err
	}
	err = writeFile(filepath.Join(dir, fileUsers), func(w *bufio.Writer) {
		w.WriteString("index\tid")
		for _, n := range names {
			w.WriteString("\t" + n)
		}
		w.WriteByte('\n')
		for u, id := range s.UserIDs {
			w.WriteString(strconv.Itoa(u) + "\t" + id)
			for _, n := range names {
				a := s.Attributes[n]
				w.WriteByte('\t')
				if l := a.Labels[u]; l >= 0 {
					w.WriteString(a.Classes[l])
				}
			}
			w.WriteByte('\n')
		}
	})
	if err != nil {
		return err
	}
	err = writeFile(filepath.Join(dir, fileItems), func(w *bufio.Writer) {
		w.WriteString("index\tid\n")
		for i, id := range s.ItemIDs {
			w.WriteString(strconv.Itoa(i) + "\t" + id + "\n")
		}
	})
	if err != nil {
		return err
	}
	lists := []struct {
		name string
		v    [][]int32
	}{{fileTrain, s.Train}, {fileTest, s.Test}, {fileTestNeg, s.TestNeg}}
	if p.Validation {
		lists = append(lists, struct {
			name string
			v    [][]int32
		}{fileValid, s.Valid}, struct {
			name string
			v    [][]int32
		}{fileValidNeg, s.ValidNeg})
	}
	for _, l := range lists {
		path := filepath.Join(dir, l.name)
		if l.v == nil {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				return err
			}
			continue
		}
		if err := writeFile(path, func(w *bufio.Writer) { writeLists(w, l.v) }); err != nil {
			return err
		}
	}
	return nil
}

func writeLists(w *bufio.Writer, v [][]int32) {
	var b []byte
	for u, items := range v {
		b = strconv.AppendInt(b[:0], int64(u), 10)
		b = append(b, '\t')
		for k, i := range items {
			if k > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, int64(i), 10)
		}
		b = append(b, '\n')
		w.Write(b)
	}
}

// parseListLine parses a line "u<TAB>i_1 i_2 …" of potau's split format
// (the item list may be empty).
func parseListLine(line string) (int32, []int32, string) {
	var buf [2]string
	f, msg := splitFields(buf[:0], line, "\t", 2, false)
	if msg != "" {
		return 0, nil, msg + " (user<TAB>items)"
	}
	u, msg := parseDenseID(f[0], "user")
	if msg != "" {
		return 0, nil, msg
	}
	var items []int32
	if f[1] != "" {
		parts := strings.Split(f[1], " ")
		items = make([]int32, len(parts))
		for k, s := range parts {
			if s == "" {
				return 0, nil, fmt.Sprintf("item %d is empty (items are separated by one space)", k+1)
			}
			if items[k], msg = parseDenseID(s, "item"); msg != "" {
				return 0, nil, msg
			}
			if k > 0 && items[k] <= items[k-1] {
				return 0, nil, fmt.Sprintf("items are not strictly ascending at item %d", k+1)
			}
		}
	}
	return u, items, ""
}

// ReadFiles reads a split written by WriteFiles.
func ReadFiles(dir string) (*Split, error) {
	metaPath := filepath.Join(dir, fileSplitMeta)
	r, err := openLines(metaPath)
	if err != nil {
		return nil, fmt.Errorf("split files: %w", err)
	}
	defer r.close()
	s := &Split{Attributes: map[string]*Attribute{}}
	var attrOrder []string
	have := map[string]bool{}
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			return nil, lineError(metaPath, r.line, line, "expected \"key<TAB>value\"")
		}
		key, val := f[0], f[1]
		if key != "attribute" && len(f) != 2 {
			return nil, lineError(metaPath, r.line, line, "expected \"key<TAB>value\"")
		}
		if have[key] && key != "attribute" {
			return nil, lineError(metaPath, r.line, line, "repeated key %q", key)
		}
		have[key] = true
		var perr error
		switch key {
		case "format":
			if val != splitFormat {
				return nil, lineError(metaPath, r.line, line, "format %q is not %q", val, splitFormat)
			}
		case "users":
			s.NumUsers, perr = strconv.Atoi(val)
		case "items":
			s.NumItems, perr = strconv.Atoi(val)
		case "split":
			s.Protocol.Split = val
		case "eval":
			s.Protocol.Eval = val
		case "negatives":
			s.Protocol.Negatives, perr = strconv.Atoi(val)
		case "validation":
			s.Protocol.Validation, perr = strconv.ParseBool(val)
		case "attribute":
			if len(f) < 3 || s.Attributes[val] != nil {
				return nil, lineError(metaPath, r.line, line, "expected \"attribute<TAB>name<TAB>class…\" with a new name")
			}
			s.Attributes[val] = &Attribute{Name: val, Classes: slices.Clone(f[2:])}
			attrOrder = append(attrOrder, val)
		default:
			return nil, lineError(metaPath, r.line, line, "unknown key %q", key)
		}
		if perr != nil {
			return nil, lineError(metaPath, r.line, line, "value of %s: %v", key, perr)
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	for _, k := range []string{"format", "users", "items", "split", "eval", "negatives", "validation"} {
		if !have[k] {
			return nil, fmt.Errorf("%s: missing key %q", metaPath, k)
		}
	}
	// 2^27 bounds allocations for a corrupted header; LFM-2B, the largest
	// data set in view, has ~50M items.
	if s.NumUsers < 0 || s.NumItems < 0 || s.NumUsers > maxSplitIDs || s.NumItems > maxSplitIDs {
		return nil, fmt.Errorf("%s: users %d / items %d outside [0, %d]", metaPath, s.NumUsers, s.NumItems, maxSplitIDs)
	}
	if s.UserIDs, err = readIDFile(filepath.Join(dir, fileUsers), s.NumUsers, attrOrder, s.Attributes); err != nil {
		return nil, err
	}
	if s.ItemIDs, err = readIDFile(filepath.Join(dir, fileItems), s.NumItems, nil, nil); err != nil {
		return nil, err
	}
	if s.Train, err = readLists(filepath.Join(dir, fileTrain), s.NumUsers, s.NumItems); err != nil {
		return nil, err
	}
	if s.Test, err = readLists(filepath.Join(dir, fileTest), s.NumUsers, s.NumItems); err != nil {
		return nil, err
	}
	if s.Protocol.Eval == "sampled" {
		if s.TestNeg, err = readLists(filepath.Join(dir, fileTestNeg), s.NumUsers, s.NumItems); err != nil {
			return nil, err
		}
	}
	s.Valid = make([][]int32, s.NumUsers)
	if s.Protocol.Validation {
		if s.Valid, err = readLists(filepath.Join(dir, fileValid), s.NumUsers, s.NumItems); err != nil {
			return nil, err
		}
		if s.Protocol.Eval == "sampled" {
			if s.ValidNeg, err = readLists(filepath.Join(dir, fileValidNeg), s.NumUsers, s.NumItems); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// readIDFile reads users.tsv or items.tsv: a header, then n lines
// "index<TAB>id[<TAB>class…]" with index 0, 1, …, n-1.
func readIDFile(path string, n int, attrs []string, into map[string]*Attribute) ([]string, error) {
	r, err := openLines(path)
	if err != nil {
		return nil, fmt.Errorf("split files: %w", err)
	}
	defer r.close()
	want := append([]string{"index", "id"}, attrs...)
	header, ok := r.next()
	if !ok || header != strings.Join(want, "\t") {
		if err := r.finish(); err != nil {
			return nil, err
		}
		return nil, lineError(path, r.line, header, "expected the header %q", strings.Join(want, "\t"))
	}
	index := make([]map[string]int32, len(attrs))
	for k, a := range attrs {
		into[a].Labels = make([]int32, n)
		index[k] = make(map[string]int32)
		for c, name := range into[a].Classes {
			index[k][name] = int32(c)
		}
	}
	ids := make([]string, 0, n)
	var buf []string
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		f, msg := splitFields(buf[:0], line, "\t", len(want), false)
		if msg != "" {
			return nil, lineError(path, r.line, line, "%s", msg)
		}
		buf = f
		if f[0] != strconv.Itoa(len(ids)) {
			return nil, lineError(path, r.line, line, "index %q, expected %d", f[0], len(ids))
		}
		if len(ids) == n {
			return nil, lineError(path, r.line, line, "more than %d lines", n)
		}
		for k, a := range attrs {
			l := int32(-1)
			if v := f[2+k]; v != "" {
				c, ok := index[k][v]
				if !ok {
					return nil, lineError(path, r.line, line, "%s %q is not a class of %s", a, v, fileSplitMeta)
				}
				l = c
			}
			into[a].Labels[len(ids)] = l
		}
		ids = append(ids, strings.Clone(f[1]))
	}
	if err := r.finish(); err != nil && n > 0 {
		return nil, err
	}
	if len(ids) != n {
		return nil, fmt.Errorf("%s: %d lines, expected %d", path, len(ids), n)
	}
	return ids, nil
}

// readLists reads a per-user list file: exactly one line per user, in order.
func readLists(path string, nu, ni int) ([][]int32, error) {
	r, err := openLines(path)
	if err != nil {
		return nil, fmt.Errorf("split files: %w", err)
	}
	defer r.close()
	out := make([][]int32, 0, nu)
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		u, items, msg := parseListLine(line)
		if msg != "" {
			return nil, lineError(path, r.line, line, "%s", msg)
		}
		if int(u) != len(out) || int(u) >= nu {
			return nil, lineError(path, r.line, line, "user %d, expected %d of %d users", u, len(out), nu)
		}
		if len(items) > 0 && int(items[len(items)-1]) >= ni {
			return nil, lineError(path, r.line, line, "item %d outside [0, %d)", items[len(items)-1], ni)
		}
		out = append(out, items)
	}
	if err := r.finish(); err != nil && nu > 0 {
		return nil, err
	}
	if len(out) != nu {
		return nil, fmt.Errorf("%s: %d lines, expected one per user (%d)", path, len(out), nu)
	}
	return out, nil
}
