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

// Two-lane AVX-512 form of rows64. The listed rows are split into two
// lanes, rows[0:h] and rows[h:nrows] with h = ⌈nrows/2⌉, and each step
// adds one stored entry of the current row of each lane, so two independent
// chains of fused multiply-adds are in flight (one lane alone waits on the
// latency of its accumulators). Each row is still one chain per element in
// ascending stored-entry order, starting from its add row — the chain of
// rows64 — so the bits are rows64's. When a lane runs out of rows the other
// finishes alone.
//
// add is never nil here: rows without an added term pass a zero row with
// astride 0 (a chain from a loaded +0 is the chain from VXORPS's +0).
//
// Registers: R8 x, R9 xstride bytes, SI colidx, DI val, AX/BX the entry
// index of lane A/B, R12/R13 the end of its row, DX/R14 the byte offset of
// its destination row, CX the joint step count, R10/R11/R15 scratch.
// Frame: 0(SP)/8(SP) lane A's next row pointer and end, 16(SP)/24(SP)
// lane B's. Accumulators Z0–Z3 (lane A), Z4–Z7 (lane B).

// func rows64x2z(dst *float32, dstride int, add *float32, astride int, rows *int32, nrows int, rowptr *int, colidx *int32, val *float32, x *float32, xstride int)
TEXT ·rows64x2z(SB), NOSPLIT, $32-88
	MOVQ nrows+40(FP), CX
	TESTQ CX, CX
	JZ    z2ret
	MOVQ x+72(FP), R8
	MOVQ xstride+80(FP), R9
	SHLQ $2, R9
	MOVQ colidx+56(FP), SI
	MOVQ val+64(FP), DI
	MOVQ rows+32(FP), R10
	INCQ CX
	SHRQ $1, CX                   // h = ⌈nrows/2⌉
	LEAQ (R10)(CX*4), R11         // &rows[h]
	MOVQ R10, 0(SP)
	MOVQ R11, 8(SP)
	MOVQ R11, 16(SP)
	MOVQ nrows+40(FP), CX
	LEAQ (R10)(CX*4), R11
	MOVQ R11, 24(SP)              // &rows[nrows]
	CMPQ R11, 16(SP)
	JEQ  z2onlyAstart             // one row: lane B is empty

	// Start lane A.
	MOVQ  0(SP), R10
	MOVLQSX (R10), R11
	ADDQ  $4, R10
	MOVQ  R10, 0(SP)
	MOVQ  rowptr+48(FP), R15
	MOVQ  (R15)(R11*8), AX
	MOVQ  8(R15)(R11*8), R12
	MOVQ  astride+24(FP), R15
	IMULQ R11, R15
	SHLQ  $2, R15
	MOVQ  add+16(FP), R10
	VMOVUPS 0(R10)(R15*1), Z0
	VMOVUPS 64(R10)(R15*1), Z1
	VMOVUPS 128(R10)(R15*1), Z2
	VMOVUPS 192(R10)(R15*1), Z3
	MOVQ  dstride+8(FP), DX
	IMULQ R11, DX
	SHLQ  $2, DX

z2startB:
	MOVQ  16(SP), R10
	MOVLQSX (R10), R11
	ADDQ  $4, R10
	MOVQ  R10, 16(SP)
	MOVQ  rowptr+48(FP), R15
	MOVQ  (R15)(R11*8), BX
	MOVQ  8(R15)(R11*8), R13
	MOVQ  astride+24(FP), R15
	IMULQ R11, R15
	SHLQ  $2, R15
	MOVQ  add+16(FP), R10
	VMOVUPS 0(R10)(R15*1), Z4
	VMOVUPS 64(R10)(R15*1), Z5
	VMOVUPS 128(R10)(R15*1), Z6
	VMOVUPS 192(R10)(R15*1), Z7
	MOVQ  dstride+8(FP), R14
	IMULQ R11, R14
	SHLQ  $2, R14

z2both:
	MOVQ    R12, CX
	SUBQ    AX, CX
	MOVQ    R13, R15
	SUBQ    BX, R15
	CMPQ    R15, CX
	CMOVQLT R15, CX
	TESTQ   CX, CX
	JZ      z2check

z2loop:
	MOVLQSX (SI)(AX*4), R10
	MOVLQSX (SI)(BX*4), R11
	IMULQ   R9, R10
	ADDQ    R8, R10
	IMULQ   R9, R11
	ADDQ    R8, R11
	VBROADCASTSS (DI)(AX*4), Z8
	VBROADCASTSS (DI)(BX*4), Z9
	VFMADD231PS 0(R10), Z8, Z0
	VFMADD231PS 0(R11), Z9, Z4
	VFMADD231PS 64(R10), Z8, Z1
	VFMADD231PS 64(R11), Z9, Z5
	VFMADD231PS 128(R10), Z8, Z2
	VFMADD231PS 128(R11), Z9, Z6
	VFMADD231PS 192(R10), Z8, Z3
	VFMADD231PS 192(R11), Z9, Z7
	INCQ AX
	INCQ BX
	DECQ CX
	JNZ  z2loop

