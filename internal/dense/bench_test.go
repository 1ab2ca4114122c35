package dense

import (
	"math/rand/v2"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func randMatrix(r *rand.Rand, m, n int) *Matrix {
	x := New(m, n)
	for i := range x.Data {
		x.Data[i] = float32(r.NormFloat64())
	}
	return x
}

// report adds GFLOP/s over wall time and over CPU time (the machine is
// shared; CPU time excludes waiting for a core).
func report(b *testing.B, flops float64, c0 time.Duration) {
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	b.ReportMetric(flops*float64(b.N)/(cpuTime()-c0).Seconds()/1e9, "GFLOP/cpu-s")
}

// BenchmarkMulABTScoring is full-ranking scoring of ML-1M: 6,040 users ×
// 3,706 items, d = 64.
func BenchmarkMulABTScoring(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	u, it := randMatrix(r, 6040, 64), randMatrix(r, 3706, 64)
	dst := New(6040, 3706)
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		MulABTPar(dst, u, it, 0)
	}
	report(b, 2*6040*3706*64, c0)
}

// BenchmarkMulABNeuMF is NeuMF's first tower layer on a batch: 256×256 by
// 256×128 (half the inputs zero, as after a ReLU).
func BenchmarkMulABNeuMF(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	a, w := randMatrix(r, 256, 256), randMatrix(r, 256, 128)
	for i := range a.Data {
		if i%2 == 0 {
			a.Data[i] = 0
		}
	}
	dst := New(256, 128)
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		MulAB(dst, a, w, 0)
	}
	report(b, 2*256*128*128, c0) // non-zero terms only
}

// BenchmarkAdamStep is one dense Adam update of NeuMF's 465k parameters.
func BenchmarkAdamStep(b *testing.B) {
	n := 465_000
	w, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	c := &AdamCoef{B1: 0.9, C1: 0.1, B2: 0.999, C2: 0.001, Step: 1e-3, Sq2: 0.03, Eps: 1e-8}
	for b.Loop() {
		AdamStep(w, g, m, v, c)
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gelem/s")
}

// BenchmarkMulABDenseNeuMF is NeuMF's first-layer half on a batch: 256×128
// embeddings by the 128×128 transposed weight half.
func BenchmarkMulABDenseNeuMF(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	a, w := randMatrix(r, 256, 128), randMatrix(r, 128, 128)
	dst := New(256, 128)
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		MulABDense(dst, a, w, 1)
	}
	report(b, 2*256*128*128, c0)
}
