package autograd_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// elemGrad returns f's output and the gradient of Sum(f(x)) at x, in T.
func elemGrad[T autograd.Float](f func(x *autograd.Var[T]) *autograd.Var[T], xs ...float64) (out, grad *tensor.Tensor[T]) {
	d := make([]T, len(xs))
	for i, v := range xs {
		d[i] = T(v)
	}
	x := autograd.Param(tensor.MustNew(d, len(d)))
	y := f(x)
	autograd.Sum(y).Backward()
	return y.Value(), x.Grad()
}

// TestElemKnownValues pins values and first derivatives against reference
// numbers (PyTorch's, and closed forms evaluated in float64).
func TestElemKnownValues(t *testing.T) {
	t.Run("float64", testElemKnownValues[float64])
	t.Run("float32", testElemKnownValues[float32])
}

func testElemKnownValues[T autograd.Float](t *testing.T) {
	tol := 1e-14
	if _, ok := any(T(0)).(float32); ok {
		tol = 1e-6
	}
	const k, c = 0.7978845608028654, 0.044715
	geluTanhGrad := func(x float64) float64 {
		th := math.Tanh(k * (x + c*x*x*x))
		return 0.5*(1+th) + 0.5*x*(1-th*th)*k*(1+3*c*x*x)
	}
	phi := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	Phi := func(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	xs := []float64{1, -1, 0, 2.5, -3}
	tests := []struct {
		name     string
		f        func(*autograd.Var[T]) *autograd.Var[T]
		xs       []float64
		out, der []float64
	}{
		{"GELU", autograd.GELU[T], []float64{1, -1, 0},
			[]float64{0.8413447460685429, -0.15865525393145707, 0},
			[]float64{Phi(1) + phi(1), Phi(-1) - phi(-1), 0.5}},
		{"GELUTanh", autograd.GELUTanh[T], []float64{1, -1, 0, 3},
			[]float64{0.8411919906082768, -0.15880800939172324, 0, 0.5 * 3 * (1 + math.Tanh(k*(3+c*27)))},
			[]float64{geluTanhGrad(1), geluTanhGrad(-1), 0.5, geluTanhGrad(3)}},
		{"SiLU", autograd.SiLU[T], xs,
			[]float64{sig(1), -sig(-1), 0, 2.5 * sig(2.5), -3 * sig(-3)},
			[]float64{sig(1) * (1 + sig(-1)), sig(-1) * (1 - sig(1)), 0.5, sig(2.5) * (1 + 2.5*sig(-2.5)), sig(-3) * (1 - 3*sig(3))}},
		{"Softplus", autograd.Softplus[T], xs,
			[]float64{math.Log1p(math.E), math.Log1p(1 / math.E), math.Ln2, math.Log1p(math.Exp(2.5)), math.Log1p(math.Exp(-3))},
			[]float64{sig(1), sig(-1), 0.5, sig(2.5), sig(-3)}},
		{"Sin", autograd.Sin[T], xs,
			[]float64{math.Sin(1), math.Sin(-1), 0, math.Sin(2.5), math.Sin(-3)},
			[]float64{math.Cos(1), math.Cos(-1), 1, math.Cos(2.5), math.Cos(-3)}},
		{"Cos", autograd.Cos[T], xs,
			[]float64{math.Cos(1), math.Cos(-1), 1, math.Cos(2.5), math.Cos(-3)},
			[]float64{-math.Sin(1), -math.Sin(-1), 0, -math.Sin(2.5), -math.Sin(-3)}},
		{"Sqrt", autograd.Sqrt[T], []float64{4, 0.25, 2},
			[]float64{2, 0.5, math.Sqrt2}, []float64{0.25, 1, 0.5 / math.Sqrt2}},
		{"Log1p", autograd.Log1p[T], []float64{1, -0.5, 3},
			[]float64{math.Ln2, -math.Ln2, 2 * math.Ln2}, []float64{0.5, 2, 0.25}},
		{"Expm1", autograd.Expm1[T], []float64{1, -1, 0},
			[]float64{math.E - 1, 1/math.E - 1, 0}, []float64{math.E, 1 / math.E, 1}},
		{"ELU alpha=0.5", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ELU(x, 0.5) }, []float64{2, -1, -0.5},
			[]float64{2, 0.5 * (1/math.E - 1), 0.5 * math.Expm1(-0.5)}, []float64{1, 0.5 / math.E, 0.5 * math.Exp(-0.5)}},
		{"LeakyReLU slope=0.25", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.LeakyReLU(x, 0.25) }, []float64{2, -1},
			[]float64{2, -0.25}, []float64{1, 0.25}},
		{"Abs", autograd.Abs[T], []float64{2, -1.5}, []float64{2, 1.5}, []float64{1, -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, grad := elemGrad(tc.f, tc.xs...)
			checkTensor(t, "value", out, view([]int{len(tc.xs)}, tc.out...), tol)
			checkTensor(t, "derivative", grad, view([]int{len(tc.xs)}, tc.der...), tol)
		})
	}
}

