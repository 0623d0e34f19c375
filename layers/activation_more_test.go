package layers_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

var (
	_ layers.Module[float64] = layers.Hardtanh[float64]{}
	_ layers.Module[float64] = layers.Hardswish[float64]{}
	_ layers.Module[float64] = layers.Hardsigmoid[float64]{}
	_ layers.Module[float64] = layers.Mish[float64]{}
	_ layers.Module[float64] = layers.SELU[float64]{}
	_ layers.Module[float64] = layers.CELU[float64]{}
	_ layers.Module[float64] = layers.Softsign[float64]{}
	_ layers.Module[float32] = layers.LogSigmoid[float32]{}
)

// TestActivationsMore checks each layer of activation_more.go against its
// formula written out with package math, on inputs that reach the
// saturating parts (beyond ±3 for Hardswish and Hardsigmoid), and against
// a few values worked out by hand.
func TestActivationsMore(t *testing.T) {
	t.Run("float64", testActivationsMore[float64])
	t.Run("float32", testActivationsMore[float32])
}

func testActivationsMore[T tensor.Float](t *testing.T) {
	in := []float64{-4, -3.5, -1, -0.25, 0, 0.5, 1, 3.5}
	const seluAlpha, seluScale = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
	relu6 := func(x float64) float64 { return math.Min(math.Max(x, 0), 6) }
	softplus := func(x float64) float64 { return math.Log1p(math.Exp(x)) }
	tests := []struct {
		name string
		mod  layers.Module[T]
		f    func(float64) float64
		hand map[float64]float64 // input: value by hand
	}{
		{"Hardtanh default", layers.Hardtanh[T]{MinVal: -1, MaxVal: 1}, func(x float64) float64 { return math.Min(math.Max(x, -1), 1) },
			map[float64]float64{-4: -1, -0.25: -0.25, 3.5: 1}},
		{"Hardtanh as ReLU6", layers.Hardtanh[T]{MinVal: 0, MaxVal: 6}, relu6, map[float64]float64{-1: 0, 3.5: 3.5}},
		{"Hardswish", layers.Hardswish[T]{}, func(x float64) float64 { return x * relu6(x+3) / 6 },
			map[float64]float64{-3.5: 0, 1: 2.0 / 3, 3.5: 3.5, -1: -1.0 / 3}},
		{"Hardsigmoid", layers.Hardsigmoid[T]{}, func(x float64) float64 { return relu6(x+3) / 6 },
			map[float64]float64{-4: 0, 0: 0.5, 1: 2.0 / 3, 3.5: 1}},
		{"Mish", layers.Mish[T]{}, func(x float64) float64 { return x * math.Tanh(softplus(x)) }, map[float64]float64{0: 0}},
		{"SELU", layers.SELU[T]{}, func(x float64) float64 {
			if x > 0 {
				return seluScale * x
			}
			return seluScale * seluAlpha * (math.Exp(x) - 1)
		}, map[float64]float64{1: 1.0507009873554805, 0: 0}},
		{"CELU 1", layers.CELU[T]{Alpha: 1}, func(x float64) float64 {
			if x > 0 {
				return x
			}
			return math.Exp(x) - 1
		}, map[float64]float64{-1: 1/math.E - 1}},
		{"CELU 2", layers.CELU[T]{Alpha: 2}, func(x float64) float64 {
			if x > 0 {
				return x
			}
			return 2 * (math.Exp(x/2) - 1)
		}, map[float64]float64{-1: 2 * (math.Exp(-0.5) - 1), 0.5: 0.5}},
		{"Softsign", layers.Softsign[T]{}, func(x float64) float64 { return x / (1 + math.Abs(x)) },
			map[float64]float64{-1: -0.5, 1: 0.5, -4: -0.8}},
		{"LogSigmoid", layers.LogSigmoid[T]{}, func(x float64) float64 { return math.Log(1 / (1 + math.Exp(-x))) },
			map[float64]float64{0: -math.Ln2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for x, h := range tt.hand {
				if v := tt.f(x); math.Abs(h-v) > 1e-15 {
					t.Fatalf("the formula gives %v at %v, by hand %v", v, x, h)
				}
			}
			checkActivation(t, tt.mod, tt.f, in, 2, 4)
		})
	}
}

