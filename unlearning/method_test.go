package unlearning

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/potau/potau/recmodels"
)

func TestParseMethod(t *testing.T) {
	for _, tc := range []struct {
		name        string
		want        Method
		kind        Kind
		regularised bool
	}{
		{"original", MethodOriginal, KindNone, false},
		{"adv", MethodAdv, KindInTraining, false},
		{"retrain", MethodRetrain, KindInTraining, false},
		{"U2U", MethodU2U, KindPostTraining, false},
		{"U2U-R", MethodU2UR, KindPostTraining, true},
		{"D2D", MethodD2D, KindPostTraining, false},
		{"D2D-R", MethodD2DR, KindPostTraining, true},
	} {
		m, err := ParseMethod(tc.name)
		if err != nil || m != tc.want {
			t.Errorf("ParseMethod(%q) = %v, %v; want %v", tc.name, m, err, tc.want)
			continue
		}
		if m.String() != tc.name || m.Kind() != tc.kind || m.Regularised() != tc.regularised || m.TakesAlpha() != tc.regularised {
			t.Errorf("%s: String %q Kind %v Regularised %v TakesAlpha %v", tc.name, m, m.Kind(), m.Regularised(), m.TakesAlpha())
		}
		b, err := json.Marshal(m)
		if err != nil || string(b) != `"`+tc.name+`"` {
			t.Errorf("%s: JSON %s, %v", tc.name, b, err)
		}
		var back Method
		if err := json.Unmarshal(b, &back); err != nil || back != m {
			t.Errorf("%s: JSON round trip %v, %v", tc.name, back, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"u2u-r", `did you mean "U2U-R"`},
		{"D2X", "want one of original, adv, retrain, U2U, U2U-R, D2D, D2D-R"},
		{"", "unknown method"},
	} {
		if _, err := ParseMethod(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseMethod(%q) error %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
	if _, err := json.Marshal(Method(200)); err == nil {
		t.Error("an out-of-range Method encoded without error")
	}
}

func TestValidateMethods(t *testing.T) {
	for _, tc := range []struct {
		methods []string
		want    string // "" = valid
	}{
		{[]string{"adv", "D2D-R"}, ""},
		{nil, ""},
		{[]string{"U2U", "original"}, `methods[1]: "original" is always evaluated`},
		{[]string{"d2d"}, `methods[0]: unknown method "d2d" (did you mean "D2D"?`},
		{[]string{"D2X"}, "methods[0]: unknown method \"D2X\", want one of adv, retrain, U2U, U2U-R, D2D, D2D-R"},
	} {
		c := DefaultConfig()
		c.Methods = tc.methods
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.methods, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want it to contain %q", tc.methods, err, tc.want)
		}
	}
	c := DefaultConfig()
	c.Methods = []string{"D2D-R", "adv"}
	if got, want := c.RunMethods(), []Method{MethodOriginal, MethodD2DR, MethodAdv}; !slices.Equal(got, want) {
		t.Errorf("RunMethods = %v, want %v", got, want)
	}
}

// perturbations gives, for every field of Config, a valid value different
// from the defaults'. A field added to Config without an entry here fails
// TestForIgnoresOnlyWhatDoesNotMatter.
var perturbations = map[string]any{
	"Methods":    []string{"D2D"},
	"Alpha":      0.37,
	"Reg":        "flip", // rank ↔ l2
	"Steps":      7,
	"LR":         0.02,
	"Beta1":      0.5,
	"Beta2":      0.9,
	"Eps":        1e-3,
	"Kernels":    []float64{1, 3},
	"MultiClass": "flip", // anchor ↔ pairs
	"Target":     "served",
	// set with target: served (perturb), which it needs
	"ServedRepresentations": []string{"user"},
	"AlphaAuto":             true,
	"AlphaScale":            "per-user",
	"AlphaMin":              1e-5,
	"AlphaMax":              0.5,
	"AlphaEvals":            7,
	"MaxHRDrop":             0.05,
	"Anchor":                "1",
	"Margin":                0.2,
	"TopK":                  5,
	"Tile":                  32,
	"Workers":               3,
	"AdvScale":              2.0,
	"AdvWeight":             0.3,
	"AdvHidden":             5,
	"AdvLR":                 0.01,
	"MMDBeta":               3.0,
	"MMDEvery":              1,
}

func perturb(t *testing.T, c Config, field string) Config {
	t.Helper()
	v, ok := perturbations[field]
	if !ok {
		t.Fatalf("no perturbation for Config.%s: add one", field)
	}
	f := reflect.ValueOf(&c).Elem().FieldByName(field)
	switch {
	case field == "Reg" && c.Reg == "rank":
		c.Reg = "l2"
	case field == "Reg":
		c.Reg = "rank"
	case field == "MultiClass" && c.MultiClass == "anchor":
		c.MultiClass = "pairs"
	case field == "MultiClass":
		c.MultiClass = "anchor"
	case field == "ServedRepresentations":
		c.Target = "served"
		f.Set(reflect.ValueOf(v))
	default:
		f.Set(reflect.ValueOf(v))
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("perturbed %s: %v", field, err)
	}
	return c
}

// TestForIgnoresOnlyWhatDoesNotMatter checks Config.For against the methods
// themselves, independently of For's table: for each method and each
// field, when changing the field leaves For unchanged (the cache key would
// hit), running the method with both configs must give byte-identical
// results. A field For wrongly drops fails here with a changed table; a
// field For keeps is only a possible cache miss and is not run. Workers
// must always be dropped.
func TestForIgnoresOnlyWhatDoesNotMatter(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the baselines")
	}
	ctx := context.Background()
	// Post-training methods on a small dot-product model (two groups and an
	// unlabelled user, as in the objective tests).
	ps, plabels := testSplit(40, 30, 7)
	plabels[5] = -1
	pm := newDotModel(40, 30, 6, 0.7, 3)
	// Baselines train MF on a small synthetic split, several batches per
	// epoch so that mmd_every matters.
	bs, blabels := synthSplit(t)
	rc := recmodels.DefaultConfig("mf")
	rc.Dim, rc.Epochs, rc.BatchSize, rc.Selection = 8, 2, 1024, "last"

	result := func(m Method, c Config) []byte {
		t.Helper()
		switch m.Kind() {
		case KindPostTraining:
			um, _, err := Run(ctx, pm, ps, plabels, m, c, nil)
			if err != nil {
				t.Fatalf("%v: %v", m, err)
			}
			var b []byte
			for _, v := range um.UserTable().Data {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
			return b
		case KindInTraining:
			bm, _, err := Baseline(ctx, m, bs, blabels, rc, c, 4, nil)
			if err != nil {
				t.Fatalf("%v: %v", m, err)
			}
			var buf bytes.Buffer
			if err := recmodels.Save(&buf, bm); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}
		t.Fatalf("%v has no result of its own", m)
		return nil
	}
	base1 := DefaultConfig()
	base1.Steps, base1.TopK, base1.Tile = 4, 8, 16
	base2 := base1 // the other regulariser and multi-class form
	base2.Reg, base2.MultiClass = "l2", "pairs"
	fields := reflect.VisibleFields(reflect.TypeOf(Config{}))
	for _, m := range append([]Method{MethodOriginal}, Listable...) {
		for bi, base := range []Config{base1, base2} {
			var ref []byte
			for _, f := range fields {
				pc := perturb(t, base, f.Name)
				same := reflect.DeepEqual(base.For(m), pc.For(m))
				if f.Name == "Workers" && !same {
					t.Errorf("%v: For depends on Workers", m)
				}
				if m == MethodOriginal {
					if !same {
						t.Errorf("original: For depends on %s", f.Name)
					}
					continue
				}
				if !same {
					continue
				}
				if ref == nil {
					ref = result(m, base)
				}
				if got := result(m, pc); !bytes.Equal(got, ref) {
					t.Errorf("%v (base %d): For ignores %s, but changing it changes the result", m, bi+1, f.Name)
				}
			}
		}
	}
}

// TestForKeeps checks what For keeps on a few hand-picked cases: α only for
// the methods that take it, the MMD settings only for the methods that use
// them, the other baseline's knobs never.
func TestForKeeps(t *testing.T) {
	c := DefaultConfig()
	c.Alpha, c.Workers = 0.5, 2
	for _, tc := range []struct {
		m            Method
		alpha, tile  bool
		adv, retrain bool
	}{
		{MethodU2U, false, false, false, false},
		{MethodU2UR, true, false, false, false},
		{MethodD2D, false, true, false, false},
		{MethodD2DR, true, true, false, false},
		{MethodAdv, false, false, true, false},
		{MethodRetrain, false, true, false, true},
	} {
		s := c.For(tc.m)
		if s.Method != tc.m || s.Config.Workers != 0 || s.Config.Methods != nil {
			t.Errorf("%v: Settings %+v", tc.m, s)
		}
		if got := s.Config.Alpha == c.Alpha; got != tc.alpha {
			t.Errorf("%v: keeps α %v, want %v", tc.m, got, tc.alpha)
		}
		if got := s.Config.Tile == c.Tile && len(s.Config.Kernels) > 0; got != tc.tile {
			t.Errorf("%v: keeps the MMD settings %v, want %v", tc.m, got, tc.tile)
		}
		if got := s.Config.AdvHidden == c.AdvHidden; got != tc.adv {
			t.Errorf("%v: keeps adv_hidden %v, want %v", tc.m, got, tc.adv)
		}
		if got := s.Config.MMDEvery == c.MMDEvery; got != tc.retrain {
			t.Errorf("%v: keeps mmd_every %v, want %v", tc.m, got, tc.retrain)
		}
	}
}
