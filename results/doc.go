// Package results owns the record schema of a potau run and the file formats
// that carry it: Record and its parts (one grid cell's measured numbers and
// provenance), the JSON Lines codec of results.jsonl and metrics.jsonl, the
// flat CSV projection results.csv, and the labels.csv codec of exported
// attribute labels.
//
// It is a leaf: it imports nothing of the pipeline (datasets, models,
// unlearning, attackers), so a reader of results — the reports, a script —
// depends on the schema alone. The pipeline (experiments) fills records and
// calls the writers here; reports and the attack command call the readers.
// docs/results.md documents every field.
package results
