package autograd_test

import (
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestShapeErrors checks that each op given shapes it cannot combine panics
// with a *tensor.ShapeError of package autograd whose message names the op
// the user called and the shapes, exactly. Each case runs with constant and
// with parameter operands: recording a graph must not change the error.
func TestShapeErrors(t *testing.T) {
	tests := []struct {
		name   string
		f      func(leaf func(shape ...int) *V)
		op     string
		shapes [][]int
		want   string
	}{
		{"MatMul inner dimensions", func(l func(...int) *V) { autograd.MatMul(l(3, 4), l(5, 2)) },
			"MatMul", [][]int{{3, 4}, {5, 2}}, "autograd: MatMul: inner dimensions differ: [3 4] x [5 2]"},
		{"MatMul 0-d operand", func(l func(...int) *V) { autograd.MatMul(l(), l(4, 2)) },
			"MatMul", [][]int{{}, {4, 2}}, "autograd: MatMul: operands must be at least 1-D: [] x [4 2]"},
		{"MatMul batched inner dimensions", func(l func(...int) *V) { autograd.MatMul(l(2, 3, 4), l(5, 2)) },
			"MatMul", [][]int{{2, 3, 4}, {5, 2}}, "autograd: MatMul: inner dimensions differ: [2 3 4] x [5 2]"},
		{"MatMulT inner dimensions", func(l func(...int) *V) { autograd.MatMulT(l(3, 4), l(3, 2), false, true) },
			"MatMul", [][]int{{3, 4}, {3, 2}}, "autograd: MatMul: inner dimensions differ: [3 4] x [3 2]"},
		{"Linear x not 2-D", func(l func(...int) *V) { autograd.Linear(l(4), l(5, 4), nil) },
			"Linear", [][]int{{4}, {5, 4}}, "autograd: Linear: want x [batch in] and w [out in]: [4] x [5 4]"},
		{"Linear w not 2-D", func(l func(...int) *V) { autograd.Linear(l(3, 4), l(2, 5, 4), l(5)) },
			"Linear", [][]int{{3, 4}, {2, 5, 4}}, "autograd: Linear: want x [batch in] and w [out in]: [3 4] x [2 5 4]"},
		{"Linear inner dimensions", func(l func(...int) *V) { autograd.Linear(l(3, 4), l(5, 3), l(5)) },
			"Linear", [][]int{{3, 4}, {5, 3}}, "autograd: Linear: want x [batch in] and w [out in]: [3 4] x [5 3]"},
		{"Linear bias not [out]", func(l func(...int) *V) { autograd.Linear(l(3, 4), l(5, 4), l(4)) },
			"Linear", [][]int{{3, 4}, {5, 4}, {4}}, "autograd: Linear: bias must be [out]: [3 4] x [5 4] x [4]"},
		{"Linear bias [1 out]", func(l func(...int) *V) { autograd.Linear(l(3, 4), l(5, 4), l(1, 5)) },
			"Linear", [][]int{{3, 4}, {5, 4}, {1, 5}}, "autograd: Linear: bias must be [out]: [3 4] x [5 4] x [1 5]"},
		{"LinearReLU inner dimensions", func(l func(...int) *V) { autograd.LinearReLU(l(3, 4), l(5, 3), nil) },
			"LinearReLU", [][]int{{3, 4}, {5, 3}}, "autograd: LinearReLU: want x [batch in] and w [out in]: [3 4] x [5 3]"},
		{"LinearReLU bias not [out]", func(l func(...int) *V) { autograd.LinearReLU(l(3, 4), l(5, 4), l(4)) },
			"LinearReLU", [][]int{{3, 4}, {5, 4}, {4}}, "autograd: LinearReLU: bias must be [out]: [3 4] x [5 4] x [4]"},
		{"Add", func(l func(...int) *V) { autograd.Add(l(2, 3), l(4)) },
			"Add", [][]int{{2, 3}, {4}}, "autograd: Add: shapes do not broadcast: [2 3] x [4]"},
		{"Sub", func(l func(...int) *V) { autograd.Sub(l(2, 3), l(3, 2)) },
			"Sub", [][]int{{2, 3}, {3, 2}}, "autograd: Sub: shapes do not broadcast: [2 3] x [3 2]"},
		{"Mul", func(l func(...int) *V) { autograd.Mul(l(2), l(3)) },
			"Mul", [][]int{{2}, {3}}, "autograd: Mul: shapes do not broadcast: [2] x [3]"},
		{"Div", func(l func(...int) *V) { autograd.Div(l(4, 2, 3), l(2, 2)) },
			"Div", [][]int{{4, 2, 3}, {2, 2}}, "autograd: Div: shapes do not broadcast: [4 2 3] x [2 2]"},
		{"MSE shapes differ", func(l func(...int) *V) { autograd.MSE(l(3, 1), l(3)) },
			"MSE", [][]int{{3, 1}, {3}}, "autograd: MSE: prediction and target shapes differ: [3 1] x [3]"},
		{"Sum axis out of range", func(l func(...int) *V) { autograd.Sum(l(2, 3), 2) },
			"Sum", [][]int{{2, 3}}, "autograd: Sum: axis 2 out of range: [2 3]"},
		{"Sum negative axis out of range", func(l func(...int) *V) { autograd.Sum(l(2, 3), -3) },
			"Sum", [][]int{{2, 3}}, "autograd: Sum: axis -3 out of range: [2 3]"},
		{"Sum repeated axis", func(l func(...int) *V) { autograd.Sum(l(2, 3), 0, -2) },
			"Sum", [][]int{{2, 3}}, "autograd: Sum: axis -2 repeated: [2 3]"},
		{"Sum axis of a 0-d scalar", func(l func(...int) *V) { autograd.Sum(l(), 0) },
			"Sum", [][]int{{}}, "autograd: Sum: axis 0 out of range: []"},
		{"Mean axis out of range", func(l func(...int) *V) { autograd.Mean(l(2, 3), 5) },
			"Mean", [][]int{{2, 3}}, "autograd: Mean: axis 5 out of range: [2 3]"},
		{"SumKeepDims axis out of range", func(l func(...int) *V) { autograd.SumKeepDims(l(2, 3), 2) },
			"SumKeepDims", [][]int{{2, 3}}, "autograd: SumKeepDims: axis 2 out of range: [2 3]"},
		{"MeanKeepDims axis out of range", func(l func(...int) *V) { autograd.MeanKeepDims(l(2, 3), -3) },
			"MeanKeepDims", [][]int{{2, 3}}, "autograd: MeanKeepDims: axis -3 out of range: [2 3]"},
		{"Reshape element count", func(l func(...int) *V) { autograd.Reshape(l(2, 3), 4, 2) },
			"Reshape", [][]int{{2, 3}, {4, 2}}, "autograd: Reshape: element counts differ: [2 3] x [4 2]"},
		{"Reshape cannot infer -1", func(l func(...int) *V) { autograd.Reshape(l(2, 3), -1, 4) },
			"Reshape", [][]int{{2, 3}, {-1, 4}}, "autograd: Reshape: cannot infer the -1 dimension: [2 3] x [-1 4]"},
		{"Transpose not 2-D", func(l func(...int) *V) { autograd.Transpose(l(2, 3, 4)) },
			"Transpose", [][]int{{2, 3, 4}}, "autograd: Transpose: tensor must be 2-D: [2 3 4]"},
		{"BroadcastTo incompatible", func(l func(...int) *V) { autograd.BroadcastTo(l(2, 3), 4, 3) },
			"BroadcastTo", [][]int{{2, 3}, {4, 3}}, "autograd: BroadcastTo: source does not broadcast to the target shape: [2 3] x [4 3]"},
		{"SumTo incompatible", func(l func(...int) *V) { autograd.SumTo(l(2, 3), 4) },
			"SumTo", [][]int{{2, 3}, {4}}, "autograd: SumTo: target shape does not broadcast to the source: [2 3] x [4]"},
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

// TestSelect: x.select(axis, index) with negative axes and indices, a
// vector giving a 0-d result, and out-of-range arguments refused with
// Select's error.
func TestSelect(t *testing.T) {
	x := autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	checkTensor(t, "x[:, -1]", autograd.Select(x, 1, -1).Value(), view([]int{2}, 3, 6), 0)
	checkTensor(t, "x[1]", autograd.Select(x, -2, 1).Value(), view([]int{3}, 4, 5, 6), 0)
	checkTensor(t, "v[2]", autograd.Select(autograd.Const(t64([]float64{7, 8, 9}, 3)), 0, 2).Value(), view([]int{}, 9), 0)
	for _, bad := range [][2]int{{2, 0}, {-3, 0}, {1, 3}, {1, -4}} {
		se := mustShapeError(t, func() { autograd.Select(x, bad[0], bad[1]) })
		if se.Op != "Select" {
			t.Errorf("Select(x, %d, %d): error %v, want Select's", bad[0], bad[1], se)
		}
	}
}
