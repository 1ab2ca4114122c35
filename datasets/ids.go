package datasets

import (
	"slices"
	"strconv"
	"strings"
)

// idIndex assigns provisional ids to raw ids in order of first appearance;
// finish turns them into the final dense order.
type idIndex struct {
	ids map[string]int32
	raw []string
}

func newIDIndex() *idIndex { return &idIndex{ids: make(map[string]int32)} }

// add returns the provisional id of raw, inserting it when new.
func (x *idIndex) add(raw string) int32 {
	if id, ok := x.ids[raw]; ok {
		return id
	}
	id := int32(len(x.raw))
	raw = strings.Clone(raw)
	x.ids[raw] = id
	x.raw = append(x.raw, raw)
	return id
}

// finish returns the raw ids in their final order and the map from
// provisional to final id. The final order is numeric when every raw id is
// an integer (so MovieLens user "1" is index 0 and "10" follows "9"), and
// byte-lexicographic otherwise; equal numbers written differently ("07",
// "7") are ordered by their text.
func (x *idIndex) finish() (sorted []string, remap []int32) {
	n := len(x.raw)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	nums := make([]int64, n)
	numeric := true
	for i, r := range x.raw {
		v, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			numeric = false
			break
		}
		nums[i] = v
	}
	slices.SortFunc(order, func(a, b int32) int {
		if numeric && nums[a] != nums[b] {
			if nums[a] < nums[b] {
				return -1
			}
			return 1
		}
		return strings.Compare(x.raw[a], x.raw[b])
	})
	sorted = make([]string, n)
	remap = make([]int32, n)
	for newID, old := range order {
		sorted[newID] = x.raw[old]
		remap[old] = int32(newID)
	}
	return sorted, remap
}

// sortClasses orders class labels numerically when all are integers and
// lexicographically otherwise.
func sortClasses(classes []string) {
	numeric := true
	for _, c := range classes {
		if _, err := strconv.ParseFloat(c, 64); err != nil {
			numeric = false
			break
		}
	}
	slices.SortFunc(classes, func(a, b string) int {
		if numeric {
			fa, _ := strconv.ParseFloat(a, 64)
			fb, _ := strconv.ParseFloat(b, 64)
			if fa < fb {
				return -1
			}
			if fa > fb {
				return 1
			}
		}
		return strings.Compare(a, b)
	})
}
