package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file declares the rounding pointwise ops and Sign: each is its
// exported function and its entry in the pointwise table. They are
// piecewise constant, so their derivative is PyTorch's zero gradient
// everywhere, also at the jumps: +0 whatever the incoming gradient is, also
// ±Inf or NaN (PyTorch's zeros_like(grad); see the package doc on blocked
// gradients), as Pow's for p = 0 and the zero derivatives of the binary
// ops (zerosLike). The jumps are declared
// to the tests as kinks over the domain they draw from, so that finite
// differences never straddle one.

// Floor returns the greatest integer not above x (torch.floor). ±0, ±Inf
// and NaN stay as they are.
//
//	d/dx = 0
func Floor[T Float](x *Var[T]) *Var[T] { return pointwise(opFloor, x) }

// Ceil returns the least integer not below x (torch.ceil). ±0, ±Inf and NaN
// stay as they are.
//
//	d/dx = 0
func Ceil[T Float](x *Var[T]) *Var[T] { return pointwise(opCeil, x) }

// Round returns x rounded to the nearest integer, halves to the even one
// (torch.round: Round(0.5) = 0, Round(1.5) = 2, Round(-2.5) = -2). ±Inf and
// NaN stay as they are.
//
//	d/dx = 0
func Round[T Float](x *Var[T]) *Var[T] { return pointwise(opRound, x) }

// Trunc returns x rounded toward zero (torch.trunc). ±Inf and NaN stay as
// they are.
//
//	d/dx = 0
func Trunc[T Float](x *Var[T]) *Var[T] { return pointwise(opTrunc, x) }

// Sign returns -1, 0 or 1 as x is negative, zero or positive
// (torch.sign). A NaN x gives NaN, where PyTorch 1.13 gives 0: a NaN is
// never hidden.
//
//	d/dx = 0
func Sign[T Float](x *Var[T]) *Var[T] { return pointwise(opSign, x) }

// zeroGrad is the fused derivative of an op that is constant (the rounding
// ops, Pow for p = 0): dx = +0, whatever g is.
func zeroGrad[T Float](dx, _, _, g *tensor.Tensor[T], _ [2]T) {
	d, _ := each2(dx, g)
	clear(d)
}

// zeroBack is zeroGrad's recorded form: a constant +0 of g's shape.
func zeroBack[T Float](_ *Context[T], g *Var[T], _ [2]T) *Var[T] { return zerosLike(g) }

// steps returns the kinks of a rounding op over [lo, hi]: the values
// first, first+1, ... up to hi.
func steps(first, hi float64) []float64 {
	var at []float64
	for v := first; v <= hi; v++ {
		at = append(at, v)
	}
	return at
}

// roundingEntries declares the entries of this file's ops.
func roundingEntries[T Float](tab *[numPointwise]pointwiseDef[T]) {
	// The jumps over the domain [-3, 3]: at the integers, at the halves for
	// Round, at the nonzero integers for Trunc, at 0 for Sign.
	rounding := func(name, torch, note string, f func(float64) float64, jumps []float64) pointwiseDef[T] {
		return pointwiseDef[T]{
			meta: pw(name, torch, [2]float64{-3, 3}, func(x float64, _ [2]float64) float64 { return f(x) }).kinks(jumps...).listed(DocRounding, note),
			f:    func(y, x *tensor.Tensor[T], _ [2]T) { mapMath(y, x, f) },
			df:   zeroGrad[T],
			back: zeroBack[T],
		}
	}
	tab[opFloor] = rounding("Floor", "torch.floor(x)", "", math.Floor, steps(-3, 3))
	tab[opCeil] = rounding("Ceil", "torch.ceil(x)", "", math.Ceil, steps(-3, 3))
	tab[opRound] = rounding("Round", "torch.round(x)", "halves to even", math.RoundToEven, steps(-2.5, 3))
	tab[opTrunc] = rounding("Trunc", "torch.trunc(x)", "", math.Trunc, []float64{-3, -2, -1, 1, 2, 3})
	tab[opSign] = rounding("Sign", "torch.sign(x)", "", signElem[float64], []float64{0})
}
