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
