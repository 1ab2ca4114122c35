package attackers

import (
	"context"
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/internal/csr"
	"github.com/potau/potau/internal/dense"
)

// LogRegConfig holds the settings of the "logreg" attacker, named after
// scikit-learn's LogisticRegression.
type LogRegConfig struct {
	// C is the inverse regularisation strength: it scales the data term
	// of the objective (scikit-learn's C; 1 by default).
	C float64 `yaml:"c" json:"c"`
	// Tol stops the solver once ‖∇f‖∞ ≤ Tol·max(1, ‖∇f(0)‖∞).
	Tol float64 `yaml:"tol" json:"tol"`
	// MaxIter bounds the Newton steps (dense binary) or L-BFGS iterations
	// (multinomial, sparse); not converging by then is an error.
	MaxIter int `yaml:"max_iter" json:"max_iter"`
}

// DefaultLogRegConfig returns LogisticRegression(C=1.0) solved to a
// relative gradient of 1e-9.
func DefaultLogRegConfig() LogRegConfig { return LogRegConfig{C: 1, Tol: 1e-9, MaxIter: 1000} }

// Validate reports the first invalid field, with a path relative to the
// `logreg:` block.
func (c LogRegConfig) Validate() error {
	switch {
	case !(c.C > 0) || math.IsInf(c.C, 0):
		return cfgerr.New("c", "must be a finite number > 0, got %v", c.C)
	case !(c.Tol > 0 && c.Tol < 1):
		return cfgerr.New("tol", "must be in (0, 1), got %v", c.Tol)
	case c.MaxIter < 1:
		return cfgerr.New("max_iter", "must be >= 1, got %d", c.MaxIter)
	}
	return nil
}

// design is the feature matrix a logistic model is fitted on: dense
// (standardised) rows or sparse multi-hot rows.
type design interface {
	dims() (n, d int)
	// mul sets dst (n×m, row-major) to X·W with W d×m row-major.
	mul(dst, W []float64, m int)
	// mulT sets dst (d×m) to Xᵀ·R with R n×m.
	mulT(dst, R []float64, m int)
}

type denseDesign struct {
	X *mat.Dense
	// h0, when set, is the Cholesky factor of the Hessian of the unweighted
	// binary objective at θ = 0, where every p_i = ½:
	// H₀ = diag(1,…,1, 0) + (C/4)·X̃ᵀX̃. It does not depend on the labels,
	// so the audit factors it once per training set and every label
	// permutation's first Newton step reuses it.
	h0 *mat.Cholesky
}

// withH0 returns the design X with H₀ for the inverse regularisation C
// factored.
func withH0(X *mat.Dense, C float64) (denseDesign, error) {
	n, d := X.Dims()
	A := mat.NewDense(n, d+1, nil)
	a := math.Sqrt(C / 4)
	for i := 0; i < n; i++ {
		row := A.RawRowView(i)
		for j, v := range X.RawRowView(i) {
			row[j] = a * v
		}
		row[d] = a
	}
	H := mat.NewSymDense(d+1, nil)
	dense.SyrkUpper64(H.RawSymmetric(), A.RawMatrix()) // H.SymOuterK(1, A.T())'s operations, without its per-term axpy calls
	for j := 0; j < d; j++ {
		H.SetSym(j, j, H.At(j, j)+1)
	}
	var ch mat.Cholesky
	if !ch.Factorize(H) {
		return denseDesign{}, errors.New("logreg: the Hessian at 0 is not positive definite")
	}
	return denseDesign{X: X, h0: &ch}, nil
}

func (x denseDesign) dims() (int, int) { return x.X.Dims() }

// mul and mulT are plain loops in row order: m is 1 or the number of
// classes, too thin for a matrix product to pay.
func (x denseDesign) mul(dst, W []float64, m int) {
	n, _ := x.X.Dims()
	for i := 0; i < n; i++ {
		row := x.X.RawRowView(i)
		out := dst[i*m : (i+1)*m]
		if m == 1 {
			var s float64
			for j, v := range row {
				s += v * W[j]
			}
			out[0] = s
			continue
		}
		clear(out)
		for j, v := range row {
			for k := range out {
				out[k] += v * W[j*m+k]
			}
		}
	}
}

