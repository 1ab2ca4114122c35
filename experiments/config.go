// Package experiments owns potau's experiment configs (strict YAML with
// defaults, extends, --set overrides, a canonical form and a stable hash),
// sweep expansion, the stage cache, the pipeline that runs
// data → split → train → unlearn → evaluate + attack, and the result records.
// What each stage computes, and the determinism rules the pipeline keeps, are
// stated in docs/method.md (#determinism for the latter).
package experiments

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/big"
	"math/bits"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/attackers"
	"github.com/potau/potau/datasets"
	"github.com/potau/potau/internal/cfgerr"
	"github.com/potau/potau/recmodels"
	"github.com/potau/potau/unlearning"
)

//go:generate go run gen_configdoc.go

// Config is a resolved experiment: one cell of a grid. Every field has a
// default (DefaultConfig); a YAML file overrides any of them.
type Config struct {
	// Name labels the experiment in results and reports.
	Name string `yaml:"name" json:"name"`
	// Seed is the root seed; every random stream derives from it by name.
	Seed uint64 `yaml:"seed" json:"seed"`
	// Data selects, filters and splits the data set.
	Data datasets.Config `yaml:"data" json:"data"`
	// Model selects the recommender and how it is trained.
	Model recmodels.Config `yaml:"model" json:"model"`
	// Unlearn lists the unlearning methods and their hyperparameters.
	Unlearn unlearning.Config `yaml:"unlearn" json:"unlearn"`
	// Attack configures the attribute-inference attackers and their protocol.
	Attack attackers.Config `yaml:"attack" json:"attack"`
	// Audit configures the leakage audit (off by default).
	Audit AuditConfig `yaml:"audit" json:"audit"`
	// Eval configures recommendation metrics.
	Eval EvalConfig `yaml:"eval" json:"eval"`
	// Export selects artefacts written beside the results.
	Export ExportConfig `yaml:"export" json:"export"`
	// Report configures the tables and figures of `potau report`.
	Report ReportConfig `yaml:"report" json:"report"`
	// Reference holds published numbers to print beside ours.
	Reference []Reference `yaml:"reference" json:"reference,omitempty"`
}

// EvalConfig configures recommendation metrics.
type EvalConfig struct {
	// Ks are the cut-offs of HR@K, NDCG@K and Recall@K.
	Ks []int `yaml:"ks" json:"ks"`
	// Full also reports full-ranking metrics (every item not in the user's
	// training set) when the split's protocol is sampled; their keys carry
	// the prefix "full_" (e.g. "full_ndcg@10").
	Full bool `yaml:"full" json:"full"`
}

// ExportConfig selects artefacts written beside the results.
type ExportConfig struct {
	// Embeddings writes user tables before and after unlearning (and item
	// tables) as NumPy .npy files under the run's exports/ folder.
	Embeddings bool `yaml:"embeddings" json:"embeddings"`
}

// ReportConfig configures the tables and figures of `potau report`.
type ReportConfig struct {
	// Columns of the main table: attacker.metric (e.g. "mlp.auc") or a
	// recommendation metric (e.g. "hr@10").
	Columns []string `yaml:"columns" json:"columns"`
	// Formats of the figures: any of png, svg, pdf.
	Formats []string `yaml:"formats" json:"formats"`
	// Digits is the number of decimals of table metrics (1 to 8).
	Digits int `yaml:"digits" json:"digits"`
	// MaxHRDrop is the HR@10 budget of the best method: the largest
	// absolute HR@10 loss against the original model a best method may
	// have (0 < x ≤ 1).
	MaxHRDrop float64 `yaml:"max_hr_drop" json:"max_hr_drop"`
	// LaTeX configures the LaTeX tables.
	LaTeX LaTeXConfig `yaml:"latex" json:"latex"`
}

// LaTeXConfig configures the LaTeX tables of the report.
type LaTeXConfig struct {
	// Width is the width a table must fit: "column" (a table float scaled
	// to \columnwidth when wider) or "page" (a table* float across both
	// columns of a two-column paper, scaled to \textwidth when wider).
	Width string `yaml:"width" json:"width"`
}

