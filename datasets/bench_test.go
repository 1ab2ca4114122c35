package datasets

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkLoadML100K(b *testing.B) {
	dir := realData(b, NameML100K, "u.data", "u.user")
	for b.Loop() {
		if _, err := LoadML100K(context.Background(), dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepareML100K: load + filter + leave-one-out with 99 negatives.
func BenchmarkPrepareML100K(b *testing.B) {
	realData(b, NameML100K, "u.data", "u.user")
	c := DefaultConfig()
	c.Name, c.Path = NameML100K, filepath.Join(dataRoot(b), NameML100K)
	for b.Loop() {
		if _, _, err := Prepare(context.Background(), c, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	c := DefaultSyntheticConfig()
	for b.Loop() {
		if _, err := Generate(context.Background(), c); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepareML1MSized loads, filters and splits an ML-1M-sized
// ratings.dat (1,000,209 random lines over 6,040 users and 3,706 items;
// the real file is not available offline).
func BenchmarkPrepareML1MSized(b *testing.B) {
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	f, err := os.Create(filepath.Join(dir, "ratings.dat"))
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for k := 0; k < 1000209; k++ {
		fmt.Fprintf(w, "%d::%d::%d::%d\n", 1+k%6040, 1+r.IntN(3706), 1+r.IntN(5), 956703932+r.IntN(90000000))
	}
	w.Flush()
	f.Close()
	u, err := os.Create(filepath.Join(dir, "users.dat"))
	if err != nil {
		b.Fatal(err)
	}
	for id := 1; id <= 6040; id++ {
		fmt.Fprintf(u, "%d::%s::25::%d::00000\n", id, []string{"M", "F"}[id%2], id%21)
	}
	u.Close()
	c := DefaultConfig()
	c.Name, c.Path = NameML1M, dir
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := Prepare(context.Background(), c, 1); err != nil {
			b.Fatal(err)
		}
	}
}