z2check:
	CMPQ AX, R12
	JNE  z2checkB
	// Lane A's row is done: store it and start its next row, if any.
	MOVQ    dst+0(FP), R10
	VMOVUPS Z0, 0(R10)(DX*1)
	VMOVUPS Z1, 64(R10)(DX*1)
	VMOVUPS Z2, 128(R10)(DX*1)
	VMOVUPS Z3, 192(R10)(DX*1)
	MOVQ  0(SP), R10
	CMPQ  R10, 8(SP)
	JEQ   z2onlyB
	MOVLQSX (R10), R11
	ADDQ  $4, R10
	MOVQ  R10, 0(SP)
	MOVQ  rowptr+48(FP), R15
	MOVQ  (R15)(R11*8), AX
	MOVQ  8(R15)(R11*8), R12
	MOVQ  astride+24(FP), R15
	IMULQ R11, R15
	SHLQ  $2, R15
	MOVQ  add+16(FP), R10
	VMOVUPS 0(R10)(R15*1), Z0
	VMOVUPS 64(R10)(R15*1), Z1
	VMOVUPS 128(R10)(R15*1), Z2
	VMOVUPS 192(R10)(R15*1), Z3
	MOVQ  dstride+8(FP), DX
	IMULQ R11, DX
	SHLQ  $2, DX

z2checkB:
	CMPQ BX, R13
	JNE  z2both
	MOVQ    dst+0(FP), R10
	VMOVUPS Z4, 0(R10)(R14*1)
	VMOVUPS Z5, 64(R10)(R14*1)
	VMOVUPS Z6, 128(R10)(R14*1)
	VMOVUPS Z7, 192(R10)(R14*1)
	MOVQ  16(SP), R10
	CMPQ  R10, 24(SP)
	JNE   z2startB
	// Lane B is exhausted: lane A finishes alone.
	JMP   z2onlyA

z2onlyB:
	// Lane A is exhausted: move lane B into lane A's registers.
	VMOVAPS Z4, Z0
	VMOVAPS Z5, Z1
	VMOVAPS Z6, Z2
	VMOVAPS Z7, Z3
	MOVQ BX, AX
	MOVQ R13, R12
	MOVQ R14, DX
	MOVQ 16(SP), R10
	MOVQ R10, 0(SP)
	MOVQ 24(SP), R10
	MOVQ R10, 8(SP)
	JMP  z2onlyA

z2onlyAstart:
	MOVQ  0(SP), R10
	MOVLQSX (R10), R11
	ADDQ  $4, R10
	MOVQ  R10, 0(SP)
	MOVQ  rowptr+48(FP), R15
	MOVQ  (R15)(R11*8), AX
	MOVQ  8(R15)(R11*8), R12
	MOVQ  astride+24(FP), R15
	IMULQ R11, R15
	SHLQ  $2, R15
	MOVQ  add+16(FP), R10
	VMOVUPS 0(R10)(R15*1), Z0
	VMOVUPS 64(R10)(R15*1), Z1
	VMOVUPS 128(R10)(R15*1), Z2
	VMOVUPS 192(R10)(R15*1), Z3
	MOVQ  dstride+8(FP), DX
	IMULQ R11, DX
	SHLQ  $2, DX

z2onlyA:
	// Lane A alone: its current row (AX..R12, destination offset DX),
	// then its remaining rows 0(SP)..8(SP).
	CMPQ AX, R12
	JEQ  z2storeA

z2loop1:
	MOVLQSX (SI)(AX*4), R10
	IMULQ   R9, R10
	ADDQ    R8, R10
	VBROADCASTSS (DI)(AX*4), Z8
	VFMADD231PS 0(R10), Z8, Z0
	VFMADD231PS 64(R10), Z8, Z1
	VFMADD231PS 128(R10), Z8, Z2
	VFMADD231PS 192(R10), Z8, Z3
	INCQ AX
	CMPQ AX, R12
	JNE  z2loop1

z2storeA:
	MOVQ    dst+0(FP), R10
	VMOVUPS Z0, 0(R10)(DX*1)
	VMOVUPS Z1, 64(R10)(DX*1)
	VMOVUPS Z2, 128(R10)(DX*1)
	VMOVUPS Z3, 192(R10)(DX*1)
	MOVQ  0(SP), R10
	CMPQ  R10, 8(SP)
	JNE   z2onlyAstart

z2ret:
	VZEROUPPER
	RET