// Reference is a row of published numbers to print beside ours.
type Reference struct {
	// Dataset, Model and Method select the rows it applies to (empty = any).
	Dataset string `yaml:"dataset" json:"dataset,omitempty"`
	Model   string `yaml:"model" json:"model,omitempty"`
	Method  string `yaml:"method" json:"method,omitempty"`
	// Alpha selects the α (absent = any).
	Alpha *float64 `yaml:"alpha" json:"alpha,omitempty"`
	// Source says where the numbers come from.
	Source string `yaml:"source" json:"source,omitempty"`
	// Values maps a column ("mlp.auc", "gbdt.auc", "hr@10", …) to its value.
	Values map[string]float64 `yaml:"values" json:"values"`
}

// DefaultConfig returns the defaults of every key; the model block's
// defaults depend on its kind.
func DefaultConfig(kind string) Config {
	return Config{
		Name:    "potau",
		Seed:    1,
		Data:    datasets.DefaultConfig(),
		Model:   recmodels.DefaultConfig(kind),
		Unlearn: unlearning.DefaultConfig(),
		Attack:  attackers.DefaultConfig(),
		Audit:   DefaultAuditConfig(),
		Eval:    EvalConfig{Ks: []int{5, 10, 15, 20}},
		Report: ReportConfig{
			Columns:   []string{"mlp.auc", "mlp.accuracy", "gbdt.auc", "gbdt.accuracy", "hr@10", "ndcg@10"},
			Formats:   []string{"png", "svg", "pdf"},
			Digits:    3,
			MaxHRDrop: 0.02,
			LaTeX:     LaTeXConfig{Width: "column"},
		},
	}
}

// DefaultModelKind is the model used when a config names none.
const DefaultModelKind = "mf"

// Validate checks every block; errors carry the key path.
func (c *Config) Validate() error {
	if err := cfgerr.Prefix("data", c.Data.Validate()); err != nil {
		return err
	}
	if err := cfgerr.Prefix("model", c.Model.Validate()); err != nil {
		return err
	}
	if err := cfgerr.Prefix("unlearn", c.Unlearn.Validate()); err != nil {
		return err
	}
	if c.Unlearn.Target == "served" {
		if have, err := recmodels.ServedRepresentations(c.Model.Kind); err == nil {
			for i, r := range c.Unlearn.ServedRepresentations {
				if !slices.Contains(have, r) {
					return cfgerr.New(fmt.Sprintf("unlearn.served_representations[%d]", i), "model %s has no served representation %q (it has: %s)", c.Model.Kind, r, strings.Join(have, ", "))
				}
			}
		}
	}
	if c.Unlearn.AlphaAuto && !slices.Contains(c.Eval.Ks, 10) {
		return cfgerr.New("unlearn.alpha", "auto searches α against HR@10, but eval.ks (%v) has no 10", c.Eval.Ks)
	}
	if n := len(c.Data.Attribute); n > 1 {
		// Several attributes at once are a post-training feature: the
		// in-training baselines train with one attribute's head or penalty,
		// and a named anchor is a class of one attribute.
		for i, name := range c.Unlearn.Methods {
			if m, err := unlearning.ParseMethod(name); err == nil && m.Kind() == unlearning.KindInTraining {
				return cfgerr.New(fmt.Sprintf("unlearn.methods[%d]", i), "%s trains with one attribute, but data.attribute lists %d (%s); use the post-training methods (U2U, U2U-R, D2D, D2D-R) or one attribute", name, n, c.Data.Attribute)
			}
		}
		if c.Unlearn.Anchor != "" && c.Unlearn.MultiClass == "anchor" {
			return cfgerr.New("unlearn.anchor", "names one class, but data.attribute lists %d attributes (%s); leave it empty (each attribute's largest group) or use multi_class: pairs", n, c.Data.Attribute)
		}
	}
	if err := cfgerr.Prefix("attack", c.Attack.Validate()); err != nil {
		return err
	}
	if err := cfgerr.Prefix("audit", c.Audit.Validate(c.Model.Kind)); err != nil {
		return err
	}
	if len(c.Eval.Ks) == 0 {
		return cfgerr.New("eval.ks", "expected at least one cut-off")
	}
	for i, k := range c.Eval.Ks {
		if k < 1 {
			return cfgerr.New(fmt.Sprintf("eval.ks[%d]", i), "must be >= 1, got %d", k)
		}
	}
	for i, f := range c.Report.Formats {
		switch f {
		case "png", "svg", "pdf":
		default:
			return cfgerr.New(fmt.Sprintf("report.formats[%d]", i), "expected png, svg or pdf, got %q", f)
		}
	}
	if c.Report.Digits < 1 || c.Report.Digits > 8 {
		return cfgerr.New("report.digits", "expected 1 to 8 decimals, got %d", c.Report.Digits)
	}
	if !(c.Report.MaxHRDrop > 0 && c.Report.MaxHRDrop <= 1) {
		return cfgerr.New("report.max_hr_drop", "expected a HR@10 drop in (0, 1], got %v", c.Report.MaxHRDrop)
	}
	switch c.Report.LaTeX.Width {
	case "column", "page":
	default:
		return cfgerr.New("report.latex.width", "expected column or page, got %q", c.Report.LaTeX.Width)
	}
	for i, col := range c.Report.Columns {
		if strings.TrimSpace(col) == "" {
			return cfgerr.New(fmt.Sprintf("report.columns[%d]", i), "expected a column name, got an empty string")
		}
	}
	return nil
}

