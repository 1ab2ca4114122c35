package rng

import "testing"

func TestStreamsDeterministicAndDistinct(t *testing.T) {
	a, b := New(1, "split"), New(1, "split")
	for i := 0; i < 100; i++ {
		if a.Uint64() != b.Uint64() {
			t.Fatal("same (seed, name) gave different streams")
		}
	}
	keys := map[uint64]string{}
	for _, c := range []struct {
		seed uint64
		name string
		idx  []uint64
	}{{1, "split", nil}, {2, "split", nil}, {1, "negatives", nil}, {1, "split", []uint64{0}}, {1, "split", []uint64{1}}, {1, "split", []uint64{0, 1}}, {1, "split", []uint64{1, 0}}} {
		k := Key(c.seed, c.name, c.idx...)
		if prev, ok := keys[k]; ok {
			t.Fatalf("key collision between %v and %s", c, prev)
		}
		keys[k] = c.name
	}
}

func TestUniformity(t *testing.T) {
	// 10 buckets, 100k draws: each bucket count is Binomial(1e5, 0.1), sd ≈ 95;
	// a 6-sd band fails a correct generator with probability < 1e-8.
	r := New(42, "uniformity")
	var c [10]int
	for i := 0; i < 100000; i++ {
		c[r.IntN(10)]++
	}
	for i, n := range c {
		if n < 10000-570 || n > 10000+570 {
			t.Fatalf("bucket %d has %d draws", i, n)
		}
	}
}
