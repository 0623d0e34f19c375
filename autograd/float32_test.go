package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// buildOp applies the named op to xs. It is generic so that the same
// expression runs in float32 and float64.
func buildOp[T autograd.Float](op string, xs []*autograd.Var[T]) *autograd.Var[T] {
	switch op {
	case "Add":
		return autograd.Add(xs[0], xs[1])
	case "Sub":
		return autograd.Sub(xs[0], xs[1])
	case "Mul":
		return autograd.Mul(xs[0], xs[1])
	case "Div":
		return autograd.Div(xs[0], xs[1])
	case "Neg":
		return autograd.Neg(xs[0])
	case "Scale":
		return autograd.Scale(xs[0], T(-1.5))
	case "MatMul":
		return autograd.MatMul(xs[0], xs[1])
	case "MatMulT":
		return autograd.MatMulT(xs[0], xs[1], true, true)
	case "Linear", "Linear no bias":
		return linearOf(xs)
	case "Transpose":
		return autograd.Transpose(xs[0])
	case "Reshape":
		return autograd.Reshape(xs[0], -1, 2)
	case "Sigmoid":
		return autograd.Sigmoid(xs[0])
	case "Tanh":
		return autograd.Tanh(xs[0])
	case "ReLU":
		return autograd.ReLU(xs[0])
	case "Exp":
		return autograd.Exp(xs[0])
	case "Log":
		return autograd.Log(xs[0])
	case "Square":
		return autograd.Square(xs[0])
	case "Pow":
		return autograd.Pow(xs[0], T(1.5))
	case "Sum":
		return autograd.Sum(xs[0], 0)
	case "SumKeepDims":
		return autograd.SumKeepDims(xs[0], -1)
	case "Mean":
		return autograd.Mean(xs[0], 1)
	case "MeanKeepDims":
		return autograd.MeanKeepDims(xs[0])
	case "BroadcastTo":
		return autograd.BroadcastTo(xs[0], 4, 3)
	case "SumTo":
		return autograd.SumTo(xs[0], 1, 3)
	case "MSE":
		return autograd.MSE(xs[0], xs[1])
	}
	panic("buildOp: unknown op " + op)
}

// runPrecision evaluates loss = Sum(build(op, xs) ∘ w) in T, backpropagates,
// and returns the op's output and every input's gradient widened to float64.
// Each op family's float32 test passes its own builder.
func runPrecision[T autograd.Float](build func(op string, xs []*autograd.Var[T]) *autograd.Var[T], op string, inputs []*tensor.Tensor[float32], w *tensor.Tensor[float32]) (out tensorView, grads []tensorView) {
	xs := make([]*autograd.Var[T], len(inputs))
	for i, x := range inputs {
		xs[i] = autograd.Param(convert[T](x))
	}
	y := build(op, xs)
	loss := autograd.Sum(autograd.Mul(y, autograd.Const(convert[T](w))))
	loss.Backward()
	for _, x := range xs {
		grads = append(grads, viewOf(x.Grad()))
	}
	return viewOf(y.Value()), grads
}

func convert[T autograd.Float](x *tensor.Tensor[float32]) *tensor.Tensor[T] {
	d := make([]T, x.Len())
	for i, v := range x.Data() {
		d[i] = T(v)
	}
	return tensor.MustNew(d, x.Shape()...)
}

func draw32(s inputSpec, seed uint64) *tensor.Tensor[float32] {
	x := s.draw(seed)
	d := make([]float32, x.Len())
	for i, v := range x.Data() {
		d[i] = float32(v)
	}
	return tensor.MustNew(d, x.Shape()...)
}

