//go:build !amd64 || purego

package unlearning

const haveAsmKernel = false

func kern4x16F32Asm(kn int, a []float32, ars, aks int, b []float32, bs int, c []float32, ldc int) {
	kern4x16Go(kn, a, ars, aks, b, bs, c, ldc)
}

func pairRowF32Asm(g, sqb, wb, q, colr []float32, sqa, wa float32, inv []float32) (rowV, ra float64) {
	panic("unlearning: no assembly kernel on this platform")
}
