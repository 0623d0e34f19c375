package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the comparisons and tests of values on Vars. They return
// masks (*tensor.Mask), not Vars: a mask has no gradient, and is what
// Where, MaskedFill and the mask functions of package tensor (LogicalAnd,
// LogicalOr, LogicalNot, Any, All) take. Under an Arena the mask comes from
// the inputs' Arena, like an op's result, and is reused after Reset: copy
// its flags (Data) to keep them longer.
// The kernels are package tensor's (CompareInto and the others).

// Equal returns the mask a == b elementwise, with broadcasting
// (torch.eq). NaN is unequal to everything, itself included; -0 equals
// +0. It panics with a *tensor.ShapeError when a and b do not broadcast.
func Equal[T Float](a, b *Var[T]) *tensor.Mask { return compareVars(tensor.CmpEqual, a, b) }

// NotEqual returns the mask a != b elementwise, with broadcasting
// (torch.ne): true wherever either is NaN.
func NotEqual[T Float](a, b *Var[T]) *tensor.Mask { return compareVars(tensor.CmpNotEqual, a, b) }

// Less returns the mask a < b elementwise, with broadcasting (torch.lt):
// false wherever either is NaN.
func Less[T Float](a, b *Var[T]) *tensor.Mask { return compareVars(tensor.CmpLess, a, b) }

// LessEqual returns the mask a <= b elementwise, with broadcasting
// (torch.le): false wherever either is NaN.
func LessEqual[T Float](a, b *Var[T]) *tensor.Mask { return compareVars(tensor.CmpLessEqual, a, b) }

// Greater returns the mask a > b elementwise, with broadcasting
// (torch.gt): false wherever either is NaN.
func Greater[T Float](a, b *Var[T]) *tensor.Mask { return compareVars(tensor.CmpGreater, a, b) }

// GreaterEqual returns the mask a >= b elementwise, with broadcasting
// (torch.ge): false wherever either is NaN.
func GreaterEqual[T Float](a, b *Var[T]) *tensor.Mask {
	return compareVars(tensor.CmpGreaterEqual, a, b)
}

// compareVars is the comparisons: c(a, b) into a mask from the inputs'
// Arena.
func compareVars[T Float](c tensor.Comparison, a, b *Var[T]) *tensor.Mask {
	op := c.String()
	checkOperands2(op, a, b)
	a.checkLive(op)
	b.checkLive(op)
	var buf [maxStackDims]int
	m := arenaMask(arenaOf(a, b), bcastShape(op, buf[:0], a.value, b.value))
	tensor.CompareInto(m, c, a.value, b.value)
	return m
}

// IsNaN returns the mask of the NaN elements of x (torch.isnan).
func IsNaN[T Float](x *Var[T]) *tensor.Mask {
	checkOperands1("IsNaN", x)
	m := testMask("IsNaN", x)
	tensor.IsNaNInto(m, x.value)
	return m
}

// IsInf returns the mask of the infinite elements of x, of either sign
// (torch.isinf).
func IsInf[T Float](x *Var[T]) *tensor.Mask {
	checkOperands1("IsInf", x)
	m := testMask("IsInf", x)
	tensor.IsInfInto(m, x.value)
	return m
}

// IsFinite returns the mask of the elements of x that are neither
// infinite nor NaN (torch.isfinite).
func IsFinite[T Float](x *Var[T]) *tensor.Mask {
	checkOperands1("IsFinite", x)
	m := testMask("IsFinite", x)
	tensor.IsFiniteInto(m, x.value)
	return m
}

// testMask returns a mask of x's shape from x's Arena.
func testMask[T Float](op string, x *Var[T]) *tensor.Mask {
	x.checkLive(op)
	var buf [maxStackDims]int
	return arenaMask(arenaOf(x), bcastShape(op, buf[:0], x.value))
}

// IsClose returns the mask of the elements where a and b are close, over
// the shape they broadcast to (torch.isclose(a, b, rtol, atol, equalNaN)):
//
//	a == b, or both finite and |a - b| ≤ atol + rtol·|b|
//
// and, when equalNaN, also where both are NaN. The relative tolerance
// scales with b, so the test is not symmetric; infinities are close only
// to themselves. torch.isclose's defaults are rtol 1e-5, atol 1e-8. It
// panics with a *tensor.ShapeError when a and b do not broadcast, and with
// a *UsageError when rtol or atol is negative or NaN.
func IsClose[T Float](a, b *Var[T], rtol, atol float64, equalNaN bool) *tensor.Mask {
	checkOperands2("IsClose", a, b)
	const op = "IsClose"
	if !(rtol >= 0 && atol >= 0) {
		panic(usage(op, fmt.Sprintf("tolerances must be non-negative, got rtol %v, atol %v", rtol, atol)))
	}
	a.checkLive(op)
	b.checkLive(op)
	var buf [maxStackDims]int
	m := arenaMask(arenaOf(a, b), bcastShape(op, buf[:0], a.value, b.value))
	tensor.IsCloseInto(m, a.value, b.value, rtol, atol, equalNaN)
	return m
}
