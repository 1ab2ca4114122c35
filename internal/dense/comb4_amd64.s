//go:build amd64 && !purego

#include "textflag.h"

// func comb16x4g(d *[4]*float32, c *float32, cs, ps int, idx *int32, n int, x *float32, stride int)
//
// Columns [0, 16) of four row combinations over the terms idx[0:n]:
// dst_r[j] = Σ_t c[r·cs + p_t·ps] · x[p_t·stride + j], p_t = idx[t], one
// fused multiply-add chain per element in ascending t, from +0.
TEXT ·comb16x4g(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), DI
	MOVQ c+8(FP), AX
	MOVQ cs+16(FP), R11
	SHLQ $2, R11
	MOVQ ps+24(FP), R12
	SHLQ $2, R12
	MOVQ idx+32(FP), DX
	MOVQ n+40(FP), CX
	MOVQ x+48(FP), R8
	MOVQ stride+56(FP), R9
	SHLQ $2, R9
	LEAQ (R11)(R11*2), R13 // 3·cs bytes
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

g16loop:
	TESTQ CX, CX
	JZ   g16done
	MOVLQSX (DX), R10
	MOVQ R10, SI
	IMULQ R9, R10
	ADDQ R8, R10 // &x[p·stride]
	IMULQ R12, SI
	ADDQ AX, SI  // &c[p·ps]
	VMOVUPS (R10), Y8
	VMOVUPS 32(R10), Y9
	VBROADCASTSS (SI), Y10
	VBROADCASTSS (SI)(R11*1), Y11
	VBROADCASTSS (SI)(R11*2), Y12
	VBROADCASTSS (SI)(R13*1), Y13
	VFMADD231PS Y8, Y10, Y0
	VFMADD231PS Y9, Y10, Y1
	VFMADD231PS Y8, Y11, Y2
	VFMADD231PS Y9, Y11, Y3
	VFMADD231PS Y8, Y12, Y4
	VFMADD231PS Y9, Y12, Y5
	VFMADD231PS Y8, Y13, Y6
	VFMADD231PS Y9, Y13, Y7
	ADDQ $4, DX
	DECQ CX
	JMP  g16loop

g16done:
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

// func comb32x4z(d *[4]*float32, c *float32, cs, ps int, idx *int32, n int, x *float32, stride int)
//
// comb16x4g for columns [0, 32) with AVX-512: two 16-lane accumulators per
// row, the same chain per element.
TEXT ·comb32x4z(SB), NOSPLIT, $0-64
	MOVQ d+0(FP), DI
	MOVQ c+8(FP), AX
	MOVQ cs+16(FP), R11
	SHLQ $2, R11
	MOVQ ps+24(FP), R12
	SHLQ $2, R12
	MOVQ idx+32(FP), DX
	MOVQ n+40(FP), CX
	MOVQ x+48(FP), R8
	MOVQ stride+56(FP), R9
	SHLQ $2, R9
	LEAQ (R11)(R11*2), R13
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7

z32loop:
	TESTQ CX, CX
	JZ   z32done
	MOVLQSX (DX), R10
	MOVQ R10, SI
	IMULQ R9, R10
	ADDQ R8, R10
	IMULQ R12, SI
	ADDQ AX, SI
	VMOVUPS (R10), Z8
	VMOVUPS 64(R10), Z9
	VBROADCASTSS (SI), Z10
	VBROADCASTSS (SI)(R11*1), Z11
	VBROADCASTSS (SI)(R11*2), Z12
	VBROADCASTSS (SI)(R13*1), Z13
	VFMADD231PS Z8, Z10, Z0
	VFMADD231PS Z9, Z10, Z1
	VFMADD231PS Z8, Z11, Z2
	VFMADD231PS Z9, Z11, Z3
	VFMADD231PS Z8, Z12, Z4
	VFMADD231PS Z9, Z12, Z5
	VFMADD231PS Z8, Z13, Z6
	VFMADD231PS Z9, Z13, Z7
	ADDQ $4, DX
	DECQ CX
	JMP  z32loop

z32done:
	MOVQ 0(DI), R10
	MOVQ 8(DI), R11
	MOVQ 16(DI), R12
	MOVQ 24(DI), R13
	VMOVUPS Z0, (R10)
	VMOVUPS Z1, 64(R10)
	VMOVUPS Z2, (R11)
	VMOVUPS Z3, 64(R11)
	VMOVUPS Z4, (R12)
	VMOVUPS Z5, 64(R12)
	VMOVUPS Z6, (R13)
	VMOVUPS Z7, 64(R13)
	VZEROUPPER
	RET

