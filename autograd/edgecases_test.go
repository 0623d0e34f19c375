package autograd_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file runs every op, forward and Backward, in float64 and float32, on
// the edges of floating point: ±0, the smallest subnormal ("tiny": 5e-324,
// or 1.4e-45 in float32), ±1e30 ("big"), values so large that doubling them
// overflows ("huge": 1e308, or 3e38 in float32), ±Inf and NaN. Each row
// states the exact output and gradient, and its note records what was
// decided where PyTorch 1.13 (the reference) differs or the IEEE answer is
// not the obvious one. The rules:
//
//   - Finite inputs never give NaN where the true result is finite, neither
//     in the value nor in the gradient. An op may overflow to ±Inf where the
//     true result is beyond the largest float (Exp(1e30), Square(huge)), and
//     then the row checks that it is the right infinity.
//   - NaN and Inf in an input reach the output (and the gradient, where the
//     derivative depends on that input) rather than vanish. The exceptions:
//     the IEEE ones (x^0 = 1 for a NaN x, as in PyTorch), limits that are
//     finite (Sigmoid(±Inf), Exp(-Inf)), elements an op does not select
//     (Where, Slice, NLL), and the masks documented on each op (ReLU and
//     Clamp pass no gradient to a NaN, Maximum none to the other operand;
//     selects, which give +0 there even for an infinite or NaN incoming
//     gradient: see blocked_grad_test.go).
//   - Anomaly mode names the op that made the first non-finite value, or
//     the first NaN (TestEdgeAnomaly).
//
// TestEdgeCasesCoverEveryOp fails when an exported op has no row with a NaN
// input, or no row with an extreme non-NaN input (±Inf, ±0, subnormal or
// |x| ≥ 1e30), so a new op must come with its edge cases.
//
// Finite values are compared within a relative 1e-13 (float64) or 2e-6
// (float32) and an absolute one subnormal; ±Inf and NaN exactly. Signs of
// zero are not compared (cmp's approximate equality treats -0 and +0 as
// equal).

// edgeFn is the function a row differentiates.
type edgeFn[T autograd.Float] func(x []*autograd.Var[T]) *autograd.Var[T]

// edgeIn is one input of a row: row-major data (as float64, converted to the
// row's type) and its shape (nil for a vector).
type edgeIn struct {
	shape []int
	data  []float64
}

type edgeCase[T autograd.Float] struct {
	op, name string
	in       []edgeIn
	f        edgeFn[T]
	w        []float64   // weights w of the loss Σ out∘w that is differentiated; nil means all 1
	out      []float64   // expected output, row-major
	grad     [][]float64 // expected gradient of each input
	note     string      // what was decided, and how PyTorch differs
}

func edgeUnary[T autograd.Float](f func(*autograd.Var[T]) *autograd.Var[T]) edgeFn[T] {
	return func(x []*autograd.Var[T]) *autograd.Var[T] { return f(x[0]) }
}

func edgeBinary[T autograd.Float](f func(a, b *autograd.Var[T]) *autograd.Var[T]) edgeFn[T] {
	return func(x []*autograd.Var[T]) *autograd.Var[T] { return f(x[0], x[1]) }
}

// edgeNone adapts a loss called with ReduceNone.
func edgeNone[T autograd.Float](f func(a, b *autograd.Var[T], r ...autograd.Reduction) *autograd.Var[T]) edgeFn[T] {
	return func(x []*autograd.Var[T]) *autograd.Var[T] { return f(x[0], x[1], autograd.ReduceNone) }
}

// edgeVec, edgeMat and edgeRep build inputs and expected values.
func edgeVec(xs ...float64) edgeIn              { return edgeIn{data: xs} }
func edgeMat(shape []int, xs ...float64) edgeIn { return edgeIn{shape: shape, data: xs} }
func edgeRep(v float64, n int) []float64        { return edgeFill(make([]float64, n), v) }
func edgeFill(xs []float64, v float64) []float64 {
	for i := range xs {
		xs[i] = v
	}
	return xs
}

// Reference formulas, written independently of the kernels.
func edgeSigma(x float64) float64   { return 1 / (1 + math.Exp(-x)) }
func edgeNormCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
func edgeNormPDF(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }

const edgeGeluK, edgeGeluC = 0.7978845608028654, 0.044715

func edgeGeluTanh(x float64) float64 { return 0.5 * x * (1 + math.Tanh(edgeGeluK*(x+edgeGeluC*x*x*x))) }
func edgeGeluTanhGrad(x float64) float64 {
	th := math.Tanh(edgeGeluK * (x + edgeGeluC*x*x*x))
	return 0.5*(1+th) + 0.5*x*(1-th*th)*edgeGeluK*(1+3*edgeGeluC*x*x)
}

// edgeConsts returns the edge values as T represents them (widened back to
// float64), and whether T is float32.
func edgeConsts[T autograd.Float]() (tiny, big, huge, logTiny float64, is32 bool) {
	var z T
	if _, ok := any(z).(float32); ok {
		return float64(float32(math.SmallestNonzeroFloat32)), float64(float32(1e30)), float64(float32(3e38)), -149 * math.Ln2, true
	}
	return math.SmallestNonzeroFloat64, 1e30, 1e308, -1074 * math.Ln2, false
}

