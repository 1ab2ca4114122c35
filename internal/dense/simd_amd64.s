//go:build amd64 && !purego

#include "textflag.h"

// func axpyAVX(a float32, x, y []float32)
// y[i] = fma(a, x[i], y[i]) for i < len(x); the caller ensures len(y) >= len(x).
TEXT ·axpyAVX(SB), NOSPLIT, $0-56
	VBROADCASTSS a+0(FP), Y0
	MOVQ x_base+8(FP), SI
	MOVQ x_len+16(FP), CX
	MOVQ y_base+32(FP), DI

axpy32:
	CMPQ CX, $32
	JL   axpy8
	VMOVUPS (DI), Y1
	VMOVUPS 32(DI), Y2
	VMOVUPS 64(DI), Y3
	VMOVUPS 96(DI), Y4
	VFMADD231PS (SI), Y0, Y1
	VFMADD231PS 32(SI), Y0, Y2
	VFMADD231PS 64(SI), Y0, Y3
	VFMADD231PS 96(SI), Y0, Y4
	VMOVUPS Y1, (DI)
	VMOVUPS Y2, 32(DI)
	VMOVUPS Y3, 64(DI)
	VMOVUPS Y4, 96(DI)
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  axpy32

axpy8:
	CMPQ CX, $8
	JL   axpytail
	VMOVUPS (DI), Y1
	VFMADD231PS (SI), Y0, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  axpy8

axpytail:
	CMPQ CX, $0
	JE   axpydone
	VMOVSS (DI), X1
	VFMADD231SS (SI), X0, X1
	VMOVSS X1, (DI)
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  axpytail

axpydone:
	VZEROUPPER
	RET

// func dotAVX(x, y []float32) float32
// Four 8-lane accumulators over blocks of 32, one over blocks of 8, a fixed
// pairwise reduction, then a sequential scalar tail.
TEXT ·dotAVX(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

dot32:
	CMPQ CX, $32
	JL   dot8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  dot32

dot8:
	CMPQ CX, $8
	JL   dotreduce
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  dot8

dotreduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0

dottail:
	CMPQ CX, $0
	JE   dotdone
	VMOVSS (SI), X4
	VFMADD231SS (DI), X4, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  dottail

dotdone:
	VMOVSS X0, ret+48(FP)
	VZEROUPPER
	RET

// func adamAVX(w, g, m, v []float32, c *AdamCoef)
// Per element (see AdamStep):
//	g' = g + wd·w
//	m  = b1·m + c1·g'
//	v  = b2·v + c2·g'²
//	w  = w − step·(m / (sqrt(v)/sq2 + eps))
TEXT ·adamAVX(SB), NOSPLIT, $0-104
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), AX
	VBROADCASTSS 0(AX), Y0  // b1
	VBROADCASTSS 4(AX), Y1  // c1 = 1-b1
	VBROADCASTSS 8(AX), Y2  // b2
	VBROADCASTSS 12(AX), Y3 // c2 = 1-b2
	VBROADCASTSS 16(AX), Y4 // step
	VBROADCASTSS 20(AX), Y5 // sq2
	VBROADCASTSS 24(AX), Y6 // eps
	VBROADCASTSS 28(AX), Y7 // wd

adam8:
	CMPQ CX, $8
	JL   adamtail
	VMOVUPS (DI), Y8           // w
	VMOVUPS (SI), Y9           // g
	VFMADD231PS Y8, Y7, Y9     // g += wd*w
	VMULPS (R8), Y0, Y10       // b1*m
	VFMADD231PS Y9, Y1, Y10    // m = b1*m + c1*g
	VMULPS Y9, Y9, Y11         // g²
	VMULPS (R9), Y2, Y12       // b2*v
	VFMADD231PS Y11, Y3, Y12   // v = b2*v + c2*g²
	VMOVUPS Y10, (R8)
	VMOVUPS Y12, (R9)
	VSQRTPS Y12, Y13
	VDIVPS Y5, Y13, Y13        // sqrt(v)/sq2
	VADDPS Y6, Y13, Y13        // + eps
	VDIVPS Y13, Y10, Y14       // m/denom
	VFNMADD231PS Y14, Y4, Y8   // w -= step*(m/denom)
	VMOVUPS Y8, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  adam8

