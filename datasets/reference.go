package datasets

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/potau/potau/internal/atomicfile"
)

// The reference implementation (oktton/Attribute-wise-Unlearning) reads a
// preprocessed split: train pairs "u,i", and per test positive a line
//
//	(u, i)<TAB>neg_1<TAB>…<TAB>neg_N
//
// with dense 0-based ids. Its user and item counts are the largest training
// ids plus one. potau adds a user attribute CSV "user,<attribute>…".

// parseRefTrain parses a train_interactions.csv line "u,i".
func parseRefTrain(line string) (u, i int32, msg string) {
	var buf [2]string
	f, msg := splitFields(buf[:0], line, ",", 2, false)
	if msg != "" {
		return 0, 0, msg + " (user,item)"
	}
	if u, msg = parseDenseID(f[0], "user"); msg != "" {
		return 0, 0, msg
	}
	if i, msg = parseDenseID(f[1], "item"); msg != "" {
		return 0, 0, msg
	}
	return u, i, ""
}

// parseDenseID parses a dense 0-based id (surrounding spaces allowed).
func parseDenseID(s, what string) (int32, string) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 32)
	if err != nil || v < 0 || v > 1<<31-2 {
		return 0, fmt.Sprintf("%s id %q is not an integer in [0, 2^31-2]", what, s)
	}
	return int32(v), ""
}

// parseRefTestNeg parses a test_neg_interactions line "(u, i)\tn_1\t…\tn_N"
// (N >= 1).
func parseRefTestNeg(line string) (u, i int32, neg []int32, msg string) {
	f := strings.Split(line, "\t")
	if len(f) < 2 {
		return 0, 0, nil, "expected \"(user, item)\" followed by tab-separated negative items" + delimiterHint(line, "\t")
	}
	head := strings.TrimSpace(f[0])
	if !strings.HasPrefix(head, "(") || !strings.HasSuffix(head, ")") {
		return 0, 0, nil, fmt.Sprintf("first field %q is not \"(user, item)\"", f[0])
	}
	pair := strings.Split(head[1:len(head)-1], ",")
	if len(pair) != 2 {
		return 0, 0, nil, fmt.Sprintf("first field %q is not \"(user, item)\"", f[0])
	}
	if u, msg = parseDenseID(pair[0], "user"); msg != "" {
		return 0, 0, nil, msg
	}
	if i, msg = parseDenseID(pair[1], "item"); msg != "" {
		return 0, 0, nil, msg
	}
	neg = make([]int32, len(f)-1)
	for k, s := range f[1:] {
		if neg[k], msg = parseDenseID(s, "negative item"); msg != "" {
			return 0, 0, nil, fmt.Sprintf("field %d: %s", k+2, msg)
		}
	}
	return u, i, neg, ""
}

// parseRefUser parses a line of the user attribute CSV: "u,v_1,…,v_k".
func parseRefUser(line string, k int) (int32, []string, string) {
	f := strings.Split(line, ",")
	if len(f) != k+1 {
		return 0, nil, fmt.Sprintf("expected %d comma-separated fields (user and %d attribute(s)), got %d%s", k+1, k, len(f), delimiterHint(line, ","))
	}
	u, msg := parseDenseID(f[0], "user")
	if msg != "" {
		return 0, nil, msg
	}
	vals := f[1:]
	for j, v := range vals {
		if vals[j] = strings.TrimSpace(v); vals[j] == "" {
			return 0, nil, fmt.Sprintf("attribute value %d is empty", j+1)
		}
	}
	return u, vals, ""
}

