package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file declares the activation functions of torch.nn.functional
// beyond those of pointwise_ops.go: each is its exported function and its
// entry in the pointwise table (see pointwise_trig.go for how their values
// and fused derivatives are computed). Each value is PyTorch's documented
// formula evaluated in IEEE arithmetic, so where a formula meets 0·Inf at an
// infinite input (Mish and Hardswish at -Inf, Softsign at ±Inf) the result
// is NaN, as PyTorch's and as SiLU's and GELU's here.

// The constants of SELU (Klambauer et al., 2017), as PyTorch has them.
const (
	seluAlpha = 1.6732632423543772848170429916717
	seluScale = 1.0507009873554804934193349852946
)

// LogSigmoid returns log σ(x) = -log(1 + e^-x), computed stably as
// min(x, 0) - log1p(e^-|x|): finite for every finite x, exact for large |x|.
//
//	d/dx = g ∘ σ(-x)
func LogSigmoid[T Float](x *Var[T]) *Var[T] { return pointwise(opLogSigmoid, x) }

// Hardtanh returns x limited to [minVal, maxVal], as
// torch.nn.functional.hardtanh (PyTorch's defaults are -1 and 1). NaN stays
// NaN.
//
//	d/dx = g where minVal < x < maxVal, 0 elsewhere
//
// At the boundaries the subgradient 0 is used (the interval is open, as in
// PyTorch's hardtanh, unlike Clamp's closed one), and a NaN x gets 0. The
// gradient is selected (PyTorch's hardtanh_backward): outside the interval
// it is +0 even for an infinite or NaN g. The mask is a constant, so the
// second derivative is 0. It panics with a *UsageError when minVal >
// maxVal, as PyTorch refuses them.
func Hardtanh[T Float](x *Var[T], minVal, maxVal T) *Var[T] {
	checkOperands1("Hardtanh", x)
	if minVal > maxVal {
		panic(usage("Hardtanh", fmt.Sprintf("min_val %v is greater than max_val %v", minVal, maxVal)))
	}
	return pointwise(opHardtanh, x, minVal, maxVal)
}

// Hardswish returns x·relu6(x + 3)/6: 0 for x ≤ -3, x for x ≥ 3, and
// x·(x + 3)/6 between (Howard et al., 2019). It is NaN at x = -Inf, where
// the formula is -Inf·0, as PyTorch's.
//
//	d/dx = 0 for x < -3, g ∘ (x/3 + 1/2) for -3 ≤ x ≤ 3, g for x > 3
//
// At the kinks the middle formula is used, as in the scalar loop of
// PyTorch's hardswish_backward: -1/2 at x = -3 (the derivative of the
// right) and 3/2 at x = 3 (the derivative of the left). PyTorch's own
// answer at x = 3 depends on the tensor's length: its vectorized loop,
// which takes most elements of a tensor of 16 float32 or more, gives 1
// there (torch 1.13).
// Where x < -3 the gradient is selected away: +0 even for an infinite or
// NaN g (PyTorch's hardswish_backward).
func Hardswish[T Float](x *Var[T]) *Var[T] { return pointwise(opHardswish, x) }

// Hardsigmoid returns relu6(x + 3)/6: 0 for x ≤ -3, 1 for x ≥ 3, and
// x/6 + 1/2 between.
//
//	d/dx = g/6 where -3 < x < 3, 0 elsewhere
//
// At the kinks x = ±3 the subgradient 0 is used, as in PyTorch, and a NaN x
// gets 0. The gradient is selected (PyTorch's hardsigmoid_backward): outside
// (-3, 3) it is +0 even for an infinite or NaN g. The mask is a constant,
// so the second derivative is 0.
func Hardsigmoid[T Float](x *Var[T]) *Var[T] { return pointwise(opHardsigmoid, x) }

// Mish returns x·tanh(softplus(x)) (Misra, 2019), with the stable Softplus.
// It is NaN at x = -Inf, where the formula is -Inf·0, as PyTorch's.
//
//	d/dx = g ∘ (t + x·σ(x)·(1 - t²)),  t = tanh(softplus(x))
func Mish[T Float](x *Var[T]) *Var[T] { return pointwise(opMish, x) }

// SELU returns the scaled exponential linear unit: scale·x for x > 0 and
// scale·alpha·(e^x - 1) elsewhere, with PyTorch's constants alpha ≈ 1.6733
// and scale ≈ 1.0507.
//
//	d/dx = g ∘ scale where x > 0, g ∘ scale·alpha·e^x elsewhere
//
// At the kink x = 0 the derivative of the left, scale·alpha, is used, as in
// PyTorch. As for ELU, e^x is evaluated with x replaced by 0 where x > 0,
// so that the unselected branch stays finite.
func SELU[T Float](x *Var[T]) *Var[T] { return pointwise(opSELU, x) }

