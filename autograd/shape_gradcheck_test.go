package autograd_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() { moreGradcheckCases = append(moreGradcheckCases, shpCases) }

// shpCases are the gradcheck rows of the shape operations and of batched
// MatMul / MatMulT: several shapes each, negative axes, broadcasting batches,
// repeated indices, and the same Var used twice.
func shpCases() []gradcheckCase {
	var tab []gradcheckCase
	add := func(op, name string, f gradcheck.Func, inputs ...inputSpec) {
		tab = append(tab, gradcheckCase{op: op, name: name, inputs: inputs, f: f})
	}

	for _, tc := range []struct{ shape, axes []int }{
		{[]int{}, []int{}},
		{[]int{5}, []int{0}},
		{[]int{2, 3}, []int{1, 0}},
		{[]int{2, 3, 4}, []int{2, 0, 1}},
		{[]int{2, 3, 4}, []int{-1, 0, -2}},
		{[]int{1, 3, 2, 2}, []int{3, 1, 0, 2}},
	} {
		add("Permute", fmt.Sprintf("%v axes %v", tc.shape, tc.axes), func(x []*V) *V { return autograd.Permute(x[0], tc.axes...) }, in(anyReal, tc.shape...))
	}

	for _, tc := range []struct{ shape, axes []int }{
		{[]int{1, 3, 1}, nil},
		{[]int{1, 3, 1}, []int{0}},
		{[]int{1, 3, 1}, []int{-1, 0}},
		{[]int{2, 1, 3}, []int{-2}},
		{[]int{1}, nil},
		{[]int{2, 3}, nil},
	} {
		add("Squeeze", fmt.Sprintf("%v axes %v", tc.shape, tc.axes), func(x []*V) *V { return autograd.Squeeze(x[0], tc.axes...) }, in(anyReal, tc.shape...))
	}

	for _, tc := range []struct {
		shape []int
		axis  int
	}{
		{[]int{}, 0},
		{[]int{2, 3}, 0},
		{[]int{2, 3}, 1},
		{[]int{2, 3}, 2},
		{[]int{2, 3}, -1},
		{[]int{2, 3}, -3},
	} {
		add("Unsqueeze", fmt.Sprintf("%v axis %d", tc.shape, tc.axis), func(x []*V) *V { return autograd.Unsqueeze(x[0], tc.axis) }, in(anyReal, tc.shape...))
	}

	for _, tc := range []struct{ from, to []int }{
		{[]int{}, []int{2, 3}},
		{[]int{3}, []int{2, 3}},
		{[]int{2, 1}, []int{2, 3}},
		{[]int{2, 1}, []int{4, 2, 3}},
		{[]int{2, 1}, []int{3, -1, 4}},
		{[]int{1, 3}, []int{2, -1}},
		{[]int{2, 3}, []int{-1, -1}},
	} {
		add("Expand", fmt.Sprintf("%v to %v", tc.from, tc.to), func(x []*V) *V { return autograd.Expand(x[0], tc.to...) }, in(anyReal, tc.from...))
	}

	end := tensor.End
	for _, tc := range []struct {
		shape  []int
		ranges []autograd.Range
	}{
		{[]int{6}, []autograd.Range{{Start: 1, Stop: end, Step: 2}}},
		{[]int{6}, []autograd.Range{{Start: -4, Stop: -1, Step: 1}}},
		{[]int{6}, []autograd.Range{{Start: -100, Stop: 100, Step: 4}}},
		{[]int{4, 5}, []autograd.Range{{Start: 1, Stop: 3, Step: 1}}},
		{[]int{4, 5}, []autograd.Range{{Start: 0, Stop: end, Step: 2}, {Start: -4, Stop: -1, Step: 2}}},
		{[]int{3, 4, 5}, []autograd.Range{{Stop: end, Step: 1}, {Start: 1, Stop: end, Step: 2}, {Start: -2, Stop: end, Step: 1}}},
		{[]int{3, 4, 5}, []autograd.Range{{Start: 1, Stop: -1, Step: 1}}},
		{[]int{2, 3}, nil},
	} {
		add("Slice", fmt.Sprintf("%v %v", tc.shape, tc.ranges), func(x []*V) *V { return autograd.Slice(x[0], tc.ranges...) }, in(anyReal, tc.shape...))
	}
	// Two overlapping slices of one Var: their scattered gradients add.
	add("Slice", "overlapping slices of one Var", func(x []*V) *V {
		a := autograd.Slice(x[0], autograd.Range{Start: 0, Stop: 4, Step: 1})
		b := autograd.Slice(x[0], autograd.Range{Start: 2, Stop: 6, Step: 1})
		return autograd.Mul(a, b)
	}, in(anyReal, 6, 2))

	for _, tc := range []struct {
		shape  []int
		widths [][2]int
	}{
		{[]int{}, nil},
		{[]int{3}, [][2]int{{1, 2}}},
		{[]int{2, 3}, [][2]int{{1, 0}, {0, 2}}},
		{[]int{2, 1, 2}, [][2]int{{0, 1}, {2, 0}, {1, 1}}},
		{[]int{2, 3}, [][2]int{{0, 0}, {0, 0}}},
	} {
		add("Pad", fmt.Sprintf("%v widths %v", tc.shape, tc.widths), func(x []*V) *V { return autograd.Pad(x[0], tc.widths, 0.5) }, in(anyReal, tc.shape...))
	}

	add("Concat", "axis 0 [2 3]+[1 3]", func(x []*V) *V { return autograd.Concat(0, x[0], x[1]) }, in(anyReal, 2, 3), in(anyReal, 1, 3))
	add("Concat", "axis -1 [2 3]+[2 2]+[2 1]", func(x []*V) *V { return autograd.Concat(-1, x[0], x[1], x[2]) }, in(anyReal, 2, 3), in(anyReal, 2, 2), in(anyReal, 2, 1))
	add("Concat", "axis 1 [2 1 3]+[2 2 3]", func(x []*V) *V { return autograd.Concat(1, x[0], x[1]) }, in(anyReal, 2, 1, 3), in(anyReal, 2, 2, 3))
	add("Concat", "one input", func(x []*V) *V { return autograd.Concat(0, x[0]) }, in(anyReal, 4))
	add("Concat", "same Var twice", func(x []*V) *V { return autograd.Concat(1, x[0], x[0]) }, in(anyReal, 2, 3))
	cc := in(anyReal, 2, 2).draw(77)
	add("Concat", "constant operand", func(x []*V) *V { return autograd.Concat(0, autograd.Const(cc), x[0]) }, in(anyReal, 3, 2))

	add("Stack", "axis 0 two [2 3]", func(x []*V) *V { return autograd.Stack(0, x[0], x[1]) }, in(anyReal, 2, 3), in(anyReal, 2, 3))
	add("Stack", "axis 1 three [2 3]", func(x []*V) *V { return autograd.Stack(1, x[0], x[1], x[2]) }, in(anyReal, 2, 3), in(anyReal, 2, 3), in(anyReal, 2, 3))
	add("Stack", "axis -1 two [2 3]", func(x []*V) *V { return autograd.Stack(-1, x[0], x[1]) }, in(anyReal, 2, 3), in(anyReal, 2, 3))
	add("Stack", "0-d scalars", func(x []*V) *V { return autograd.Stack(0, x[0], x[1], x[0]) }, in(anyReal), in(anyReal))
	add("Stack", "constant operand", func(x []*V) *V { return autograd.Stack(0, x[0], autograd.Const(cc)) }, in(anyReal, 2, 2))

	for _, tc := range []struct {
		shape []int
		axis  int
		idx   []int
	}{
		{[]int{4, 3}, 0, []int{3, 0, 3, 1}},
		{[]int{4, 3}, -1, []int{2, 2, 0}},
		{[]int{2, 4, 3}, 1, []int{1, 1, 1, 3}},
		{[]int{5}, 0, []int{4, 4, 0}},
		{[]int{3, 2}, 0, []int{2}},
	} {
		add("IndexSelect", fmt.Sprintf("%v axis %d indices %v", tc.shape, tc.axis, tc.idx), func(x []*V) *V { return autograd.IndexSelect(x[0], tc.axis, tc.idx) }, in(anyReal, tc.shape...))
	}

	// torch.matmul's rules: vectors, matrices, and broadcast batches.
	for _, tc := range []struct{ a, b []int }{
		{[]int{3}, []int{3}},
		{[]int{3}, []int{3, 4}},
		{[]int{2, 3}, []int{3}},
		{[]int{2, 2, 3}, []int{3, 4}},
		{[]int{2, 1, 2, 3}, []int{3, 3, 2}},
		{[]int{3}, []int{2, 3, 4}},
		{[]int{2, 3, 4}, []int{4}},
		{[]int{3, 4}, []int{2, 4, 5}},
		{[]int{2, 3, 4}, []int{2, 4, 2}},
		{[]int{1, 2, 3}, []int{3, 1, 3, 2}},
	} {
		add("MatMul", fmt.Sprintf("%v x %v", tc.a, tc.b), func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, in(anyReal, tc.a...), in(anyReal, tc.b...))
	}
	add("MatMul", "same Var twice [2 3 3]", func(x []*V) *V { return autograd.MatMul(x[0], x[0]) }, in(anyReal, 2, 3, 3))
	add("MatMul", "dot of a vector with itself", func(x []*V) *V { return autograd.MatMul(x[0], x[0]) }, in(anyReal, 4))
	for _, tc := range []struct {
		ta, tb bool
		a, b   []int
	}{
		{false, false, []int{2, 3, 4}, []int{2, 4, 2}},
		{false, true, []int{2, 1, 3, 4}, []int{3, 2, 4}},
		{true, false, []int{2, 4, 3}, []int{4, 2}},
		{true, true, []int{4, 3}, []int{2, 2, 4}},
		{false, true, []int{2, 3, 4}, []int{2, 4}},
	} {
		add("MatMulT", fmt.Sprintf("batched transA=%v transB=%v %v x %v", tc.ta, tc.tb, tc.a, tc.b),
			func(x []*V) *V { return autograd.MatMulT(x[0], x[1], tc.ta, tc.tb) }, in(anyReal, tc.a...), in(anyReal, tc.b...))
	}
	add("MatMulT", "batched Gram matrices x·xᵀ", func(x []*V) *V { return autograd.MatMulT(x[0], x[0], false, true) }, in(anyReal, 2, 3, 4))
	return tab
}

