package datasets

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// missingClass is the class name under which Stats counts users without a
// value of an attribute.
const missingClass = "?"

// ComputeStats summarises a data set: users, items, interactions,
//
//	density = interactions / (users · items)
//
// and, per attribute, the number of users of each class.
func ComputeStats(d *Dataset) Stats {
	s := Stats{Users: d.NumUsers(), Items: d.NumItems(), Interactions: len(d.Interactions)}
	s.Density = density(s.Interactions, s.Users, s.Items)
	s.Attributes = attributeCounts(d.Attributes)
	return s
}

// SplitStats summarises a split; Interactions counts the positives of train,
// validation and test together.
func SplitStats(sp *Split) Stats {
	s := Stats{Users: sp.NumUsers, Items: sp.NumItems}
	for u := 0; u < sp.NumUsers; u++ {
		s.Train += len(sp.Train[u])
		if sp.Valid != nil {
			s.Valid += len(sp.Valid[u])
		}
		s.Test += len(sp.Test[u])
	}
	s.Interactions = s.Train + s.Valid + s.Test
	s.Density = density(s.Interactions, s.Users, s.Items)
	s.Attributes = attributeCounts(sp.Attributes)
	return s
}

func density(n, users, items int) float64 {
	if users == 0 || items == 0 {
		return 0
	}
	return float64(n) / (float64(users) * float64(items))
}

func attributeCounts(attrs map[string]*Attribute) map[string]map[string]int {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]map[string]int, len(attrs))
	for name, a := range attrs {
		m := make(map[string]int, len(a.Classes))
		for _, c := range a.Classes {
			m[c] = 0
		}
		for _, l := range a.Labels {
			if l < 0 || int(l) >= len(a.Classes) {
				m[missingClass]++
			} else {
				m[a.Classes[l]]++
			}
		}
		out[name] = m
	}
	return out
}

// FormatStats prints s for people, with thousands separators:
//
//	ml-100k: 943 users, 1,682 items, 100,000 interactions, density 6.305 %
//	  gender: 670 M / 273 F
//
// Classes are listed by decreasing count (ties by name), wrapped at about
// 100 columns; attributes by name.
// Splits add a line with the train/validation/test counts.
func FormatStats(w io.Writer, title string, s Stats) {
	fmt.Fprintf(w, "%s: %s users, %s items, %s interactions, density %.4g %%\n",
		title, Thousands(s.Users), Thousands(s.Items), Thousands(s.Interactions), 100*s.Density)
	// The same counts without separators, for scripts that grep them.
	fmt.Fprintf(w, "  counts: users=%d items=%d interactions=%d\n", s.Users, s.Items, s.Interactions)
	if s.Train+s.Valid+s.Test > 0 {
		fmt.Fprintf(w, "  split: %s train / %s valid / %s test\n", Thousands(s.Train), Thousands(s.Valid), Thousands(s.Test))
	}
	for _, name := range sortedKeys(s.Attributes) {
		m := s.Attributes[name]
		classes := sortedKeys(m)
		slices.SortStableFunc(classes, func(a, b string) int { return cmp.Compare(m[b], m[a]) })
		// Wrap long class lists (occupation has 21) at about 100 columns.
		line := "  " + name + ": "
		indent := strings.Repeat(" ", len(line))
		for i, c := range classes {
			part := Thousands(m[c]) + " " + c
			if i > 0 {
				if len(line)+3+len(part) > 100 {
					fmt.Fprintln(w, line+" /")
					line = indent
				} else {
					line += " / "
				}
			}
			line += part
		}
		fmt.Fprintln(w, line)
	}
}

// Thousands formats n with "," every three digits: 100000 → "100,000".
func Thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
