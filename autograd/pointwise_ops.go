package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file is the table of pointwise operations: for each one, its exported
// function with the documentation, and its entry in pointwiseTable with the
// forward kernel, the fused derivative, the recorded derivative and the
// metadata the tests range over. Adding a pointwise op is a constant, an
// entry and the function. Where the derivative can reuse the forward result
// (Sigmoid, Tanh, Exp) it does, so nothing else is saved.

// pointwiseKind indexes the pointwise table.
type pointwiseKind int

const (
	opNeg pointwiseKind = iota
	opScale
	opSquare
	opPow
	opSigmoid
	opTanh
	opReLU
	opExp
	opLog
	opSqrt
	opAbs
	opLog1p
	opExpm1
	opSoftplus
	opLeakyReLU
	opELU
	opGELU
	opNormCDF
	opGELUTanh
	opSiLU
	opSin
	opCos
	opClamp
	opErf
	opSinh
	opCosh
	opErfc
	opTan
	opAsin
	opAcos
	opAtan
	opAsinh
	opAcosh
	opAtanh
	opLog2
	opLog10
	opExp2
	opRsqrt
	opReciprocal
	opLogSigmoid
	opHardtanh
	opHardswish
	opHardsigmoid
	opMish
	opSELU
	opCELU
	opSoftsign
	opFloor
	opCeil
	opRound
	opTrunc
	opSign
	opCbrt
	opSoftshrink
	opHardshrink
	opTanhshrink
	numPointwise // keep last
)

// Neg returns -x.
//
//	d/dx = -g
func Neg[T Float](x *Var[T]) *Var[T] { return pointwise(opNeg, x) }

// Scale returns k·x for a constant k.
//
//	d/dx = k·g
func Scale[T Float](x *Var[T], k T) *Var[T] { return pointwise(opScale, x, k) }

// Square returns x².
//
//	d/dx = 2 g ∘ x
func Square[T Float](x *Var[T]) *Var[T] { return pointwise(opSquare, x) }

// Pow returns x^p for a constant exponent p.
//
//	d/dx = g ∘ p·x^(p-1)
//
// For p = 0 the derivative is +0 everywhere (as in PyTorch), also at x = 0
// and for a NaN x, where 0·x^-1 would be NaN, and whatever the incoming
// gradient is (a blocked gradient, see the package doc).
func Pow[T Float](x *Var[T], p T) *Var[T] { return pointwise(opPow, x, p) }

// Sigmoid returns σ(x) = 1/(1+e^-x), computed without overflow.
//
//	d/dx = g ∘ O ∘ (1 - O), where O = σ(x) is the saved output
func Sigmoid[T Float](x *Var[T]) *Var[T] { return pointwise(opSigmoid, x) }

// Tanh returns the hyperbolic tangent of x.
//
//	d/dx = g ∘ (1 - O²), where O = tanh(x) is the saved output
func Tanh[T Float](x *Var[T]) *Var[T] { return pointwise(opTanh, x) }

// ReLU returns max(x, 0).
//
//	d/dx = g where x > 0, 0 elsewhere
//
// At the kink x = 0 the subgradient 0 is used (as PyTorch does), and a NaN
// x gets 0. The gradient is selected, not multiplied by a mask (PyTorch's
// threshold_backward, JAX's select): where x ≤ 0 it is +0 even for an
// infinite or NaN g. The mask is a constant, so the second derivative is 0.
func ReLU[T Float](x *Var[T]) *Var[T] { return pointwise(opReLU, x) }

// Exp returns e^x.
//
//	d/dx = g ∘ O, where O = e^x is the saved output
func Exp[T Float](x *Var[T]) *Var[T] { return pointwise(opExp, x) }

// Log returns the natural logarithm of x (NaN for x < 0, -Inf at 0).
//
//	d/dx = g / x
func Log[T Float](x *Var[T]) *Var[T] { return pointwise(opLog, x) }