// edgeCases returns the table for one element type.
func edgeCases[T autograd.Float]() []edgeCase[T] {
	tiny, big, huge, logTiny, is32 := edgeConsts[T]()
	inf, nan := math.Inf(1), math.NaN()
	pick := func(f64, f32 float64) float64 {
		if is32 {
			return f32
		}
		return f64
	}
	negZero := math.Copysign(0, -1)
	var tab []edgeCase[T]
	add := func(c edgeCase[T]) { tab = append(tab, c) }

	// ---- Elementwise functions, over one vector of every edge value. ----
	//
	// Columns: 0, -0, tiny, -tiny, 1, -1, big, -big, huge, -huge, +Inf, -Inf, NaN
	specials := edgeVec(0, negZero, tiny, -tiny, 1, -1, big, -big, huge, -huge, inf, -inf, nan)
	un := func(op, name string, f func(*autograd.Var[T]) *autograd.Var[T], out, grad []float64, note string) {
		add(edgeCase[T]{op: op, name: name, in: []edgeIn{specials}, f: edgeUnary(f), out: out, grad: [][]float64{grad}, note: note})
	}
	s1, sm1 := edgeSigma(1), edgeSigma(-1)
	th1 := math.Tanh(1)
	slope := float64(T(0.01))

	un("Neg", "", autograd.Neg[T],
		[]float64{0, 0, -tiny, tiny, -1, 1, -big, big, -huge, huge, -inf, inf, nan},
		edgeRep(-1, 13), "")
	un("Scale", "k=2", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Scale(x, 2) },
		[]float64{0, 0, 2 * tiny, -2 * tiny, 2, -2, 2 * big, -2 * big, inf, -inf, inf, -inf, nan},
		edgeRep(2, 13), "2·huge overflows to the right infinity")
	un("Scale", "k=0", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Scale(x, 0) },
		[]float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, nan, nan, nan},
		edgeRep(0, 13), "0·±Inf is NaN (IEEE, as PyTorch's x*0)")
	un("Sigmoid", "", autograd.Sigmoid[T],
		[]float64{0.5, 0.5, 0.5, 0.5, s1, sm1, 1, 0, 1, 0, 1, 0, nan},
		[]float64{0.25, 0.25, 0.25, 0.25, s1 * sm1, s1 * sm1, 0, 0, 0, 0, 0, 0, nan},
		"stable: e^x/(1+e^x) for x < 0, so σ(-1e30) is 0, not 0/Inf or NaN")
	un("Tanh", "", autograd.Tanh[T],
		[]float64{0, 0, tiny, -tiny, th1, -th1, 1, -1, 1, -1, 1, -1, nan},
		[]float64{1, 1, 1, 1, 1 - th1*th1, 1 - th1*th1, 0, 0, 0, 0, 0, 0, nan}, "")
	un("ReLU", "", autograd.ReLU[T],
		[]float64{0, 0, tiny, 0, 1, 0, big, 0, huge, 0, inf, 0, nan},
		[]float64{0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0},
		"ReLU(NaN) = NaN; its gradient there is +0 whatever g is (the select on x > 0, as jax.nn.relu); PyTorch passes g through")
	un("Exp", "", autograd.Exp[T],
		[]float64{1, 1, 1, 1, math.E, 1 / math.E, inf, 0, inf, 0, inf, 0, nan},
		[]float64{1, 1, 1, 1, math.E, 1 / math.E, inf, 0, inf, 0, inf, 0, nan},
		"Exp(big) legitimately overflows to +Inf")
	un("Log", "", autograd.Log[T],
		[]float64{-inf, -inf, logTiny, nan, 0, nan, math.Log(big), nan, math.Log(huge), nan, inf, nan, nan},
		[]float64{inf, -inf, inf, -inf, 1, -1, 1 / big, -1 / big, 1 / huge, -1 / huge, 0, 0, nan},
		"Log(5e-324) = -744.44 exactly: Go's math.Log on amd64 gives -709.09 for subnormals (go.dev/issue/56600), "+
			"which tensor.Log corrects; 1/tiny overflows to +Inf")
	un("Square", "", autograd.Square[T],
		[]float64{0, 0, 0, 0, 1, 1, pick(1e60, inf), pick(1e60, inf), inf, inf, inf, inf, nan},
		[]float64{0, 0, 2 * tiny, -2 * tiny, 2, -2, 2 * big, -2 * big, inf, -inf, inf, -inf, nan},
		"big² overflows in float32 only")
	un("Pow", "p=3", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Pow(x, 3) },
		[]float64{0, 0, 0, 0, 1, -1, pick(1e90, inf), pick(-1e90, -inf), inf, -inf, inf, -inf, nan},
		[]float64{0, 0, 0, 0, 3, 3, pick(3e60, inf), pick(3e60, inf), inf, inf, inf, inf, nan}, "")
	un("Pow", "p=0.5", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Pow(x, 0.5) },
		[]float64{0, 0, math.Sqrt(tiny), nan, 1, nan, math.Sqrt(big), nan, math.Sqrt(huge), nan, inf, inf, nan},
		[]float64{inf, inf, 0.5 / math.Sqrt(tiny), nan, 0.5, nan, 0.5 / math.Sqrt(big), nan, 0.5 / math.Sqrt(huge), nan, 0, 0, nan},
		"IEEE pow: (-Inf)^0.5 = +Inf and (-0)^-0.5 = +Inf, where PyTorch (which takes sqrt) gives NaN and -Inf")
	un("Pow", "p=0", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Pow(x, 0) },
		edgeRep(1, 13), edgeRep(0, 13),
		"x^0 = 1 even for NaN (IEEE, as PyTorch); the derivative is 0 everywhere: "+
			"it was 0·x^-1 = NaN at ±0, ±tiny and NaN before the fix (PyTorch: 0)")
	un("Pow", "p=-1", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Pow(x, -1) },
		[]float64{inf, -inf, inf, -inf, 1, -1, 1 / big, -1 / big, 1 / huge, -1 / huge, 0, 0, nan},
		[]float64{-inf, -inf, -inf, -inf, -1, -1, pick(-1e-60, 0), pick(-1e-60, 0), 0, 0, 0, 0, nan}, "")
	un("Sqrt", "", autograd.Sqrt[T],
		[]float64{0, 0, math.Sqrt(tiny), nan, 1, nan, math.Sqrt(big), nan, math.Sqrt(huge), nan, inf, nan, nan},
		[]float64{inf, -inf, 0.5 / math.Sqrt(tiny), nan, 0.5, nan, 0.5 / math.Sqrt(big), nan, 0.5 / math.Sqrt(huge), nan, 0, nan, nan},
		"d/dx at ±0 is ±Inf, as in PyTorch")
	un("Abs", "", autograd.Abs[T],
		[]float64{0, 0, tiny, tiny, 1, 1, big, big, huge, huge, inf, inf, nan},
		[]float64{0, 0, 1, -1, 1, -1, 1, -1, 1, -1, 1, -1, nan},
		"sign(NaN) = NaN, so the gradient at NaN is NaN (PyTorch: 0)")
	un("Log1p", "", autograd.Log1p[T],
		[]float64{0, 0, tiny, -tiny, math.Ln2, -inf, math.Log(big), nan, math.Log(huge), nan, inf, nan, nan},
		[]float64{1, 1, 1, 1, 0.5, inf, 1 / big, -1 / big, 1 / huge, -1 / huge, 0, 0, nan},
		"Log1p(huge) is finite (709.2 and 88.6); PyTorch overflows 1+x to Inf there")
	un("Expm1", "", autograd.Expm1[T],
		[]float64{0, 0, tiny, -tiny, math.E - 1, 1/math.E - 1, inf, -1, inf, -1, inf, -1, nan},
		[]float64{1, 1, 1, 1, math.E, 1 / math.E, inf, 0, inf, 0, inf, 0, nan}, "")
	un("Softplus", "", autograd.Softplus[T],
		[]float64{math.Ln2, math.Ln2, math.Ln2, math.Ln2, 1 + math.Log1p(1/math.E), math.Log1p(1 / math.E), big, 0, huge, 0, inf, 0, nan},
		[]float64{0.5, 0.5, 0.5, 0.5, s1, sm1, 1, 0, 1, 0, 1, 0, nan},
		"stable log1p(e^-|x|) + max(x, 0): exact for huge |x|")
	un("LeakyReLU", "slope 0.01", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LeakyReLU(x, T(0.01)) },
		[]float64{0, 0, tiny, 0, 1, -slope, big, -slope * big, huge, -slope * huge, inf, -inf, nan},
		[]float64{slope, slope, 1, slope, 1, slope, 1, slope, 1, slope, 1, slope, slope},
		"a NaN input gets the slope as its derivative (the mask x > 0 is false), as in PyTorch")
	un("ELU", "alpha 1", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ELU(x, 1) },
		[]float64{0, 0, tiny, -tiny, 1, 1/math.E - 1, big, -1, huge, -1, inf, -1, nan},
		[]float64{1, 1, 1, 1, 1, 1 / math.E, 1, 0, 1, 0, 1, 0, nan}, "")
	add(edgeCase[T]{op: "ELU", name: "far left", in: []edgeIn{edgeVec(-50, -20)},
		f:    edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ELU(x, 2) }),
		out:  []float64{2 * math.Expm1(-50), 2 * math.Expm1(-20)},
		grad: [][]float64{{2 * math.Exp(-50), 2 * math.Exp(-20)}},
		note: "the derivative is alpha·e^x, which keeps its digits: it was O + alpha, which cancels to 0 below -37 (float32: -17); PyTorch uses alpha·e^x"})
	un("GELU", "", autograd.GELU[T],
		[]float64{0, 0, 0, 0, edgeNormCDF(1), -edgeNormCDF(-1), big, 0, huge, 0, inf, nan, nan},
		[]float64{0.5, 0.5, 0.5, 0.5, edgeNormCDF(1) + edgeNormPDF(1), edgeNormCDF(-1) - edgeNormPDF(-1), 1, 0, 1, 0, nan, nan, nan},
		"GELU(-Inf) = -Inf·Φ(-Inf) = -Inf·0 = NaN and the derivative at ±Inf is NaN (1 + Inf·0), as in PyTorch")
	un("GELUTanh", "", autograd.GELUTanh[T],
		[]float64{0, 0, 0, 0, edgeGeluTanh(1), edgeGeluTanh(-1), big, 0, huge, 0, inf, nan, nan},
		[]float64{0.5, 0.5, 0.5, 0.5, edgeGeluTanhGrad(1), edgeGeluTanhGrad(-1), 1, 0, 1, 0, nan, nan, nan},
		"the derivative is 1 and 0 (its limits) for huge |x|: it was NaN (0·Inf once x² overflows) for |x| ≥ 1.3e154, "+
			"in float32 ≥ 1.8e19, as in PyTorch; at ±Inf it stays NaN like GELU's")
	un("SiLU", "", autograd.SiLU[T],
		[]float64{0, 0, 0, 0, s1, -sm1, big, 0, huge, 0, inf, nan, nan},
		[]float64{0.5, 0.5, 0.5, 0.5, s1 * (1 + sm1), sm1 * (1 - s1), 1, 0, 1, 0, nan, nan, nan},
		"SiLU(-Inf) = -Inf·0 = NaN and the derivative at ±Inf is NaN, as in PyTorch")
	un("Sin", "", autograd.Sin[T],
		[]float64{0, 0, tiny, -tiny, math.Sin(1), -math.Sin(1), math.Sin(big), -math.Sin(big), math.Sin(huge), -math.Sin(huge), nan, nan, nan},
		[]float64{1, 1, 1, 1, math.Cos(1), math.Cos(1), math.Cos(big), math.Cos(big), math.Cos(huge), math.Cos(huge), nan, nan, nan},
		"sin of a huge argument is reduced exactly (finite, in [-1, 1]); sin(±Inf) = NaN")
	un("Cos", "", autograd.Cos[T],
		[]float64{1, 1, 1, 1, math.Cos(1), math.Cos(1), math.Cos(big), math.Cos(big), math.Cos(huge), math.Cos(huge), nan, nan, nan},
		[]float64{0, 0, -tiny, tiny, -math.Sin(1), math.Sin(1), -math.Sin(big), math.Sin(big), -math.Sin(huge), math.Sin(huge), nan, nan, nan}, "")
	un("Clamp", "[-1, 1]", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Clamp(x, -1, 1) },
		[]float64{0, 0, tiny, -tiny, 1, -1, 1, -1, 1, -1, 1, -1, nan},
		[]float64{1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0},
		"Clamp(NaN) = NaN; the gradient at NaN is 0 (lo ≤ x ≤ hi is false), as in PyTorch")
	nans := []float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan}
	zeros := make([]float64, len(nans))
	un("Clamp", "[NaN, 1]", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Clamp(x, T(nan), 1) }, nans, zeros,
		"a NaN bound makes every element NaN, with gradient 0, as in PyTorch (it used to be ignored)")
	un("Clamp", "[-1, NaN]", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Clamp(x, -1, T(nan)) }, nans, zeros, "")

	// ---- Broadcasting binary ops, over pairs (a[i], b[i]). ----
	//
	// Columns: (1,NaN) (Inf,Inf) (Inf,-Inf) (-Inf,1) (0,Inf) (NaN,1) (1,0) (huge,huge) (-huge,-huge) (tiny,tiny) (big,-big) (-0,0)
	pa := edgeVec(1, inf, inf, -inf, 0, nan, 1, huge, -huge, tiny, big, negZero)
	pb := edgeVec(nan, inf, -inf, 1, inf, 1, 0, huge, -huge, tiny, -big, 0)
	bin := func(op string, f func(a, b *autograd.Var[T]) *autograd.Var[T], out, ga, gb []float64, note string) {
		add(edgeCase[T]{op: op, in: []edgeIn{pa, pb}, f: edgeBinary(f), out: out, grad: [][]float64{ga, gb}, note: note})
	}
	bin("Add", autograd.Add[T],
		[]float64{nan, inf, nan, -inf, inf, nan, 1, inf, -inf, 2 * tiny, 0, 0},
		edgeRep(1, 12), edgeRep(1, 12), "huge + huge overflows to +Inf; Inf - Inf is NaN")
	bin("Sub", autograd.Sub[T],
		[]float64{nan, nan, inf, -inf, -inf, nan, 1, 0, 0, 0, 2 * big, 0},
		edgeRep(1, 12), edgeRep(-1, 12), "")
	bin("Mul", autograd.Mul[T],
		[]float64{nan, inf, -inf, -inf, nan, nan, 0, inf, inf, 0, pick(-1e60, -inf), 0},
		[]float64{nan, inf, -inf, 1, inf, 1, 0, huge, -huge, tiny, -big, 0},
		[]float64{1, inf, inf, -inf, 0, nan, 1, huge, -huge, tiny, big, 0},
		"0·Inf = NaN; tiny·tiny underflows to 0")
	bin("Div", autograd.Div[T],
		[]float64{nan, nan, nan, -inf, 0, nan, inf, 1, 1, 1, -1, nan},
		[]float64{nan, 0, 0, 1, 0, 1, inf, 1 / huge, -1 / huge, inf, -1 / big, inf},
		[]float64{nan, nan, nan, inf, 0, nan, -inf, -1 / huge, 1 / huge, -inf, -1 / big, nan},
		"d/db = -a/b² is computed as -out/b, which overflows only where a/b² does (tiny/tiny²)")
	bin("Maximum", autograd.Maximum[T],
		[]float64{nan, inf, inf, 1, inf, nan, 1, huge, -huge, tiny, big, 0},
		[]float64{0, 0.5, 1, 0, 0, 1, 1, 0.5, 0.5, 0.5, 1, 0.5},
		[]float64{1, 0.5, 0, 1, 1, 0, 0, 0.5, 0.5, 0.5, 0, 0.5},
		"NaN wins and the NaN operand takes the whole gradient (PyTorch gives it to both); ties, ±Inf and -0 = +0 included, split it")
	bin("Minimum", autograd.Minimum[T],
		[]float64{nan, inf, -inf, -inf, 0, nan, 0, huge, -huge, tiny, -big, 0},
		[]float64{0, 0.5, 0, 1, 1, 1, 0, 0.5, 0.5, 0.5, 0, 0.5},
		[]float64{1, 0.5, 1, 0, 0, 0, 1, 0.5, 0.5, 0.5, 1, 0.5}, "as Maximum")

	// PowVar has its own pairs. Columns: base^exponent for
	// (0,0) (tiny,0) (0,2) (0,-1) (-8,1/3) (-2,3) (NaN,0) (1,NaN) (2,NaN) (Inf,2) (2,Inf) (0.5,huge) (huge,0.5) (huge,2)
	add(edgeCase[T]{op: "PowVar",
		in:  []edgeIn{edgeVec(0, tiny, 0, 0, -8, -2, nan, 1, 2, inf, 2, 0.5, huge, huge), edgeVec(0, 0, 2, -1, 1.0/3, 3, 0, nan, nan, 2, inf, huge, 0.5, 2)},
		f:   edgeBinary(autograd.PowVar[T]),
		out: []float64{1, 1, 0, inf, nan, -8, 1, 1, nan, inf, inf, 0, math.Sqrt(huge), inf},
		grad: [][]float64{
			{0, 0, 0, -inf, nan, 12, 0, nan, nan, inf, inf, 0, 0.5 / math.Sqrt(huge), inf},
			{0, logTiny, 0, -inf, nan, nan, nan, 0, nan, inf, inf * math.Ln2, 0, math.Sqrt(huge) * math.Log(huge), inf},
		},
		note: "IEEE pow: NaN^0 = 1 and 1^NaN = 1, as PyTorch. d/dbase at exponent 0 is 0 (PyTorch's convention) also for a subnormal base, " +
			"where it was 0·x^-1 = 0·Inf = NaN; d/dexponent = O·ln x uses the corrected log of a subnormal (-744.44, was -709.09)"})
	add(edgeCase[T]{op: "Where", name: "NaN in the unselected branch",
		in: []edgeIn{edgeVec(nan, nan, inf, 1), edgeVec(1, 2, nan, -inf)},
		f: edgeBinary(func(a, b *autograd.Var[T]) *autograd.Var[T] {
			return autograd.Where(tensor.MustMask([]bool{true, false, true, false}, 4), a, b)
		}),
		out:  []float64{nan, 2, inf, -inf},
		grad: [][]float64{{1, 0, 1, 0}, {0, 1, 0, 1}},
		note: "a NaN that is not selected reaches neither the value nor a gradient, as torch.where"})

	// ---- Reductions. ----
	red := func(op, name string, x edgeIn, f func(*autograd.Var[T]) *autograd.Var[T], out []float64, grad []float64, note string) {
		add(edgeCase[T]{op: op, name: name, in: []edgeIn{x}, f: edgeUnary(f), out: out, grad: [][]float64{grad}, note: note})
	}
	// Rows of m: [1 +Inf] [Inf -Inf] [huge huge] [NaN 1] [tiny tiny]
	m := edgeMat([]int{5, 2}, 1, inf, inf, -inf, huge, huge, nan, 1, tiny, tiny)
	red("Sum", "rows", m, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Sum(x, 1) },
		[]float64{inf, nan, inf, nan, 2 * tiny}, edgeRep(1, 10), "")
	red("Sum", "all", edgeVec(huge, -huge, inf), func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Sum(x) },
		[]float64{inf}, edgeRep(1, 3), "")
	red("SumKeepDims", "rows", m, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.SumKeepDims(x, -1) },
		[]float64{inf, nan, inf, nan, 2 * tiny}, edgeRep(1, 10), "")
	red("Mean", "rows", m, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Mean(x, 1) },
		[]float64{inf, nan, inf, nan, tiny}, edgeRep(0.5, 10),
		"the mean of [huge huge] is +Inf: the sum overflows first, as in PyTorch")
	red("MeanKeepDims", "rows", m, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.MeanKeepDims(x, 1) },
		[]float64{inf, nan, inf, nan, tiny}, edgeRep(0.5, 10), "")
	// Rows of mm: [1 NaN Inf] [-Inf -Inf -Inf] [huge -huge tiny] [-0 0 NaN]
	mm := edgeMat([]int{4, 3}, 1, nan, inf, -inf, -inf, -inf, huge, -huge, tiny, negZero, 0, nan)
	const third = 1.0 / 3 // three tied extrema share the gradient
	red("Max", "rows", mm, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Max(x, 1) },
		[]float64{nan, -inf, huge, nan},
		[]float64{0, 1, 0, third, third, third, 1, 0, 0, 0, 0, 1},
		"NaN is the maximum and the first NaN takes the gradient; ties (-Inf -Inf -Inf) split it evenly, as PyTorch's amax")
	red("Max", "all", mm, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Max(x) },
		[]float64{nan}, []float64{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "the first NaN")
	red("MaxKeepDims", "columns", mm, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.MaxKeepDims(x, 0) },
		[]float64{huge, nan, nan},
		[]float64{0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1}, "")
	red("Min", "rows", mm, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Min(x, 1) },
		[]float64{nan, -inf, -huge, nan},
		[]float64{0, 1, 0, third, third, third, 0, 1, 0, 0, 0, 1}, "")
	red("MinKeepDims", "columns", mm, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.MinKeepDims(x, 0) },
		[]float64{-inf, nan, nan},
		[]float64{0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1}, "")
	// Rows of l: [big big] [Inf 1] [-Inf -Inf] [-Inf 0] [NaN 1] [huge huge] [-huge huge]
	l := edgeMat([]int{7, 2}, big, big, inf, 1, -inf, -inf, -inf, 0, nan, 1, huge, huge, -huge, huge)
	lseGrad := []float64{0.5, 0.5, nan, 0, nan, nan, 0, 1, nan, nan, 0.5, 0.5, 0, 1}
	red("LogSumExp", "rows", l, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LogSumExp(x, 1) },
		[]float64{big, inf, -inf, 0, nan, huge, huge}, lseGrad,
		"m + log Σ e^(x-m): log Σ e^x of [huge huge] is huge + ln 2, not Inf; d/dx = e^(x - O) is NaN at x = O = ±Inf, as in PyTorch")
	red("LogSumExpKeepDims", "rows", l, func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LogSumExpKeepDims(x, -1) },
		[]float64{big, inf, -inf, 0, nan, huge, huge}, lseGrad, "")
	// Variance and Std, one slice per row.
	add(edgeCase[T]{op: "Variance", name: "huge slices",
		in:  []edgeIn{edgeMat([]int{2, 2}, huge, huge, -huge, -huge)},
		f:   edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Variance(x, 1, 1) }),
		out: []float64{0, 0}, grad: [][]float64{edgeRep(0, 4)},
		note: "0: each slice is scaled by a power of two first; it was +Inf with a NaN gradient (the sum in the mean overflowed; PyTorch: +Inf, -Inf)"})
	add(edgeCase[T]{op: "Variance", name: "big and tiny spreads",
		in:   []edgeIn{edgeMat([]int{4, 2}, big, -big, tiny, -tiny, huge, -huge, inf, 1)},
		f:    edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Variance(x, 0, 1) }),
		out:  []float64{pick(1e60, inf), 0, inf, nan},
		grad: [][]float64{{big, -big, tiny, -tiny, huge, -huge, nan, -inf}},
		note: "big² overflows in float32 and huge² in both (the right +Inf), but the gradient (x - mean) stays finite: it was NaN for [huge -huge]. " +
			"A slice with +Inf has NaN variance and gradient [NaN -Inf], as in PyTorch"})
	add(edgeCase[T]{op: "Variance", name: "NaN",
		in:  []edgeIn{edgeVec(nan, 1)},
		f:   edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Variance(x, 1) }),
		out: []float64{nan}, grad: [][]float64{{nan, nan}}})
	add(edgeCase[T]{op: "Std", name: "big and tiny spreads",
		in:   []edgeIn{edgeMat([]int{5, 2}, big, -big, tiny, -tiny, huge, -huge, huge, huge, nan, 1)},
		f:    edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Std(x, 0, -1) }),
		out:  []float64{big, tiny, huge, 0, nan},
		grad: [][]float64{{0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0, 0, nan, nan}},
		note: "finite wherever the true value is: the Std of float32 [1e30 -1e30] was +Inf (the variance overflowed) and of [tiny -tiny] 0 " +
			"with a NaN gradient (the squares underflowed). A constant slice has gradient +0 (no derivative there), as PyTorch's masked_fill gives"})

	// ---- LayerNorm over the last axis, no affine map, eps 1e-5. ----
	ln := edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LayerNorm(x, nil, nil, 1, 1e-5) })
	add(edgeCase[T]{op: "LayerNorm", name: "NaN", in: []edgeIn{edgeMat([]int{2, 1}, nan, 5)}, f: ln,
		out: []float64{nan, 0}, grad: [][]float64{{nan, 0}},
		note: "a row of one element normalizes to 0 with gradient 0; a NaN row stays NaN"})
	add(edgeCase[T]{op: "LayerNorm", name: "overflow, infinity, zeros", in: []edgeIn{edgeMat([]int{3, 2}, huge, -huge, inf, 1, 0, 0)}, f: ln,
		w:   []float64{1, 2, 1, 2, 1, 2},
		out: []float64{pick(0, 1), pick(0, -1), nan, nan, 0, 0}, grad: [][]float64{{0, 0, nan, nan, -0.5 / math.Sqrt(1e-5), 0.5 / math.Sqrt(1e-5)}},
		note: "[huge -huge]: in float64 the variance overflows to +Inf, so the output is 0 where the true one is ±1, as in PyTorch (which does not " +
			"rescale either); float32 statistics are kept in float64, so there it is ±1 (to float32's rounding). A row with +Inf is NaN; " +
			"a constant row is 0, with gradient (w - mean w)/√eps"})

	// ---- Softmax family, along the last axis, with weights [1 2] per row. ----
	// Rows of sm: [big -big] [huge -huge] [Inf 1] [-Inf 0] [NaN 1] [-Inf -Inf] [tiny 0] [huge huge]
	sm := edgeMat([]int{8, 2}, big, -big, huge, -huge, inf, 1, -inf, 0, nan, 1, -inf, -inf, tiny, 0, huge, huge)
	w12 := []float64{1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2}
	add(edgeCase[T]{op: "Softmax", in: []edgeIn{sm}, w: w12,
		f:    edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Softmax(x, -1) }),
		out:  []float64{1, 0, 1, 0, nan, nan, 0, 1, nan, nan, nan, nan, 0.5, 0.5, 0.5, 0.5},
		grad: [][]float64{{0, 0, 0, 0, nan, nan, 0, 0, nan, nan, nan, nan, -0.25, 0.25, -0.25, 0.25}},
		note: "a row with +Inf, or only -Inf, is NaN (Inf - Inf after subtracting the maximum), exactly as in PyTorch"})
	add(edgeCase[T]{op: "LogSoftmax", in: []edgeIn{sm}, w: w12,
		f:    edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LogSoftmax(x, -1) }),
		out:  []float64{0, -2 * big, 0, -inf, nan, nan, -inf, 0, nan, nan, nan, nan, -math.Ln2, -math.Ln2, -math.Ln2, -math.Ln2},
		grad: [][]float64{{-2, 2, -2, 2, nan, nan, 1, -1, nan, nan, nan, nan, -0.5, 0.5, -0.5, 0.5}},
		note: "finite for finite inputs except where -2·huge itself overflows (the right -Inf); NaN rows as Softmax, as in PyTorch"})
	// Rows: [big -big] label 1, [-Inf 0] label 1, [-Inf 0] label 0, [huge -huge] label 1, [NaN 1] label 1
	add(edgeCase[T]{op: "CrossEntropy",
		in: []edgeIn{edgeMat([]int{5, 2}, big, -big, -inf, 0, -inf, 0, huge, -huge, nan, 1)},
		f: edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] {
			return autograd.CrossEntropy(x, []int{1, 1, 0, 1, 1}, autograd.ReduceNone)
		}),
		out:  []float64{2 * big, 0, inf, inf, nan},
		grad: [][]float64{{1, -1, 0, 0, -1, 1, 1, -1, nan, nan}},
		note: "stable (log-softmax): 2e30, not Inf or NaN; a -Inf logit on the label gives +Inf with a finite gradient"})
	add(edgeCase[T]{op: "NLL",
		in: []edgeIn{edgeMat([]int{3, 2}, -inf, 0, 0, -inf, nan, 0)},
		f: edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] {
			return autograd.NLL(x, []int{1, 1, 1}, autograd.ReduceNone)
		}),
		out:  []float64{0, inf, 0},
		grad: [][]float64{{0, -1, 0, -1, 0, -1}},
		note: "only the label's entry is read: -Inf or NaN elsewhere in the row reaches neither the loss nor the gradient (as PyTorch)"})

	// ---- Elementwise losses, per element. ----
	add(edgeCase[T]{op: "MSE",
		in:   []edgeIn{edgeVec(huge, inf, nan, big, tiny), edgeVec(-huge, inf, 1, -big, 0)},
		f:    edgeNone(autograd.MSE[T]),
		out:  []float64{inf, nan, nan, pick(4e60, inf), 0},
		grad: [][]float64{{inf, nan, nan, 4 * big, 2 * tiny}, {-inf, nan, nan, -4 * big, -2 * tiny}},
		note: "huge - (-huge) overflows to +Inf, and so do the loss and 2d (true values beyond the largest float)"})
	add(edgeCase[T]{op: "L1",
		in:   []edgeIn{edgeVec(huge, inf, nan, 1, negZero), edgeVec(-huge, inf, 1, nan, 0)},
		f:    edgeNone(autograd.L1[T]),
		out:  []float64{inf, nan, nan, nan, 0},
		grad: [][]float64{{1, nan, nan, nan, 0}, {-1, nan, nan, nan, 0}},
		note: "sign(NaN) = NaN: a NaN difference gives a NaN gradient (PyTorch: 0)"})
	add(edgeCase[T]{op: "Huber", name: "delta 1",
		in: []edgeIn{edgeVec(huge, inf, 0, nan, 0.5, big), edgeVec(-huge, 0, -inf, 1, 0, -big)},
		f: edgeBinary(func(p, t *autograd.Var[T]) *autograd.Var[T] {
			return autograd.Huber(p, t, 1, autograd.ReduceNone)
		}),
		out:  []float64{inf, inf, inf, nan, 0.125, 2 * big},
		grad: [][]float64{{1, 1, 1, nan, 0.5, 1}, {-1, -1, -1, nan, -0.5, -1}},
		note: "the gradient clamp(d, ±delta) is ±delta for an infinite d: it was d·0 + delta = NaN, also for finite float32 [3e38] - [-3e38] (PyTorch: ±1)"})
	// Columns: (0,0) (1,1) (0,1) (1,0) (tiny,0) (NaN,1) (0.5,NaN)
	add(edgeCase[T]{op: "BCE",
		in:  []edgeIn{edgeVec(0, 1, 0, 1, tiny, nan, 0.5), edgeVec(0, 1, 1, 0, 0, 1, nan)},
		f:   edgeNone(autograd.BCE[T]),
		out: []float64{0, 0, 100, 100, tiny, nan, nan},
		grad: [][]float64{
			{0, 0, -1 / float64(T(1e-12)), 1 / float64(T(1e-12)), tiny / float64(T(1e-12)), nan, nan},
			{inf, -inf, inf, -inf, -logTiny, nan, 0},
		},
		note: "logs clamped at -100 and p(1-p) at 1e-12, as PyTorch; d/dtarget is infinite at p = 0 and 1, as PyTorch's"})
	// Columns: (big,1) (-big,1) (huge,0) (-huge,0) (Inf,0) (Inf,1) (-Inf,0) (-Inf,1) (Inf,0.5) (NaN,1) (0,NaN) (-big,tiny)
	add(edgeCase[T]{op: "BCEWithLogits",
		in: []edgeIn{edgeVec(big, -big, huge, -huge, inf, inf, -inf, -inf, inf, nan, 0, -big),
			edgeVec(1, 1, 0, 0, 0, 1, 0, 1, 0.5, 1, nan, tiny)},
		f:   edgeNone(autograd.BCEWithLogits[T]),
		out: []float64{0, big, huge, 0, inf, 0, 0, inf, inf, nan, nan, big * tiny},
		grad: [][]float64{
			{0, -1, 1, 0, 1, 0, 0, -1, 0.5, nan, nan, -tiny},
			{-big, big, -huge, huge, -inf, -inf, inf, inf, -inf, nan, 0, big},
		},
		note: "stable for every finite logit (-big with target tiny is big·tiny exactly, where PyTorch cancels to 0). " +
			"An infinite logit gives the limit: +Inf when confidently wrong, 0 when right; it was NaN for (+Inf, t) and (-Inf, 0) " +
			"(PyTorch: NaN for (+Inf, 1) and every (-Inf, t))"})

	// ---- Linear algebra. ----
	add(edgeCase[T]{op: "MatMul", name: "0·Inf and NaN·0 are NaN",
		in:   []edgeIn{edgeMat([]int{3, 2}, 0, 1, 1, 1, nan, 1), edgeMat([]int{2, 1}, inf, 0)},
		f:    edgeBinary(autograd.MatMul[T]),
		out:  []float64{nan, inf, nan},
		grad: [][]float64{{inf, 0, inf, 0, inf, 0}, {nan, 3}},
		note: "no zero skipping in the kernel: 0·Inf and NaN·0 reach the result"})
	add(edgeCase[T]{op: "MatMul", name: "overflow, vectors",
		in:   []edgeIn{edgeVec(big, -big), edgeVec(big, -big)},
		f:    edgeBinary(autograd.MatMul[T]),
		out:  []float64{pick(2e60, inf)},
		grad: [][]float64{{big, -big}, {big, -big}},
		note: "the dot product overflows in float32 to the right +Inf"})
	add(edgeCase[T]{op: "MatMulT", name: "Aᵀ·B",
		in:   []edgeIn{edgeMat([]int{2, 2}, nan, 1, 2, 3), edgeMat([]int{2, 1}, 0, inf)},
		f:    edgeBinary(func(a, b *autograd.Var[T]) *autograd.Var[T] { return autograd.MatMulT(a, b, true, false) }),
		out:  []float64{nan, inf},
		grad: [][]float64{{0, 0, inf, inf}, {nan, 5}}})
	add(edgeCase[T]{op: "Linear", name: "0·Inf and NaN·w are NaN",
		in:   []edgeIn{edgeMat([]int{2, 2}, 0, 1, nan, 1), edgeMat([]int{2, 2}, inf, 0, 1, 2), edgeVec(0.5, -1)},
		f:    linearOf[T],
		out:  []float64{nan, 1, nan, nan},
		grad: [][]float64{{inf, 2, inf, 2}, {nan, 2, nan, 2}, {2, 2}},
		note: "a finite bias does not mask a NaN product; the NaN in x reaches d/dw only in its column"})
	add(edgeCase[T]{op: "Linear", name: "bias overflow and subnormals",
		in: []edgeIn{edgeMat([]int{3, 2}, big, tiny, huge, 1, tiny, 0), edgeMat([]int{2, 2}, big, 1, 1, negZero),
			edgeVec(huge, tiny)},
		f:    linearOf[T],
		out:  []float64{pick(huge, inf), big, inf, huge, huge, 2 * tiny},
		grad: [][]float64{{big, 1, big, 1, big, 1}, {huge, 1, huge, 1}, {3, 3}},
		note: "the bias is added in the product's sweep: big·big overflows float32, huge·big + huge is +Inf, tiny·1 + tiny is 2·tiny"})
	add(edgeCase[T]{op: "Linear", name: "NaN and -Inf bias",
		in:   []edgeIn{edgeMat([]int{1, 1}, 1), edgeMat([]int{2, 1}, negZero, 2), edgeVec(nan, -inf)},
		f:    linearOf[T],
		out:  []float64{nan, -inf},
		grad: [][]float64{{2}, {1, 1}, {1, 1}},
		note: "a bias reaches only its own column; d/db is Σ_batch g whatever b is"})
	add(edgeCase[T]{op: "Linear", name: "no bias",
		in:   []edgeIn{edgeMat([]int{2, 1}, -inf, tiny), edgeMat([]int{2, 1}, 0, -2)},
		f:    linearOf[T],
		out:  []float64{nan, inf, 0, -2 * tiny},
		grad: [][]float64{{-2, -2}, {-inf, -inf}}})

	// ---- Shape ops: values pass through unchanged, gradients are routed. ----
	xs := edgeMat([]int{2, 3}, nan, inf, -inf, negZero, tiny, huge)
	xsData := xs.data
	shp := func(op, name string, f func(*autograd.Var[T]) *autograd.Var[T], out, grad []float64) {
		add(edgeCase[T]{op: op, name: name, in: []edgeIn{xs}, f: edgeUnary(f), out: out, grad: [][]float64{grad}})
	}
	shp("Transpose", "", autograd.Transpose[T], []float64{nan, negZero, inf, tiny, -inf, huge}, edgeRep(1, 6))
	shp("Reshape", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Reshape(x, 3, 2) }, xsData, edgeRep(1, 6))
	shp("Permute", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Permute(x, 1, 0) },
		[]float64{nan, negZero, inf, tiny, -inf, huge}, edgeRep(1, 6))
	shp("Unsqueeze", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Unsqueeze(x, 0) }, xsData, edgeRep(1, 6))
	shp("Squeeze", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Squeeze(autograd.Unsqueeze(x, 1)) }, xsData, edgeRep(1, 6))
	shp("Expand", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Expand(autograd.Unsqueeze(x, 0), 2, -1, -1) },
		append(append([]float64{}, xsData...), xsData...), edgeRep(2, 6))
	shp("BroadcastTo", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.BroadcastTo(x, 2, 2, 3) },
		append(append([]float64{}, xsData...), xsData...), edgeRep(2, 6))
	shp("SumTo", "columns", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.SumTo(x, 1, 3) },
		[]float64{nan, inf, -inf}, edgeRep(1, 6))
	shp("Slice", "the NaN is not selected", func(x *autograd.Var[T]) *autograd.Var[T] {
		return autograd.Slice(x, autograd.Range{Start: 0, Stop: tensor.End, Step: 1}, autograd.Range{Start: 1, Stop: 3, Step: 1})
	}, []float64{inf, -inf, tiny, huge}, []float64{0, 1, 1, 0, 1, 1})
	shp("Pad", "NaN padding", func(x *autograd.Var[T]) *autograd.Var[T] {
		return autograd.Pad(x, [][2]int{{0, 0}, {1, 0}}, T(math.NaN()))
	}, []float64{nan, nan, inf, -inf, nan, negZero, tiny, huge}, edgeRep(1, 6))
	shp("Concat", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Concat(0, x, x) },
		append(append([]float64{}, xsData...), xsData...), edgeRep(2, 6))
	shp("Stack", "", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.Stack(-1, x, x) },
		[]float64{nan, nan, inf, inf, -inf, -inf, negZero, negZero, tiny, tiny, huge, huge}, edgeRep(2, 6))
	shp("IndexSelect", "repeated index", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.IndexSelect(x, 1, []int{2, 2, 0}) },
		[]float64{-inf, -inf, nan, huge, huge, negZero}, []float64{1, 0, 2, 1, 0, 2})
	shp("Embedding", "NaN and extreme rows, a repeated id", func(w *autograd.Var[T]) *autograd.Var[T] {
		return autograd.Embedding(w, autograd.Const(tensor.MustNew([]T{1, 0, 1}, 3)))
	}, []float64{negZero, tiny, huge, nan, inf, -inf, negZero, tiny, huge}, []float64{1, 1, 1, 2, 2, 2})

	// ---- Convolution and pooling, NCHW. ----
	img := edgeMat([]int{1, 1, 2, 2}, 1, nan, inf, 0)
	add(edgeCase[T]{op: "Conv2D", name: "1x1 kernel",
		in: []edgeIn{img, edgeMat([]int{1, 1, 1, 1}, 2), edgeVec(0.5)},
		f: func(x []*autograd.Var[T]) *autograd.Var[T] {
			return autograd.Conv2D(x[0], x[1], x[2], autograd.Conv2DOptions{})
		},
		out:  []float64{2.5, nan, inf, 0.5},
		grad: [][]float64{edgeRep(2, 4), {nan}, {4}}})
	add(edgeCase[T]{op: "Conv2D", name: "zero weight times Inf",
		in: []edgeIn{edgeMat([]int{1, 1, 1, 2}, inf, huge), edgeMat([]int{1, 1, 1, 2}, 0, 2)},
		f: func(x []*autograd.Var[T]) *autograd.Var[T] {
			return autograd.Conv2D(x[0], x[1], nil, autograd.Conv2DOptions{})
		},
		out:  []float64{nan},
		grad: [][]float64{{0, 2}, {inf, huge}},
		note: "0·Inf = NaN inside the convolution, as in PyTorch; 2·huge overflows"})
	add(edgeCase[T]{op: "MaxPool2D", name: "NaN wins",
		in: []edgeIn{edgeMat([]int{1, 2, 2, 2}, 1, nan, inf, 0, -inf, -inf, -inf, -inf)},
		f: edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] {
			return autograd.MaxPool2D(x, [2]int{2, 2}, [2]int{}, [2]int{})
		}),
		out:  []float64{nan, -inf},
		grad: [][]float64{{0, 1, 0, 0, 1, 0, 0, 0}},
		note: "NaN counts as the maximum (PyTorch too); among tied -Inf the first takes the gradient"})
	add(edgeCase[T]{op: "AvgPool2D",
		in: []edgeIn{edgeMat([]int{1, 3, 2, 2}, 1, inf, 1, 1, huge, huge, 0, 0, nan, 1, 1, 1)},
		f: edgeUnary(func(x *autograd.Var[T]) *autograd.Var[T] {
			return autograd.AvgPool2D(x, [2]int{2, 2}, [2]int{}, [2]int{})
		}),
		out:  []float64{inf, inf, nan},
		grad: [][]float64{edgeRep(0.25, 12)},
		note: "the mean of [huge huge 0 0] is +Inf, as Mean: the window's sum overflows first"})
	return tab
}