// Hash is the stable hash of the canonical form of c.
func (c *Config) Hash() string { return hashJSON(c) }

// Canonical returns the canonical YAML form of c: every key, defaults
// included, in declaration order; unlearn.alpha reads "auto" when α is
// searched.
func (c *Config) Canonical() ([]byte, error) {
	if !c.Unlearn.AlphaAuto {
		return yaml.Marshal(c)
	}
	var n yaml.Node
	if err := n.Encode(c); err != nil {
		return nil, err
	}
	setScalar(&n, []string{"unlearn", "alpha"}, "auto")
	return yaml.Marshal(&n)
}

// setScalar sets the scalar at a key path of a mapping node to the string
// v (nothing when the path is absent).
func setScalar(n *yaml.Node, path []string, v string) {
	for n.Kind == yaml.DocumentNode && len(n.Content) == 1 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode || len(path) == 0 {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != path[0] {
			continue
		}
		if len(path) == 1 {
			n.Content[i+1].Kind, n.Content[i+1].Tag, n.Content[i+1].Value = yaml.ScalarNode, "!!str", v
			return
		}
		setScalar(n.Content[i+1], path[1:], v)
		return
	}
}

// hashJSON hashes the JSON encoding of v (struct fields in declaration
// order, map keys sorted: a canonical form).
func hashJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("experiments: hashing %T: %v", v, err)) // only plain data is hashed
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Axis is one swept config path and its values, in file order.
type Axis struct {
	Path   string
	Values []*yaml.Node
	File   string
	Line   int
}

// Spec is a loaded config file: its merged tree (after extends and --set)
// and its sweep axes. Cells expands it into resolved configs.
type Spec struct {
	File string
	tree *tree
	Axes []Axis
	// Size is the number of cells of the grid, the product of the axes'
	// lengths (1 without a sweep); LoadSpec checked it against Limit.
	Size int
	// Limit is the largest grid LoadSpec accepts: the top-level key
	// sweep_limit, DefaultSweepLimit when absent.
	Limit int
}

// DefaultSweepLimit is the largest grid a config may expand to unless it
// sets the top-level key sweep_limit. Ten thousand cells is far beyond any
// grid of the paper (the α and dimension sweeps have tens of cells) yet
// stops a typo such as an extra axis of 100 values from launching a
// million trainings; like sweep and extends, sweep_limit is read before
// the config is decoded and is not part of a cell's resolved config or
// hash.
const DefaultSweepLimit = 10000

