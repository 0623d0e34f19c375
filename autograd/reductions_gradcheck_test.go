package autograd_test

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file registers the reductions, softmax and loss ops in the gradcheck
// table and checks them in second order, in float32, and on bad input.

func init() { moreGradcheckCases = append(moreGradcheckCases, redGradcheckCases) }

// redAxesCases are shapes and axes for the reductions: all axes, one,
// several, negative, and size-1 axes.
var redAxesCases = []struct{ shape, axes []int }{
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
	{[]int{2, 1, 3}, []int{0}},
}

// redSoftmaxCases are shapes and axes for Softmax and LogSoftmax.
var redSoftmaxCases = []struct {
	shape []int
	axis  int
}{
	{[]int{5}, 0},
	{[]int{1}, 0},
	{[]int{2, 3}, 0},
	{[]int{2, 3}, 1},
	{[]int{2, 3}, -1},
	{[]int{2, 3, 4}, 1},
	{[]int{2, 3, 4}, -3},
	{[]int{4, 1}, 1},
}

// redProb maps x drawn from [0.5, 2) to a probability in [0.2, 0.8).
func redProb(x *V) *V { return autograd.Scale(x, 0.4) }

// redTarget maps x drawn from [0.5, 2) to a target in [0.25, 1).
func redTarget(x *V) *V { return autograd.Scale(x, 0.5) }

var redReductions = []autograd.Reduction{autograd.ReduceMean, autograd.ReduceSum, autograd.ReduceNone}

