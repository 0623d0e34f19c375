package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file declares the trigonometric and hyperbolic pointwise ops beyond
// Sin, Cos, Sinh and Cosh: the tangent and the inverse functions. Like the
// ops of pointwise_ops.go, each is its exported function and its entry in
// the pointwise table. Their forward values are computed with package math
// in float64 and rounded to T once, so a float32 result is the float64
// reference rounded; their fused derivatives compute, element by element,
// what the recorded derivatives compose, in the same order.

// pointwiseTableMore adds the entries declared outside pointwise_ops.go,
// each file's ops by its own function.
func pointwiseTableMore[T Float](tab *[numPointwise]pointwiseDef[T]) {
	trigEntries(tab)
	expLogEntries(tab)
	activationEntries(tab)
	shrinkEntries(tab)
	roundingEntries(tab)
}

// mapMath sets y = f(x) elementwise, f evaluated in float64 and rounded to
// T once.
func mapMath[T Float](y, x *tensor.Tensor[T], f func(float64) float64) {
	d, s := each2(y, x)
	for i, v := range s {
		d[i] = T(f(float64(v)))
	}
}

// sqrtElem is √v as Sqrt computes it for T.
func sqrtElem[T Float](v T) T { return T(math.Sqrt(float64(v))) }

// Tan returns the tangent of x.
//
//	d/dx = g ∘ (1 + O²), where O = tan(x) is the saved output
func Tan[T Float](x *Var[T]) *Var[T] { return pointwise(opTan, x) }

// Asin returns the inverse sine of x, in [-π/2, π/2] (NaN outside [-1, 1]).
//
//	d/dx = g / √(1 - x²)
//
// At x = ±1 the derivative is +Inf, as in PyTorch.
func Asin[T Float](x *Var[T]) *Var[T] { return pointwise(opAsin, x) }

// Acos returns the inverse cosine of x, in [0, π] (NaN outside [-1, 1]).
//
//	d/dx = -g / √(1 - x²)
//
// At x = ±1 the derivative is -Inf, as in PyTorch.
func Acos[T Float](x *Var[T]) *Var[T] { return pointwise(opAcos, x) }

// Atan returns the inverse tangent of x, in (-π/2, π/2).
//
//	d/dx = g / (1 + x²)
func Atan[T Float](x *Var[T]) *Var[T] { return pointwise(opAtan, x) }

// Asinh returns the inverse hyperbolic sine of x.
//
//	d/dx = g / √(x² + 1)
//
// Where x² overflows the derivative is 0, as in PyTorch.
func Asinh[T Float](x *Var[T]) *Var[T] { return pointwise(opAsinh, x) }

// Acosh returns the inverse hyperbolic cosine of x (NaN below 1).
//
//	d/dx = g / √(x² - 1)
//
// At x = 1 the derivative is +Inf, as in PyTorch.
func Acosh[T Float](x *Var[T]) *Var[T] { return pointwise(opAcosh, x) }

// Atanh returns the inverse hyperbolic tangent of x: ±Inf at x = ±1, NaN
// beyond.
//
//	d/dx = g / (1 - x²)
func Atanh[T Float](x *Var[T]) *Var[T] { return pointwise(opAtanh, x) }

// trigEntries declares the entries of this file's ops.
func trigEntries[T Float](tab *[numPointwise]pointwiseDef[T]) {
	unitOpen := [2]float64{-0.9, 0.9}
	tab[opTan] = pointwiseDef[T]{
		meta: pw("Tan", "torch.tan(x)", [2]float64{-1.2, 1.2}, func(x float64, _ [2]float64) float64 { return math.Tan(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Tan) },
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i := range d {
				d[i] = gs[i] * (1 + T(o[i]*o[i]))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Mul(g, Add(Scalar(T(1)), Square(c.Output())))
		},
	}
	tab[opAsin] = pointwiseDef[T]{
		meta: pw("Asin", "torch.asin(x)", unitOpen, func(x float64, _ [2]float64) float64 { return math.Asin(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Asin) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / sqrtElem(1-T(v*v))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Sqrt(Sub(Scalar(T(1)), Square(c.Input(0)))))
		},
	}
	tab[opAcos] = pointwiseDef[T]{
		meta: pw("Acos", "torch.acos(x)", unitOpen, func(x float64, _ [2]float64) float64 { return math.Acos(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Acos) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = -(gs[i] / sqrtElem(1-T(v*v)))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Neg(Div(g, Sqrt(Sub(Scalar(T(1)), Square(c.Input(0))))))
		},
	}
	tab[opAtan] = pointwiseDef[T]{
		meta: pw("Atan", "torch.atan(x)", [2]float64{-3, 3}, func(x float64, _ [2]float64) float64 { return math.Atan(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Atan) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / (1 + T(v*v))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Add(Scalar(T(1)), Square(c.Input(0))))
		},
	}
	tab[opAsinh] = pointwiseDef[T]{
		meta: pw("Asinh", "torch.asinh(x)", [2]float64{-3, 3}, func(x float64, _ [2]float64) float64 { return math.Asinh(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Asinh) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / sqrtElem(T(v*v)+1)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Sqrt(Add(Square(c.Input(0)), Scalar(T(1)))))
		},
	}
	tab[opAcosh] = pointwiseDef[T]{
		meta: pw("Acosh", "torch.acosh(x)", [2]float64{1.2, 3}, func(x float64, _ [2]float64) float64 { return math.Acosh(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Acosh) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / sqrtElem(T(v*v)-1)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Sqrt(Sub(Square(c.Input(0)), Scalar(T(1)))))
		},
	}
	tab[opAtanh] = pointwiseDef[T]{
		meta: pw("Atanh", "torch.atanh(x)", unitOpen, func(x float64, _ [2]float64) float64 { return math.Atanh(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, math.Atanh) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] / (1 - T(v*v))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Sub(Scalar(T(1)), Square(c.Input(0))))
		},
	}
}
