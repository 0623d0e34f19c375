package gemm

import "unsafe"

// Epilogue is work that a product does on C as it stores it, so that a
// layer's bias and activation cost no pass of their own over C (cuBLASLt
// and oneDNN offer the same as epilogues and post-ops). The zero Epilogue
// does nothing.
type Epilogue[T Float] struct {
	// Bias, when not nil, holds n elements: Bias[j] is added to column j
	// of alpha·op(a)·op(b).
	Bias []T
	// ReLU sets each element x of the result to max(x, 0) last, as
	// package vec's ReLU: −0 becomes +0, and NaN stays NaN (its sign bit
	// cleared, as Go's max clears it on amd64).
	ReLU bool
}

// GemmPackedEpilogue sets c = ReLU(alpha·op(a)·op(b) + bias), with the
// bias and the ReLU as e asks for them: a Linear layer's forward pass in
// one product. c is only written, never read. Every element has the bits
// of GemmPacked with beta 1 on a c whose rows hold the bias (beta 0
// without one) followed by that ReLU; the AVX-512 kernels add the bias
// and apply the ReLU to each tile while it is in registers. It panics as
// GemmPacked does, and with an *Error when the bias does not hold n
// elements or overlaps c.
func GemmPackedEpilogue[T Float](transA bool, m int, alpha T, a []T, lda int, b *Packed[T], e Epilogue[T], c []T, ldc int) {
	gemmPackedAs(transA, m, alpha, a, lda, b, 0, c, ldc, e)
}

// GemmEpilogue sets c = ReLU(alpha·op(a)·op(b) + bias) as Gemm's operands
// give it, with the bias and the ReLU as e asks for them: a Linear layer's
// forward pass in one product. c is only written, never read. Every
// element has the bits of Gemm with beta 1 on a c whose rows hold the bias
// (beta 0 without one) followed by that ReLU. It panics as Gemm does, and
// with an *Error when the bias does not hold n elements or overlaps c.
func GemmEpilogue[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, e Epilogue[T], c []T, ldc int) {
	if unsafe.Sizeof(alpha) == 4 {
		p := problem[float32]{part: Full, transA: transA, transB: transB, m: m, n: n, k: k, alpha: float32(alpha), a: as[float32](a), b: as[float32](b), c: as[float32](c), lda: lda, ldb: ldb, ldc: ldc}
		p.withEpilogue(as[float32](e.Bias), e.ReLU).solve(kern32)
	} else {
		p := problem[float64]{part: Full, transA: transA, transB: transB, m: m, n: n, k: k, alpha: float64(alpha), a: as[float64](a), b: as[float64](b), c: as[float64](c), lda: lda, ldb: ldb, ldc: ldc}
		p.withEpilogue(as[float64](e.Bias), e.ReLU).solve(kern64)
	}
}

// withEpilogue sets p's bias and ReLU (validate checks them) and returns
// p.
func (p *problem[T]) withEpilogue(bias []T, relu bool) *problem[T] {
	p.bias, p.relu = bias, relu
	return p
}
