//go:build ignore

// gen_configdoc writes configdoc.go: every config key's doc comment, read
// from the Go source of the config structs, for `potau config defaults`.
// Run with `go generate ./experiments` after changing a config field's
// comment; TestConfigDocsCurrent fails while configdoc.go is stale.
package main

import (
	"log"
	"os"

	"github.com/potau/potau/internal/structdoc"
)

func main() {
	docs, err := structdoc.Docs(map[string]string{
		"github.com/potau/potau/experiments": ".",
		"github.com/potau/potau/datasets":    "../datasets",
		"github.com/potau/potau/recmodels":   "../recmodels",
		"github.com/potau/potau/unlearning":  "../unlearning",
		"github.com/potau/potau/attackers":   "../attackers",
	}, "github.com/potau/potau/experiments", "Config")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile("configdoc.go", structdoc.GoSource("experiments", "configDocs", "gen_configdoc.go", docs), 0o644); err != nil {
		log.Fatal(err)
	}
}