// CELU returns the continuously differentiable ELU: x for x > 0 and
// alpha·(e^(x/alpha) - 1) elsewhere (PyTorch's default alpha is 1, where it
// is ELU with alpha 1).
//
//	d/dx = g where x > 0, g ∘ e^(x/alpha) elsewhere
//
// The first derivative is continuous (1 on both sides of 0), the second
// jumps there from 1/alpha to 0. It panics with a *UsageError when alpha
// is 0 (PyTorch raises a division by zero).
func CELU[T Float](x *Var[T], alpha T) *Var[T] {
	checkOperands1("CELU", x)
	if alpha == 0 {
		panic(usage("CELU", "alpha is 0"))
	}
	return pointwise(opCELU, x, alpha)
}

// Softsign returns x/(1 + |x|). It is NaN at ±Inf, where the formula is
// Inf/Inf, as PyTorch's.
//
//	d/dx = g / (1 + |x|)²
//
// The second derivative jumps at 0 (its sign is that of -x).
func Softsign[T Float](x *Var[T]) *Var[T] { return pointwise(opSoftsign, x) }

// logSigmoidElem is log σ(v) without overflow.
func logSigmoidElem(v float64) float64 { return min(v, 0) - math.Log1p(math.Exp(-math.Abs(v))) }

// hardswishElem is v·relu6(v + 3)/6, the ratio taken first so that no
// product overflows.
func hardswishElem(v float64) float64 { return v * (min(max(v+3, 0), 6) / 6) }

// hardsigmoidElem is relu6(v + 3)/6.
func hardsigmoidElem(v float64) float64 { return min(max(v+3, 0), 6) / 6 }

// softplusElem is log(1 + e^v) without overflow.
func softplusElem(v float64) float64 { return math.Log1p(math.Exp(-math.Abs(v))) + max(v, 0) }

// mishElem is v·tanh(softplus(v)).
func mishElem(v float64) float64 { return v * math.Tanh(softplusElem(v)) }

// mishGradElem is Mish's derivative t + v·σ(v)·(1 - t²), t = tanh(softplus(v)).
func mishGradElem(v float64) float64 {
	t := math.Tanh(softplusElem(v))
	s := 1 / (1 + math.Exp(-v))
	return t + v*s*(1-t*t)
}

// seluElem is SELU at v.
func seluElem(v float64) float64 {
	if v > 0 {
		return seluScale * v
	}
	return seluScale * seluAlpha * math.Expm1(v)
}

// celuElem is CELU at v with parameter alpha (x/alpha computed as
// x·(1/alpha), as PyTorch does).
func celuElem(v, alpha float64) float64 {
	if v > 0 {
		return v
	}
	return alpha * math.Expm1(v*(1/alpha))
}

// openGrad is the fused derivative of Hardtanh and Hardsigmoid: dx = g·w
// where lo < x < hi, and +0 elsewhere (also for NaN and at the kinks)
// whatever g is, as openBack's select.
func openGrad[T Float](dx, x, g *tensor.Tensor[T], lo, hi, w T) {
	d, xs, _, gs := each4(dx, x, x, g)
	for i, v := range xs {
		d[i] = selGradElem(lo < v && v < hi, gs[i]*w)
	}
}

// openBack is openGrad written with this package's operations: g selected
// where lo < x < hi (+0 elsewhere), times w (Hardtanh's w = 1 records no
// product).
func openBack[T Float](x, g *Var[T], lo, hi, w T) *Var[T] {
	sel := selGrad(elemFlags(x.value, func(v T) bool { return lo < v && v < hi }), g)
	if w == 1 {
		return sel
	}
	return Scale(sel, w)
}

