package unlearning

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/potau/potau/internal/dense"
	"github.com/potau/potau/internal/parallel"
)

// bandwidths are the Gaussian kernels of the MMD as multiples of m, sorted
// from the widest down. When a multiplier is exactly half the previous one,
// its kernel value is the square of the previous one,
//
//	exp(−D/(σ/2)) = exp(−D/σ)²,
//
// so the reference set {4, 2, 1, ½, ¼}·m costs one exp and four products per
// pair.
type bandwidths struct {
	mult   []float64 // descending
	square []bool    // square[i]: mult[i] == mult[i-1]/2
}

func newBandwidths(kernels []float64) bandwidths {
	m := slices.Clone(kernels)
	slices.Sort(m)
	slices.Reverse(m)
	sq := make([]bool, len(m))
	for i := 1; i < len(m); i++ {
		sq[i] = m[i]*2 == m[i-1]
	}
	return bandwidths{mult: m, square: sq}
}

// mmdEngine evaluates the biased multi-kernel MMD² (docs/method.md#mmd) and its
// gradient tile by tile. It keeps its scratch between calls; it is not safe
// for concurrent use.
//
// For rows z_a with weights w_a (1/n_X on X, −1/n_Y on Y),
//
//	D_ab   = ‖z_a − z_b‖² = ‖z_a‖² + ‖z_b‖² − 2·z_a·z_b
//	m      = Σ_ab D_ab / (n² − n) = (2n·Σ_a‖z_a‖² − 2‖Σ_a z_a‖²) / (n² − n)   (detached)
//	k_ab   = Σ_i exp(−D_ab/σ_i),   σ_i = mult_i·m
//	MMD²   = Σ_ab w_a w_b k_ab = mean K_XX + mean K_YY − 2 mean K_XY
//	Q_ab   = ∂k_ab/∂D_ab = −Σ_i exp(−D_ab/σ_i)/σ_i                  (symmetric)
//	∂MMD²/∂z_a = 4 w_a Σ_b w_b Q_ab (z_a − z_b) = 4 w_a (r_a z_a − (Q·Zw)_a)
//	r_a = Σ_b w_b Q_ab,   Zw = diag(w)·Z
//
// The rows are centred (in float64) before the products, which leaves D
// unchanged and keeps the cancellation in ‖z_a‖² + ‖z_b‖² − 2 z_a·z_b small.
// Rows are padded to a multiple of 16 with zero-weight rows and columns to a
// multiple of 16 with zeros.
//
// Since K and Q are symmetric, only the tiles (I, J) with I ≤ J of the n×n
// matrices are visited, each once: its Gram block, kernel values and Q block
// (Tile² values each, per worker) serve both the rows of I (Q_IJ·Zw_J) and,
// for I < J, the rows of J (Q_IJᵀ·Zw_I). The tiles are dealt round-robin to
// a fixed number of virtual workers, each with its own float64 accumulators
// of the N×d product, r and the value, which visit their tiles in order; the
// accumulators are summed in virtual-worker order. Goroutines only choose
// which virtual worker to run, so the result does not depend on their number.
type mmdEngine[T Float] struct {
	tile, workers int
	bw            bandwidths
	kern          dense.Tile4x16Func[T]

	zrow, z16, zw []T
	sq, w         []float64
	virt          []*mmdVirtual
	scratch       []*mmdScratch[T]

	// row is the float32 kernel-value loop (dense.GaussRow), set for
	// float32 rows with halving bandwidths; it reads float32 copies of sq, w
	// and 1/σ. Otherwise (float64, or bandwidths that do not halve) the
	// kernel values are computed in float64 by tilePair.
	row              func(q, colr, g, sqb, wb []float32, sqa, wa float32, inv []float32) (rowV, ra float64)
	sq32, w32, inv32 []float32

	fixedM, lastM float64
}

// mmdVirtuals is the number of virtual workers of the MMD tiles: enough to
// balance 2–8 cores, few enough that their N×d accumulators stay small.
const mmdVirtuals = 8

