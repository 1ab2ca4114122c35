//go:build amd64 && !purego

#include "textflag.h"

// func dotLanes2x4(a0, a1, b *float64, ldb, k4 int, out *[32]float64)
// For r < 2, c < 4 and lane < 4:
//   out[(r*4+c)*4+lane] = Σ_{t < k4/4} a_r[4t+lane] · b_c[4t+lane]
// with b_c = b + c·ldb, each lane summed in ascending t from +0 as
// separate multiply and add (no FMA): the four partial sums of gonum's
// DotUnitary, for two rows of A against four rows of B. k4 is a multiple
// of 4 (possibly 0).
TEXT ·dotLanes2x4(SB), NOSPLIT, $0-48
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), DI
	MOVQ b+16(FP), R8
	MOVQ ldb+24(FP), R12
	SHLQ $3, R12
	LEAQ (R8)(R12*1), R9
	LEAQ (R9)(R12*1), R10
	LEAQ (R10)(R12*1), R11
	MOVQ k4+32(FP), CX
	MOVQ out+40(FP), DX
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX

dl24loop:
	CMPQ AX, CX
	JGE  dl24done
	VMOVUPD (SI)(AX*8), Y8
	VMOVUPD (DI)(AX*8), Y9
	VMOVUPD (R8)(AX*8), Y10
	VMOVUPD (R9)(AX*8), Y11
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y0, Y0
	VMULPD  Y11, Y8, Y13
	VADDPD  Y13, Y1, Y1
	VMULPD  Y10, Y9, Y14
	VADDPD  Y14, Y4, Y4
	VMULPD  Y11, Y9, Y15
	VADDPD  Y15, Y5, Y5
	VMOVUPD (R10)(AX*8), Y10
	VMOVUPD (R11)(AX*8), Y11
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y2, Y2
	VMULPD  Y11, Y8, Y13
	VADDPD  Y13, Y3, Y3
	VMULPD  Y10, Y9, Y14
	VADDPD  Y14, Y6, Y6
	VMULPD  Y11, Y9, Y15
	VADDPD  Y15, Y7, Y7
	ADDQ    $4, AX
	JMP     dl24loop

dl24done:
	VMOVUPD Y0, (DX)
	VMOVUPD Y1, 32(DX)
	VMOVUPD Y2, 64(DX)
	VMOVUPD Y3, 96(DX)
	VMOVUPD Y4, 128(DX)
	VMOVUPD Y5, 160(DX)
	VMOVUPD Y6, 192(DX)
	VMOVUPD Y7, 224(DX)
	VZEROUPPER
	RET

