//go:build !amd64 || purego

package unlearning

const haveAsmKernel = false

func kern4x16F32Asm(kn int, a []float32, as int, b []float32, bs int, c []float32, ldc int) {
	kern4x16Go(kn, a, as, b, bs, c, ldc)
}

func pairRowF32Asm(g, sqb, wb, p []float32, sqa float32, inv []float32) (rowV, ra float64) {
	panic("unlearning: no assembly kernel on this platform")
}