// edgeTol returns the relative tolerance for T: the expected values are
// computed in float64, and float32 results are rounded once or twice.
func edgeTol[T autograd.Float]() float64 {
	if _, _, _, _, is32 := edgeConsts[T](); is32 {
		return 2e-6
	}
	return 1e-13
}

func edgeTensor[T autograd.Float](in edgeIn) *tensor.Tensor[T] {
	shape := in.shape
	if shape == nil {
		shape = []int{len(in.data)}
	}
	d := make([]T, len(in.data))
	for i, v := range in.data {
		d[i] = T(v)
	}
	return tensor.MustNew(d, shape...)
}

// edgeSame compares element lists: NaN equals NaN, infinities must match
// exactly, finite values within rtol relative and atol absolute.
func edgeSame(rtol, atol float64) cmp.Options {
	return cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateApprox(rtol, atol)}
}

func runEdgeCases[T autograd.Float](t *testing.T) {
	tiny, _, _, _, _ := edgeConsts[T]()
	rtol := edgeTol[T]()
	for _, tc := range edgeCases[T]() {
		t.Run(strings.TrimSpace(tc.op+"/"+tc.name), func(t *testing.T) {
			defer failOnPanic(t)
			if tc.note != "" {
				t.Log(tc.note)
			}
			opts := edgeSame(rtol, tiny)
			xs := make([]*autograd.Var[T], len(tc.in))
			for i, in := range tc.in {
				xs[i] = autograd.Param(edgeTensor[T](in))
			}
			y := tc.f(xs)
			if d := cmp.Diff(tc.out, viewOf(y.Value()).Data, opts); d != "" {
				t.Errorf("output (-want +got):\n%s", d)
			}
			loss := autograd.Sum(y)
			if tc.w != nil {
				loss = autograd.Sum(autograd.Mul(y, autograd.Const(edgeTensor[T](edgeMat(y.Shape(), tc.w...)))))
			}
			loss.Backward()
			for i, x := range xs {
				if x.Grad() == nil {
					t.Errorf("input %d got no gradient", i)
					continue
				}
				if d := cmp.Diff(tc.grad[i], viewOf(x.Grad()).Data, opts); d != "" {
					t.Errorf("gradient of input %d (-want +got):\n%s", i, d)
				}
			}
		})
	}
}