// func combRow64x16(dst, coef *float64, idx *int32, n int, b *float64, ldb int)
// dst[j] = Σ_{t<n} coef[t] · b[idx[t]·ldb + j] for j < 16, each summed in
// ascending t from +0 as separate multiply and add (no FMA), as gonum's
// AxpyUnitary accumulates one row at a time.
TEXT ·combRow64x16(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ coef+8(FP), SI
	MOVQ idx+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ b+32(FP), R9
	MOVQ ldb+40(FP), R10
	SHLQ $3, R10
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX

cr16loop:
	CMPQ AX, CX
	JGE  cr16done
	MOVLQSX (R8)(AX*4), BX
	IMULQ   R10, BX
	ADDQ    R9, BX
	VBROADCASTSD (SI)(AX*8), Y4
	VMULPD  (BX), Y4, Y5
	VADDPD  Y5, Y0, Y0
	VMULPD  32(BX), Y4, Y6
	VADDPD  Y6, Y1, Y1
	VMULPD  64(BX), Y4, Y7
	VADDPD  Y7, Y2, Y2
	VMULPD  96(BX), Y4, Y8
	VADDPD  Y8, Y3, Y3
	INCQ    AX
	JMP     cr16loop

cr16done:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	VZEROUPPER
	RET

// func combRow64x4(dst, coef *float64, idx *int32, n int, b *float64, ldb int)
// combRow64x16 for 4 columns.
TEXT ·combRow64x4(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ coef+8(FP), SI
	MOVQ idx+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ b+32(FP), R9
	MOVQ ldb+40(FP), R10
	SHLQ $3, R10
	VXORPD Y0, Y0, Y0
	XORQ AX, AX

cr4loop:
	CMPQ AX, CX
	JGE  cr4done
	MOVLQSX (R8)(AX*4), BX
	IMULQ   R10, BX
	ADDQ    R9, BX
	VBROADCASTSD (SI)(AX*8), Y4
	VMULPD  (BX), Y4, Y5
	VADDPD  Y5, Y0, Y0
	INCQ    AX
	JMP     cr4loop

cr4done:
	VMOVUPD Y0, (DI)
	VZEROUPPER
	RET

// func dotRows2x4(a0, a1, b *float64, ldb, k4, n4 int, c0, c1 *float64)
// For r < 2 and the rows j < n4 of B (n4 a multiple of 4, four at a time):
// c_r[j] += (s0+s2)+(s1+s3), where s are the four partial sums of gonum's
// DotUnitary (dotLanes2x4's lanes) of a_r and b_j over k4 (a multiple of 4,
// > 0) terms. Four dots are reduced at once: a 128-bit transpose gives
// (s0+s2, s1+s3) of two dots per register and a horizontal add the sum of
// each pair — DotUnitary's two additions per dot, in its order.
TEXT ·dotRows2x4(SB), NOSPLIT, $0-64
	MOVQ a0+0(FP), SI
	MOVQ a1+8(FP), DI
	MOVQ b+16(FP), R8
	MOVQ ldb+24(FP), R12
	SHLQ $3, R12
	MOVQ k4+32(FP), CX
	MOVQ n4+40(FP), DX
	MOVQ c0+48(FP), R13
	MOVQ c1+56(FP), BX

rj4loop:
	CMPQ DX, $4
	JL   rj4done
	LEAQ (R8)(R12*1), R9
	LEAQ (R9)(R12*1), R10
	LEAQ (R10)(R12*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	VXORPD Y4, Y4, Y4
	VXORPD Y5, Y5, Y5
	VXORPD Y6, Y6, Y6
	VXORPD Y7, Y7, Y7
	XORQ AX, AX

rk4loop:
	CMPQ AX, CX
	JGE  rk4done
	VMOVUPD (SI)(AX*8), Y8
	VMOVUPD (DI)(AX*8), Y9
	VMOVUPD (R8)(AX*8), Y10
	VMOVUPD (R9)(AX*8), Y11
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y0, Y0
	VMULPD  Y11, Y8, Y13
	VADDPD  Y13, Y1, Y1
	VMULPD  Y10, Y9, Y14
	VADDPD  Y14, Y4, Y4
	VMULPD  Y11, Y9, Y15
	VADDPD  Y15, Y5, Y5
	VMOVUPD (R10)(AX*8), Y10
	VMOVUPD (R11)(AX*8), Y11
	VMULPD  Y10, Y8, Y12
	VADDPD  Y12, Y2, Y2
	VMULPD  Y11, Y8, Y13
	VADDPD  Y13, Y3, Y3
	VMULPD  Y10, Y9, Y14
	VADDPD  Y14, Y6, Y6
	VMULPD  Y11, Y9, Y15
	VADDPD  Y15, Y7, Y7
	ADDQ    $4, AX
	JMP     rk4loop

rk4done:
	// Row 0: Y0..Y3 are the lanes of dots j..j+3.
	VPERM2F128 $0x20, Y2, Y0, Y8  // (d0.s0, d0.s1, d2.s0, d2.s1)
	VPERM2F128 $0x31, Y2, Y0, Y9  // (d0.s2, d0.s3, d2.s2, d2.s3)
	VADDPD     Y9, Y8, Y8         // (d0: s0+s2, s1+s3, d2: s0+s2, s1+s3)
	VPERM2F128 $0x20, Y3, Y1, Y10
	VPERM2F128 $0x31, Y3, Y1, Y11
	VADDPD     Y11, Y10, Y10      // the same for d1, d3
	VHADDPD    Y10, Y8, Y8        // (d0, d1, d2, d3): (s0+s2)+(s1+s3)
	VADDPD     (R13), Y8, Y8
	VMOVUPD    Y8, (R13)
	// Row 1: Y4..Y7.
	VPERM2F128 $0x20, Y6, Y4, Y8
	VPERM2F128 $0x31, Y6, Y4, Y9
	VADDPD     Y9, Y8, Y8
	VPERM2F128 $0x20, Y7, Y5, Y10
	VPERM2F128 $0x31, Y7, Y5, Y11
	VADDPD     Y11, Y10, Y10
	VHADDPD    Y10, Y8, Y8
	VADDPD     (BX), Y8, Y8
	VMOVUPD    Y8, (BX)
	LEAQ (R11)(R12*1), R8 // the next four rows of B
	ADDQ $32, R13
	ADDQ $32, BX
	SUBQ $4, DX
	JMP  rj4loop

rj4done:
	VZEROUPPER
	RET

// func dotRows1x4(a, b *float64, ldb, k4, n4 int, c *float64)
// dotRows2x4 for one row a: c[j] += (s0+s2)+(s1+s3) for the rows j < n4 of
// B (n4 a multiple of 4), s the four DotUnitary partial sums of a and b_j
// over k4 (a multiple of 4, > 0) terms, reduced four dots at a time.
TEXT ·dotRows1x4(SB), NOSPLIT, $0-48
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), R8
	MOVQ ldb+16(FP), R12
	SHLQ $3, R12
	MOVQ k4+24(FP), CX
	MOVQ n4+32(FP), DX
	MOVQ c+40(FP), R13

r1j4loop:
	CMPQ DX, $4
	JL   r1j4done
	LEAQ (R8)(R12*1), R9
	LEAQ (R9)(R12*1), R10
	LEAQ (R10)(R12*1), R11
	VXORPD Y0, Y0, Y0
	VXORPD Y1, Y1, Y1
	VXORPD Y2, Y2, Y2
	VXORPD Y3, Y3, Y3
	XORQ AX, AX

r1k4loop:
	CMPQ AX, CX
	JGE  r1k4done
	VMOVUPD (SI)(AX*8), Y8
	VMULPD  (R8)(AX*8), Y8, Y10
	VADDPD  Y10, Y0, Y0
	VMULPD  (R9)(AX*8), Y8, Y11
	VADDPD  Y11, Y1, Y1
	VMULPD  (R10)(AX*8), Y8, Y12
	VADDPD  Y12, Y2, Y2
	VMULPD  (R11)(AX*8), Y8, Y13
	VADDPD  Y13, Y3, Y3
	ADDQ    $4, AX
	JMP     r1k4loop

r1k4done:
	VPERM2F128 $0x20, Y2, Y0, Y8
	VPERM2F128 $0x31, Y2, Y0, Y9
	VADDPD     Y9, Y8, Y8
	VPERM2F128 $0x20, Y3, Y1, Y10
	VPERM2F128 $0x31, Y3, Y1, Y11
	VADDPD     Y11, Y10, Y10
	VHADDPD    Y10, Y8, Y8
	VADDPD     (R13), Y8, Y8
	VMOVUPD    Y8, (R13)
	LEAQ (R11)(R12*1), R8
	ADDQ $32, R13
	SUBQ $4, DX
	JMP  r1j4loop

r1j4done:
	VZEROUPPER
	RET
