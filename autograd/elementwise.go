package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the elementwise functions beyond the basic arithmetic and
// activations of unary.go: roots and logs, the smooth activations, the
// trigonometric functions, clamping, the broadcasting Maximum, Minimum,
// PowVar and Where. Each forward kernel (package tensor) sits next to its
// derivative, written with this package's operations so that gradients of
// gradients work. Non-differentiable pieces (the masks at kinks and ties) are
// constants, so the second derivative through them is 0.

// Sqrt returns √x (NaN below 0).
//
//	d/dx = g / (2·O), where O = √x is the saved output
//
// At x = 0 the derivative is +Inf (and NaN where g is 0 there), as in PyTorch.
func Sqrt[T Float](x *Var[T]) *Var[T] {
	return record("Sqrt", tensor.Sqrt(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Div(g, Scale(c.Output(), 2))}
	}, x)
}

// Abs returns |x|.
//
//	d/dx = g ∘ sign(x)
//
// At the kink x = 0 the subgradient 0 is used (sign(0) = 0, as in PyTorch).
// The sign is a constant, so the second derivative is 0.
func Abs[T Float](x *Var[T]) *Var[T] {
	return record("Abs", tensor.Abs(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, Const(tensor.Sign(c.Input(0).value)))}
	}, x)
}

// Log1p returns log(1 + x), accurate for x near 0.
//
//	d/dx = g / (1 + x)
func Log1p[T Float](x *Var[T]) *Var[T] {
	return record("Log1p", tensor.Log1p(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Div(g, Add(c.Input(0), Scalar(T(1))))}
	}, x)
}

// Expm1 returns e^x - 1, accurate for x near 0.
//
//	d/dx = g ∘ (O + 1) = g ∘ e^x, where O is the saved output
func Expm1[T Float](x *Var[T]) *Var[T] {
	return record("Expm1", tensor.Expm1(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, Add(c.Output(), Scalar(T(1))))}
	}, x)
}

// Softplus returns log(1 + e^x), computed stably as log1p(e^-|x|) + max(x, 0):
// finite for every finite x, exact for large |x|.
//
//	d/dx = g ∘ σ(x)
func Softplus[T Float](x *Var[T]) *Var[T] {
	return record("Softplus", tensor.Softplus(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, Sigmoid(c.Input(0)))}
	}, x)
}

// LeakyReLU returns x where x > 0 and slope·x elsewhere.
//
//	d/dx = g where x > 0, slope·g elsewhere
//
// At the kink x = 0 the subgradient slope is used (PyTorch's rule: the
// derivative is 1 only where x > 0). The mask is a constant, so the second
// derivative is 0.
func LeakyReLU[T Float](x *Var[T], slope T) *Var[T] {
	return record("LeakyReLU", tensor.LeakyReLU(x.value, slope), func(c *Context[T], g *Var[T]) []*Var[T] {
		d := tensor.Map(c.Input(0).value, func(v T) T {
			if v > 0 {
				return 1
			}
			return slope
		})
		return []*Var[T]{Mul(g, Const(d))}
	}, x)
}

// ELU returns x where x > 0 and alpha·(e^x - 1) elsewhere.
//
//	d/dx = g where x > 0, g ∘ (O + alpha) = g ∘ alpha·e^x elsewhere (O the saved output)
//
// At x = 0 the derivative is alpha (the left one), as in PyTorch; for
// alpha = 1 both sides agree. alpha·e^x is evaluated with x replaced by 0
// where x > 0, so that the unselected branch stays finite for large x and
// second derivatives never meet 0·Inf. (O + alpha would do that too, but
// it cancels to 0 for x below about -37, or -17 in float32, where alpha·e^x
// is still representable.)
func ELU[T Float](x *Var[T], alpha T) *Var[T] {
	return record("ELU", tensor.ELU(x.value, alpha), func(c *Context[T], g *Var[T]) []*Var[T] {
		x := c.Input(0)
		pos := elemPositive(x.value)
		left := Scale(Exp(Where(pos, Scalar(T(0)), x)), alpha) // alpha·e^min(x, 0)
		return []*Var[T]{Mul(g, Where(pos, Scalar(T(1)), left))}
	}, x)
}

// GELU returns the Gaussian error linear unit x·Φ(x), Φ the standard normal
// CDF, in its exact erf form (PyTorch's approximate='none').
//
//	d/dx = g ∘ (Φ(x) + x·φ(x)),  φ(x) = e^(-x²/2)/√(2π)
//
// Φ is recorded as an internal operation whose derivative is φ, written
// with Exp, so the derivative is itself differentiable to any order.
func GELU[T Float](x *Var[T]) *Var[T] {
	return record("GELU", tensor.GELU(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		x := c.Input(0)
		return []*Var[T]{Mul(g, Add(elemNormCDF(x), Mul(x, elemNormPDF(x))))}
	}, x)
}

