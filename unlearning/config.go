package unlearning

import (
	"fmt"
	"math"
	"slices"

	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/recmodels"
)

// Config is the `unlearn:` block of a run config.
type Config struct {
	// Methods lists the methods to run: U2U, U2U-R, D2D, D2D-R (post-training)
	// and/or adv, retrain (in-training baselines). An empty list evaluates and
	// attacks only the original model.
	Methods []string `yaml:"methods" json:"methods"`
	// Target is what the post-training methods change and make
	// indistinguishable (docs/method.md#served): "table" (the paper's: the
	// model's unlearnable user table — MF's, NeuMF's GMF table, LightGCN's
	// ego table) or "served" (every user-side table the model scores with,
	// and L_dist on the representation it scores with: NeuMF's [GMF | MLP]
	// tables, LightGCN's propagated user embedding through the propagation;
	// MF: the same as "table").
	Target string `yaml:"target" json:"target,omitempty"`
	// ServedRepresentations are the representations L_dist reads under
	// target "served", each its own term with its own MMD bandwidth
	// (docs/method.md#served): a subset of the model's gmf, mlp-tower,
	// concat (NeuMF), ego, propagated (LightGCN), user (MF). Empty means the
	// model's default: NeuMF [gmf, concat] (one MMD on the GMF table and one
	// on [GMF | MLP]), LightGCN [propagated], MF [user]. Only with target
	// "served".
	ServedRepresentations []string `yaml:"served_representations" json:"served_representations,omitempty"`
	// Alpha weighs the regulariser of the -R methods: L = L_dist + α·L_reg.
	Alpha float64 `yaml:"alpha" json:"alpha"`
	// AlphaScale is "off" (α as given), "per-user" (the regulariser is
	// weighted by α·N/943 for a data set of N users) or "inverse" (by
	// α·943/N), so that one α may mean the same on data sets of different
	// sizes (943 is ML-100K's, where the reference's α values were chosen).
	// Measured (docs/method.md#alpha-scale): the α that works falls with N,
	// so "inverse" carries an α across sizes and "per-user" moves it the
	// wrong way.
	AlphaScale string `yaml:"alpha_scale" json:"alpha_scale,omitempty"`
	// AlphaAuto is set by `alpha: auto`: the -R methods search α
	// (docs/method.md#alpha-auto) instead of using Alpha. It is not part of
	// any stage's settings: every evaluation of the search is an ordinary
	// run at one α.
	AlphaAuto bool `yaml:"-" json:"alpha_auto,omitempty"`
	// AlphaMin and AlphaMax bound the search over log α.
	AlphaMin float64 `yaml:"alpha_min" json:"alpha_min,omitempty"`
	AlphaMax float64 `yaml:"alpha_max" json:"alpha_max,omitempty"`
	// AlphaEvals is the number of α the search evaluates (at most).
	AlphaEvals int `yaml:"alpha_evals" json:"alpha_evals,omitempty"`
	// MaxHRDrop is the search's constraint: HR@10 may fall by at most this
	// much against the original model (on the validation split when there
	// is one, else on test).
	MaxHRDrop float64 `yaml:"max_hr_drop" json:"max_hr_drop,omitempty"`
	// Reg is the regulariser of the -R methods: "rank" (ranking hinge over
	// each user's original top-k) or "l2" (‖U − U₀‖²_F).
	Reg string `yaml:"reg" json:"reg"`
	// Steps is the number of full-batch Adam steps, 0 … MaxSteps; the last
	// iterate is kept.
	Steps int `yaml:"steps" json:"steps"`
	// LR is Adam's learning rate.
	LR float64 `yaml:"lr" json:"lr"`
	// Beta1 and Beta2 are Adam's moment decay rates, Eps its denominator guard.
	Beta1 float64 `yaml:"beta1" json:"beta1"`
	Beta2 float64 `yaml:"beta2" json:"beta2"`
	Eps   float64 `yaml:"eps" json:"eps"`
	// Kernels are the Gaussian bandwidths of the MMD as multiples of m, the
	// mean off-diagonal squared distance: σ_i = Kernels[i]·m.
	Kernels []float64 `yaml:"kernels" json:"kernels"`
	// MultiClass is the D2D/U2U form for more than two groups: "anchor"
	// (Σ_{j≠0} L(G_j, G_0), the reference form) or "pairs" (Σ_{j<k} L(G_j, G_k)).
	MultiClass string `yaml:"multi_class" json:"multi_class"`
	// Anchor is the anchor group G_0 of the "anchor" form: "" means the
	// largest group (ties → the smaller class index), otherwise a class name
	// of the attribute or a class index.
	Anchor string `yaml:"anchor" json:"anchor"`
	// Margin is the ranking hinge's margin.
	Margin float64 `yaml:"margin" json:"margin"`
	// TopK is the length of each user's recorded top list for the ranking hinge.
	TopK int `yaml:"top_k" json:"top_k"`
	// Tile is the MMD tile size in rows (a multiple of 16). Results do not
	// depend on the number of workers, only on the tile size.
	Tile int `yaml:"tile" json:"tile"`
	// Workers bounds the goroutines of the MMD and scoring loops (0 = GOMAXPROCS).
	Workers int `yaml:"workers" json:"workers"`
	// AdvScale is the gradient-reversal scale of the adv baseline.
	AdvScale float64 `yaml:"adv_scale" json:"adv_scale"`
	// AdvWeight weighs the adversarial cross-entropy in the training loss.
	AdvWeight float64 `yaml:"adv_weight" json:"adv_weight"`
	// AdvHidden is the hidden width of the adversarial head Linear(d,h)→ReLU→Linear(h,K).
	AdvHidden int `yaml:"adv_hidden" json:"adv_hidden"`
	// AdvLR is the learning rate of the adversarial head's own Adam.
	AdvLR float64 `yaml:"adv_lr" json:"adv_lr"`
	// MMDBeta weighs the MMD² penalty of the retrain baseline.
	MMDBeta float64 `yaml:"mmd_beta" json:"mmd_beta"`
	// MMDEvery adds the retrain penalty on every MMDEvery-th mini-batch.
	MMDEvery int `yaml:"mmd_every" json:"mmd_every"`
}

