//go:build amd64 && !purego

#include "textflag.h"

// The 4-lane kernels of gemm64_elem.go: each lane performs the operations
// of the Go loop in the function's doc comment, in its order (VMULPD and
// VADDPD, never a fused multiply-add; VDIVPD and VSQRTPD are exact IEEE
// operations like Go's / and math.Sqrt). n4 is a multiple of 4, > 0.

// func addBiasReLU4(x *float64, ldx, rows, n4 int, b *float64)
// x_ij = max(x_ij + b_j, 0) for i < rows, j < n4. Go's max returns a NaN
// argument and +0 for (−0, +0): VMAXPD(+0, s) returns its second operand s
// when either is a NaN or both are zero, and s + (+0) then turns −0 into
// +0 and changes nothing else.
TEXT ·addBiasReLU4(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ ldx+8(FP), R8
	SHLQ $3, R8
	MOVQ rows+16(FP), DX
	MOVQ n4+24(FP), CX
	MOVQ b+32(FP), SI
	VXORPD Y15, Y15, Y15

brrow:
	TESTQ DX, DX
	JE    brdone
	XORQ  AX, AX

brloop:
	VMOVUPD (DI)(AX*8), Y0
	VADDPD  (SI)(AX*8), Y0, Y0
	VMAXPD  Y0, Y15, Y1 // Intel: max(src1 = +0, src2 = s)
	VADDPD  Y15, Y1, Y1
	VMOVUPD Y1, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JL      brloop
	ADDQ    R8, DI
	DECQ    DX
	JMP     brrow

brdone:
	VZEROUPPER
	RET

// func maskZero4(x *float64, ldx int, a *float64, lda, rows, n4 int)
// x_ij = x_ij AND (a_ij's bits ≠ 0 ? all ones : 0).
TEXT ·maskZero4(SB), NOSPLIT, $0-48
	MOVQ x+0(FP), DI
	MOVQ ldx+8(FP), R8
	SHLQ $3, R8
	MOVQ a+16(FP), SI
	MOVQ lda+24(FP), R9
	SHLQ $3, R9
	MOVQ rows+32(FP), DX
	MOVQ n4+40(FP), CX
	VPXOR Y15, Y15, Y15

mzrow:
	TESTQ DX, DX
	JE    mzdone
	XORQ  AX, AX

mzloop:
	VMOVDQU   (SI)(AX*8), Y0
	VPCMPEQQ  Y15, Y0, Y0 // all ones where a's bits are zero
	VANDNPD   (DI)(AX*8), Y0, Y1 // (NOT zero-mask) AND x
	VMOVUPD   Y1, (DI)(AX*8)
	ADDQ      $4, AX
	CMPQ      AX, CX
	JL        mzloop
	ADDQ      R8, DI
	ADDQ      R9, SI
	DECQ      DX
	JMP       mzrow

mzdone:
	VZEROUPPER
	RET

// func addColSums4(s *float64, a *float64, lda, rows, n4 int)
// s_j += a_ij for i = 0, 1, …, rows−1 in turn (j < n4), sixteen columns
// (four registers) at a time, then four.
TEXT ·addColSums4(SB), NOSPLIT, $0-40
	MOVQ s+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	SHLQ $3, R8
	MOVQ rows+24(FP), DX
	MOVQ n4+32(FP), CX

cs16:
	CMPQ CX, $16
	JL   cs4
	VMOVUPD (DI), Y0
	VMOVUPD 32(DI), Y1
	VMOVUPD 64(DI), Y2
	VMOVUPD 96(DI), Y3
	MOVQ SI, BX
	MOVQ DX, R9

cs16row:
	TESTQ R9, R9
	JE    cs16end
	VADDPD (BX), Y0, Y0
	VADDPD 32(BX), Y1, Y1
	VADDPD 64(BX), Y2, Y2
	VADDPD 96(BX), Y3, Y3
	ADDQ   R8, BX
	DECQ   R9
	JMP    cs16row

cs16end:
	VMOVUPD Y0, (DI)
	VMOVUPD Y1, 32(DI)
	VMOVUPD Y2, 64(DI)
	VMOVUPD Y3, 96(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $16, CX
	JMP  cs16

cs4:
	TESTQ CX, CX
	JE    csdone
	VMOVUPD (DI), Y0
	MOVQ SI, BX
	MOVQ DX, R9

cs4row:
	TESTQ R9, R9
	JE    cs4end
	VADDPD (BX), Y0, Y0
	ADDQ   R8, BX
	DECQ   R9
	JMP    cs4row

cs4end:
	VMOVUPD Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $4, CX
	JMP  cs4

csdone:
	VZEROUPPER
	RET

// func addScaledDiv4(x, y *float64, n4 int, alpha, d float64)
// x_i = (x_i + alpha·y_i) / d.
TEXT ·addScaledDiv4(SB), NOSPLIT, $0-40
	MOVQ x+0(FP), DI
	MOVQ y+8(FP), SI
	MOVQ n4+16(FP), CX
	VBROADCASTSD alpha+24(FP), Y14
	VBROADCASTSD d+32(FP), Y15
	XORQ AX, AX

sdloop:
	VMULPD  (SI)(AX*8), Y14, Y0
	VADDPD  (DI)(AX*8), Y0, Y0
	VDIVPD  Y15, Y0, Y0
	VMOVUPD Y0, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JL      sdloop
	VZEROUPPER
	RET

// func adam4(p, gr, m, v *float64, n4 int, c *Adam64Coef)
// m = B1·m + C1·g; v = B2·v + (C2·g)·g; p = p − (LR·m)/(sqrt(v) + Eps).
TEXT ·adam4(SB), NOSPLIT, $0-48
	MOVQ p+0(FP), DI
	MOVQ gr+8(FP), SI
	MOVQ m+16(FP), R8
	MOVQ v+24(FP), R9
	MOVQ n4+32(FP), CX
	MOVQ c+40(FP), DX
	VBROADCASTSD 0(DX), Y10  // B1
	VBROADCASTSD 8(DX), Y11  // C1
	VBROADCASTSD 16(DX), Y12 // B2
	VBROADCASTSD 24(DX), Y13 // C2
	VBROADCASTSD 32(DX), Y14 // LR
	VBROADCASTSD 40(DX), Y15 // Eps
	XORQ AX, AX

adloop:
	VMOVUPD (SI)(AX*8), Y0     // g
	VMULPD  (R8)(AX*8), Y10, Y1 // B1·m
	VMULPD  Y0, Y11, Y2         // C1·g
	VADDPD  Y2, Y1, Y1          // m
	VMOVUPD Y1, (R8)(AX*8)
	VMULPD  (R9)(AX*8), Y12, Y3 // B2·v
	VMULPD  Y0, Y13, Y4         // C2·g
	VMULPD  Y0, Y4, Y4          // (C2·g)·g
	VADDPD  Y4, Y3, Y3          // v
	VMOVUPD Y3, (R9)(AX*8)
	VSQRTPD Y3, Y3
	VADDPD  Y15, Y3, Y3         // sqrt(v) + Eps
	VMULPD  Y1, Y14, Y1         // LR·m
	VDIVPD  Y3, Y1, Y1          // (LR·m) / (sqrt(v) + Eps)
	VMOVUPD (DI)(AX*8), Y5
	VSUBPD  Y1, Y5, Y5          // p − …
	VMOVUPD Y5, (DI)(AX*8)
	ADDQ    $4, AX
	CMPQ    AX, CX
	JL      adloop
	VZEROUPPER
	RET
