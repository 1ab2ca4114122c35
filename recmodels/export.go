package recmodels

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/npy"
)

// ExportTables writes a model's tables as NumPy float32 arrays into dir:
// user_table.npy (the unlearnable table: MF user table, NeuMF GMF user
// table, LightGCN ego user table) and users.npy / items.npy (Embeddings:
// for LightGCN the propagated tables). It returns the paths written.
func ExportTables(dir string, m Model) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("recmodels: export: %w", err)
	}
	users, items := m.Embeddings()
	var paths []string
	for _, e := range []struct {
		name string
		t    *dense.Matrix
	}{{"user_table.npy", m.UserTable()}, {"users.npy", users}, {"items.npy", items}} {
		p := filepath.Join(dir, e.name)
		if err := npy.ExportNPY(p, e.t); err != nil {
			return paths, err
		}
		paths = append(paths, p)
	}
	return paths, nil
}
