package dense

import (
	"math"
	"unsafe"
)

// This file holds the two kernels of the tiled MMD (unlearning's D2D loss,
// docs/method.md): the register-blocked 4×16 product behind its Gram tile
// Z_I·Z_Jᵀ and its gradient product P_IJ·Z_J, and the Gaussian kernel values
// of one row of a tile. On amd64 with AVX2 and FMA both are assembly
// (mmd_amd64.s); with -tags purego, on other architectures and for float64
// the portable Go below runs. The portable kernels are exported so that
// callers can compare a whole computation on both.

// Float is the element type of the generic kernels.
type Float interface{ ~float32 | ~float64 }

// Tile4x16Func is the signature of Tile4x16.
type Tile4x16Func[T Float] func(c []T, ldc, kn int, a []T, ars, aks int, b []T, bs int)

// Tile4x16 computes the 4×16 block
//
//	c[r·ldc + j] = Σ_{k<kn} a[r·ars + k·aks] · b[k·bs + j],   r < 4, j < 16
//
// with a four rows at stride ars whose elements are aks apart (aks = 1 for
// rows of a row-major matrix, ars = 1 for its columns, i.e. a transposed
// operand) and b 16 consecutive values per k at stride bs. Every element is
// one chain summed over k in increasing order: fused multiply-adds in the
// float32 assembly, a multiply then an add in Tile4x16Go. kn = 0 writes
// zeros.
func Tile4x16[T Float](c []T, ldc, kn int, a []T, ars, aks int, b []T, bs int) {
	var z T
	if useAVX && kn > 0 && unsafe.Sizeof(z) == 4 { // T is float32-based
		tile4x16F32(c, ldc, kn, a, ars, aks, b, bs)
		return
	}
	Tile4x16Go(c, ldc, kn, a, ars, aks, b, bs)
}

// Tile4x16Go is the portable Tile4x16: four 4×4 register blocks, each summed
// over k in increasing order.
func Tile4x16Go[T Float](c []T, ldc, kn int, a []T, ars, aks int, b []T, bs int) {
	_ = c[3*ldc+15]
	if kn <= 0 {
		for r := 0; r < 4; r++ {
			clear(c[r*ldc : r*ldc+16])
		}
		return
	}
	_ = a[3*ars+(kn-1)*aks]
	_ = b[(kn-1)*bs+15]
	for j := 0; j < 16; j += 4 {
		var c00, c01, c02, c03, c10, c11, c12, c13 T
		var c20, c21, c22, c23, c30, c31, c32, c33 T
		for k := 0; k < kn; k++ {
			bv := (*[4]T)(b[k*bs+j:])
			ak := a[k*aks:]
			a0, a1, a2, a3 := ak[0], ak[ars], ak[2*ars], ak[3*ars]
			b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
			c20 += a2 * b0
			c21 += a2 * b1
			c22 += a2 * b2
			c23 += a2 * b3
			c30 += a3 * b0
			c31 += a3 * b1
			c32 += a3 * b2
			c33 += a3 * b3
		}
		r0 := (*[4]T)(c[j:])
		r1 := (*[4]T)(c[ldc+j:])
		r2 := (*[4]T)(c[2*ldc+j:])
		r3 := (*[4]T)(c[3*ldc+j:])
		r0[0], r0[1], r0[2], r0[3] = c00, c01, c02, c03
		r1[0], r1[1], r1[2], r1[3] = c10, c11, c12, c13
		r2[0], r2[1], r2[2], r2[3] = c20, c21, c22, c23
		r3[0], r3[1], r3[2], r3[3] = c30, c31, c32, c33
	}
}