// TestShpGradcheckSplit gradchecks Split, which returns several Vars (so
// the table, whose rows return one, cannot hold it): the pieces are weighted
// differently and one is left unused, whose part of the gradient is zero.
func TestShpGradcheckSplit(t *testing.T) {
	tests := []struct {
		shape []int
		axis  int
		sizes []int
	}{
		{[]int{6}, 0, []int{1, 2, 3}},
		{[]int{2, 5}, 1, []int{2, 0, 3}},
		{[]int{2, 5}, -1, []int{5}},
		{[]int{4, 2, 3}, 0, []int{1, 1, 2}},
		{[]int{2, 4, 3}, -2, []int{3, 1}},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%v axis %d sizes %v", tc.shape, tc.axis, tc.sizes), func(t *testing.T) {
			defer failOnPanic(t)
			f := func(x []*V) *V {
				pieces := autograd.Split(x[0], tc.axis, tc.sizes...)
				total := autograd.Scalar(0.0)
				for j, p := range pieces[:max(len(pieces)-1, 1)] { // the last piece is unused
					w := in(anyReal, p.Shape()...).draw(uint64(100*i + j))
					total = autograd.Add(total, autograd.Sum(autograd.Mul(p, autograd.Const(w))))
				}
				// A second use of the first piece, nonlinear, so the check
				// sees more than a constant Jacobian.
				return autograd.Add(total, autograd.Sum(autograd.Square(pieces[0])))
			}
			gradcheck.Assert(t, f, []*tensor.Tensor[float64]{in(anyReal, tc.shape...).draw(uint64(i))})
		})
	}
}