// Cell is one point of the grid.
type Cell struct {
	Index  int
	Values []AxisValue // the swept paths' values, in axis order
	Config Config
	Hash   string
}

// AxisValue is one swept path's value in a cell.
type AxisValue struct {
	Path  string
	Value any
}

// Label is a short human label of the cell ("model.kind=mf alpha=1e-6").
func (c Cell) Label() string {
	if len(c.Values) == 0 {
		return "default"
	}
	parts := make([]string, len(c.Values))
	for i, v := range c.Values {
		parts[i] = fmt.Sprintf("%s=%v", v.Path, v.Value)
	}
	return strings.Join(parts, " ")
}

const maxExtends = 16

// LoadSpec reads a config file, follows `extends` (relative to the file),
// applies --set overrides (path=value, value in YAML syntax) and parses the
// sweep block.
func LoadSpec(file string, sets []string) (*Spec, error) {
	t, err := loadTree(file, 0)
	if err != nil {
		return nil, err
	}
	for _, s := range sets {
		path, val, ok := strings.Cut(s, "=")
		path = strings.TrimSpace(path)
		if !ok || path == "" {
			return nil, &ConfigError{File: "--set", Msg: fmt.Sprintf("expected path=value, got %q", s)}
		}
		doc, err := parseYAML("--set "+path, []byte(val))
		if err != nil {
			var ce *ConfigError
			if isConfigError(err, &ce) && ce.Path != "" {
				ce.Path = path + "." + ce.Path
				return nil, ce
			}
			return nil, &ConfigError{File: "--set", Path: path, Msg: fmt.Sprintf("cannot parse value %q: %v", val, err)}
		}
		if len(doc.Content) == 0 {
			doc.Content = []*yaml.Node{{Kind: yaml.ScalarNode, Tag: "!!null", Value: ""}}
		}
		if path == "sweep" || strings.HasPrefix(path, "sweep.") {
			if err := t.setSweep(path, doc.Content[0], "--set "+path); err != nil {
				return nil, &ConfigError{File: "--set", Path: path, Msg: err.Error()}
			}
			continue
		}
		if err := t.set(path, doc.Content[0], "--set "+path); err != nil {
			return nil, &ConfigError{File: "--set", Path: path, Msg: err.Error()}
		}
	}
	sp := &Spec{File: file, tree: t, Limit: DefaultSweepLimit}
	limitFile, limitLine := file, 0
	if k, v := t.lookup("sweep_limit"); k != nil {
		n, err := strconv.ParseInt(v.Value, 0, 64)
		if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || err != nil || n < 1 || n > math.MaxInt32 {
			return nil, t.errAt(v, "sweep_limit", fmt.Sprintf("expected a positive integer of at most %d cells, got %s", math.MaxInt32, describe(v)))
		}
		sp.Limit, limitFile, limitLine = int(n), t.file[v], v.Line
		t.remove("sweep_limit")
	}
	var sweepKey *yaml.Node
	if k, v := t.lookup("sweep"); k != nil {
		sweepKey = k
		if v.Kind != yaml.MappingNode {
			return nil, t.errAt(v, "sweep", "expected a mapping of config paths to lists of values")
		}
		for j := 0; j+1 < len(v.Content); j += 2 {
			pk, pv := v.Content[j], v.Content[j+1]
			p := "sweep." + pk.Value
			if pv.Kind != yaml.SequenceNode || len(pv.Content) == 0 {
				return nil, t.errAt(pv, p, fmt.Sprintf("expected a non-empty list of values, got %s", describe(pv)))
			}
			if pk.Value == "sweep" || pk.Value == "extends" || strings.HasPrefix(pk.Value, "sweep.") {
				return nil, t.errAt(pk, p, "cannot sweep this key")
			}
			sp.Axes = append(sp.Axes, Axis{Path: pk.Value, Values: pv.Content, File: t.file[pk], Line: pk.Line})
		}
		t.remove("sweep")
	}
	// A --set of a swept path fixes that path: the axis is dropped and the
	// --set value (already in the tree) applies to every cell.
	for _, s := range sets {
		path, _, _ := strings.Cut(s, "=")
		path = strings.TrimSpace(path)
		axes := sp.Axes[:0]
		for _, a := range sp.Axes {
			if a.Path != path {
				axes = append(axes, a)
			}
		}
		sp.Axes = axes
	}
	if err := sp.countCells(); err != nil {
		ce := &ConfigError{File: limitFile, Line: limitLine, Path: "sweep", Msg: err.Error()}
		if sweepKey != nil {
			ce.File, ce.Line = t.file[sweepKey], sweepKey.Line
		}
		return nil, ce
	}
	return sp, nil
}

