//go:build amd64 && !purego

package unlearning

import "golang.org/x/sys/cpu"

// haveAsmKernel reports whether the AVX2+FMA float32 micro-kernel can run.
var haveAsmKernel = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// kern4x16AVX2 is the assembly body of kern4x16F32Asm (kernel_amd64.s):
// eight YMM accumulators (4 rows × 2×8 columns), one FMA per
// (row, 8 columns, k), summed over k in increasing order.
//
//go:noescape
func kern4x16AVX2(kn int, a *float32, ars, aks int, b *float32, bs int, c *float32, ldc int)

// kern4x16F32Asm checks the bounds of the 4×16 product and runs the assembly
// kernel.
func kern4x16F32Asm(kn int, a []float32, ars, aks int, b []float32, bs int, c []float32, ldc int) {
	if kn <= 0 {
		for r := 0; r < 4; r++ {
			clear(c[r*ldc : r*ldc+16])
		}
		return
	}
	_ = a[3*ars+(kn-1)*aks]
	_ = b[(kn-1)*bs+15]
	_ = c[3*ldc+15]
	kern4x16AVX2(kn, &a[0], ars, aks, &b[0], bs, &c[0], ldc)
}

// pairRowAVX2 is the assembly kernel-value loop of one row of an MMD tile
// (see pairRowF32Asm and kernel_amd64.s).
//
//go:noescape
func pairRowAVX2(n int, gram, sqb, wb, q, colr *float32, sqa, wa float32, inv *float32, nk int) (rowV, ra float64)

// pairRowF32Asm evaluates, for b < len(g) (a multiple of 8),
//
//	D = max(sqa + sqb[b] − 2·g[b], 0),  e_0 = exp(−D·inv[0]),  e_i = e_{i−1}²
//	q[b] = −Σ_i e_i·inv[i],  colr[b] += wa·q[b]
//	rowV = Σ_b wb[b]·Σ_i e_i,  ra = Σ_b wb[b]·q[b]
//
// It requires bandwidths halving from one kernel to the next.
func pairRowF32Asm(g, sqb, wb, q, colr []float32, sqa, wa float32, inv []float32) (rowV, ra float64) {
	n := len(g)
	if n == 0 {
		return 0, 0
	}
	if n%8 != 0 || len(inv) == 0 {
		panic("unlearning: pairRowF32Asm needs a multiple of 8 values and a kernel")
	}
	_, _, _, _ = sqb[n-1], wb[n-1], q[n-1], colr[n-1]
	return pairRowAVX2(n, &g[0], &sqb[0], &wb[0], &q[0], &colr[0], sqa, wa, &inv[0], len(inv))
}
