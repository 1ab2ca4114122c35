package datasets

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
)

// genericLayout is GenericConfig resolved for parsing one interactions line.
type genericLayout struct {
	sep                        string
	user, item, rating, timeCl int
	want                       int // fields needed
}

func newGenericLayout(g GenericConfig) genericLayout {
	l := genericLayout{sep: g.Delimiter, user: g.UserColumn, item: g.ItemColumn, rating: g.RatingColumn, timeCl: g.TimeColumn}
	l.want = 1 + max(l.user, l.item, l.rating, l.timeCl)
	return l
}

// parseGenericInteraction parses one interactions line with the configured
// columns. Fields are trimmed of surrounding spaces. Without a rating column
// the rating is 1; without a time column the time is lineNo.
func parseGenericInteraction(line string, l genericLayout, lineNo int) (rawRating, string) {
	var buf [16]string
	var r rawRating
	f, msg := splitFields(buf[:0], line, l.sep, l.want, true)
	if msg != "" {
		return r, msg
	}
	if r.User = strings.TrimSpace(f[l.user]); r.User == "" {
		return r, fmt.Sprintf("user id (column %d) is empty", l.user)
	}
	if r.Item = strings.TrimSpace(f[l.item]); r.Item == "" {
		return r, fmt.Sprintf("item id (column %d) is empty", l.item)
	}
	r.Rating = 1
	if l.rating >= 0 {
		s := strings.TrimSpace(f[l.rating])
		v, err := strconv.ParseFloat(s, 32)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return r, fmt.Sprintf("rating (column %d) %q is not a finite number", l.rating, s)
		}
		r.Rating = float32(v)
	}
	r.Time = int64(lineNo)
	if l.timeCl >= 0 {
		s := strings.TrimSpace(f[l.timeCl])
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return r, fmt.Sprintf("timestamp (column %d) %q is not an integer", l.timeCl, s)
		}
		r.Time = v
	}
	return r, ""
}

// parseGenericUser parses one user line: the id column and the attribute
// columns (in the order of names). Empty values are errors.
func parseGenericUser(line, sep string, idCol int, names []string, cols []int) (string, []string, string) {
	var buf [16]string
	want := idCol + 1
	for _, c := range cols {
		want = max(want, c+1)
	}
	f, msg := splitFields(buf[:0], line, sep, want, true)
	if msg != "" {
		return "", nil, msg
	}
	id := strings.TrimSpace(f[idCol])
	if id == "" {
		return "", nil, fmt.Sprintf("user id (column %d) is empty", idCol)
	}
	vals := make([]string, len(cols))
	for k, c := range cols {
		if vals[k] = strings.TrimSpace(f[c]); vals[k] == "" {
			return "", nil, fmt.Sprintf("attribute %s (column %d) is empty", names[k], c)
		}
	}
	return id, vals, ""
}

// LoadGeneric reads a delimited interactions file and a user attribute file
// laid out as g says; relative file names are resolved against dir. Users
// are the users with interactions, numbered in raw id order (numeric when
// every id is an integer); every one of them needs a line in the user file.
func LoadGeneric(ctx context.Context, dir string, g GenericConfig) (*Dataset, error) {
	if err := g.Validate(); err != nil {
		return nil, fmt.Errorf("generic: %w", err)
	}
	resolve := func(p string) string {
		if dir != "" && !filepath.IsAbs(p) {
			return filepath.Join(dir, p)
		}
		return p
	}
	ipath, upath := resolve(g.Interactions), resolve(g.Users)
	sum := newSourceSum(NameGeneric)

	attrs := g.attributes()
	names := sortedKeys(attrs)
	cols := make([]int, len(names))
	for k, n := range names {
		cols[k] = attrs[n]
	}
	usep := g.UsersDelimiter
	if usep == "" {
		usep = g.Delimiter
	}
	users := make(map[string][]string)
	firstLine := make(map[string]int)
	ur, err := openLines(upath)
	if err != nil {
		return nil, fmt.Errorf("generic: %w", err)
	}
	defer ur.close()
	header := g.UsersHeader
	for {
		line, ok := ur.next()
		if !ok {
			break
		}
		if header {
			header = false
			// A header whose id column is a number is a data line: skipping
			// it would silently drop a user.
			if id, _, msg := parseGenericUser(line, usep, g.UsersIDColumn, names, cols); msg == "" && isInteger(id) {
				return nil, lineError(upath, ur.line, line, "users_header is true but this line starts with user id %s, like data rather than a header: set data.generic.users_header: false, or add a header line", id)
			}
			continue
		}
		if err := ur.checkCtx(ctx); err != nil {
			return nil, err
		}
		id, vals, msg := parseGenericUser(line, usep, g.UsersIDColumn, names, cols)
		if msg != "" {
			return nil, lineError(upath, ur.line, line, "%s", msg)
		}
		if prev, dup := firstLine[id]; dup {
			return nil, lineError(upath, ur.line, line, "duplicate user id %q (first on line %d)", id, prev)
		}
		firstLine[id] = ur.line
		users[id] = vals
	}
	if err := ur.finish(); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s: no user lines after the header", upath)
	}
	sum.add(upath, ur.sum())

	layout := newGenericLayout(g)
	uidx, iidx := newIDIndex(), newIDIndex()
	r, err := openLines(ipath)
	if err != nil {
		return nil, fmt.Errorf("generic: %w", err)
	}
	defer r.close()
	var inter []Interaction
	header = g.Header
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		if header {
			header = false
			// A header with a numeric user and item id is a data line.
			if rr, msg := parseGenericInteraction(line, layout, r.line); msg == "" && isInteger(rr.User) && isInteger(rr.Item) {
				return nil, lineError(ipath, r.line, line, "header is true but this line holds user %s and item %s, like data rather than a header: set data.generic.header: false, or add a header line", rr.User, rr.Item)
			}
			continue
		}
		if err := r.checkCtx(ctx); err != nil {
			return nil, err
		}
		rr, msg := parseGenericInteraction(line, layout, r.line)
		if msg != "" {
			return nil, lineError(ipath, r.line, line, "%s", msg)
		}
		inter = append(inter, Interaction{User: uidx.add(rr.User), Item: iidx.add(rr.Item), Rating: rr.Rating, Time: rr.Time})
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	if len(inter) == 0 {
		return nil, fmt.Errorf("%s: no interaction lines after the header", ipath)
	}
	sum.add(ipath, r.sum())

	d := &Dataset{Name: NameGeneric, Interactions: inter}
	if err := finishIDs(d, uidx, iidx); err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range d.UserIDs {
		if _, ok := users[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("generic: %d user(s) in %s have no line in %s (no attributes), first: user %q",
			len(missing), ipath, upath, missing[0])
	}
	d.Attributes = make(map[string]*Attribute, len(names))
	for k, name := range names {
		values := make([]string, len(d.UserIDs))
		for u, id := range d.UserIDs {
			values[u] = users[id][k]
		}
		a, err := newAttribute(name, values, nil)
		if err != nil {
			return nil, fmt.Errorf("generic: %w", err)
		}
		d.Attributes[name] = a
	}
	d.Checksum = sum.String()
	return d, nil
}

// isInteger reports whether s is a decimal integer (a header never is).
func isInteger(s string) bool {
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}
