package autograd

import "github.com/adjoint-go/adjoint/tensor"

// MatMul returns the matrix product a·b of 2-D operands.
//
//	d/da = g·bᵀ,  d/db = aᵀ·g
//
// It panics with a *tensor.ShapeError when the inner dimensions differ.
func MatMul[T Float](a, b *Var[T]) *Var[T] { return MatMulT(a, b, false, false) }

// MatMulT returns op(a)·op(b), where op transposes its operand when the flag
// is set, without materializing the transpose. Linear layers use it for
// x·Wᵀ; the derivatives of every matmul are matmuls of this form. The
// recorded operation is named after the form, e.g. "MatMul(Aᵀ·B)".
//
//	C = A·B     dA = G·Bᵀ    dB = Aᵀ·G
//	C = A·Bᵀ    dA = G·B     dB = Gᵀ·A
//	C = Aᵀ·B    dA = B·Gᵀ    dB = A·G
//	C = Aᵀ·Bᵀ   dA = Bᵀ·Gᵀ   dB = Gᵀ·Aᵀ
func MatMulT[T Float](a, b *Var[T], transA, transB bool) *Var[T] {
	defer relabel()
	op := "MatMul"
	switch {
	case transA && transB:
		op = "MatMul(Aᵀ·Bᵀ)"
	case transA:
		op = "MatMul(Aᵀ·B)"
	case transB:
		op = "MatMul(A·Bᵀ)"
	}
	return record(op, tensor.MatMul(a.value, b.value, transA, transB), func(c *Context[T], g *Var[T]) []*Var[T] {
		var ga, gb *Var[T]
		if c.NeedsGrad(0) {
			switch {
			case !transA && !transB:
				ga = MatMulT(g, c.Input(1), false, true)
			case !transA && transB:
				ga = MatMulT(g, c.Input(1), false, false)
			case transA && !transB:
				ga = MatMulT(c.Input(1), g, false, true)
			default:
				ga = MatMulT(c.Input(1), g, true, true)
			}
		}
		if c.NeedsGrad(1) {
			switch {
			case !transA && !transB:
				gb = MatMulT(c.Input(0), g, true, false)
			case !transA && transB:
				gb = MatMulT(g, c.Input(0), true, false)
			case transA && !transB:
				gb = MatMulT(c.Input(0), g, false, false)
			default:
				gb = MatMulT(g, c.Input(0), true, true)
			}
		}
		return []*Var[T]{ga, gb}
	}, a, b)
}

// Transpose returns the transpose of a 2-D Var.
//
//	d/dx = gᵀ
func Transpose[T Float](x *Var[T]) *Var[T] {
	defer relabel()
	return record("Transpose", tensor.Transpose(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Transpose(g)}
	}, x)
}

// Reshape returns x with a new shape and the same elements in row-major
// order; one dimension may be -1. It panics with a *tensor.ShapeError when
// the element counts differ.
//
//	d/dx = g reshaped to x's shape
func Reshape[T Float](x *Var[T], shape ...int) *Var[T] {
	defer relabel()
	in := x.value.Shape()
	return record("Reshape", x.value.Reshape(shape...), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Reshape(g, in...)}
	}, x)
}
