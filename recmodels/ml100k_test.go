package recmodels

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/potau/potau/datasets"
)

// dataDir returns $POTAU_DATA, or ../shared/datasets beside the repository
// root when it exists, or "" (the caller skips).
func dataDir() string {
	if d := os.Getenv(datasets.EnvData); d != "" {
		return d
	}
	d, _ := filepath.Abs("../../shared/datasets")
	if _, err := os.Stat(filepath.Join(d, "ml-100k", "u.data")); err == nil {
		return d
	}
	return ""
}

// ml100k prepares ML-100K under the reference protocol (leave-one-out, 99
// sampled negatives), with a validation hold-out when valid is set.
func ml100k(tb testing.TB, valid bool) *datasets.Split {
	tb.Helper()
	dir := dataDir()
	if dir == "" {
		tb.Skip("ML-100K not found: set POTAU_DATA to a folder holding ml-100k/")
	}
	c := datasets.DefaultConfig()
	c.Name = datasets.NameML100K
	c.Path = filepath.Join(dir, "ml-100k")
	c.Split.Validation = valid
	_, s, err := datasets.Prepare(context.Background(), c, 1)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

func TestML100KSplitShape(t *testing.T) {
	s := ml100k(t, false)
	nnz := 0
	for _, l := range s.Train {
		nnz += len(l)
	}
	if s.NumUsers != 943 || s.NumItems != 1682 || nnz != 100000-943 {
		t.Fatalf("ML-100K split %d users %d items %d train positives", s.NumUsers, s.NumItems, nnz)
	}
}

// BenchmarkEpochML100K times one training epoch (with its HR@10
// evaluation) of each reference model on ML-100K, batch 256.
func BenchmarkEpochML100K(b *testing.B) {
	s := ml100k(b, false)
	for _, kind := range []string{"mf", "neumf", "lightgcn"} {
		b.Run(kind, func(b *testing.B) {
			c := DefaultConfig(kind)
			c.Epochs, c.Selection = 1, "test"
			for b.Loop() {
				if _, _, err := Train(context.Background(), s, c, 1, nil, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
