package autograd_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// inputKind chooses the range an input is drawn from, so that each op is
// checked where it is smooth.
type inputKind int

const (
	anyReal  inputKind = iota // uniform in [-2, 2)
	positive                  // uniform in [0.5, 2): Log, fractional powers
	nonZero                   // |x| uniform in [0.25, 2), random sign: denominators, ReLU away from its kink
	wide                      // uniform in [-10, 10): saturating activations
)

type inputSpec struct {
	shape []int
	kind  inputKind
}

func in(kind inputKind, shape ...int) inputSpec { return inputSpec{shape: shape, kind: kind} }

// draw returns a deterministic random tensor for spec.
func (s inputSpec) draw(seed uint64) *tensor.Tensor[float64] {
	rng := newRand(seed)
	t := tensor.Zeros[float64](s.shape...)
	d := t.Data()
	for i := range d {
		u := rng.Float64()
		switch s.kind {
		case anyReal:
			d[i] = -2 + 4*u
		case positive:
			d[i] = 0.5 + 1.5*u
		case nonZero:
			d[i] = 0.25 + 1.75*u
			if rng.IntN(2) == 0 {
				d[i] = -d[i]
			}
		case wide:
			d[i] = -10 + 20*u
		}
	}
	return t
}

// gradcheckCase is one row of the gradcheck table: the op it covers (the
// exported function's name), a description, its inputs and the function
// gradchecked (every input is differentiated).
type gradcheckCase struct {
	op     string
	name   string
	inputs []inputSpec
	f      gradcheck.Func
}

// shapeName renders a shape for a test name.
func shapeName(s []int) string { return fmt.Sprint(s) }

