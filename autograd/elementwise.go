package autograd

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the broadcasting elementwise functions of two inputs
// beyond the basic arithmetic: Maximum, Minimum, PowVar and Where (the
// unary ones are in the pointwise table, pointwise_ops.go). Each forward
// kernel (package tensor) sits next to its derivative, written with this
// package's operations so that gradients of gradients work.
// Non-differentiable pieces (the masks at ties) are constants, so the second
// derivative through them is 0.

// Maximum returns the elementwise maximum of a and b, with broadcasting. A
// NaN in either operand gives NaN.
//
//	d/da = g where a > b, g/2 where a = b, 0 where a < b;  d/db likewise
//
// At ties the gradient is split equally between a and b (PyTorch's rule), so
// the two gradients always add up to g; where an operand is NaN it takes the
// whole gradient (a is preferred when both are). The weights are constants,
// so the second derivative is 0.
func Maximum[T Float](a, b *Var[T]) *Var[T] {
	defer relabel()
	return record("Maximum", tensor.Maximum(a.value, b.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return elemTieSplit(c, g, 1)
	}, a, b)
}

// Minimum returns the elementwise minimum of a and b, with broadcasting. A
// NaN in either operand gives NaN.
//
//	d/da = g where a < b, g/2 where a = b, 0 where a > b;  d/db likewise
//
// At ties the gradient is split equally between a and b (PyTorch's rule);
// where an operand is NaN it takes the whole gradient (a is preferred when
// both are). The weights are constants, so the second derivative is 0.
func Minimum[T Float](a, b *Var[T]) *Var[T] {
	defer relabel()
	return record("Minimum", tensor.Minimum(a.value, b.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return elemTieSplit(c, g, -1)
	}, a, b)
}

// elemTieSplit is the derivative of Maximum (dir 1) and Minimum (dir -1):
// a's weight is 1 where a wins (or is NaN), 1/2 at a tie and 0 where b wins;
// b's weight is 1 minus a's. Both have the broadcast shape.
func elemTieSplit[T Float](c *Context[T], g *Var[T], dir T) []*Var[T] {
	wa := tensor.Zip(c.Input(0).value, c.Input(1).value, func(x, y T) T {
		switch {
		case x != x || dir*x > dir*y:
			return 1
		case x == y:
			return 0.5
		}
		return 0 // b wins, or b is NaN
	})
	var ga, gb *Var[T]
	if c.NeedsGrad(0) {
		ga = Mul(g, Const(wa))
	}
	if c.NeedsGrad(1) {
		gb = Mul(g, Const(tensor.Map(wa, func(w T) T { return 1 - w })))
	}
	return []*Var[T]{ga, gb}
}

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
	defer relabel("PowVar")
	return record("PowVar", tensor.PowTensor(base.value, exponent.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		x, y := c.Input(0), c.Input(1)
		var gx, gy *Var[T]
		if c.NeedsGrad(0) {
			// x^(y-1) is Inf at x = 0 (or for a subnormal x, or NaN for a
			// NaN x) where y = 0, which y·x^(y-1) must treat as 0: read x
			// there as 1.
			xs := elemSafeBase(x, y, func(xv, yv T) bool { inv := 1 / xv; return yv == 0 && inv-inv != 0 })
			gx = Mul(g, Mul(y, PowVar(xs, Sub(y, Scalar(T(1))))))
		}
		if c.NeedsGrad(1) {
			// ln 0 = -Inf, but 0^y·ln 0 counts as 0 where y ≥ 0: read x as 1.
			xs := elemSafeBase(x, y, func(xv, yv T) bool { return xv == 0 && yv >= 0 })
			gy = Mul(g, Mul(c.Output(), Log(xs)))
		}
		return []*Var[T]{gx, gy}
	}, base, exponent)
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
	mask := make([]bool, m.Len())
	found := false
	for i, v := range m.Data() {
		mask[i] = v != 0
		found = found || mask[i]
	}
	if !found {
		return x
	}
	return Where(mask, Const(tensor.Ones[T](m.Shape()...)), x)
}

// Where returns a where mask is true and b elsewhere, elementwise over the
// shape a and b broadcast to (torch.where(mask, a, b)). mask has one flag
// per element of that broadcast shape, in row-major order; it is copied, so
// later changes to the slice do not affect the gradient.
//
//	d/da = g where mask, 0 elsewhere;  d/db = g where !mask, 0 elsewhere
//
// The gradients are routed through the mask as constants, so the second
// derivative is 0. As in PyTorch, a branch that is not selected still
// receives a zero gradient: if its own derivative is infinite there (Log at
// 0, say), 0·Inf gives NaN; mask the branch's input instead of its output
// to avoid that.
//
// It panics with a *tensor.ShapeError when a and b do not broadcast or when
// len(mask) differs from the number of elements of the broadcast shape.
func Where[T Float](mask []bool, a, b *Var[T]) *Var[T] {
	defer relabel()
	out := tensor.Where(mask, a.value, b.value)
	var keep []T // the mask as 1s and 0s, copied only when a gradient may be asked for
	if a.requiresGrad || b.requiresGrad {
		keep = make([]T, len(mask))
		for i, m := range mask {
			if m {
				keep[i] = 1
			}
		}
	}
	shape := out.Shape()
	return record("Where", out, func(c *Context[T], g *Var[T]) []*Var[T] {
		var ga, gb *Var[T]
		if c.NeedsGrad(0) {
			ga = Mul(g, Const(tensor.MustNew(keep, shape...)))
		}
		if c.NeedsGrad(1) {
			gb = Mul(g, Const(tensor.Map(tensor.MustNew(keep, shape...), func(k T) T { return 1 - k })))
		}
		return []*Var[T]{ga, gb}
	}, a, b)
}
