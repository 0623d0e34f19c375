package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the broadcasting elementwise functions of two inputs
// beyond the basic arithmetic: Maximum, Minimum and PowVar (the unary ones
// are in the pointwise table, pointwise_ops.go; Where and MaskedFill, which
// select with a mask, in mask_select.go; the binary table in binary.go). Each computes its
// result into a tensor of the inputs' Arena and has two derivatives: one
// written with this package's operations, so that gradients of gradients
// work, and a fused one that does the same arithmetic element by element on
// plain tensors, with the same bits. Non-differentiable pieces (the masks at
// ties) are constants, so the second derivative through them is 0.

// Maximum returns the elementwise maximum of a and b, with broadcasting. A
// NaN in either operand gives NaN.
//
//	d/da = g where a > b, g/2 where a = b, 0 where a < b;  d/db likewise
//
// At ties the gradient is split equally between a and b (PyTorch's rule), so
// the two gradients always add up to g; where an operand is NaN it takes the
// whole gradient (a is preferred when both are). The operand that loses
// gets +0 even for an infinite or NaN g (a select, as PyTorch's): only the
// shares of the others are products. The weights are constants, so the
// second derivative is 0.
func Maximum[T Float](a, b *Var[T]) *Var[T] {
	return elemTie("Maximum", a, b, maximumOp[T]{}, 1)
}

// Minimum returns the elementwise minimum of a and b, with broadcasting. A
// NaN in either operand gives NaN.
//
//	d/da = g where a < b, g/2 where a = b, 0 where a > b;  d/db likewise
//
// At ties the gradient is split equally between a and b (PyTorch's rule);
// where an operand is NaN it takes the whole gradient (a is preferred when
// both are). The operand that loses gets +0 whatever g is, as for Maximum.
// The weights are constants, so the second derivative is 0.
func Minimum[T Float](a, b *Var[T]) *Var[T] {
	return elemTie("Minimum", a, b, minimumOp[T]{}, -1)
}

// elemTie is Maximum (dir 1) and Minimum (dir -1): max(x, y) or min(x, y)
// (Go's, which propagate NaN and order -0 below +0) into an arena tensor.
func elemTie[T Float](op string, a, b *Var[T], d derivative[T], dir T) *Var[T] {
	checkOperands2(op, a, b)
	ar := arenaOf(a, b)
	out, vn := elemOut(op, ar, a.value, b.value)
	o, x, y := out.Data(), a.value.Data(), b.value.Data()
	elemRuns(out, a.value, b.value, func(off, n, oa, sa, ob, sb int) {
		for k := range n {
			if dir > 0 {
				o[off+k] = max(x[oa+k*sa], y[ob+k*sb])
			} else {
				o[off+k] = min(x[oa+k*sa], y[ob+k*sb])
			}
		}
	})
	return recordOpIn(vn, op, out, d, a, b)
}

type maximumOp[T Float] struct{}

func (maximumOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] { return elemTieSplit(c, g, 1) }
func (maximumOp[T]) vjp(c *Context[T], g *tensor.Tensor[T])      { elemTieVJP(c, g, 1) }

type minimumOp[T Float] struct{}

func (minimumOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] { return elemTieSplit(c, g, -1) }
func (minimumOp[T]) vjp(c *Context[T], g *tensor.Tensor[T])      { elemTieVJP(c, g, -1) }

// jvp of Maximum is w ∘ ta + (1 - w) ∘ tb elementwise, with a's weight w
// of the vjp: 1 where a wins (or is NaN), 1/2 at a tie, 0 where b wins
// (where the losing operand's tangent is blocked: +0, even if ±Inf or NaN).
func (maximumOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return elemTieJVP(c, ts, 1)
}

// jvp of Minimum is w ∘ ta + (1 - w) ∘ tb elementwise, with a's weight w
// of the vjp: 1 where a is smaller (or NaN), 1/2 at a tie, 0 where b is.
func (minimumOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return elemTieJVP(c, ts, -1)
}