// TestElemExtremes checks the numerically delicate cases in both precisions:
// Softplus for ±1000 (finite and exact, with exact gradients), and Sqrt,
// Log1p and Expm1 near 0, where naive formulas lose every digit.
func TestElemExtremes(t *testing.T) {
	t.Run("float64", testElemExtremes[float64])
	t.Run("float32", testElemExtremes[float32])
}

func testElemExtremes[T autograd.Float](t *testing.T) {
	out, grad := elemGrad(autograd.Softplus[T], 1000, -1000, 40, -40)
	if o, g := out.Data(), grad.Data(); o[0] != 1000 || o[1] != 0 || g[0] != 1 || g[1] != 0 {
		t.Errorf("Softplus(±1000) = %v with gradient %v, want exactly [1000 0] and [1 0]", o[:2], g[:2])
	}
	checkTensor(t, "Softplus(±40)", out, view([]int{4}, 1000, 0, 40+math.Exp(-40), math.Exp(-40)), 1e-6)
	for _, fn := range []struct {
		name string
		f    func(*autograd.Var[T]) *autograd.Var[T]
	}{{"GELU", autograd.GELU[T]}, {"GELUTanh", autograd.GELUTanh[T]}, {"SiLU", autograd.SiLU[T]}, {"ELU", func(x *autograd.Var[T]) *autograd.Var[T] { return autograd.ELU(x, 1) }}} {
		out, grad := elemGrad(fn.f, 1000, -1000)
		checkTensor(t, fn.name+"(±1000)", out, view([]int{2}, 1000, map[string]float64{"ELU": -1}[fn.name]), 1e-12)
		checkTensor(t, fn.name+"'(±1000)", grad, view([]int{2}, 1, 0), 1e-12)
	}

	tiny := 1e-10
	rel := func(got T, want float64) float64 { return math.Abs(float64(got)-want) / math.Abs(want) }
	out, grad = elemGrad(autograd.Expm1[T], tiny)
	if r := rel(out.Data()[0], tiny+tiny*tiny/2); r > 1e-7 {
		t.Errorf("Expm1(1e-10) = %v, relative error %v", out.Data()[0], r)
	}
	if r := rel(grad.Data()[0], 1+tiny); r > 1e-7 {
		t.Errorf("Expm1'(1e-10) = %v, relative error %v", grad.Data()[0], r)
	}
	out, grad = elemGrad(autograd.Log1p[T], tiny, -tiny)
	if r := rel(out.Data()[0], tiny-tiny*tiny/2); r > 1e-7 {
		t.Errorf("Log1p(1e-10) = %v, relative error %v", out.Data()[0], r)
	}
	if r := rel(out.Data()[1], -tiny-tiny*tiny/2); r > 1e-7 {
		t.Errorf("Log1p(-1e-10) = %v, relative error %v", out.Data()[1], r)
	}
	checkTensor(t, "Log1p'(±1e-10)", grad, view([]int{2}, 1/(1+tiny), 1/(1-tiny)), 1e-7)
	out, grad = elemGrad(autograd.Sqrt[T], 1e-20, 1e-30)
	checkTensor(t, "Sqrt(1e-20, 1e-30)", out, view([]int{2}, 1e-10, 1e-15), 1e-7)
	checkTensor(t, "Sqrt'(1e-20, 1e-30)", grad, view([]int{2}, 0.5e10, 0.5e15), 1e-7)
}