// func adamClear512(w, gr, m, v *float32, n int, c *AdamCoef)
//
// adamClearAVX's update on n elements (a multiple of 16) with 16 lanes: the
// same operations per element, so the same bits.
TEXT ·adamClear512(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n+32(FP), CX
	MOVQ c+40(FP), AX
	VBROADCASTSS 0(AX), Z0  // b1
	VBROADCASTSS 4(AX), Z1  // c1 = 1-b1
	VBROADCASTSS 8(AX), Z2  // b2
	VBROADCASTSS 12(AX), Z3 // c2 = 1-b2
	VBROADCASTSS 16(AX), Z4 // step
	VBROADCASTSS 20(AX), Z5 // sq2
	VBROADCASTSS 24(AX), Z6 // eps
	VBROADCASTSS 28(AX), Z7 // wd
	VPXORD Z15, Z15, Z15

adamz16:
	CMPQ CX, $16
	JL   adamzdone
	VMOVUPS (DI), Z8          // w
	VMOVUPS (SI), Z9          // g
	VMOVUPS Z15, (SI)         // g = 0
	VFMADD231PS Z8, Z7, Z9    // g += wd*w
	VMULPS (R8), Z0, Z10      // b1*m
	VFMADD231PS Z9, Z1, Z10   // m = b1*m + c1*g
	VMULPS Z9, Z9, Z11        // g²
	VMULPS (R9), Z2, Z12      // b2*v
	VFMADD231PS Z11, Z3, Z12  // v = b2*v + c2*g²
	VMOVUPS Z10, (R8)
	VMOVUPS Z12, (R9)
	VSQRTPS Z12, Z13
	VDIVPS Z5, Z13, Z13       // sqrt(v)/sq2
	VADDPS Z6, Z13, Z13       // + eps
	VDIVPS Z13, Z10, Z14      // m/denom
	VFNMADD231PS Z14, Z4, Z8  // w -= step*(m/denom)
	VMOVUPS Z8, (DI)
	ADDQ $64, DI
	ADDQ $64, SI
	ADDQ $64, R8
	ADDQ $64, R9
	SUBQ $16, CX
	JMP  adamz16

adamzdone:
	VZEROUPPER
	RET

DATA iota16<>+0(SB)/4, $0
DATA iota16<>+4(SB)/4, $1
DATA iota16<>+8(SB)/4, $2
DATA iota16<>+12(SB)/4, $3
DATA iota16<>+16(SB)/4, $4
DATA iota16<>+20(SB)/4, $5
DATA iota16<>+24(SB)/4, $6
DATA iota16<>+28(SB)/4, $7
DATA iota16<>+32(SB)/4, $8
DATA iota16<>+36(SB)/4, $9
DATA iota16<>+40(SB)/4, $10
DATA iota16<>+44(SB)/4, $11
DATA iota16<>+48(SB)/4, $12
DATA iota16<>+52(SB)/4, $13
DATA iota16<>+56(SB)/4, $14
DATA iota16<>+60(SB)/4, $15
GLOBL iota16<>(SB), RODATA|NOPTR, $64

// func union4z(idx *int32, c *float32, cs, n int) int
//
// Union4 for four rows (ps = 1) over n terms, n a multiple of 16: sixteen
// terms per step, OR of the four rows' bits, a test against 0x7fffffff
// (−0 counts as zero), the set terms compressed into idx. Each store writes
// sixteen slots from the current count, which never passes the current
// term, so idx needs only n slots.
TEXT ·union4z(SB), NOSPLIT, $0-40
	MOVQ idx+0(FP), DI
	MOVQ c+8(FP), SI
	MOVQ cs+16(FP), R11
	SHLQ $2, R11
	MOVQ n+24(FP), CX
	LEAQ (R11)(R11*2), R13
	VMOVDQU32 iota16<>(SB), Z1
	MOVL $16, BX
	VPBROADCASTD BX, Z2
	MOVL $0x7fffffff, BX
	VPBROADCASTD BX, Z3
	XORQ AX, AX

u16loop:
	CMPQ CX, $16
	JL   u16done
	VMOVDQU32 (SI), Z4
	VPORD (SI)(R11*1), Z4, Z4
	VPORD (SI)(R11*2), Z4, Z4
	VPORD (SI)(R13*1), Z4, Z4
	VPTESTMD Z3, Z4, K1
	VPCOMPRESSD Z1, K1, Z5
	VMOVDQU32 Z5, (DI)(AX*4)
	KMOVW K1, BX
	POPCNTL BX, BX
	ADDQ BX, AX
	VPADDD Z2, Z1, Z1
	ADDQ $64, SI
	SUBQ $16, CX
	JMP  u16loop

u16done:
	MOVQ AX, ret+32(FP)
	VZEROUPPER
	RET
