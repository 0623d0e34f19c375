package autograd

import "github.com/adjoint-go/adjoint/tensor"

// MatMul returns the matrix product of a and b with the broadcasting rules of
// torch.matmul:
//
//	[k]·[k]                → []             dot product (0-d)
//	[m k]·[k n]            → [m n]          matrix product
//	[k]·[… k n]            → [… n]          a is a row [1 k]; the 1 is removed
//	[… m k]·[k]            → [… m]          b is a column [k 1]; the 1 is removed
//	[… m k]·[… k n]        → [batch… m n]   one product per matrix; the batch
//	                                        axes broadcast (NumPy rules)
//
// Two 2-D operands take the plain matrix path of MatMulT; every other case
// is computed per matrix of the batch by tensor.BatchMatMul, without
// transposed copies. Either way the recorded operation is "MatMul".
//
//	d/da = g·bᵀ,  d/db = aᵀ·g   per matrix of the batch, with vectors as a row or
//	                            a column; summed over the batch axes along which
//	                            an operand was broadcast
//
// It panics with a *tensor.ShapeError naming both full shapes when an operand
// is 0-d, the inner dimensions differ (e.g. "autograd: MatMul: inner
// dimensions differ: [2 3 4] x [5 6]") or the batch axes do not broadcast.
func MatMul[T Float](a, b *Var[T]) *Var[T] {
	defer relabel("MatMul")
	as, bs := a.value.Shape(), b.value.Shape()
	if len(as) == 2 && len(bs) == 2 {
		return MatMulT(a, b, false, false)
	}
	a2, b2, out2, out := shpMatMulShapes(as, bs)
	val := tensor.BatchMatMul(a.value.Reshape(a2...), b.value.Reshape(b2...), false, false)
	return record("MatMul", val.Reshape(out...), func(c *Context[T], g *Var[T]) []*Var[T] {
		gm := shpAs(g, out2)
		var ga, gb *Var[T]
		if c.NeedsGrad(0) {
			// [batch… m k]; for a vector a it is [batch… 1 k], which the
			// engine sums back to [k].
			ga = MatMulT(gm, shpAs(c.Input(1), b2), false, true)
		}
		if c.NeedsGrad(1) {
			if len(b2) == 2 && len(a2) > 2 {
				// One matrix b shared by the batch: its gradient sums over
				// the batch, which is one product of the flattened operands.
				rows := 1
				for _, d := range a2[:len(a2)-1] {
					rows *= d
				}
				gb = MatMulT(Reshape(c.Input(0), rows, b2[0]), Reshape(gm, rows, b2[1]), true, false)
			} else {
				gb = MatMulT(shpAs(c.Input(0), a2), gm, true, false)
			}
			if len(bs) == 1 { // [batch… k 1] → [batch… k], which sums back to [k]
				s := gb.value.Shape()
				gb = Reshape(gb, s[:len(s)-1]...)
			}
		}
		return []*Var[T]{ga, gb}
	}, a, b)
}

// shpMatMulShapes validates the operands of MatMul (not both 2-D) and returns
// the shapes they take as matrices (a vector a becomes [1 k], a vector b
// [k 1]), the shape of the batched product, and the shape of the result, from
// which the added 1s are removed. Errors name both original shapes.
func shpMatMulShapes(as, bs []int) (a2, b2, out2, out []int) {
	if len(as) == 0 || len(bs) == 0 {
		panic(shapeErr("MatMul", "operands must be at least 1-D", as, bs))
	}
	a2, b2 = as, bs
	if len(as) == 1 {
		a2 = []int{1, as[0]}
	}
	if len(bs) == 1 {
		b2 = []int{bs[0], 1}
	}
	ra, rb := len(a2), len(b2)
	if a2[ra-1] != b2[rb-2] {
		panic(shapeErr("MatMul", "inner dimensions differ", as, bs))
	}
	batch, ok := tensor.BroadcastShapes(a2[:ra-2], b2[:rb-2])
	if !ok {
		panic(shapeErr("MatMul", "batch dimensions do not broadcast", as, bs))
	}
	m, n := a2[ra-2], b2[rb-1]
	out2 = append(append([]int{}, batch...), m, n)
	out = append([]int{}, batch...)
	if len(as) > 1 {
		out = append(out, m)
	}
	if len(bs) > 1 {
		out = append(out, n)
	}
	return a2, b2, out2, out
}

// shpAs returns v reshaped to shape, or v itself when it has that shape.
func shpAs[T Float](v *Var[T], shape []int) *Var[T] {
	if tensor.SameShape(v.value.Shape(), shape) {
		return v
	}
	return Reshape(v, shape...)
}

// MatMulT returns op(a)·op(b), where op transposes the last two axes of its
// operand when the flag is set, without materializing the transpose. Linear
// layers use it for x·Wᵀ; the derivatives of every matmul are matmuls of this
// form. The recorded operation is named after the form, e.g. "MatMul(Aᵀ·B)".
//
// Both operands must have at least 2 axes. Beyond 2, the leading axes are a
// batch that broadcasts under NumPy's rules, as in MatMul; a 2-D operand is
// one matrix shared by the whole batch. Vectors are MatMul's business.
//
//	C = A·B     dA = G·Bᵀ    dB = Aᵀ·G
//	C = A·Bᵀ    dA = G·B     dB = Gᵀ·A
//	C = Aᵀ·B    dA = B·Gᵀ    dB = A·G
//	C = Aᵀ·Bᵀ   dA = Bᵀ·Gᵀ   dB = Gᵀ·Aᵀ
//
// (per matrix of the batch, summed over the batch axes along which an
// operand was broadcast). It panics with a *tensor.ShapeError (operation
// "MatMul") when an operand has fewer than 2 axes, the inner dimensions
// differ, or the batch axes do not broadcast.
func MatMulT[T Float](a, b *Var[T], transA, transB bool) *Var[T] {
	defer relabel("MatMul")
	op := "MatMul"
	switch {
	case transA && transB:
		op = "MatMul(Aᵀ·Bᵀ)"
	case transA:
		op = "MatMul(Aᵀ·B)"
	case transB:
		op = "MatMul(A·Bᵀ)"
	}
	var val *tensor.Tensor[T]
	switch ra, rb := a.value.Dims(), b.value.Dims(); {
	case ra == 2 && rb == 2:
		val = tensor.MatMul(a.value, b.value, transA, transB)
	case ra < 2 || rb < 2:
		panic(shapeErr("MatMul", "operands must be at least 2-D", a.value.Shape(), b.value.Shape()))
	default:
		val = tensor.BatchMatMul(a.value, b.value, transA, transB)
	}
	return record(op, val, func(c *Context[T], g *Var[T]) []*Var[T] {
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