// TestElemKinksAndTies pins the subgradients documented at each kink, tie
// and domain edge.
func TestElemKinksAndTies(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	tests := []struct {
		name     string
		f        func(*V) *V
		xs, want []float64
	}{
		{"Abs: 0 at 0", autograd.Abs[float64], []float64{0, -2, 3}, []float64{0, -1, 1}},
		{"LeakyReLU: slope at 0", func(x *V) *V { return autograd.LeakyReLU(x, 0.1) }, []float64{0, -2, 3}, []float64{0.1, 0.1, 1}},
		{"ELU: alpha at 0", func(x *V) *V { return autograd.ELU(x, 0.5) }, []float64{0, 1e-300}, []float64{0.5, 1}},
		{"Clamp: 1 on the closed interval", func(x *V) *V { return autograd.Clamp(x, -1, 1) },
			[]float64{-1, 1, 0, -1.0000001, 1.0000001, -5, 5, nan}, []float64{1, 1, 1, 0, 0, 0, 0, 0}},
		{"Clamp: lo > hi passes nothing", func(x *V) *V { return autograd.Clamp(x, 1, -1) }, []float64{0, 1, -1}, []float64{0, 0, 0}},
		{"Sqrt: +Inf at 0", autograd.Sqrt[float64], []float64{0}, []float64{inf}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, g := elemGrad(tc.f, tc.xs...)
			checkTensor(t, "gradient", g, view([]int{len(tc.xs)}, tc.want...), 0)
		})
	}

	// Maximum and Minimum: a tie splits the gradient in halves; a NaN
	// operand takes all of it.
	a := autograd.Param(t64([]float64{1, 2, 3, nan, 0, nan}, 6))
	b := autograd.Param(t64([]float64{1, 1, 4, 5, nan, nan}, 6))
	w := autograd.Const(t64([]float64{2, 2, 2, 2, 2, 2}, 6))
	autograd.Sum(autograd.Mul(autograd.Maximum(a, b), w)).Backward()
	checkTensor(t, "Maximum d/da", a.Grad(), view([]int{6}, 1, 2, 0, 2, 0, 2), 0)
	checkTensor(t, "Maximum d/db", b.Grad(), view([]int{6}, 1, 0, 2, 0, 2, 0), 0)
	autograd.ZeroGrad(a, b)
	autograd.Sum(autograd.Mul(autograd.Minimum(a, b), w)).Backward()
	checkTensor(t, "Minimum d/da", a.Grad(), view([]int{6}, 1, 0, 2, 2, 0, 2), 0)
	checkTensor(t, "Minimum d/db", b.Grad(), view([]int{6}, 1, 2, 0, 0, 2, 0), 0)

	// A broadcast tie: the scalar collects a half from every tied element.
	s := autograd.Param(tensor.Scalar(2.0))
	v := autograd.Param(t64([]float64{2, 1, 2, 3}, 4))
	autograd.Sum(autograd.Maximum(s, v)).Backward()
	checkTensor(t, "Maximum scalar d/ds", s.Grad(), view([]int{}, 2), 0)
	checkTensor(t, "Maximum scalar d/dv", v.Grad(), view([]int{4}, 0.5, 0, 0.5, 1), 0)
}