type mmdVirtual struct {
	acc, r []float64
	val    float64
}

type mmdScratch[T Float] struct {
	g, q, outI, outJ, colr []T
	g32, q32, colr32       []float32 // g, q and colr when T is float32
}

func newMMDEngine[T Float](kernels []float64, tile, workers int) *mmdEngine[T] {
	e := &mmdEngine[T]{tile: tile, workers: workers, bw: newBandwidths(kernels), kern: dense.Tile4x16[T]}
	if _, isF32 := any(T(0)).(float32); isF32 && !slices.Contains(e.bw.square[1:], false) {
		e.row = dense.GaussRow
	}
	return e
}

func roundUp(n, m int) int { return (n + m - 1) / m * m }

func grow[E any](s []E, n int) []E {
	if cap(s) < n {
		return make([]E, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// eval returns MMD² of the rows u[rows[a]] (row-major, d columns) with
// weights w[a], and adds coef·∂MMD²/∂u into grad (skipped when grad is nil).
// rows must be distinct. The mean squared distance m it used is kept in
// e.lastM; when e.fixedM > 0 that value is used instead (finite-difference
// tests hold the detached bandwidth fixed this way).
func (e *mmdEngine[T]) eval(ctx context.Context, u []T, d int, rows []int32, w []float64, grad []T, coef float64) (float64, error) {
	n := len(rows)
	if n < 2 {
		return 0, nil
	}
	dp, np, tile := roundUp(d, 16), roundUp(n, 16), e.tile
	// Centre in float64, round to T, and record the squared norms of the
	// rounded rows (so D is consistent with the Gram tile's inputs).
	mean := make([]float64, d)
	for _, r := range rows {
		for k, v := range u[int(r)*d : int(r)*d+d] {
			mean[k] += float64(v)
		}
	}
	for k := range mean {
		mean[k] /= float64(n)
	}
	e.zrow = grow(e.zrow, np*dp)
	e.zw = grow(e.zw, np*dp)
	e.sq = grow(e.sq, np)
	e.w = grow(e.w, np)
	zsum := make([]float64, d)
	var sqTot float64
	for a, r := range rows {
		var s float64
		for k, v := range u[int(r)*d : int(r)*d+d] {
			z := T(float64(v) - mean[k])
			e.zrow[a*dp+k] = z
			e.zw[a*dp+k] = T(w[a] * float64(z))
			s += float64(z) * float64(z)
			zsum[k] += float64(z)
		}
		e.sq[a] = s
		sqTot += s
		e.w[a] = w[a]
	}
	var zs2 float64
	for _, v := range zsum {
		zs2 += v * v
	}
	fn := float64(n)
	m := (2*fn*sqTot - 2*zs2) / (fn*fn - fn)
	if e.fixedM > 0 {
		m = e.fixedM
	}
	e.lastM = m
	if !(m > 0) {
		// All rows coincide: every D_ab is 0, MMD² = Σ_ab w_a w_b·len(kernels)
		// = 0 for weights summing to 0 per group, and the gradient is 0.
		if math.IsNaN(m) || math.IsInf(m, 0) {
			return 0, fmt.Errorf("mmd: mean squared distance is %v", m)
		}
		return 0, nil
	}
	// Pack the 16-row k-major panels of the Gram's right operand.
	e.z16 = grow(e.z16, np*dp)
	for a := 0; a < np; a++ {
		src := e.zrow[a*dp : a*dp+dp]
		p16, r16 := a/16, a%16
		for k, v := range src {
			e.z16[(p16*dp+k)*16+r16] = v
		}
	}
	nk := len(e.bw.mult)
	inv := make([]float64, nk)
	for i, mu := range e.bw.mult {
		inv[i] = 1 / (mu * m)
	}
	if e.row != nil {
		e.sq32 = grow(e.sq32, np)
		e.w32 = grow(e.w32, np)
		e.inv32 = grow(e.inv32, nk)
		for a := range np {
			e.sq32[a] = float32(e.sq[a])
			e.w32[a] = float32(e.w[a])
		}
		for i, v := range inv {
			e.inv32[i] = float32(v)
		}
	}

	nb := (np + tile - 1) / tile
	for len(e.virt) < mmdVirtuals {
		e.virt = append(e.virt, &mmdVirtual{})
	}
	for _, v := range e.virt {
		v.acc = grow(v.acc, np*dp)
		v.r = grow(v.r, np)
		v.val = 0
	}
	workers := min(parallel.Workers(e.workers), mmdVirtuals)
	for len(e.scratch) < workers {
		e.scratch = append(e.scratch, &mmdScratch[T]{})
	}
	for _, s := range e.scratch[:workers] {
		s.g = grow(s.g, tile*tile)
		s.q = grow(s.q, tile*tile)
		s.outI = grow(s.outI, tile*dp)
		s.outJ = grow(s.outJ, tile*dp)
		s.colr = grow(s.colr, tile)
		if e.row != nil {
			s.g32, _ = any(s.g).([]float32)
			s.q32, _ = any(s.q).([]float32)
			s.colr32, _ = any(s.colr).([]float32)
		}
	}
	// One block per virtual worker; the goroutine (w) only picks the scratch.
	errs := make([]error, mmdVirtuals)
	parallel.For(workers, mmdVirtuals, func(w, vi int) {
		s, v := e.scratch[w], e.virt[vi]
		t := 0
		for bi := 0; bi < nb; bi++ {
			for bj := bi; bj < nb; bj, t = bj+1, t+1 {
				if t%mmdVirtuals != vi {
					continue
				}
				if err := ctx.Err(); err != nil {
					errs[vi] = err
					return
				}
				e.tilePair(s, v, bi*tile, bj*tile, np, dp, inv)
			}
		}
	})
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	var val float64
	for _, v := range e.virt {
		val += v.val
	}
	if grad != nil && coef != 0 {
		for a := 0; a < n; a++ {
			var ra float64
			for _, v := range e.virt {
				ra += v.r[a]
			}
			f := 4 * w[a] * coef
			z := e.zrow[a*dp : a*dp+d]
			g := grad[int(rows[a])*d : int(rows[a])*d+d]
			for k := range g {
				var ac float64
				for _, v := range e.virt {
					ac += v.acc[a*dp+k]
				}
				g[k] += T(f * (ra*float64(z[k]) - ac))
			}
		}
	}
	return val, nil
}

// tilePair processes the tile of rows [i0, i0+tile) × columns [j0, j0+tile)
// (i0 ≤ j0) into the virtual worker v.
func (e *mmdEngine[T]) tilePair(s *mmdScratch[T], v *mmdVirtual, i0, j0, np, dp int, inv []float64) {
	tile := e.tile
	ti, tj := min(tile, np-i0), min(tile, np-j0)
	diag := i0 == j0
	// Gram tile G = Z_I·Z_Jᵀ (ti×tj, leading dimension tile).
	for p := 0; p < ti; p += 4 {
		a := e.zrow[(i0+p)*dp:]
		for q := 0; q < tj/16; q++ {
			e.kern(s.g[p*tile+q*16:], tile, dp, a, dp, 1, e.z16[(j0/16+q)*dp*16:], 16)
		}
	}
	// Kernel values, Q, the value, r_a (rows) and r_b (columns).
	sq, w := e.sq, e.w
	square := e.bw.square
	colr := s.colr[:tj]
	clear(colr)
	var val float64
	for a := 0; a < ti; a++ {
		ga := i0 + a
		wa := w[ga]
		qRow := s.q[a*tile : a*tile+tj]
		if wa == 0 {
			clear(qRow)
			continue
		}
		if e.row != nil {
			g32 := s.g32[a*tile : a*tile+tj]
			if diag {
				g32[a] = e.sq32[ga] // D_aa = 0 exactly
			}
			rowV, ra := e.row(s.q32[a*tile:a*tile+tj], s.colr32[:tj], g32, e.sq32[j0:j0+tj], e.w32[j0:j0+tj], e.sq32[ga], e.w32[ga], e.inv32)
			val += wa * rowV
			v.r[ga] += ra
			continue
		}
		sqa := sq[ga]
		gRow := s.g[a*tile : a*tile+tj]
		var rowV, ra float64
		for b, gv := range gRow {
			gb := j0 + b
			dist := sqa + sq[gb] - 2*float64(gv)
			if dist < 0 || ga == gb {
				dist = 0
			}
			ex := math.Exp(-dist * inv[0])
			kv, kp := ex, ex*inv[0]
			for i := 1; i < len(inv); i++ {
				if square[i] {
					ex *= ex
				} else {
					ex = math.Exp(-dist * inv[i])
				}
				kv += ex
				kp += ex * inv[i]
			}
			qt := T(-kp)
			qRow[b] = qt
			wb := w[gb]
			rowV += wb * kv
			ra += wb * float64(qt)
			colr[b] += T(wa * float64(qt))
		}
		val += wa * rowV
		v.r[ga] += ra
	}
	// Rows of I: Q_IJ·Zw_J.
	for p := 0; p < ti; p += 4 {
		for c := 0; c < dp; c += 16 {
			e.kern(s.outI[p*dp+c:], dp, tj, s.q[p*tile:], tile, 1, e.zw[j0*dp+c:], dp)
		}
	}
	acc := v.acc[i0*dp : (i0+ti)*dp]
	for k, x := range s.outI[:ti*dp] {
		acc[k] += float64(x)
	}
	if diag {
		v.val += val
		return
	}
	// Rows of J: Q_IJᵀ·Zw_I, and the mirrored half of the value.
	v.val += 2 * val
	for b, x := range colr {
		v.r[j0+b] += float64(x)
	}
	for p := 0; p < tj; p += 4 {
		for c := 0; c < dp; c += 16 {
			e.kern(s.outJ[p*dp+c:], dp, ti, s.q[p:], 1, tile, e.zw[i0*dp+c:], dp)
		}
	}
	acc = v.acc[j0*dp : (j0+tj)*dp]
	for k, x := range s.outJ[:tj*dp] {
		acc[k] += float64(x)
	}
}

// MMD2 returns the biased multi-kernel MMD² (docs/method.md#mmd) between the rows of
// X and Y (row-major, d columns) with bandwidths kernels[i]·m, and writes
// ∂MMD²/∂X into gradX and ∂MMD²/∂Y into gradY when they are non-nil. tile
// (a multiple of 16) fixes the blocking; workers (0 = GOMAXPROCS) does not
// change the result.
func MMD2[T Float](ctx context.Context, gradX, gradY, X, Y []T, d int, kernels []float64, tile, workers int) (float64, error) {
	if d <= 0 || len(X)%d != 0 || len(Y)%d != 0 || len(X) == 0 || len(Y) == 0 {
		return 0, fmt.Errorf("mmd: X has %d and Y %d values, want non-empty multiples of d=%d", len(X), len(Y), d)
	}
	if tile < 16 || tile%16 != 0 {
		return 0, fmt.Errorf("mmd: tile %d, want a positive multiple of 16", tile)
	}
	nx, ny := len(X)/d, len(Y)/d
	u := append(slices.Clone(X), Y...)
	rows := make([]int32, nx+ny)
	w := make([]float64, nx+ny)
	for i := range rows {
		rows[i] = int32(i)
		if i < nx {
			w[i] = 1 / float64(nx)
		} else {
			w[i] = -1 / float64(ny)
		}
	}
	var grad []T
	if gradX != nil || gradY != nil {
		grad = make([]T, len(u))
	}
	v, err := newMMDEngine[T](kernels, tile, workers).eval(ctx, u, d, rows, w, grad, 1)
	if err != nil {
		return 0, err
	}
	if gradX != nil {
		copy(gradX, grad[:len(X)])
	}
	if gradY != nil {
		copy(gradY, grad[len(X):])
	}
	return v, nil
}
