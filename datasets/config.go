package datasets

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/potau/potau/internal/cfgerr"
)

// Names of the data sets Load knows.
const (
	NameSynthetic = "synthetic"
	NameML100K    = "ml-100k"
	NameML1M      = "ml-1m"
	NameGeneric   = "generic"
	NameReference = "reference"
)

// Names lists every value Config.Name accepts.
var Names = []string{NameSynthetic, NameML100K, NameML1M, NameGeneric, NameReference}

// Config is the `data:` block of an experiment config: which data set, where
// it is, which attribute is the target, and how it is filtered and split.
type Config struct {
	// Name selects the data set: "synthetic" (default; generated, needs no
	// files), "ml-100k", "ml-1m", "generic" (delimited files, see generic)
	// or "reference" (the reference implementation's preprocessed split).
	Name string `yaml:"name"`
	// Path is an optional local folder holding the data set. For ml-100k and
	// ml-1m it takes precedence over $POTAU_DATA/<name> and the user cache
	// (it may also be the folder that holds ml-100k/ or ml-1m/); for generic
	// it is the folder that relative generic file names are resolved
	// against (default: the working directory); for reference it is the
	// folder of the preprocessed files (required).
	Path string `yaml:"path"`
	// Attribute is the user attribute to unlearn and attack (default
	// "gender"). MovieLens also has "age" and "occupation".
	// A list ([gender, age]) unlearns and attacks several at once.
	Attribute AttributeList `yaml:"attribute"`
	// AgeGroups says what MovieLens' age attribute holds: "ml-1m" (default:
	// ML-1M's seven groups — Under 18, 18-24, 25-34, 35-44, 45-49, 50-55,
	// 56+ — into which ML-100K's exact ages are binned, so both data sets
	// share one "age") or "none" (the ages as the file has them: ML-1M's
	// file holds the groups only, so nothing changes there; ML-100K's exact
	// years are refused as an attribute, being 61 classes, 31 of them held
	// by fewer than 15 users). Only for ml-100k and ml-1m.
	AgeGroups string `yaml:"age_groups" json:",omitempty"`
	// Synthetic parameterises the synthetic generator (name: synthetic).
	Synthetic SyntheticConfig `yaml:"synthetic"`
	// Generic describes delimited interaction and user files (name: generic).
	Generic GenericConfig `yaml:"generic"`
	// Reference names the files of the reference format (name: reference).
	Reference ReferenceConfig `yaml:"reference"`
	// Filter turns ratings into positives and applies k-core filtering.
	// Ignored for name: reference, which is already a split.
	Filter FilterConfig `yaml:"filter"`
	// Split says how train/validation/test are made and evaluated.
	// Ignored for name: reference, which is already a split.
	Split SplitConfig `yaml:"split"`
}

// SyntheticConfig parameterises the synthetic data set: a latent-factor
// model whose user preferences are shifted along one direction by a planted
// binary attribute ("gender", classes M and F). Defaults mimic ML-100K.
type SyntheticConfig struct {
	// Seed is the data set's own seed (default 1), independent of the run
	// seed, so that a run's seeds vary the split and training, not the data.
	Seed uint64 `yaml:"seed"`
	// Users is the number of users (default 943).
	Users int `yaml:"users"`
	// Items is the number of items (default 1682).
	Items int `yaml:"items"`
	// Interactions is the exact total number of interactions (default 100000).
	Interactions int `yaml:"interactions"`
	// MinPerUser is every user's minimum number of interactions (default 20).
	MinPerUser int `yaml:"min_per_user"`
	// Minority is the fraction of users in the minority class F (default 0.29).
	Minority float64 `yaml:"minority"`
	// Strength is the distance between the two classes' mean preference
	// vectors, in units of the per-dimension standard deviation of the
	// preferences (default 1.5; 0 plants nothing). At 1.5 the attribute is
	// recoverable but not trivially: measured with `potau run` (dim 32,
	// 8 epochs, seed 1) the attack AUC on the original models is 0.76 (MLP)
	// / 0.70 (GBDT) for MF and 0.78 / 0.74 for NeuMF; a linear attacker on
	// rank-32 SVD embeddings reaches 0.75–0.83 over data seeds.
	Strength float64 `yaml:"strength"`
	// Dim is the latent dimension of the generator (default 16).
	Dim int `yaml:"dim"`
	// Popularity is the Zipf exponent of item popularity: item of popularity
	// rank r has base weight r^-popularity (default 0.9).
	Popularity float64 `yaml:"popularity"`
	// Affinity scales the user–item preference term against popularity
	// (default 1.0).
	Affinity float64 `yaml:"affinity"`
	// Activity is the log-normal σ of user activity above MinPerUser
	// (default 1.0): larger values give a longer tail of heavy users.
	Activity float64 `yaml:"activity"`
}

