package datasets

import (
	"encoding/json"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// AttributeList is data.attribute: one user attribute to unlearn and
// attack ("gender") or several at once ([gender, age]; docs/method.md#multiattr).
// The first is the primary attribute: the paper's attack block and the
// in-training baselines use it. It decodes from a YAML string or a
// sequence of strings and encodes one name as a plain string, as before
// lists existed, so that the cache keys of one-attribute configs are
// unchanged.
type AttributeList []string

// UnmarshalYAML decodes a string or a sequence of strings.
func (a *AttributeList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag != "!!str" {
			return fmt.Errorf("expected an attribute name or a list of them, got %q", n.Value)
		}
		*a = AttributeList{n.Value}
		return nil
	case yaml.SequenceNode:
		out := AttributeList{}
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode || e.Tag != "!!str" {
				return fmt.Errorf("expected a list of attribute names, got an element %q", e.Value)
			}
			out = append(out, e.Value)
		}
		*a = out
		return nil
	}
	return fmt.Errorf("expected an attribute name or a list of them")
}

// MarshalYAML encodes one name as a string, several as a sequence.
func (a AttributeList) MarshalYAML() (any, error) {
	if len(a) == 1 {
		return a[0], nil
	}
	return []string(a), nil
}

// MarshalJSON encodes one name as a string, several as an array.
func (a AttributeList) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON decodes a string or an array of strings.
func (a *AttributeList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*a = AttributeList{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return err
	}
	*a = l
	return nil
}

// Primary returns the first attribute ("" for an empty list).
func (a AttributeList) Primary() string {
	if len(a) == 0 {
		return ""
	}
	return a[0]
}

// String joins the names with "+" ("gender+age").
func (a AttributeList) String() string { return strings.Join(a, "+") }
