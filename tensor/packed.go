package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// Packed is a matrix laid out once as the right operand of GemmPacked, for a
// weight that many products read without it changing (a trained layer at
// inference). Gemm lays its right operand out anew on each call, a pass over
// it that for a layer at a small batch is several percent of the product;
// GemmPacked skips it. A Packed holds a copy of the matrix, so later writes
// to the tensor it was made from do not reach it, and it may be used by any
// number of goroutines at once.
type Packed[T Float] struct {
	src   *Tensor[T] // the copy, as stored: [k n], or [n k] when trans
	trans bool
	p     *gemm.Packed[T]
}

// Pack returns a copy of the 2-D tensor b packed for GemmPacked as op(b):
// b itself, or its transpose when trans is set (a Linear layer's weight
// [out in] with trans, for x·Wᵀ). It panics with a *ShapeError unless b is
// 2-D.
func Pack[T Float](b *Tensor[T], trans bool) *Packed[T] {
	if len(b.shape) != 2 {
		panic(shapeErr("Pack", "operand must be 2-D", b.shape))
	}
	src := b.Clone()
	k, n := src.shape[0], src.shape[1]
	if trans {
		k, n = n, k
	}
	return &Packed[T]{src: src, trans: trans, p: gemm.Pack(trans, n, k, src.data, max(1, src.shape[1]))}
}

// Shape returns the shape of op(b), the matrix a product multiplies by:
// [k n].
func (p *Packed[T]) Shape() []int {
	k, n := p.p.Dims()
	return []int{k, n}
}

// Source returns the copy of b that p packs, as it was given to Pack (not
// transposed). It must not be modified: the products of p read it where they
// do not use the packed layout (tiny products).
func (p *Packed[T]) Source() *Tensor[T] { return p.src }

// Trans reports whether p packs the transpose of its source.
func (p *Packed[T]) Trans() bool { return p.trans }

// GemmPacked computes c = alpha·op(a)·op(b) + beta·c in place, where b was
// packed by Pack: the same bits as Gemm(transA, b.Trans(), alpha, a,
// b.Source(), beta, c), without the pass that lays b out. It panics with a
// *ShapeError as Gemm does.
func GemmPacked[T Float](transA bool, alpha T, a *Tensor[T], b *Packed[T], beta T, c *Tensor[T]) {
	m, _, n := matmulDims("GemmPacked", a, b.src, transA, b.trans)
	if len(c.shape) != 2 || c.shape[0] != m || c.shape[1] != n {
		panic(shapeErr("GemmPacked", fmt.Sprintf("output must be [%d %d]", m, n), a.shape, b.Shape(), c.shape))
	}
	if overlaps(c.data, a.data) {
		panic(shapeErr("GemmPacked", "output shares memory with operand a", a.shape, b.Shape(), c.shape))
	}
	if overlaps(c.data, b.src.data) {
		panic(shapeErr("GemmPacked", "output shares memory with operand b", a.shape, b.Shape(), c.shape))
	}
	gemm.GemmPacked(transA, m, alpha, a.data, max(1, a.shape[1]), b.p, beta, c.data, max(1, n))
}
