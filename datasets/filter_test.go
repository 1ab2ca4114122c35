package datasets

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFilterThresholdDedup: duplicates keep the latest rating, which then
// decides the threshold; ids are renumbered in order with attributes.
func TestFilterThresholdDedup(t *testing.T) {
	d := tinyDataset(3, 4, nil)
	add := func(u, i int, r float32, tm int64) {
		d.Interactions = append(d.Interactions, Interaction{User: int32(u), Item: int32(i), Rating: r, Time: tm})
	}
	add(0, 0, 5, 10)
	add(0, 0, 2, 20) // re-rated lower: the latest (2) counts
	add(0, 1, 4, 5)
	add(1, 1, 1, 5) // below threshold: user 1 disappears
	add(2, 3, 4, 1)
	add(2, 3, 4, 1) // exact duplicate
	add(2, 2, 3, 9)
	tests := []struct {
		name  string
		f     FilterConfig
		users []string
		items []string
		n     int
	}{
		{"all ratings", FilterConfig{}, []string{"u0", "u1", "u2"}, []string{"i0", "i1", "i2", "i3"}, 5},
		{"rating >= 4", FilterConfig{MinRating: 4}, []string{"u0", "u2"}, []string{"i1", "i3"}, 2},
		{"rating >= 3, 2-core users", FilterConfig{MinRating: 3, MinUser: 2}, []string{"u2"}, []string{"i2", "i3"}, 2},
		// The first two users only, before the threshold: u2's items go.
		{"first 2 users", FilterConfig{MaxUsers: 2}, []string{"u0", "u1"}, []string{"i0", "i1"}, 3},
		// The subset comes before the k-core: u1 then has one interaction.
		{"first 2 users, 2-core users", FilterConfig{MaxUsers: 2, MinUser: 2}, []string{"u0"}, []string{"i0", "i1"}, 2},
		{"max_users above the count", FilterConfig{MaxUsers: 10}, []string{"u0", "u1", "u2"}, []string{"i0", "i1", "i2", "i3"}, 5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Filter(d, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(f.UserIDs, tc.users) || !slices.Equal(f.ItemIDs, tc.items) || len(f.Interactions) != tc.n {
				t.Errorf("users %v items %v (%d interactions), want %v %v (%d)", f.UserIDs, f.ItemIDs, len(f.Interactions), tc.users, tc.items, tc.n)
			}
			g := f.Attributes["gender"]
			for u, id := range f.UserIDs {
				old := slices.Index(d.UserIDs, id)
				if g.Labels[u] != d.Attributes["gender"].Labels[old] {
					t.Errorf("user %s lost its attribute", id)
				}
			}
		})
	}
	if len(d.Interactions) != 7 {
		t.Error("Filter modified its input")
	}
	_, err := Filter(d, FilterConfig{MinRating: 6})
	errContains(t, err, "removed every interaction")
	_, err = Filter(d, FilterConfig{MaxUsers: -1})
	errContains(t, err, "max_users: must be >= 0")
}

// TestKCore compares the iterative k-core with an independent peeling that
// removes one violating user or item at a time (the k-core is unique, so
// the removal order must not matter), on random bipartite graphs.
func TestKCore(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for trial := 0; trial < 30; trial++ {
		nu, ni := 5+r.IntN(30), 5+r.IntN(30)
		d := tinyDataset(nu, ni, nil)
		for k := 0; k < r.IntN(nu*ni/2); k++ {
			d.Interactions = append(d.Interactions, Interaction{User: int32(r.IntN(nu)), Item: int32(r.IntN(ni)), Rating: 1, Time: int64(k)})
		}
		if len(d.Interactions) == 0 {
			continue
		}
		fc := FilterConfig{MinUser: 1 + r.IntN(6), MinItem: 1 + r.IntN(6)}
		want := peel(d, fc)
		got, err := Filter(d, fc)
		if len(want) == 0 {
			if err == nil {
				t.Errorf("trial %d: empty core but no error", trial)
			}
			continue
		}
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		var pairs [][2]string
		for _, it := range got.Interactions {
			pairs = append(pairs, [2]string{got.UserIDs[it.User], got.ItemIDs[it.Item]})
		}
		slices.SortFunc(pairs, cmpPair)
		if !slices.Equal(pairs, want) {
			t.Errorf("trial %d (%+v): got %d pairs, want %d", trial, fc, len(pairs), len(want))
		}
	}
}

func cmpPair(a, b [2]string) int {
	if a[0] != b[0] {
		if a[0] < b[0] {
			return -1
		}
		return 1
	}
	if a[1] < b[1] {
		return -1
	}
	if a[1] > b[1] {
		return 1
	}
	return 0
}

// peel is the reference k-core: deduplicate pairs, then repeatedly delete
// the first violating item, else the first violating user, one at a time.
func peel(d *Dataset, f FilterConfig) [][2]string {
	set := map[[2]int32]bool{}
	for _, it := range d.Interactions {
		set[[2]int32{it.User, it.Item}] = true
	}
	for {
		uc, ic := map[int32]int{}, map[int32]int{}
		for p := range set {
			uc[p[0]]++
			ic[p[1]]++
		}
		victimUser, victimItem := int32(-1), int32(-1)
		for i := int32(0); i < int32(d.NumItems()); i++ {
			if ic[i] > 0 && ic[i] < f.MinItem {
				victimItem = i
				break
			}
		}
		if victimItem < 0 {
			for u := int32(0); u < int32(d.NumUsers()); u++ {
				if uc[u] > 0 && uc[u] < f.MinUser {
					victimUser = u
					break
				}
			}
		}
		if victimItem < 0 && victimUser < 0 {
			break
		}
		for p := range set {
			if p[1] == victimItem || p[0] == victimUser {
				delete(set, p)
			}
		}
	}
	var out [][2]string
	for p := range set {
		out = append(out, [2]string{d.UserIDs[p[0]], d.ItemIDs[p[1]]})
	}
	slices.SortFunc(out, cmpPair)
	return out
}
