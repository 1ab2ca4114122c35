//go:build amd64 && !purego

package dense

import (
	"math/rand/v2"
	"testing"
)

// TestGemm64PathsMatchGonum runs the gonum comparison on each kernel path
// this CPU has — AVX-512, AVX2 only, pure Go — in one binary: each must
// give gonum's bits, hence the others' bits.
func TestGemm64PathsMatchGonum(t *testing.T) {
	hasAVX, hasAVX512 := useAVX, useAVX512
	defer func() { useAVX, useAVX512 = hasAVX, hasAVX512 }()
	for _, p := range []struct {
		name   string
		avx    bool
		avx512 bool
	}{{"avx512", true, true}, {"avx2", true, false}, {"purego", false, false}} {
		if (p.avx && !hasAVX) || (p.avx512 && !hasAVX512) {
			continue // not on this CPU
		}
		useAVX, useAVX512 = p.avx, p.avx512
		t.Run(p.name, checkGemm64MatchesGonum)
	}
}

// TestElem64PathsMatchLoops runs the element-wise comparison on the AVX2
// kernels and on the pure-Go loops in one binary.
func TestElem64PathsMatchLoops(t *testing.T) {
	hasAVX := useAVX
	defer func() { useAVX = hasAVX }()
	for _, avx := range []bool{true, false} {
		if avx && !hasAVX {
			continue
		}
		useAVX = avx
		t.Run(map[bool]string{true: "avx2", false: "purego"}[avx], checkElem64MatchesLoops)
	}
}

// BenchmarkGemm64Paths times the MLP attacker's products (a batch of 200
// rows, 32 inputs, 100 hidden units, one output) on each kernel path.
func BenchmarkGemm64Paths(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	x, w0 := randGeneral(r, 200, 32, 0, false), randGeneral(r, 100, 32, 0, false)
	h, d := randGeneral(r, 200, 100, 0, true), randGeneral(r, 200, 100, 0, true)
	w1, out := randGeneral(r, 1, 100, 0, false), randGeneral(r, 200, 1, 0, false)
	g0 := randGeneral(r, 100, 32, 0, false)
	hasAVX, hasAVX512 := useAVX, useAVX512
	defer func() { useAVX, useAVX512 = hasAVX, hasAVX512 }()
	for _, p := range []struct {
		name        string
		avx, avx512 bool
	}{{"avx512", true, true}, {"avx2", true, false}, {"purego", false, false}} {
		if (p.avx && !hasAVX) || (p.avx512 && !hasAVX512) {
			continue
		}
		useAVX, useAVX512 = p.avx, p.avx512
		b.Run("hidden/"+p.name, func(b *testing.B) { // 200×32 · (100×32)ᵀ
			for b.Loop() {
				MulABT64(h, x, w0)
			}
		})
		b.Run("output/"+p.name, func(b *testing.B) { // 200×100 · (1×100)ᵀ
			for b.Loop() {
				MulABT64(out, h, w1)
			}
		})
		b.Run("gradW0/"+p.name, func(b *testing.B) { // (200×100)ᵀ · 200×32, ReLU zeros skipped
			for b.Loop() {
				MulATB64(g0, d, x)
			}
		})
	}
}