// TestElemPowVar checks values and both gradients of a broadcast x^y on
// positive bases against closed forms, and PyTorch's conventions at x = 0
// and for negative bases.
func TestElemPowVar(t *testing.T) {
	xs, ys := []float64{0.5, 2}, []float64{-1, 0.5, 3}
	x := autograd.Param(t64(xs, 2, 1))
	y := autograd.Param(t64(ys, 3))
	out := autograd.PowVar(x, y)
	autograd.Sum(out).Backward()
	var wantOut, wantX, wantY []float64
	wantX, wantY = make([]float64, 2), make([]float64, 3)
	for i, xv := range xs {
		for j, yv := range ys {
			wantOut = append(wantOut, math.Pow(xv, yv))
			wantX[i] += yv * math.Pow(xv, yv-1)
			wantY[j] += math.Pow(xv, yv) * math.Log(xv)
		}
	}
	checkTensor(t, "x^y", out.Value(), view([]int{2, 3}, wantOut...), 1e-14)
	checkTensor(t, "d/dx", x.Grad(), view([]int{2, 1}, wantX...), 1e-14)
	checkTensor(t, "d/dy", y.Grad(), view([]int{3}, wantY...), 1e-14)

	// At x = 0: d/dy is 0 where y ≥ 0, d/dx is 0 where y = 0.
	inf, nan := math.Inf(1), math.NaN()
	x0 := autograd.Param(t64([]float64{0, 0, 0, 0, -2, -2, nan}, 7))
	y0 := autograd.Param(t64([]float64{0, 2, 0.5, -1, 3, 0.5, 0}, 7))
	out0 := autograd.PowVar(x0, y0)
	autograd.Sum(out0).Backward(autograd.RetainGraph())
	checkTensor(t, "x^y edge values", out0.Value(), view([]int{7}, 1, 0, 0, inf, -8, nan, 1), 0)
	checkTensor(t, "d/dx at the edges", x0.Grad(), view([]int{7}, 0, 0, inf, -inf, 12, nan, 0), 0)
	checkTensor(t, "d/dy at the edges", y0.Grad(), view([]int{7}, 0, 0, 0, -inf, nan, nan, nan), 0)

	// Gradients of gradients stay finite at x = 0 where the first
	// derivatives are finite (y = 0 and y = 2).
	xz := autograd.Param(t64([]float64{0, 0}, 2))
	yz := autograd.Param(t64([]float64{0, 2}, 2))
	g := autograd.Grad([]*V{autograd.Sum(autograd.PowVar(xz, yz))}, []*V{xz, yz}, autograd.CreateGraph())
	h := autograd.Grad([]*V{autograd.Sum(autograd.Add(g[0], g[1]))}, []*V{xz, yz})
	for i, hv := range h {
		for _, v := range hv.Value().Data() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("second derivative %d at x = 0 is %v, want finite: %v", i, v, hv.Value())
			}
		}
	}
}

// TestElemWhere checks Where's values and its gradients, summed back to
// broadcast operands, and that the mask is copied.
func TestElemWhere(t *testing.T) {
	flags := []bool{true, false, true, false, false, true}
	a := autograd.Param(t64([]float64{1, 2, 3}, 3))     // broadcast over rows
	b := autograd.Param(t64([]float64{-10, -20}, 2, 1)) // broadcast over columns
	out := autograd.Where(tensor.MustMask(flags, 2, 3), a, b)
	checkTensor(t, "value", out.Value(), view([]int{2, 3}, 1, -10, 3, -20, -20, 3), 0)
	slices.Reverse(flags) // must not change the recorded gradient
	w := autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	autograd.Sum(autograd.Mul(out, w)).Backward()
	checkTensor(t, "d/da", a.Grad(), view([]int{3}, 1, 0, 3+6), 0)
	checkTensor(t, "d/db", b.Grad(), view([]int{2, 1}, 2, 4+5), 0)

	// The same Var on both sides gets the whole gradient.
	x := autograd.Param(t64([]float64{1, 2}, 2))
	autograd.Sum(autograd.Where(tensor.MustMask([]bool{true, false}, 2), x, x)).Backward()
	checkTensor(t, "same Var twice", x.Grad(), view([]int{2}, 1, 1), 0)

	// Masking the input, not the output, keeps a Log branch finite.
	z := autograd.Param(t64([]float64{0, 4}, 2))
	pos := tensor.MustMask([]bool{false, true}, 2)
	safe := autograd.Where(pos, z, autograd.Scalar(1.0))
	autograd.Sum(autograd.Where(pos, autograd.Log(safe), autograd.Scalar(0.0))).Backward()
	checkTensor(t, "double-Where Log gradient", z.Grad(), view([]int{2}, 0, 0.25), 0)
}