// TestEdgeCases runs the table in both element types.
func TestEdgeCases(t *testing.T) {
	t.Run("float64", runEdgeCases[float64])
	t.Run("float32", runEdgeCases[float32])
}

// TestEdgeCasesCoverEveryOp fails when an exported op has no row in the
// table with a NaN input, or none with an extreme non-NaN one, or when the
// table names an op that does not exist.
func TestEdgeCasesCoverEveryOp(t *testing.T) {
	ops := exportedOps(t, ".")
	tiny, _, _, _, _ := edgeConsts[float64]()
	hasNaN, hasExtreme := map[string]bool{}, map[string]bool{}
	for _, tc := range edgeCases[float64]() {
		if !ops[tc.op] {
			t.Errorf("the edge-case table has a row for %q, which is not an exported op of the package", tc.op)
		}
		for _, in := range tc.in {
			for _, v := range in.data {
				switch a := math.Abs(v); {
				case math.IsNaN(v):
					hasNaN[tc.op] = true
				case a == 0 || a == tiny || a >= 1e30:
					hasExtreme[tc.op] = true
				}
			}
		}
	}
	for _, op := range autograd.Ops() {
		// By TestOpTableEdges and TestOpTableEdgesAllFamilies.
		hasNaN[op.Name], hasExtreme[op.Name] = true, true
	}
	for _, op := range sortedKeys(ops) {
		if !hasNaN[op] {
			t.Errorf("op %s has no edge-case row with a NaN input: add one to edgeCases", op)
		}
		if !hasExtreme[op] {
			t.Errorf("op %s has no edge-case row with ±0, a subnormal, ±1e30 or beyond, or ±Inf: add one to edgeCases", op)
		}
	}
}