// GaussRow evaluates the Gaussian kernel values of one row a of an MMD tile
// against the columns b < len(g) (a multiple of 8), from the Gram row g,
// the squared norms sqa and sqb[b], the weights wa and wb[b] and the
// inverse bandwidths inv (each half the previous one's bandwidth, so
// inv[i] = 2·inv[i−1]):
//
//	D_b = max(sqa + sqb[b] − 2·g[b], 0),  e_0 = exp(−D_b·inv[0]),  e_i = e_{i−1}²
//	q[b] = −Σ_i e_i·inv[i],  colr[b] += wa·q[b]
//	rowV = Σ_b wb[b]·Σ_i e_i,  ra = Σ_b wb[b]·q[b]
//
// exp is Cephes' expf (range reduction by ln 2 in two parts, a degree-5
// polynomial on [−ln2/2, ln2/2], ≈1e-7 relative; arguments below −87.34
// give its value there, ≈1e-38). Each lane b is float32; rowV and ra are
// accumulated in four float64 lanes (lane b mod 4) and reduced as
// (l0+l2)+(l1+l3). The assembly fuses multiply-adds; GaussRowGo rounds
// each product.
func GaussRow(q, colr, g, sqb, wb []float32, sqa, wa float32, inv []float32) (rowV, ra float64) {
	n := len(g)
	if n == 0 {
		return 0, 0
	}
	if n%8 != 0 || len(inv) == 0 {
		panic("dense: GaussRow needs a multiple of 8 values and a kernel")
	}
	_, _, _, _ = sqb[n-1], wb[n-1], q[n-1], colr[n-1]
	if useAVX {
		return gaussRowAVX2(n, &q[0], &colr[0], &g[0], &sqb[0], &wb[0], sqa, wa, &inv[0], len(inv))
	}
	return GaussRowGo(q, colr, g, sqb, wb, sqa, wa, inv)
}

// Constants of Cephes' expf as the assembly holds them (bit patterns).
var (
	expLo    = math.Float32frombits(0xc2aea8f6) // ≈ −87.3365: exp below it leaves float32's normal range
	expLog2e = math.Float32frombits(0x3fb8aa3b) // log2(e)
	expC1    = math.Float32frombits(0x3f318000) // ln 2 = C1 + C2, C1 = 0.693359375 exactly
	expC2    = math.Float32frombits(0xb95e8083)
	expP     = [6]float32{
		math.Float32frombits(0x39506967), math.Float32frombits(0x3ab743ce), math.Float32frombits(0x3c088908),
		math.Float32frombits(0x3d2aa9c1), math.Float32frombits(0x3e2aaaaa), math.Float32frombits(0x3f000000),
	}
)

// expf is Cephes' expf in float32, each operation rounded, for x ≤ 0.
func expf(x float32) float32 {
	x = max32(x, expLo)
	fx := float32(math.RoundToEven(float64(x * expLog2e)))
	x = x - float32(fx*expC1)
	x = x - float32(fx*expC2)
	y := expP[0]
	for _, p := range expP[1:] {
		y = float32(y*x) + p
	}
	z := x * x
	y = float32(y*z) + x
	y = y + 1
	return y * math.Float32frombits(uint32(int32(fx)+127)<<23)
}

// max32 is x86's MAXPS: x when x > y, else y (so a NaN x gives y).
func max32(x, y float32) float32 {
	if x > y {
		return x
	}
	return y
}

// GaussRowGo is the portable GaussRow.
func GaussRowGo(q, colr, g, sqb, wb []float32, sqa, wa float32, inv []float32) (rowV, ra float64) {
	n := len(g)
	if n%8 != 0 || (n > 0 && len(inv) == 0) {
		panic("dense: GaussRowGo needs a multiple of 8 values and a kernel")
	}
	q, colr, sqb, wb = q[:n], colr[:n], sqb[:n], wb[:n]
	var lv, lr [4]float64
	for b, gv := range g {
		d := max32((sqb[b]+sqa)-(gv+gv), 0)
		e := expf(d * -inv[0])
		k, kp := e, e*inv[0]
		for _, iv := range inv[1:] {
			e *= e
			k += e
			kp = float32(e*iv) + kp
		}
		qb := -kp
		q[b] = qb
		colr[b] = float32(qb*wa) + colr[b]
		lv[b%4] += float64(k * wb[b])
		lr[b%4] += float64(qb * wb[b])
	}
	return (lv[0] + lv[2]) + (lv[1] + lv[3]), (lr[0] + lr[2]) + (lr[1] + lr[3])
}
