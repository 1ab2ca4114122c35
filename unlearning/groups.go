package unlearning

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/potau/potau/datasets"
)

// Groups partitions the labelled users by class. Users labelled -1 belong to
// no group and are excluded from L_dist.
type Groups struct {
	// Members[c] lists the users of class c in ascending order.
	Members [][]int32
}

// NewGroups builds the groups of labels (one per user; -1 = unknown).
// Classes are 0..max(labels); a label below -1 is an error.
func NewGroups(labels []int32) (*Groups, error) {
	k := int32(-1)
	for u, l := range labels {
		if l < -1 {
			return nil, fmt.Errorf("unlearning: label of user %d is %d, want a class index >= 0 or -1 (unknown)", u, l)
		}
		k = max(k, l)
	}
	g := &Groups{Members: make([][]int32, k+1)}
	for u, l := range labels {
		if l >= 0 {
			g.Members[l] = append(g.Members[l], int32(u))
		}
	}
	return g, nil
}

// Pair is one two-group term of a multi-class loss: L(G_A, G_B).
type Pair struct{ A, B int }

// DefaultAnchor returns the largest group (ties → the smaller class index).
func (g *Groups) DefaultAnchor() int {
	best := 0
	for c, m := range g.Members {
		if len(m) > len(g.Members[best]) {
			best = c
		}
	}
	return best
}

// Pairs returns the two-group terms of the multi-class form: "anchor" gives
// (j, anchor) for every other non-empty class j in ascending order; "pairs"
// gives (j, k) for every j < k with both non-empty. Empty classes contribute
// nothing. It is an error when fewer than two classes are non-empty.
func (g *Groups) Pairs(form string, anchor int) ([]Pair, error) {
	var nonEmpty []int
	for c, m := range g.Members {
		if len(m) > 0 {
			nonEmpty = append(nonEmpty, c)
		}
	}
	if len(nonEmpty) < 2 {
		return nil, fmt.Errorf("unlearning: need at least two non-empty groups, have %d (group sizes %v)", len(nonEmpty), g.sizes())
	}
	var ps []Pair
	switch form {
	case "anchor":
		if anchor < 0 || anchor >= len(g.Members) || len(g.Members[anchor]) == 0 {
			return nil, fmt.Errorf("unlearning: anchor class %d is empty or out of range (group sizes %v)", anchor, g.sizes())
		}
		for _, c := range nonEmpty {
			if c != anchor {
				ps = append(ps, Pair{c, anchor})
			}
		}
	case "pairs":
		for i, a := range nonEmpty {
			for _, b := range nonEmpty[i+1:] {
				ps = append(ps, Pair{a, b})
			}
		}
	default:
		return nil, fmt.Errorf("unlearning: multi_class form %q, want \"anchor\" or \"pairs\"", form)
	}
	return ps, nil
}

func (g *Groups) sizes() []int {
	s := make([]int, len(g.Members))
	for c, m := range g.Members {
		s[c] = len(m)
	}
	return s
}

// ResolveAnchor turns the config's anchor into a class index: "" is the
// largest group; a decimal integer is a class index; otherwise the name is
// looked up among the classes of the split's attribute whose labels equal
// labels.
func ResolveAnchor(anchor string, g *Groups, s *datasets.Split, labels []int32) (int, error) {
	if anchor == "" {
		return g.DefaultAnchor(), nil
	}
	if i, err := strconv.Atoi(anchor); err == nil {
		if i < 0 || i >= len(g.Members) {
			return 0, fmt.Errorf("unlearning: anchor %d out of range [0, %d)", i, len(g.Members))
		}
		return i, nil
	}
	if s != nil {
		names := make([]string, 0, len(s.Attributes))
		for n := range s.Attributes {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			a := s.Attributes[n]
			if !slices.Equal(a.Labels, labels) {
				continue
			}
			if i := slices.Index(a.Classes, anchor); i >= 0 {
				return i, nil
			}
			return 0, fmt.Errorf("unlearning: anchor %q is not a class of attribute %q (classes %v)", anchor, n, a.Classes)
		}
	}
	return 0, fmt.Errorf("unlearning: anchor %q: no attribute of the split has these labels, so a class name cannot be resolved; give a class index", anchor)
}