// Sqrt returns √x (NaN below 0).
//
//	d/dx = g / (2·O), where O = √x is the saved output
//
// At x = 0 the derivative is +Inf (and NaN where g is 0 there), as in PyTorch.
func Sqrt[T Float](x *Var[T]) *Var[T] { return pointwise(opSqrt, x) }

// Abs returns |x|.
//
//	d/dx = g ∘ sign(x)
//
// At the kink x = 0 the subgradient 0 is used (sign(0) = 0, as in PyTorch).
// The sign is a constant, so the second derivative is 0.
func Abs[T Float](x *Var[T]) *Var[T] { return pointwise(opAbs, x) }

// Log1p returns log(1 + x), accurate for x near 0.
//
//	d/dx = g / (1 + x)
func Log1p[T Float](x *Var[T]) *Var[T] { return pointwise(opLog1p, x) }

// Expm1 returns e^x - 1, accurate for x near 0.
//
//	d/dx = g ∘ (O + 1) = g ∘ e^x, where O is the saved output
func Expm1[T Float](x *Var[T]) *Var[T] { return pointwise(opExpm1, x) }

// Softplus returns log(1 + e^x), computed stably as log1p(e^-|x|) + max(x, 0):
// finite for every finite x, exact for large |x|.
//
//	d/dx = g ∘ σ(x)
func Softplus[T Float](x *Var[T]) *Var[T] { return pointwise(opSoftplus, x) }

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
//
//	d/dx = g where x > 0, slope·g elsewhere
//
// At the kink x = 0 the subgradient slope is used (PyTorch's rule: the
// derivative is 1 only where x > 0). The mask is a constant, so the second
// derivative is 0.
func LeakyReLU[T Float](x *Var[T], slope T) *Var[T] { return pointwise(opLeakyReLU, x, slope) }

// ELU returns x where x > 0 and alpha·(e^x - 1) elsewhere.
//
//	d/dx = g where x > 0, g ∘ alpha·e^x elsewhere
//
// At x = 0 the derivative is alpha (the left one), as in PyTorch; for
// alpha = 1 both sides agree. alpha·e^x is evaluated with x replaced by 0
// where x > 0, so that the unselected branch stays finite for large x and
// second derivatives never meet 0·Inf. (O + alpha, O the output, would do
// that too, but it cancels to 0 for x below about -37, or -17 in float32,
// where alpha·e^x is still representable.)
func ELU[T Float](x *Var[T], alpha T) *Var[T] { return pointwise(opELU, x, alpha) }

// GELU returns the Gaussian error linear unit x·Φ(x), Φ the standard normal
// CDF, in its exact erf form (PyTorch's approximate='none').
//
//	d/dx = g ∘ (Φ(x) + x·φ(x)),  φ(x) = e^(-x²/2)/√(2π)
//
// Its recorded derivative uses NormCDF, whose derivative is φ written with
// Exp, so it is itself differentiable to any order.
func GELU[T Float](x *Var[T]) *Var[T] { return pointwise(opGELU, x) }

// NormCDF returns Φ(x), the standard normal cumulative distribution
// function (torch.special.ndtr), accurate in the lower tail.
//
//	d/dx = g ∘ φ(x),  φ(x) = e^(-x²/2)/√(2π)
func NormCDF[T Float](x *Var[T]) *Var[T] { return pointwise(opNormCDF, x) }

// GELUTanh returns the tanh approximation of GELU (PyTorch's
// approximate='tanh'):
//
//	GELUTanh(x) = x/2·(1 + tanh(u)) = x·σ(2u),  u = √(2/π)·(x + 0.044715·x³)
//	d/dx = g ∘ (σ(2u) + x·σ(2u)·σ(-2u)·2u'),  u' = √(2/π)·(1 + 3·0.044715·x²)
//
// σ(2u)·σ(-2u) is σ'(2u) without the cancellation of 1 - σ(2u). Beyond
// |x| = 1e10 the derivative equals its limit, 1 or 0, to every digit
// (σ(-2u) underflows from |x| ≈ 22), but x² and u' overflow (in float32 from
// |x| ≈ 1.8e19) and 0·Inf would make it NaN, where PyTorch's is NaN: there
// it is evaluated at ±1e10 instead. ±Inf and NaN are left as they are.
func GELUTanh[T Float](x *Var[T]) *Var[T] { return pointwise(opGELUTanh, x) }

