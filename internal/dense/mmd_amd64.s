//go:build amd64 && !purego

#include "textflag.h"

// func tile4x16AVX2(c *float32, ldc, kn int, a *float32, ars, aks int, b *float32, bs int)
//
//	c[r*ldc+j] = Σ_{k<kn} a[r*ars+k*aks]·b[k*bs+j],  r < 4, j < 16;  kn >= 1.
TEXT ·tile4x16AVX2(SB), NOSPLIT, $0-64
	MOVQ kn+16(FP), CX
	MOVQ a+24(FP), SI
	MOVQ ars+32(FP), R10
	SHLQ $2, R10
	LEAQ (R10)(R10*2), R11
	MOVQ aks+40(FP), R12
	SHLQ $2, R12
	MOVQ b+48(FP), DI
	MOVQ bs+56(FP), R8
	SHLQ $2, R8
	MOVQ c+0(FP), DX
	MOVQ ldc+8(FP), R9
	SHLQ $2, R9

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

loop:
	VMOVUPS      (DI), Y8
	VMOVUPS      32(DI), Y9
	VBROADCASTSS (SI), Y10
	VFMADD231PS  Y8, Y10, Y0
	VFMADD231PS  Y9, Y10, Y1
	VBROADCASTSS (SI)(R10*1), Y11
	VFMADD231PS  Y8, Y11, Y2
	VFMADD231PS  Y9, Y11, Y3
	VBROADCASTSS (SI)(R10*2), Y12
	VFMADD231PS  Y8, Y12, Y4
	VFMADD231PS  Y9, Y12, Y5
	VBROADCASTSS (SI)(R11*1), Y13
	VFMADD231PS  Y8, Y13, Y6
	VFMADD231PS  Y9, Y13, Y7
	ADDQ         R12, SI
	ADDQ         R8, DI
	DECQ         CX
	JNZ          loop

	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y2, (DX)
	VMOVUPS Y3, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y4, (DX)
	VMOVUPS Y5, 32(DX)
	ADDQ    R9, DX
	VMOVUPS Y6, (DX)
	VMOVUPS Y7, 32(DX)
	VZEROUPPER
	RET

// Constants of gaussRowAVX2, each replicated over the 8 lanes of a YMM register.