// countCells sets s.Size to the product of the axes' lengths, refusing a
// product that overflows or exceeds s.Limit with an error naming the axes.
func (s *Spec) countCells() error {
	n, over := 1, false
	for _, a := range s.Axes {
		hi, lo := bits.Mul64(uint64(n), uint64(len(a.Values)))
		if hi != 0 || lo > uint64(s.Limit) {
			over = true
			break
		}
		n = int(lo)
	}
	if !over {
		s.Size = n
		return nil
	}
	// Describe the grid: each axis with its length, and the exact product
	// (in big arithmetic: it may exceed any machine integer).
	total := big.NewInt(1)
	parts := make([]string, len(s.Axes))
	for i, a := range s.Axes {
		total.Mul(total, big.NewInt(int64(len(a.Values))))
		parts[i] = fmt.Sprintf("%s (%d)", a.Path, len(a.Values))
	}
	return fmt.Errorf("the grid has %s cells (%s), more than sweep_limit %d; sweep fewer values or raise the top-level key sweep_limit",
		total, strings.Join(parts, " × "), s.Limit)
}

func loadTree(file string, depth int) (*tree, error) {
	if depth > maxExtends {
		return nil, &ConfigError{File: file, Msg: "extends chain too deep (a cycle?)"}
	}
	b, err := readFile(file)
	if err != nil {
		if depth == 0 {
			// A config file that cannot be read is a usage error, like a
			// bad key (an extends target is reported at its extends line).
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, &ConfigError{File: file, Msg: fmt.Sprintf("cannot read the config file: %v", err)}
		}
		return nil, err
	}
	t, err := parseTree(file, b)
	if err != nil {
		return nil, err
	}
	k, v := t.lookup("extends")
	if k == nil {
		return t, nil
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" || v.Value == "" {
		return nil, t.errAt(v, "extends", fmt.Sprintf("expected a file name, got %s", describe(v)))
	}
	basePath := v.Value
	if !filepath.IsAbs(basePath) {
		basePath = filepath.Join(filepath.Dir(file), basePath)
	}
	base, err := loadTree(basePath, depth+1)
	if err != nil {
		var ce *ConfigError
		if !isConfigError(err, &ce) {
			return nil, &ConfigError{File: file, Line: v.Line, Path: "extends", Msg: err.Error()}
		}
		return nil, err
	}
	t.remove("extends")
	// A child's sweep replaces the base's sweep as a whole: merging two grids
	// key by key would silently sweep axes the child did not ask for.
	if k, _ := t.lookup("sweep"); k != nil {
		base.remove("sweep")
	}
	base.merge(t)
	return base, nil
}

func isConfigError(err error, target **ConfigError) bool {
	ce, ok := err.(*ConfigError)
	if ok {
		*target = ce
	}
	return ok
}