// SiLU returns the sigmoid linear unit (swish) x·σ(x).
//
//	d/dx = g ∘ (σ(x) + x·σ(x)·σ(-x)) = g ∘ σ(x)·(1 + x·(1 - σ(x)))
func SiLU[T Float](x *Var[T]) *Var[T] { return pointwise(opSiLU, x) }

// Sin returns the sine of x.
//
//	d/dx = g ∘ cos(x)
func Sin[T Float](x *Var[T]) *Var[T] { return pointwise(opSin, x) }

// Cos returns the cosine of x.
//
//	d/dx = -g ∘ sin(x)
func Cos[T Float](x *Var[T]) *Var[T] { return pointwise(opCos, x) }

// Clamp returns x limited to [lo, hi]: min(max(x, lo), hi), as in PyTorch
// (when lo > hi every element becomes hi). NaN stays NaN, and a NaN bound
// makes every element NaN, with gradient 0, as in PyTorch.
//
//	d/dx = g where lo ≤ x ≤ hi, 0 elsewhere
//
// At the boundaries x = lo and x = hi the subgradient 1 is used (the interval
// is closed, as in PyTorch), and a NaN x gets 0. The gradient is selected
// (PyTorch's clamp_backward): outside [lo, hi] it is +0 even for an
// infinite or NaN g. The mask is a constant, so the second derivative is 0.
func Clamp[T Float](x *Var[T], lo, hi T) *Var[T] { return pointwise(opClamp, x, lo, hi) }

// Erf returns the error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt.
//
//	d/dx = g ∘ 2/√π·e^(-x²)
func Erf[T Float](x *Var[T]) *Var[T] { return pointwise(opErf, x) }

// Sinh returns the hyperbolic sine of x.
//
//	d/dx = g ∘ cosh(x)
func Sinh[T Float](x *Var[T]) *Var[T] { return pointwise(opSinh, x) }

// Cosh returns the hyperbolic cosine of x.
//
//	d/dx = g ∘ sinh(x)
func Cosh[T Float](x *Var[T]) *Var[T] { return pointwise(opCosh, x) }

