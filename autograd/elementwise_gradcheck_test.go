package autograd_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() { moreGradcheckCases = append(moreGradcheckCases, elemCases) }

// elemShapes are the unary shapes: a 0-d scalar, a vector, a matrix, 3-D.
var elemShapes = [][]int{{}, {5}, {2, 3}, {2, 3, 4}}

// elemBinaryShapes are the operand shapes of the binary ops: equal shapes
// and every broadcasting pattern.
var elemBinaryShapes = []struct {
	name string
	a, b []int
}{
	{"0-d scalars", []int{}, []int{}},
	{"vectors", []int{5}, []int{5}},
	{"matrices", []int{2, 3}, []int{2, 3}},
	{"scalar with matrix", []int{}, []int{2, 3}},
	{"matrix with scalar", []int{2, 3}, []int{}},
	{"row [3] with [2 3]", []int{3}, []int{2, 3}},
	{"[2 3] with column [2 1]", []int{2, 3}, []int{2, 1}},
	{"[2 1] with [1 3]", []int{2, 1}, []int{1, 3}},
	{"3-D [2 1 4] with [3 1]", []int{2, 1, 4}, []int{3, 1}},
}

// elemMask returns a deterministic mask of n flags with both values present
// (for n ≥ 2).
func elemMask(n int, seed uint64) []bool {
	rng := newRand(seed)
	m := make([]bool, n)
	for i := range m {
		m[i] = rng.IntN(2) == 0
	}
	if n >= 2 {
		m[0], m[n-1] = true, false
	}
	return m
}

// elemBroadcast returns the broadcast shape of a and b (which must broadcast).
func elemBroadcast(a, b []int) []int {
	s, ok := tensor.BroadcastShapes(a, b)
	if !ok {
		panic(fmt.Sprintf("elemBroadcast: %v and %v do not broadcast", a, b))
	}
	return s
}

