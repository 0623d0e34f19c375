package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file is the table of binary elementwise operations: for each one,
// its exported function with the documentation, and its entry in
// binaryTable with the forward kernel, the fused derivative, the recorded
// derivative and the metadata the tests range over. Derivatives are
// PyTorch's (tools/autograd/derivatives.yaml); where an op is piecewise
// (Mod, Fmod, FloorDiv) its derivative is the one of the piece, and the
// jumps between pieces are not differentiated.

// binaryKind indexes the binary table.
type binaryKind int

const (
	opAtan2 binaryKind = iota
	opMod
	opFmod
	opFloorDiv
	opCopysign
	opLogAddExp
	numBinary // keep last
)

// Atan2 returns the angle of the point (b, a) elementwise, in [-π, π],
// with broadcasting (torch.atan2(a, b); math.Atan2's special cases for
// zeros and infinities).
//
//	d/da = g·b/(a² + b²),  d/db = -g·a/(a² + b²)
//
// At the origin both are 0/0 = NaN, as in PyTorch.
func Atan2[T Float](a, b *Var[T]) *Var[T] { return binary(opAtan2, a, b) }

// Mod returns the remainder of a divided by b with the sign of b
// (Python's %, torch.remainder): a - b·floor(a/b), computed exactly as
// fmod(a, b) plus b when that is nonzero and its sign differs from b's. A
// zero result keeps the sign fmod gives it (a's). b = 0 gives NaN, and so
// does an infinite a; a finite a with an infinite b gives a, or b when
// their signs differ.
//
//	d/da = g,  d/db = -floor(a/b)·g
//
// where floor(a/b) is FloorDiv's. The result jumps where a/b crosses an
// integer; the derivative there is the one of the piece to the right.
func Mod[T Float](a, b *Var[T]) *Var[T] { return binary(opMod, a, b) }

// Fmod returns the remainder of a divided by b with the sign of a (C's
// fmod, torch.fmod): a - b·trunc(a/b), exactly. b = 0 or an infinite a
// gives NaN; an infinite b gives a.
//
//	d/da = g,  d/db = -trunc(a/b)·g
//
// with trunc(a/b) of the rounded quotient, as PyTorch. The result jumps
// where a/b crosses a nonzero integer.
func Fmod[T Float](a, b *Var[T]) *Var[T] { return binary(opFmod, a, b) }

// FloorDiv returns floor(a/b) elementwise, with broadcasting
// (torch.div(a, b, rounding_mode='floor'), Python's //), computed from the
// exact remainder so that it is the true floor of the exact quotient
// (floor(a/b) of the rounded quotient can be one off). b = 0 gives a/b
// (±Inf, or NaN for 0/0); an infinite a gives NaN; a zero result has the
// sign of a/b.
//
//	d/da = 0,  d/db = 0
//
// The result is piecewise constant, so its gradient is 0 everywhere
// (PyTorch's choice, also at the jumps).
func FloorDiv[T Float](a, b *Var[T]) *Var[T] { return binary(opFloorDiv, a, b) }

// Copysign returns |a| with the sign of b elementwise (torch.copysign),
// the sign bit of b counting (so -0 and a NaN with its sign bit set are
// negative).
//
//	d/da = g·s,  d/db = 0
//
// where s is 1 when a already has b's sign and -1 when it does not: the
// product of their signs. At a = 0 the subgradient 0 is used (PyTorch's
// choice), and s is NaN where a is NaN. At a = ±Inf, s is ±1 too, where
// PyTorch computes s as copysign(a, b)/a and gets Inf/Inf = NaN. b's
// gradient is 0: the result depends on b only through its sign.
func Copysign[T Float](a, b *Var[T]) *Var[T] { return binary(opCopysign, a, b) }

