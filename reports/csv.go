package reports

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSV writes t for machines: one header line, one line per row. Key columns
// come first (lower-case names; seeds lists the seeds, ";"-separated), then
// per metric column <key>, <key>.std, <key>.best ("*" on the lowest unique cost
// of its block) and, when any row has a reference, <key>.ref and <key>.diff
// (ours − ref); finally worst_auc (the row's worst-case attack AUC), best
// ("*" on the block's best method) and flags (";"-separated). Numbers are written exactly
// (shortest round-trip form); missing values are empty.
func (t *Table) CSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	head := make([]string, 0, len(t.Keys)+5*len(t.Columns)+1)
	for _, k := range t.Keys {
		if k == "α" {
			k = "alpha"
		}
		head = append(head, strings.ToLower(k))
	}
	if !hasKey(t.Keys, "Seeds") {
		head = append(head, "seeds")
	}
	for j, c := range t.Columns {
		head = append(head, c.Key, c.Key+".std", c.Key+".best")
		if t.HasRef[j] {
			head = append(head, c.Key+".ref", c.Key+".diff")
		}
	}
	head = append(head, "worst_auc", "best", "flags")
	if err := cw.Write(head); err != nil {
		return err
	}
	num := func(ok bool, x float64) string {
		if !ok {
			return ""
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	for _, r := range t.Rows {
		line := make([]string, 0, len(head))
		seeds := make([]string, len(r.Seeds))
		for i, s := range r.Seeds {
			seeds[i] = strconv.FormatUint(s, 10)
		}
		for i, k := range r.Keys {
			switch {
			case i == 2:
				k = r.Method // the record's value, not the display name
			case t.Keys[i] == "Seeds":
				k = strings.Join(seeds, ";")
			}
			line = append(line, k)
		}
		if !hasKey(t.Keys, "Seeds") {
			line = append(line, strings.Join(seeds, ";"))
		}
		for j, c := range r.Cells {
			best := ""
			if c.Best {
				best = "*"
			}
			line = append(line, num(c.OK, c.Mean), num(c.OK && c.HasStd, c.Std), best)
			if t.HasRef[j] {
				line = append(line, num(c.HasRef, c.Ref), num(c.HasRef && c.OK, c.Mean-c.Ref))
			}
		}
		best := ""
		if r.Best {
			best = "*"
		}
		line = append(line, num(r.HasWorst, r.Worst), best, strings.Join(r.Flags, ";"))
		if err := cw.Write(line); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func hasKey(keys []string, k string) bool {
	for _, x := range keys {
		if x == k {
			return true
		}
	}
	return false
}
