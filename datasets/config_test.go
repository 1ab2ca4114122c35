package datasets

import (
	"errors"
	"strings"
	"testing"

	"github.com/potau/potau/internal/cfgerr"
	"gopkg.in/yaml.v3"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		path string // "" = valid
	}{
		{"default", func(c *Config) {}, ""},
		{"ml-100k age", func(c *Config) { c.Name, c.Attribute = NameML100K, AttributeList{"age"} }, ""},
		{"unknown name", func(c *Config) { c.Name = "ml-20m" }, "name"},
		{"age groups value", func(c *Config) { c.Name, c.AgeGroups = NameML100K, "decades" }, "age_groups"},
		{"ml-100k exact ages", func(c *Config) {
			c.Name, c.Attribute, c.AgeGroups = NameML100K, AttributeList{"gender", "age"}, AgeGroupsNone
		}, "age_groups"},
		{"ml-100k none without age", func(c *Config) { c.Name, c.AgeGroups = NameML100K, AgeGroupsNone }, ""},
		{"ml-1m none", func(c *Config) { c.Name, c.Attribute, c.AgeGroups = NameML1M, AttributeList{"age"}, AgeGroupsNone }, ""},
		{"synthetic none", func(c *Config) { c.AgeGroups = AgeGroupsNone }, "age_groups"},
		{"no attribute", func(c *Config) { c.Attribute = nil }, "attribute"},
		{"synthetic age", func(c *Config) { c.Attribute = AttributeList{"age"} }, "attribute"},
		{"ml-1m zip", func(c *Config) { c.Name, c.Attribute = NameML1M, AttributeList{"zip"} }, "attribute"},
		{"synthetic users", func(c *Config) { c.Synthetic.Users = 1 }, "synthetic.users"},
		{"negatives", func(c *Config) { c.Split.Negatives = 0 }, "split.negatives"},
		{"full needs no negatives", func(c *Config) { c.Split.Eval, c.Split.Negatives = "full", 0 }, ""},
		{"method", func(c *Config) { c.Split.Method = "time" }, "split.method"},
		{"eval", func(c *Config) { c.Split.Eval = "all" }, "split.eval"},
		{"test ratio", func(c *Config) { c.Split.Method, c.Split.TestRatio = "ratio", 1 }, "split.test_ratio"},
		{"ratios sum", func(c *Config) {
			c.Split.Method, c.Split.Validation, c.Split.TestRatio, c.Split.ValidRatio = "ratio", true, 0.6, 0.5
		}, "split.valid_ratio"},
		{"min user", func(c *Config) { c.Filter.MinUser = -1 }, "filter.min_user"},
		{"reference without path", func(c *Config) { c.Name = NameReference }, "path"},
		{"reference file", func(c *Config) { c.Name, c.Path, c.Reference.Train = NameReference, "x", "" }, "reference.train"},
		{"generic without files", func(c *Config) { c.Name = NameGeneric }, "generic.interactions"},
		{"generic default attribute", func(c *Config) { c.Name, c.Generic.Interactions, c.Generic.Users = NameGeneric, "a", "b" }, ""},
		{"generic attribute column", func(c *Config) {
			c.Name, c.Generic.Interactions, c.Generic.Users = NameGeneric, "a", "b"
			c.Generic.Attributes = map[string]int{"gender": 0}
		}, "generic.attributes.gender"},
		{"generic target attribute", func(c *Config) {
			c.Name, c.Generic.Interactions, c.Generic.Users, c.Attribute = NameGeneric, "a", "b", AttributeList{"age"}
		}, "attribute"},
		{"generic same columns", func(c *Config) {
			c.Name, c.Generic.Interactions, c.Generic.Users, c.Generic.ItemColumn = NameGeneric, "a", "b", 0
		}, "generic.item_column"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			tc.mod(&c)
			err := c.Validate()
			if tc.path == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *cfgerr.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("got %v, want a *cfgerr.FieldError at %s", err, tc.path)
			}
			if fe.Path != tc.path {
				t.Errorf("path %q (%v), want %q", fe.Path, err, tc.path)
			}
		})
	}
}

// TestConfigYAML: a data block decoded over DefaultConfig keeps the
// defaults of the keys it does not set.
func TestConfigYAML(t *testing.T) {
	src := `
name: ml-100k
attribute: occupation
filter: {min_rating: 4, min_user: 5}
split: {validation: true, negatives: 49}
generic: {attributes: {sex: 2}}
`
	c := DefaultConfig()
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if c.Name != NameML100K || c.Attribute.Primary() != "occupation" || c.Filter.MinRating != 4 || c.Filter.MinUser != 5 ||
		!c.Split.Validation || c.Split.Negatives != 49 || c.Split.Method != "loo" || c.Synthetic.Users != 943 ||
		len(c.Generic.attributes()) != 1 || c.Generic.attributes()["sex"] != 2 {
		t.Errorf("decoded %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Error(err)
	}
}
