//go:build amd64 && !purego

#include "textflag.h"

// func combRow64x32z(dst, coef *float64, idx *int32, n int, b *float64, ldb int)
// combRow64x16 for 32 columns in four 8-lane registers: dst[j] = Σ_{t<n}
// coef[t] · b[idx[t]·ldb + j] for j < 32, each lane summed in ascending t
// from +0 with a separate multiply and add (no FMA), so every element gets
// the AVX2 kernel's (and AxpyUnitary's) operations in their order.
TEXT ·combRow64x32z(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ coef+8(FP), SI
	MOVQ idx+16(FP), R8
	MOVQ n+24(FP), CX
	MOVQ b+32(FP), R9
	MOVQ ldb+40(FP), R10
	SHLQ $3, R10
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	XORQ AX, AX

cz32loop:
	CMPQ AX, CX
	JGE  cz32done
	MOVLQSX (R8)(AX*4), BX
	IMULQ   R10, BX
	ADDQ    R9, BX
	VBROADCASTSD (SI)(AX*8), Z4
	VMULPD  (BX), Z4, Z5
	VADDPD  Z5, Z0, Z0
	VMULPD  64(BX), Z4, Z6
	VADDPD  Z6, Z1, Z1
	VMULPD  128(BX), Z4, Z7
	VADDPD  Z7, Z2, Z2
	VMULPD  192(BX), Z4, Z8
	VADDPD  Z8, Z3, Z3
	INCQ    AX
	JMP     cz32loop

cz32done:
	VMOVUPD Z0, (DI)
	VMOVUPD Z1, 64(DI)
	VMOVUPD Z2, 128(DI)
	VMOVUPD Z3, 192(DI)
	VZEROUPPER
	RET

// func dotRows4x8z(a *float64, lda int, b *float64, ldb, k4, n8 int, c *float64, ldc int)
// For the rows r < 4 of A (a_r = a + r·lda) and the rows j < n8 of B (n8 a
// multiple of 8, eight at a time): c_r[j] += (s0+s2)+(s1+s3) with c_r = c +
// r·ldc, where s are the four DotUnitary partial sums of a_r and b_j over
// k4 (a multiple of 4, > 0) terms — dotRows2x4's sums and reduction, two
// rows of B per 8-lane register: lanes 0–3 hold the partial sums of one row
// of B and lanes 4–7 those of another (rows j, j+2 | j+4, j+6 | j+1, j+3 |
// j+5, j+7, so that the reduction leaves j…j+7 in order), each lane a chain
// of separate multiplies and adds from +0 in ascending k.
TEXT ·dotRows4x8z(SB), NOSPLIT, $0-64
	MOVQ a+0(FP), DI
	MOVQ lda+8(FP), R13
	SHLQ $3, R13
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R12
	SHLQ $3, R12
	MOVQ n8+40(FP), BX
	MOVQ c+48(FP), AX

z48group:
	CMPQ BX, $8
	JL   z48done
	MOVQ DX, R8                   // row j
	LEAQ (DX)(R12*2), R9
	ADDQ R12, R9                  // row j+3
	LEAQ (R9)(R12*2), R10
	ADDQ R12, R10                 // row j+6
	MOVQ DI, SI                   // a_0
	LEAQ (DI)(R13*2), R11
	ADDQ R13, R11                 // a_3
	VPXORQ Z0, Z0, Z0
	VPXORQ Z1, Z1, Z1
	VPXORQ Z2, Z2, Z2
	VPXORQ Z3, Z3, Z3
	VPXORQ Z4, Z4, Z4
	VPXORQ Z5, Z5, Z5
	VPXORQ Z6, Z6, Z6
	VPXORQ Z7, Z7, Z7
	VPXORQ Z8, Z8, Z8
	VPXORQ Z9, Z9, Z9
	VPXORQ Z10, Z10, Z10
	VPXORQ Z11, Z11, Z11
	VPXORQ Z12, Z12, Z12
	VPXORQ Z13, Z13, Z13
	VPXORQ Z14, Z14, Z14
	VPXORQ Z15, Z15, Z15
	MOVQ k4+32(FP), CX

z48k:
	// Pairs of rows of B: (j, j+2), (j+4, j+6), (j+1, j+3), (j+5, j+7).
	VMOVUPD      (R8), Y16
	VINSERTF64X4 $1, (R8)(R12*2), Z16, Z16
	VMOVUPD      (R8)(R12*4), Y17
	VINSERTF64X4 $1, (R10), Z17, Z17
	VMOVUPD      (R8)(R12*1), Y18
	VINSERTF64X4 $1, (R9), Z18, Z18
	VMOVUPD      (R9)(R12*2), Y19
	VINSERTF64X4 $1, (R9)(R12*4), Z19, Z19
	// Row 0 of A (both halves).
	VBROADCASTF64X4 (SI), Z20
	VMULPD Z16, Z20, Z24
	VADDPD Z24, Z0, Z0
	VMULPD Z17, Z20, Z25
	VADDPD Z25, Z1, Z1
	VMULPD Z18, Z20, Z26
	VADDPD Z26, Z2, Z2
	VMULPD Z19, Z20, Z27
	VADDPD Z27, Z3, Z3
	// Row 1.
	VBROADCASTF64X4 (SI)(R13*1), Z21
	VMULPD Z16, Z21, Z28
	VADDPD Z28, Z4, Z4
	VMULPD Z17, Z21, Z29
	VADDPD Z29, Z5, Z5
	VMULPD Z18, Z21, Z30
	VADDPD Z30, Z6, Z6
	VMULPD Z19, Z21, Z31
	VADDPD Z31, Z7, Z7
	// Row 2.
	VBROADCASTF64X4 (SI)(R13*2), Z22
	VMULPD Z16, Z22, Z24
	VADDPD Z24, Z8, Z8
	VMULPD Z17, Z22, Z25
	VADDPD Z25, Z9, Z9
	VMULPD Z18, Z22, Z26
	VADDPD Z26, Z10, Z10
	VMULPD Z19, Z22, Z27
	VADDPD Z27, Z11, Z11
	// Row 3.
	VBROADCASTF64X4 (R11), Z23
	VMULPD Z16, Z23, Z28
	VADDPD Z28, Z12, Z12
	VMULPD Z17, Z23, Z29
	VADDPD Z29, Z13, Z13
	VMULPD Z18, Z23, Z30
	VADDPD Z30, Z14, Z14
	VMULPD Z19, Z23, Z31
	VADDPD Z31, Z15, Z15
	ADDQ $32, R8
	ADDQ $32, R9
	ADDQ $32, R10
	ADDQ $32, SI
	ADDQ $32, R11
	SUBQ $4, CX
	JG   z48k

	// Reduce: per row of A, the even outputs j, j+2, j+4, j+6 from the
	// first two registers and the odd ones from the last two.
	MOVQ ldc+56(FP), CX
	SHLQ $3, CX
	MOVQ AX, R9

// REDUCE_ROW adds row r's eight dots to DST: the shuffles gather (s0, s1)
// and (s2, s3) of the even outputs j, j+2, j+4, j+6 (P0, P1) and of the odd
// ones (P2, P3); their sums (s0+s2, s1+s3) unpack into (s0+s2) and (s1+s3)
// of j…j+7 in order, whose sum is DotUnitary's (s0+s2)+(s1+s3).
#define REDUCE_ROW(P0, P1, P2, P3, DST) \
	VSHUFF64X2 $0x88, P1, P0, Z16; \
	VSHUFF64X2 $0xDD, P1, P0, Z17; \
	VADDPD     Z17, Z16, Z16; \
	VSHUFF64X2 $0x88, P3, P2, Z18; \
	VSHUFF64X2 $0xDD, P3, P2, Z19; \
	VADDPD     Z19, Z18, Z18; \
	VUNPCKLPD  Z18, Z16, Z20; \
	VUNPCKHPD  Z18, Z16, Z21; \
	VADDPD     Z21, Z20, Z20; \
	VADDPD     DST, Z20, Z20; \
	VMOVUPD    Z20, DST

	REDUCE_ROW(Z0, Z1, Z2, Z3, (R9))
	ADDQ CX, R9
	REDUCE_ROW(Z4, Z5, Z6, Z7, (R9))
	ADDQ CX, R9
	REDUCE_ROW(Z8, Z9, Z10, Z11, (R9))
	ADDQ CX, R9
	REDUCE_ROW(Z12, Z13, Z14, Z15, (R9))

	LEAQ (DX)(R12*8), DX // the next eight rows of B
	ADDQ $64, AX
	SUBQ $8, BX
	JMP  z48group

z48done:
	VZEROUPPER
	RET