// GenericConfig describes a delimited interactions file and a user file
// (how LFM-2B-style data comes in). Columns are 0-based. Files ending in
// ".gz" are decompressed.
type GenericConfig struct {
	// Interactions is the interactions file (relative to path when relative).
	Interactions string `yaml:"interactions"`
	// Users is the user attribute file (relative to path when relative).
	Users string `yaml:"users"`
	// Delimiter separates the interaction file's fields (default "\t").
	Delimiter string `yaml:"delimiter"`
	// Header says the interactions file starts with a header line to skip.
	Header bool `yaml:"header"`
	// UserColumn is the user id column of the interactions file (default 0).
	UserColumn int `yaml:"user_column"`
	// ItemColumn is the item id column of the interactions file (default 1).
	ItemColumn int `yaml:"item_column"`
	// RatingColumn is the rating column, or -1 (default) when every line is
	// a positive with rating 1.
	RatingColumn int `yaml:"rating_column"`
	// TimeColumn is the integer timestamp column, or -1 (default) to use the
	// line number as the time (later lines are later).
	TimeColumn int `yaml:"time_column"`
	// UsersDelimiter separates the user file's fields (default: delimiter).
	UsersDelimiter string `yaml:"users_delimiter"`
	// UsersHeader says the user file starts with a header line to skip.
	UsersHeader bool `yaml:"users_header"`
	// UsersIDColumn is the user id column of the user file (default 0).
	UsersIDColumn int `yaml:"users_id_column"`
	// Attributes maps attribute names to user-file columns; unset (empty)
	// means {gender: 1}. Values are categorical labels; an empty value is an
	// error.
	Attributes map[string]int `yaml:"attributes"`
}

// ReferenceConfig names the files of the reference implementation's
// preprocessed format inside data.path.
type ReferenceConfig struct {
	// Train is the training pairs file "user,item" per line, with or without
	// a "user,item" header (default "train_interactions.csv").
	Train string `yaml:"train"`
	// TestNeg holds one line per test positive: "(u, i)" then the sampled
	// negatives, tab-separated (default "test_neg_interactions").
	TestNeg string `yaml:"test_neg"`
	// Users is a CSV with header "user,<attribute>[,<attribute>…]" and one
	// line per user (default "user_attributes.csv"), or a .npy file holding
	// a pickled dict user → label as the reference code keeps its labels
	// (user_gender.npy, written by np.save; the attribute is named after
	// the file: user_gender.npy → gender). With the default name absent and
	// a user_gender.npy present, that file is read, so the reference's
	// bundles run unchanged.
	Users string `yaml:"users"`
}

// FilterConfig turns ratings into implicit positives and filters sparse
// users and items.
type FilterConfig struct {
	// MaxUsers keeps only the first max_users users in the data set's user
	// order — ascending user id for numeric ids, so ML-1M's 1…N as in the
	// reference implementation's 2,999-user subset — before the threshold
	// and the k-core (default 0: every user).
	MaxUsers int `yaml:"max_users" json:",omitempty"`
	// MinRating is the implicit-feedback threshold: a rating r is a positive
	// when r >= min_rating (default 0: every rating is a positive).
	MinRating float64 `yaml:"min_rating"`
	// MinUser is the iterative k-core's minimum interactions per user
	// (default 0: off).
	MinUser int `yaml:"min_user"`
	// MinItem is the iterative k-core's minimum interactions per item
	// (default 0: off).
	MinItem int `yaml:"min_item"`
}

