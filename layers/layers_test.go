package layers_test

import (
	"fmt"
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
	_ layers.Module[float64] = (*layers.Sequential[float64])(nil)
	_ layers.Module[float64] = layers.Sigmoid[float64]{}
	_ layers.Module[float64] = layers.Tanh[float64]{}
	_ layers.Module[float64] = layers.ReLU[float64]{}
	_ layers.Module[float32] = (*layers.Sequential[float32])(nil)
)

// TestSequentialForward checks that Sequential applies its layers in order,
// on hand-computed values: the order matters, since ReLU and the affine maps
// do not commute.
func TestSequentialForward(t *testing.T) {
	double := linearOf[float64](mat([]float64{2}), vec(0)) // y = 2x
	shift := linearOf[float64](mat([]float64{1}), vec(-3)) // y = x - 3
	x := autograd.Const(mat([]float64{-1}, []float64{1}, []float64{4}))
	relu := layers.ReLU[float64]{}
	tests := []struct {
		name string
		mods []layers.Module[float64]
		want []float64
	}{
		{"empty is identity", nil, []float64{-1, 1, 4}},
		{"double", []layers.Module[float64]{double}, []float64{-2, 2, 8}},
		{"double then shift", []layers.Module[float64]{double, shift}, []float64{-5, -1, 5}},
		{"shift then double", []layers.Module[float64]{shift, double}, []float64{-8, -4, 2}},
		{"double, shift, relu", []layers.Module[float64]{double, shift, relu}, []float64{0, 0, 5}},
		{"relu, double, shift", []layers.Module[float64]{relu, double, shift}, []float64{-3, -1, 5}},
		{"nested", []layers.Module[float64]{layers.NewSequential[float64](double, shift), relu}, []float64{0, 0, 5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := layers.NewSequential(tt.mods...).Forward(x)
			if diff := cmp.Diff(view([]int{3, 1}, tt.want...), viewOf(got.Value()), approx(1e-12)); diff != "" {
				t.Errorf("Forward (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSequentialMatchesManualComposition checks a random MLP against calling
// its layers by hand, bit for bit.
func TestSequentialMatchesManualComposition(t *testing.T) {
	rng := newRNG(5)
	l1 := layers.NewLinear[float64](rng, 3, 6, nil)
	l2 := layers.NewLinear[float64](rng, 6, 2, nil)
	net := layers.NewSequential[float64](l1, layers.Tanh[float64]{}, l2, layers.Sigmoid[float64]{})
	x := autograd.Const(randTensor(rng, 4, 3))
	want := autograd.Sigmoid(l2.Forward(autograd.Tanh(l1.Forward(x))))
	got := net.Forward(x)
	if !bitsEqual(want.Value(), got.Value()) {
		t.Errorf("Sequential %v, manual %v", got.Value(), want.Value())
	}
}

func TestSequentialParameters(t *testing.T) {
	rng := newRNG(1)
	l1 := layers.NewLinear[float64](rng, 2, 3, nil)
	l2 := layers.NewLinear[float64](rng, 3, 4, nil)
	l3 := layers.NewLinear[float64](rng, 4, 1, nil)
	tests := []struct {
		name string
		net  *layers.Sequential[float64]
		want []*autograd.Var[float64]
	}{
		{"empty", layers.NewSequential[float64](), nil},
		{"activations only", layers.NewSequential[float64](layers.ReLU[float64]{}, layers.Sigmoid[float64]{}), nil},
		{"one linear", layers.NewSequential[float64](l1), []*autograd.Var[float64]{l1.Weight, l1.Bias}},
		{
			"2-layer MLP",
			layers.NewSequential[float64](l1, layers.Tanh[float64]{}, l2),
			[]*autograd.Var[float64]{l1.Weight, l1.Bias, l2.Weight, l2.Bias},
		},
		{
			"3-layer MLP",
			layers.NewSequential[float64](l1, layers.ReLU[float64]{}, l2, layers.ReLU[float64]{}, l3, layers.Sigmoid[float64]{}),
			[]*autograd.Var[float64]{l1.Weight, l1.Bias, l2.Weight, l2.Bias, l3.Weight, l3.Bias},
		},
		{
			"nested",
			layers.NewSequential[float64](layers.NewSequential[float64](l1, layers.Tanh[float64]{}), l2),
			[]*autograd.Var[float64]{l1.Weight, l1.Bias, l2.Weight, l2.Bias},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.net.Parameters()
			if len(got) != len(tt.want) {
				t.Fatalf("%d parameters, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("parameter %d is %p (%v), want %p (%v)", i, got[i], got[i].Shape(), tt.want[i], tt.want[i].Shape())
				}
			}
			// Stable order: a second call agrees.
			again := tt.net.Parameters()
			for i := range got {
				if again[i] != got[i] {
					t.Errorf("second call: parameter %d differs", i)
				}
			}
		})
	}
}

func TestActivations(t *testing.T) {
	t.Run("float64", testActivations[float64])
	t.Run("float32", testActivations[float32])
}

func testActivations[T tensor.Float](t *testing.T) {
	in := []float64{-3, -0.5, 0, 0.5, 3}
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	tests := []struct {
		name string
		mod  layers.Module[T]
		want []float64
	}{
		{"Sigmoid", layers.Sigmoid[T]{}, []float64{sigmoid(-3), sigmoid(-0.5), 0.5, sigmoid(0.5), sigmoid(3)}},
		{"Tanh", layers.Tanh[T]{}, []float64{math.Tanh(-3), math.Tanh(-0.5), 0, math.Tanh(0.5), math.Tanh(3)}},
		{"ReLU", layers.ReLU[T]{}, []float64{0, 0, 0, 0.5, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := autograd.Const(convert[T](tensor.MustNew(in, 5, 1)))
			got := tt.mod.Forward(x)
			if diff := cmp.Diff(view([]int{5, 1}, tt.want...), viewOf(got.Value()), approx(tolFor[T]())); diff != "" {
				t.Errorf("Forward (-want +got):\n%s", diff)
			}
			if ps := tt.mod.Parameters(); len(ps) != 0 {
				t.Errorf("Parameters() = %v, want none", ps)
			}
			if got.RequiresGrad() {
				t.Errorf("activation of a constant requires a gradient")
			}
		})
	}
}

// TestActivationGradients checks each activation layer's derivative on hand
// values: σ' = σ(1-σ), tanh' = 1 - tanh², ReLU' = [x > 0] (0 at the kink).
func TestActivationGradients(t *testing.T) {
	in := []float64{-2, 0, 1.5}
	s := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	th := math.Tanh
	tests := []struct {
		name string
		mod  layers.Module[float64]
		want []float64
	}{
		{"Sigmoid", layers.Sigmoid[float64]{}, []float64{s(-2) * (1 - s(-2)), 0.25, s(1.5) * (1 - s(1.5))}},
		{"Tanh", layers.Tanh[float64]{}, []float64{1 - th(-2)*th(-2), 1, 1 - th(1.5)*th(1.5)}},
		{"ReLU", layers.ReLU[float64]{}, []float64{0, 0, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := autograd.Param(tensor.MustNew(append([]float64(nil), in...), 1, 3))
			autograd.Sum(tt.mod.Forward(x)).Backward()
			if diff := cmp.Diff(view([]int{1, 3}, tt.want...), viewOf(x.Grad()), approx(1e-12)); diff != "" {
				t.Errorf("gradient (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMLPGradcheck gradchecks a whole network and its loss with respect to
// every parameter and the input, building the layers from the given tensors.
func TestMLPGradcheck(t *testing.T) {
	rng := newRNG(99)
	for _, red := range []struct {
		name string
		r    layers.Reduction
	}{{"Mean", layers.Mean}, {"Sum", layers.Sum}} {
		t.Run(red.name, func(t *testing.T) {
			target := randTensor(rng, 4, 2)
			f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
				net := layers.NewSequential[float64](
					&layers.Linear[float64]{Weight: x[1], Bias: x[2]},
					layers.Tanh[float64]{},
					&layers.Linear[float64]{Weight: x[3], Bias: x[4]},
					layers.Sigmoid[float64]{},
				)
				return layers.MSELoss[float64]{Reduction: red.r}.Loss(net.Forward(x[0]), autograd.Const(target))
			}
			inputs := []*tensor.Tensor[float64]{
				randTensor(rng, 4, 3),                     // x
				randTensor(rng, 5, 3), randTensor(rng, 5), // W1, b1
				randTensor(rng, 2, 5), randTensor(rng, 2), // W2, b2
			}
			gradcheck.Assert(t, f, inputs)
		})
	}
}

func TestMSELoss(t *testing.T) {
	t.Run("float64", testMSELoss[float64])
	t.Run("float32", testMSELoss[float32])
}

func testMSELoss[T tensor.Float](t *testing.T) {
	// diff = pred - target = [1 0; -2 3], squares [1 0; 4 9], sum 14, mean 3.5.
	pred := mat([]float64{1, 2}, []float64{3, 4})
	target := mat([]float64{0, 2}, []float64{5, 1})
	tests := []struct {
		name     string
		loss     layers.MSELoss[T]
		want     float64
		wantGrad []float64 // d loss / d pred
	}{
		{"zero value is mean", layers.MSELoss[T]{}, 3.5, []float64{0.5, 0, -1, 1.5}},
		{"Mean", layers.MSELoss[T]{Reduction: layers.Mean}, 3.5, []float64{0.5, 0, -1, 1.5}},
		{"Sum", layers.MSELoss[T]{Reduction: layers.Sum}, 14, []float64{2, 0, -4, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := autograd.Param(convert[T](pred))
			got := tt.loss.Loss(p, autograd.Const(convert[T](target)))
			if got.Value().Len() != 1 {
				t.Fatalf("loss shape %v, want a scalar", got.Shape())
			}
			if v := float64(got.Item()); v != tt.want {
				t.Errorf("loss %v, want %v", v, tt.want)
			}
			got.Backward()
			if diff := cmp.Diff(view([]int{2, 2}, tt.wantGrad...), viewOf(p.Grad()), approx(tolFor[T]())); diff != "" {
				t.Errorf("d loss/d pred (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMSELossZeroWhenEqual(t *testing.T) {
	x := randTensor(newRNG(2), 3, 4)
	for _, r := range []layers.Reduction{layers.Mean, layers.Sum} {
		if got := (layers.MSELoss[float64]{Reduction: r}).Loss(constOf(x), constOf(x.Clone())).Item(); got != 0 {
			t.Errorf("reduction %d: loss of equal tensors %v, want 0", r, got)
		}
	}
}

func TestMSELossShapePanics(t *testing.T) {
	tests := []struct {
		name         string
		pred, target []int
	}{
		{"column vs vector", []int{3, 1}, []int{3}}, // would silently broadcast to [3 3]
		{"vector vs column", []int{3}, []int{3, 1}},
		{"transposed", []int{2, 3}, []int{3, 2}},
		{"different size", []int{2, 2}, []int{4}},
		{"scalar target", []int{2, 2}, []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := autograd.Param(tensor.Zeros[float64](tt.pred...))
			y := autograd.Const(tensor.Zeros[float64](tt.target...))
			// Sum is checked by layers itself and names MSELoss.
			se := shapePanic(t, func() { layers.MSELoss[float64]{Reduction: layers.Sum}.Loss(p, y) })
			msg := se.Error()
			for _, want := range []string{"layers: MSELoss", fmt.Sprint(tt.pred), fmt.Sprint(tt.target)} {
				if !strings.Contains(msg, want) {
					t.Errorf("Sum: message %q does not mention %q", msg, want)
				}
			}
			// Mean defers to autograd.MSE, which panics the same way.
			se = shapePanic(t, func() { layers.MSELoss[float64]{}.Loss(p, y) })
			msg = se.Error()
			for _, want := range []string{"MSE", fmt.Sprint(tt.pred), fmt.Sprint(tt.target)} {
				if !strings.Contains(msg, want) {
					t.Errorf("Mean: message %q does not mention %q", msg, want)
				}
			}
		})
	}
}
