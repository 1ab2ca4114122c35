//go:build !amd64 || purego

package csr

import "github.com/potau/potau/internal/dense"

func rowsVec(dst *dense.Matrix, a *Matrix, x, add *dense.Matrix, rows []int32) bool {
	return len(rows) == 0
}

func scatterVec(dst *dense.Matrix, a *Matrix, lo, hi int, g []float32) bool { return false }

// wide is false: this build has no vector kernels.
var wide = false