// elemNormCDF is Φ(x), the standard normal CDF, as a differentiable
// operation (the derivative of GELU needs it).
//
//	d/dx = g ∘ φ(x)
func elemNormCDF[T Float](x *Var[T]) *Var[T] {
	return record("NormCDF", tensor.NormCDF(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, elemNormPDF(c.Input(0)))}
	}, x)
}

// elemNormPDF is φ(x) = e^(-x²/2)/√(2π), built from differentiable operations.
func elemNormPDF[T Float](x *Var[T]) *Var[T] {
	return Scale(Exp(Scale(Square(x), -0.5)), T(1/math.Sqrt(2*math.Pi)))
}

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
func GELUTanh[T Float](x *Var[T]) *Var[T] {
	return record("GELUTanh", tensor.GELUTanh(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		x := elemClampFinite(c.Input(0), 1e10)
		const k, cc = 0.7978845608028654, 0.044715 // √(2/π) and the cubic coefficient
		x2 := Square(x)
		u2 := Scale(Mul(x, Add(Scalar(T(1)), Scale(x2, cc))), 2*k) // 2u
		du2 := Scale(Add(Scalar(T(1)), Scale(x2, 3*cc)), 2*k)      // 2u'
		s, sn := Sigmoid(u2), Sigmoid(Neg(u2))
		return []*Var[T]{Mul(g, Add(s, Mul(Mul(Mul(x, s), sn), du2)))}
	}, x)
}

// elemClampFinite returns x with every finite element beyond ±bound
// replaced by ±bound, or x itself when there is none. The replacement is a
// constant (made with Where), so no gradient flows to those elements; ±Inf
// and NaN are kept.
func elemClampFinite[T Float](x *Var[T], bound T) *Var[T] {
	mask := make([]bool, x.value.Len())
	found := false
	for i, v := range x.value.Data() {
		mask[i] = (v > bound || v < -bound) && v-v == 0
		found = found || mask[i]
	}
	if !found {
		return x
	}
	return Where(mask, Const(tensor.Clamp(x.value, -bound, bound)), x)
}

// SiLU returns the sigmoid linear unit (swish) x·σ(x).
//
//	d/dx = g ∘ (σ(x) + x·σ(x)·σ(-x)) = g ∘ σ(x)·(1 + x·(1 - σ(x)))
func SiLU[T Float](x *Var[T]) *Var[T] {
	return record("SiLU", tensor.SiLU(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		x := c.Input(0)
		s := Sigmoid(x)
		return []*Var[T]{Mul(g, Add(s, Mul(Mul(x, s), Sigmoid(Neg(x)))))}
	}, x)
}

// Sin returns the sine of x.
//
//	d/dx = g ∘ cos(x)
func Sin[T Float](x *Var[T]) *Var[T] {
	return record("Sin", tensor.Sin(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, Cos(c.Input(0)))}
	}, x)
}

// Cos returns the cosine of x.
//
//	d/dx = -g ∘ sin(x)
func Cos[T Float](x *Var[T]) *Var[T] {
	return record("Cos", tensor.Cos(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Neg(Mul(g, Sin(c.Input(0))))}
	}, x)
}

// Clamp returns x limited to [lo, hi]: min(max(x, lo), hi), as in PyTorch
// (when lo > hi every element becomes hi). NaN stays NaN.
//
//	d/dx = g where lo ≤ x ≤ hi, 0 elsewhere
//
// At the boundaries x = lo and x = hi the subgradient 1 is used (the interval
// is closed, as in PyTorch), and a NaN x gets 0. The mask is a constant, so
// the second derivative is 0.
func Clamp[T Float](x *Var[T], lo, hi T) *Var[T] {
	return record("Clamp", tensor.Clamp(x.value, lo, hi), func(c *Context[T], g *Var[T]) []*Var[T] {
		m := tensor.Map(c.Input(0).value, func(v T) T {
			if lo <= v && v <= hi {
				return 1
			}
			return 0
		})
		return []*Var[T]{Mul(g, Const(m))}
	}, x)
}

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

// elemPositive returns the mask x > 0 in row-major order.
func elemPositive[T Float](x *tensor.Tensor[T]) []bool {
	m := make([]bool, x.Len())
	for i, v := range x.Data() {
		m[i] = v > 0
	}
	return m
}
