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
