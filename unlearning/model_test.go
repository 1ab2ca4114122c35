package unlearning

import (
	"context"
	"fmt"
	"math"

	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/rng"
	"github.com/potau/potau/recmodels"
)

// dotModel is a test recommender with a fixed item table V and one linear
// "propagation" step:
//
//	s(u, i) = (u_u + c·ū)·v_i,   ū = mean of all user rows
//
// with a fixed item table V. The mean term couples every user to every
// score, like a propagation layer, so a gradient that forgets the coupling
// fails the finite-difference checks. nanAt > 0 makes the nanAt-th ScorePairs
// call return NaN scores.
type dotModel struct {
	U, V  *dense.Matrix
	c     float32
	calls *int
	nanAt int
}

var _ recmodels.Model = (*dotModel)(nil)

func newDotModel(nu, ni, d int, c float32, seed uint64) *dotModel {
	r := rng.New(seed, "dot-model")
	m := &dotModel{U: dense.New(nu, d), V: dense.New(ni, d), c: c, calls: new(int)}
	for i := range m.U.Data {
		m.U.Data[i] = float32(r.NormFloat64() * 0.3)
	}
	for i := range m.V.Data {
		m.V.Data[i] = float32(r.NormFloat64() * 0.3)
	}
	return m
}

func (m *dotModel) Kind() string             { return "dot" }
func (m *dotModel) NumUsers() int            { return m.U.Rows }
func (m *dotModel) NumItems() int            { return m.V.Rows }
func (m *dotModel) UserTable() *dense.Matrix { return m.U }
func (m *dotModel) WithUserTable(u *dense.Matrix) recmodels.Model {
	c := *m
	c.U = u
	return &c
}

func (m *dotModel) final(U *dense.Matrix) *dense.Matrix {
	mean := make([]float64, U.Cols)
	for i, v := range U.Data {
		mean[i%U.Cols] += float64(v)
	}
	f := U.Clone()
	for i := range f.Data {
		f.Data[i] += m.c * float32(mean[i%U.Cols]/float64(U.Rows))
	}
	return f
}

func (m *dotModel) Score(dst []float32, u int, items []int32) {
	f := m.final(m.U)
	for k, it := range items {
		dst[k] = dense.Dot(f.Row(u), m.V.Row(int(it)))
	}
}

func (m *dotModel) ScoreAll(dst []float32, u int) {
	f := m.final(m.U)
	for i := 0; i < m.V.Rows; i++ {
		dst[i] = dense.Dot(f.Row(u), m.V.Row(i))
	}
}

func (m *dotModel) ScorePairs(ctx context.Context, U *dense.Matrix, users, items []int32, dst []float32) (func([]float32, *dense.Matrix) error, error) {
	if !dense.SameShape(U, m.U) {
		return nil, fmt.Errorf("dotModel: table shape")
	}
	*m.calls++
	f := m.final(U)
	for k := range users {
		dst[k] = dense.Dot(f.Row(int(users[k])), m.V.Row(int(items[k])))
		if m.nanAt > 0 && *m.calls == m.nanAt {
			dst[k] = float32(math.NaN())
		}
	}
	return func(dS []float32, dU *dense.Matrix) error {
		// ∂s/∂u_w = [w = u]·v_i + (c/N)·v_i
		sum := make([]float32, U.Cols)
		for k := range users {
			dense.Axpy(dS[k], m.V.Row(int(items[k])), dU.Row(int(users[k])))
			dense.Axpy(dS[k]*m.c/float32(U.Rows), m.V.Row(int(items[k])), sum)
		}
		for u := 0; u < U.Rows; u++ {
			dense.Axpy(1, sum, dU.Row(u))
		}
		return nil
	}, nil
}

func (m *dotModel) Embeddings() (users, items *dense.Matrix) { return m.final(m.U), m.V }

// testSplit returns a split over nu users and ni items where each user has
// a few training positives and one test item, and random binary labels.
func testSplit(nu, ni int, seed uint64) (*datasets.Split, []int32) {
	r := rng.New(seed, "test-split")
	s := &datasets.Split{NumUsers: nu, NumItems: ni, Train: make([][]int32, nu), Test: make([][]int32, nu)}
	labels := make([]int32, nu)
	for u := 0; u < nu; u++ {
		test := int32(r.IntN(ni))
		for i := 0; i < ni; i++ {
			if r.IntN(5) == 0 && int32(i) != test {
				s.Train[u] = append(s.Train[u], int32(i))
			}
		}
		s.Test[u] = []int32{test}
		labels[u] = int32(r.IntN(2))
	}
	s.Protocol = datasets.Protocol{Split: "loo", Eval: "full"}
	labels[0], labels[1] = 0, 1
	return s, labels
}