adamtail:
	CMPQ CX, $0
	JE   adamdone
	VMOVSS (DI), X8
	VMOVSS (SI), X9
	VFMADD231SS X8, X7, X9
	VMOVSS (R8), X10
	VMULSS X10, X0, X10
	VFMADD231SS X9, X1, X10
	VMULSS X9, X9, X11
	VMOVSS (R9), X12
	VMULSS X12, X2, X12
	VFMADD231SS X11, X3, X12
	VMOVSS X10, (R8)
	VMOVSS X12, (R9)
	VSQRTSS X12, X12, X13
	VDIVSS X5, X13, X13
	VADDSS X6, X13, X13
	VDIVSS X13, X10, X14
	VFNMADD231SS X14, X4, X8
	VMOVSS X8, (DI)
	ADDQ $4, DI
	ADDQ $4, SI
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JMP  adamtail

adamdone:
	VZEROUPPER
	RET

// func adamClearAVX(w, g, m, v []float32, c *AdamCoef)
// adamAVX, also setting every g to +0 once read.
// Per element (see AdamStep):
//	g' = g + wd·w
//	m  = b1·m + c1·g'
//	v  = b2·v + c2·g'²
//	w  = w − step·(m / (sqrt(v)/sq2 + eps))
TEXT ·adamClearAVX(SB), NOSPLIT, $0-104
	MOVQ w_base+0(FP), DI
	MOVQ w_len+8(FP), CX
	MOVQ g_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), AX
	VBROADCASTSS 0(AX), Y0  // b1
	VBROADCASTSS 4(AX), Y1  // c1 = 1-b1
	VBROADCASTSS 8(AX), Y2  // b2
	VBROADCASTSS 12(AX), Y3 // c2 = 1-b2
	VBROADCASTSS 16(AX), Y4 // step
	VBROADCASTSS 20(AX), Y5 // sq2
	VBROADCASTSS 24(AX), Y6 // eps
	VBROADCASTSS 28(AX), Y7 // wd
	VXORPS Y15, Y15, Y15

adamc8:
	CMPQ CX, $8
	JL   adamctail
	VMOVUPS (DI), Y8           // w
	VMOVUPS (SI), Y9           // g
	VMOVUPS Y15, (SI)          // g = 0
	VFMADD231PS Y8, Y7, Y9     // g += wd*w
	VMULPS (R8), Y0, Y10       // b1*m
	VFMADD231PS Y9, Y1, Y10    // m = b1*m + c1*g
	VMULPS Y9, Y9, Y11         // g²
	VMULPS (R9), Y2, Y12       // b2*v
	VFMADD231PS Y11, Y3, Y12   // v = b2*v + c2*g²
	VMOVUPS Y10, (R8)
	VMOVUPS Y12, (R9)
	VSQRTPS Y12, Y13
	VDIVPS Y5, Y13, Y13        // sqrt(v)/sq2
	VADDPS Y6, Y13, Y13        // + eps
	VDIVPS Y13, Y10, Y14       // m/denom
	VFNMADD231PS Y14, Y4, Y8   // w -= step*(m/denom)
	VMOVUPS Y8, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $8, CX
	JMP  adamc8

adamctail:
	CMPQ CX, $0
	JE   adamcdone
	VMOVSS (DI), X8
	VMOVSS (SI), X9
	VMOVSS X15, (SI)
	VFMADD231SS X8, X7, X9
	VMOVSS (R8), X10
	VMULSS X10, X0, X10
	VFMADD231SS X9, X1, X10
	VMULSS X9, X9, X11
	VMOVSS (R9), X12
	VMULSS X12, X2, X12
	VFMADD231SS X11, X3, X12
	VMOVSS X10, (R8)
	VMOVSS X12, (R9)
	VSQRTSS X12, X12, X13
	VDIVSS X5, X13, X13
	VADDSS X6, X13, X13
	VDIVSS X13, X10, X14
	VFNMADD231SS X14, X4, X8
	VMOVSS X8, (DI)
	ADDQ $4, DI
	ADDQ $4, SI
	ADDQ $4, R8
	ADDQ $4, R9
	DECQ CX
	JMP  adamctail