DATA pairconst<>+0(SB)/4, $0xc2aea8f6
DATA pairconst<>+4(SB)/4, $0xc2aea8f6
DATA pairconst<>+8(SB)/4, $0xc2aea8f6
DATA pairconst<>+12(SB)/4, $0xc2aea8f6
DATA pairconst<>+16(SB)/4, $0xc2aea8f6
DATA pairconst<>+20(SB)/4, $0xc2aea8f6
DATA pairconst<>+24(SB)/4, $0xc2aea8f6
DATA pairconst<>+28(SB)/4, $0xc2aea8f6
DATA pairconst<>+32(SB)/4, $0x3fb8aa3b
DATA pairconst<>+36(SB)/4, $0x3fb8aa3b
DATA pairconst<>+40(SB)/4, $0x3fb8aa3b
DATA pairconst<>+44(SB)/4, $0x3fb8aa3b
DATA pairconst<>+48(SB)/4, $0x3fb8aa3b
DATA pairconst<>+52(SB)/4, $0x3fb8aa3b
DATA pairconst<>+56(SB)/4, $0x3fb8aa3b
DATA pairconst<>+60(SB)/4, $0x3fb8aa3b
DATA pairconst<>+64(SB)/4, $0x3f318000
DATA pairconst<>+68(SB)/4, $0x3f318000
DATA pairconst<>+72(SB)/4, $0x3f318000
DATA pairconst<>+76(SB)/4, $0x3f318000
DATA pairconst<>+80(SB)/4, $0x3f318000
DATA pairconst<>+84(SB)/4, $0x3f318000
DATA pairconst<>+88(SB)/4, $0x3f318000
DATA pairconst<>+92(SB)/4, $0x3f318000
DATA pairconst<>+96(SB)/4, $0xb95e8083
DATA pairconst<>+100(SB)/4, $0xb95e8083
DATA pairconst<>+104(SB)/4, $0xb95e8083
DATA pairconst<>+108(SB)/4, $0xb95e8083
DATA pairconst<>+112(SB)/4, $0xb95e8083
DATA pairconst<>+116(SB)/4, $0xb95e8083
DATA pairconst<>+120(SB)/4, $0xb95e8083
DATA pairconst<>+124(SB)/4, $0xb95e8083
DATA pairconst<>+128(SB)/4, $0x39506967
DATA pairconst<>+132(SB)/4, $0x39506967
DATA pairconst<>+136(SB)/4, $0x39506967
DATA pairconst<>+140(SB)/4, $0x39506967
DATA pairconst<>+144(SB)/4, $0x39506967
DATA pairconst<>+148(SB)/4, $0x39506967
DATA pairconst<>+152(SB)/4, $0x39506967
DATA pairconst<>+156(SB)/4, $0x39506967
DATA pairconst<>+160(SB)/4, $0x3ab743ce
DATA pairconst<>+164(SB)/4, $0x3ab743ce
DATA pairconst<>+168(SB)/4, $0x3ab743ce
DATA pairconst<>+172(SB)/4, $0x3ab743ce
DATA pairconst<>+176(SB)/4, $0x3ab743ce
DATA pairconst<>+180(SB)/4, $0x3ab743ce
DATA pairconst<>+184(SB)/4, $0x3ab743ce
DATA pairconst<>+188(SB)/4, $0x3ab743ce
DATA pairconst<>+192(SB)/4, $0x3c088908
DATA pairconst<>+196(SB)/4, $0x3c088908
DATA pairconst<>+200(SB)/4, $0x3c088908
DATA pairconst<>+204(SB)/4, $0x3c088908
DATA pairconst<>+208(SB)/4, $0x3c088908
DATA pairconst<>+212(SB)/4, $0x3c088908
DATA pairconst<>+216(SB)/4, $0x3c088908
DATA pairconst<>+220(SB)/4, $0x3c088908
DATA pairconst<>+224(SB)/4, $0x3d2aa9c1
DATA pairconst<>+228(SB)/4, $0x3d2aa9c1
DATA pairconst<>+232(SB)/4, $0x3d2aa9c1
DATA pairconst<>+236(SB)/4, $0x3d2aa9c1
DATA pairconst<>+240(SB)/4, $0x3d2aa9c1
DATA pairconst<>+244(SB)/4, $0x3d2aa9c1
DATA pairconst<>+248(SB)/4, $0x3d2aa9c1
DATA pairconst<>+252(SB)/4, $0x3d2aa9c1
DATA pairconst<>+256(SB)/4, $0x3e2aaaaa
DATA pairconst<>+260(SB)/4, $0x3e2aaaaa
DATA pairconst<>+264(SB)/4, $0x3e2aaaaa
DATA pairconst<>+268(SB)/4, $0x3e2aaaaa
DATA pairconst<>+272(SB)/4, $0x3e2aaaaa
DATA pairconst<>+276(SB)/4, $0x3e2aaaaa
DATA pairconst<>+280(SB)/4, $0x3e2aaaaa
DATA pairconst<>+284(SB)/4, $0x3e2aaaaa
DATA pairconst<>+288(SB)/4, $0x3f000000
DATA pairconst<>+292(SB)/4, $0x3f000000
DATA pairconst<>+296(SB)/4, $0x3f000000
DATA pairconst<>+300(SB)/4, $0x3f000000
DATA pairconst<>+304(SB)/4, $0x3f000000
DATA pairconst<>+308(SB)/4, $0x3f000000
DATA pairconst<>+312(SB)/4, $0x3f000000
DATA pairconst<>+316(SB)/4, $0x3f000000
DATA pairconst<>+320(SB)/4, $0x3f800000
DATA pairconst<>+324(SB)/4, $0x3f800000
DATA pairconst<>+328(SB)/4, $0x3f800000
DATA pairconst<>+332(SB)/4, $0x3f800000
DATA pairconst<>+336(SB)/4, $0x3f800000
DATA pairconst<>+340(SB)/4, $0x3f800000
DATA pairconst<>+344(SB)/4, $0x3f800000
DATA pairconst<>+348(SB)/4, $0x3f800000
DATA pairconst<>+352(SB)/4, $0x0000007f
DATA pairconst<>+356(SB)/4, $0x0000007f
DATA pairconst<>+360(SB)/4, $0x0000007f
DATA pairconst<>+364(SB)/4, $0x0000007f
DATA pairconst<>+368(SB)/4, $0x0000007f
DATA pairconst<>+372(SB)/4, $0x0000007f
DATA pairconst<>+376(SB)/4, $0x0000007f
DATA pairconst<>+380(SB)/4, $0x0000007f
DATA pairconst<>+384(SB)/4, $0x80000000
DATA pairconst<>+388(SB)/4, $0x80000000
DATA pairconst<>+392(SB)/4, $0x80000000
DATA pairconst<>+396(SB)/4, $0x80000000
DATA pairconst<>+400(SB)/4, $0x80000000
DATA pairconst<>+404(SB)/4, $0x80000000
DATA pairconst<>+408(SB)/4, $0x80000000
DATA pairconst<>+412(SB)/4, $0x80000000
GLOBL pairconst<>(SB), RODATA|NOPTR, $416