// LogAddExp returns log(e^a + e^b) elementwise, with broadcasting
// (torch.logaddexp), computed as max(a, b) + log1p(e^-|a-b|) so that it
// neither overflows nor underflows; equal infinities give themselves.
//
//	d/da = g/(1 + e^(b-a)),  d/db = g/(1 + e^(a-b))
//
// (PyTorch's formulas: the softmax weights of a and b). Where a = b = ±Inf
// both are NaN, as in PyTorch.
func LogAddExp[T Float](a, b *Var[T]) *Var[T] { return binary(opLogAddExp, a, b) }

// binaryTable returns the binary table for element type T.
func binaryTable[T Float]() [numBinary]binaryDef[T] {
	var tab [numBinary]binaryDef[T]
	unit := func(_, _, _, g T) T { return g }
	zero := func(_, _, _, _ T) T { return 0 }
	tab[opAtan2] = binaryDef[T]{
		meta: binaryMeta("Atan2", "torch.atan2(x, y)", anyReal).kinks(0), // the branch cut at x = 0 (for y < 0) and the pole at 0, 0
		ref:  math.Atan2,
		f:    func(x, y T) T { return T(math.Atan2(float64(x), float64(y))) },
		da:   func(x, y, _, g T) T { return g * (y / (x*x + y*y)) },
		db:   func(x, y, _, g T) T { return g * (-x / (x*x + y*y)) },
		back: func(c *Context[T], g *Var[T]) (ga, gb *Var[T]) {
			a, b := c.Input(0), c.Input(1)
			s := Add(Square(a), Square(b))
			return Mul(g, Div(b, s)), Mul(g, Div(Neg(a), s))
		},
	}
	tab[opMod] = binaryDef[T]{
		meta: binaryMeta("Mod", "torch.remainder(x, y)", positiveReal).hiddenKinks().listed("", "Python's sign"), // jumps where x/y is an integer
		ref:  refMod,
		f:    remainder[T],
		da:   unit,
		db:   func(x, y, _, g T) T { return g * -floorDiv(x, y) },
		back: func(c *Context[T], g *Var[T]) (ga, gb *Var[T]) {
			q := tensorZip(c, func(x, y T) T { return -floorDiv(x, y) })
			return g, Mul(g, Const(q))
		},
	}
	tab[opFmod] = binaryDef[T]{
		meta: binaryMeta("Fmod", "torch.fmod(x, y)", positiveReal).hiddenKinks().listed("", "C's"),
		ref:  math.Mod,
		f:    func(x, y T) T { return T(math.Mod(float64(x), float64(y))) },
		da:   unit,
		db:   func(x, y, _, g T) T { return g * -truncDiv(x, y) },
		back: func(c *Context[T], g *Var[T]) (ga, gb *Var[T]) {
			q := tensorZip(c, func(x, y T) T { return -truncDiv(x, y) })
			return g, Mul(g, Const(q))
		},
	}
	tab[opFloorDiv] = binaryDef[T]{
		meta: binaryMeta("FloorDiv", "torch.div(x, y, rounding_mode='floor')", positiveReal).hiddenKinks(),
		ref:  refFloorDiv,
		f:    floorDiv[T],
		da:   zero,
		db:   zero,
		back: func(c *Context[T], g *Var[T]) (ga, gb *Var[T]) { return zerosLike(g), zerosLike(g) },
	}
	tab[opCopysign] = binaryDef[T]{
		meta: binaryMeta("Copysign", "torch.copysign(x, y)", anyReal).kinks(0),
		ref:  math.Copysign,
		f:    func(x, y T) T { return T(math.Copysign(float64(x), float64(y))) },
		da:   func(x, y, _, g T) T { return g * copysignSign(x, y) },
		db:   zero,
		back: func(c *Context[T], g *Var[T]) (ga, gb *Var[T]) {
			return Mul(g, Const(tensorZip(c, copysignSign[T]))), zerosLike(g)
		},
	}
	tab[opLogAddExp] = binaryDef[T]{
		meta: binaryMeta("LogAddExp", "torch.logaddexp(x, y)", [2]float64{-4, 4}),
		ref:  refLogAddExp,
		f:    func(x, y T) T { return T(refLogAddExp(float64(x), float64(y))) },
		da:   func(x, y, _, g T) T { return g / (1 + T(math.Exp(float64(y-x)))) },
		db:   func(x, y, _, g T) T { return g / (1 + T(math.Exp(float64(x-y)))) },
		back: func(c *Context[T], g *Var[T]) (ga, gb *Var[T]) {
			a, b := c.Input(0), c.Input(1)
			one := Scalar(T(1))
			return Div(g, Add(one, Exp(Sub(b, a)))), Div(g, Add(one, Exp(Sub(a, b))))
		},
	}
	return tab
}