// gradcheckTable returns every exported differentiable op over several
// shapes, with broadcasting cases for every binary op.
func gradcheckTable() []gradcheckCase {
	var tab []gradcheckCase
	add := func(op, name string, f gradcheck.Func, inputs ...inputSpec) {
		tab = append(tab, gradcheckCase{op: op, name: name, inputs: inputs, f: f})
	}

	// Binary elementwise ops, same shapes and every broadcasting pattern.
	binary := []struct {
		op    string
		f     func(a, b *V) *V
		bKind inputKind
	}{
		{"Add", autograd.Add[float64], anyReal},
		{"Sub", autograd.Sub[float64], anyReal},
		{"Mul", autograd.Mul[float64], anyReal},
		{"Div", autograd.Div[float64], nonZero},
	}
	binaryShapes := []struct {
		name string
		a, b []int
	}{
		{"0-d scalars", []int{}, []int{}},
		{"vectors", []int{5}, []int{5}},
		{"matrices", []int{2, 3}, []int{2, 3}},
		{"3-D", []int{2, 3, 4}, []int{2, 3, 4}},
		{"scalar with matrix", []int{}, []int{2, 3}},
		{"matrix with scalar", []int{2, 3}, []int{}},
		{"row [3] with [2 3]", []int{3}, []int{2, 3}},
		{"[2 3] with row [3]", []int{2, 3}, []int{3}},
		{"column [2 1] with [2 3]", []int{2, 1}, []int{2, 3}},
		{"[2 3] with column [2 1]", []int{2, 3}, []int{2, 1}},
		{"[2 1] with [1 3]", []int{2, 1}, []int{1, 3}},
		{"[1 3] with [2 1]", []int{1, 3}, []int{2, 1}},
		{"3-D [2 1 4] with [3 1]", []int{2, 1, 4}, []int{3, 1}},
	}
	for _, op := range binary {
		for _, s := range binaryShapes {
			add(op.op, s.name, func(x []*V) *V { return op.f(x[0], x[1]) }, in(anyReal, s.a...), in(op.bKind, s.b...))
		}
		// The same Var as both operands, and a constant second operand
		// (whose gradient the op must skip).
		add(op.op, "same Var twice", func(x []*V) *V { return op.f(x[0], x[0]) }, in(nonZero, 2, 3))
		c := in(op.bKind, 3).draw(99)
		add(op.op, "constant row operand", func(x []*V) *V { return op.f(x[0], autograd.Const(c)) }, in(anyReal, 2, 3))
		add(op.op, "constant first operand", func(x []*V) *V { return op.f(autograd.Const(c), x[0]) }, in(op.bKind, 2, 3))
	}

	// Unary elementwise ops over a 0-d scalar, a vector, a matrix and a 3-D tensor.
	unary := []struct {
		op, name string
		f        func(x *V) *V
		kind     inputKind
	}{
		{"Neg", "", autograd.Neg[float64], anyReal},
		{"Scale", "k=-1.7", func(x *V) *V { return autograd.Scale(x, -1.7) }, anyReal},
		{"Scale", "k=0", func(x *V) *V { return autograd.Scale(x, 0) }, anyReal},
		{"Sigmoid", "", autograd.Sigmoid[float64], anyReal},
		{"Sigmoid", "saturating", autograd.Sigmoid[float64], wide},
		{"Tanh", "", autograd.Tanh[float64], anyReal},
		{"Tanh", "saturating", autograd.Tanh[float64], wide},
		{"ReLU", "away from 0", autograd.ReLU[float64], nonZero},
		{"Exp", "", autograd.Exp[float64], anyReal},
		{"Log", "positive", autograd.Log[float64], positive},
		{"Square", "", autograd.Square[float64], anyReal},
		{"Pow", "p=3", func(x *V) *V { return autograd.Pow(x, 3) }, anyReal},
		{"Pow", "p=2", func(x *V) *V { return autograd.Pow(x, 2) }, anyReal},
		{"Pow", "p=1", func(x *V) *V { return autograd.Pow(x, 1) }, anyReal},
		{"Pow", "p=0.5 positive", func(x *V) *V { return autograd.Pow(x, 0.5) }, positive},
		{"Pow", "p=-1", func(x *V) *V { return autograd.Pow(x, -1) }, nonZero},
		{"Pow", "p=-2.5 positive", func(x *V) *V { return autograd.Pow(x, -2.5) }, positive},
	}
	unaryShapes := [][]int{{}, {5}, {2, 3}, {2, 3, 4}}
	for _, u := range unary {
		for _, s := range unaryShapes {
			add(u.op, strings.TrimSpace(u.name+" "+shapeName(s)), func(x []*V) *V { return u.f(x[0]) }, in(u.kind, s...))
		}
	}

	// Matrix products: rectangular operands, every transpose combination.
	add("MatMul", "[3 4] x [4 2]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, in(anyReal, 3, 4), in(anyReal, 4, 2))
	add("MatMul", "row x column [1 5] x [5 1]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, in(anyReal, 1, 5), in(anyReal, 5, 1))
	add("MatMul", "outer product [4 1] x [1 3]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, in(anyReal, 4, 1), in(anyReal, 1, 3))
	add("MatMul", "same Var twice [3 3]", func(x []*V) *V { return autograd.MatMul(x[0], x[0]) }, in(anyReal, 3, 3))
	for _, tc := range []struct {
		ta, tb bool
		a, b   []int
	}{
		{false, false, []int{3, 4}, []int{4, 2}},
		{false, true, []int{3, 4}, []int{2, 4}},
		{true, false, []int{4, 3}, []int{4, 2}},
		{true, true, []int{4, 3}, []int{2, 4}},
	} {
		add("MatMulT", fmt.Sprintf("transA=%v transB=%v %v x %v", tc.ta, tc.tb, tc.a, tc.b),
			func(x []*V) *V { return autograd.MatMulT(x[0], x[1], tc.ta, tc.tb) }, in(anyReal, tc.a...), in(anyReal, tc.b...))
	}
	add("MatMulT", "Gram matrix x·xᵀ of one Var", func(x []*V) *V { return autograd.MatMulT(x[0], x[0], false, true) }, in(anyReal, 3, 4))
	add("MatMulT", "xᵀ·x of one Var", func(x []*V) *V { return autograd.MatMulT(x[0], x[0], true, false) }, in(anyReal, 3, 4))

	// Linear: x [batch in] · w [out in]ᵀ + b [out], with and without the
	// bias, over batch, in and out of 1 and more.
	for _, s := range []struct{ batch, in, out int }{{3, 4, 5}, {1, 4, 5}, {3, 1, 5}, {3, 4, 1}, {1, 1, 1}} {
		x, w := in(anyReal, s.batch, s.in), in(anyReal, s.out, s.in)
		name := fmt.Sprintf("x %v w %v", x.shape, w.shape)
		add("Linear", name+" bias", linearOf[float64], x, w, in(anyReal, s.out))
		add("Linear", name+" no bias", linearOf[float64], x, w)
	}
	add("Linear", "same Var as x and w [3 3]", func(x []*V) *V { return autograd.Linear(x[0], x[0], x[1]) }, in(anyReal, 3, 3), in(anyReal, 3))
	lx, lb := in(anyReal, 3, 4).draw(98), in(anyReal, 2).draw(97)
	add("Linear", "constant x", func(x []*V) *V { return autograd.Linear(autograd.Const(lx), x[0], x[1]) }, in(anyReal, 2, 4), in(anyReal, 2))
	add("Linear", "constant bias", func(x []*V) *V { return autograd.Linear(x[0], x[1], autograd.Const(lb)) }, in(anyReal, 3, 4), in(anyReal, 2, 4))

	// Shape ops.
	for _, s := range [][]int{{2, 3}, {1, 4}, {4, 1}} {
		add("Transpose", shapeName(s), func(x []*V) *V { return autograd.Transpose(x[0]) }, in(anyReal, s...))
	}
	for _, tc := range []struct{ from, to []int }{
		{[]int{2, 3}, []int{3, 2}},
		{[]int{2, 3}, []int{-1}},
		{[]int{2, 3, 4}, []int{4, -1}},
		{[]int{6}, []int{2, 1, 3}},
		{[]int{}, []int{1, 1}},
		{[]int{1, 1}, []int{}},
	} {
		add("Reshape", fmt.Sprintf("%v to %v", tc.from, tc.to), func(x []*V) *V { return autograd.Reshape(x[0], tc.to...) }, in(anyReal, tc.from...))
	}
	// Embedding: constant ids of any shape, the [4 3] table differentiated.
	for _, tc := range []struct {
		shape []int
		ids   []float64
	}{
		{[]int{4}, []float64{3, 0, 3, 1}},
		{[]int{2, 3}, []float64{1, 1, 0, 2, 3, 1}},
		{[]int{1, 1}, []float64{2}},
	} {
		ids := tensor.MustNew(tc.ids, tc.shape...)
		add("Embedding", fmt.Sprintf("ids %v %v", tc.shape, tc.ids), func(x []*V) *V { return autograd.Embedding(x[0], autograd.Const(ids)) }, in(anyReal, 4, 3))
	}

	// Reductions: all axes, one axis, several axes, negative axes.
	reductions := []struct {
		op string
		f  func(x *V, axes ...int) *V
	}{
		{"Sum", autograd.Sum[float64]},
		{"SumKeepDims", autograd.SumKeepDims[float64]},
		{"Mean", autograd.Mean[float64]},
		{"MeanKeepDims", autograd.MeanKeepDims[float64]},
	}
	reductionCases := []struct {
		shape, axes []int
	}{
		{[]int{}, nil},
		{[]int{5}, nil},
		{[]int{2, 3}, nil},
		{[]int{2, 3, 4}, nil},
		{[]int{5}, []int{0}},
		{[]int{2, 3}, []int{0}},
		{[]int{2, 3}, []int{1}},
		{[]int{2, 3}, []int{-1}},
		{[]int{2, 3, 4}, []int{1}},
		{[]int{2, 3, 4}, []int{0, 2}},
		{[]int{2, 3, 4}, []int{-1, 0}},
		{[]int{2, 3, 4}, []int{0, 1, 2}},
		{[]int{2, 1, 3}, []int{0}},
	}
	for _, r := range reductions {
		for _, c := range reductionCases {
			add(r.op, fmt.Sprintf("%v axes %v", c.shape, c.axes), func(x []*V) *V { return r.f(x[0], c.axes...) }, in(anyReal, c.shape...))
		}
	}

	// Broadcasting and its inverse.
	for _, tc := range []struct{ from, to []int }{
		{[]int{}, []int{2, 3}},
		{[]int{3}, []int{2, 3}},
		{[]int{2, 1}, []int{2, 3}},
		{[]int{2, 1}, []int{4, 2, 3}},
		{[]int{1, 3}, []int{2, 3}},
		{[]int{2, 3}, []int{2, 3}},
	} {
		add("BroadcastTo", fmt.Sprintf("%v to %v", tc.from, tc.to), func(x []*V) *V { return autograd.BroadcastTo(x[0], tc.to...) }, in(anyReal, tc.from...))
		add("SumTo", fmt.Sprintf("%v to %v", tc.to, tc.from), func(x []*V) *V { return autograd.SumTo(x[0], tc.from...) }, in(anyReal, tc.to...))
	}

	// Loss.
	for _, s := range unaryShapes {
		add("MSE", shapeName(s), func(x []*V) *V { return autograd.MSE(x[0], x[1]) }, in(anyReal, s...), in(anyReal, s...))
	}
	target := in(anyReal, 4, 2).draw(7)
	add("MSE", "constant target [4 2]", func(x []*V) *V { return autograd.MSE(x[0], autograd.Const(target)) }, in(anyReal, 4, 2))
	for _, more := range moreGradcheckCases {
		tab = append(tab, more()...)
	}
	return tab
}

// moreGradcheckCases holds the rows that other files of this test package
// add to the gradcheck table, one function per family of ops, registered
// from an init function:
//
//	func init() { moreGradcheckCases = append(moreGradcheckCases, softmaxCases) }
var moreGradcheckCases []func() []gradcheckCase

// TestGradcheckOps gradchecks every exported differentiable op in float64:
// the full analytic Jacobian against central finite differences.
func TestGradcheckOps(t *testing.T) {
	for i, tc := range gradcheckTable() {
		t.Run(tc.op+"/"+tc.name, func(t *testing.T) {
			defer failOnPanic(t)
			inputs := make([]*tensor.Tensor[float64], len(tc.inputs))
			for j, s := range tc.inputs {
				inputs[j] = s.draw(uint64(1000*i + j))
			}
			rep, err := gradcheck.Check(tc.f, inputs)
			if err != nil {
				t.Fatal(err)
			}
			// A check that compared nothing proves nothing.
			want := 0
			out := tc.f(constants(inputs))
			for _, x := range inputs {
				want += x.Len() * out.Value().Len()
			}
			if rep.Total != want || want == 0 {
				t.Errorf("gradcheck compared %d Jacobian elements, want %d (> 0)", rep.Total, want)
			}
		})
	}
}

func constants(ts []*tensor.Tensor[float64]) []*V {
	vs := make([]*V, len(ts))
	for i, x := range ts {
		vs[i] = autograd.Const(x)
	}
	return vs
}

// TestGradcheckCatchesWrongGradient makes sure the table's machinery can
// fail: a function whose "gradient" is deliberately wrong (the value is
// Detached halfway) must be rejected.
func TestGradcheckCatchesWrongGradient(t *testing.T) {
	f := func(x []*V) *V { return autograd.Mul(x[0], autograd.Detach(x[0])) } // true derivative 2x, analytic x
	x := in(nonZero, 3).draw(1)
	if _, err := gradcheck.Check(f, []*tensor.Tensor[float64]{x}); err == nil {
		t.Fatal("gradcheck accepted x*Detach(x), whose analytic gradient is half the true one")
	}
}

// TestGradgradcheck gradchecks the gradients themselves (Grad with
// CreateGraph): for f(x..., w) = d/dx_k Sum(op(x...) ∘ w), the Jacobian with
// respect to every input, w included, must match finite differences. This
// proves the derivatives are written with differentiable ops.
func TestGradgradcheck(t *testing.T) {
	cases := []gradgradCase{
		{"Mul broadcast", func(x []*V) *V { return autograd.Mul(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 3)}, []int{2, 3}},
		{"Div broadcast", func(x []*V) *V { return autograd.Div(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(nonZero, 2, 1)}, []int{2, 3}},
		{"Sub", func(x []*V) *V { return autograd.Sub(x[0], x[1]) }, []inputSpec{in(anyReal, 3), in(anyReal, 3)}, []int{3}},
		{"Add broadcast", func(x []*V) *V { return autograd.Add(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 1), in(anyReal, 1, 3)}, []int{2, 3}},
		{"Neg", func(x []*V) *V { return autograd.Neg(x[0]) }, []inputSpec{in(anyReal, 4)}, []int{4}},
		{"Scale", func(x []*V) *V { return autograd.Scale(x[0], 2.5) }, []inputSpec{in(anyReal, 4)}, []int{4}},
		{"Sigmoid", func(x []*V) *V { return autograd.Sigmoid(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Tanh", func(x []*V) *V { return autograd.Tanh(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"ReLU", func(x []*V) *V { return autograd.ReLU(x[0]) }, []inputSpec{in(nonZero, 2, 3)}, []int{2, 3}},
		{"Exp", func(x []*V) *V { return autograd.Exp(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Log", func(x []*V) *V { return autograd.Log(x[0]) }, []inputSpec{in(positive, 2, 3)}, []int{2, 3}},
		{"Square", func(x []*V) *V { return autograd.Square(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Pow 3", func(x []*V) *V { return autograd.Pow(x[0], 3) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Pow -1.5", func(x []*V) *V { return autograd.Pow(x[0], -1.5) }, []inputSpec{in(positive, 2, 3)}, []int{2, 3}},
		{"MatMul", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, []inputSpec{in(anyReal, 3, 4), in(anyReal, 4, 2)}, []int{3, 2}},
		{"MatMulT transB", func(x []*V) *V { return autograd.MatMulT(x[0], x[1], false, true) }, []inputSpec{in(anyReal, 3, 4), in(anyReal, 2, 4)}, []int{3, 2}},
		{"MatMulT transA", func(x []*V) *V { return autograd.MatMulT(x[0], x[1], true, false) }, []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 2)}, []int{3, 2}},
		{"MatMulT both", func(x []*V) *V { return autograd.MatMulT(x[0], x[1], true, true) }, []inputSpec{in(anyReal, 4, 3), in(anyReal, 2, 4)}, []int{3, 2}},
		{"Linear", linearOf[float64], []inputSpec{in(anyReal, 3, 4), in(anyReal, 2, 4), in(anyReal, 2)}, []int{3, 2}},
		{"Linear no bias", linearOf[float64], []inputSpec{in(anyReal, 1, 4), in(anyReal, 3, 4)}, []int{1, 3}},
		{"Tanh of Linear", func(x []*V) *V { return autograd.Tanh(linearOf(x)) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3), in(anyReal, 2)}, []int{2, 2}},
		{"Transpose", func(x []*V) *V { return autograd.Transpose(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{3, 2}},
		{"Reshape", func(x []*V) *V { return autograd.Reshape(x[0], 3, -1) }, []inputSpec{in(anyReal, 2, 3)}, []int{3, 2}},
		{"Sum axis", func(x []*V) *V { return autograd.Sum(x[0], -1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2}},
		{"MeanKeepDims", func(x []*V) *V { return autograd.MeanKeepDims(x[0], 0) }, []inputSpec{in(anyReal, 2, 3)}, []int{1, 3}},
		{"BroadcastTo", func(x []*V) *V { return autograd.BroadcastTo(x[0], 2, 3) }, []inputSpec{in(anyReal, 3)}, []int{2, 3}},
		{"SumTo", func(x []*V) *V { return autograd.SumTo(x[0], 2, 1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 1}},
		{"MSE", func(x []*V) *V { return autograd.MSE(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{}},
		{"Sigmoid of MatMul", func(x []*V) *V { return autograd.Sigmoid(autograd.MatMul(x[0], x[1])) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 3, 2)}, []int{2, 2}},
	}
	runGradgrad(t, cases, 5000)
}

// notOps are exported functions returning *Var[T] that are not
// differentiable operations: constructors, the gradient cut, and
// Checkpoint, which runs a function of ops (tested in checkpoint_test.go).
var notOps = map[string]bool{"Param": true, "Const": true, "Scalar": true, "Detach": true, "Checkpoint": true}

// TestGradcheckTableCoversEveryOp parses the package source and fails when
// an exported function returning *Var[T] (an op) has no row in the gradcheck
// table, or when the table names an op that does not exist.
func TestGradcheckTableCoversEveryOp(t *testing.T) {
	ops := exportedOps(t, ".")
	if len(ops) < 20 {
		t.Fatalf("found only %d ops in the package source (%v): is the enumeration broken?", len(ops), ops)
	}
	for _, must := range []string{"Add", "MatMul", "MatMulT", "Sum", "Pow", "MSE"} {
		if !ops[must] {
			t.Errorf("enumeration missed %s, which certainly exists", must)
		}
	}
	for c := range notOps {
		if ops[c] {
			t.Errorf("enumeration did not exclude non-op %s", c)
		}
	}
	for name := range exportedSliceOps(t, ".") {
		ops[name] = true // Split
	}
	delete(ops, "Argmax") // indices, no gradient
	delete(ops, "Argmin")
	for _, op := range autograd.Ops() {
		ops[op.Name] = true // also the ops that return masks or indices
	}
	covered := make(map[string]bool)
	for _, tc := range gradcheckTable() {
		covered[tc.op] = true
	}
	for _, op := range autograd.Ops() {
		covered[op.Name] = true // by TestOpTableGradcheck
	}
	for _, op := range sortedKeys(ops) {
		if !covered[op] {
			t.Errorf("op %s is not in the gradcheck table: add rows for it to gradcheckTable", op)
		}
	}
	for _, op := range sortedKeys(covered) {
		if !ops[op] {
			t.Errorf("the gradcheck table has rows for %q, which is not an exported op of the package (stale entry?)", op)
		}
	}
}

func sortedKeys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// exportedOps returns the exported top-level functions (not methods) in the
// non-test Go files of dir whose results include a *Var[...], minus notOps.
func exportedOps(t *testing.T, dir string) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	ops := make(map[string]bool)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "autograd" {
			continue
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv != nil || !fn.Name.IsExported() || notOps[fn.Name.Name] {
				continue
			}
			if fn.Type.Results == nil {
				continue
			}
			for _, r := range fn.Type.Results.List {
				if isVarPointer(r.Type) {
					ops[fn.Name.Name] = true
					break
				}
			}
		}
	}
	return ops
}

// isVarPointer reports whether e is the type *Var[...] (with any type
// arguments), possibly parenthesized.
func isVarPointer(e ast.Expr) bool {
	for {
		p, ok := e.(*ast.ParenExpr)
		if !ok {
			break
		}
		e = p.X
	}
	star, ok := e.(*ast.StarExpr)
	if !ok {
		return false
	}
	var base ast.Expr
	switch x := star.X.(type) {
	case *ast.IndexExpr:
		base = x.X
	case *ast.IndexListExpr:
		base = x.X
	default:
		return false
	}
	id, ok := base.(*ast.Ident)
	return ok && id.Name == "Var"
}

// TestIsVarPointer pins the enumeration's type matching on snippets.
func TestIsVarPointer(t *testing.T) {
	tests := []struct {
		src  string
		want bool
	}{
		{"package p; func F[T any]() *Var[T]", true},
		{"package p; func F[T any]() (*Var[T])", true},
		{"package p; func F[T any]() (out *Var[T], err error)", true},
		{"package p; func F[T, U any]() *Var[T, U]", true},
		{"package p; func F[T any]() []*Var[T]", false},
		{"package p; func F[T any]() Var[T]", false},
		{"package p; func F() *Var", false},
		{"package p; func F[T any]() *other.Var[T]", false},
		{"package p; func F[T any]() *Tensor[T]", false},
	}
	for _, tc := range tests {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", tc.src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		fn := f.Decls[0].(*ast.FuncDecl)
		got := false
		for _, r := range fn.Type.Results.List {
			got = got || isVarPointer(r.Type)
		}
		if got != tc.want {
			t.Errorf("%s: isVarPointer = %v, want %v", tc.src, got, tc.want)
		}
	}
}

// gradgradCase is one row of a second-order check: the gradient of
// Sum(op(x) ∘ w) with respect to each input, itself a function of every
// input and of w (shape wShape), is gradchecked.
type gradgradCase struct {
	name   string
	op     func(x []*V) *V
	inputs []inputSpec
	wShape []int
}

// runGradgrad gradchecks the first-order gradients of each case, built with
// CreateGraph, against finite differences; seedBase keeps each family's
// random inputs distinct.
func runGradgrad(t *testing.T, cases []gradgradCase, seedBase uint64) {
	t.Helper()
	for i, tc := range cases {
		for k := range tc.inputs {
			t.Run(fmt.Sprintf("%s/d input %d", tc.name, k), func(t *testing.T) {
				defer failOnPanic(t)
				specs := append(slices.Clone(tc.inputs), inputSpec{shape: tc.wShape, kind: anyReal})
				inputs := make([]*tensor.Tensor[float64], len(specs))
				for j, s := range specs {
					inputs[j] = s.draw(seedBase + uint64(100*i+j))
				}
				n := len(tc.inputs)
				f := func(x []*V) *V {
					// Finite differences call f with constants; Grad needs
					// inputs that require a gradient, so promote them.
					ps := make([]*V, len(x))
					for j, v := range x {
						ps[j] = v
						if !v.RequiresGrad() {
							ps[j] = autograd.Param(v.Value())
						}
					}
					loss := autograd.Sum(autograd.Mul(tc.op(ps[:n]), ps[n]))
					return autograd.Grad([]*V{loss}, []*V{ps[k]}, autograd.CreateGraph())[0]
				}
				gradcheck.Assert(t, f, inputs)
			})
		}
	}
}