// TestEdgeAnomaly checks that anomaly mode names the op that made the first
// non-finite value from finite ones, or the first NaN from values without
// NaN (±Inf leaves), in both passes and both element types.
func TestEdgeAnomaly(t *testing.T) {
	t.Run("float64", runEdgeAnomaly[float64])
	t.Run("float32", runEdgeAnomaly[float32])
}

func runEdgeAnomaly[T autograd.Float](t *testing.T) {
	_, big, huge, _, _ := edgeConsts[T]()
	inf, nan := math.Inf(1), math.NaN()
	leaf := func(xs ...float64) *autograd.Var[T] {
		p := autograd.Param(edgeTensor[T](edgeVec(xs...)))
		autograd.DetectAnomaly(p)
		return p
	}
	tests := []struct {
		name    string
		run     func()
		phase   string
		op      string
		value   string
		input   int
		fromInf bool
	}{
		{"Log of a negative", func() { autograd.Log(leaf(1, -1)) }, "forward", "Log", "NaN", -1, false},
		{"Log of 0", func() { autograd.Log(autograd.Sub(leaf(1, 2), autograd.Scalar(T(1)))) }, "forward", "Log", "-Inf", -1, false},
		{"Sqrt of -1", func() { autograd.Sqrt(leaf(4, -1)) }, "forward", "Sqrt", "NaN", -1, false},
		{"Div 0/0", func() { autograd.Div(leaf(0), leaf(0)) }, "forward", "Div", "NaN", -1, false},
		{"Exp overflows", func() { autograd.Exp(autograd.Scale(leaf(1), T(1000))) }, "forward", "Exp", "+Inf", -1, false},
		{"Sub Inf - Inf", func() { autograd.Sub(leaf(inf, 1), leaf(inf, 1)) }, "forward", "Sub", "NaN", -1, true},
		{"Mul 0·Inf", func() { autograd.Mul(leaf(0), leaf(inf)) }, "forward", "Mul", "NaN", -1, true},
		{"Softmax of a row with +Inf", func() { autograd.Softmax(leaf(inf, 1), -1) }, "forward", "Softmax", "NaN", -1, true},
		{"Variance overflows", func() { autograd.Variance(leaf(huge, -huge), 1) }, "forward", "Variance", "+Inf", -1, false},
		{"first of a chain", func() {
			x := leaf(2, 3)
			autograd.Sum(autograd.Log(autograd.Log(autograd.Scale(x, 0.5)))) // Log(1) = 0, then Log(0) = -Inf
		}, "forward", "Log", "-Inf", -1, false},
		{"Sqrt backward at 0", func() { autograd.Sum(autograd.Sqrt(leaf(0, 4))).Backward() }, "backward", "Sqrt", "+Inf", 0, false},
		{"GELU backward at +Inf", func() { autograd.Sum(autograd.GELU(leaf(inf, 1))).Backward() }, "backward", "GELU", "NaN", 0, true},
		{"Div backward overflows", func() { autograd.Sum(autograd.Div(autograd.Scalar(T(1)), leaf(0.5/math.Sqrt(huge)))).Backward() },
			"backward", "Div", "-Inf", 1, false}, // 1/b is finite, -1/b² is not
		{"Exp backward 0·Inf", func() { autograd.Sum(autograd.Sigmoid(autograd.Exp(leaf(inf, 1)))).Backward() },
			"backward", "Exp", "NaN", 0, true}, // σ'(e^x) = 0 times e^x = Inf
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := anomalyOf(t, tc.run)
			if e == nil {
				t.Fatalf("no anomaly reported, want %s of %s (%s)", tc.phase, tc.op, tc.value)
			}
			got := fmt.Sprintf("%s %s %s input %d fromInf %v", e.Phase, e.Op, e.Value, e.Input, e.FromInf)
			want := fmt.Sprintf("%s %s %s input %d fromInf %v", tc.phase, tc.op, tc.value, tc.input, tc.fromInf)
			if got != want {
				t.Errorf("anomaly %q\ngot  %s\nwant %s", e, got, want)
			}
			if !strings.Contains(e.Caller, "edgecases_test.go:") {
				t.Errorf("Caller %q does not name this file's line", e.Caller)
			}
		})
	}

	// Edge values that every op above handles without producing a new
	// non-finite value are not reported, in either pass.
	quiet := []struct {
		name string
		run  func()
	}{
		{"stable activations at ±big", func() {
			x := leaf(big, -big, 1)
			ys := []*autograd.Var[T]{autograd.Sigmoid(x), autograd.Tanh(x), autograd.Softplus(x), autograd.SiLU(x), autograd.GELU(x),
				autograd.GELUTanh(x), autograd.ELU(x, 1), autograd.LogSoftmax(x, 0), autograd.Softmax(x, 0), autograd.LogSumExp(x)}
			var s *autograd.Var[T]
			for _, y := range ys {
				if s == nil {
					s = autograd.Sum(y)
				} else {
					s = autograd.Add(s, autograd.Sum(y))
				}
			}
			s.Backward()
		}},
		{"stable losses at ±big", func() {
			x := leaf(big, -big)
			t := autograd.Const(edgeTensor[T](edgeVec(0, 1)))
			autograd.Add(autograd.BCEWithLogits(x, t), autograd.CrossEntropy(x, []int{1})).Backward()
		}},
		{"Variance and Std at ±huge/2", func() {
			x := leaf(huge/4, huge/4, -huge/4)
			autograd.Add(autograd.Std(x, 1), autograd.Variance(autograd.Scale(x, T(1/huge)), 0)).Backward()
		}},
		{"Pow(x, 0) at 0", func() { autograd.Sum(autograd.Pow(leaf(0, 1), 0)).Backward() }},
		{"NaN leaf carried along", func() { autograd.Sum(autograd.Exp(leaf(nan, 1))).Backward() }},
		{"Inf leaf carried along", func() { autograd.Sum(autograd.Exp(leaf(inf, 1))).Backward() }},
	}
	for _, tc := range quiet {
		t.Run(tc.name, func(t *testing.T) {
			if e := anomalyOf(t, tc.run); e != nil {
				t.Errorf("reported an anomaly: %v", e)
			}
		})
	}
}
