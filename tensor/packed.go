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

// LinearPackedInto sets out = x·op(w) + bias, then ReLU when relu is set:
// a Linear layer's forward pass in one product, whose bias and ReLU are
// applied to each tile of out while the product stores it rather than in
// passes of their own over out. x is [m k], op(w) [k n] (a weight [n k]
// packed with trans), bias nil or [n], out [m n]. out gets the bits of its
// rows set to the bias, GemmPacked(false, 1, x, w, 1, out) (beta 0 without
// a bias) and ReLUInto(out, out); its old contents are not read. It does
// not allocate. It panics with a *ShapeError when a shape does not fit or
// out shares memory with x, w or the bias.
func LinearPackedInto[T Float](out, x *Tensor[T], w *Packed[T], bias *Tensor[T], relu bool) {
	m, _, n := matmulDims("LinearPackedInto", x, w.src, false, w.trans)
	if len(out.shape) != 2 || out.shape[0] != m || out.shape[1] != n {
		panic(shapeErr("LinearPackedInto", fmt.Sprintf("output must be [%d %d]", m, n), x.shape, w.Shape(), out.shape))
	}
	var b []T
	if bias != nil {
		if len(bias.shape) != 1 || bias.shape[0] != n {
			panic(shapeErr("LinearPackedInto", fmt.Sprintf("bias must be [%d]", n), x.shape, w.Shape(), bias.shape))
		}
		if overlaps(out.data, bias.data) {
			panic(shapeErr("LinearPackedInto", "output shares memory with the bias", out.shape, bias.shape))
		}
		b = bias.data
	}
	if overlaps(out.data, x.data) {
		panic(shapeErr("LinearPackedInto", "output shares memory with x", x.shape, out.shape))
	}
	if overlaps(out.data, w.src.data) {
		panic(shapeErr("LinearPackedInto", "output shares memory with the weight", w.Shape(), out.shape))
	}
	gemm.GemmPackedEpilogue(false, m, 1, x.data, max(1, x.shape[1]), w.p, gemm.Epilogue[T]{Bias: b, ReLU: relu}, out.data, max(1, n))
}
