package recmodels

import (
	"context"
	"fmt"

	"github.com/potau/potau/internal/dense"
)

// MF is dot-product matrix factorisation:
//
//	s(u, i) = U_u · V_i
type MF struct {
	cfg  Config
	U, V *tensor
	// training scratch: the pairs of the current batch
	bu, bi []int32
}

func newMF(c Config, nu, ni int, seed uint64) *MF {
	m := &MF{cfg: c, U: newTensor("user", nu, c.Dim), V: newTensor("item", ni, c.Dim)}
	initNormal(m.U.w, c.initStd(), seed, 0)
	initNormal(m.V.w, c.initStd(), seed, 1)
	return m
}

func (m *MF) Kind() string                      { return "mf" }
func (m *MF) NumUsers() int                     { return m.U.w.Rows }
func (m *MF) NumItems() int                     { return m.V.w.Rows }
func (m *MF) UserTable() *dense.Matrix          { return m.U.w }
func (m *MF) config() Config                    { return m.cfg }
func (m *MF) tensors() []*tensor                { return []*tensor{m.U, m.V} }
func (m *MF) userTensor() *tensor               { return m.U }
func (m *MF) invalidate()                       {}
func (m *MF) finalTables() (u, i *dense.Matrix) { return m.U.w, m.V.w }

// Embeddings returns the user and item tables.
func (m *MF) Embeddings() (users, items *dense.Matrix) { return m.U.w, m.V.w }

// WithUserTable returns an MF sharing the item table with m and using u.
func (m *MF) WithUserTable(u *dense.Matrix) Model {
	mustTable("MF", u, m.U.w)
	return &MF{cfg: m.cfg, U: &tensor{name: "user", w: u}, V: m.V}
}

func mustTable(kind string, u, like *dense.Matrix) {
	if !dense.SameShape(u, like) {
		panic(fmt.Sprintf("recmodels: %s.WithUserTable: table %dx%d, want %dx%d", kind, u.Rows, u.Cols, like.Rows, like.Cols))
	}
}

func (m *MF) Score(dst []float32, u int, items []int32) {
	ur := m.U.w.Row(u)
	for k, i := range items {
		dst[k] = dense.DotVec(ur, m.V.w.Row(int(i)))
	}
}

func (m *MF) ScoreAll(dst []float32, u int) {
	ur := m.U.w.Row(u)
	for i := range m.V.w.Rows {
		dst[i] = dense.DotVec(ur, m.V.w.Row(i))
	}
}

func (m *MF) forward(_ context.Context, users, items []int32, out []float32) error {
	m.bu, m.bi = users, items
	for k := range users {
		out[k] = dense.DotVec(m.U.w.Row(int(users[k])), m.V.w.Row(int(items[k])))
	}
	return nil
}

// backward: ∂s/∂U_u = V_i, ∂s/∂V_i = U_u; accumulated in batch order.
func (m *MF) backward(_ context.Context, d []float32) error {
	for k, u := range m.bu {
		i := int(m.bi[k])
		dense.AxpyVec(d[k], m.V.w.Row(i), m.U.g.Row(int(u)))
		dense.AxpyVec(d[k], m.U.w.Row(int(u)), m.V.g.Row(i))
	}
	return nil
}

// ScorePairs scores pairs with user table U; the backward adds
// dL/dU_u = Σ_k dS_k·V_{i_k} over the pairs of u.
func (m *MF) ScorePairs(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (func(dS []float32, dU *dense.Matrix) error, error) {
	if err := checkPairs(U, m.U.w, m.NumItems(), users, items, dst); err != nil {
		return nil, err
	}
	for k := range users {
		dst[k] = dense.DotVec(U.Row(int(users[k])), m.V.w.Row(int(items[k])))
	}
	return func(dS []float32, dU *dense.Matrix) error {
		if len(dS) != len(users) || !dense.SameShape(dU, U) {
			return fmt.Errorf("recmodels: MF ScorePairs backward: dS %d (want %d), dU %dx%d (want %dx%d)", len(dS), len(users), dU.Rows, dU.Cols, U.Rows, U.Cols)
		}
		for k, u := range users {
			dense.AxpyVec(dS[k], m.V.w.Row(int(items[k])), dU.Row(int(u)))
		}
		return ctx.Err()
	}, nil
}

// checkPairs validates the arguments of ScorePairs.
func checkPairs(U, like *dense.Matrix, ni int, users, items []int32, dst []float32) error {
	if U == nil || !dense.SameShape(U, like) {
		return fmt.Errorf("recmodels: ScorePairs: user table is not %dx%d", like.Rows, like.Cols)
	}
	if len(users) != len(items) || len(dst) != len(users) {
		return fmt.Errorf("recmodels: ScorePairs: %d users, %d items, %d outputs", len(users), len(items), len(dst))
	}
	for k := range users {
		if users[k] < 0 || int(users[k]) >= like.Rows || items[k] < 0 || int(items[k]) >= ni {
			return fmt.Errorf("recmodels: ScorePairs: pair %d (%d, %d) outside %d users × %d items", k, users[k], items[k], like.Rows, ni)
		}
	}
	return nil
}