func (x denseDesign) mulT(dst, R []float64, m int) {
	n, _ := x.X.Dims()
	clear(dst)
	for i := 0; i < n; i++ {
		row := x.X.RawRowView(i)
		in := R[i*m : (i+1)*m]
		if m == 1 {
			r := in[0]
			for j, v := range row {
				dst[j] += v * r
			}
			continue
		}
		for j, v := range row {
			for k, g := range in {
				dst[j*m+k] += v * g
			}
		}
	}
}

// sparseDesign is the rows Rows of a CSR matrix (every stored value is
// used as given; a multi-hot table stores ones).
type sparseDesign struct {
	M    *csr.Matrix
	Rows []int
}

func (x sparseDesign) dims() (int, int) { return len(x.Rows), x.M.Cols }

func (x sparseDesign) mul(dst, W []float64, m int) {
	for i, r := range x.Rows {
		out := dst[i*m : (i+1)*m]
		clear(out)
		for p := x.M.RowPtr[r]; p < x.M.RowPtr[r+1]; p++ {
			v, j := float64(x.M.Val[p]), int(x.M.ColIdx[p])
			for k := range out {
				out[k] += v * W[j*m+k]
			}
		}
	}
}

func (x sparseDesign) mulT(dst, R []float64, m int) {
	clear(dst)
	for i, r := range x.Rows {
		in := R[i*m : (i+1)*m]
		for p := x.M.RowPtr[r]; p < x.M.RowPtr[r+1]; p++ {
			v, j := float64(x.M.Val[p]), int(x.M.ColIdx[p])
			for k, g := range in {
				dst[j*m+k] += v * g
			}
		}
	}
}

// logit is a fitted linear model: one output (binary, P(class 1) = σ(z))
// or one per class (softmax).
type logit struct {
	d, m int
	W    []float64 // d×m
	B    []float64 // m
}

// proba writes the class probabilities of the rows of X into dst
// (n × classes).
func (lm *logit) proba(dst *mat.Dense, X design) {
	n, _ := X.dims()
	z := make([]float64, n*lm.m)
	X.mul(z, lm.W, lm.m)
	for i := 0; i < n; i++ {
		row := z[i*lm.m : (i+1)*lm.m]
		for k := range row {
			row[k] += lm.B[k]
		}
		if lm.m == 1 {
			p := sigmoid(row[0])
			dst.Set(i, 0, 1-p)
			dst.Set(i, 1, p)
			continue
		}
		softmax(row)
		copy(dst.RawRowView(i), row)
	}
}

// fitLogit minimises the L2-regularised logistic loss of scikit-learn's
// LogisticRegression (intercept unpenalised, C scaling the data term):
//
//	binary:      f(w, b) = ½‖w‖² + C Σ_i s_i [log(1 + e^{z_i}) − y_i z_i],  z_i = x_i·w + b
//	multinomial: f(W, b) = ½‖W‖²_F + C Σ_i s_i [log Σ_k e^{z_ik} − z_{i,y_i}],  z_i = x_iᵀW + b
//
// with s_i the sample weights (1 when w is nil). The objective is strictly
// convex in the coefficients, so any exact solver reaches the same
// optimum: a dense binary problem is solved by Newton's method with
// Cholesky steps and Armijo backtracking, every other problem by L-BFGS;
// both stop at ‖∇f‖∞ ≤ Tol·max(1, ‖∇f(0)‖∞).
func fitLogit(ctx context.Context, X design, y []int, w []float64, classes int, cfg LogRegConfig) (*logit, int, error) {
	n, d := X.dims()
	if n != len(y) {
		return nil, 0, fmt.Errorf("logreg: %d labels for %d rows", len(y), n)
	}
	seen := make([]bool, classes)
	present := 0
	for _, c := range y {
		if !seen[c] {
			seen[c] = true
			present++
		}
	}
	if present < 2 {
		return nil, 0, fmt.Errorf("the %d training rows hold a single class", n)
	}
	m := classes
	if classes == 2 {
		m = 1
	}
	lm := &logit{d: d, m: m, W: make([]float64, d*m), B: make([]float64, m)}
	obj := &logitObjective{X: X, y: y, w: w, C: cfg.C, d: d, m: m, n: n,
		z: make([]float64, n*m), r: make([]float64, n*m), gw: make([]float64, d*m)}
	if dx, ok := X.(denseDesign); ok && m == 1 {
		h0 := dx.h0
		if w != nil {
			h0 = nil // H₀ was factored for unit weights
		}
		it, err := newtonBinary(ctx, obj, dx.X, h0, lm, cfg)
		return lm, it, err
	}
	x, it, err := lbfgs(ctx, obj, d*m+m, cfg)
	if err != nil {
		return nil, it, err
	}
	copy(lm.W, x[:d*m])
	copy(lm.B, x[d*m:])
	return lm, it, nil
}

