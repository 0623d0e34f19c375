package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the forward-mode rules (derivative.jvp) of the
// table-driven families (pointwise, binary) and of the arithmetic and
// matrix products, which reuse their per-element formulas and kernels. The
// other ops' rules sit in their own files, beside their reverse
// derivatives.

// jvp of a pointwise op is f'(x)·t elementwise: the table's fused
// derivative df, which computes g·f'(x), with the tangent as g.
func (d *pointwiseDef[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	x, y := c.node().inputs[0].value, c.out.value
	dx := tensor.Zeros[T](x.Shape()...)
	d.df(dx, x, y, ts[0], c.node().scalars)
	return dx
}

// jvp of a binary table op is ∂f/∂x·tx + ∂f/∂y·ty elementwise, with each
// tangent read where its input broadcasts: the fused derivatives da and
// db, which are linear in their gradient argument, given the tangents.
func (d *binaryDef[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return elemJVP(c, ts, d.da, d.db)
}

// elemJVP is the forward rule of an elementwise op of two broadcasting
// inputs whose partial derivatives, times a tangent t, are da and db of
// the inputs' elements x, y and the result's o. A nil tangent contributes
// nothing (not even 0·∞).
func elemJVP[T Float](c *Context[T], ts []*tensor.Tensor[T], da, db func(x, y, o, t T) T) *tensor.Tensor[T] {
	a, b, out := c.node().inputs[0].value, c.node().inputs[1].value, c.out.value
	res := tensor.Zeros[T](out.Shape()...)
	r, x, y, o := res.Data(), a.Data(), b.Data(), out.Data()
	for j, df := range [2]func(x, y, o, t T) T{da, db} {
		if ts[j] == nil {
			continue
		}
		t := ts[j].Data()
		elemRuns(out, a, b, func(off, n, oa, sa, ob, sb int) {
			ot, st := oa, sa // the tangent is read where its input is
			if j == 1 {
				ot, st = ob, sb
			}
			for k := range n {
				r[off+k] += df(x[oa+k*sa], y[ob+k*sb], o[off+k], t[ot+k*st])
			}
		})
	}
	return res
}

// jvp of a + b is ta + tb (broadcast).
func (addOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return sumJVP(c, ts[0], ts[1], false)
}

// jvp of a - b is ta - tb (broadcast).
func (subOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return sumJVP(c, ts[0], ts[1], true)
}

// sumJVP is ta + tb, or ta - tb when sub, broadcast to the result's shape,
// with the vectorized broadcasting kernels; a nil tangent contributes
// nothing.
func sumJVP[T Float](c *Context[T], ta, tb *tensor.Tensor[T], sub bool) *tensor.Tensor[T] {
	switch {
	case ta != nil && tb != nil && sub:
		return tensor.Sub(ta, tb)
	case ta != nil && tb != nil:
		return tensor.Add(ta, tb)
	case ta != nil:
		return tensor.BroadcastTo(ta, c.out.value.Shape()...)
	}
	r := tensor.BroadcastTo(tb, c.out.value.Shape()...)
	if sub {
		tensor.ScaleInto(r, r, -1)
	}
	return r
}

// jvp of a ∘ b is ta ∘ b + a ∘ tb (broadcast).
func (mulOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	a, b := c.node().inputs[0].value, c.node().inputs[1].value
	var r *tensor.Tensor[T]
	if ts[0] != nil {
		r = tensor.Mul(ts[0], b)
	}
	if ts[1] != nil {
		if t := tensor.Mul(a, ts[1]); r == nil {
			r = t
		} else {
			tensor.AddInto(r, r, t)
		}
	}
	return r
}

// jvp of a / b is (ta - tb ∘ out) / b (broadcast): ta / b - tb ∘ out / b.
func (divOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	b, out := c.node().inputs[1].value, c.out.value
	var r *tensor.Tensor[T]
	if ts[0] != nil {
		r = tensor.Div(ts[0], b)
	}
	if ts[1] != nil {
		t := tensor.Div(tensor.Mul(ts[1], out), b)
		if r == nil {
			tensor.ScaleInto(t, t, -1)
			r = t
		} else {
			tensor.SubInto(r, r, t)
		}
	}
	return r
}

// jvp of the bilinear product op(A)·op(B) is op(tA)·op(B) + op(A)·op(tB),
// each term the forward product itself (batching and broadcasting
// included) on the tangent.
func (s matmulOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	a, b := Const(c.node().inputs[0].value), Const(c.node().inputs[1].value)
	var res *tensor.Tensor[T]
	if ts[0] != nil {
		res = MatMulT(Const(ts[0]), b, s.transA(), s.transB()).value // a new tensor: no Arena
	}
	if ts[1] != nil {
		t := MatMulT(a, Const(ts[1]), s.transA(), s.transB()).value
		if res == nil {
			res = t
		} else {
			res.AddInPlace(t)
		}
	}
	return res
}