// ServedReps returns the representations L_dist reads under target
// "served" for a model kind: ServedRepresentations, or the kind's default
// (recmodels.DefaultServedRepresentations) when it is empty.
func (c Config) ServedReps(kind string) []string {
	if len(c.ServedRepresentations) > 0 {
		return c.ServedRepresentations
	}
	return recmodels.DefaultServedRepresentations(kind)
}

// AlphaScaleUsers is the user count at which alpha_scale per-user and
// inverse leave α unchanged: ML-100K's 943 users.
const AlphaScaleUsers = 943

// EffectiveAlpha is the weight of the regulariser for a model of n users:
// α, α·n/AlphaScaleUsers under alpha_scale: per-user, or α·AlphaScaleUsers/n
// under alpha_scale: inverse.
func (c Config) EffectiveAlpha(n int) float64 {
	switch c.AlphaScale {
	case "per-user":
		return c.Alpha * float64(n) / AlphaScaleUsers
	case "inverse":
		return c.Alpha * AlphaScaleUsers / float64(n)
	}
	return c.Alpha
}

// DefaultConfig returns the reference settings (docs/method.md#unlearning).
func DefaultConfig() Config {
	return Config{
		Methods:    []string{MethodU2U.String(), MethodU2UR.String(), MethodD2D.String(), MethodD2DR.String()},
		Target:     "table",
		Alpha:      1e-6,
		Reg:        "rank",
		AlphaScale: "off",
		AlphaMin:   1e-6,
		AlphaMax:   1,
		AlphaEvals: 12,
		MaxHRDrop:  0.02,
		Steps:      500,
		LR:         1e-3,
		Beta1:      0.9,
		Beta2:      0.999,
		Eps:        1e-8,
		Kernels:    []float64{0.25, 0.5, 1, 2, 4},
		MultiClass: "anchor",
		Anchor:     "",
		Margin:     0.05,
		TopK:       20,
		Tile:       256,
		AdvScale:   0.5,
		AdvWeight:  1,
		AdvHidden:  16,
		AdvLR:      1e-3,
		MMDBeta:    1,
		MMDEvery:   50,
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// MaxSteps bounds unlearn.steps: 200 times the default of 500 full-batch
// steps (which the paper's settings use). Anything larger is taken for a
// typo (an extra zero or two) and refused before it runs for days.
const MaxSteps = 100_000

// Validate checks every field and returns a *cfgerr.FieldError naming the
// first bad key (relative to the unlearn block).
func (c Config) Validate() error {
	seen := map[string]bool{}
	for i, m := range c.Methods {
		key := fmt.Sprintf("methods[%d]", i)
		if m == MethodOriginal.String() {
			return cfgerr.New(key, "%q is always evaluated and is not listed; want some of %s", m, methodNames(Listable))
		}
		if _, err := parseAmong(m, Listable); err != nil {
			return cfgerr.New(key, "%v", err)
		}
		if seen[m] {
			return cfgerr.New(fmt.Sprintf("methods[%d]", i), "method %q listed twice", m)
		}
		seen[m] = true
	}
	if c.Target != "table" && c.Target != "served" {
		return cfgerr.New("target", `must be "table" or "served", got %q`, c.Target)
	}
	if len(c.ServedRepresentations) > 0 && c.Target != "served" {
		return cfgerr.New("served_representations", `is read only with target: served (target is %q); drop it or set target: served`, c.Target)
	}
	for i, r := range c.ServedRepresentations {
		if slices.Contains(c.ServedRepresentations[:i], r) {
			return cfgerr.New(fmt.Sprintf("served_representations[%d]", i), "%q is listed twice", r)
		}
	}
	if !finite(c.Alpha) || c.Alpha < 0 {
		return cfgerr.New("alpha", "must be a finite number >= 0, got %v", c.Alpha)
	}
	if c.AlphaScale != "off" && c.AlphaScale != "per-user" && c.AlphaScale != "inverse" {
		return cfgerr.New("alpha_scale", `must be "off", "per-user" (α·N/943) or "inverse" (α·943/N), got %q`, c.AlphaScale)
	}
	if !finite(c.AlphaMin) || c.AlphaMin <= 0 {
		return cfgerr.New("alpha_min", "must be a finite number > 0, got %v", c.AlphaMin)
	}
	if !finite(c.AlphaMax) || c.AlphaMax <= c.AlphaMin {
		return cfgerr.New("alpha_max", "must be a finite number > alpha_min (%v), got %v", c.AlphaMin, c.AlphaMax)
	}
	if c.AlphaEvals < 3 || c.AlphaEvals > 100 {
		return cfgerr.New("alpha_evals", "must be between 3 and 100, got %d", c.AlphaEvals)
	}
	if !finite(c.MaxHRDrop) || c.MaxHRDrop < 0 || c.MaxHRDrop >= 1 {
		return cfgerr.New("max_hr_drop", "must be in [0, 1), got %v", c.MaxHRDrop)
	}
	if c.Reg != "rank" && c.Reg != "l2" {
		return cfgerr.New("reg", `must be "rank" or "l2", got %q`, c.Reg)
	}
	if c.Steps < 0 || c.Steps > MaxSteps {
		return cfgerr.New("steps", "must be between 0 and %d, got %d", MaxSteps, c.Steps)
	}
	if !finite(c.LR) || c.LR <= 0 {
		return cfgerr.New("lr", "must be a finite number > 0, got %v", c.LR)
	}
	if !(c.Beta1 >= 0 && c.Beta1 < 1) {
		return cfgerr.New("beta1", "must be in [0, 1), got %v", c.Beta1)
	}
	if !(c.Beta2 >= 0 && c.Beta2 < 1) {
		return cfgerr.New("beta2", "must be in [0, 1), got %v", c.Beta2)
	}
	if !finite(c.Eps) || c.Eps <= 0 {
		return cfgerr.New("eps", "must be a finite number > 0, got %v", c.Eps)
	}
	if len(c.Kernels) == 0 {
		return cfgerr.New("kernels", "must list at least one bandwidth multiplier")
	}
	for i, k := range c.Kernels {
		if !finite(k) || k <= 0 {
			return cfgerr.New(fmt.Sprintf("kernels[%d]", i), "must be a finite number > 0, got %v", k)
		}
	}
	if c.MultiClass != "anchor" && c.MultiClass != "pairs" {
		return cfgerr.New("multi_class", `must be "anchor" or "pairs", got %q`, c.MultiClass)
	}
	if !finite(c.Margin) || c.Margin < 0 {
		return cfgerr.New("margin", "must be a finite number >= 0, got %v", c.Margin)
	}
	if c.TopK < 2 {
		return cfgerr.New("top_k", "must be >= 2 (the hinge compares adjacent items), got %d", c.TopK)
	}
	if c.Tile < 16 || c.Tile%16 != 0 {
		return cfgerr.New("tile", "must be a positive multiple of 16, got %d", c.Tile)
	}
	if c.Workers < 0 {
		return cfgerr.New("workers", "must be >= 0 (0 = GOMAXPROCS), got %d", c.Workers)
	}
	if !finite(c.AdvScale) || c.AdvScale < 0 {
		return cfgerr.New("adv_scale", "must be a finite number >= 0, got %v", c.AdvScale)
	}
	if !finite(c.AdvWeight) || c.AdvWeight < 0 {
		return cfgerr.New("adv_weight", "must be a finite number >= 0, got %v", c.AdvWeight)
	}
	if c.AdvHidden < 1 {
		return cfgerr.New("adv_hidden", "must be >= 1, got %d", c.AdvHidden)
	}
	if !finite(c.AdvLR) || c.AdvLR <= 0 {
		return cfgerr.New("adv_lr", "must be a finite number > 0, got %v", c.AdvLR)
	}
	if !finite(c.MMDBeta) || c.MMDBeta < 0 {
		return cfgerr.New("mmd_beta", "must be a finite number >= 0, got %v", c.MMDBeta)
	}
	if c.MMDEvery < 1 {
		return cfgerr.New("mmd_every", "must be >= 1, got %d", c.MMDEvery)
	}
	return nil
}