// TestFloat32MatchesFloat64 runs each op's forward and Backward in float32
// and float64 on the same (float32-representable) inputs: values and
// gradients must agree to float32 precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	tests := []precisionCase{
		{"Add", []inputSpec{in(anyReal, 4, 3), in(anyReal, 3)}, []int{4, 3}},
		{"Sub", []inputSpec{in(anyReal, 4, 1), in(anyReal, 1, 3)}, []int{4, 3}},
		{"Mul", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 3)}, []int{4, 3}},
		{"Div", []inputSpec{in(anyReal, 4, 3), in(nonZero, 4, 1)}, []int{4, 3}},
		{"Neg", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"Scale", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"MatMul", []inputSpec{in(anyReal, 5, 7), in(anyReal, 7, 3)}, []int{5, 3}},
		{"MatMulT", []inputSpec{in(anyReal, 7, 5), in(anyReal, 3, 7)}, []int{5, 3}},
		{"Linear", []inputSpec{in(anyReal, 5, 7), in(anyReal, 3, 7), in(anyReal, 3)}, []int{5, 3}},
		{"Linear no bias", []inputSpec{in(anyReal, 5, 7), in(anyReal, 3, 7)}, []int{5, 3}},
		{"Transpose", []inputSpec{in(anyReal, 4, 3)}, []int{3, 4}},
		{"Reshape", []inputSpec{in(anyReal, 4, 3)}, []int{6, 2}},
		{"Sigmoid", []inputSpec{in(wide, 4, 3)}, []int{4, 3}},
		{"Tanh", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"ReLU", []inputSpec{in(nonZero, 4, 3)}, []int{4, 3}},
		{"Exp", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"Log", []inputSpec{in(positive, 4, 3)}, []int{4, 3}},
		{"Square", []inputSpec{in(anyReal, 4, 3)}, []int{4, 3}},
		{"Pow", []inputSpec{in(positive, 4, 3)}, []int{4, 3}},
		{"Sum", []inputSpec{in(anyReal, 4, 3)}, []int{3}},
		{"SumKeepDims", []inputSpec{in(anyReal, 4, 3)}, []int{4, 1}},
		{"Mean", []inputSpec{in(anyReal, 4, 3)}, []int{4}},
		{"MeanKeepDims", []inputSpec{in(anyReal, 4, 3)}, []int{1, 1}},
		{"BroadcastTo", []inputSpec{in(anyReal, 3)}, []int{4, 3}},
		{"SumTo", []inputSpec{in(anyReal, 4, 3)}, []int{1, 3}},
		{"MSE", []inputSpec{in(anyReal, 4, 3), in(anyReal, 4, 3)}, []int{}},
	}
	checkPrecisions(t, tests, buildOp[float32], buildOp[float64], 300)
}

// precisionCase is one op of a float32-against-float64 comparison: its
// inputs, and the shape of its output (for the upstream weights).
type precisionCase struct {
	op     string
	inputs []inputSpec
	out    []int
}

// checkPrecisions runs each case's forward and Backward in float32 and in
// float64 on the same float32-representable inputs: values and gradients
// must agree to float32 precision. seedBase keeps each family's inputs
// distinct.
func checkPrecisions(t *testing.T, cases []precisionCase,
	b32 func(string, []*autograd.Var[float32]) *autograd.Var[float32],
	b64 func(string, []*autograd.Var[float64]) *autograd.Var[float64], seedBase uint64) {
	t.Helper()
	opts := approx(1e-4)
	for i, tc := range cases {
		t.Run(tc.op, func(t *testing.T) {
			defer failOnPanic(t)
			inputs := make([]*tensor.Tensor[float32], len(tc.inputs))
			for j, s := range tc.inputs {
				inputs[j] = draw32(s, seedBase+uint64(10*i+j))
			}
			w := draw32(in(anyReal, tc.out...), seedBase+uint64(10*i+9))
			out32, grads32 := runPrecision(b32, tc.op, inputs, w)
			out64, grads64 := runPrecision(b64, tc.op, inputs, w)
			if d := cmp.Diff(out64, out32, opts); d != "" {
				t.Errorf("float32 output differs from float64 (-float64 +float32):\n%s", d)
			}
			if d := cmp.Diff(grads64, grads32, opts); d != "" {
				t.Errorf("float32 gradients differ from float64 (-float64 +float32):\n%s", d)
			}
			for j, g := range grads32 {
				if len(g.Data) != inputs[j].Len() {
					t.Errorf("float32 gradient of input %d has %d elements, want %d", j, len(g.Data), inputs[j].Len())
				}
			}
		})
	}
}