adamcdone:
	VZEROUPPER
	RET

// Row combinations: dst[0:W] = add[0:W] (or 0 when add is nil)
//	+ Σ_{p<n} coef[p] · x[idx[p]·stride : idx[p]·stride+W]
// accumulated in registers with one fused multiply-add per lane and term,
// in ascending p. W = 64, 32 or 8.

// func comb64(dst, add, coef *float32, idx *int32, n int, x *float32, stride int)
TEXT ·comb64(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ add+8(FP), AX
	MOVQ coef+16(FP), SI
	MOVQ idx+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ x+40(FP), R8
	MOVQ stride+48(FP), R9
	SHLQ $2, R9
	TESTQ AX, AX
	JZ   c64zero
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS 64(AX), Y2
	VMOVUPS 96(AX), Y3
	VMOVUPS 128(AX), Y4
	VMOVUPS 160(AX), Y5
	VMOVUPS 192(AX), Y6
	VMOVUPS 224(AX), Y7
	JMP  c64loop

c64zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

c64loop:
	TESTQ CX, CX
	JZ   c64done
	MOVLQSX (DX), R10
	IMULQ R9, R10
	ADDQ R8, R10
	VBROADCASTSS (SI), Y8
	VFMADD231PS (R10), Y8, Y0
	VFMADD231PS 32(R10), Y8, Y1
	VFMADD231PS 64(R10), Y8, Y2
	VFMADD231PS 96(R10), Y8, Y3
	VFMADD231PS 128(R10), Y8, Y4
	VFMADD231PS 160(R10), Y8, Y5
	VFMADD231PS 192(R10), Y8, Y6
	VFMADD231PS 224(R10), Y8, Y7
	ADDQ $4, SI
	ADDQ $4, DX
	DECQ CX
	JMP  c64loop

c64done:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func comb32(dst, add, coef *float32, idx *int32, n int, x *float32, stride int)
TEXT ·comb32(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ add+8(FP), AX
	MOVQ coef+16(FP), SI
	MOVQ idx+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ x+40(FP), R8
	MOVQ stride+48(FP), R9
	SHLQ $2, R9
	TESTQ AX, AX
	JZ   c32zero
	VMOVUPS (AX), Y0
	VMOVUPS 32(AX), Y1
	VMOVUPS 64(AX), Y2
	VMOVUPS 96(AX), Y3
	JMP  c32loop

c32zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

c32loop:
	TESTQ CX, CX
	JZ   c32done
	MOVLQSX (DX), R10
	IMULQ R9, R10
	ADDQ R8, R10
	VBROADCASTSS (SI), Y8
	VFMADD231PS (R10), Y8, Y0
	VFMADD231PS 32(R10), Y8, Y1
	VFMADD231PS 64(R10), Y8, Y2
	VFMADD231PS 96(R10), Y8, Y3
	ADDQ $4, SI
	ADDQ $4, DX
	DECQ CX
	JMP  c32loop

c32done:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VZEROUPPER
	RET

// func comb8(dst, add, coef *float32, idx *int32, n int, x *float32, stride int)
TEXT ·comb8(SB), NOSPLIT, $0-56
	MOVQ dst+0(FP), DI
	MOVQ add+8(FP), AX
	MOVQ coef+16(FP), SI
	MOVQ idx+24(FP), DX
	MOVQ n+32(FP), CX
	MOVQ x+40(FP), R8
	MOVQ stride+48(FP), R9
	SHLQ $2, R9
	TESTQ AX, AX
	JZ   c8zero
	VMOVUPS (AX), Y0
	JMP  c8loop

c8zero:
	VXORPS Y0, Y0, Y0

c8loop:
	TESTQ CX, CX
	JZ   c8done
	MOVLQSX (DX), R10
	IMULQ R9, R10
	ADDQ R8, R10
	VBROADCASTSS (SI), Y8
	VFMADD231PS (R10), Y8, Y0
	ADDQ $4, SI
	ADDQ $4, DX
	DECQ CX
	JMP  c8loop

c8done:
	VMOVUPS Y0, (DI)
	VZEROUPPER
	RET

// func comb16x4(d *[4]*float32, c *[4]*float32, n int, x *float32, stride int)
// Four rows at once: d[r][0:16] = Σ_{p<n} c[r][p] · x[p·stride : p·stride+16],
// each lane one chain of fused multiply-adds from +0 in ascending p (as
// comb8), with each loaded vector of x shared by the four rows.
TEXT ·comb16x4(SB), NOSPLIT, $0-40
	MOVQ d+0(FP), DI
	MOVQ c+8(FP), AX
	MOVQ n+16(FP), CX
	MOVQ x+24(FP), R8
	MOVQ stride+32(FP), R9
	SHLQ $2, R9
	MOVQ 0(AX), R10
	MOVQ 8(AX), R11
	MOVQ 16(AX), R12
	MOVQ 24(AX), R13
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

c16x4loop:
	TESTQ CX, CX
	JZ   c16x4done
	VMOVUPS (R8), Y8
	VMOVUPS 32(R8), Y9
	VBROADCASTSS (R10), Y10
	VBROADCASTSS (R11), Y11
	VBROADCASTSS (R12), Y12
	VBROADCASTSS (R13), Y13
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ $4, R10
	ADDQ $4, R11
	ADDQ $4, R12
	ADDQ $4, R13
	ADDQ R9, R8
	DECQ CX
	JMP  c16x4loop

c16x4done:
	MOVQ 0(DI), R10
	MOVQ 8(DI), R11
	MOVQ 16(DI), R12
	MOVQ 24(DI), R13
	VMOVUPS Y0, (R10)
	VMOVUPS Y1, 32(R10)
	VMOVUPS Y2, (R11)
	VMOVUPS Y3, 32(R11)
	VMOVUPS Y4, (R12)
	VMOVUPS Y5, 32(R12)
	VMOVUPS Y6, (R13)
	VMOVUPS Y7, 32(R13)
	VZEROUPPER
	RET

// func reluGradAVX(d, x []float32)
// d[i] = 0 where x[i] <= 0 (ordered), for i < len(d) (a multiple of 8;
// len(x) ≥ len(d)): the ReLU backward mask.
TEXT ·reluGradAVX(SB), NOSPLIT, $0-48
	MOVQ d_base+0(FP), DI
	MOVQ d_len+8(FP), CX
	MOVQ x_base+24(FP), SI
	VXORPS Y0, Y0, Y0

rgloop:
	CMPQ CX, $8
	JL   rgdone
	VMOVUPS (SI), Y1
	VCMPPS $0x12, Y0, Y1, Y2 // x <= 0 (LE_OQ)
	VANDNPS (DI), Y2, Y3     // d &^ mask
	VMOVUPS Y3, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  rgloop

rgdone:
	VZEROUPPER
	RET

// func biasReluAVX(x, a, b, bias []float32)
// x[i] = max((a[i] + b[i]) + bias[i], 0) with Go's max semantics (a NaN
// stays a NaN, ±0 gives +0), for i < len(x) (a multiple of 8; the other
// slices at least as long). With b == nil: x[i] = max(a[i] + bias[i], 0).
TEXT ·biasReluAVX(SB), NOSPLIT, $0-96
	MOVQ x_base+0(FP), DI
	MOVQ x_len+8(FP), CX
	MOVQ a_base+24(FP), SI
	MOVQ b_base+48(FP), DX
	MOVQ bias_base+72(FP), R8
	VXORPS Y0, Y0, Y0
	TESTQ DX, DX
	JZ   br1loop

br2loop:
	CMPQ CX, $8
	JL   brdone
	VMOVUPS (SI), Y1
	VADDPS (DX), Y1, Y1      // a + b
	VADDPS (R8), Y1, Y1      // + bias
	VCMPPS $0x06, Y0, Y1, Y2 // !(v <= 0): v > 0 or NaN (NLE_UQ)
	VANDPS Y2, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, R8
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  br2loop

br1loop:
	CMPQ CX, $8
	JL   brdone
	VMOVUPS (SI), Y1
	VADDPS (R8), Y1, Y1      // a + bias
	VCMPPS $0x06, Y0, Y1, Y2
	VANDPS Y2, Y1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, R8
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  br1loop

brdone:
	VZEROUPPER
	RET
