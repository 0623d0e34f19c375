package autograd

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file declares the shrinkage activations of torch.nn: Softshrink,
// Hardshrink and Tanhshrink, each its exported function and its entry in
// the pointwise table.

// Softshrink returns x − lambd where x > lambd, x + lambd where
// x < −lambd, and 0 between (soft thresholding, the proximal map of
// lambd·|x|), as torch.nn.functional.softshrink. NaN propagates (torch 1.13
// gives 0; later versions NaN).
//
//	d/dx = g where |x| > lambd, +0 elsewhere (at ±lambd and NaN too)
//
// (torch 1.13 gives +0 at NaN in its vectorized loop and g in its scalar
// one, so by the tensor's length.) It panics with a *UsageError when lambd
// is negative or NaN (torch
// raises an error for a negative one).
func Softshrink[T Float](x *Var[T], lambd T) *Var[T] {
	checkOperands1("Softshrink", x)
	if !(lambd >= 0) {
		panic(usage("Softshrink", fmt.Sprintf("lambd %v must be non-negative", lambd)))
	}
	return pointwise(opSoftshrink, x, lambd)
}

// Hardshrink returns x where |x| > lambd and 0 elsewhere (hard
// thresholding), as torch.nn.functional.hardshrink; a negative lambd keeps
// every element, as in torch. NaN propagates.
//
//	d/dx = g where |x| > lambd, +0 elsewhere (at ±lambd and NaN too, as
//	       Softshrink's)
//
// It panics with a *UsageError when lambd is NaN.
func Hardshrink[T Float](x *Var[T], lambd T) *Var[T] {
	checkOperands1("Hardshrink", x)
	if lambd != lambd {
		panic(usage("Hardshrink", "lambd is NaN"))
	}
	return pointwise(opHardshrink, x, lambd)
}

// Tanhshrink returns x − tanh(x), as torch.nn.functional.tanhshrink,
// computed in float64 and rounded to T once (so a float32 result near 0,
// where the difference cancels, is accurate). It is ±Inf at ±Inf.
//
//	d/dx = g ∘ tanh²(x)
func Tanhshrink[T Float](x *Var[T]) *Var[T] { return pointwise(opTanhshrink, x) }

// softshrinkElem is Softshrink of one value.
func softshrinkElem[T Float](v, l T) T {
	switch {
	case v > l:
		return v - l
	case v < -l:
		return v + l
	case v != v:
		return v
	}
	return 0
}

// shrinkGrad is the fused derivative of Softshrink and Hardshrink: g where
// |x| > lambd, +0 elsewhere.
func shrinkGrad[T Float](dx, x, g *tensor.Tensor[T], l T) {
	d, xs, _, gs := each4(dx, x, x, g)
	for i, v := range xs {
		d[i] = selGradElem(v > l || v < -l, gs[i])
	}
}

// shrinkBack is shrinkGrad written with this package's operations.
func shrinkBack[T Float](x, g *Var[T], l T) *Var[T] {
	return selGrad(elemFlags(x.value, func(v T) bool { return v > l || v < -l }), g)
}

// shrinkEntries declares the entries of this file's ops.
func shrinkEntries[T Float](tab *[numPointwise]pointwiseDef[T]) {
	tab[opSoftshrink] = pointwiseDef[T]{
		meta: pw("Softshrink", "torch.nn.functional.softshrink(x, lambd)", anyReal, func(x float64, p [2]float64) float64 {
			return softshrinkElem(x, p[0])
		}).with("lambd", 0.5).kinks(-0.5, 0.5).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			for i, v := range s {
				d[i] = softshrinkElem(v, p[0])
			}
		},
		df:   func(dx, x, _, g *tensor.Tensor[T], p [2]T) { shrinkGrad(dx, x, g, p[0]) },
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] { return shrinkBack(c.Input(0), g, p[0]) },
	}
	tab[opHardshrink] = pointwiseDef[T]{
		meta: pw("Hardshrink", "torch.nn.functional.hardshrink(x, lambd)", anyReal, func(x float64, p [2]float64) float64 {
			if x >= -p[0] && x <= p[0] {
				return 0
			}
			return x
		}).with("lambd", 0.5).kinks(-0.5, 0.5).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], p [2]T) {
			d, s := each2(y, x)
			for i, v := range s {
				d[i] = v
				if v >= -p[0] && v <= p[0] {
					d[i] = 0
				}
			}
		},
		df:   func(dx, x, _, g *tensor.Tensor[T], p [2]T) { shrinkGrad(dx, x, g, p[0]) },
		back: func(c *Context[T], g *Var[T], p [2]T) *Var[T] { return shrinkBack(c.Input(0), g, p[0]) },
	}
	tab[opTanhshrink] = pointwiseDef[T]{
		meta: pw("Tanhshrink", "torch.nn.functional.tanhshrink(x)", wide, func(x float64, _ [2]float64) float64 {
			return x - math.Tanh(x)
		}).listed(DocActivations, ""),
		f: func(y, x *tensor.Tensor[T], _ [2]T) {
			mapMath(y, x, func(v float64) float64 { return v - math.Tanh(v) })
		},
		df: func(dx, x, _, g *tensor.Tensor[T], _ [2]T) {
			d, xs, _, gs := each4(dx, x, x, g)
			for i, v := range xs {
				t := T(math.Tanh(float64(v)))
				d[i] = gs[i] * T(t*t)
			}
		},
		back: func(c *Context[T], g *Var[T], _ [2]T) *Var[T] { return Mul(g, Square(Tanh(c.Input(0)))) },
	}
}