func redGradcheckCases() []gradcheckCase {
	var tab []gradcheckCase
	add := func(op, name string, f func(x []*V) *V, inputs ...inputSpec) {
		tab = append(tab, gradcheckCase{op: op, name: name, inputs: inputs, f: f})
	}

	axisOps := []struct {
		op   string
		f    func(x *V, axes ...int) *V
		kind inputKind
	}{
		{"Max", autograd.Max[float64], anyReal},
		{"MaxKeepDims", autograd.MaxKeepDims[float64], anyReal},
		{"Min", autograd.Min[float64], anyReal},
		{"MinKeepDims", autograd.MinKeepDims[float64], anyReal},
		{"LogSumExp", autograd.LogSumExp[float64], anyReal},
		{"LogSumExpKeepDims", autograd.LogSumExpKeepDims[float64], anyReal},
	}
	for _, r := range axisOps {
		for _, c := range redAxesCases {
			add(r.op, fmt.Sprintf("%v axes %v", c.shape, c.axes), func(x []*V) *V { return r.f(x[0], c.axes...) }, in(r.kind, c.shape...))
		}
	}
	add("LogSumExp", "wide [3 4] axes [1]", func(x []*V) *V { return autograd.LogSumExp(x[0], 1) }, in(wide, 3, 4))
	add("Max", "of a product [2 3]", func(x []*V) *V { return autograd.Max(autograd.Mul(x[0], x[1]), 1) }, in(anyReal, 2, 3), in(anyReal, 2, 3))

	for _, correction := range []int{0, 1, 2} {
		for _, c := range redAxesCases {
			n := 1
			for i, d := range c.shape {
				if len(c.axes) == 0 || slices.Contains(c.axes, i) || slices.Contains(c.axes, i-len(c.shape)) {
					n *= d
				}
			}
			if n <= correction {
				continue // NaN or Inf by definition
			}
			name := fmt.Sprintf("correction %d %v axes %v", correction, c.shape, c.axes)
			add("Variance", name, func(x []*V) *V { return autograd.Variance(x[0], correction, c.axes...) }, in(anyReal, c.shape...))
			if n > 1 { // the variance of one element is 0, where Std has no derivative
				add("Std", name, func(x []*V) *V { return autograd.Std(x[0], correction, c.axes...) }, in(anyReal, c.shape...))
			}
		}
	}

	for _, c := range redSoftmaxCases {
		name := fmt.Sprintf("%v axis %d", c.shape, c.axis)
		add("Softmax", name, func(x []*V) *V { return autograd.Softmax(x[0], c.axis) }, in(anyReal, c.shape...))
		add("LogSoftmax", name, func(x []*V) *V { return autograd.LogSoftmax(x[0], c.axis) }, in(anyReal, c.shape...))
	}
	add("Softmax", "wide [3 4] axis 1", func(x []*V) *V { return autograd.Softmax(x[0], 1) }, in(wide, 3, 4))
	add("LogSoftmax", "wide [3 4] axis 1", func(x []*V) *V { return autograd.LogSoftmax(x[0], 1) }, in(wide, 3, 4))

	// Losses, with every reduction.
	for _, r := range redReductions {
		for _, s := range [][]int{{}, {5}, {2, 3}} {
			name := fmt.Sprintf("%v %v", r, s)
			add("MSE", name, func(x []*V) *V { return autograd.MSE(x[0], x[1], r) }, in(anyReal, s...), in(anyReal, s...))
			add("L1", name, func(x []*V) *V { return autograd.L1(x[0], x[1], r) }, in(anyReal, s...), in(anyReal, s...))
			add("Huber", name+" delta 1", func(x []*V) *V { return autograd.Huber(x[0], x[1], 1, r) }, in(anyReal, s...), in(anyReal, s...))
			add("BCE", name, func(x []*V) *V { return autograd.BCE(redProb(x[0]), redTarget(x[1]), r) }, in(positive, s...), in(positive, s...))
			add("BCEWithLogits", name, func(x []*V) *V { return autograd.BCEWithLogits(x[0], x[1], r) }, in(anyReal, s...), in(anyReal, s...))
		}
		add("CrossEntropy", fmt.Sprintf("%v [4 3]", r), func(x []*V) *V { return autograd.CrossEntropy(x[0], []int{0, 2, 1, 2}, r) }, in(anyReal, 4, 3))
		add("CrossEntropy", fmt.Sprintf("%v one sample [5]", r), func(x []*V) *V { return autograd.CrossEntropy(x[0], []int{3}, r) }, in(anyReal, 5))
		add("NLL", fmt.Sprintf("%v [4 3]", r), func(x []*V) *V { return autograd.NLL(x[0], []int{2, 0, 0, 1}, r) }, in(anyReal, 4, 3))
		add("NLL", fmt.Sprintf("%v one sample [5]", r), func(x []*V) *V { return autograd.NLL(x[0], []int{0}, r) }, in(anyReal, 5))
	}
	add("MSE", "ReduceSum constant target [4 2]", func(x []*V) *V {
		return autograd.MSE(x[0], autograd.Const(in(anyReal, 4, 2).draw(8)), autograd.ReduceSum)
	}, in(anyReal, 4, 2))
	add("Huber", "delta 0.5 [4 3]", func(x []*V) *V { return autograd.Huber(x[0], x[1], 0.5) }, in(anyReal, 4, 3), in(anyReal, 4, 3))
	add("Huber", "delta 10 (all quadratic) [4 3]", func(x []*V) *V { return autograd.Huber(x[0], x[1], 10) }, in(anyReal, 4, 3), in(anyReal, 4, 3))
	add("BCEWithLogits", "wide logits [4 3]", func(x []*V) *V { return autograd.BCEWithLogits(x[0], redTarget(x[1])) }, in(wide, 4, 3), in(positive, 4, 3))
	add("CrossEntropy", "wide logits [3 5]", func(x []*V) *V { return autograd.CrossEntropy(x[0], []int{4, 0, 2}) }, in(wide, 3, 5))
	add("CrossEntropy", "repeated labels [3 2]", func(x []*V) *V { return autograd.CrossEntropy(x[0], []int{1, 1, 1}) }, in(anyReal, 3, 2))
	add("NLL", "of LogSoftmax [3 4]", func(x []*V) *V { return autograd.NLL(autograd.LogSoftmax(x[0], 1), []int{3, 1, 0}) }, in(anyReal, 3, 4))
	return tab
}

