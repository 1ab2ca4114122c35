// Package rng owns potau's seeded random streams.
//
// Every run has one root seed. Each consumer asks for a named substream,
// optionally indexed (a fold, a user, an epoch):
//
//	r := rng.New(seed, "recmodels/negatives", uint64(epoch))
//
// A stream name is a string literal that starts with the folder of the
// package that draws it, and is drawn at one call site only, so two
// consumers never share numbers by accident; TestStreamNames checks both
// over the whole module.
//
// The stream is a math/rand/v2 PCG whose two state words are derived from
// (seed, name, indices) by SplitMix64 mixing, so streams with different names
// or indices are independent, and adding a new consumer never shifts the
// numbers another consumer draws. See docs/method.md#streams.
package rng

import "math/rand/v2"

// splitmix64 is the finaliser of SplitMix64 (Steele, Lea, Flood 2014).
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Key derives the 64-bit key of the substream (seed, name, idx...).
func Key(seed uint64, name string, idx ...uint64) uint64 {
	h := splitmix64(seed)
	// FNV-1a over the name, folded in through SplitMix64.
	f := uint64(14695981039346656037)
	for i := 0; i < len(name); i++ {
		f ^= uint64(name[i])
		f *= 1099511628211
	}
	h = splitmix64(h ^ f)
	for _, v := range idx {
		h = splitmix64(h ^ splitmix64(v+0x632be59bd9b4e019))
	}
	return h
}

// Source returns the PCG source of the substream (seed, name, idx...).
func Source(seed uint64, name string, idx ...uint64) *rand.PCG {
	k := Key(seed, name, idx...)
	return rand.NewPCG(k, splitmix64(k^0xda942042e4dd58b5))
}

// New returns a *rand.Rand over the substream (seed, name, idx...).
func New(seed uint64, name string, idx ...uint64) *rand.Rand {
	return rand.New(Source(seed, name, idx...))
}
