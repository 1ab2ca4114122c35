package experiments

import (
	"maps"
	"slices"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/potau/potau/internal/structdoc"
)

// TestConfigDocsCurrent: configdoc.go is what gen_configdoc.go makes of the
// current source (run `go generate ./experiments` when this fails), and
// every key of the default config has a doc comment.
func TestConfigDocsCurrent(t *testing.T) {
	docs, err := structdoc.Docs(map[string]string{
		"github.com/potau/potau/experiments": ".",
		"github.com/potau/potau/datasets":    "../datasets",
		"github.com/potau/potau/recmodels":   "../recmodels",
		"github.com/potau/potau/unlearning":  "../unlearning",
		"github.com/potau/potau/attackers":   "../attackers",
	}, "github.com/potau/potau/experiments", "Config")
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(docs, configDocs) {
		for _, k := range slices.Sorted(maps.Keys(docs)) {
			if configDocs[k] != docs[k] {
				t.Errorf("configdoc.go is stale at %s (run go generate ./experiments)", k)
			}
		}
		for k := range configDocs {
			if _, ok := docs[k]; !ok {
				t.Errorf("configdoc.go has %s, which the source no longer has (run go generate ./experiments)", k)
			}
		}
	}
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		d := DefaultConfig(kind)
		var n yaml.Node
		if err := n.Encode(&d); err != nil {
			t.Fatal(err)
		}
		var missing []string
		var walk func(n *yaml.Node, prefix string)
		walk = func(n *yaml.Node, prefix string) {
			if n.Kind != yaml.MappingNode {
				return
			}
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if prefix != "" {
					p = prefix + "." + p
				}
				if KeyDoc(p) == "" {
					missing = append(missing, p)
				}
				walk(n.Content[i+1], p)
			}
		}
		walk(&n, "")
		if len(missing) > 0 {
			t.Errorf("kind %s: keys without a doc comment: %v", kind, missing)
		}
	}
}