// lbfgs minimises the convex objective o from 0 by limited-memory BFGS
// (10 correction pairs, two-loop recursion, Armijo backtracking from the
// unit step), stopping at ‖∇f‖∞ ≤ Tol·max(1, ‖∇f(0)‖∞).
func lbfgs(ctx context.Context, o *logitObjective, p int, cfg LogRegConfig) ([]float64, int, error) {
	const mem = 10
	x := make([]float64, p)
	g := make([]float64, p)
	f := o.eval(x, g)
	thr := cfg.Tol * math.Max(1, infNorm(g))
	var S, Y [][]float64
	var rho []float64
	dir := make([]float64, p)
	xt := make([]float64, p)
	gt := make([]float64, p)
	alpha := make([]float64, mem)
	for it := 0; ; it++ {
		if infNorm(g) <= thr {
			return x, it, nil
		}
		if it == cfg.MaxIter {
			return nil, it, fmt.Errorf("logreg: L-BFGS did not converge in %d iterations (‖∇f‖∞ = %.3g > %.3g)", it, infNorm(g), thr)
		}
		if err := ctx.Err(); err != nil {
			return nil, it, err
		}
		// Two-loop recursion: dir = −H·g.
		for j := range dir {
			dir[j] = -g[j]
		}
		for k := len(S) - 1; k >= 0; k-- {
			alpha[k] = rho[k] * dot(S[k], dir)
			axpy(-alpha[k], Y[k], dir)
		}
		if len(S) > 0 {
			k := len(S) - 1
			scale(dot(S[k], Y[k])/dot(Y[k], Y[k]), dir)
		} else {
			scale(1/math.Max(1, infNorm(g)), dir)
		}
		for k := range S {
			b := rho[k] * dot(Y[k], dir)
			axpy(alpha[k]-b, S[k], dir)
		}
		slope := dot(g, dir)
		if slope >= 0 { // not a descent direction: restart from −g
			S, Y, rho = S[:0], Y[:0], rho[:0]
			for j := range dir {
				dir[j] = -g[j] / math.Max(1, infNorm(g))
			}
			slope = dot(g, dir)
		}
		t := 1.0
		var ft float64
		for ls := 0; ; ls++ {
			for j := range x {
				xt[j] = x[j] + t*dir[j]
			}
			ft = o.eval(xt, gt)
			if ft <= f+1e-4*t*slope || atFloor(f, t*slope) && infNorm(gt) < infNorm(g) {
				break
			}
			if ls == 60 {
				if infNorm(g) <= 1e3*thr {
					return x, it, nil
				}
				return nil, it, fmt.Errorf("logreg: L-BFGS line search failed at ‖∇f‖∞ = %.3g", infNorm(g))
			}
			t /= 2
		}
		s := make([]float64, p)
		y := make([]float64, p)
		for j := range s {
			s[j] = xt[j] - x[j]
			y[j] = gt[j] - g[j]
		}
		if sy := dot(s, y); sy > 1e-300 {
			if len(S) == mem {
				S, Y, rho = S[1:], Y[1:], rho[1:]
			}
			S, Y, rho = append(S, s), append(Y, y), append(rho, 1/sy)
		}
		copy(x, xt)
		copy(g, gt)
		f = ft
	}
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}

// atFloor reports whether a predicted decrease of f is below the
// floating-point resolution of f, where the Armijo test compares rounding
// noise; there a step is accepted when it shrinks the gradient instead.
func atFloor(f, decrease float64) bool { return math.Abs(decrease) <= 1e-11*(1+math.Abs(f)) }

func infNorm(v []float64) float64 {
	var s float64
	for _, x := range v {
		s = math.Max(s, math.Abs(x))
	}
	return s
}

// logitObjective evaluates f and ∇f over the parameter vector (W row-major
// d×m, then b).
type logitObjective struct {
	X       design
	y       []int
	w       []float64
	C       float64
	n, d, m int
	z, r    []float64 // n×m margins, n×m residuals s_i(p − y)
	gw      []float64
}