// SplitConfig says how a split is made and evaluated.
type SplitConfig struct {
	// Method is "loo" (default: each user's latest interaction is the test
	// positive) or "ratio" (a random per-user fraction is test).
	Method string `yaml:"method"`
	// Eval is "sampled" (default: rank the test positive among sampled
	// negatives) or "full" (rank among all items not in training).
	Eval string `yaml:"eval"`
	// Negatives is the number of sampled negatives per user under sampled
	// evaluation (default 99).
	Negatives int `yaml:"negatives"`
	// Validation holds out a validation set: under loo each user's
	// second-latest interaction, under ratio a valid_ratio fraction
	// (default false, as in the reference, which selects on test).
	Validation bool `yaml:"validation"`
	// TestRatio is the per-user test fraction of the ratio split (default 0.2).
	TestRatio float64 `yaml:"test_ratio"`
	// ValidRatio is the per-user validation fraction of the ratio split when
	// validation is on (default 0.1).
	ValidRatio float64 `yaml:"valid_ratio"`
}

// DefaultConfig returns the defaults: synthetic data, gender, no filtering,
// leave-one-out with 99 sampled negatives and no validation hold-out.
func DefaultConfig() Config {
	return Config{
		Name:      NameSynthetic,
		Attribute: AttributeList{"gender"},
		AgeGroups: AgeGroupsML1M,
		Synthetic: DefaultSyntheticConfig(),
		Generic: GenericConfig{
			Delimiter: "\t", UserColumn: 0, ItemColumn: 1, RatingColumn: -1, TimeColumn: -1,
			UsersIDColumn: 0,
		},
		Reference: ReferenceConfig{
			Train: "train_interactions.csv", TestNeg: "test_neg_interactions", Users: "user_attributes.csv",
		},
		Split: SplitConfig{Method: "loo", Eval: "sampled", Negatives: 99, TestRatio: 0.2, ValidRatio: 0.1},
	}
}

// DefaultSyntheticConfig returns the ML-100K-sized synthetic defaults.
func DefaultSyntheticConfig() SyntheticConfig {
	return SyntheticConfig{
		Seed: 1, Users: 943, Items: 1682, Interactions: 100000, MinPerUser: 20,
		Minority: 0.29, Strength: 1.5, Dim: 16, Popularity: 0.9, Affinity: 1.0, Activity: 1.0,
	}
}

// validateAttribute checks one attribute name against what the data set has.
func (c Config) validateAttribute(key, a string) error {
	switch c.Name {
	case NameSynthetic:
		if a != "gender" {
			return cfgerr.New(key, "synthetic data has only the attribute gender, got %q", a)
		}
	case NameGeneric:
		if _, ok := c.Generic.attributes()[a]; !ok {
			return cfgerr.New(key, "%q is not among generic.attributes (%s)", a, strings.Join(sortedKeys(c.Generic.attributes()), ", "))
		}
	case NameML100K, NameML1M:
		if !slices.Contains(mlAttrNames, a) {
			return cfgerr.New(key, "%s has attributes %s, got %q", c.Name, strings.Join(mlAttrNames, ", "), a)
		}
	}
	return nil
}

// validateAgeGroups checks age_groups: a known value; anything but the
// default only for MovieLens, whose loaders read ages; and the exact ages
// of ML-100K never as an attribute.
func (c Config) validateAgeGroups() error {
	switch c.AgeGroups {
	case AgeGroupsML1M, AgeGroupsNone:
	default:
		return cfgerr.New("age_groups", "must be %q (ML-1M's seven age groups) or %q (the ages as the file has them), got %q", AgeGroupsML1M, AgeGroupsNone, c.AgeGroups)
	}
	if c.AgeGroups == AgeGroupsML1M {
		return nil
	}
	if c.Name != NameML100K && c.Name != NameML1M {
		return cfgerr.New("age_groups", "applies to MovieLens ages (name: ml-100k or ml-1m); %s data takes its attributes as its files have them, so leave age_groups at %q, got %q", c.Name, AgeGroupsML1M, c.AgeGroups)
	}
	if c.Name == NameML100K && slices.Contains(c.Attribute, "age") {
		return cfgerr.New("age_groups", "%q keeps ML-100K's exact ages, 61 classes in the published u.user, 31 of them held by fewer than 15 users: too small to unlearn or attack (the attack needs 5 × attack.folds users per class); use %q with attribute age", c.AgeGroups, AgeGroupsML1M)
	}
	return nil
}