// elemTieJVP is the forward rule of Maximum (dir 1) and Minimum (dir -1),
// the transpose of elemTieVJP: the tangents weighed as the gradient is
// split, so that at a tie the result moves by the tangents' mean, and the
// losing operand's tangent selected away (+0).
func elemTieJVP[T Float](c *Context[T], ts []*tensor.Tensor[T], dir T) *tensor.Tensor[T] {
	return elemJVP(c, ts,
		func(x, y, _, t T) T { return elemTieShareElem(t, elemTieWeight(x, y, dir)) },
		func(x, y, _, t T) T { return elemTieShareElem(t, 1-elemTieWeight(x, y, dir)) })
}

// elemTieWeight is a's weight in the derivative of Maximum (dir 1) and
// Minimum (dir -1): 1 where a wins (or is NaN), 1/2 at a tie, 0 where b
// wins (or is NaN).
func elemTieWeight[T Float](x, y, dir T) T {
	switch {
	case x != x || dir*x > dir*y:
		return 1
	case x == y:
		return 0.5
	}
	return 0
}

// elemTieVJP is elemTieSplit element by element: g·w for a, g·(1 - w) for
// b, and +0 for an operand whose weight is 0 whatever g is.
func elemTieVJP[T Float](c *Context[T], g *tensor.Tensor[T], dir T) {
	x, y, gs := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), g.Data()
	for j := range 2 {
		elemGrad(c, j, c.out.value, func(d []T, off, oa, sa, ob, sb int, add bool) {
			for k := range d {
				w := elemTieWeight(x[oa+k*sa], y[ob+k*sb], dir)
				if j == 1 {
					w = 1 - w
				}
				if v := elemTieShareElem(gs[off+k], w); add {
					d[k] += v
				} else {
					d[k] = v
				}
			}
		})
	}
}

// elemTieSplit is the derivative of Maximum (dir 1) and Minimum (dir -1):
// a's weight is 1 where a wins (or is NaN), 1/2 at a tie and 0 where b wins;
// b's weight is 1 minus a's. Both have the broadcast shape. Each gradient
// is g selected where its weight is not 0 (+0 elsewhere, whatever g is),
// times the weight.
func elemTieSplit[T Float](c *Context[T], g *Var[T], dir T) []*Var[T] {
	wa := tensor.Zip(c.Input(0).value, c.Input(1).value, func(x, y T) T { return elemTieWeight(x, y, dir) })
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = elemTieShare(g, wa)
	}
	if c.NeedsGrad(1) {
		gb = elemTieShare(g, tensor.Map(wa, func(w T) T { return 1 - w }))
	}
	return []*Var[T]{ga, gb}
}

// elemTieShare is an operand's share of g for its weights w: g selected
// where w is not 0, times w.
func elemTieShare[T Float](g *Var[T], w *tensor.Tensor[T]) *Var[T] {
	return Mul(selGrad(elemFlags(w, func(v T) bool { return v != 0 }), g), Const(w))
}

// elemTieShareElem is an element of elemTieShare: g·w, or +0 where w is 0.
func elemTieShareElem[T Float](g, w T) T { return selGradElem(w != 0, T(g*w)) }

// PowVar returns base^exponent elementwise for a tensor exponent, with
// broadcasting (Pow takes a constant exponent).
//
//	d/dbase = g ∘ y·x^(y-1),  d/dexponent = g ∘ x^y·ln x = g ∘ O·ln x
//
// (x the base, y the exponent, O the saved output). For x < 0, x^y is NaN
// unless y is an integer, and d/dexponent is NaN (ln x is undefined there).
// At x = 0 PyTorch's conventions hold: d/dexponent is 0 where y ≥ 0, and
// d/dbase is 0 where y = 0 (also when x is NaN, or so close to 0 that x^-1
// overflows, like a subnormal x). Those points are taken out
// of the logarithm and the power with a constant mask before the
// differentiable expression is built, so that gradients of gradients stay
// finite there (the second derivative at those points follows the same
// convention).
func PowVar[T Float](base, exponent *Var[T]) *Var[T] {
	checkOperands2("PowVar", base, exponent)
	const op = "PowVar"
	ar := arenaOf(base, exponent)
	out, vn := elemOut(op, ar, base.value, exponent.value)
	o, x, y := out.Data(), base.value.Data(), exponent.value.Data()
	elemRuns(out, base.value, exponent.value, func(off, n, oa, sa, ob, sb int) {
		for k := range n {
			o[off+k] = T(powF64(float64(x[oa+k*sa]), float64(y[ob+k*sb])))
		}
	})
	return recordOpIn(vn, op, out, powVarOp[T]{}, base, exponent)
}

