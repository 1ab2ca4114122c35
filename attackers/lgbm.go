package attackers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// WriteModel writes the fitted ensemble as a LightGBM v3 text model that
// github.com/dmitryikh/leaves (and LightGBM) load:
//
//   - a header (version=v3, num_class, num_tree_per_iteration,
//     max_feature_idx, objective "binary sigmoid:1" or "multiclass
//     num_class:K", feature_names, feature_infos, and tree_sizes with one
//     entry per tree: the byte length of that tree's block);
//   - first, one one-leaf tree per output group holding the base margin
//     (LightGBM has no base-score field);
//   - then the boosted trees, round-major.
//
// LightGBM sends x left when x <= threshold while XGBoost's rule is x < cut,
// so each threshold is the largest float64 below the cut,
// math.Nextafter(cut, −∞): x <= threshold ⇔ x < cut for every float64 x.
// Children are node indices ≥ 0 or −(leaf+1); leaf values include the
// learning rate; decision_type 0 is a numerical split without missing
// values.
func (g *GBDT) WriteModel(w io.Writer) error {
	if g.trees == nil || g.classes == 0 {
		return errors.New("attackers: gbdt: write before fit")
	}
	G := g.groups()
	var blocks [][]byte
	for k := 0; k < G; k++ {
		blocks = append(blocks, oneLeafBlock(len(blocks), g.base[k]))
	}
	for _, t := range g.trees {
		blocks = append(blocks, treeBlock(len(blocks), t, g.cfg.LearningRate, g.cfg.RegLambda))
	}
	var h strings.Builder
	h.WriteString("tree\nversion=v3\n")
	fmt.Fprintf(&h, "num_class=%d\nnum_tree_per_iteration=%d\nlabel_index=0\nmax_feature_idx=%d\n", G, G, g.nFeat-1)
	if G == 1 {
		h.WriteString("objective=binary sigmoid:1\n")
	} else {
		fmt.Fprintf(&h, "objective=multiclass num_class:%d\n", G)
	}
	names := make([]string, g.nFeat)
	infos := make([]string, g.nFeat)
	for f := range names {
		names[f] = "Column_" + strconv.Itoa(f)
		infos[f] = "[" + ftoa(g.minMax[f][0]) + ":" + ftoa(g.minMax[f][1]) + "]"
	}
	fmt.Fprintf(&h, "feature_names=%s\nfeature_infos=%s\n", strings.Join(names, " "), strings.Join(infos, " "))
	sizes := make([]string, len(blocks))
	for i, b := range blocks {
		sizes[i] = strconv.Itoa(len(b))
	}
	fmt.Fprintf(&h, "tree_sizes=%s\n\n", strings.Join(sizes, " "))
	if _, err := io.WriteString(w, h.String()); err != nil {
		return err
	}
	for _, b := range blocks {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "end of trees\n")
	return err
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func joinF(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = ftoa(x)
	}
	return strings.Join(s, " ")
}

func joinI(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, " ")
}

func oneLeafBlock(id int, v float64) []byte {
	return fmt.Appendf(nil, "Tree=%d\nnum_leaves=1\nnum_cat=0\nleaf_value=%s\nshrinkage=1\n\n", id, ftoa(v))
}

// treeBlock writes t in LightGBM's layout: internal nodes and leaves are
// numbered separately in breadth-first order (the order of t.nodes).
func treeBlock(id int, t *tree, eta, lambda float64) []byte {
	idx := make([]int, len(t.nodes))
	var ni, nl int
	for i, nd := range t.nodes {
		if nd.leaf {
			idx[i] = nl
			nl++
		} else {
			idx[i] = ni
			ni++
		}
	}
	if ni == 0 {
		root := t.nodes[0]
		return fmt.Appendf(nil, "Tree=%d\nnum_leaves=1\nnum_cat=0\nleaf_value=%s\nleaf_weight=%s\nleaf_count=%d\nshrinkage=%s\n\n",
			id, ftoa(root.value), ftoa(root.sumH), root.count, ftoa(eta))
	}
	feat, left, right, dt, icount := make([]int, ni), make([]int, ni), make([]int, ni), make([]int, ni), make([]int, ni)
	thr, gain, ival, iweight := make([]float64, ni), make([]float64, ni), make([]float64, ni), make([]float64, ni)
	lval, lweight, lcount := make([]float64, nl), make([]float64, nl), make([]int, nl)
	child := func(c int) int {
		if t.nodes[c].leaf {
			return -(idx[c] + 1)
		}
		return idx[c]
	}
	for i, nd := range t.nodes {
		j := idx[i]
		if nd.leaf {
			lval[j], lweight[j], lcount[j] = nd.value, nd.sumH, nd.count
			continue
		}
		feat[j] = nd.feature
		thr[j] = math.Nextafter(nd.cut, math.Inf(-1))
		left[j], right[j] = child(nd.left), child(nd.right)
		gain[j] = nd.gain
		ival[j] = -eta * nd.sumG / (nd.sumH + lambda) // informational only
		iweight[j], icount[j] = nd.sumH, nd.count
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "Tree=%d\nnum_leaves=%d\nnum_cat=0\n", id, nl)
	fmt.Fprintf(&b, "split_feature=%s\nsplit_gain=%s\nthreshold=%s\ndecision_type=%s\n", joinI(feat), joinF(gain), joinF(thr), joinI(dt))
	fmt.Fprintf(&b, "left_child=%s\nright_child=%s\n", joinI(left), joinI(right))
	fmt.Fprintf(&b, "leaf_value=%s\nleaf_weight=%s\nleaf_count=%s\n", joinF(lval), joinF(lweight), joinI(lcount))
	fmt.Fprintf(&b, "internal_value=%s\ninternal_weight=%s\ninternal_count=%s\n", joinF(ival), joinF(iweight), joinI(icount))
	fmt.Fprintf(&b, "shrinkage=%s\n\n", ftoa(eta))
	return b.Bytes()
}
