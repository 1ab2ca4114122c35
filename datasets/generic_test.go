package datasets

import (
	"context"
	"strings"
	"testing"
)

// lfmLike is laid out like LFM-2B's files: interactions
// "user_id<TAB>track_id<TAB>timestamp", users
// "user_id<TAB>country<TAB>age<TAB>gender<TAB>creation_time".
func lfmConfig() GenericConfig {
	g := DefaultConfig().Generic
	g.Interactions, g.Users = "listening-events.tsv", "users.tsv"
	g.Header, g.UsersHeader = true, true
	g.TimeColumn = 2
	g.Attributes = map[string]int{"gender": 3, "country": 1}
	return g
}

func TestGenericLoader(t *testing.T) {
	dir := t.TempDir()
	writeText(t, dir, "listening-events.tsv", "user_id\ttrack_id\ttimestamp\n10\t7\t100\n2\t7\t50\n10\t3\t90\n2\t5\t60\n")
	writeText(t, dir, "users.tsv", "user_id\tcountry\tage\tgender\tcreation_time\n2\tUS\t30\tf\t1\n10\tDE\t25\tm\t2\n99\tFR\t20\tm\t3\n")
	d, err := LoadGeneric(context.Background(), dir, lfmConfig())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.UserIDs, ",") != "2,10" || strings.Join(d.ItemIDs, ",") != "3,5,7" {
		t.Errorf("ids %v %v (want numeric order)", d.UserIDs, d.ItemIDs)
	}
	g := d.Attributes["gender"]
	if strings.Join(g.Classes, ",") != "f,m" || g.Labels[0] != 0 || g.Labels[1] != 1 {
		t.Errorf("gender %+v", g)
	}
	if c := d.Attributes["country"]; c.Classes[c.Labels[1]] != "DE" {
		t.Errorf("country %+v", c)
	}
	if d.Interactions[0] != (Interaction{User: 1, Item: 2, Rating: 1, Time: 100}) {
		t.Errorf("first interaction %+v", d.Interactions[0])
	}
	// Through Load/Prepare with data.path.
	c := DefaultConfig()
	c.Name, c.Path, c.Generic = NameGeneric, dir, lfmConfig()
	c.Split.Negatives = 1
	fd, sp, err := Prepare(context.Background(), c, 1)
	if err != nil {
		t.Fatal(err)
	}
	// User 10's latest is track 7 (t=100); user 2's is track 5 (t=60).
	if !eqList(sp.Test[1], []int32{2}) || !eqList(sp.Test[0], []int32{1}) || fd.NumUsers() != 2 {
		t.Errorf("tests %v", sp.Test)
	}

	// String ids sort lexicographically; without a time column the line
	// number is the time.
	dir2 := t.TempDir()
	writeText(t, dir2, "i.csv", "bob,x,5\nalice,y,3\nbob,z,4\n")
	writeText(t, dir2, "u.csv", "alice,F\nbob,M\n")
	g2 := DefaultConfig().Generic
	g2.Interactions, g2.Users, g2.Delimiter, g2.RatingColumn = "i.csv", "u.csv", ",", 2
	d2, err := LoadGeneric(context.Background(), dir2, g2)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(d2.UserIDs, ",") != "alice,bob" || d2.Interactions[2].Time != 3 || d2.Interactions[2].Rating != 4 {
		t.Errorf("string ids: %v %+v", d2.UserIDs, d2.Interactions)
	}
}

func TestGenericBadInput(t *testing.T) {
	tests := []struct {
		name         string
		inter, users string
		want         []string
	}{
		{"wrong delimiter", "h\n1::2::3\n", "h\n1\tUS\t1\tm\n", []string{"listening-events.tsv:2:", `separated by "::", not tab`}},
		{"too few columns", "h\n1\t2\n", "h\n1\tUS\t1\tm\n", []string{"listening-events.tsv:2:", "at least 3 fields"}},
		{"bad timestamp", "h\n1\t2\tyesterday\n", "h\n1\tUS\t1\tm\n", []string{":2:", `timestamp (column 2) "yesterday"`}},
		{"user without attributes", "h\n1\t2\t3\n5\t2\t3\n", "h\n1\tUS\t1\tm\n", []string{"no line in", `user "5"`}},
		{"empty attribute", "h\n1\t2\t3\n", "h\n1\tUS\t1\t\n", []string{"users.tsv:2:", "attribute gender (column 3) is empty"}},
		{"duplicate user", "h\n1\t2\t3\n", "h\n1\tUS\t1\tm\n1\tUS\t1\tf\n", []string{"users.tsv:3:", "duplicate"}},
		{"header only", "h\n", "h\n1\tUS\t1\tm\n", []string{"no interaction lines"}},
		{"empty users", "h\n1\t2\t3\n", "", []string{"users.tsv", "empty"}},
		{"empty user id", "h\n\t2\t3\n", "h\n1\tUS\t1\tm\n", []string{":2:", "user id (column 0) is empty"}},
		// A declared header that is a data line would silently drop a row.
		{"users file without its header", "h\n1\t2\t3\n", "1\tUS\t1\tm\n", []string{"users.tsv:1:", "users_header is true but this line starts with user id 1", "users_header: false"}},
		{"interactions without their header", "1\t2\t3\n", "h\n1\tUS\t1\tm\n", []string{"listening-events.tsv:1:", "header is true but this line holds user 1 and item 2", "header: false"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeText(t, dir, "listening-events.tsv", tc.inter)
			writeText(t, dir, "users.tsv", tc.users)
			_, err := LoadGeneric(context.Background(), dir, lfmConfig())
			errContains(t, err, tc.want...)
		})
	}
}