func elemNumel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// elemCases are the gradcheck rows of the ops in elementwise.go. Inputs stay
// away from kinks (Abs, LeakyReLU, ELU at 0; Clamp's bounds; ties of
// Maximum and Minimum) and from the edges of the domains (Sqrt, Log1p and
// PowVar's base are checked on positive inputs).
func elemCases() []gradcheckCase {
	var tab []gradcheckCase
	add := func(op, name string, f gradcheck.Func, inputs ...inputSpec) {
		tab = append(tab, gradcheckCase{op: op, name: name, inputs: inputs, f: f})
	}

	unary := []struct {
		op, name string
		f        func(x *V) *V
		kind     inputKind
	}{
		{"Sqrt", "positive", autograd.Sqrt[float64], positive},
		{"Abs", "away from 0", autograd.Abs[float64], nonZero},
		{"Log1p", "", autograd.Log1p[float64], positive},
		{"Log1p", "x > -0.75", func(x *V) *V { return autograd.Log1p(autograd.Scale(x, 0.3)) }, anyReal},
		{"Expm1", "", autograd.Expm1[float64], anyReal},
		{"Softplus", "", autograd.Softplus[float64], anyReal},
		{"Softplus", "saturating", autograd.Softplus[float64], wide},
		{"LeakyReLU", "slope=0.01", func(x *V) *V { return autograd.LeakyReLU(x, 0.01) }, nonZero},
		{"LeakyReLU", "slope=0.2", func(x *V) *V { return autograd.LeakyReLU(x, 0.2) }, nonZero},
		{"LeakyReLU", "slope=-0.5", func(x *V) *V { return autograd.LeakyReLU(x, -0.5) }, nonZero},
		{"ELU", "alpha=1", func(x *V) *V { return autograd.ELU(x, 1) }, nonZero},
		{"ELU", "alpha=0.5", func(x *V) *V { return autograd.ELU(x, 0.5) }, nonZero},
		{"ELU", "alpha=1 saturating", func(x *V) *V { return autograd.ELU(x, 1) }, wide},
		{"GELU", "", autograd.GELU[float64], anyReal},
		{"GELU", "saturating", autograd.GELU[float64], wide},
		{"GELUTanh", "", autograd.GELUTanh[float64], anyReal},
		{"GELUTanh", "saturating", autograd.GELUTanh[float64], wide},
		{"SiLU", "", autograd.SiLU[float64], anyReal},
		{"SiLU", "saturating", autograd.SiLU[float64], wide},
		{"Sin", "", autograd.Sin[float64], anyReal},
		{"Sin", "wide", autograd.Sin[float64], wide},
		{"Cos", "", autograd.Cos[float64], anyReal},
		{"Cos", "wide", autograd.Cos[float64], wide},
		{"Clamp", "[-0.5, 0.75]", func(x *V) *V { return autograd.Clamp(x, -0.5, 0.75) }, anyReal},
		{"Clamp", "[-3, 3] passes all", func(x *V) *V { return autograd.Clamp(x, -3, 3) }, anyReal},
		{"Clamp", "[0, 1] on wide input", func(x *V) *V { return autograd.Clamp(x, 0, 1) }, wide},
	}
	for _, u := range unary {
		for _, s := range elemShapes {
			add(u.op, strings.TrimSpace(u.name+" "+shapeName(s)), func(x []*V) *V { return u.f(x[0]) }, in(u.kind, s...))
		}
	}

	// Maximum and Minimum: every broadcasting pattern, a constant operand,
	// and the same Var twice (a tie everywhere: the halves add up to 1).
	for _, op := range []struct {
		name string
		f    func(a, b *V) *V
	}{{"Maximum", autograd.Maximum[float64]}, {"Minimum", autograd.Minimum[float64]}} {
		for _, s := range elemBinaryShapes {
			add(op.name, s.name, func(x []*V) *V { return op.f(x[0], x[1]) }, in(anyReal, s.a...), in(anyReal, s.b...))
		}
		add(op.name, "same Var twice (ties split)", func(x []*V) *V { return op.f(x[0], x[0]) }, in(anyReal, 2, 3))
		c := in(anyReal, 3).draw(77)
		add(op.name, "constant row operand", func(x []*V) *V { return op.f(x[0], autograd.Const(c)) }, in(anyReal, 2, 3))
		add(op.name, "constant first operand", func(x []*V) *V { return op.f(autograd.Const(c), x[0]) }, in(anyReal, 2, 3))
	}

	// PowVar: positive bases with any exponent, every broadcasting pattern;
	// negative bases with a constant integer exponent; a constant base.
	for _, s := range elemBinaryShapes {
		add("PowVar", "positive base "+s.name, func(x []*V) *V { return autograd.PowVar(x[0], x[1]) }, in(positive, s.a...), in(anyReal, s.b...))
	}
	add("PowVar", "x^x", func(x []*V) *V { return autograd.PowVar(x[0], x[0]) }, in(positive, 2, 3))
	ints := t64([]float64{0, 1, 2, 3, -1, -2}, 2, 3)
	add("PowVar", "any base, constant integer exponents", func(x []*V) *V { return autograd.PowVar(x[0], autograd.Const(ints)) }, in(nonZero, 2, 3))
	e := t64([]float64{0.5, 2.5, 1.5}, 3)
	add("PowVar", "constant base e^y broadcast", func(x []*V) *V { return autograd.PowVar(autograd.Const(e), x[0]) }, in(anyReal, 2, 3))

	// Where: every broadcasting pattern, constant operands, one Var twice.
	for i, s := range elemBinaryShapes {
		bs := elemBroadcast(s.a, s.b)
		m := tensor.MustMask(elemMask(elemNumel(bs), uint64(40+i)), bs...)
		add("Where", s.name, func(x []*V) *V { return autograd.Where(m, x[0], x[1]) }, in(anyReal, s.a...), in(anyReal, s.b...))
	}
	m := tensor.MustMask(elemMask(6, 50), 2, 3)
	c := in(anyReal, 3).draw(51)
	add("Where", "constant b", func(x []*V) *V { return autograd.Where(m, x[0], autograd.Const(c)) }, in(anyReal, 2, 3))
	add("Where", "constant a", func(x []*V) *V { return autograd.Where(m, autograd.Const(c), x[0]) }, in(anyReal, 2, 3))
	add("Where", "same Var twice", func(x []*V) *V { return autograd.Where(m, x[0], x[0]) }, in(anyReal, 2, 3))
	add("Where", "all false: a gets nothing", func(x []*V) *V { return autograd.Where(tensor.FullMask(false, 2, 3), x[1], x[0]) }, in(anyReal, 2, 3), in(anyReal, 3))
	return tab
}