// Validate checks the block; errors are *cfgerr.FieldError with paths
// relative to the data block ("split.negatives").
func (c Config) Validate() error {
	if !slices.Contains(Names, c.Name) {
		return cfgerr.New("name", "must be one of %s, got %q", strings.Join(Names, ", "), c.Name)
	}
	if len(c.Attribute) == 0 {
		return cfgerr.New("attribute", "must name a user attribute (e.g. gender) or list several")
	}
	switch c.Name {
	case NameSynthetic:
		if err := c.Synthetic.Validate(); err != nil {
			return cfgerr.Prefix("synthetic", err)
		}
	case NameGeneric:
		if err := c.Generic.Validate(); err != nil {
			return cfgerr.Prefix("generic", err)
		}
	case NameReference:
		if c.Path == "" {
			return cfgerr.New("path", "name: reference needs the folder of the preprocessed files")
		}
		if err := c.Reference.Validate(); err != nil {
			return cfgerr.Prefix("reference", err)
		}
	}
	for i, a := range c.Attribute {
		key := "attribute"
		if len(c.Attribute) > 1 {
			key = fmt.Sprintf("attribute[%d]", i)
		}
		if a == "" {
			return cfgerr.New(key, "must name a user attribute (e.g. gender)")
		}
		if slices.Contains(c.Attribute[:i], a) {
			return cfgerr.New(key, "attribute %q listed twice", a)
		}
		if err := c.validateAttribute(key, a); err != nil {
			return err
		}
	}
	if err := c.validateAgeGroups(); err != nil {
		return err
	}
	if err := c.Filter.Validate(); err != nil {
		return cfgerr.Prefix("filter", err)
	}
	if err := c.Split.Validate(); err != nil {
		return cfgerr.Prefix("split", err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	k := make([]string, 0, len(m))
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// Validate checks the generator parameters.
func (s SyntheticConfig) Validate() error {
	switch {
	case s.Users < 4:
		return cfgerr.New("users", "must be >= 4, got %d", s.Users)
	case s.Items < 2 || s.Items > 1<<24:
		return cfgerr.New("items", "must be in [2, 2^24], got %d", s.Items)
	case s.Users > 1<<24:
		return cfgerr.New("users", "must be <= 2^24, got %d", s.Users)
	case s.MinPerUser < 1:
		return cfgerr.New("min_per_user", "must be >= 1, got %d", s.MinPerUser)
	case s.MinPerUser > s.Items/2:
		return cfgerr.New("min_per_user", "must be <= items/2 (%d), got %d", s.Items/2, s.MinPerUser)
	case s.Interactions < s.Users*s.MinPerUser:
		return cfgerr.New("interactions", "must be >= users × min_per_user = %d, got %d", s.Users*s.MinPerUser, s.Interactions)
	case s.Interactions > s.Users*(s.Items/2):
		return cfgerr.New("interactions", "must be <= users × ⌊items/2⌋ = %d (a user holds at most half the items), got %d", s.Users*(s.Items/2), s.Interactions)
	case !(s.Minority > 0 && s.Minority <= 0.5):
		return cfgerr.New("minority", "must be in (0, 0.5], got %g", s.Minority)
	case int(math.Round(s.Minority*float64(s.Users))) < 2:
		return cfgerr.New("minority", "gives fewer than 2 minority users out of %d", s.Users)
	case !(s.Strength >= 0) || math.IsInf(s.Strength, 0):
		return cfgerr.New("strength", "must be a finite number >= 0, got %g", s.Strength)
	case s.Dim < 1 || s.Dim > 1024:
		return cfgerr.New("dim", "must be in [1, 1024], got %d", s.Dim)
	case !(s.Popularity >= 0 && s.Popularity <= 5):
		return cfgerr.New("popularity", "must be in [0, 5], got %g", s.Popularity)
	case !(s.Affinity >= 0 && s.Affinity <= 100):
		return cfgerr.New("affinity", "must be in [0, 100], got %g", s.Affinity)
	case !(s.Activity >= 0 && s.Activity <= 5):
		return cfgerr.New("activity", "must be in [0, 5], got %g", s.Activity)
	}
	return nil
}

// attributes returns the attribute columns, {gender: 1} when unset.
func (g GenericConfig) attributes() map[string]int {
	if len(g.Attributes) == 0 {
		return map[string]int{"gender": 1}
	}
	return g.Attributes
}

// Validate checks the column layout.
func (g GenericConfig) Validate() error {
	switch {
	case g.Interactions == "":
		return cfgerr.New("interactions", "must name the interactions file")
	case g.Users == "":
		return cfgerr.New("users", "must name the user attribute file")
	case g.Delimiter == "":
		return cfgerr.New("delimiter", "must not be empty")
	case g.UserColumn < 0:
		return cfgerr.New("user_column", "must be >= 0, got %d", g.UserColumn)
	case g.ItemColumn < 0:
		return cfgerr.New("item_column", "must be >= 0, got %d", g.ItemColumn)
	case g.ItemColumn == g.UserColumn:
		return cfgerr.New("item_column", "must differ from user_column (%d)", g.UserColumn)
	case g.RatingColumn < -1:
		return cfgerr.New("rating_column", "must be a column >= 0 or -1 (none), got %d", g.RatingColumn)
	case g.TimeColumn < -1:
		return cfgerr.New("time_column", "must be a column >= 0 or -1 (line order), got %d", g.TimeColumn)
	case g.UsersIDColumn < 0:
		return cfgerr.New("users_id_column", "must be >= 0, got %d", g.UsersIDColumn)
	}
	for _, c := range [][2]int{{g.RatingColumn, 0}, {g.TimeColumn, 1}} {
		if c[0] >= 0 && (c[0] == g.UserColumn || c[0] == g.ItemColumn) {
			return cfgerr.New([]string{"rating_column", "time_column"}[c[1]], "must differ from user_column and item_column, got %d", c[0])
		}
	}
	attrs := g.attributes()
	for _, name := range sortedKeys(attrs) {
		col := attrs[name]
		if name == "" {
			return cfgerr.New("attributes", "attribute names must not be empty")
		}
		if col < 0 || col == g.UsersIDColumn {
			return cfgerr.New("attributes."+name, "must be a column >= 0 other than users_id_column (%d), got %d", g.UsersIDColumn, col)
		}
	}
	return nil
}

// Validate checks the file names.
func (r ReferenceConfig) Validate() error {
	for _, f := range []struct{ key, v string }{{"train", r.Train}, {"test_neg", r.TestNeg}, {"users", r.Users}} {
		if f.v == "" {
			return cfgerr.New(f.key, "must name a file")
		}
	}
	return nil
}

// Validate checks the thresholds.
func (f FilterConfig) Validate() error {
	switch {
	case math.IsNaN(f.MinRating) || math.IsInf(f.MinRating, 0):
		return cfgerr.New("min_rating", "must be a finite number, got %g", f.MinRating)
	case f.MaxUsers < 0:
		return cfgerr.New("max_users", "must be >= 0 (0 = every user), got %d", f.MaxUsers)
	case f.MinUser < 0:
		return cfgerr.New("min_user", "must be >= 0, got %d", f.MinUser)
	case f.MinItem < 0:
		return cfgerr.New("min_item", "must be >= 0, got %d", f.MinItem)
	}
	return nil
}

// Validate checks the split parameters.
func (s SplitConfig) Validate() error {
	switch s.Method {
	case "loo":
	case "ratio":
		if !(s.TestRatio > 0 && s.TestRatio < 1) {
			return cfgerr.New("test_ratio", "must be in (0, 1), got %g", s.TestRatio)
		}
		if s.Validation {
			if !(s.ValidRatio > 0 && s.ValidRatio < 1) {
				return cfgerr.New("valid_ratio", "must be in (0, 1) when validation is on, got %g", s.ValidRatio)
			}
			if s.TestRatio+s.ValidRatio >= 1 {
				return cfgerr.New("valid_ratio", "test_ratio + valid_ratio must be < 1, got %g", s.TestRatio+s.ValidRatio)
			}
		}
	default:
		return cfgerr.New("method", `must be "loo" or "ratio", got %q`, s.Method)
	}
	switch s.Eval {
	case "sampled":
		if s.Negatives < 1 {
			return cfgerr.New("negatives", "must be >= 1 under sampled evaluation, got %d", s.Negatives)
		}
	case "full":
	default:
		return cfgerr.New("eval", `must be "sampled" or "full", got %q`, s.Eval)
	}
	return nil
}