// TestElemConstantsRecordNothing checks that every op on constants alone
// returns a leaf with no graph, while an op on a parameter records itself
// under its own name.
func TestElemConstantsRecordNothing(t *testing.T) {
	c := autograd.Const(t64([]float64{0.5, 1.5}, 2))
	p := autograd.Param(t64([]float64{0.5, 1.5}, 2))
	ops := map[string]func(x *V) *V{
		"Sqrt": autograd.Sqrt[float64], "Abs": autograd.Abs[float64], "Log1p": autograd.Log1p[float64],
		"Expm1": autograd.Expm1[float64], "Softplus": autograd.Softplus[float64],
		"LeakyReLU": func(x *V) *V { return autograd.LeakyReLU(x, 0.1) },
		"ELU":       func(x *V) *V { return autograd.ELU(x, 1) },
		"GELU":      autograd.GELU[float64], "GELUTanh": autograd.GELUTanh[float64], "SiLU": autograd.SiLU[float64],
		"Sin": autograd.Sin[float64], "Cos": autograd.Cos[float64],
		"Clamp":   func(x *V) *V { return autograd.Clamp(x, 0, 1) },
		"Maximum": func(x *V) *V { return autograd.Maximum(x, c) },
		"Minimum": func(x *V) *V { return autograd.Minimum(c, x) },
		"PowVar":  func(x *V) *V { return autograd.PowVar(x, c) },
		"Where":   func(x *V) *V { return autograd.Where(tensor.MustMask([]bool{true, false}, 2), c, x) },
	}
	for name, f := range ops {
		if r := f(c); !r.IsLeaf() || r.RequiresGrad() {
			t.Errorf("%s of constants recorded a node (op %q, requires grad %v)", name, r.Op(), r.RequiresGrad())
		}
		if r := f(p); r.Op() != name || !r.RequiresGrad() {
			t.Errorf("%s of a parameter: op %q, requires grad %v; want op %q recorded", name, r.Op(), r.RequiresGrad(), name)
		}
	}
}

// elemBuild applies the named op of elementwise.go to xs, in any precision.
func elemBuild[T autograd.Float](op string, xs []*autograd.Var[T]) *autograd.Var[T] {
	switch op {
	case "Sqrt":
		return autograd.Sqrt(xs[0])
	case "Abs":
		return autograd.Abs(xs[0])
	case "Log1p":
		return autograd.Log1p(xs[0])
	case "Expm1":
		return autograd.Expm1(xs[0])
	case "Softplus":
		return autograd.Softplus(xs[0])
	case "LeakyReLU":
		return autograd.LeakyReLU(xs[0], T(0.125))
	case "ELU":
		return autograd.ELU(xs[0], T(0.75))
	case "GELU":
		return autograd.GELU(xs[0])
	case "GELUTanh":
		return autograd.GELUTanh(xs[0])
	case "SiLU":
		return autograd.SiLU(xs[0])
	case "Sin":
		return autograd.Sin(xs[0])
	case "Cos":
		return autograd.Cos(xs[0])
	case "Clamp":
		return autograd.Clamp(xs[0], T(-0.75), T(0.5))
	case "Maximum":
		return autograd.Maximum(xs[0], xs[1])
	case "Minimum":
		return autograd.Minimum(xs[0], xs[1])
	case "PowVar":
		return autograd.PowVar(xs[0], xs[1])
	case "Where":
		return autograd.Where(tensor.MustMask(elemMask(12, 3), 4, 3), xs[0], xs[1])
	}
	panic("elemBuild: unknown op " + op)
}

// TestElemFloat32MatchesFloat64 runs each op's forward and Backward in
// float32 and float64 on the same float32-representable inputs: values and
// gradients must agree to float32 precision.
func TestElemFloat32MatchesFloat64(t *testing.T) {
	tests := []precisionCase{
		{"Sqrt", []inputSpec{in(positive, 4, 3)}, []int{4, 3}},
		{"Abs", []inputSpec{in(nonZero, 4, 3)}, []int{4, 3}},
		{"Log1p", []inputSpec{in(positive, 4, 3)}, []int{4, 3}},
		{"Expm1", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"Softplus", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"LeakyReLU", []inputSpec{in(nonZero, 4, 3)}, []int{4, 3}},
		{"ELU", []inputSpec{in(nonZero, 4, 3)}, []int{4, 3}},
		{"GELU", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"GELUTanh", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"SiLU", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"Sin", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"Cos", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"Clamp", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"Maximum", []inputSpec{in(anyReal, 4, 3), in(anyReal, 3)}, []int{4, 3}},
		{"Minimum", []inputSpec{in(anyReal, 4, 1), in(anyReal, 1, 3)}, []int{4, 3}},
		{"PowVar", []inputSpec{in(positive, 4, 1), in(anyReal, 4, 3)}, []int{4, 3}},
		{"Where", []inputSpec{in(anyReal, 3), in(anyReal, 4, 1)}, []int{4, 3}},
	}
	checkPrecisions(t, tests, elemBuild[float32], elemBuild[float64], 900)
}

