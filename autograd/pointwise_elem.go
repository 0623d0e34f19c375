package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the scalar pieces the pointwise table's loops share, and
// the constructors of its metadata. Each scalar function rounds exactly as
// the recorded form of the derivative it serves does (every product is
// converted to T before it is added, so that no multiply-add is fused), so
// that a fused derivative and its recorded form agree bit for bit.

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

// copyInto copies src into dst, of the same shape.
func copyInto[T Float](dst, src *tensor.Tensor[T]) { copy(dst.Data(), src.Data()) }

// powElem is v^p as tensor.Pow computes it.
func powElem[T Float](v, p T) T {
	switch p {
	case 1:
		return v
	case 2:
		return v * v
	}
	return T(math.Pow(float64(v), float64(p)))
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

// positive is 1 for v > 0, else 0 (also for NaN), as an int: the compiler
// turns it into a flag-setting instruction, not a branch.
func positive[T Float](v T) int {
	if v > 0 {
		return 1
	}
	return 0
}

// sigmoidElem is σ(v) as tensor.SigmoidInto computes it.
func sigmoidElem[T Float](v T) T {
	if v >= 0 {
		return T(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return T(e / (1 + e))
}

// normCDFElem is Φ(v) as tensor.NormCDF computes it.
func normCDFElem[T Float](v T) T { return T(0.5 * math.Erfc(-float64(v)/math.Sqrt2)) }

// normPDFElem is φ(v) = e^(-v²/2)/√(2π), rounded as elemNormPDF.
func normPDFElem[T Float](v T) T {
	return T(1/math.Sqrt(2*math.Pi)) * T(math.Exp(float64(T(-0.5)*(v*v))))
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

// geluTanhGradElem is GELUTanh's derivative at v, rounded as its recorded
// form (see GELUTanh).
func geluTanhGradElem[T Float](v T) T {
	if (v > 1e10 || v < -1e10) && v-v == 0 {
		v = min(max(v, -1e10), 1e10)
	}
	x2 := v * v
	u2 := T(2*geluTanhK) * (v * (1 + T(T(geluTanhC)*x2)))
	du2 := T(2*geluTanhK) * (1 + T(T(3*geluTanhC)*x2))
	s, sn := sigmoidElem(u2), sigmoidElem(-u2)
	return s + T(T(T(v*s)*sn)*du2)
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

// elemPositive returns the mask x > 0 in row-major order.
func elemPositive[T Float](x *tensor.Tensor[T]) []bool {
	m := make([]bool, x.Len())
	for i, v := range x.Data() {
		m[i] = v > 0
	}
	return m
}