// TestReductionsGradgradcheck gradchecks the gradients of this family's ops
// (Grad with CreateGraph), as TestGradgradcheck does for the core ops: for
// f(x..., w) = d/dx_k Sum(op(x...) ∘ w), the Jacobian with respect to every
// input, w included, must match finite differences.
func TestReductionsGradgradcheck(t *testing.T) {
	cases := []gradgradCase{
		{"Max axis", func(x []*V) *V { return autograd.Max(x[0], 1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2}},
		{"MinKeepDims all", func(x []*V) *V { return autograd.MinKeepDims(x[0]) }, []inputSpec{in(anyReal, 2, 3)}, []int{1, 1}},
		{"LogSumExp axis", func(x []*V) *V { return autograd.LogSumExp(x[0], -1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2}},
		{"LogSumExpKeepDims axes", func(x []*V) *V { return autograd.LogSumExpKeepDims(x[0], 0, 2) }, []inputSpec{in(anyReal, 2, 3, 2)}, []int{1, 3, 1}},
		{"Variance", func(x []*V) *V { return autograd.Variance(x[0], 1, 1) }, []inputSpec{in(anyReal, 2, 4)}, []int{2}},
		{"Std", func(x []*V) *V { return autograd.Std(x[0], 0) }, []inputSpec{in(anyReal, 2, 3)}, []int{}},
		{"Softmax", func(x []*V) *V { return autograd.Softmax(x[0], 1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"Softmax axis 0", func(x []*V) *V { return autograd.Softmax(x[0], 0) }, []inputSpec{in(anyReal, 3, 2)}, []int{3, 2}},
		{"LogSoftmax", func(x []*V) *V { return autograd.LogSoftmax(x[0], -1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"MSE sum", func(x []*V) *V { return autograd.MSE(x[0], x[1], autograd.ReduceSum) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{}},
		{"L1 none", func(x []*V) *V { return autograd.L1(x[0], x[1], autograd.ReduceNone) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{2, 3}},
		{"Huber none", func(x []*V) *V { return autograd.Huber(x[0], x[1], 1, autograd.ReduceNone) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{2, 3}},
		{"BCE none", func(x []*V) *V { return autograd.BCE(redProb(x[0]), redTarget(x[1]), autograd.ReduceNone) }, []inputSpec{in(positive, 2, 3), in(positive, 2, 3)}, []int{2, 3}},
		{"BCEWithLogits none", func(x []*V) *V { return autograd.BCEWithLogits(x[0], x[1], autograd.ReduceNone) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{2, 3}},
		{"CrossEntropy none", func(x []*V) *V { return autograd.CrossEntropy(x[0], []int{2, 0}, autograd.ReduceNone) }, []inputSpec{in(anyReal, 2, 3)}, []int{2}},
		{"CrossEntropy mean", func(x []*V) *V { return autograd.CrossEntropy(x[0], []int{1, 1, 0}) }, []inputSpec{in(anyReal, 3, 4)}, []int{}},
		{"NLL sum", func(x []*V) *V { return autograd.NLL(x[0], []int{1, 0}, autograd.ReduceSum) }, []inputSpec{in(anyReal, 2, 3)}, []int{}},
	}
	runGradgrad(t, cases, 7000)
}

// redBuild applies the named op of this family to xs, in any precision.
func redBuild[T autograd.Float](op string, xs []*autograd.Var[T]) *autograd.Var[T] {
	switch op {
	case "Max":
		return autograd.Max(xs[0], 1)
	case "MaxKeepDims":
		return autograd.MaxKeepDims(xs[0], 0)
	case "Min":
		return autograd.Min(xs[0])
	case "MinKeepDims":
		return autograd.MinKeepDims(xs[0], -1)
	case "LogSumExp":
		return autograd.LogSumExp(xs[0], 1)
	case "LogSumExpKeepDims":
		return autograd.LogSumExpKeepDims(xs[0])
	case "Variance":
		return autograd.Variance(xs[0], 1, 0)
	case "Std":
		return autograd.Std(xs[0], 0, -1)
	case "Softmax":
		return autograd.Softmax(xs[0], 1)
	case "LogSoftmax":
		return autograd.LogSoftmax(xs[0], 0)
	case "MSE":
		return autograd.MSE(xs[0], xs[1], autograd.ReduceSum)
	case "L1":
		return autograd.L1(xs[0], xs[1], autograd.ReduceNone)
	case "Huber":
		return autograd.Huber(xs[0], xs[1], T(0.8))
	case "BCE":
		return autograd.BCE(autograd.Scale(xs[0], T(0.4)), autograd.Scale(xs[1], T(0.5)), autograd.ReduceSum)
	case "BCEWithLogits":
		return autograd.BCEWithLogits(xs[0], xs[1], autograd.ReduceNone)
	case "CrossEntropy":
		return autograd.CrossEntropy(xs[0], []int{2, 0, 1, 2})
	case "NLL":
		return autograd.NLL(xs[0], []int{1, 1, 0, 2}, autograd.ReduceNone)
	}
	panic("redBuild: unknown op " + op)
}

// TestReductionsFloat32MatchesFloat64 runs each op's forward and Backward in
// float32 and float64 on the same inputs: values and gradients must agree to
// float32 precision.
func TestReductionsFloat32MatchesFloat64(t *testing.T) {
	tests := []precisionCase{
		{"Max", []inputSpec{in(anyReal, 4, 3)}, []int{4}},
		{"MaxKeepDims", []inputSpec{in(anyReal, 4, 3)}, []int{1, 3}},
		{"Min", []inputSpec{in(anyReal, 4, 3)}, []int{}},
		{"MinKeepDims", []inputSpec{in(anyReal, 4, 3)}, []int{4, 1}},
		{"LogSumExp", []inputSpec{in(wide, 4, 3)}, []int{4}},
		{"LogSumExpKeepDims", []inputSpec{in(anyReal, 4, 3)}, []int{1, 1}},
		{"Variance", []inputSpec{in(anyReal, 4, 3)}, []int{3}},
		{"Std", []inputSpec{in(anyReal, 4, 3)}, []int{4}},
		{"Softmax", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"LogSoftmax", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"MSE", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 3)}, []int{}},
		{"L1", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 3)}, []int{4, 3}},
		{"Huber", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 3)}, []int{}},
		{"BCE", []inputSpec{in(positive, 4, 3), in(positive, 4, 3)}, []int{}},
		{"BCEWithLogits", []inputSpec{in(wide, 4, 3), in(anyReal, 4, 3)}, []int{4, 3}},
		{"CrossEntropy", []inputSpec{in(wide, 4, 3)}, []int{}},
		{"NLL", []inputSpec{in(anyReal, 4, 3)}, []int{4}},
	}
	checkPrecisions(t, tests, redBuild[float32], redBuild[float64], 900)
}

// TestReductionsBadInput checks that each error path of this family panics
// with a *tensor.ShapeError of package autograd whose message names the op
// the user called, exactly, with constant and with parameter operands.
func TestReductionsBadInput(t *testing.T) {
	type leafFn = func(shape ...int) *V
	tests := []struct {
		name   string
		f      func(l leafFn)
		op     string
		shapes [][]int
		want   string
	}{
		{"Max axis out of range", func(l leafFn) { autograd.Max(l(2, 3), 2) },
			"Max", [][]int{{2, 3}}, "autograd: Max: axis 2 out of range: [2 3]"},
		{"MaxKeepDims repeated axis", func(l leafFn) { autograd.MaxKeepDims(l(2, 3), 1, -1) },
			"MaxKeepDims", [][]int{{2, 3}}, "autograd: MaxKeepDims: axis -1 repeated: [2 3]"},
		{"Min empty axis", func(l leafFn) { autograd.Min(l(0, 3), 0) },
			"Min", [][]int{{0, 3}}, "autograd: Min: cannot reduce over axis 0 of size 0: [0 3]"},
		{"Max of nothing", func(l leafFn) { autograd.Max(l(2, 0)) },
			"Max", [][]int{{2, 0}}, "autograd: Max: cannot reduce over axis 1 of size 0: [2 0]"},
		{"MinKeepDims negative axis", func(l leafFn) { autograd.MinKeepDims(l(2, 3), -3) },
			"MinKeepDims", [][]int{{2, 3}}, "autograd: MinKeepDims: axis -3 out of range: [2 3]"},
		{"Argmax axis out of range", func(l leafFn) { autograd.Argmax(l(2, 3), 2) },
			"Argmax", [][]int{{2, 3}}, "autograd: Argmax: axis 2 out of range: [2 3]"},
		{"Argmin empty axis", func(l leafFn) { autograd.Argmin(l(4, 0), -1) },
			"Argmin", [][]int{{4, 0}}, "autograd: Argmin: cannot reduce over axis 1 of size 0: [4 0]"},
		{"LogSumExp axis out of range", func(l leafFn) { autograd.LogSumExp(l(2, 3), 5) },
			"LogSumExp", [][]int{{2, 3}}, "autograd: LogSumExp: axis 5 out of range: [2 3]"},
		{"LogSumExpKeepDims repeated axis", func(l leafFn) { autograd.LogSumExpKeepDims(l(2, 3), 0, 0) },
			"LogSumExpKeepDims", [][]int{{2, 3}}, "autograd: LogSumExpKeepDims: axis 0 repeated: [2 3]"},
		{"Variance axis out of range", func(l leafFn) { autograd.Variance(l(2, 3), 1, 2) },
			"Variance", [][]int{{2, 3}}, "autograd: Variance: axis 2 out of range: [2 3]"},
		{"Variance repeated axis", func(l leafFn) { autograd.Variance(l(2, 3), 0, 0, -2) },
			"Variance", [][]int{{2, 3}}, "autograd: Variance: axis -2 repeated: [2 3]"},
		{"Std axis of a 0-d scalar", func(l leafFn) { autograd.Std(l(), 1, 0) },
			"Std", [][]int{{}}, "autograd: Std: axis 0 out of range: []"},
		{"Softmax axis out of range", func(l leafFn) { autograd.Softmax(l(2, 3), 2) },
			"Softmax", [][]int{{2, 3}}, "autograd: Softmax: axis 2 out of range: [2 3]"},
		{"Softmax of a 0-d scalar along axis 1", func(l leafFn) { autograd.Softmax(l(), 1) },
			"Softmax", [][]int{{}}, "autograd: Softmax: axis 1 out of range: []"},
		{"LogSoftmax axis out of range", func(l leafFn) { autograd.LogSoftmax(l(2, 3), -3) },
			"LogSoftmax", [][]int{{2, 3}}, "autograd: LogSoftmax: axis -3 out of range: [2 3]"},
		{"MSE shapes differ", func(l leafFn) { autograd.MSE(l(3, 1), l(3), autograd.ReduceSum) },
			"MSE", [][]int{{3, 1}, {3}}, "autograd: MSE: prediction and target shapes differ: [3 1] x [3]"},
		{"MSE two reductions", func(l leafFn) { autograd.MSE(l(3), l(3), autograd.ReduceSum, autograd.ReduceMean) },
			"MSE", nil, "autograd: MSE: 2 reduction arguments [ReduceSum ReduceMean], want at most one"},
		{"L1 shapes differ", func(l leafFn) { autograd.L1(l(2, 3), l(3, 2)) },
			"L1", [][]int{{2, 3}, {3, 2}}, "autograd: L1: prediction and target shapes differ: [2 3] x [3 2]"},
		{"L1 unknown reduction", func(l leafFn) { autograd.L1(l(3), l(3), autograd.Reduction(7)) },
			"L1", nil, "autograd: L1: unknown reduction Reduction(7)"},
		{"Huber shapes differ", func(l leafFn) { autograd.Huber(l(4), l(), 1) },
			"Huber", [][]int{{4}, {}}, "autograd: Huber: prediction and target shapes differ: [4] x []"},
		{"Huber zero delta", func(l leafFn) { autograd.Huber(l(4), l(4), 0) },
			"Huber", nil, "autograd: Huber: delta must be positive, got 0"},
		{"Huber NaN delta", func(l leafFn) { autograd.Huber(l(4), l(4), math.NaN()) },
			"Huber", nil, "autograd: Huber: delta must be positive, got NaN"},
		{"BCE shapes differ", func(l leafFn) { autograd.BCE(l(2, 1), l(2)) },
			"BCE", [][]int{{2, 1}, {2}}, "autograd: BCE: probability and target shapes differ: [2 1] x [2]"},
		{"BCE three reductions", func(l leafFn) {
			autograd.BCE(l(2), l(2), autograd.ReduceNone, autograd.ReduceNone, autograd.ReduceSum)
		}, "BCE", nil, "autograd: BCE: 3 reduction arguments [ReduceNone ReduceNone ReduceSum], want at most one"},
		{"BCEWithLogits shapes differ", func(l leafFn) { autograd.BCEWithLogits(l(5), l(1, 5)) },
			"BCEWithLogits", [][]int{{5}, {1, 5}}, "autograd: BCEWithLogits: logits and target shapes differ: [5] x [1 5]"},
		{"CrossEntropy label too large", func(l leafFn) { autograd.CrossEntropy(l(3, 4), []int{0, 4, 1}) },
			"CrossEntropy", [][]int{{3, 4}}, "autograd: CrossEntropy: labels[1] = 4 is out of range for C = 4 classes: [3 4]"},
		{"CrossEntropy negative label", func(l leafFn) { autograd.CrossEntropy(l(3, 4), []int{0, 1, -1}) },
			"CrossEntropy", [][]int{{3, 4}}, "autograd: CrossEntropy: labels[2] = -1 is out of range for C = 4 classes: [3 4]"},
		{"CrossEntropy label count", func(l leafFn) { autograd.CrossEntropy(l(3, 4), []int{0, 1}) },
			"CrossEntropy", [][]int{{3, 4}}, "autograd: CrossEntropy: 2 labels for a batch of 3: [3 4]"},
		{"CrossEntropy one sample, two labels", func(l leafFn) { autograd.CrossEntropy(l(4), []int{0, 1}) },
			"CrossEntropy", [][]int{{4}}, "autograd: CrossEntropy: 2 labels for one sample (logits of shape [C]), want 1: [4]"},
		{"CrossEntropy one sample, label out of range", func(l leafFn) { autograd.CrossEntropy(l(4), []int{9}) },
			"CrossEntropy", [][]int{{4}}, "autograd: CrossEntropy: labels[0] = 9 is out of range for C = 4 classes: [4]"},
		{"CrossEntropy 3-D logits, labels per sample", func(l leafFn) { autograd.CrossEntropy(l(2, 3, 4), []int{0, 1}) },
			"CrossEntropy", [][]int{{2, 3, 4}}, "autograd: CrossEntropy: 2 labels for the 8 positions of logits [N C d1 … dk] (one per element of [N d1 … dk]): [2 3 4]"},
		{"CrossEntropy 0-d logits", func(l leafFn) { autograd.CrossEntropy(l(), []int{0}) },
			"CrossEntropy", [][]int{{}}, "autograd: CrossEntropy: logits must be [N C] or [C]: []"},
		{"CrossEntropy two reductions", func(l leafFn) { autograd.CrossEntropy(l(1, 2), []int{0}, autograd.ReduceSum, autograd.ReduceSum) },
			"CrossEntropy", nil, "autograd: CrossEntropy: 2 reduction arguments [ReduceSum ReduceSum], want at most one"},
		{"NLL label out of range", func(l leafFn) { autograd.NLL(l(2, 3), []int{3, 0}) },
			"NLL", [][]int{{2, 3}}, "autograd: NLL: labels[0] = 3 is out of range for C = 3 classes: [2 3]"},
		{"NLL label count", func(l leafFn) { autograd.NLL(l(2, 3), nil) },
			"NLL", [][]int{{2, 3}}, "autograd: NLL: 0 labels for a batch of 2: [2 3]"},
		{"NLL 3-D, labels per sample", func(l leafFn) { autograd.NLL(l(1, 2, 3), []int{0}) },
			"NLL", [][]int{{1, 2, 3}}, "autograd: NLL: 1 labels for the 3 positions of log-probabilities [N C d1 … dk] (one per element of [N d1 … dk]): [1 2 3]"},
		{"NLL unknown reduction", func(l leafFn) { autograd.NLL(l(2, 3), []int{0, 0}, autograd.Reduction(-1)) },
			"NLL", nil, "autograd: NLL: unknown reduction Reduction(-1)"},
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
				leaf := func(shape ...int) *V { return lf.make(tensor.Full(0.5, shape...)) }
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
