package attackers

import (
	"context"
	"errors"
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/internal/csr"
)

// KNNConfig holds the settings of the "knn" attacker.
type KNNConfig struct {
	// K is the number of neighbours (scikit-learn's n_neighbors; 5).
	K int `yaml:"k" json:"k"`
}

// DefaultKNNConfig returns KNeighborsClassifier()'s k = 5.
func DefaultKNNConfig() KNNConfig { return KNNConfig{K: 5} }

// Validate reports an invalid field, with a path relative to the `knn:`
// block.
func (c KNNConfig) Validate() error {
	if c.K < 1 {
		return cfgerr.New("k", "must be >= 1, got %d", c.K)
	}
	return nil
}

// neighbours writes into idx[i·k : (i+1)·k] the training rows nearest to
// query row i, nearest first; among equidistant rows the lower training
// index comes first (scikit-learn's brute-force search sorts by distance
// with a stable sort). Distances are squared Euclidean for dense rows,
//
//	d²(a, b) = ‖a‖² + ‖b‖² − 2a·b  (clamped at 0; scikit-learn's form),
//
// with the cross products computed as one matrix product per block of
// queries; for sparse rows they are Jaccard distances between the sets of
// stored columns,
//
//	d(A, B) = 1 − |A ∩ B| / |A ∪ B|  (0 when both are empty).
func neighbours(idx []int32, k int, nq int, dist func(lo, hi int, dst []float64), nt int) {
	const block = 128
	buf := make([]float64, block*nt)
	bd := make([]float64, k)
	for lo := 0; lo < nq; lo += block {
		hi := min(lo+block, nq)
		dist(lo, hi, buf[:(hi-lo)*nt])
		for q := lo; q < hi; q++ {
			row := buf[(q-lo)*nt : (q-lo+1)*nt]
			bi := idx[q*k : (q+1)*k]
			m := 0
			for j, v := range row {
				if m == k && v >= bd[k-1] {
					continue
				}
				// Insert after every kept distance ≤ v (stable).
				p := m
				if m == k {
					p = k - 1
				}
				for p > 0 && bd[p-1] > v {
					if p < k {
						bd[p], bi[p] = bd[p-1], bi[p-1]
					}
					p--
				}
				bd[p], bi[p] = v, int32(j)
				if m < k {
					m++
				}
			}
		}
	}
}

// denseDist returns the distance callback of neighbours for query rows Q
// against training rows T (both already standardised).
func denseDist(Q, T *mat.Dense) func(lo, hi int, dst []float64) {
	nt, _ := T.Dims()
	tn := rowSqNorms(T)
	qn := rowSqNorms(Q)
	return func(lo, hi int, dst []float64) {
		_, d := Q.Dims()
		G := mat.NewDense(hi-lo, nt, dst)
		G.Mul(Q.Slice(lo, hi, 0, d), T.T())
		for i := 0; i < hi-lo; i++ {
			row := dst[i*nt : (i+1)*nt]
			for j, g := range row {
				row[j] = max(qn[lo+i]+tn[j]-2*g, 0)
			}
		}
	}
}

func rowSqNorms(X *mat.Dense) []float64 {
	n, _ := X.Dims()
	out := make([]float64, n)
	for i := range out {
		var s float64
		for _, v := range X.RawRowView(i) {
			s += v * v
		}
		out[i] = s
	}
	return out
}

// jaccardDist returns the distance callback of neighbours for the sparse
// rows query against the rows train of M.
func jaccardDist(M *csr.Matrix, query, train []int) func(lo, hi int, dst []float64) {
	mark := make([]int32, M.Cols)
	for i := range mark {
		mark[i] = -1
	}
	nt := len(train)
	return func(lo, hi int, dst []float64) {
		for q := lo; q < hi; q++ {
			r := query[q]
			a := M.RowPtr[r+1] - M.RowPtr[r]
			for p := M.RowPtr[r]; p < M.RowPtr[r+1]; p++ {
				mark[M.ColIdx[p]] = int32(q)
			}
			row := dst[(q-lo)*nt : (q-lo+1)*nt]
			for j, t := range train {
				inter := 0
				for p := M.RowPtr[t]; p < M.RowPtr[t+1]; p++ {
					if mark[M.ColIdx[p]] == int32(q) {
						inter++
					}
				}
				union := a + (M.RowPtr[t+1] - M.RowPtr[t]) - inter
				if union == 0 {
					row[j] = 0
					continue
				}
				row[j] = 1 - float64(inter)/float64(union)
			}
		}
	}
}

// votes writes the neighbours' vote shares into dst: P(class c | row i) =
// |{j among the k neighbours of i : y_j = c}| / k (uniform weights).
func votes(dst *mat.Dense, idx []int32, k int, ytr []int) {
	n, K := dst.Dims()
	for i := 0; i < n; i++ {
		row := dst.RawRowView(i)
		clear(row[:K])
		for _, j := range idx[i*k : (i+1)*k] {
			row[ytr[j]] += 1 / float64(k)
		}
	}
}

// KNN is the "knn" attacker on dense tables: scikit-learn's
// make_pipeline(StandardScaler(), KNeighborsClassifier(k)) with uniform
// weights and brute-force Euclidean search. The probability of a class is
// its share of the k votes; the protocol's argmax breaks a tie toward the
// lower class index, as KNeighborsClassifier.predict does.
type KNN struct {
	cfg     KNNConfig
	classes int
	scaler  *Scaler
	Z       *mat.Dense
	y       []int
}

// NewKNN returns an unfitted k-nearest-neighbours classifier.
func NewKNN(cfg KNNConfig) *KNN { return &KNN{cfg: cfg} }

// Name returns "knn".
func (c *KNN) Name() string { return "knn" }

// Iterations returns 0: kNN has no iterations.
func (c *KNN) Iterations() int { return 0 }

// Fit standardises and stores the training rows; sample weights and seed
// are ignored (KNeighborsClassifier takes no sample weights).
func (c *KNN) Fit(ctx context.Context, X *mat.Dense, y []int, w []float64, classes int, seed uint64) error {
	if err := checkFit(X, y, w, classes); err != nil {
		return err
	}
	if err := c.cfg.Validate(); err != nil {
		return fmt.Errorf("attackers: knn: %w", err)
	}
	n, d := X.Dims()
	if c.cfg.K > n {
		return fmt.Errorf("k = %d is larger than the %d training rows", c.cfg.K, n)
	}
	sc, err := FitScaler(X, nil)
	if err != nil {
		return err
	}
	c.Z = mat.NewDense(n, d, nil)
	sc.Transform(c.Z, X, nil)
	c.scaler, c.classes, c.y = sc, classes, append([]int(nil), y...)
	return nil
}

// PredictProba writes the vote shares of the rows of X into dst.
func (c *KNN) PredictProba(dst, X *mat.Dense) error {
	if c.Z == nil {
		return errors.New("attackers: knn: predict before fit")
	}
	n, d := X.Dims()
	if _, dz := c.Z.Dims(); d != dz {
		return fmt.Errorf("attackers: knn: fitted on %d features, got %d", dz, d)
	}
	if r, k := dst.Dims(); r != n || k != c.classes {
		return fmt.Errorf("attackers: knn: dst is %d×%d, want %d×%d", r, k, n, c.classes)
	}
	Q := mat.NewDense(n, d, nil)
	c.scaler.Transform(Q, X, nil)
	nt, _ := c.Z.Dims()
	idx := make([]int32, n*c.cfg.K)
	neighbours(idx, c.cfg.K, n, denseDist(Q, c.Z), nt)
	votes(dst, idx, c.cfg.K, c.y)
	return nil
}
