package datasets

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// rawRating is one parsed interaction line with raw ids.
type rawRating struct {
	User, Item string
	Rating     float32
	Time       int64
}

// rawUser is one parsed user line: the raw id and attribute values by name.
type rawUser struct {
	ID    string
	Attrs [3]string // gender, age, occupation (in the order of mlAttrNames)
	// Age is ML-100K's exact age in years (canonical decimal), which
	// Attrs bins into ML-1M's groups; empty for ML-1M, whose file holds
	// the groups only.
	Age string
}

// mlAttrNames are the attributes MovieLens provides, in rawUser.Attrs order.
var mlAttrNames = []string{"gender", "age", "occupation"}

// Fixed class orders for MovieLens attributes. Age uses ML-1M's published
// groups; ML-100K's exact ages are binned into the same groups so that both
// data sets share one "age" attribute.
var (
	genderClasses = []string{"M", "F"}
	ageClasses    = []string{"Under 18", "18-24", "25-34", "35-44", "45-49", "50-55", "56+"}
	ml1mAgeCodes  = map[int]string{1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+"}
	// ml1mOccupations are the 21 occupation codes of ML-1M's README.
	ml1mOccupations = []string{"other", "academic/educator", "artist", "clerical/admin",
		"college/grad student", "customer service", "doctor/health care", "executive/managerial",
		"farmer", "homemaker", "K-12 student", "lawyer", "programmer", "retired", "sales/marketing",
		"scientist", "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer"}
)

// ageGroup bins an exact age into ML-1M's age groups.
func ageGroup(age int) string {
	switch {
	case age < 18:
		return ageClasses[0]
	case age < 25:
		return ageClasses[1]
	case age < 35:
		return ageClasses[2]
	case age < 45:
		return ageClasses[3]
	case age < 50:
		return ageClasses[4]
	case age < 56:
		return ageClasses[5]
	}
	return ageClasses[6]
}

// parseID parses a positive decimal id and returns it in canonical form
// ("007" becomes "7"), so raw ids compare as numbers do.
func parseID(s, what string) (string, string) {
	v, err := strconv.ParseUint(s, 10, 63)
	if err != nil {
		return "", fmt.Sprintf("%s id %q is not a non-negative integer", what, s)
	}
	if s[0] != '0' || len(s) == 1 { // already canonical: no allocation
		return s, ""
	}
	return strconv.FormatUint(v, 10), ""
}

// parseRatingFields parses the four fields user, item, rating, timestamp.
func parseRatingFields(f []string) (rawRating, string) {
	var r rawRating
	var msg string
	if r.User, msg = parseID(f[0], "user"); msg != "" {
		return r, msg
	}
	if r.Item, msg = parseID(f[1], "item"); msg != "" {
		return r, msg
	}
	v, err := strconv.ParseFloat(f[2], 32)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return r, fmt.Sprintf("rating %q is not a finite number", f[2])
	}
	r.Rating = float32(v)
	if r.Time, err = strconv.ParseInt(f[3], 10, 64); err != nil {
		return r, fmt.Sprintf("timestamp %q is not an integer", f[3])
	}
	return r, ""
}

// parseML100KRating parses a line of ML-100K's u.data:
// "user<TAB>item<TAB>rating<TAB>timestamp". It returns a message describing
// what was expected when the line is malformed.
func parseML100KRating(line string) (rawRating, string) {
	var buf [4]string
	f, msg := splitFields(buf[:0], line, "\t", 4, false)
	if msg != "" {
		return rawRating{}, msg + " (user item rating timestamp)"
	}
	return parseRatingFields(f)
}

// parseML1MRating parses a line of ML-1M's ratings.dat:
// "UserID::MovieID::Rating::Timestamp".
func parseML1MRating(line string) (rawRating, string) {
	var buf [4]string
	f, msg := splitFields(buf[:0], line, "::", 4, false)
	if msg != "" {
		return rawRating{}, msg + " (UserID::MovieID::Rating::Timestamp)"
	}
	return parseRatingFields(f)
}

// parseGender checks a MovieLens gender code.
func parseGender(s string) (string, string) {
	if s != "M" && s != "F" {
		return "", fmt.Sprintf("gender %q is not M or F", s)
	}
	return s, ""
}

