package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file declares the pointwise powers, exponentials and logarithms
// beyond those of pointwise_ops.go, and Erfc: each is its exported function
// and its entry in the pointwise table (see pointwise_trig.go for how their
// values and fused derivatives are computed).

// Erfc returns the complementary error function 1 - erf(x), accurate where
// erf(x) is near 1 (for large x it keeps the digits 1 - Erf(x) loses).
//
//	d/dx = -g ∘ 2/√π·e^(-x²)
func Erfc[T Float](x *Var[T]) *Var[T] { return pointwise(opErfc, x) }

// Log2 returns the base-2 logarithm of x (NaN for x < 0, -Inf at 0).
//
//	d/dx = g / (x·ln 2)
func Log2[T Float](x *Var[T]) *Var[T] { return pointwise(opLog2, x) }

// Log10 returns the base-10 logarithm of x (NaN for x < 0, -Inf at 0).
//
//	d/dx = g / (x·ln 10)
func Log10[T Float](x *Var[T]) *Var[T] { return pointwise(opLog10, x) }

// Exp2 returns 2^x.
//
//	d/dx = g ∘ O·ln 2, where O = 2^x is the saved output
func Exp2[T Float](x *Var[T]) *Var[T] { return pointwise(opExp2, x) }

// Cbrt returns the cube root of x, negative for negative x (PyTorch has no
// cbrt: torch.sign(x) * torch.abs(x).pow(1 / 3) computes it).
//
//	d/dx = g / (3·O²), where O = ∛x is the saved output
//
// At x = ±0 the derivative is +Inf times the sign of g (NaN where g is 0),
// its limit from both sides.
func Cbrt[T Float](x *Var[T]) *Var[T] { return pointwise(opCbrt, x) }

// Rsqrt returns the reciprocal square root 1/√x (torch.rsqrt): +Inf at 0,
// -Inf at -0, NaN below 0.
//
//	d/dx = -g ∘ O³/2, where O = 1/√x is the saved output
func Rsqrt[T Float](x *Var[T]) *Var[T] { return pointwise(opRsqrt, x) }

// Reciprocal returns 1/x: +Inf at 0 and -Inf at -0, as in IEEE arithmetic
// and PyTorch.
//
//	d/dx = -g ∘ O², where O = 1/x is the saved output
func Reciprocal[T Float](x *Var[T]) *Var[T] { return pointwise(opReciprocal, x) }

// log10Elem is log₁₀(v). math.Log10 misreads subnormals on amd64 (Go issue
// 56600, as math.Log), so those are scaled into the normal range first.
func log10Elem(v float64) float64 {
	if v > 0 && v < 0x1p-1022 {
		return math.Log10(v*0x1p54) - 54*math.Log10(2)
	}
	return math.Log10(v)
}

// rsqrtElem is 1/√v.
func rsqrtElem(v float64) float64 { return 1 / math.Sqrt(v) }

// expLogEntries declares the entries of this file's ops.
func expLogEntries[T Float](tab *[numPointwise]pointwiseDef[T]) {
	tab[opErfc] = pointwiseDef[T]{
		meta: pw("Erfc", "torch.erfc(x)", [2]float64{-3, 3}, func(x float64, _ [2]float64) float64 { return math.Erfc(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Erfc) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			tensor.ErfGradInto(dx, x, g) // Erf's derivative, negated
			d := dx.Data()
			for i := range d {
				d[i] = -d[i]
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Neg(Mul(g, Scale(Exp(Neg(Square(c.Input(0)))), 2/math.SqrtPi)))
		},
	}
	tab[opLog2] = pointwiseDef[T]{
		meta: pw("Log2", "torch.log2(x)", positiveReal, func(x float64, _ [2]float64) float64 { return math.Log2(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Log2) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / (T(math.Ln2) * v)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Div(g, Scale(c.Input(0), T(math.Ln2))) },
	}
	tab[opLog10] = pointwiseDef[T]{
		meta: pw("Log10", "torch.log10(x)", positiveReal, func(x float64, _ [2]float64) float64 { return log10Elem(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, log10Elem) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / (T(math.Ln10) * v)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Div(g, Scale(c.Input(0), T(math.Ln10))) },
	}
	tab[opExp2] = pointwiseDef[T]{
		meta: pw("Exp2", "torch.exp2(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Exp2(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Exp2) },
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i := range d {
				d[i] = gs[i] * (T(math.Ln2) * o[i])
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Scale(c.Output(), T(math.Ln2))) },
	}
	tab[opRsqrt] = pointwiseDef[T]{
		meta: pw("Rsqrt", "torch.rsqrt(x)", positiveReal, func(x float64, _ [2]float64) float64 { return rsqrtElem(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, rsqrtElem) },
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i, v := range o {
				d[i] = gs[i] * (-0.5 * (T(v*v) * v))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			o := c.Output()
			return Mul(g, Scale(Mul(Square(o), o), -0.5))
		},
	}
	tab[opCbrt] = pointwiseDef[T]{
		// The derivative is infinite at 0: the checks keep away from it.
		meta: pw("Cbrt", "torch.sign(x) * torch.abs(x).pow(1 / 3)", anyReal, func(x float64, _ [2]float64) float64 { return math.Cbrt(x) }).kinks(0),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Cbrt) },
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i, v := range o {
				d[i] = gs[i] / (3 * (v * v))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Scale(Square(c.Output()), 3))
		},
	}
	tab[opReciprocal] = pointwiseDef[T]{
		meta: pw("Reciprocal", "torch.reciprocal(x)", positiveReal, func(x float64, _ [2]float64) float64 { return 1 / x }),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i, v := range s {
				d[i] = 1 / v
			}
		},
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i, v := range o {
				d[i] = -(gs[i] * T(v*v))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Neg(Mul(g, Square(c.Output()))) },
	}
}
