package layers_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// kinds lists the dynamic types of a Sequential's layers, without the
// package path.
func kinds[T tensor.Float](s *layers.Sequential[T]) []string {
	var out []string
	for _, l := range s.Layers {
		k := fmt.Sprintf("%T", l)
		k = strings.ReplaceAll(k, "github.com/adjoint-go/adjoint/layers.", "")
		out = append(out, k)
	}
	return out
}

func TestNewMLPStructure(t *testing.T) {
	tests := []struct {
		name      string
		sizes     []int
		act       func() layers.Module[float64]
		opts      []layers.MLPOption
		wantKinds []string
		wantNames []string
	}{
		{
			"one layer", []int{3, 2}, nil, nil,
			[]string{"*layers.Linear[float64]"},
			[]string{"0.weight", "0.bias"},
		},
		{
			"nil means ReLU", []int{4, 8, 1}, nil, nil,
			[]string{"*layers.Linear[float64]", "layers.ReLU[float64]", "*layers.Linear[float64]"},
			[]string{"0.weight", "0.bias", "2.weight", "2.bias"},
		},
		{
			"tanh, two hidden", []int{2, 5, 5, 3}, func() layers.Module[float64] { return layers.Tanh[float64]{} }, nil,
			[]string{"*layers.Linear[float64]", "layers.Tanh[float64]", "*layers.Linear[float64]", "layers.Tanh[float64]", "*layers.Linear[float64]"},
			[]string{"0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"},
		},
		{
			"dropout", []int{2, 4, 4, 1}, nil, []layers.MLPOption{layers.MLPDropout(0.2)},
			[]string{"*layers.Linear[float64]", "layers.ReLU[float64]", "*layers.Dropout[float64]",
				"*layers.Linear[float64]", "layers.ReLU[float64]", "*layers.Dropout[float64]", "*layers.Linear[float64]"},
			[]string{"0.weight", "0.bias", "3.weight", "3.bias", "6.weight", "6.bias"},
		},
		{
			"dropout 0 adds none", []int{2, 4, 1}, nil, []layers.MLPOption{layers.MLPDropout(0)},
			[]string{"*layers.Linear[float64]", "layers.ReLU[float64]", "*layers.Linear[float64]"},
			[]string{"0.weight", "0.bias", "2.weight", "2.bias"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := layers.NewMLP(newRNG(1), tt.sizes, tt.act, tt.opts...)
			if diff := cmp.Diff(tt.wantKinds, kinds(net)); diff != "" {
				t.Errorf("layers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantNames, paramNames(net.NamedParameters())); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			// Linear i maps sizes[i] to sizes[i+1].
			for i, p := range net.NamedParameters() {
				k := i / 2
				want := []int{tt.sizes[k+1], tt.sizes[k]}
				if i%2 == 1 {
					want = want[:1]
				}
				if diff := cmp.Diff(want, p.Param.Shape()); diff != "" {
					t.Errorf("%s shape (-want +got):\n%s", p.Name, diff)
				}
			}
			batch := 5
			y := net.Forward(autograd.Const(randTensor(newRNG(2), batch, tt.sizes[0])))
			if diff := cmp.Diff([]int{batch, tt.sizes[len(tt.sizes)-1]}, y.Shape()); diff != "" {
				t.Errorf("output shape (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNewMLPInit checks the initialisation rule: HeUniform before a
// rectifier, XavierUniform before anything else and on the output layer,
// zero biases, all drawn from rng in layer order.
func TestNewMLPInit(t *testing.T) {
	tests := []struct {
		name   string
		act    func() layers.Module[float64]
		hidden layers.Initializer[float64]
	}{
		{"ReLU", func() layers.Module[float64] { return layers.ReLU[float64]{} }, layers.HeUniform[float64]},
		{"LeakyReLU", func() layers.Module[float64] { return layers.LeakyReLU[float64]{Slope: 0.01} }, layers.HeUniform[float64]},
		{"GELU", func() layers.Module[float64] { return layers.GELU[float64]{} }, layers.HeUniform[float64]},
		{"Tanh", func() layers.Module[float64] { return layers.Tanh[float64]{} }, layers.XavierUniform[float64]},
		{"Sigmoid", func() layers.Module[float64] { return layers.Sigmoid[float64]{} }, layers.XavierUniform[float64]},
	}
	sizes := []int{6, 10, 7, 3}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := layers.NewMLP(newRNG(3), sizes, tt.act)
			rng := newRNG(3)
			inits := []layers.Initializer[float64]{tt.hidden, tt.hidden, layers.XavierUniform[float64]}
			for i, p := range net.NamedParameters() {
				if i%2 == 1 {
					if diff := cmp.Diff(viewOf(tensor.Zeros[float64](p.Param.Shape()...)), viewOf(p.Param.Value())); diff != "" {
						t.Errorf("%s is not zero", p.Name)
					}
					continue
				}
				k := i / 2
				want := inits[k](rng, sizes[k], sizes[k+1], sizes[k+1], sizes[k])
				if !bitsEqual(want, p.Param.Value()) {
					t.Errorf("%s is not the expected initializer's draw", p.Name)
				}
			}
		})
	}
	a := layers.NewMLP[float32](newRNG(9), []int{3, 4, 2}, nil)
	b := layers.NewMLP[float32](newRNG(9), []int{3, 4, 2}, nil)
	for i, p := range a.Parameters() {
		if !bitsEqual(p.Value(), b.Parameters()[i].Value()) {
			t.Errorf("same seed, parameter %d differs", i)
		}
	}
}

func TestNewMLPPanics(t *testing.T) {
	for _, sizes := range [][]int{nil, {3}, {3, 0}, {-1, 2, 3}} {
		se := shapePanic(t, func() { layers.NewMLP[float64](newRNG(1), sizes, nil) })
		if !strings.HasPrefix(se.Error(), "layers: NewMLP: ") {
			t.Errorf("%v: %q", sizes, se)
		}
	}
	for _, p := range []float64{-0.5, 1} {
		ae := argPanic(t, func() { layers.NewMLP[float64](newRNG(1), []int{2, 3, 1}, nil, layers.MLPDropout(p)) })
		if ae.Op != "NewMLP" {
			t.Errorf("p %v: %q", p, ae)
		}
	}
}