// eval returns f(x) and, when g is non-nil, writes ∇f(x) into it. The
// residuals r_i = s_i(p_i − y_i) stay in o.r.
func (o *logitObjective) eval(x, g []float64) float64 {
	n, d, m := o.n, o.d, o.m
	W, b := x[:d*m], x[d*m:]
	o.X.mul(o.z, W, m)
	var data float64
	for i := 0; i < n; i++ {
		s := 1.0
		if o.w != nil {
			s = o.w[i]
		}
		z, r := o.z[i*m:(i+1)*m], o.r[i*m:(i+1)*m]
		for k := range z {
			z[k] += b[k]
		}
		if m == 1 {
			yi := float64(o.y[i])
			data += s * (softplus(z[0]) - yi*z[0])
			r[0] = s * (sigmoid(z[0]) - yi)
			continue
		}
		mx := z[0]
		for _, v := range z[1:] {
			mx = math.Max(mx, v)
		}
		var se float64
		for _, v := range z {
			se += math.Exp(v - mx)
		}
		lse := mx + math.Log(se)
		data += s * (lse - z[o.y[i]])
		for k, v := range z {
			r[k] = s * math.Exp(v-lse)
		}
		r[o.y[i]] -= s
	}
	var pen float64
	for _, v := range W {
		pen += v * v
	}
	f := 0.5*pen + o.C*data
	if g != nil {
		o.X.mulT(o.gw, o.r, m)
		for j, v := range o.gw {
			g[j] = W[j] + o.C*v
		}
		gb := g[d*m:]
		clear(gb)
		for i := 0; i < n; i++ {
			for k := 0; k < m; k++ {
				gb[k] += o.r[i*m+k]
			}
		}
		for k := range gb {
			gb[k] *= o.C
		}
	}
	return f
}

// softplus returns log(1 + e^z) without overflow.
func softplus(z float64) float64 { return math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z))) }

// newtonBinary minimises the binary objective by Newton's method on
// θ = (w, b):
//
//	H = diag(1,…,1, 0) + C Σ_i s_i p_i(1 − p_i) x̃_i x̃_iᵀ,   x̃_i = (x_i, 1)
//
// solving H·Δ = −∇f by Cholesky and backtracking (Armijo, c = 1e-4) from
// the full step. h0, when non-nil, is the factored Hessian at θ = 0 (unit
// weights) and serves the first step.
func newtonBinary(ctx context.Context, o *logitObjective, X *mat.Dense, h0 *mat.Cholesky, lm *logit, cfg LogRegConfig) (int, error) {
	n, d := o.n, o.d
	p := d + 1
	theta := make([]float64, p)
	g := make([]float64, p)
	f := o.eval(theta, g)
	thr := cfg.Tol * math.Max(1, infNorm(g))
	A := mat.NewDense(n, p, nil)
	H := mat.NewSymDense(p, nil)
	var ch mat.Cholesky
	step := mat.NewVecDense(p, nil)
	trial := make([]float64, p)
	gt := make([]float64, p)
	for it := 0; ; it++ {
		if infNorm(g) <= thr {
			copy(lm.W, theta[:d])
			lm.B[0] = theta[d]
			return it, nil
		}
		if it == cfg.MaxIter {
			return it, fmt.Errorf("logreg: Newton's method did not converge in %d steps (‖∇f‖∞ = %.3g > %.3g)", it, infNorm(g), thr)
		}
		if err := ctx.Err(); err != nil {
			return it, err
		}
		fac := &ch
		if it == 0 && h0 != nil {
			fac = h0
		} else {
			if err := newtonHessian(H, A, o, X, &ch); err != nil {
				return it, err
			}
		}
		if err := fac.SolveVecTo(step, mat.NewVecDense(p, g)); err != nil {
			return it, fmt.Errorf("logreg: Newton step: %w", err)
		}
		var slope float64
		for j := range g {
			slope -= g[j] * step.AtVec(j)
		}
		t := 1.0
		for ls := 0; ; ls++ {
			for j := range theta {
				trial[j] = theta[j] - t*step.AtVec(j)
			}
			ft := o.eval(trial, gt)
			if ft <= f+1e-4*t*slope || atFloor(f, t*slope) && infNorm(gt) < infNorm(g) {
				copy(theta, trial)
				copy(g, gt)
				f = ft
				break
			}
			if ls == 60 {
				// No decrease at any step length: f is at its
				// floating-point floor, so the gradient is as small as
				// it can be made.
				if infNorm(g) <= 1e3*thr {
					copy(lm.W, theta[:d])
					lm.B[0] = theta[d]
					return it, nil
				}
				return it, fmt.Errorf("logreg: line search failed at ‖∇f‖∞ = %.3g", infNorm(g))
			}
			t /= 2
		}
		// o.z now holds the margins of theta (the accepted trial was the
		// last evaluation).
	}
}