// parseML100KUser parses a line of ML-100K's u.user: "id|age|gender|occupation|zip".
func parseML100KUser(line string) (rawUser, string) {
	var buf [5]string
	var u rawUser
	f, msg := splitFields(buf[:0], line, "|", 5, false)
	if msg != "" {
		return u, msg + " (id|age|gender|occupation|zip)"
	}
	if u.ID, msg = parseID(f[0], "user"); msg != "" {
		return u, msg
	}
	age, err := strconv.Atoi(f[1])
	if err != nil || age < 0 || age > 150 {
		return u, fmt.Sprintf("age %q is not an integer in [0, 150]", f[1])
	}
	if u.Attrs[0], msg = parseGender(f[2]); msg != "" {
		return u, msg
	}
	u.Attrs[1], u.Age = ageGroup(age), strconv.Itoa(age)
	if f[3] == "" {
		return u, "occupation is empty"
	}
	u.Attrs[2] = f[3]
	return u, ""
}

// parseML1MUser parses a line of ML-1M's users.dat:
// "UserID::Gender::Age::Occupation::Zip-code", with ML-1M's age and
// occupation codes.
func parseML1MUser(line string) (rawUser, string) {
	var buf [5]string
	var u rawUser
	f, msg := splitFields(buf[:0], line, "::", 5, false)
	if msg != "" {
		return u, msg + " (UserID::Gender::Age::Occupation::Zip-code)"
	}
	if u.ID, msg = parseID(f[0], "user"); msg != "" {
		return u, msg
	}
	if u.Attrs[0], msg = parseGender(f[1]); msg != "" {
		return u, msg
	}
	code, err := strconv.Atoi(f[2])
	age, ok := ml1mAgeCodes[code]
	if err != nil || !ok {
		return u, fmt.Sprintf("age code %q is not one of 1, 18, 25, 35, 45, 50, 56", f[2])
	}
	u.Attrs[1] = age
	occ, err := strconv.Atoi(f[3])
	if err != nil || occ < 0 || occ >= len(ml1mOccupations) {
		return u, fmt.Sprintf("occupation code %q is not an integer in [0, 20]", f[3])
	}
	u.Attrs[2] = ml1mOccupations[occ]
	return u, ""
}

// parseItemTitle parses an item line "id<sep>title<sep>…" (u.item with "|",
// movies.dat with "::") whose text is ISO-8859-1; the title is returned as
// UTF-8.
func parseItemTitle(line, sep string) (id, title string, msg string) {
	var buf [24]string
	f, msg := splitFields(buf[:0], line, sep, 2, true)
	if msg != "" {
		return "", "", msg + " (id" + sep + "title" + sep + "…)"
	}
	if id, msg = parseID(f[0], "item"); msg != "" {
		return "", "", msg
	}
	return id, latin1(f[1]), ""
}

// latin1 decodes ISO-8859-1 bytes to UTF-8 (every byte is one code point).
func latin1(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); i++ {
		b = utf8.AppendRune(b, rune(s[i]))
	}
	return string(b)
}

// mlFormat describes one MovieLens release.
type mlFormat struct {
	name        string
	ratings     []string // candidate file names, first found wins
	users       string
	items       string
	itemSep     string
	parseRating func(string) (rawRating, string)
	parseUser   func(string) (rawUser, string)
	occupations []string // fixed class order, or nil to sort the values seen
}

var ml100k = mlFormat{
	name: "ml-100k", ratings: []string{"u.data", "u.data.gz"}, users: "u.user", items: "u.item", itemSep: "|",
	parseRating: parseML100KRating, parseUser: parseML100KUser,
}

var ml1m = mlFormat{
	name: "ml-1m", ratings: []string{"ratings.dat", "ratings.dat.gz"}, users: "users.dat", items: "movies.dat", itemSep: "::",
	parseRating: parseML1MRating, parseUser: parseML1MUser, occupations: ml1mOccupations,
}

// LoadML100K reads MovieLens-100K from dir (u.data, u.user, and u.item for
// titles when present). Its exact ages are binned into ML-1M's seven age
// groups (LoadML100KAges with AgeGroupsML1M).
func LoadML100K(ctx context.Context, dir string) (*Dataset, error) {
	return loadMovieLens(ctx, dir, ml100k, AgeGroupsML1M)
}