// TestElemShapeErrors checks each error path of the binary ops and Where:
// a typed *tensor.ShapeError of package autograd, naming the op the user
// called and the shapes, with constant and with parameter operands.
func TestElemShapeErrors(t *testing.T) {
	tests := []struct {
		name   string
		f      func(leaf func(shape ...int) *V)
		op     string
		shapes [][]int
		want   string
	}{
		{"Maximum", func(l func(...int) *V) { autograd.Maximum(l(2, 3), l(4)) },
			"Maximum", [][]int{{2, 3}, {4}}, "autograd: Maximum: shapes do not broadcast: [2 3] x [4]"},
		{"Minimum", func(l func(...int) *V) { autograd.Minimum(l(2), l(3, 1, 3)) },
			"Minimum", [][]int{{2}, {3, 1, 3}}, "autograd: Minimum: shapes do not broadcast: [2] x [3 1 3]"},
		{"PowVar", func(l func(...int) *V) { autograd.PowVar(l(2, 3), l(3, 2)) },
			"PowVar", [][]int{{2, 3}, {3, 2}}, "autograd: PowVar: shapes do not broadcast: [2 3] x [3 2]"},
		{"Where shapes", func(l func(...int) *V) { autograd.Where(tensor.FullMask(false, 4, 3), l(4, 3), l(4)) },
			"Where", [][]int{{4, 3}, {4, 3}, {4}}, "autograd: Where: shapes do not broadcast: [4 3] x [4 3] x [4]"},
		{"Where mask does not broadcast", func(l func(...int) *V) { autograd.Where(tensor.FullMask(false, 2), l(2, 1), l(3)) },
			"Where", [][]int{{2}, {2, 1}, {3}}, "autograd: Where: shapes do not broadcast: [2] x [2 1] x [3]"},
		{"Where mask of another rank", func(l func(...int) *V) { autograd.Where(tensor.FullMask(false, 2, 2), l(), l(3)) },
			"Where", [][]int{{2, 2}, {}, {3}}, "autograd: Where: shapes do not broadcast: [2 2] x [] x [3]"},
	}
	leaves := []struct {
		name string
		make func(t *tensor.Tensor[float64]) *V
	}{
		{"Const", autograd.Const[float64]},
		{"Param", autograd.Param[float64]},
	}
	for _, tc := range tests {
		for _, lf := range leaves {
			t.Run(tc.name+"/"+lf.name, func(t *testing.T) {
				leaf := func(shape ...int) *V { return lf.make(tensor.Zeros[float64](shape...)) }
				se := mustShapeError(t, func() { tc.f(leaf) })
				if got := se.Error(); got != tc.want {
					t.Errorf("message:\n got %q\nwant %q", got, tc.want)
				}
				if se.Op != tc.op {
					t.Errorf("Op = %q, want %q", se.Op, tc.op)
				}
				if !slices.EqualFunc(se.Shapes, tc.shapes, func(a, b []int) bool { return slices.Equal(a, b) }) {
					t.Errorf("Shapes = %v, want %v", se.Shapes, tc.shapes)
				}
			})
		}
	}
}

// GELU in its exact form and its derivative Φ(x) + x·φ(x) at x = 1.
func ExampleGELU() {
	x := autograd.Param(tensor.Scalar(1.0))
	y := autograd.GELU(x)
	y.Backward()
	fmt.Printf("GELU(1)  = %.16f\n", y.Item())
	fmt.Printf("GELU'(1) = %.16f\n", x.Grad().Item())
	// Output:
	// GELU(1)  = 0.8413447460685429
	// GELU'(1) = 1.0833154705876864
}