// Cells expands the grid: the product of the axes, first axis outermost.
// Every cell is decoded strictly and validated.
func (s *Spec) Cells() ([]Cell, error) {
	cells := make([]Cell, 0, s.Size)
	err := s.EachCell(func(c Cell) error {
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cells, nil
}

// EachCell calls fn with each cell of the grid in Cells' order, one at a
// time, so that a caller which does not keep them (a dry run, config
// check) needs memory for one cell only. It stops at the first error.
func (s *Spec) EachCell(fn func(Cell) error) error {
	if s.Size == 0 {
		if s.Limit == 0 {
			s.Limit = DefaultSweepLimit
		}
		if err := s.countCells(); err != nil {
			return &ConfigError{File: s.File, Path: "sweep", Msg: err.Error()}
		}
	}
	idx := make([]int, len(s.Axes))
	for ci := 0; ci < s.Size; ci++ {
		t := s.tree.clone()
		var vals []AxisValue
		for ai, a := range s.Axes {
			vn := a.Values[idx[ai]]
			c := t.copyNode(s.tree, vn)
			if err := t.set(a.Path, c, a.File); err != nil {
				return &ConfigError{File: a.File, Line: a.Line, Path: "sweep." + a.Path, Msg: err.Error()}
			}
			var x any
			_ = vn.Decode(&x)
			vals = append(vals, AxisValue{Path: a.Path, Value: x})
		}
		cfg, err := decodeConfig(t, s.File)
		if err != nil {
			return err
		}
		if err := fn(Cell{Index: ci, Values: vals, Config: cfg, Hash: cfg.Hash()}); err != nil {
			return err
		}
		// Odometer, last axis fastest.
		for ai := len(idx) - 1; ai >= 0; ai-- {
			idx[ai]++
			if idx[ai] < len(s.Axes[ai].Values) {
				break
			}
			idx[ai] = 0
		}
	}
	return nil
}

// Base is the config of the grid's first cell: every swept path at its
// first value, or the file itself when it sweeps nothing. The file without
// its sweep is not decoded on its own: a sweep over model.kind makes keys
// valid (audit.representations: [gmf], unlearn.served_representations:
// [ego]) that the file's own model.kind does not have, and such a config
// must pass before any computing, not fail at the report after it.
func (s *Spec) Base() (Config, error) {
	if len(s.Axes) == 0 {
		return decodeConfig(s.tree, s.File)
	}
	var base Config
	found := false
	err := s.EachCell(func(c Cell) error {
		base, found = c.Config, true
		return errStopCells
	})
	if err != nil && err != errStopCells {
		return Config{}, err
	}
	if !found {
		return Config{}, &ConfigError{File: s.File, Path: "sweep", Msg: "the sweep has no cell"}
	}
	return base, nil
}

// errStopCells ends EachCell after the first cell.
var errStopCells = errors.New("stop")

func decodeConfig(t *tree, file string) (Config, error) {
	kind := DefaultModelKind
	if _, v := t.lookup("model.kind"); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!str" {
		kind = v.Value
	}
	cfg := DefaultConfig(kind)
	// unlearn.alpha: auto searches α (docs/method.md#alpha-auto); the field
	// is a number, so the tree is decoded with α = 0 in its place.
	auto := false
	if _, v := t.lookup("unlearn.alpha"); v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value == "auto" {
		auto = true
		t = t.clone()
		_, v = t.lookup("unlearn.alpha")
		v.Value, v.Tag = "0", "!!float"
	}
	if err := t.decode(t.root, reflect.ValueOf(&cfg).Elem(), ""); err != nil {
		return Config{}, err
	}
	cfg.Unlearn.AlphaAuto = auto
	if err := cfg.Validate(); err != nil {
		return Config{}, t.locate(err, file)
	}
	return cfg, nil
}

// LoadConfig loads a config file without a sweep (its base cell).
func LoadConfig(file string, sets []string) (Config, error) {
	s, err := LoadSpec(file, sets)
	if err != nil {
		return Config{}, err
	}
	return s.Base()
}

func sortStrings(s []string) { sort.Strings(s) }

// KeyDoc returns the doc comment of a config key's field ("model.lr"), or
// "" for a key without one. The comments are read from the source by
// gen_configdoc.go into configdoc.go.
func KeyDoc(path string) string { return configDocs[path] }
