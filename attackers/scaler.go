package attackers

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Scaler is scikit-learn's StandardScaler fitted on some rows of a table:
//
//	z_ij = (x_ij − μ_j) / σ_j,  μ_j = (1/n) Σ_i x_ij,  σ_j² = (1/n) Σ_i (x_ij − μ_j)²
//
// (population variance, ddof 0, both sums in row order). Unlike
// scikit-learn, which silently divides a constant column by 1, fitting on
// rows where a column is constant is an error: a standardising attacker
// cannot say what that column means.
type Scaler struct {
	Mean, Scale []float64
}

// FitScaler fits a Scaler on the rows of X listed in rows (all rows when
// rows is nil).
func FitScaler(X *mat.Dense, rows []int) (*Scaler, error) {
	n, d := X.Dims()
	if rows != nil {
		n = len(rows)
	}
	if n == 0 {
		return nil, fmt.Errorf("standardisation on 0 rows")
	}
	row := func(i int) []float64 {
		if rows == nil {
			return X.RawRowView(i)
		}
		return X.RawRowView(rows[i])
	}
	s := &Scaler{Mean: make([]float64, d), Scale: make([]float64, d)}
	for i := 0; i < n; i++ {
		for j, v := range row(i) {
			s.Mean[j] += v
		}
	}
	for j := range s.Mean {
		s.Mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j, v := range row(i) {
			e := v - s.Mean[j]
			s.Scale[j] += e * e
		}
	}
	first := row(0)
	for j := range s.Scale {
		s.Scale[j] = math.Sqrt(s.Scale[j] / float64(n))
		if s.Scale[j] == 0 || constantColumn(row, n, j, first[j]) {
			return nil, fmt.Errorf("column %d is constant (%g) over the %d training rows; it cannot be standardised", j, first[j], n)
		}
	}
	return s, nil
}

func constantColumn(row func(int) []float64, n, j int, v float64) bool {
	for i := 1; i < n; i++ {
		if row(i)[j] != v {
			return false
		}
	}
	return true
}

// Transform writes the standardised rows of X listed in rows (all when
// nil) into dst, which must be len(rows) × cols(X).
func (s *Scaler) Transform(dst, X *mat.Dense, rows []int) {
	n, _ := X.Dims()
	if rows != nil {
		n = len(rows)
	}
	for i := 0; i < n; i++ {
		src := X.RawRowView(i)
		if rows != nil {
			src = X.RawRowView(rows[i])
		}
		out := dst.RawRowView(i)
		for j, v := range src {
			out[j] = (v - s.Mean[j]) / s.Scale[j]
		}
	}
}