// TestElemGradgradcheck gradchecks the gradients of the ops in
// elementwise.go themselves (Grad with CreateGraph): for
// f(x..., w) = d/dx_k Sum(op(x...) ∘ w), the Jacobian with respect to every
// input, w included, must match finite differences. This proves the
// derivatives are built from differentiable ops, GELU's internal Φ included.
func TestElemGradgradcheck(t *testing.T) {
	mask := tensor.MustMask(elemMask(6, 9), 2, 3)
	cases := []gradgradCase{
		{"Sqrt", func(x []*V) *V { return autograd.Sqrt(x[0]) }, []inputSpec{in(positive, 2, 3)}, []int{2, 3}},
		{"Abs", func(x []*V) *V { return autograd.Abs(x[0]) }, []inputSpec{in(nonZero, 2, 3)}, []int{2, 3}},
		{"Log1p", func(x []*V) *V { return autograd.Log1p(x[0]) }, []inputSpec{in(positive, 2, 3)}, []int{2, 3}},
		{"Expm1", func(x []*V) *V { return autograd.Expm1(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Softplus", func(x []*V) *V { return autograd.Softplus(x[0]) }, []inputSpec{in(wide, 2, 3)}, []int{2, 3}},
		{"LeakyReLU", func(x []*V) *V { return autograd.LeakyReLU(x[0], 0.1) }, []inputSpec{in(nonZero, 2, 3)}, []int{2, 3}},
		{"ELU", func(x []*V) *V { return autograd.ELU(x[0], 0.7) }, []inputSpec{in(nonZero, 2, 3)}, []int{2, 3}},
		{"GELU", func(x []*V) *V { return autograd.GELU(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"GELU wide", func(x []*V) *V { return autograd.GELU(x[0]) }, []inputSpec{in(wide, 2, 3)}, []int{2, 3}},
		{"GELUTanh", func(x []*V) *V { return autograd.GELUTanh(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"SiLU", func(x []*V) *V { return autograd.SiLU(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Sin", func(x []*V) *V { return autograd.Sin(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Cos", func(x []*V) *V { return autograd.Cos(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Clamp", func(x []*V) *V { return autograd.Clamp(x[0], -0.5, 0.5) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Maximum broadcast", func(x []*V) *V { return autograd.Maximum(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 3)}, []int{2, 3}},
		{"Minimum broadcast", func(x []*V) *V { return autograd.Minimum(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 1), in(anyReal, 1, 3)}, []int{2, 3}},
		{"PowVar", func(x []*V) *V { return autograd.PowVar(x[0], x[1]) }, []inputSpec{in(positive, 2, 3), in(anyReal, 2, 3)}, []int{2, 3}},
		{"PowVar broadcast", func(x []*V) *V { return autograd.PowVar(x[0], x[1]) }, []inputSpec{in(positive, 2, 1), in(anyReal, 3)}, []int{2, 3}},
		{"Where broadcast", func(x []*V) *V { return autograd.Where(mask, x[0], x[1]) }, []inputSpec{in(anyReal, 3), in(anyReal, 2, 1)}, []int{2, 3}},
		{"GELU of Sin", func(x []*V) *V { return autograd.GELU(autograd.Sin(x[0])) }, []inputSpec{in(anyReal, 4)}, []int{4}},
	}
	runGradgrad(t, cases, 7000)
}

// TestElemSecondDerivatives compares d²/dx² of the smooth ops, computed by
// differentiating Grad's CreateGraph result, with closed forms.
func TestElemSecondDerivatives(t *testing.T) {
	phi := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	tests := []struct {
		name string
		f    func(x *V) *V
		d2   func(x float64) float64
		xs   []float64
	}{
		{"Sqrt", autograd.Sqrt[float64], func(x float64) float64 { return -0.25 * math.Pow(x, -1.5) }, []float64{0.5, 1, 4}},
		{"Log1p", autograd.Log1p[float64], func(x float64) float64 { return -1 / ((1 + x) * (1 + x)) }, []float64{-0.5, 0, 2}},
		{"Expm1", autograd.Expm1[float64], math.Exp, []float64{-1, 0, 1.5}},
		{"Softplus", autograd.Softplus[float64], func(x float64) float64 { return sig(x) * sig(-x) }, []float64{-3, 0, 2}},
		{"GELU", autograd.GELU[float64], func(x float64) float64 { return phi(x) * (2 - x*x) }, []float64{-2, -0.5, 0, 1, 3}},
		{"SiLU", autograd.SiLU[float64], func(x float64) float64 { s := sig(x); return s * (1 - s) * (2 + x*(1-2*s)) }, []float64{-2, 0, 1.5}},
		{"Sin", autograd.Sin[float64], func(x float64) float64 { return -math.Sin(x) }, []float64{-1, 0.3, 2}},
		{"Cos", autograd.Cos[float64], func(x float64) float64 { return -math.Cos(x) }, []float64{-1, 0.3, 2}},
		{"ELU alpha=2 (x<0)", func(x *V) *V { return autograd.ELU(x, 2) }, func(x float64) float64 {
			if x > 0 {
				return 0
			}
			return 2 * math.Exp(x)
		}, []float64{-2, -0.5, 1}},
		{"Abs", autograd.Abs[float64], func(float64) float64 { return 0 }, []float64{-1, 2}},
		{"Clamp", func(x *V) *V { return autograd.Clamp(x, -1, 1) }, func(float64) float64 { return 0 }, []float64{-2, 0.5, 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer failOnPanic(t)
			x := autograd.Param(t64(tc.xs, len(tc.xs)))
			dy := autograd.Grad([]*V{autograd.Sum(tc.f(x))}, []*V{x}, autograd.CreateGraph())[0]
			d2 := autograd.Grad([]*V{autograd.Sum(dy)}, []*V{x})[0]
			want := make([]float64, len(tc.xs))
			for i, v := range tc.xs {
				want[i] = tc.d2(v)
			}
			checkTensor(t, "d²/dx²", d2.Value(), view([]int{len(tc.xs)}, want...), 1e-12)
		})
	}
}

// TestElemPowVarMixedSecondDerivative checks the Hessian of x^y against
// the closed forms of its three distinct entries.
func TestElemPowVarMixedSecondDerivative(t *testing.T) {
	xv, yv := 1.7, 0.6
	x, y := autograd.Param(tensor.Scalar(xv)), autograd.Param(tensor.Scalar(yv))
	g := autograd.Grad([]*V{autograd.PowVar(x, y)}, []*V{x, y}, autograd.CreateGraph())
	dxx := autograd.Grad([]*V{g[0]}, []*V{x, y}, autograd.RetainGraph())
	dyy := autograd.Grad([]*V{g[1]}, []*V{x, y})
	p, l := math.Pow(xv, yv), math.Log(xv)
	want := map[string]float64{
		"d²/dx²":  yv * (yv - 1) * math.Pow(xv, yv-2),
		"d²/dxdy": math.Pow(xv, yv-1) * (1 + yv*l),
		"d²/dydx": math.Pow(xv, yv-1) * (1 + yv*l),
		"d²/dy²":  p * l * l,
	}
	got := map[string]float64{
		"d²/dx²":  dxx[0].Item(),
		"d²/dxdy": dxx[1].Item(),
		"d²/dydx": dyy[0].Item(),
		"d²/dy²":  dyy[1].Item(),
	}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-12*math.Max(1, math.Abs(w)) {
			t.Errorf("%s = %v, want %v", k, got[k], w)
		}
	}
}

// TestElemGELUThirdDerivative differentiates GELU three times: the internal
// Φ operation's own derivative must be differentiable too.
//
//	GELU''' = φ(x)·(x³ - 4x)
func TestElemGELUThirdDerivative(t *testing.T) {
	xs := []float64{-2, -0.5, 0.3, 1, 2.5}
	x := autograd.Param(t64(xs, len(xs)))
	d1 := autograd.Grad([]*V{autograd.Sum(autograd.GELU(x))}, []*V{x}, autograd.CreateGraph())[0]
	d2 := autograd.Grad([]*V{autograd.Sum(d1)}, []*V{x}, autograd.CreateGraph())[0]
	d3 := autograd.Grad([]*V{autograd.Sum(d2)}, []*V{x})[0]
	want := make([]float64, len(xs))
	for i, v := range xs {
		want[i] = math.Exp(-v*v/2) / math.Sqrt(2*math.Pi) * (v*v*v - 4*v)
	}
	checkTensor(t, "GELU'''", d3.Value(), view([]int{len(xs)}, want...), 1e-12)
}