// tensorZip returns f of the op's inputs elementwise, over the broadcast
// shape: a constant factor of a recorded derivative.
func tensorZip[T Float](c *Context[T], f func(x, y T) T) *tensor.Tensor[T] {
	return tensor.Zip(c.node().inputs[0].value, c.node().inputs[1].value, f)
}

// remainder is Mod's kernel: fmod (exact), moved by y into y's sign.
func remainder[T Float](x, y T) T {
	m := T(math.Mod(float64(x), float64(y)))
	if m != 0 && (y < 0) != (m < 0) {
		m += y
	}
	return m
}

// floorDiv is FloorDiv's kernel: the floor of the exact quotient, from the
// exact remainder (Python's float floor division): (x - fmod(x, y))/y is
// an integer up to the rounding of the division, moved down by one when
// the remainder and y differ in sign, and rounded to the nearest integer.
func floorDiv[T Float](x, y T) T {
	if y == 0 {
		return x / y
	}
	m := T(math.Mod(float64(x), float64(y)))
	d := (x - m) / y
	if m != 0 && (y < 0) != (m < 0) {
		d--
	}
	if d == 0 {
		return T(math.Copysign(0, float64(x/y)))
	}
	f := T(math.Floor(float64(d)))
	if d-f > 0.5 {
		f++
	}
	return f
}

// truncDiv is trunc(x/y) of the rounded quotient, Fmod's derivative's
// factor (torch.div(rounding_mode='trunc')).
func truncDiv[T Float](x, y T) T { return T(math.Trunc(float64(x / y))) }

// copysignSign is Copysign's derivative in x: the product of the signs of
// x and y (±1, by sign bit), 0 at x = 0, NaN where x is NaN.
func copysignSign[T Float](x, y T) T {
	switch {
	case x != x:
		return x
	case x == 0:
		return 0
	case math.Signbit(float64(x)) == math.Signbit(float64(y)):
		return 1
	}
	return -1
}

// refMod is Mod in float64, from its definition: x - y·floor(x/y), exactly
// (math.Mod is exact) and with Python's sign rule.
func refMod(x, y float64) float64 {
	r := math.Mod(x, y)
	if r != 0 && math.Signbit(r) != math.Signbit(y) {
		r += y
	}
	return r
}

// refFloorDiv is FloorDiv in float64: the special cases of Python's //,
// and otherwise floor(x/y) of the rounded quotient, corrected where the
// rounding crossed an integer that the exact quotient does not (known
// from the exact remainder).
func refFloorDiv(x, y float64) float64 {
	switch {
	case y == 0 || x != x || y != y:
		return x / y
	case math.IsInf(x, 0):
		return math.NaN()
	case math.IsInf(y, 0):
		if x == 0 || math.Signbit(x) == math.Signbit(y) {
			return math.Copysign(0, x/y)
		}
		return -1
	}
	q := math.Floor(x / y)
	if exact := (x - refMod(x, y)) / y; math.Abs(exact-q) >= 0.5 {
		q = math.Round(exact)
	}
	if q == 0 {
		return math.Copysign(0, x/y)
	}
	return q
}

// refLogAddExp is LogAddExp in float64.
func refLogAddExp(x, y float64) float64 {
	if x == y && math.IsInf(x, 0) {
		return x
	}
	return max(x, y) + math.Log1p(math.Exp(-math.Abs(x-y)))
}
