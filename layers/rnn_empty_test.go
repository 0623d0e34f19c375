package layers_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestRecurrentEmptyBatch runs the recurrent layers and cells on an empty
// batch (N = 0), as PyTorch 1.13 does: the output is [L 0 D·H], the final
// states [layers·D 0 H], and Backward gives every parameter a zero
// gradient of its shape. They refused an empty batch before.
func TestRecurrentEmptyBatch(t *testing.T) {
	const in, hs, steps = 3, 2, 4
	o := layers.RecurrentOptions{NumLayers: 2, Bidirectional: true}
	type run func(x *autograd.Var[float64]) []*autograd.Var[float64]
	cases := []struct {
		name    string
		x       []int // the input's shape
		want    [][]int
		make    func() (layers.Module[float64], run)
		lengths bool
	}{
		{"RNN", []int{steps, 0, in}, [][]int{{steps, 0, 2 * hs}, {4, 0, hs}}, func() (layers.Module[float64], run) {
			m := layers.NewRNN[float64](newRNG(1), in, hs, o)
			return m, func(x *autograd.Var[float64]) []*autograd.Var[float64] {
				out, h := m.ForwardState(x, nil, nil)
				return []*autograd.Var[float64]{out, h}
			}
		}, false},
		{"LSTM", []int{steps, 0, in}, [][]int{{steps, 0, 2 * hs}, {4, 0, hs}, {4, 0, hs}}, func() (layers.Module[float64], run) {
			m := layers.NewLSTM[float64](newRNG(1), in, hs, o)
			return m, func(x *autograd.Var[float64]) []*autograd.Var[float64] {
				out, h, c := m.ForwardState(x, nil, nil, nil)
				return []*autograd.Var[float64]{out, h, c}
			}
		}, false},
		{"GRU batch first", []int{0, steps, in}, [][]int{{0, steps, hs}, {1, 0, hs}}, func() (layers.Module[float64], run) {
			m := layers.NewGRU[float64](newRNG(1), in, hs, layers.RecurrentOptions{BatchFirst: true})
			return m, func(x *autograd.Var[float64]) []*autograd.Var[float64] {
				out, h := m.ForwardState(x, nil, []int{})
				return []*autograd.Var[float64]{out, h}
			}
		}, true},
		{"RNNCell", []int{0, in}, [][]int{{0, hs}}, func() (layers.Module[float64], run) {
			m := layers.NewRNNCell[float64](newRNG(1), in, hs, layers.RNNTanh)
			return m, func(x *autograd.Var[float64]) []*autograd.Var[float64] { return []*autograd.Var[float64]{m.Forward(x)} }
		}, false},
		{"LSTMCell", []int{0, in}, [][]int{{0, hs}, {0, hs}}, func() (layers.Module[float64], run) {
			m := layers.NewLSTMCell[float64](newRNG(1), in, hs)
			return m, func(x *autograd.Var[float64]) []*autograd.Var[float64] {
				h, c := m.Step(x, nil, nil)
				return []*autograd.Var[float64]{h, c}
			}
		}, false},
		{"GRUCell", []int{0, in}, [][]int{{0, hs}}, func() (layers.Module[float64], run) {
			m := layers.NewGRUCell[float64](newRNG(1), in, hs)
			return m, func(x *autograd.Var[float64]) []*autograd.Var[float64] { return []*autograd.Var[float64]{m.Forward(x)} }
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, f := c.make()
			x := autograd.Param(tensor.Zeros[float64](c.x...))
			ys := f(x)
			var got [][]int
			total := autograd.Sum(ys[0])
			for i, y := range ys {
				got = append(got, y.Value().Shape())
				if i > 0 {
					total = autograd.Add(total, autograd.Sum(y))
				}
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Fatalf("shapes (-want +got):\n%s", diff)
			}
			total.Backward()
			for _, p := range m.Parameters() {
				if p.Grad() == nil {
					t.Fatalf("%s: no gradient, want zeros", p.Name())
				}
				want := viewOf(tensor.Zeros[float64](p.Value().Shape()...))
				if diff := cmp.Diff(want, viewOf(p.Grad()), approx(0)); diff != "" {
					t.Errorf("%s gradient (-want +got):\n%s", p.Name(), diff)
				}
			}
			if fmt.Sprint(x.Grad().Shape()) != fmt.Sprint(c.x) {
				t.Errorf("input gradient %v, want %v", x.Grad().Shape(), c.x)
			}
		})
	}
}