// The values of data.age_groups (Config.AgeGroups).
const (
	// AgeGroupsML1M bins ages into ML-1M's seven groups (Under 18, 18-24,
	// 25-34, 35-44, 45-49, 50-55, 56+), so that ML-100K and ML-1M share
	// one "age" attribute.
	AgeGroupsML1M = "ml-1m"
	// AgeGroupsNone keeps the ages as the file has them: ML-100K's exact
	// years (classes sorted numerically); ML-1M's file holds its groups
	// only, which stay as they are.
	AgeGroupsNone = "none"
)

// LoadML100KAges is LoadML100K with the age attribute as groups says:
// AgeGroupsML1M (LoadML100K's) or AgeGroupsNone (the exact ages).
func LoadML100KAges(ctx context.Context, dir, groups string) (*Dataset, error) {
	if groups != AgeGroupsML1M && groups != AgeGroupsNone {
		return nil, fmt.Errorf("ml-100k: age groups %q, want %q or %q", groups, AgeGroupsML1M, AgeGroupsNone)
	}
	return loadMovieLens(ctx, dir, ml100k, groups)
}

// LoadML1M reads MovieLens-1M from dir (ratings.dat or ratings.dat.gz,
// users.dat, and movies.dat for titles when present).
func LoadML1M(ctx context.Context, dir string) (*Dataset, error) {
	return loadMovieLens(ctx, dir, ml1m, AgeGroupsML1M)
}

// loadMovieLens reads one MovieLens format; ages "none" keeps the exact
// ages where the file has them (rawUser.Age).
func loadMovieLens(ctx context.Context, dir string, ff mlFormat, ages string) (*Dataset, error) {
	ratingsPath, ok := firstExisting(dir, ff.ratings...)
	if !ok {
		return nil, fmt.Errorf("%s: no %s in %s", ff.name, strings.Join(ff.ratings, " or "), dir)
	}
	sum := newSourceSum(ff.name)

	// Users first, so that ratings by unknown users are reported as such.
	usersPath := filepath.Join(dir, ff.users)
	users, err := readUsers(ctx, usersPath, ff.parseUser, sum)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ff.name, err)
	}

	uidx, iidx := newIDIndex(), newIDIndex()
	r, err := openLines(ratingsPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ff.name, err)
	}
	defer r.close()
	inter := make([]Interaction, 0, 1<<17)
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		if err := r.checkCtx(ctx); err != nil {
			return nil, err
		}
		rr, msg := ff.parseRating(line)
		if msg != "" {
			return nil, lineError(ratingsPath, r.line, line, "%s", msg)
		}
		inter = append(inter, Interaction{User: uidx.add(rr.User), Item: iidx.add(rr.Item), Rating: rr.Rating, Time: rr.Time})
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	sum.add(ratingsPath, r.sum())

	d := &Dataset{Name: ff.name, Interactions: inter}
	if err := finishIDs(d, uidx, iidx); err != nil {
		return nil, err
	}
	exact := false
	if ages == AgeGroupsNone {
		for id, u := range users {
			if u.Age != "" {
				u.Attrs[1], exact = u.Age, true
				users[id] = u
			}
		}
	}
	if err := attachMLAttributes(d, users, usersPath, ratingsPath, ff.occupations, exact); err != nil {
		return nil, fmt.Errorf("%s: %w", ff.name, err)
	}
	if p := filepath.Join(dir, ff.items); fileExists(p) {
		titles, err := readTitles(ctx, p, ff.itemSep, d.ItemIDs, sum)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ff.name, err)
		}
		d.ItemTitles = titles
	}
	d.Checksum = sum.String()
	return d, nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// finishIDs assigns the final dense ids and remaps the interactions.
func finishIDs(d *Dataset, uidx, iidx *idIndex) error {
	var ur, ir []int32
	d.UserIDs, ur = uidx.finish()
	d.ItemIDs, ir = iidx.finish()
	if len(d.UserIDs) > math.MaxInt32-1 || len(d.ItemIDs) > math.MaxInt32-1 {
		return fmt.Errorf("%s: more than 2^31-2 users or items", d.Name)
	}
	for k := range d.Interactions {
		it := &d.Interactions[k]
		it.User = ur[it.User]
		it.Item = ir[it.Item]
	}
	return nil
}