// TestActivationsMoreGradcheck gradchecks every layer of
// activation_more.go, inputs away from their kinks (0, ±1, ±3).
func TestActivationsMoreGradcheck(t *testing.T) {
	x := mat([]float64{-3.6, -2.1, -0.7, 0.3}, []float64{0.9, -0.2, 1.7, 3.4})
	mods := map[string]layers.Module[float64]{
		"Hardtanh":    layers.Hardtanh[float64]{MinVal: -1, MaxVal: 1},
		"Hardswish":   layers.Hardswish[float64]{},
		"Hardsigmoid": layers.Hardsigmoid[float64]{},
		"Mish":        layers.Mish[float64]{},
		"SELU":        layers.SELU[float64]{},
		"CELU":        layers.CELU[float64]{Alpha: 0.7},
		"Softsign":    layers.Softsign[float64]{},
		"LogSigmoid":  layers.LogSigmoid[float64]{},
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] { return mod.Forward(in[0]) },
				[]*tensor.Tensor[float64]{x})
		})
	}
}

// TestActivationsMoreGradients checks the gradients at the kinks against
// PyTorch's choices: Hardtanh's open interval (0 at the bounds), Hardswish
// and Hardsigmoid at ±3, SELU's left derivative at 0.
func TestActivationsMoreGradients(t *testing.T) {
	tests := []struct {
		name string
		mod  layers.Module[float64]
		x    []float64
		want []float64
	}{
		{"Hardtanh", layers.Hardtanh[float64]{MinVal: -1, MaxVal: 2}, []float64{-1, 0, 2, 3}, []float64{0, 1, 0, 0}},
		{"Hardswish", layers.Hardswish[float64]{}, []float64{-3, 0, 3, -4}, []float64{-0.5, 0.5, 1.5, 0}}, // x/3 + 1/2 on [-3, 3], as torch 1.13
		{"Hardsigmoid", layers.Hardsigmoid[float64]{}, []float64{-3, 0, 3, 1}, []float64{0, 1.0 / 6, 0, 1.0 / 6}},
		{"SELU", layers.SELU[float64]{}, []float64{0, 1, -1, 2}, []float64{
			1.0507009873554804934193349852946 * 1.6732632423543772848170429916717, 1.0507009873554805,
			1.0507009873554804934193349852946 * 1.6732632423543772848170429916717 / math.E, 1.0507009873554805}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := autograd.Param(vec(tt.x...))
			autograd.Sum(tt.mod.Forward(x)).Backward()
			if diff := cmp.Diff(view([]int{len(tt.x)}, tt.want...), viewOf(x.Grad()), approx(1e-14)); diff != "" {
				t.Errorf("gradient (-want +got):\n%s", diff)
			}
		})
	}
}

// TestActivationsMoreMisuse checks that arguments PyTorch refuses panic
// with an *autograd.UsageError naming the op.
func TestActivationsMoreMisuse(t *testing.T) {
	x := autograd.Const(vec(1, 2))
	tests := []struct {
		op  string
		mod layers.Module[float64]
	}{
		{"Hardtanh", layers.Hardtanh[float64]{MinVal: 1, MaxVal: -1}},
		{"CELU", layers.CELU[float64]{}},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			r := panicValue(func() { tt.mod.Forward(x) })
			err, _ := r.(error)
			var ue *autograd.UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("panicked with %T %v, want an *autograd.UsageError", r, r)
			}
			if !strings.Contains(ue.Error(), tt.op) {
				t.Errorf("message %q does not name %s", ue.Error(), tt.op)
			}
		})
	}
}
