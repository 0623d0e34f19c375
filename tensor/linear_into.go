package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// LinearInto sets out = x·wᵀ + bias, then ReLU when relu is set: a Linear
// layer's forward pass (x [m k], weight w [n k], bias nil or [n], out
// [m n]) in one product, whose bias and ReLU are applied to each tile of
// out while the product stores it rather than in passes of their own over
// out. out gets the bits of its rows set to the bias, Gemm(false, true, 1,
// x, w, 1, out) (beta 0 without a bias) and ReLUInto(out, out); its old
// contents are not read. It does not allocate. It panics with a
// *ShapeError when a shape does not fit or out shares memory with x, w or
// the bias.
func LinearInto[T Float](out, x, w, bias *Tensor[T], relu bool) {
	const op = "LinearInto"
	m, _, n := matmulDims(op, x, w, false, true)
	b := checkLinear(op, out, x, w.shape, bias, m, n)
	if overlaps(out.data, w.data) {
		panic(shapeErr(op, "output shares memory with the weight", w.shape, out.shape))
	}
	gemm.GemmEpilogue(false, true, m, n, x.shape[1], 1, x.data, max(1, x.shape[1]), w.data, max(1, w.shape[1]), gemm.Epilogue[T]{Bias: b, ReLU: relu}, out.data, max(1, n))
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
	const op = "LinearPackedInto"
	m, _, n := matmulDims(op, x, w.src, false, w.trans)
	b := checkLinear(op, out, x, w.Shape(), bias, m, n)
	if overlaps(out.data, w.src.data) {
		panic(shapeErr(op, "output shares memory with the weight", w.Shape(), out.shape))
	}
	gemm.GemmPackedEpilogue(false, m, 1, x.data, max(1, x.shape[1]), w.p, gemm.Epilogue[T]{Bias: b, ReLU: relu}, out.data, max(1, n))
}

// checkLinear panics with op's *ShapeError unless out is [m n], bias nil
// or [n], and out shares no memory with x or the bias; it returns the
// bias's elements (nil without one). wShape is the weight's shape for the
// messages.
func checkLinear[T Float](op string, out, x *Tensor[T], wShape []int, bias *Tensor[T], m, n int) []T {
	if len(out.shape) != 2 || out.shape[0] != m || out.shape[1] != n {
		panic(shapeErr(op, fmt.Sprintf("output must be [%d %d]", m, n), x.shape, wShape, out.shape))
	}
	if overlaps(out.data, x.data) {
		panic(shapeErr(op, "output shares memory with x", x.shape, out.shape))
	}
	if bias == nil {
		return nil
	}
	if len(bias.shape) != 1 || bias.shape[0] != n {
		panic(shapeErr(op, fmt.Sprintf("bias must be [%d]", n), x.shape, wShape, bias.shape))
	}
	if overlaps(out.data, bias.data) {
		panic(shapeErr(op, "output shares memory with the bias", out.shape, bias.shape))
	}
	return bias.data
}
