package unlearning

import (
	"fmt"
	"slices"
	"strings"

	"github.com/potau/potau/recmodels"
)

// Method is one way of producing a user table: the original trained model,
// a post-training method that rewrites the trained table, or an in-training
// baseline that retrains the model with an extra term. It is the only place
// that knows what a method name means; every other package asks it.
//
// A Method encodes as its name in JSON and YAML ("U2U-R", "adv", …).
type Method uint8

// The methods, in the paper's row order.
const (
	MethodOriginal Method = iota // the trained model, untouched
	MethodAdv                    // in-training adversarial head (gradient reversal)
	MethodRetrain                // in-training MMD² penalty
	MethodU2U                    // U2U distance, no regulariser
	MethodU2UR                   // U2U + α·L_reg
	MethodD2D                    // multi-kernel MMD², no regulariser
	MethodD2DR                   // MMD² + α·L_reg
	numMethods
)

// Kind says how a method produces its table.
type Kind uint8

const (
	// KindNone is the original model: no unlearning.
	KindNone Kind = iota
	// KindPostTraining rewrites a trained model's user table.
	KindPostTraining
	// KindInTraining retrains the model from scratch with an extra term.
	KindInTraining
)

var kindNames = [...]string{KindNone: "none", KindPostTraining: "post-training", KindInTraining: "in-training"}

// String returns the kind's name as recorded in results ("none",
// "post-training", "in-training").
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// methodInfo is everything there is to know about a method's identity.
type methodInfo struct {
	name        string
	kind        Kind
	regularised bool // L = L_dist + α·L_reg
	mmd         bool // uses the multi-kernel MMD (kernels, tile)
}

var methodTable = [numMethods]methodInfo{
	MethodOriginal: {name: "original", kind: KindNone},
	MethodAdv:      {name: "adv", kind: KindInTraining},
	MethodRetrain:  {name: "retrain", kind: KindInTraining, mmd: true},
	MethodU2U:      {name: "U2U", kind: KindPostTraining},
	MethodU2UR:     {name: "U2U-R", kind: KindPostTraining, regularised: true},
	MethodD2D:      {name: "D2D", kind: KindPostTraining, mmd: true},
	MethodD2DR:     {name: "D2D-R", kind: KindPostTraining, regularised: true, mmd: true},
}

// Listable are the methods a config's unlearn.methods may name, in the
// paper's row order (the original model is always evaluated and is not
// listed).
var Listable = []Method{MethodAdv, MethodRetrain, MethodU2U, MethodU2UR, MethodD2D, MethodD2DR}

func (m Method) info() methodInfo {
	if m < numMethods {
		return methodTable[m]
	}
	return methodInfo{name: fmt.Sprintf("Method(%d)", uint8(m))}
}

// String returns the method's name as configs and records spell it.
func (m Method) String() string { return m.info().name }

// Kind reports how the method produces its table.
func (m Method) Kind() Kind { return m.info().kind }

// Regularised reports whether the method's objective has the regulariser
// term α·L_reg (the -R methods).
func (m Method) Regularised() bool { return m.info().regularised }

// TakesAlpha reports whether unlearn.alpha changes the method's result: α
// weighs the regulariser, so exactly the regularised methods take it.
func (m Method) TakesAlpha() bool { return m.Regularised() }

// UsesMMD reports whether the method evaluates the multi-kernel MMD², so
// that its result depends on the kernels and the tile size.
func (m Method) UsesMMD() bool { return m.info().mmd }

