package gemm

import "unsafe"

// Packed is the right operand op(b) of products, k×n, laid out once in the
// slivers the micro-kernels read, so that a product with it (GemmPacked)
// skips packing B: the pass that a call of Gemm makes over B before its
// multiply-adds, which for a layer's weight at a small batch is several
// percent of the product (the forward pass of a 784-256-128-10 network at
// batch 256 spends 0.06 of its 0.8 ms there). It reads b, which must not
// change while the Packed is used, on the paths that do not pack (tiny
// products, narrow dot products). It is safe for concurrent use by any
// number of products, which only read it.
type Packed[T Float] struct {
	transB bool
	n, k   int
	b      []T
	ldb    int
	nr, kc int // the tile width and block of k the slivers are laid out for
	// slivers holds op(b) block of k by block of k, each kc rows of
	// ⌈n/nr⌉·nr columns as ⌈n/nr⌉ packed k×NR slivers (zero padded), the
	// layout that the driver's packing gives each block of columns.
	slivers []T
}

// Pack returns op(b) packed for GemmPacked: b is k×n, or n×k with transB,
// row-major with leading dimension ldb (as Gemm takes it). It panics with
// an *Error when a dimension is negative or b cannot hold its matrix.
func Pack[T Float](transB bool, n, k int, b []T, ldb int) *Packed[T] {
	if n < 0 || k < 0 {
		fail("Pack: negative dimension: n=%d k=%d", n, k)
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	checkMatrix("b", len(b), br, bc, ldb)
	p := &Packed[T]{transB: transB, n: n, k: k, b: b, ldb: ldb}
	var z T
	if unsafe.Sizeof(z) == 4 {
		p.nr, p.kc, p.slivers = packed[float32, T](kern32, transB, n, k, as[float32](b), ldb)
	} else {
		p.nr, p.kc, p.slivers = packed[float64, T](kern64, transB, n, k, as[float64](b), ldb)
	}
	return p
}

// packed lays out op(b) as the driver's packing would for a product n
// columns wide with kern (see Packed.slivers) and returns the tile width,
// the block of k and the slivers as []T.
func packed[E exact, T Float](kern *kernel[E], transB bool, n, k int, b []E, ldb int) (nr, kc int, out []T) {
	if n == 0 || k == 0 {
		return 0, 0, nil
	}
	kern = kern.forWidth(n)
	nr, kcb := kern.nr, kern.kcFor(k)
	npad := ceilDiv(n, nr) * nr
	s := make([]E, npad*k)
	for pc := 0; pc < k; pc += kcb {
		kc := min(kcb, k-pc)
		packB(s[pc*npad:pc*npad+npad*kc], b, ldb, transB, pc, kc, 0, n, nr, kern.transpose, kern.copyRows)
	}
	return nr, kcb, unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(s))), len(s))
}

// Dims returns op(b)'s shape, k×n.
func (p *Packed[T]) Dims() (k, n int) { return p.k, p.n }

// GemmPacked computes c = alpha·op(a)·op(b) + beta·c as Gemm does, with op(b)
// from Pack: every element of c has Gemm's bits for the same operands, the
// product just skips packing b where Gemm would pack it (the other paths,
// tiny products and narrow dot products, read the copy of b in place, as
// Gemm reads b). a is m×k, or k×m with transA. It panics as Gemm does.
func GemmPacked[T Float](transA bool, m int, alpha T, a []T, lda int, b *Packed[T], beta T, c []T, ldc int) {
	gemmPackedAs(transA, m, alpha, a, lda, b, beta, c, ldc, Epilogue[T]{})
}

// gemmPackedAs is GemmPacked with an Epilogue, on the element type E that
// T's underlying type is.
func gemmPackedAs[T Float](transA bool, m int, alpha T, a []T, lda int, b *Packed[T], beta T, c []T, ldc int, e Epilogue[T]) {
	if unsafe.Sizeof(alpha) == 4 {
		gemmPacked(kern32, transA, m, float32(alpha), as[float32](a), lda, b, float32(beta), as[float32](c), ldc, as[float32](b.b), as[float32](b.slivers), as[float32](e.Bias), e.ReLU)
	} else {
		gemmPacked(kern64, transA, m, float64(alpha), as[float64](a), lda, b, float64(beta), as[float64](c), ldc, as[float64](b.b), as[float64](b.slivers), as[float64](e.Bias), e.ReLU)
	}
}

func gemmPacked[E exact, T Float](kern *kernel[E], transA bool, m int, alpha E, a []E, lda int, pb *Packed[T], beta E, c []E, ldc int, b, slivers, bias []E, relu bool) {
	p := problem[E]{part: Full, transA: transA, transB: pb.transB, m: m, n: pb.n, k: pb.k, alpha: alpha, beta: beta, a: a, b: b, c: c, lda: lda, ldb: pb.ldb, ldc: ldc}
	p.packed, p.packedNR, p.packedKC = slivers, pb.nr, pb.kc
	p.withEpilogue(bias, relu).solve(kern)
}

// packedSlivers returns the slivers of the block of columns [jc, jc+nc)
// and of k [pc, pc+kc) from p.packed, checking that they were laid out for
// the tile width nr and block of k kcb the driver uses.
func (p *problem[T]) packedSlivers(nr, kcb, pc, kc, jc, nc int) []T {
	if nr != p.packedNR || kcb != p.packedKC {
		fail("GemmPacked: operand packed for NR=%d KC=%d, product uses NR=%d KC=%d", p.packedNR, p.packedKC, nr, kcb)
	}
	off := pc*ceilDiv(p.n, nr)*nr + jc*kc
	return p.packed[off : off+ceilDiv(nc, nr)*nr*kc]
}
