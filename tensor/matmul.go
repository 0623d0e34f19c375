package tensor

import (
	"fmt"
	"unsafe"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// MatMul returns op(a)·op(b) for 2-D tensors, where op transposes its operand
// when the matching flag is set. The transposes are read in place, never
// copied, which is what backward passes need (Aᵀ·B and A·Bᵀ). It panics with
// a *ShapeError when an operand is not 2-D or the inner dimensions differ.
func MatMul[T Float](a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	m, _, n := matmulDims("MatMul", a, b, transA, transB)
	c := Zeros[T](m, n)
	Gemm(transA, transB, 1, a, b, 0, c)
	return c
}

// Gemm computes c = alpha·op(a)·op(b) + beta·c in place, the BLAS general
// matrix multiply, with op as in MatMul. With beta 0, c's old contents are
// ignored (even NaN); with alpha 0, a and b are not read. It panics with a
// *ShapeError on mismatched shapes, and when c shares memory with a or b
// (the product would read elements it has already overwritten); a and b may
// share memory.
//
// The kernel is a packed, cache-blocked GEMM (package internal/gemm) with
// AVX-512 or AVX2 micro-kernels where the CPU has them. Large products are
// split across up to GOMAXPROCS goroutines; the result has the same bits
// whatever GOMAXPROCS is.
func Gemm[T Float](transA, transB bool, alpha T, a, b *Tensor[T], beta T, c *Tensor[T]) {
	m, k, n := matmulDims("Gemm", a, b, transA, transB)
	if len(c.shape) != 2 || c.shape[0] != m || c.shape[1] != n {
		panic(shapeErr("Gemm", fmt.Sprintf("output must be [%d %d]", m, n), a.shape, b.shape, c.shape))
	}
	if overlaps(c.data, a.data) {
		panic(shapeErr("Gemm", "output shares memory with operand a", a.shape, b.shape, c.shape))
	}
	if overlaps(c.data, b.data) {
		panic(shapeErr("Gemm", "output shares memory with operand b", a.shape, b.shape, c.shape))
	}
	// A tensor's data is dense and row-major, so the leading dimension of
	// each stored matrix is its number of columns (at least 1, as BLAS
	// requires even of an empty matrix).
	gemm.Gemm(transA, transB, m, n, k, alpha,
		a.data, max(1, a.shape[1]), b.data, max(1, b.shape[1]), beta, c.data, max(1, n))
}

// overlaps reports whether two slices share memory.
func overlaps[T any](x, y []T) bool {
	if len(x) == 0 || len(y) == 0 {
		return false
	}
	size := unsafe.Sizeof(x[0])
	x0, y0 := uintptr(unsafe.Pointer(&x[0])), uintptr(unsafe.Pointer(&y[0]))
	return x0 < y0+uintptr(len(y))*size && y0 < x0+uintptr(len(x))*size
}

// noOverlap panics with a *ShapeError naming op when dst shares memory with
// one of srcs: the kernels that move elements (permute, slice, pad, flip,
// roll, gather, ...) read elements they already overwrote then. A nil dst
// or src (an optional operand left out) shares nothing.
func noOverlap[T Float](op string, dst *Tensor[T], srcs ...*Tensor[T]) {
	noOverlapOf(op, "dst", dst, srcs...)
}

// noOverlapOf is noOverlap for a buffer the kernel writes that is not its
// result (a columns or work buffer), named in the error as name.
func noOverlapOf[T Float](op, name string, dst *Tensor[T], srcs ...*Tensor[T]) {
	if dst == nil {
		return
	}
	for _, s := range srcs {
		if s != nil && overlaps(dst.data, s.data) {
			panic(shapeErr(op, name+" shares memory with an operand: give it a tensor of its own", dst.shape, s.shape))
		}
	}
}

// sameOrApart reports whether b is a itself (the same first element and
// length) or shares no memory with it. A kernel that reads each element
// before it writes the same position (an elementwise map, a scan) may work
// in place; a shifted or partial overlap would read elements it already
// wrote.
func sameOrApart[T any](a, b []T) bool {
	return (len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])) || !overlaps(a, b)
}

// sameOrApartInto panics with a *ShapeError naming op unless dst is each
// of srcs itself or shares no memory with it (see sameOrApart).
func sameOrApartInto[T Float](op string, dst *Tensor[T], srcs ...*Tensor[T]) {
	for _, s := range srcs {
		if !sameOrApart(dst.data, s.data) {
			panic(shapeErr(op, "dst overlaps an operand without being it", dst.shape, s.shape))
		}
	}
}

// matmulDims validates the operands of op(a)·op(b) and returns m, k, n.
func matmulDims[T Float](op string, a, b *Tensor[T], transA, transB bool) (m, k, n int) {
	if len(a.shape) != 2 || len(b.shape) != 2 {
		panic(shapeErr(op, "operands must be 2-D", a.shape, b.shape))
	}
	m, k = a.shape[0], a.shape[1]
	if transA {
		m, k = k, m
	}
	kb, n := b.shape[0], b.shape[1]
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(shapeErr(op, "inner dimensions differ", a.shape, b.shape))
	}
	return m, k, n
}

// Transpose returns the transpose of a 2-D tensor as a new tensor. It panics
// with a *ShapeError for any other rank.
func Transpose[T Float](t *Tensor[T]) *Tensor[T] {
	if len(t.shape) != 2 {
		panic(shapeErr("Transpose", "tensor must be 2-D", t.shape))
	}
	r, c := t.shape[0], t.shape[1]
	out := Zeros[T](c, r)
	for i := 0; i < r; i++ {
		for j, v := range t.data[i*c : i*c+c] {
			out.data[j*r+i] = v
		}
	}
	return out
}