// LoadReference reads the reference format from dir and returns it as a
// Split: train positives, one test line per test positive with its sampled
// negatives (all lines of a user must carry the same negatives), and the
// attributes of the user CSV. The train file may start with a "user,item"
// header. Users number max(train user)+1; a test or attribute line naming
// a larger user is an error, as is a user without an attribute line.
// Items number max(item id anywhere)+1. The protocol is "loo" when every
// user has at most one test positive, else "ratio"; evaluation "sampled".
func LoadReference(dir string, rc ReferenceConfig) (*Split, error) {
	if err := rc.Validate(); err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	trainPath := filepath.Join(dir, rc.Train)
	r, err := openLines(trainPath)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	defer r.close()
	type pair struct{ u, i int32 }
	var train []pair
	maxU, maxI := int32(-1), int32(-1)
	first := true
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		if first {
			first = false
			if h := strings.ReplaceAll(line, " ", ""); h == "user,item" {
				continue
			}
		}
		u, i, msg := parseRefTrain(line)
		if msg != "" {
			return nil, lineError(trainPath, r.line, line, "%s", msg)
		}
		train = append(train, pair{u, i})
		maxU, maxI = max(maxU, u), max(maxI, i)
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, fmt.Errorf("%s: no training pairs after the header", trainPath)
	}
	nu := int(maxU) + 1
	// Ids are dense, so every user has a training pair: a larger id means
	// a malformed file (and would allocate per-user lists for nothing).
	if nu > len(train) {
		return nil, fmt.Errorf("%s: user ids are not dense 0-based ids: the largest is %d but there are only %d training pairs", trainPath, maxU, len(train))
	}

	testPath := filepath.Join(dir, rc.TestNeg)
	tr, err := openLines(testPath)
	if err != nil {
		return nil, fmt.Errorf("reference: %w", err)
	}
	defer tr.close()
	test := make([][]int32, nu)
	testNeg := make([][]int32, nu)
	negLine := make([]int, nu)
	numNeg := -1
	numTestItems := 0
	for {
		line, ok := tr.next()
		if !ok {
			break
		}
		u, i, neg, msg := parseRefTestNeg(line)
		if msg != "" {
			return nil, lineError(testPath, tr.line, line, "%s", msg)
		}
		if int(u) >= nu {
			return nil, lineError(testPath, tr.line, line, "unknown user id %d: %s has users 0..%d", u, rc.Train, nu-1)
		}
		if numNeg < 0 {
			numNeg = len(neg)
		} else if len(neg) != numNeg {
			return nil, lineError(testPath, tr.line, line, "%d negatives, but earlier lines have %d", len(neg), numNeg)
		}
		slices.Sort(neg)
		if testNeg[u] == nil {
			testNeg[u] = neg
			negLine[u] = tr.line
		} else if !slices.Equal(testNeg[u], neg) {
			return nil, lineError(testPath, tr.line, line, "user %d has other negatives than on line %d; potau keeps one negative list per user", u, negLine[u])
		}
		test[u] = append(test[u], i)
		numTestItems += 1 + len(neg)
		maxI = max(maxI, i, slices.Max(neg))
	}
	if err := tr.finish(); err != nil {
		return nil, err
	}
	ni := int(maxI) + 1
	if ni > len(train)+numTestItems {
		return nil, fmt.Errorf("%s, %s: item ids are not dense 0-based ids: the largest is %d but only %d item ids are listed", trainPath, testPath, maxI, len(train)+numTestItems)
	}

	sp := &Split{
		NumUsers: nu, NumItems: ni,
		Train: make([][]int32, nu), Valid: make([][]int32, nu), Test: make([][]int32, nu), TestNeg: make([][]int32, nu),
		Protocol: Protocol{Split: "loo", Eval: "sampled", Negatives: numNeg},
		UserIDs:  denseIDs(nu), ItemIDs: denseIDs(ni),
	}
	for _, p := range train {
		sp.Train[p.u] = append(sp.Train[p.u], p.i)
	}
	for u := 0; u < nu; u++ {
		sp.Train[u] = slices.Compact(sortedCopy(sp.Train[u]))
		sp.Test[u] = slices.Compact(sortedCopy(test[u]))
		sp.TestNeg[u] = testNeg[u]
		if len(sp.Test[u]) > 1 {
			sp.Protocol.Split = "ratio"
		}
	}
	if err := readRefUsers(refUsersPath(dir, rc), rc.Train, sp); err != nil {
		return nil, err
	}
	return sp, nil
}

// RefPickledUsers is the reference implementation's own user attribute
// file: a pickled dict user → gender saved with np.save.
const RefPickledUsers = "user_gender.npy"

// refUsersPath is the user attribute file LoadReference reads: rc.Users,
// or RefPickledUsers when rc.Users is the default name, absent, and the
// folder holds the reference's user_gender.npy (its bundles run
// unchanged).
func refUsersPath(dir string, rc ReferenceConfig) string {
	p := filepath.Join(dir, rc.Users)
	if rc.Users == DefaultConfig().Reference.Users && !fileExists(p) {
		if q := filepath.Join(dir, RefPickledUsers); fileExists(q) {
			return q
		}
	}
	return p
}