// activationEntries declares the entries of this file's ops.
func activationEntries[T Float](tab *[numPointwise]pointwiseDef[T]) {
	tab[opLogSigmoid] = pointwiseDef[T]{
		meta: pw("LogSigmoid", "torch.nn.functional.logsigmoid(x)", wide, func(x float64, _ [2]float64) float64 { return logSigmoidElem(x) }).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, logSigmoidElem) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] * T(1/(1+math.Exp(float64(v)))) // σ(-x)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Sigmoid(Neg(c.Input(0)))) },
	}
	tab[opHardtanh] = pointwiseDef[T]{
		meta: pw("Hardtanh", "torch.nn.functional.hardtanh(x, min_val, max_val)", anyReal, func(x float64, p [2]float64) float64 {
			return min(max(x, p[0]), p[1])
		}).with("min_val", -0.5).with("max_val", 1.5).kinks(-0.5, 1.5).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			for i, v := range s {
				d[i] = min(max(v, p[0]), p[1])
			}
		},
		df:   func(dx, x, _, g *tensor.Tensor[T], p [2]T) { openGrad(dx, x, g, p[0], p[1], 1) },
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] { return openBack(c.Input(0), g, p[0], p[1], 1) },
	}
	tab[opHardswish] = pointwiseDef[T]{
		meta: pw("Hardswish", "torch.nn.functional.hardswish(x)", [2]float64{-5, 5}, func(x float64, _ [2]float64) float64 {
			return hardswishElem(x)
		}).kinks(-3, 3).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, hardswishElem) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				w := T(1)
				if !(v > 3) { // also NaN
					w = T(T(1.0/3)*v) + 0.5
				}
				d[i] = selGradElem(!(v < -3), gs[i]*w)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			// g selected off the flat side x < -3 (+0 there), times the
			// slope, which is 0 there too, so the product is +0.
			x := c.Input(0)
			hi := elemFlags(x.value, func(v T) bool { return v > 3 })
			lo := elemFlags(x.value, func(v T) bool { return v < -3 })
			on := elemFlags(x.value, func(v T) bool { return !(v < -3) })
			mid := Add(Scale(x, T(1.0/3)), Scalar(T(0.5)))
			return Mul(selGrad(on, g), whereFlags(hi, Scalar(T(1)), whereFlags(lo, Scalar(T(0)), mid)))
		},
	}
	tab[opHardsigmoid] = pointwiseDef[T]{
		// Its definition for Torch: torch 1.13's hardsigmoid_backward
		// multiplies by 1/6 rounded to float32 (a relative error of 3e-8,
		// also in float64) and has no derivative of its own.
		meta: pw("Hardsigmoid", "torch.nn.functional.relu6(x + 3) / 6", [2]float64{-5, 5}, func(x float64, _ [2]float64) float64 {
			return hardsigmoidElem(x)
		}).kinks(-3, 3).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, hardsigmoidElem) },
		df:   func(dx, x, _, g *tensor.Tensor[T], _ [2]T) { openGrad(dx, x, g, -3, 3, T(1.0/6)) },
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return openBack(c.Input(0), g, -3, 3, T(1.0/6)) },
	}
	tab[opMish] = pointwiseDef[T]{
		meta: pw("Mish", "torch.nn.functional.mish(x)", wide, func(x float64, _ [2]float64) float64 { return mishElem(x) }).listed(DocActivations, ""),
		f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, mishElem) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				d[i] = gs[i] * T(mishGradElem(float64(v)))
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			x := c.Input(0)
			t := Tanh(Softplus(x))
			return Mul(g, Add(t, Mul(Mul(x, Sigmoid(x)), Sub(Scalar(T(1)), Square(t)))))
		},
	}
	tab[opSELU] = pointwiseDef[T]{
		meta: pw("SELU", "torch.nn.functional.selu(x)", [2]float64{-3, 3}, func(x float64, _ [2]float64) float64 {
			return seluElem(x)
		}).kinks(0).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, seluElem) },
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				w := T(seluScale)
				if !(v > 0) {
					w = T(seluScale*seluAlpha) * T(math.Exp(float64(v)))
				}
				d[i] = gs[i] * w
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			x := c.Input(0)
			pos := elemPositive(x.value)
			left := Scale(Exp(whereFlags(pos, Scalar(T(0)), x)), T(seluScale*seluAlpha)) // scale·alpha·e^min(x, 0)
			return Mul(g, whereFlags(pos, Scalar(T(seluScale)), left))
		},
	}
	tab[opCELU] = pointwiseDef[T]{
		meta: pw("CELU", "torch.nn.functional.celu(x, alpha)", anyReal, func(x float64, p [2]float64) float64 {
			return celuElem(x, p[0])
		}).with("alpha", 0.5).kinks(0).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			a := float64(p[0])
			for i, v := range s {
				d[i] = T(celuElem(float64(v), a))
			}
		},
		df: func(dx, x, _, g *tensor.Tensor[T], p [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			inv := 1 / p[0]
			for i, v := range xs {
				w := T(1)
				if !(v > 0) {
					w = T(math.Exp(float64(inv * v)))
				}
				d[i] = gs[i] * w
			}
		},
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] {
			x := c.Input(0)
			pos := elemPositive(x.value)
			left := Exp(Scale(whereFlags(pos, Scalar(T(0)), x), 1/p[0])) // e^(min(x, 0)/alpha)
			return Mul(g, whereFlags(pos, Scalar(T(1)), left))
		},
	}
	tab[opSoftsign] = pointwiseDef[T]{
		meta: pw("Softsign", "torch.nn.functional.softsign(x)", [2]float64{-4, 4}, func(x float64, _ [2]float64) float64 {
			return x / (1 + math.Abs(x))
		}).kinks(0).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			mapMath(y, x, func(v float64) float64 { return v / (1 + math.Abs(v)) })
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				a := T(math.Abs(float64(v))) + 1
				d[i] = gs[i] / T(a*a)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] {
			return Div(g, Square(Add(Abs(c.Input(0)), Scalar(T(1)))))
		},
	}
}