type powVarOp[T Float] struct{}

func (powVarOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x, y := c.Input(0), c.Input(1)
	var gx, gy *Var[T]
	if c.NeedsGrad(0) {
		// x^(y-1) is Inf at x = 0 (or for a subnormal x, or NaN for a
		// NaN x) where y = 0, which y·x^(y-1) must treat as 0: read x
		// there as 1.
		xs := elemSafeBase(x, y, powBaseSpecial[T])
		gx = Mul(g, Mul(y, PowVar(xs, Sub(y, Scalar(T(1))))))
	}
	if c.NeedsGrad(1) {
		// ln 0 = -Inf, but 0^y·ln 0 counts as 0 where y ≥ 0: read x as 1.
		xs := elemSafeBase(x, y, powLogSpecial[T])
		gy = Mul(g, Mul(c.Output(), Log(xs)))
	}
	return []*Var[T]{gx, gy}
}

// powBaseSpecial and powLogSpecial say where PowVar's derivatives read the
// base as 1 (see backward).
func powBaseSpecial[T Float](xv, yv T) bool { inv := 1 / xv; return yv == 0 && inv-inv != 0 }
func powLogSpecial[T Float](xv, yv T) bool  { return xv == 0 && yv >= 0 }

// vjp is backward's arithmetic element by element; ln of the base runs the
// Log op's kernel on an arena scratch.
func (powVarOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	out := c.out.value
	x, y, gs, o := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data(), g.Data(), out.Data()
	elemGrad(c, 0, out, func(d []T, off, oa, sa, ob, sb int, add bool) {
		for k := range d {
			xv, yv := x[oa+k*sa], y[ob+k*sb]
			if powBaseSpecial(xv, yv) {
				xv = 1
			}
			p := T(powF64(float64(xv), float64(yv-1)))
			if v := T(gs[off+k] * T(yv*p)); add {
				d[k] += v
			} else {
				d[k] = v
			}
		}
	})
	if !c.NeedsGrad(1) {
		return
	}
	logs := c.p.arena.like(out)
	ld := logs.Data()
	elemRuns(out, c.node().inputs[0].value, c.node().inputs[1].value, func(off, n, oa, sa, ob, sb int) {
		for k := range n {
			xv := x[oa+k*sa]
			if powLogSpecial(xv, y[ob+k*sb]) {
				xv = 1
			}
			ld[off+k] = xv
		}
	})
	tensor.LogInto(logs, logs)
	elemGrad(c, 1, out, func(d []T, off, oa, sa, ob, sb int, add bool) {
		for k := range d {
			if v := T(gs[off+k] * T(o[off+k]*ld[off+k])); add {
				d[k] += v
			} else {
				d[k] = v
			}
		}
	})
}

// jvp of PowVar is y·x^(y-1) ∘ tbase + x^y·ln x ∘ texponent elementwise
// (broadcast), with the base read as 1 where the vjp reads it so (y = 0
// and x^-1 not finite, in the first term; x = 0 and y ≥ 0, in the
// second).
func (powVarOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return elemJVP(c, ts,
		func(x, y, _, t T) T {
			if powBaseSpecial(x, y) {
				x = 1
			}
			return T(t * T(y*T(powF64(float64(x), float64(y-1)))))
		},
		func(x, y, o, t T) T {
			if powLogSpecial(x, y) {
				x = 1
			}
			return T(t * T(o*T(logF64(float64(x)))))
		})
}

// elemSafeBase returns x with every element where special(x, y) holds
// replaced by 1, over the broadcast shape of x and y. The replacement is
// made with Where and a constant mask, so no gradient flows to the replaced
// elements. When no element is special it returns x itself.
func elemSafeBase[T Float](x, y *Var[T], special func(x, y T) bool) *Var[T] {
	m := tensor.Zip(x.value, y.value, func(xv, yv T) T {
		if special(xv, yv) {
			return 1
		}
		return 0
	})
	mask := tensor.NotEqual(m, tensor.Scalar(T(0)))
	if mask.Count() == 0 {
		return x
	}
	return Where(mask, Const(tensor.Ones[T](m.Shape()...)), x)
}