// func gaussRowAVX2(n int, q, colr, gram, sqb, wb *float32, sqa, wa float32, inv *float32, nk int) (rowV, ra float64)
//
// For b < n (a multiple of 8), with D = max(sqa + sqb[b] − 2·g[b], 0):
//
//	e_0 = exp(−D·inv[0]),  e_i = e_{i−1}²,  k = Σ_i e_i,  kp = Σ_i e_i·inv[i]
//	q[b] = −kp,  colr[b] += wa·q[b],  rowV = Σ_b wb[b]·k,  ra = Σ_b wb[b]·q[b]
//
// exp is Cephes' expf (degree-5 polynomial on [−ln2/2, ln2/2], ≈1e-7
// relative); the sums are accumulated in float64 lanes and reduced in a fixed
// order.
TEXT ·gaussRowAVX2(SB), NOSPLIT, $0-88
	MOVQ n+0(FP), CX
	MOVQ q+8(FP), R9
	MOVQ colr+16(FP), R13
	MOVQ gram+24(FP), SI
	MOVQ sqb+32(FP), DI
	MOVQ wb+40(FP), R8
	VBROADCASTSS sqa+48(FP), Y15
	MOVQ inv+56(FP), R10
	MOVQ nk+64(FP), R11
	VBROADCASTSS (R10), Y12
	VXORPS pairconst<>+384(SB), Y12, Y14
	VXORPS Y13, Y13, Y13
	VXORPD Y10, Y10, Y10
	VXORPD Y11, Y11, Y11
	XORQ BX, BX

loop:
	VMOVUPS (SI)(BX*4), Y0
	VADDPS Y0, Y0, Y0
	VMOVUPS (DI)(BX*4), Y1
	VADDPS Y15, Y1, Y1
	VSUBPS Y0, Y1, Y1
	VMAXPS Y13, Y1, Y1
	VMULPS Y14, Y1, Y2
	VMAXPS pairconst<>+0(SB), Y2, Y2
	VMULPS pairconst<>+32(SB), Y2, Y3
	VROUNDPS $0, Y3, Y3
	VFNMADD231PS pairconst<>+64(SB), Y3, Y2
	VFNMADD231PS pairconst<>+96(SB), Y3, Y2
	VMOVUPS pairconst<>+128(SB), Y4
	VFMADD213PS pairconst<>+160(SB), Y2, Y4
	VFMADD213PS pairconst<>+192(SB), Y2, Y4
	VFMADD213PS pairconst<>+224(SB), Y2, Y4
	VFMADD213PS pairconst<>+256(SB), Y2, Y4
	VFMADD213PS pairconst<>+288(SB), Y2, Y4
	VMULPS Y2, Y2, Y5
	VFMADD213PS Y2, Y5, Y4
	VADDPS pairconst<>+320(SB), Y4, Y4
	VCVTPS2DQ Y3, Y3
	VPADDD pairconst<>+352(SB), Y3, Y3
	VPSLLD $23, Y3, Y3
	VMULPS Y3, Y4, Y4
	VMOVAPS Y4, Y6
	VMULPS Y12, Y4, Y7
	MOVQ $1, DX

kern:
	CMPQ DX, R11
	JGE kdone
	VMULPS Y4, Y4, Y4
	VADDPS Y4, Y6, Y6
	VBROADCASTSS (R10)(DX*4), Y9
	VFMADD231PS Y9, Y4, Y7
	INCQ DX
	JMP kern

kdone:
	VMOVUPS (R8)(BX*4), Y8
	VXORPS pairconst<>+384(SB), Y7, Y7
	VMOVUPS Y7, (R9)(BX*4)
	VBROADCASTSS wa+52(FP), Y5
	VMOVUPS (R13)(BX*4), Y9
	VFMADD231PS Y7, Y5, Y9
	VMOVUPS Y9, (R13)(BX*4)
	VMULPS Y8, Y6, Y6
	VMULPS Y8, Y7, Y7
	VCVTPS2PD X6, Y9
	VADDPD Y9, Y10, Y10
	VEXTRACTF128 $1, Y6, X6
	VCVTPS2PD X6, Y9
	VADDPD Y9, Y10, Y10
	VCVTPS2PD X7, Y9
	VADDPD Y9, Y11, Y11
	VEXTRACTF128 $1, Y7, X7
	VCVTPS2PD X7, Y9
	VADDPD Y9, Y11, Y11
	ADDQ $8, BX
	CMPQ BX, CX
	JLT loop

	// Fixed-order horizontal sums: (l0+l2)+(l1+l3).
	VEXTRACTF128 $1, Y10, X0
	VADDPD X0, X10, X0
	VHADDPD X0, X0, X0
	MOVSD X0, rowV+72(FP)
	VEXTRACTF128 $1, Y11, X1
	VADDPD X1, X11, X1
	VHADDPD X1, X1, X1
	MOVSD X1, ra+80(FP)
	VZEROUPPER
	RET