// newtonHessian factors H = diag(1,…,1, 0) + C Σ_i s_i p_i(1−p_i) x̃_i x̃_iᵀ
// at the margins in o.z: A_i = sqrt(C s_i p_i(1−p_i))·x̃_i, H = AᵀA + I'.
func newtonHessian(H *mat.SymDense, A *mat.Dense, o *logitObjective, X *mat.Dense, ch *mat.Cholesky) error {
	n, d := o.n, o.d
	for i := 0; i < n; i++ {
		s := 1.0
		if o.w != nil {
			s = o.w[i]
		}
		pi := sigmoid(o.z[i])
		a := math.Sqrt(o.C * s * pi * (1 - pi))
		row := A.RawRowView(i)
		for j, v := range X.RawRowView(i) {
			row[j] = a * v
		}
		row[d] = a
	}
	dense.SyrkUpper64(H.RawSymmetric(), A.RawMatrix()) // H.SymOuterK(1, A.T())'s operations, without its per-term axpy calls
	for j := 0; j < d; j++ {
		H.SetSym(j, j, H.At(j, j)+1)
	}
	if ok := ch.Factorize(H); !ok {
		return errors.New("logreg: the Newton system is not positive definite (all training rows predicted with certainty)")
	}
	return nil
}

// LogReg is the "logreg" attacker on dense tables: scikit-learn's
// make_pipeline(StandardScaler(), LogisticRegression(C)) — the features
// are standardised on the training rows (Scaler), then fitLogit finds the
// unique optimum (binary or multinomial).
type LogReg struct {
	cfg     LogRegConfig
	classes int
	scaler  *Scaler
	model   *logit
	iters   int
}

// NewLogReg returns an unfitted logistic regression.
func NewLogReg(cfg LogRegConfig) *LogReg { return &LogReg{cfg: cfg} }

// Name returns "logreg".
func (l *LogReg) Name() string { return "logreg" }

// Iterations returns the solver iterations of the last Fit.
func (l *LogReg) Iterations() int { return l.iters }

// Coef returns the fitted coefficients on the standardised features
// (d×m row-major, m = 1 for two classes else one column per class) and
// the intercepts.
func (l *LogReg) Coef() (W, b []float64) { return l.model.W, l.model.B }

// Fit standardises X and fits the model; seed is unused (the optimum is
// unique).
func (l *LogReg) Fit(ctx context.Context, X *mat.Dense, y []int, w []float64, classes int, seed uint64) error {
	if err := checkFit(X, y, w, classes); err != nil {
		return err
	}
	if err := l.cfg.Validate(); err != nil {
		return fmt.Errorf("attackers: logreg: %w", err)
	}
	sc, err := FitScaler(X, nil)
	if err != nil {
		return err
	}
	n, d := X.Dims()
	Z := mat.NewDense(n, d, nil)
	sc.Transform(Z, X, nil)
	m, it, err := fitLogit(ctx, denseDesign{X: Z}, y, w, classes, l.cfg)
	if err != nil {
		return err
	}
	l.classes, l.scaler, l.model, l.iters = classes, sc, m, it
	return nil
}

// PredictProba writes the class probabilities of the rows of X into dst.
func (l *LogReg) PredictProba(dst, X *mat.Dense) error {
	if l.model == nil {
		return errors.New("attackers: logreg: predict before fit")
	}
	n, d := X.Dims()
	if d != l.model.d {
		return fmt.Errorf("attackers: logreg: fitted on %d features, got %d", l.model.d, d)
	}
	if r, c := dst.Dims(); r != n || c != l.classes {
		return fmt.Errorf("attackers: logreg: dst is %d×%d, want %d×%d", r, c, n, l.classes)
	}
	Z := mat.NewDense(n, d, nil)
	l.scaler.Transform(Z, X, nil)
	l.model.proba(dst, denseDesign{X: Z})
	return nil
}
