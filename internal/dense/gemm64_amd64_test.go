//go:build amd64 && !purego

package dense

import "testing"

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
