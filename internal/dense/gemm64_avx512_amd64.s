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

DATA iota8d<>+0(SB)/4, $0
DATA iota8d<>+4(SB)/4, $1
DATA iota8d<>+8(SB)/4, $2
DATA iota8d<>+12(SB)/4, $3
DATA iota8d<>+16(SB)/4, $4
DATA iota8d<>+20(SB)/4, $5
DATA iota8d<>+24(SB)/4, $6
DATA iota8d<>+28(SB)/4, $7
GLOBL iota8d<>(SB), RODATA|NOPTR, $32

// COMPACT_COL appends the non-zero lanes of COL (a column's eight rows
// l…l+7; ±0 skipped, NaN kept) to list q: values at R10 and rows (Y29) at
// R11 from count cnt[q], then moves R10, R11 to list q+1. The stores write
// eight slots from the count, which never passes l, so a list needs only
// as many slots as rows.
#define COMPACT_COL(COL, Q) \
	VPTESTMQ    Z28, COL, K1; \
	MOVQ        (Q*8)(DX), AX; \
	VCOMPRESSPD COL, K1, Z31; \
	VMOVUPD     Z31, (R10)(AX*8); \
	VPCOMPRESSD Y29, K1, Y30; \
	VMOVDQU32   Y30, (R11)(AX*4); \
	KMOVB       K1, BX; \
	POPCNTL     BX, BX; \
	ADDQ        BX, AX; \
	MOVQ        AX, (Q*8)(DX); \
	ADDQ        R9, R10; \
	ADDQ        R12, R11

// func compactCols8z(coef *float64, idx *int32, ld int, cnt *[8]int, a *float64, lda, k8 int)
// compactNZ of eight adjacent columns of A at once over the rows l < k8 (a
// multiple of 8): eight rows are loaded (a row's eight columns are
// contiguous), transposed in registers (unpack, then two rounds of 128-bit
// shuffles) into one register per column, and each column's non-zero values
// and their rows compressed, in ascending row order, onto its list q at
// coef[q·ld + cnt[q]], idx[q·ld + cnt[q]].
TEXT ·compactCols8z(SB), NOSPLIT, $0-56
	MOVQ coef+0(FP), DI
	MOVQ idx+8(FP), R8
	MOVQ ld+16(FP), R9
	LEAQ (R9*4), R12      // ld·4: idx list stride
	SHLQ $3, R9           // ld·8: coef list stride
	MOVQ cnt+24(FP), DX
	MOVQ a+32(FP), SI
	MOVQ lda+40(FP), R13
	SHLQ $3, R13
	MOVQ k8+48(FP), CX
	MOVQ $0x7fffffffffffffff, BX
	VPBROADCASTQ BX, Z28
	VMOVDQU32 iota8d<>(SB), Y29 // rows l…l+7
	MOVL $8, BX
	VPBROADCASTD BX, Y27

cc8loop:
	CMPQ CX, $8
	JL   cc8done
	MOVQ SI, BX
	VMOVUPD (BX), Z0
	ADDQ R13, BX
	VMOVUPD (BX), Z1
	ADDQ R13, BX
	VMOVUPD (BX), Z2
	ADDQ R13, BX
	VMOVUPD (BX), Z3
	ADDQ R13, BX
	VMOVUPD (BX), Z4
	ADDQ R13, BX
	VMOVUPD (BX), Z5
	ADDQ R13, BX
	VMOVUPD (BX), Z6
	ADDQ R13, BX
	VMOVUPD (BX), Z7
	// Pairs of rows: even columns (lo) and odd columns (hi).
	VUNPCKLPD Z1, Z0, Z8   // (r0, r1) of c0 | c2 | c4 | c6
	VUNPCKHPD Z1, Z0, Z9   // (r0, r1) of c1 | c3 | c5 | c7
	VUNPCKLPD Z3, Z2, Z10
	VUNPCKHPD Z3, Z2, Z11
	VUNPCKLPD Z5, Z4, Z12
	VUNPCKHPD Z5, Z4, Z13
	VUNPCKLPD Z7, Z6, Z14
	VUNPCKHPD Z7, Z6, Z15
	// Even columns.
	VSHUFF64X2 $0x88, Z10, Z8, Z16  // (r01 c0, r01 c4, r23 c0, r23 c4)
	VSHUFF64X2 $0xDD, Z10, Z8, Z17  // (r01 c2, r01 c6, r23 c2, r23 c6)
	VSHUFF64X2 $0x88, Z14, Z12, Z18 // (r45 c0, r45 c4, r67 c0, r67 c4)
	VSHUFF64X2 $0xDD, Z14, Z12, Z19
	VSHUFF64X2 $0x88, Z18, Z16, Z20 // c0: r01 r23 r45 r67
	VSHUFF64X2 $0xDD, Z18, Z16, Z24 // c4
	VSHUFF64X2 $0x88, Z19, Z17, Z22 // c2
	VSHUFF64X2 $0xDD, Z19, Z17, Z26 // c6
	// Odd columns.
	VSHUFF64X2 $0x88, Z11, Z9, Z16
	VSHUFF64X2 $0xDD, Z11, Z9, Z17
	VSHUFF64X2 $0x88, Z15, Z13, Z18
	VSHUFF64X2 $0xDD, Z15, Z13, Z19
	VSHUFF64X2 $0x88, Z18, Z16, Z21 // c1
	VSHUFF64X2 $0xDD, Z18, Z16, Z25 // c5
	VSHUFF64X2 $0x88, Z19, Z17, Z23 // c3
	VSHUFF64X2 $0xDD, Z19, Z17, Z0  // c7
	MOVQ DI, R10
	MOVQ R8, R11
	COMPACT_COL(Z20, 0)
	COMPACT_COL(Z21, 1)
	COMPACT_COL(Z22, 2)
	COMPACT_COL(Z23, 3)
	COMPACT_COL(Z24, 4)
	COMPACT_COL(Z25, 5)
	COMPACT_COL(Z26, 6)
	COMPACT_COL(Z0, 7)
	VPADDD Y27, Y29, Y29
	LEAQ (SI)(R13*8), SI
	SUBQ $8, CX
	JMP  cc8loop

cc8done:
	VZEROUPPER
	RET