// Where picks elements by a mask laid out in the broadcast shape; each
// operand's gradient is the upstream gradient where it was picked, summed
// back to its own shape.
func ExampleWhere() {
	a := autograd.Param(tensor.MustNew([]float64{1, 2, 3}, 3))
	b := autograd.Param(tensor.Scalar(0.0))
	mask := tensor.MustMask([]bool{
		true, false, true,
		false, true, true,
	}, 2, 3)
	// The mask, a [3] and a 0-d b broadcast to the mask's [2 3].
	y := autograd.Where(mask, a, b)
	autograd.Sum(y).Backward()
	fmt.Println(y.Value())
	fmt.Println("d/da:", a.Grad().Data())
	fmt.Println("d/db:", b.Grad().Item())
	// Output:
	// Tensor[2 3][[1 0 3] [0 2 3]]
	// d/da: [1 1 2]
	// d/db: 2
}

// TestPowSubnormalBase: Pow and PowVar of a float64 subnormal base and a
// fractional exponent and their gradients (fused, recorded and forward
// mode), and KLDiv's t·ln t at a subnormal target, at powers of two with
// known results; math.Pow and math.Log on amd64 misread such a base (Go
// issue 56600): 1e-310^0.25 came out 3 times too large. The tolerance is
// math.Pow's own accuracy for a result of this size (about |y·ln x| units
// of 2⁻⁵³).
func TestPowSubnormalBase(t *testing.T) {
	const x = 0x1p-1050
	want := math.Ldexp(math.Sqrt2, -263)     // x^0.25
	dx := 0.25 * math.Ldexp(math.Sqrt2, 787) // 0.25·x^-0.75
	dy := want * (-1050 * math.Ln2)          // x^0.25·ln x
	check := func(what string, got, want, tol float64) {
		t.Helper()
		if d := cmp.Diff(want, got, cmpopts.EquateApprox(tol, 0)); d != "" {
			t.Errorf("%s (-want +got):\n%s", what, d)
		}
	}
	type V = autograd.Var[float64]
	for _, create := range []bool{false, true} {
		var opts []autograd.Option
		if create {
			opts = append(opts, autograd.CreateGraph())
		}
		xp, yp := autograd.Param(tensor.Scalar(x)), autograd.Param(tensor.Scalar(0.25))
		pow := autograd.Pow(xp, 0.25)
		check("Pow", pow.Value().Item(), want, 1e-13)
		g := autograd.Grad([]*V{pow}, []*V{xp}, opts...)
		check(fmt.Sprintf("Pow d/dx (create %v)", create), g[0].Value().Item(), dx, 1e-13)
		pv := autograd.PowVar(xp, yp)
		check("PowVar", pv.Value().Item(), want, 1e-13)
		g = autograd.Grad([]*V{pv}, []*V{xp, yp}, opts...)
		check(fmt.Sprintf("PowVar d/dx (create %v)", create), g[0].Value().Item(), dx, 1e-13)
		check(fmt.Sprintf("PowVar d/dy (create %v)", create), g[1].Value().Item(), dy, 1e-13)
	}
	_, tan := autograd.JVP(func(v ...*V) *V { return autograd.PowVar(v[0], v[1]) },
		[]*tensor.Tensor[float64]{tensor.Scalar(x), tensor.Scalar(0.25)},
		[]*tensor.Tensor[float64]{tensor.Scalar(1.0), tensor.Scalar(1.0)})
	check("PowVar JVP", tan.Item(), dx+dy, 1e-13)
	// t·ln t = 2⁻¹⁰⁵⁰·(−1050 ln 2) is subnormal itself, with about 34 bits.
	kl := autograd.KLDiv(autograd.Const(tensor.Scalar(0.0)), autograd.Const(tensor.Scalar(x)), false, autograd.ReduceSum)
	check("KLDiv t·ln t", kl.Value().Item(), x*(-1050*math.Ln2), 1e-9)
}
