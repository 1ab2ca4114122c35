// Package datasets owns potau's data: loading MovieLens-100K/1M, generic
// delimited (LFM-2B-style) files and the reference implementation's
// preprocessed format; the synthetic data set with a planted attribute;
// locating, fetching and verifying data; filtering and seeded splits.
//
// A Dataset holds raw interactions with dense 0-based user and item ids and
// maps back to raw ids; a Split holds what the recommenders train and are
// evaluated on.
//
// The data rules (loaders, filtering, splits and their tie rule, sampled
// negatives, seeded streams) are stated in docs/method.md#data.
package datasets

import "github.com/potau/potau/results"

// Interaction is one user–item event.
type Interaction struct {
	User, Item int32
	Rating     float32
	Time       int64
}

// Attribute is a categorical user attribute (gender, age, occupation, …).
// Labels[u] indexes Classes; -1 marks a user without a value. Code must not
// assume two classes.
type Attribute struct {
	Name    string
	Classes []string
	Labels  []int32
}

// Dataset is a loaded data set before filtering and splitting.
type Dataset struct {
	Name         string
	UserIDs      []string // raw id of each dense user index
	ItemIDs      []string // raw id of each dense item index
	Interactions []Interaction
	Attributes   map[string]*Attribute
	// ItemTitles holds each item's title (UTF-8) when the source has them
	// (MovieLens u.item / movies.dat), else nil.
	ItemTitles []string
	// Checksum identifies the source bytes (sha256 over the files read, or
	// over the generator's parameters for synthetic data); it feeds cache keys.
	Checksum string
}

// NumUsers returns the number of users.
func (d *Dataset) NumUsers() int { return len(d.UserIDs) }

// NumItems returns the number of items.
func (d *Dataset) NumItems() int { return len(d.ItemIDs) }

// Split is what a recommender trains and is evaluated on. All per-user slices
// have length NumUsers; item lists are sorted ascending.
type Split struct {
	NumUsers, NumItems int
	// Train[u] lists u's training positives.
	Train [][]int32
	// Valid[u] lists u's validation positives (empty when there is no
	// validation hold-out); ValidNeg[u] the sampled negatives for them (nil
	// under full ranking).
	Valid, ValidNeg [][]int32
	// Test[u] lists u's test positives (one under leave-one-out);
	// TestNeg[u] the sampled negatives (nil under full ranking).
	Test, TestNeg [][]int32
	// Protocol describes how the split was made ("loo", "ratio") and how it is
	// evaluated ("sampled" with N negatives, or "full").
	Protocol Protocol
	// Attributes are the user attributes, indexed by the split's user ids.
	Attributes map[string]*Attribute
	// UserIDs and ItemIDs map back to raw ids.
	UserIDs, ItemIDs []string
}

// Protocol records how a split was made and is to be evaluated. It is the
// results schema's type, so a record carries it as it is.
type Protocol = results.Protocol

// Stats summarises a data set or split (before/after filtering). It is the
// results schema's type, so a record carries it as it is.
type Stats = results.Stats