// TestShpGradgradcheck gradchecks the gradients of the shape ops and of
// batched MatMul themselves (Grad with CreateGraph), as TestGradgradcheck
// does for the core ops: for f(x..., w) = d/dx_k Sum(op(x...) ∘ w), the
// Jacobian with respect to every input, w included, must match finite
// differences. It exercises the adjoint operations (the scatter of Slice,
// the index-add of IndexSelect), whose own derivatives are the forward ops.
func TestShpGradgradcheck(t *testing.T) {
	end := tensor.End
	cases := []gradgradCase{
		{"Permute", func(x []*V) *V { return autograd.Permute(x[0], 2, 0, 1) }, []inputSpec{in(anyReal, 2, 3, 4)}, []int{4, 2, 3}},
		{"Squeeze", func(x []*V) *V { return autograd.Squeeze(x[0]) }, []inputSpec{in(anyReal, 1, 3, 1)}, []int{3}},
		{"Unsqueeze", func(x []*V) *V { return autograd.Unsqueeze(x[0], -1) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3, 1}},
		{"Expand", func(x []*V) *V { return autograd.Expand(x[0], 2, -1, 3) }, []inputSpec{in(anyReal, 4, 1)}, []int{2, 4, 3}},
		{"Slice", func(x []*V) *V {
			return autograd.Slice(x[0], autograd.Range{Start: -3, Stop: end, Step: 1}, autograd.Range{Start: 0, Stop: end, Step: 2})
		}, []inputSpec{in(anyReal, 4, 5)}, []int{3, 3}},
		{"Slice squared", func(x []*V) *V {
			return autograd.Square(autograd.Slice(x[0], autograd.Range{Start: 1, Stop: end, Step: 2}))
		}, []inputSpec{in(anyReal, 5, 2)}, []int{2, 2}},
		{"Pad", func(x []*V) *V { return autograd.Pad(x[0], [][2]int{{1, 0}, {2, 1}}, -1) }, []inputSpec{in(anyReal, 2, 3)}, []int{3, 6}},
		{"Pad squared", func(x []*V) *V { return autograd.Square(autograd.Pad(x[0], [][2]int{{1, 1}}, 2)) }, []inputSpec{in(anyReal, 3)}, []int{5}},
		{"Concat", func(x []*V) *V { return autograd.Concat(-1, x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 1)}, []int{2, 4}},
		{"Concat of products", func(x []*V) *V { return autograd.Concat(0, autograd.Mul(x[0], x[1]), x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{4, 3}},
		{"Stack", func(x []*V) *V { return autograd.Stack(1, x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 2, 3)}, []int{2, 2, 3}},
		{"Split rejoined", func(x []*V) *V {
			p := autograd.Split(x[0], 1, 1, 2, 1)
			return autograd.Concat(1, autograd.Mul(p[2], p[0]), p[1])
		}, []inputSpec{in(anyReal, 2, 4)}, []int{2, 3}},
		{"IndexSelect", func(x []*V) *V { return autograd.IndexSelect(x[0], 0, []int{2, 0, 2, 2}) }, []inputSpec{in(anyReal, 3, 2)}, []int{4, 2}},
		{"IndexSelect squared", func(x []*V) *V { return autograd.Square(autograd.IndexSelect(x[0], -1, []int{1, 1, 0})) }, []inputSpec{in(anyReal, 2, 3)}, []int{2, 3}},
		{"MatMul [3]x[3]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, []inputSpec{in(anyReal, 3), in(anyReal, 3)}, []int{}},
		{"MatMul [3]x[3 4]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, []inputSpec{in(anyReal, 3), in(anyReal, 3, 4)}, []int{4}},
		{"MatMul [2 3]x[3]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 3), in(anyReal, 3)}, []int{2}},
		{"MatMul [2 2 3]x[3 4]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 2, 3), in(anyReal, 3, 4)}, []int{2, 2, 4}},
		{"MatMul [2 1 2 3]x[3 3 2]", func(x []*V) *V { return autograd.MatMul(x[0], x[1]) }, []inputSpec{in(anyReal, 2, 1, 2, 3), in(anyReal, 3, 3, 2)}, []int{2, 3, 2, 2}},
		{"MatMulT batched transB", func(x []*V) *V { return autograd.MatMulT(x[0], x[1], false, true) }, []inputSpec{in(anyReal, 2, 3, 4), in(anyReal, 2, 4)}, []int{2, 3, 2}},
		{"MatMulT batched transA", func(x []*V) *V { return autograd.MatMulT(x[0], x[1], true, false) }, []inputSpec{in(anyReal, 1, 4, 3), in(anyReal, 2, 4, 2)}, []int{2, 3, 2}},
	}
	runGradgrad(t, cases, 7000)
}