// readRefPickledUsers reads a pickled dict user → label (readPickledLabels)
// into sp.Attributes; the attribute is named after the file:
// user_<name>.npy (user_gender.npy → gender), else its stem.
func readRefPickledUsers(path, trainName string, sp *Split) error {
	labels, err := readPickledLabels(path)
	if err != nil {
		return err
	}
	name := strings.TrimSuffix(filepath.Base(path), ".npy")
	if n, ok := strings.CutPrefix(name, "user_"); ok && n != "" {
		name = n
	}
	nu := sp.NumUsers
	values := make([]string, nu)
	for u, lab := range labels {
		if u >= int64(nu) {
			return fmt.Errorf("%s: unknown user id %d: %s has users 0..%d", path, u, trainName, nu-1)
		}
		values[u] = lab
	}
	for u, v := range values {
		if v == "" {
			return fmt.Errorf("%s: user %d (of %s) has no label", path, u, trainName)
		}
	}
	a, err := newAttribute(name, values, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	sp.Attributes = map[string]*Attribute{name: a}
	return nil
}

func sortedCopy(v []int32) []int32 {
	c := slices.Clone(v)
	slices.Sort(c)
	return c
}

func denseIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(i)
	}
	return ids
}

// readRefUsers reads the user attribute CSV (or, for a .npy file, the
// pickled dict of readRefPickledUsers) into sp.Attributes.
func readRefUsers(path, trainName string, sp *Split) error {
	if strings.HasSuffix(path, ".npy") {
		return readRefPickledUsers(path, trainName, sp)
	}
	r, err := openLines(path)
	if err != nil {
		return fmt.Errorf("reference: %w", err)
	}
	defer r.close()
	header, ok := r.next()
	if !ok {
		if err := r.finish(); err != nil {
			return err
		}
		return fmt.Errorf("%s: file is empty", path)
	}
	cols := strings.Split(header, ",")
	if len(cols) < 2 || strings.TrimSpace(cols[0]) != "user" {
		return lineError(path, r.line, header, "expected a header \"user,<attribute>[,<attribute>…]\"")
	}
	names := cols[1:]
	for k := range names {
		names[k] = strings.TrimSpace(names[k])
		if names[k] == "" || slices.Contains(names[:k], names[k]) {
			return lineError(path, r.line, header, "attribute name %d is empty or repeated", k+1)
		}
	}
	nu := sp.NumUsers
	values := make([][]string, len(names))
	for k := range values {
		values[k] = make([]string, nu)
	}
	seen := make([]int, nu)
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		u, vals, msg := parseRefUser(line, len(names))
		if msg != "" {
			return lineError(path, r.line, line, "%s", msg)
		}
		if int(u) >= nu {
			return lineError(path, r.line, line, "unknown user id %d: %s has users 0..%d", u, trainName, nu-1)
		}
		if seen[u] != 0 {
			return lineError(path, r.line, line, "duplicate user %d (first on line %d)", u, seen[u])
		}
		seen[u] = r.line
		for k, v := range vals {
			values[k][u] = v
		}
	}
	if err := r.finish(); err != nil {
		return err
	}
	for u, l := range seen {
		if l == 0 {
			return fmt.Errorf("%s: user %d (of %s) has no attribute line", path, u, trainName)
		}
	}
	sp.Attributes = make(map[string]*Attribute, len(names))
	for k, name := range names {
		a, err := newAttribute(name, values[k], nil)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		sp.Attributes[name] = a
	}
	return nil
}