// MarshalText encodes the method as its name.
func (m Method) MarshalText() ([]byte, error) {
	if m >= numMethods {
		return nil, fmt.Errorf("unlearning: no method %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText decodes a method name (see ParseMethod).
func (m *Method) UnmarshalText(b []byte) error {
	v, err := ParseMethod(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// ParseMethod returns the method named s ("original", "adv", "retrain",
// "U2U", "U2U-R", "D2D", "D2D-R"; exact spelling). An unknown name is an
// error that lists the valid ones.
func ParseMethod(s string) (Method, error) {
	return parseAmong(s, append([]Method{MethodOriginal}, Listable...))
}

// parseAmong parses s as one of the methods among.
func parseAmong(s string, among []Method) (Method, error) {
	for _, m := range among {
		if m.String() == s {
			return m, nil
		}
	}
	for _, m := range among {
		if strings.EqualFold(m.String(), s) {
			return 0, fmt.Errorf("unknown method %q (did you mean %q? names are case-sensitive)", s, m.String())
		}
	}
	return 0, fmt.Errorf("unknown method %q, want one of %s", s, methodNames(among))
}

func methodNames(ms []Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = m.String()
	}
	return strings.Join(s, ", ")
}

// RunMethods returns the methods of a run in record order: the original
// model first, then c.Methods as listed. Names that do not parse are
// skipped; Validate reports them.
func (c Config) RunMethods() []Method {
	out := []Method{MethodOriginal}
	for _, s := range c.Methods {
		if m, err := ParseMethod(s); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// Settings is what one method's result depends on: the method, and the
// unlearn block with every field the method does not read at its zero
// value. Two configs that differ only in fields a method ignores (Workers,
// the method list, α for a method without regulariser, the other
// baseline's knobs, …) give equal Settings, so a cache key built from it
// misses exactly when the result can change.
//
// The JSON names M and U are those of the cache keys written before this
// type existed; renaming them would change every stored key.
type Settings struct {
	Method Method `json:"M"`
	Config Config `json:"U"`
}

// ForModel is For for a model of the given kind: where the kind's served
// side is its unlearnable table (recmodels.ServedIsTable: MF), the target
// does not change the result and is dropped; otherwise, under target
// "served", the representations L_dist reads are resolved against the
// kind (an empty list is the kind's default) and left out when they are
// what served read before the list existed (servedBefore), so that those
// keys are unchanged; any other list is kept.
func (c Config) ForModel(m Method, kind string) Settings {
	s := c.For(m)
	if recmodels.ServedIsTable(kind) {
		s.Config.Target, s.Config.ServedRepresentations = "", nil
	} else if s.Config.Target == "served" {
		s.Config.ServedRepresentations = nil
		if r := c.ServedReps(kind); !slices.Equal(r, servedBefore(kind)) {
			s.Config.ServedRepresentations = slices.Clone(r)
		}
	}
	return s
}

// servedBefore is what target "served" read before served_representations
// existed: NeuMF's [concat], LightGCN's [propagated]. It is fixed, whatever
// the default becomes, since the cache keys written then name no list.
func servedBefore(kind string) []string {
	switch kind {
	case "neumf":
		return []string{recmodels.RepConcat}
	case "lightgcn":
		return []string{recmodels.RepPropagated}
	}
	return nil
}

// For returns the Settings of method m under c. What each method reads:
//
//	post-training:       steps, lr, beta1, beta2, eps; multi_class, and anchor unless multi_class is "pairs";
//	                     target unless it is "table" (so that keys of "table" runs are those written before it existed),
//	                     and with it served_representations (ForModel leaves out what served read before the list existed)
//	  regularised:       alpha, reg, alpha_scale unless "off"; margin and top_k when reg is "rank"
//	  MMD (D2D, D2D-R):  kernels, tile
//	adv:                 adv_scale, adv_weight, adv_hidden, adv_lr; beta1, beta2, eps (the head's Adam)
//	retrain:             mmd_beta, mmd_every, kernels, tile; multi_class, and anchor unless "pairs"
//
// Workers never matters (results are identical for any worker count) and
// the original model reads nothing of the block.
func (c Config) For(m Method) Settings {
	var u Config
	if m.Kind() == KindNone {
		return Settings{Method: m}
	}
	if m.Kind() == KindPostTraining || m == MethodRetrain { // the group pairs of L_dist or the penalty
		u.MultiClass = c.MultiClass
		if c.MultiClass != "pairs" {
			u.Anchor = c.Anchor
		}
	}
	if m.UsesMMD() {
		u.Kernels, u.Tile = c.Kernels, c.Tile
	}
	switch m.Kind() {
	case KindPostTraining:
		if c.Target != "table" {
			u.Target = c.Target
			u.ServedRepresentations = c.ServedRepresentations
		}
		u.Steps, u.LR, u.Beta1, u.Beta2, u.Eps = c.Steps, c.LR, c.Beta1, c.Beta2, c.Eps
		if m.Regularised() {
			u.Alpha, u.Reg = c.Alpha, c.Reg
			if c.AlphaScale != "off" { // "off" is left out of the key, as before the field existed
				u.AlphaScale = c.AlphaScale
			}
			if c.Reg == "rank" {
				u.Margin, u.TopK = c.Margin, c.TopK
			}
		}
	case KindInTraining:
		switch m {
		case MethodAdv:
			u.AdvScale, u.AdvWeight, u.AdvHidden, u.AdvLR = c.AdvScale, c.AdvWeight, c.AdvHidden, c.AdvLR
			u.Beta1, u.Beta2, u.Eps = c.Beta1, c.Beta2, c.Eps
		case MethodRetrain:
			u.MMDBeta, u.MMDEvery = c.MMDBeta, c.MMDEvery
		}
	}
	return Settings{Method: m, Config: u}
}
