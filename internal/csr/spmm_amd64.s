//go:build amd64 && !purego

#include "textflag.h"

// Sparse × dense kernels for d = 64 columns (eight 8-lane registers per
// row). Every element is one chain of fused multiply-adds in ascending
// stored-entry order, the chain the dense package's comb64 and AxpyVec
// compute, so these kernels only remove the per-row (per-entry) calls.

// func rows64(dst *float32, dstride int, add *float32, rows *int32, nrows int, rowptr *int, colidx *int32, val *float32, x *float32, xstride int)
// For each listed row i: dst_i = add_i (0 when add is nil) + Σ_p val[p]·x_{colidx[p]}.
TEXT ·rows64(SB), NOSPLIT, $0-80
	MOVQ dst+0(FP), DI
	MOVQ add+16(FP), SI
	MOVQ rows+24(FP), BX
	MOVQ nrows+32(FP), CX
	MOVQ x+64(FP), R8
	MOVQ xstride+72(FP), R9
	SHLQ $2, R9
	TESTQ CX, CX
	JZ    r64done

r64row:
	MOVLQSX (BX), AX
	MOVQ    rowptr+40(FP), R10
	MOVQ    (R10)(AX*8), R11
	MOVQ    8(R10)(AX*8), R13
	SUBQ    R11, R13
	MOVQ    colidx+48(FP), R10
	LEAQ    (R10)(R11*4), R10
	MOVQ    val+56(FP), R12
	LEAQ    (R12)(R11*4), R12
	MOVQ    dstride+8(FP), DX
	SHLQ    $2, DX
	IMULQ   AX, DX
	TESTQ   SI, SI
	JZ      r64zero
	VMOVUPS 0(SI)(DX*1), Y0
	VMOVUPS 32(SI)(DX*1), Y1
	VMOVUPS 64(SI)(DX*1), Y2
	VMOVUPS 96(SI)(DX*1), Y3
	VMOVUPS 128(SI)(DX*1), Y4
	VMOVUPS 160(SI)(DX*1), Y5
	VMOVUPS 192(SI)(DX*1), Y6
	VMOVUPS 224(SI)(DX*1), Y7
	JMP r64test

r64zero:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

r64test:
	TESTQ R13, R13
	JZ    r64store

r64loop:
	MOVLQSX (R10), R11
	IMULQ   R9, R11
	ADDQ    R8, R11
	VBROADCASTSS (R12), Y8
	VFMADD231PS 0(R11), Y8, Y0
	VFMADD231PS 32(R11), Y8, Y1
	VFMADD231PS 64(R11), Y8, Y2
	VFMADD231PS 96(R11), Y8, Y3
	VFMADD231PS 128(R11), Y8, Y4
	VFMADD231PS 160(R11), Y8, Y5
	VFMADD231PS 192(R11), Y8, Y6
	VFMADD231PS 224(R11), Y8, Y7
	ADDQ $4, R10
	ADDQ $4, R12
	DECQ R13
	JNZ  r64loop

r64store:
	VMOVUPS Y0, 0(DI)(DX*1)
	VMOVUPS Y1, 32(DI)(DX*1)
	VMOVUPS Y2, 64(DI)(DX*1)
	VMOVUPS Y3, 96(DI)(DX*1)
	VMOVUPS Y4, 128(DI)(DX*1)
	VMOVUPS Y5, 160(DI)(DX*1)
	VMOVUPS Y6, 192(DI)(DX*1)
	VMOVUPS Y7, 224(DI)(DX*1)
	ADDQ $4, BX
	DECQ CX
	JNZ  r64row

r64done:
	VZEROUPPER
	RET

// func scatter64(dst *float32, dstride int, colidx *int32, val *float32, n int, gp *float32)
// For p < n: dst_{colidx[p]} = fma(val[p], gp, dst_{colidx[p]}), elementwise.
TEXT ·scatter64(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstride+8(FP), R9
	SHLQ $2, R9
	MOVQ colidx+16(FP), R10
	MOVQ val+24(FP), R12
	MOVQ n+32(FP), CX
	MOVQ gp+40(FP), SI
	TESTQ CX, CX
	JZ    s64done
	VMOVUPS 0(SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS 128(SI), Y4
	VMOVUPS 160(SI), Y5
	VMOVUPS 192(SI), Y6
	VMOVUPS 224(SI), Y7

s64loop:
	MOVLQSX (R10), R11
	IMULQ   R9, R11
	ADDQ    DI, R11
	VBROADCASTSS (R12), Y8
	VMOVUPS 0(R11), Y9
	VFMADD231PS Y0, Y8, Y9
	VMOVUPS Y9, 0(R11)
	VMOVUPS 32(R11), Y9
	VFMADD231PS Y1, Y8, Y9
	VMOVUPS Y9, 32(R11)
	VMOVUPS 64(R11), Y9
	VFMADD231PS Y2, Y8, Y9
	VMOVUPS Y9, 64(R11)
	VMOVUPS 96(R11), Y9
	VFMADD231PS Y3, Y8, Y9
	VMOVUPS Y9, 96(R11)
	VMOVUPS 128(R11), Y9
	VFMADD231PS Y4, Y8, Y9
	VMOVUPS Y9, 128(R11)
	VMOVUPS 160(R11), Y9
	VFMADD231PS Y5, Y8, Y9
	VMOVUPS Y9, 160(R11)
	VMOVUPS 192(R11), Y9
	VFMADD231PS Y6, Y8, Y9
	VMOVUPS Y9, 192(R11)
	VMOVUPS 224(R11), Y9
	VFMADD231PS Y7, Y8, Y9
	VMOVUPS Y9, 224(R11)
	ADDQ $4, R10
	ADDQ $4, R12
	DECQ CX
	JNZ  s64loop

s64done:
	VZEROUPPER
	RET