// pointwiseTable declares every pointwise op for element type T.
func pointwiseTable[T Float]() [numPointwise]pointwiseDef[T] {
	var tab [numPointwise]pointwiseDef[T]
	tab[opNeg] = pointwiseDef[T]{
		meta: pw("Neg", "-x", anyReal, func(x float64, _ [2]float64) float64 { return -x }).listed(DocArithmetic, ""),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = -s[i]
			}
		},
		df: func(dx, _, _, g *tensor.Tensor[T], _ [2]T) {
			d, gs := each2(dx, g)
			for i := range d {
				d[i] = -gs[i]
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Neg(g) },
	}
	tab[opScale] = pointwiseDef[T]{
		meta: pw("Scale", "k * x", anyReal, func(x float64, p [2]float64) float64 { return p[0] * x }).
			with("k", 1.5).listed(DocArithmetic, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) { tensor.ScaleInto(y, x, p[0]) },
		df: func(dx, _, _, g *tensor.Tensor[T], p [2]T) {
			d, gs := each2(dx, g)
			for i := range d {
				d[i] = p[0] * gs[i]
			}
		},
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] { return Scale(g, p[0]) },
	}
	tab[opSquare] = pointwiseDef[T]{
		meta: pw("Square", "torch.square(x)", anyReal, func(x float64, _ [2]float64) float64 { return x * x }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.MulInto(y, x, x) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] * (2 * xs[i])
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Scale(c.Input(0), 2)) },
	}
	tab[opPow] = pointwiseDef[T]{
		meta: pw("Pow", "torch.pow(x, p)", anyReal, func(x float64, p [2]float64) float64 { return powF64(x, p[0]) }).
			with("p", 3),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = powElem(s[i], p[0])
			}
		},
		df: func(dx, x, y, g *tensor.Tensor[T], p [2]T) {
			if p[0] == 0 {
				zeroGrad(dx, x, y, g, p)
				return
			}
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] * (p[0] * powElem(xs[i], p[0]-1))
			}
		},
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] {
			if p[0] == 0 {
				return zeroBack(c, g, p)
			}
			return Mul(g, Scale(Pow(c.Input(0), p[0]-1), p[0]))
		},
	}
	tab[opSigmoid] = pointwiseDef[T]{
		meta: pw("Sigmoid", "torch.sigmoid(x)", wide, func(x float64, _ [2]float64) float64 { return 1 / (1 + math.Exp(-x)) }).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.SigmoidInto(y, x) },
		df:   func(dx, _, y, g *tensor.Tensor[T], _ [2]T) { tensor.SigmoidGradInto(dx, y, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			o := c.Output()
			return Mul(g, Mul(o, Sub(Scalar(T(1)), o)))
		},
	}
	tab[opTanh] = pointwiseDef[T]{
		meta: pw("Tanh", "torch.tanh(x)", wide, func(x float64, _ [2]float64) float64 { return math.Tanh(x) }).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.TanhInto(y, x) },
		df:   func(dx, _, y, g *tensor.Tensor[T], _ [2]T) { tensor.TanhGradInto(dx, y, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Mul(g, Sub(Scalar(T(1)), Square(c.Output())))
		},
	}
	tab[opReLU] = pointwiseDef[T]{
		meta: pw("ReLU", "torch.relu(x)", anyReal, func(x float64, _ [2]float64) float64 { return max(x, 0) }).
			kinks(0).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], _ [2]T) { tensor.ReLUInto(y, x) },
		// g where x > 0, +0 elsewhere whatever g is (vectorized).
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.ReLUGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return selGrad(elemPositive(c.Input(0).value), g)
		},
	}
	tab[opExp] = pointwiseDef[T]{
		meta: pw("Exp", "torch.exp(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Exp(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.ExpInto(y, x) },
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i := range d {
				d[i] = gs[i] * o[i]
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, c.Output()) },
	}
	tab[opLog] = pointwiseDef[T]{
		meta: pw("Log", "torch.log(x)", positiveReal, func(x float64, _ [2]float64) float64 { return logF64(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.LogInto(y, x) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] / xs[i]
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Div(g, c.Input(0)) },
	}
	tab[opSqrt] = pointwiseDef[T]{
		meta: pw("Sqrt", "torch.sqrt(x)", positiveReal, func(x float64, _ [2]float64) float64 { return math.Sqrt(x) }),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = T(math.Sqrt(float64(s[i])))
			}
		},
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i := range d {
				d[i] = gs[i] / (2 * o[i])
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Div(g, Scale(c.Output(), 2)) },
	}
	tab[opAbs] = pointwiseDef[T]{
		meta: pw("Abs", "torch.abs(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Abs(x) }).
			kinks(0),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = T(math.Abs(float64(s[i])))
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] * signElem(xs[i])
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Mul(g, Const(tensor.Sign(c.Input(0).value)))
		},
	}
	tab[opLog1p] = pointwiseDef[T]{
		meta: pw("Log1p", "torch.log1p(x)", [2]float64{-0.5, 2}, func(x float64, _ [2]float64) float64 { return math.Log1p(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.Log1pInto(y, x) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] / (xs[i] + 1)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Div(g, Add(c.Input(0), Scalar(T(1)))) },
	}
	tab[opExpm1] = pointwiseDef[T]{
		meta: pw("Expm1", "torch.expm1(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Expm1(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.Expm1Into(y, x) },
		df: func(dx, _, y, g *tensor.Tensor[T], _ [2]T) {
			d, o, _, gs := each4(dx, y, y, g)
			for i := range d {
				d[i] = gs[i] * (o[i] + 1)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Add(c.Output(), Scalar(T(1)))) },
	}
	tab[opSoftplus] = pointwiseDef[T]{
		meta: pw("Softplus", "torch.nn.functional.softplus(x)", wide, func(x float64, _ [2]float64) float64 {
			return math.Log1p(math.Exp(-math.Abs(x))) + max(x, 0)
		}).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.SoftplusInto(y, x) },
		df:   func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.SoftplusGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Sigmoid(c.Input(0))) },
	}
	tab[opLeakyReLU] = pointwiseDef[T]{
		meta: pw("LeakyReLU", "torch.nn.functional.leaky_relu(x, slope)", anyReal, func(x float64, p [2]float64) float64 {
			if x > 0 {
				return x
			}
			return p[0] * x
		}).with("slope", 0.1).kinks(0).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			for i, v := range s {
				d[i] = v
				if !(v > 0) {
					d[i] = p[0] * v
				}
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], p [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				w := p[0]
				if xs[i] > 0 {
					w = 1
				}
				d[i] = gs[i] * w
			}
		},
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] {
			w := tensor.Map(c.Input(0).value, func(v T) T {
				if v > 0 {
					return 1
				}
				return p[0]
			})
			return Mul(g, Const(w))
		},
	}
	tab[opELU] = pointwiseDef[T]{
		meta: pw("ELU", "torch.nn.functional.elu(x, alpha)", anyReal, func(x float64, p [2]float64) float64 {
			if x > 0 {
				return x
			}
			return p[0] * math.Expm1(x)
		}).with("alpha", 0.5).kinks(0).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			a := float64(p[0])
			for i, v := range s {
				d[i] = v
				if !(v > 0) {
					d[i] = T(a * math.Expm1(float64(v)))
				}
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], p [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				w := T(1)
				if !(v > 0) {
					w = p[0] * T(math.Exp(float64(v)))
				}
				d[i] = gs[i] * w
			}
		},
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] {
			x := c.Input(0)
			pos := elemPositive(x.value)
			left := Scale(Exp(whereFlags(pos, Scalar(T(0)), x)), p[0]) // alpha·e^min(x, 0)
			return Mul(g, whereFlags(pos, Scalar(T(1)), left))
		},
	}
	tab[opGELU] = pointwiseDef[T]{
		meta: pw("GELU", "torch.nn.functional.gelu(x)", wide, func(x float64, _ [2]float64) float64 {
			return x * 0.5 * math.Erfc(-x/math.Sqrt2)
		}).listed(DocActivations, ""),
		f:  func(y, x *tensor.Tensor[T], _ [2]T) { tensor.GELUInto(y, x) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.GELUGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			x := c.Input(0)
			return Mul(g, Add(NormCDF(x), Mul(x, elemNormPDF(x))))
		},
		fd: func(y, s, x *tensor.Tensor[T], _ [2]T) { tensor.GELUAndGradInto(y, s, x) },
	}
	tab[opNormCDF] = pointwiseDef[T]{
		meta: pw("NormCDF", "torch.special.ndtr(x)", wide, func(x float64, _ [2]float64) float64 {
			return 0.5 * math.Erfc(-x/math.Sqrt2)
		}),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.NormCDFInto(y, x) },
		df:   func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.NormCDFGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, elemNormPDF(c.Input(0))) },
	}
	tab[opGELUTanh] = pointwiseDef[T]{
		meta: pw("GELUTanh", "torch.nn.functional.gelu(x, approximate='tanh')", wide, func(x float64, _ [2]float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}).listed(DocActivations, ""),
		f:  func(y, x *tensor.Tensor[T], _ [2]T) { tensor.GELUTanhInto(y, x) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.GELUTanhGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			x := elemClampFinite(c.Input(0), 1e10)
			x2 := Square(x)
			u2 := Scale(Mul(x, Add(Scalar(T(1)), Scale(x2, geluTanhC))), 2*geluTanhK) // 2u
			du2 := Scale(Add(Scalar(T(1)), Scale(x2, 3*geluTanhC)), 2*geluTanhK)      // 2u'
			s, sn := Sigmoid(u2), Sigmoid(Neg(u2))
			return Mul(g, Add(s, Mul(Mul(Mul(x, s), sn), du2)))
		},
	}
	tab[opSiLU] = pointwiseDef[T]{
		meta: pw("SiLU", "torch.nn.functional.silu(x)", wide, func(x float64, _ [2]float64) float64 { return x / (1 + math.Exp(-x)) }).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.SiLUInto(y, x) },
		df:   func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.SiLUGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			x := c.Input(0)
			s := Sigmoid(x)
			return Mul(g, Add(s, Mul(Mul(x, s), Sigmoid(Neg(x)))))
		},
	}
	tab[opSin] = pointwiseDef[T]{
		meta: pw("Sin", "torch.sin(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Sin(x) }),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = T(math.Sin(float64(s[i])))
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] * T(math.Cos(float64(xs[i])))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Cos(c.Input(0))) },
	}
	tab[opCos] = pointwiseDef[T]{
		meta: pw("Cos", "torch.cos(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Cos(x) }),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = T(math.Cos(float64(s[i])))
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = -(gs[i] * T(math.Sin(float64(xs[i]))))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Neg(Mul(g, Sin(c.Input(0)))) },
	}
	tab[opClamp] = pointwiseDef[T]{
		meta: pw("Clamp", "torch.clamp(x, lo, hi)", anyReal, func(x float64, p [2]float64) float64 {
			return min(max(x, p[0]), p[1])
		}).with("lo", -1).with("hi", 1).kinks(-1, 1),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			if p[0] != p[0] || p[1] != p[1] { // a NaN bound: NaN everywhere, as in PyTorch
				for i := range d {
					d[i] = p[0] + p[1]
				}
				return
			}
			for i, v := range s {
				if v < p[0] {
					v = p[0]
				}
				if v > p[1] {
					v = p[1]
				}
				d[i] = v
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], p [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = selGradElem(p[0] <= v && v <= p[1], gs[i])
			}
		},
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] {
			return selGrad(elemFlags(c.Input(0).value, func(v T) bool { return p[0] <= v && v <= p[1] }), g)
		},
	}
	tab[opErf] = pointwiseDef[T]{
		meta: pw("Erf", "torch.erf(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Erf(x) }),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { tensor.ErfInto(y, x) },
		df:   func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { tensor.ErfGradInto(dx, x, g) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Mul(g, Scale(Exp(Neg(Square(c.Input(0)))), 2/math.SqrtPi))
		},
	}
	tab[opSinh] = pointwiseDef[T]{
		meta: pw("Sinh", "torch.sinh(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Sinh(x) }),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = T(math.Sinh(float64(s[i])))
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] * T(math.Cosh(float64(xs[i])))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Cosh(c.Input(0))) },
	}
	tab[opCosh] = pointwiseDef[T]{
		meta: pw("Cosh", "torch.cosh(x)", anyReal, func(x float64, _ [2]float64) float64 { return math.Cosh(x) }),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			d, s := each2(y, x)
			for i := range d {
				d[i] = T(math.Cosh(float64(s[i])))
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i := range d {
				d[i] = gs[i] * T(math.Sinh(float64(xs[i])))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Sinh(c.Input(0))) },
	}
	pointwiseTableMore(&tab)
	return tab
}