// readUsers reads a MovieLens user file into raw id → user.
func readUsers(ctx context.Context, path string, parse func(string) (rawUser, string), sum *sourceSum) (map[string]rawUser, error) {
	r, err := openLines(path)
	if err != nil {
		return nil, err
	}
	defer r.close()
	users := make(map[string]rawUser)
	firstLine := make(map[string]int)
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		if err := r.checkCtx(ctx); err != nil {
			return nil, err
		}
		u, msg := parse(line)
		if msg != "" {
			return nil, lineError(path, r.line, line, "%s", msg)
		}
		if prev, dup := firstLine[u.ID]; dup {
			return nil, lineError(path, r.line, line, "duplicate user id %s (first on line %d)", u.ID, prev)
		}
		firstLine[u.ID] = r.line
		users[u.ID] = u
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	sum.add(path, r.sum())
	return users, nil
}

// attachMLAttributes builds gender, age and occupation for the users of d.
// A user who rated but has no line in the user file is an error.
//
// exactAges says the age values are exact years (classes: the values seen,
// sorted numerically) rather than ML-1M's groups.
func attachMLAttributes(d *Dataset, users map[string]rawUser, usersPath, ratingsPath string, occupations []string, exactAges bool) error {
	var missing []string
	for _, id := range d.UserIDs {
		if _, ok := users[id]; !ok {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d user(s) in %s have no line in %s (no attributes), first: user %s",
			len(missing), ratingsPath, usersPath, missing[0])
	}
	d.Attributes = make(map[string]*Attribute, len(mlAttrNames))
	for k, name := range mlAttrNames {
		var classes []string
		switch name {
		case "gender":
			classes = slices.Clone(genderClasses)
		case "age":
			if !exactAges {
				classes = slices.Clone(ageClasses)
			}
		case "occupation":
			if occupations != nil {
				classes = slices.Clone(occupations)
			}
		}
		values := make([]string, len(d.UserIDs))
		for u, id := range d.UserIDs {
			values[u] = users[id].Attrs[k]
		}
		a, err := newAttribute(name, values, classes)
		if err != nil {
			return err
		}
		d.Attributes[name] = a
	}
	return nil
}

// newAttribute builds a categorical attribute from per-user values. With
// classes nil the classes are the distinct values, sorted (numerically when
// all are numbers); otherwise a value outside classes is an error. An empty
// value marks a user without a value (label -1).
func newAttribute(name string, values []string, classes []string) (*Attribute, error) {
	if classes == nil {
		seen := map[string]bool{}
		for _, v := range values {
			if v != "" && !seen[v] {
				seen[v] = true
				classes = append(classes, v)
			}
		}
		sortClasses(classes)
	}
	index := make(map[string]int32, len(classes))
	for i, c := range classes {
		index[c] = int32(i)
	}
	a := &Attribute{Name: name, Classes: classes, Labels: make([]int32, len(values))}
	for u, v := range values {
		if v == "" {
			a.Labels[u] = -1
			continue
		}
		l, ok := index[v]
		if !ok {
			return nil, fmt.Errorf("attribute %s: value %q of user %d is not one of %v", name, v, u, classes)
		}
		a.Labels[u] = l
	}
	return a, nil
}

// readTitles reads item titles (Latin-1) for the items of ids.
func readTitles(ctx context.Context, path, sep string, ids []string, sum *sourceSum) ([]string, error) {
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	titles := make([]string, len(ids))
	r, err := openLines(path)
	if err != nil {
		return nil, err
	}
	defer r.close()
	for {
		line, ok := r.next()
		if !ok {
			break
		}
		if err := r.checkCtx(ctx); err != nil {
			return nil, err
		}
		id, title, msg := parseItemTitle(line, sep)
		if msg != "" {
			return nil, lineError(path, r.line, line, "%s", msg)
		}
		if i, ok := pos[id]; ok {
			titles[i] = title
		}
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	sum.add(path, r.sum())
	return titles, nil
}
