package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the scalar pieces the pointwise table's loops share, and
// the constructors of its metadata. Products are converted to T before they
// are added, so that no multiply-add is fused and a fused derivative rounds
// as its recorded form does wherever both use the same kernels.

// Input ranges of the checks (OpInfo.Domain).
var (
	anyReal      = [2]float64{-2, 2}
	wide         = [2]float64{-10, 10} // saturating activations
	positiveReal = [2]float64{0.5, 2}  // logarithms and roots
)

// pw starts the metadata of a pointwise op: smooth, one input, no
// parameters.
func pw(name, torch string, domain [2]float64, ref func(x float64, p [2]float64) float64) OpInfo {
	return OpInfo{Name: name, Family: FamilyPointwise, Arity: 1, Domain: domain, Smooth: true, Torch: torch, Ref: ref}
}

// with adds a scalar parameter and the value the tests use.
func (m OpInfo) with(param string, arg float64) OpInfo {
	m.Params = append(m.Params, param)
	m.Args = append(m.Args, arg)
	return m
}

// kinks records where the derivative jumps.
func (m OpInfo) kinks(at ...float64) OpInfo {
	m.Kinks = append(m.Kinks, at...)
	return m
}

// powElem is v^p as tensor.Pow computes it.
func powElem[T Float](v, p T) T {
	switch p {
	case 1:
		return v
	case 2:
		return v * v
	}
	return T(powF64(float64(v), float64(p)))
}

// powF64 is x^y as tensor.Pow and tensor.PowTensor compute it: math.Pow,
// except for a subnormal base x > 0 and a fractional y, where math.Pow
// reads ln x with math.Log, which misreads subnormals on amd64 (Go issue
// 56600): such a base is scaled by 2⁶⁴ first and 2^(-64y) multiplied back.
func powF64(x, y float64) float64 {
	if x > 0 && x < 0x1p-1022 && y != math.Trunc(y) {
		return math.Pow(x*0x1p64, y) * math.Exp2(-64*y)
	}
	return math.Pow(x, y)
}

// logF64 is ln x as tensor.Log computes it, also for a subnormal x, which
// math.Log misreads on amd64 (Go issue 56600).
func logF64(x float64) float64 {
	if x > 0 && x < 0x1p-1022 {
		return math.Log(x*0x1p54) - 54*math.Ln2
	}
	return math.Log(x)
}

// signElem is tensor.Sign of one element: -1, 0 or 1, NaN for NaN.
func signElem[T Float](v T) T {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	case v == 0:
		return 0
	}
	return v
}

// elemNormPDF is φ(x) = e^(-x²/2)/√(2π), built from differentiable operations.
func elemNormPDF[T Float](x *Var[T]) *Var[T] {
	return Scale(Exp(Scale(Square(x), -0.5)), T(1/math.Sqrt(2*math.Pi)))
}

// Constants of the tanh approximation of GELU: √(2/π) and the cubic
// coefficient.
const (
	geluTanhK = 0.7978845608028654
	geluTanhC = 0.044715
)

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
	return whereFlags(mask, Const(tensor.Clamp(x.value, -bound, bound)), x)
}

// elemFlags returns pred of each element of x in row-major order: the
// flags of a select (selGrad, whereFlags) in a recorded derivative.
func elemFlags[T Float](x *tensor.Tensor[T], pred func(T) bool) []bool {
	m := make([]bool, x.Len())
	for i, v := range x.Data() {
		m[i] = pred(v)
	}
	return m
}

// elemPositive returns the mask x > 0 in row-major order.
func elemPositive[T Float](x *tensor.Tensor[T]) []bool {
	return elemFlags(x, func(v T) bool { return v > 0 })
}