// WriteReference writes s in the reference format into dir (created if
// needed): train_interactions.csv as headerless "user,item" lines (the
// reference code reads it with pandas header=None), then
// test_neg_interactions with one line per test positive, and
// user_attributes.csv with the attribute (all attributes, by name, when
// attribute is ""). Ids are s's dense ids. The split must use sampled
// evaluation and no validation hold-out, which the format cannot carry.
// Output bytes depend only on s.
func WriteReference(dir string, s *Split, attribute string) error {
	if s.Protocol.Eval != "sampled" || s.TestNeg == nil {
		return fmt.Errorf("reference format: needs sampled negatives, the split uses %q evaluation", s.Protocol.Eval)
	}
	if err := checkSplit(s); err != nil {
		return err
	}
	for u := range s.Valid {
		if len(s.Valid[u]) > 0 {
			return fmt.Errorf("reference format: has no validation hold-out; make the split with split.validation: false")
		}
	}
	var names []string
	if attribute == "" {
		names = sortedKeys(s.Attributes)
	} else {
		if s.Attributes[attribute] == nil {
			return fmt.Errorf("reference format: split has no attribute %q (has %s)", attribute, strings.Join(sortedKeys(s.Attributes), ", "))
		}
		names = []string{attribute}
	}
	if len(names) == 0 {
		return fmt.Errorf("reference format: split has no user attributes")
	}
	for _, n := range names {
		a := s.Attributes[n]
		for _, c := range append([]string{n}, a.Classes...) {
			if c == "" || strings.ContainsAny(c, ",\n\r\"") {
				return fmt.Errorf("reference format: attribute %s: name or class %q is empty or contains a comma, quote or newline", n, c)
			}
		}
		for u, l := range a.Labels {
			if l < 0 {
				return fmt.Errorf("reference format: user %s has no %s", s.UserIDs[u], n)
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	rd := DefaultConfig().Reference
	err := writeFile(filepath.Join(dir, rd.Train), func(w *bufio.Writer) {
		for u, items := range s.Train {
			for _, i := range items {
				fmt.Fprintf(w, "%d,%d\n", u, i)
			}
		}
	})
	if err != nil {
		return err
	}
	err = writeFile(filepath.Join(dir, rd.TestNeg), func(w *bufio.Writer) {
		for u, items := range s.Test {
			for _, i := range items {
				fmt.Fprintf(w, "(%d, %d)", u, i)
				for _, n := range s.TestNeg[u] {
					fmt.Fprintf(w, "\t%d", n)
				}
				w.WriteByte('\n')
			}
		}
	})
	if err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, rd.Users), func(w *bufio.Writer) {
		w.WriteString("user," + strings.Join(names, ",") + "\n")
		for u := 0; u < s.NumUsers; u++ {
			w.WriteString(strconv.Itoa(u))
			for _, n := range names {
				a := s.Attributes[n]
				w.WriteString("," + a.Classes[a.Labels[u]])
			}
			w.WriteByte('\n')
		}
	})
}

// writeFile writes path through a buffered writer, atomically and durably
// (internal/atomicfile).
func writeFile(path string, fill func(w *bufio.Writer)) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<16)
		fill(bw)
		return bw.Flush()
	})
}

// checkSplit verifies a Split's shape and id ranges.
func checkSplit(s *Split) error {
	if s == nil {
		return fmt.Errorf("datasets: nil Split")
	}
	nu, ni := s.NumUsers, s.NumItems
	if len(s.Train) != nu || len(s.Test) != nu || (s.Valid != nil && len(s.Valid) != nu) ||
		(s.TestNeg != nil && len(s.TestNeg) != nu) || (s.ValidNeg != nil && len(s.ValidNeg) != nu) {
		return fmt.Errorf("split: per-user lists do not all have NumUsers = %d entries", nu)
	}
	if len(s.UserIDs) != nu || len(s.ItemIDs) != ni {
		return fmt.Errorf("split: %d user ids / %d item ids for %d users / %d items", len(s.UserIDs), len(s.ItemIDs), nu, ni)
	}
	for _, lists := range [][][]int32{s.Train, s.Valid, s.Test, s.TestNeg, s.ValidNeg} {
		for u, l := range lists {
			for _, i := range l {
				if i < 0 || int(i) >= ni {
					return fmt.Errorf("split: user %d lists item %d outside [0, %d)", u, i, ni)
				}
			}
		}
	}
	for name, a := range s.Attributes {
		if len(a.Labels) != nu {
			return fmt.Errorf("split: attribute %s has %d labels for %d users", name, len(a.Labels), nu)
		}
		for u, l := range a.Labels {
			if l < -1 || int(l) >= len(a.Classes) {
				return fmt.Errorf("split: attribute %s: user %d has label %d outside [-1, %d)", name, u, l, len(a.Classes))
			}
		}
	}
	return nil
}