// elemOut returns the result tensor, from ar, of an op on a and b with
// broadcasting, and without an arena the result's Var and node that come
// with it (see resultOf), panicking with a *tensor.ShapeError naming op
// when their shapes do not broadcast.
func elemOut[T Float](op string, ar *Arena[T], a, b *tensor.Tensor[T]) (*tensor.Tensor[T], *varNode[T]) {
	var buf [maxStackDims]int
	dst := buf[:0]
	ra, rb := a.Dims(), b.Dims()
	r := max(ra, rb)
	if r > maxRedDims {
		panic(shapeErr(op, "more than "+fmt.Sprint(maxRedDims)+" axes", a.Shape(), b.Shape()))
	}
	for i := range r {
		da, db := 1, 1
		if j := i - (r - ra); j >= 0 {
			da = a.Dim(j)
		}
		if j := i - (r - rb); j >= 0 {
			db = b.Dim(j)
		}
		switch {
		case da == db || db == 1:
			dst = append(dst, da)
		case da == 1:
			dst = append(dst, db)
		default:
			panic(shapeErr(op, "shapes do not broadcast", a.Shape(), b.Shape()))
		}
	}
	return resultOf(ar, dst...)
}

// elemRuns visits out, the broadcast of a and b, a run at a time (a stretch
// of its last axis, of n elements from offset off), with the offsets and
// steps along the run of the matching elements of a (oa, sa) and b (ob,
// sb); a step is 0 along an axis the operand is broadcast over.
func elemRuns[T Float](out, a, b *tensor.Tensor[T], fn func(off, n, oa, sa, ob, sb int)) {
	if out.Len() == 0 {
		return
	}
	if a.SameShapeAs(out) && b.SameShapeAs(out) {
		fn(0, out.Len(), 0, 1, 0, 1)
		return
	}
	r := out.Dims()
	if r == 0 {
		fn(0, 1, 0, 0, 0, 0)
		return
	}
	var sta, stb, idx [maxRedDims]int
	elemStrides(&sta, a, r)
	elemStrides(&stb, b, r)
	n := out.Dim(r - 1)
	oa, ob := 0, 0
	for off := 0; off < out.Len(); off += n {
		fn(off, n, oa, sta[r-1], ob, stb[r-1])
		for ax := r - 2; ax >= 0; ax-- {
			idx[ax]++
			oa += sta[ax]
			ob += stb[ax]
			if idx[ax] < out.Dim(ax) {
				break
			}
			oa -= sta[ax] * idx[ax]
			ob -= stb[ax] * idx[ax]
			idx[ax] = 0
		}
	}
}

// elemStrides sets st to the strides of x in the index space of a
// broadcast result of rank r (0 along the axes x lacks or has as 1).
func elemStrides[T Float](st *[maxRedDims]int, x *tensor.Tensor[T], r int) {
	s := 1
	for i := x.Dims() - 1; i >= 0; i-- {
		ax := i + r - x.Dims()
		st[ax] = 0
		if d := x.Dim(i); d != 1 {
			st[ax] = s
			s *= d
		}
	}
}

// elemGrad computes input j's gradient of a broadcasting op with result
// out, a run at a time: row writes (add false) or adds (add true) the
// gradient of the run's elements into d (see elemRuns for the offsets).
// The gradient goes straight into the input's buffer when the input has
// out's shape; otherwise into an arena scratch of out's shape that the
// engine sums back to the input's, as it does the recorded derivative's.
func elemGrad[T Float](c *Context[T], j int, out *tensor.Tensor[T], row func(d []T, off, oa, sa, ob, sb int, add bool)) {
	bcastGrad(c, j, out, func(d []T, add bool) {
		elemRuns(out, c.node().inputs[0].value, c.node().inputs[1].value, func(off, n, oa, sa, ob, sb int) {
			row(d[off:off+n], off, oa, sa, ob, sb, add)
		})
	})
}
