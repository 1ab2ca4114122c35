package experiments

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/potau/potau/internal/atomicfile"
	"github.com/potau/potau/internal/npy"
	"github.com/potau/potau/results"
	"github.com/potau/potau/unlearning"
)

// exportAll writes the user tables (and labels) of the records as .npy when
// the config asks for it, and names them in each record's Artifacts.
func (r *runner) exportAll(cells []Cell, recs []results.Record) error {
	type cellMethod struct {
		cell   *Cell
		method unlearning.Method
	}
	byCell := map[string]cellMethod{}
	for ci := range cells {
		for _, m := range cells[ci].Config.Unlearn.RunMethods() {
			byCell[cells[ci].Hash+"/"+m.String()] = cellMethod{&cells[ci], m}
		}
	}
	names := exportNames(cells, recs)
	for i := range recs {
		rec := &recs[i]
		cm, ok := byCell[rec.ConfigHash+"/"+rec.Method]
		if !ok || !cm.cell.Config.Export.Embeddings {
			continue
		}
		c := &cm.cell.Config
		b, err := r.data(c)
		if err != nil {
			return err
		}
		if c, _, err = r.resolveAlpha(c, b, cm.method); err != nil { // alpha: auto
			return err
		}
		m, _, err := r.table(c, b, cm.method)
		if err != nil {
			return err
		}
		dir := filepath.Join("exports", names[i])
		abs := filepath.Join(r.opt.Out, dir)
		if err := r.ctx.Err(); err != nil {
			return &InterruptedError{Doing: []string{"writing the exports in " + abs}, Err: err}
		}
		if err := os.MkdirAll(abs, 0o755); err != nil {
			return err
		}
		// Temporary files of a killed earlier run (their owner is gone); a
		// live run writing the same folder keeps its own.
		for _, p := range atomicfile.CleanStale(abs) {
			r.rep.Logf("removed %s, left by a run that was killed", p)
		}
		rec.Artifacts = map[string]string{}
		if err := npy.ExportNPY(filepath.Join(abs, "users.npy"), m.UserTable()); err != nil {
			return err
		}
		rec.Artifacts["user_table"] = filepath.Join(dir, "users.npy")
		ue, ie := m.Embeddings()
		if err := npy.ExportNPY(filepath.Join(abs, "user_embeddings.npy"), ue); err != nil {
			return err
		}
		if err := npy.ExportNPY(filepath.Join(abs, "item_embeddings.npy"), ie); err != nil {
			return err
		}
		rec.Artifacts["user_embeddings"] = filepath.Join(dir, "user_embeddings.npy")
		rec.Artifacts["item_embeddings"] = filepath.Join(dir, "item_embeddings.npy")
		attr, err := r.labels(c, b)
		if err != nil {
			return err
		}
		if err := results.WriteLabels(filepath.Join(abs, "labels.csv"), c.Data.Attribute.Primary(), attr.Classes, attr.Labels); err != nil {
			return err
		}
		rec.Artifacts["labels"] = filepath.Join(dir, "labels.csv")
		for _, name := range c.Data.Attribute[1:] { // the other attributes' labels
			a, err := r.labelsOf(c, b, name)
			if err != nil {
				return err
			}
			file := "labels-" + name + ".csv"
			if err := results.WriteLabels(filepath.Join(abs, file), name, a.Classes, a.Labels); err != nil {
				return err
			}
			rec.Artifacts["labels_"+name] = filepath.Join(dir, file)
		}
	}
	// The original table of the same cell, for before/after figures.
	orig := map[string]string{}
	for _, rec := range recs {
		if rec.MethodKind == results.KindNone && rec.Artifacts != nil {
			orig[rec.ConfigHash] = rec.Artifacts["user_table"]
		}
	}
	for i := range recs {
		if recs[i].Artifacts != nil {
			if p, ok := orig[recs[i].ConfigHash]; ok {
				recs[i].Artifacts["user_table_original"] = p
			}
		}
	}
	return nil
}

// exportNames names each record's export folder for people, relative to
// exports/: <dataset>/<model>/<method>[-a<α>][-d<dim>][-s<seed>]. A part is
// there only when its axis varies among the run's cells of that dataset and
// model (the whole grid, so the name is the same on every shard and after a
// resume), and α only for methods that take it (Reg set). Records that
// would still share a name but are different cells (another swept key
// differs) get their cell id appended; the cell id and config hash stay in
// the record either way.
func exportNames(cells []Cell, recs []results.Record) []string {
	clean := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == '/' || r == '\\' || r == 0 || r == ':' {
				return '_'
			}
			return r
		}, s)
	}
	// The values each axis takes per dataset × model.
	type axes struct{ alpha, dim, seed map[string]bool }
	vary := map[[2]string]*axes{}
	for i := range cells {
		c := &cells[i].Config
		k := [2]string{c.Data.Name, c.Model.Kind}
		a := vary[k]
		if a == nil {
			a = &axes{map[string]bool{}, map[string]bool{}, map[string]bool{}}
			vary[k] = a
		}
		alpha := strconv.FormatFloat(c.Unlearn.Alpha, 'g', -1, 64)
		if c.Unlearn.AlphaAuto {
			alpha = "auto"
		}
		a.alpha[alpha] = true
		a.dim[strconv.Itoa(c.Model.Dim)] = true
		a.seed[strconv.FormatUint(c.Seed, 10)] = true
	}
	names := make([]string, len(recs))
	byName := map[string]map[string]bool{}
	for i, r := range recs {
		// A record of no cell of this grid (not made by Run) names every axis.
		a, all := vary[[2]string{r.Dataset, r.Model}], false
		if a == nil {
			a, all = &axes{}, true
		}
		leaf := clean(r.Method)
		if r.Reg != "" && (all || len(a.alpha) > 1) {
			leaf += "-a" + strconv.FormatFloat(r.Alpha, 'g', -1, 64)
		}
		if all || len(a.dim) > 1 {
			leaf += "-d" + strconv.Itoa(r.Dim)
		}
		if all || len(a.seed) > 1 {
			leaf += "-s" + strconv.FormatUint(r.Seed, 10)
		}
		names[i] = filepath.Join(clean(r.Dataset), clean(r.Model), leaf)
		if byName[names[i]] == nil {
			byName[names[i]] = map[string]bool{}
		}
		byName[names[i]][r.Cell] = true
	}
	for i, r := range recs {
		if len(byName[names[i]]) > 1 {
			names[i] += "-" + clean(r.Cell)
		}
	}
	return names
}
