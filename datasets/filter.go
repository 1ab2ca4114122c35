package datasets

import (
	"cmp"
	"fmt"
	"slices"
)

// Filter returns a new data set with d's interactions turned into implicit
// positives and sparse users and items removed; d is not modified. In order:
//
//  1. Deduplicate: of repeated (user, item) pairs only the latest is kept
//     (largest timestamp; among equal timestamps the one read last), so a
//     re-rating replaces the earlier rating.
//  2. Subset: with f.MaxUsers > 0 only the interactions of the users with
//     index < f.MaxUsers are kept (indices follow the loader's user order:
//     ascending id for numeric ids).
//  3. Threshold: with f.MinRating ≠ 0 an interaction is kept when
//     rating >= f.MinRating; 0 keeps every rating.
//  4. Iterative k-core: interactions of users with fewer than f.MinUser
//     or items with fewer than f.MinItem interactions are removed, and the
//     counts recomputed, until both conditions hold everywhere.
//  5. Users and items left without interactions are dropped and the
//     remaining ones renumbered densely in their previous order, carrying
//     raw ids, attributes and titles along.
//
// The result's interactions are sorted by (user, time, item).
func Filter(d *Dataset, f FilterConfig) (*Dataset, error) {
	if err := f.Validate(); err != nil {
		return nil, fmt.Errorf("filter: %w", err)
	}
	if err := checkDataset(d); err != nil {
		return nil, err
	}
	in := dedupLatest(d.Interactions, d.NumUsers())
	kept := in[:0]
	for _, it := range in {
		if f.MaxUsers > 0 && int(it.User) >= f.MaxUsers {
			continue
		}
		if f.MinRating == 0 || float64(it.Rating) >= f.MinRating {
			kept = append(kept, it)
		}
	}
	in = kept
	nu, ni := d.NumUsers(), d.NumItems()
	uc := make([]int, nu)
	ic := make([]int, ni)
	for {
		clear(uc)
		clear(ic)
		for _, it := range in {
			uc[it.User]++
			ic[it.Item]++
		}
		kept := in[:0]
		for _, it := range in {
			if uc[it.User] >= f.MinUser && ic[it.Item] >= f.MinItem {
				kept = append(kept, it)
			}
		}
		if len(kept) == len(in) {
			break
		}
		in = kept
	}
	if len(in) == 0 {
		return nil, fmt.Errorf("%s: filtering (max_users %d, min_rating %g, min_user %d, min_item %d) removed every interaction",
			d.Name, f.MaxUsers, f.MinRating, f.MinUser, f.MinItem)
	}
	// uc, ic hold the final counts; renumber.
	umap, userIDs := renumber(uc, d.UserIDs)
	imap, itemIDs := renumber(ic, d.ItemIDs)
	out := &Dataset{Name: d.Name, UserIDs: userIDs, ItemIDs: itemIDs, Checksum: d.Checksum,
		Interactions: make([]Interaction, len(in))}
	for k, it := range in {
		it.User = umap[it.User]
		it.Item = imap[it.Item]
		out.Interactions[k] = it
	}
	out.Attributes = make(map[string]*Attribute, len(d.Attributes))
	for name, a := range d.Attributes {
		b := &Attribute{Name: a.Name, Classes: slices.Clone(a.Classes), Labels: make([]int32, len(userIDs))}
		for old, nw := range umap {
			if nw >= 0 {
				b.Labels[nw] = a.Labels[old]
			}
		}
		out.Attributes[name] = b
	}
	if d.ItemTitles != nil {
		out.ItemTitles = make([]string, len(itemIDs))
		for old, nw := range imap {
			if nw >= 0 {
				out.ItemTitles[nw] = d.ItemTitles[old]
			}
		}
	}
	// dedupLatest sorted by (user, time, item); filtering keeps that order
	// and renumbering is monotone, so out is sorted too.
	return out, nil
}

// renumber maps the indices with a positive count to 0, 1, … in order
// (others to -1) and returns the kept raw ids.
func renumber(count []int, raw []string) ([]int32, []string) {
	m := make([]int32, len(count))
	var ids []string
	for i, c := range count {
		if c > 0 {
			m[i] = int32(len(ids))
			ids = append(ids, raw[i])
		} else {
			m[i] = -1
		}
	}
	return m, ids
}

// dedupLatest returns a new slice with one interaction per (user, item):
// the one with the largest time, ties going to the later position in in.
// The result is sorted by (user, time, item). Interactions are first
// bucketed by user (a stable counting sort), so only each user's short
// list is sorted.
func dedupLatest(in []Interaction, numUsers int) []Interaction {
	start := make([]int, numUsers+1)
	for _, it := range in {
		start[it.User+1]++
	}
	for u := 0; u < numUsers; u++ {
		start[u+1] += start[u]
	}
	grouped := make([]Interaction, len(in))
	next := slices.Clone(start[:numUsers])
	for _, it := range in {
		grouped[next[it.User]] = it
		next[it.User]++
	}
	out := grouped[:0] // compacts in place: writes never pass reads
	for u := 0; u < numUsers; u++ {
		seg := grouped[start[u]:start[u+1]]
		// Stable: equal (item, time) keep their input order, so the last of
		// a run is the one read last.
		slices.SortStableFunc(seg, func(x, y Interaction) int {
			if c := cmp.Compare(x.Item, y.Item); c != 0 {
				return c
			}
			return cmp.Compare(x.Time, y.Time)
		})
		first := len(out)
		for k := range seg {
			if k+1 < len(seg) && seg[k+1].Item == seg[k].Item {
				continue // a later duplicate follows
			}
			out = append(out, seg[k])
		}
		sortByTime(out[first:])
	}
	return out
}

// sortByTime sorts one user's interactions by (time, item).
func sortByTime(in []Interaction) {
	slices.SortFunc(in, func(x, y Interaction) int {
		if c := cmp.Compare(x.Time, y.Time); c != 0 {
			return c
		}
		return cmp.Compare(x.Item, y.Item)
	})
}

// checkDataset verifies the invariants the splitters rely on, so that a
// hand-built Dataset with an out-of-range id is an error, not a panic.
func checkDataset(d *Dataset) error {
	if d == nil {
		return fmt.Errorf("datasets: nil Dataset")
	}
	nu, ni := int32(d.NumUsers()), int32(d.NumItems())
	for k, it := range d.Interactions {
		if it.User < 0 || it.User >= nu || it.Item < 0 || it.Item >= ni {
			return fmt.Errorf("%s: interaction %d has user %d / item %d outside [0, %d) × [0, %d)", d.Name, k, it.User, it.Item, nu, ni)
		}
	}
	for name, a := range d.Attributes {
		if len(a.Labels) != int(nu) {
			return fmt.Errorf("%s: attribute %s has %d labels for %d users", d.Name, name, len(a.Labels), nu)
		}
		for u, l := range a.Labels {
			if l < -1 || int(l) >= len(a.Classes) {
				return fmt.Errorf("%s: attribute %s: user %d has label %d outside [-1, %d)", d.Name, name, u, l, len(a.Classes))
			}
		}
	}
	if d.ItemTitles != nil && len(d.ItemTitles) != int(ni) {
		return fmt.Errorf("%s: %d item titles for %d items", d.Name, len(d.ItemTitles), ni)
	}
	return nil
}
