package layers_test

import (
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var (
	_ layers.Module[float64] = layers.LeakyReLU[float64]{}
	_ layers.Module[float64] = layers.ELU[float64]{}
	_ layers.Module[float64] = layers.GELU[float64]{}
	_ layers.Module[float64] = layers.SiLU[float64]{}
	_ layers.Module[float64] = layers.Softplus[float64]{}
	_ layers.Module[float64] = layers.Softmax[float64]{}
	_ layers.Module[float64] = layers.LogSoftmax[float64]{}
)

// TestMoreActivations checks each elementwise activation layer against its
// formula written out with package math.
func TestMoreActivations(t *testing.T) {
	t.Run("float64", testMoreActivations[float64])
	t.Run("float32", testMoreActivations[float32])
}

func testMoreActivations[T tensor.Float](t *testing.T) {
	in := []float64{-3, -0.5, 0, 0.5, 3}
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	phi := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	tests := []struct {
		name string
		mod  layers.Module[T]
		f    func(float64) float64
	}{
		{"LeakyReLU 0.01", layers.LeakyReLU[T]{Slope: 0.01}, func(x float64) float64 { return math.Max(x, 0.01*x) }},
		{"LeakyReLU 0.2", layers.LeakyReLU[T]{Slope: 0.2}, func(x float64) float64 { return math.Max(x, 0.2*x) }},
		{"LeakyReLU zero value is ReLU", layers.LeakyReLU[T]{}, func(x float64) float64 { return math.Max(x, 0) }},
		{"ELU 1", layers.ELU[T]{Alpha: 1}, func(x float64) float64 {
			if x > 0 {
				return x
			}
			return math.Expm1(x)
		}},
		{"ELU 0.5", layers.ELU[T]{Alpha: 0.5}, func(x float64) float64 {
			if x > 0 {
				return x
			}
			return 0.5 * math.Expm1(x)
		}},
		{"GELU", layers.GELU[T]{}, func(x float64) float64 { return x * phi(x) }},
		{"GELU tanh", layers.GELU[T]{Tanh: true}, func(x float64) float64 {
			return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
		}},
		{"SiLU", layers.SiLU[T]{}, func(x float64) float64 { return x * sig(x) }},
		{"Softplus", layers.Softplus[T]{}, func(x float64) float64 { return math.Log1p(math.Exp(x)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkActivation(t, tt.mod, tt.f, in, 1, 5) })
	}
}

// checkActivation checks that mod, applied to in laid out as shape, gives f
// of each element (to T's accuracy) and has no parameters.
func checkActivation[T tensor.Float](t *testing.T, mod layers.Module[T], f func(float64) float64, in []float64, shape ...int) {
	t.Helper()
	want := make([]float64, len(in))
	for i, x := range in {
		want[i] = f(x)
	}
	got := mod.Forward(autograd.Const(convert[T](tensor.MustNew(in, shape...))))
	if diff := cmp.Diff(view(shape, want...), viewOf(got.Value()), approx(tolFor[T]()*4)); diff != "" {
		t.Errorf("Forward (-want +got):\n%s", diff)
	}
	if ps, nps := mod.Parameters(), mod.NamedParameters(); len(ps) != 0 || len(nps) != 0 {
		t.Errorf("activation has parameters %v %v", ps, nps)
	}
}

// TestSoftmaxLayers checks Softmax and LogSoftmax along each axis of a 2x3
// matrix on hand values: along the rows of [[0 ln2 ln3] [1 1 1]] the
// probabilities are [1 2 3]/6 and [1 1 1]/3.
func TestSoftmaxLayers(t *testing.T) {
	x := autograd.Const(mat([]float64{0, math.Log(2), math.Log(3)}, []float64{1, 1, 1}))
	e := math.E
	// Along axis 0, column 0 is softmax(0, 1) = [1, e]/(1+e); column 1 is
	// softmax(ln2, 1) = [2, e]/(2+e); column 2 is [3, e]/(3+e).
	col := []float64{1 / (1 + e), 2 / (2 + e), 3 / (3 + e), e / (1 + e), e / (2 + e), e / (3 + e)}
	rows := []float64{1.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 3}
	logOf := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, p := range v {
			out[i] = math.Log(p)
		}
		return out
	}
	tests := []struct {
		name string
		mod  layers.Module[float64]
		want []float64
	}{
		{"Softmax -1", layers.Softmax[float64]{Axis: -1}, rows},
		{"Softmax 1", layers.Softmax[float64]{Axis: 1}, rows},
		{"Softmax 0", layers.Softmax[float64]{Axis: 0}, col},
		{"LogSoftmax -1", layers.LogSoftmax[float64]{Axis: -1}, logOf(rows)},
		{"LogSoftmax 0", layers.LogSoftmax[float64]{}, logOf(col)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.mod.Forward(x)
			if diff := cmp.Diff(view([]int{2, 3}, tt.want...), viewOf(got.Value()), approx(1e-12)); diff != "" {
				t.Errorf("Forward (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSoftmaxAxisPanics(t *testing.T) {
	x := autograd.Const(tensor.Zeros[float64](2, 3))
	for _, tt := range []struct {
		name string
		mod  layers.Module[float64]
	}{
		{"Softmax", layers.Softmax[float64]{Axis: 2}},
		{"Softmax", layers.Softmax[float64]{Axis: -3}},
		{"LogSoftmax", layers.LogSoftmax[float64]{Axis: 5}},
	} {
		se := shapePanic(t, func() { tt.mod.Forward(x) })
		if msg := se.Error(); !strings.HasPrefix(msg, "layers: "+tt.name+":") || !strings.Contains(msg, "[2 3]") {
			t.Errorf("message %q does not name layers: %s and [2 3]", msg, tt.name)
		}
	}
}

// TestActivationLayersGradcheck gradchecks every activation layer, inputs
// kept away from the kinks at 0.
func TestActivationLayersGradcheck(t *testing.T) {
	x := mat([]float64{-2.1, -0.7, 0.3}, []float64{0.9, -0.2, 1.7})
	mods := map[string]layers.Module[float64]{
		"Sigmoid":    layers.Sigmoid[float64]{},
		"Tanh":       layers.Tanh[float64]{},
		"ReLU":       layers.ReLU[float64]{},
		"LeakyReLU":  layers.LeakyReLU[float64]{Slope: 0.1},
		"ELU":        layers.ELU[float64]{Alpha: 1.3},
		"GELU":       layers.GELU[float64]{},
		"GELU tanh":  layers.GELU[float64]{Tanh: true},
		"SiLU":       layers.SiLU[float64]{},
		"Softplus":   layers.Softplus[float64]{},
		"Softmax":    layers.Softmax[float64]{Axis: -1},
		"Softmax 0":  layers.Softmax[float64]{Axis: 0},
		"LogSoftmax": layers.LogSoftmax[float64]{Axis: 1},
	}
	for name, mod := range mods {
		t.Run(name, func(t *testing.T) {
			gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] { return mod.Forward(in[0]) },
				[]*tensor.Tensor[float64]{x})
		})
	}
}
