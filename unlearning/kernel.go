package unlearning

// This file holds the register-blocked micro-kernel shared by the two
// products of the tiled MMD: the Gram tile Z_I·Z_Jᵀ and the gradient product
// P_IJ·Z_J. Both are written as
//
//	c[r·ldc + j] = Σ_{k<kn} a[r·ars + k·aks] · b[k·bs + j],   r < 4, j < 16
//
// with a four rows at stride ars whose elements are aks apart (aks = 1 for
// rows of a row-major matrix, ars = 1 for its columns, i.e. a transposed
// operand) and b 16 consecutive values per k at stride bs. On amd64 with AVX2 and FMA the float32 kernel is
// assembly (kernel_amd64.s); elsewhere, and for float64, it is Go.

// kernFunc is the signature of a 4×16 micro-kernel.
type kernFunc[T Float] func(kn int, a []T, ars, aks int, b []T, bs int, c []T, ldc int)

// kern4x16Go is the portable micro-kernel: four 4×4 register blocks, each
// summed over k in increasing order.
func kern4x16Go[T Float](kn int, a []T, ars, aks int, b []T, bs int, c []T, ldc int) {
	_ = a[3*ars+(kn-1)*aks]
	_ = b[(kn-1)*bs+15]
	_ = c[3*ldc+15]
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

// kernelFor returns the fastest micro-kernel for T on this machine.
func kernelFor[T Float]() kernFunc[T] {
	var f kernFunc[T] = kern4x16Go[T]
	if p, ok := any(&f).(*kernFunc[float32]); ok && haveAsmKernel {
		*p = kern4x16F32Asm
	}
	return f
}
