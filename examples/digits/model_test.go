package main

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestModelNames checks that each model's parameters have the names and
// shapes of the torch.nn.Sequential its documentation gives, which is what
// lets PyTorch load a file saved with -save, and that each maps a batch of
// images to one logit per digit.
func TestModelNames(t *testing.T) {
	type param struct {
		Name  string
		Shape []int
	}
	tests := []struct {
		model string
		want  []param
	}{
		{"cnn", []param{
			{"0.weight", []int{16, 1, 3, 3}}, {"0.bias", []int{16}},
			{"3.weight", []int{32, 16, 3, 3}}, {"3.bias", []int{32}},
			{"7.weight", []int{10, 128}}, {"7.bias", []int{10}},
		}},
		{"mlp", []param{
			{"1.weight", []int{256, 64}}, {"1.bias", []int{256}},
			{"4.weight", []int{10, 256}}, {"4.bias", []int{10}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.model, func(t *testing.T) {
			net, err := newModel(tt.model, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			var got []param
			for _, p := range net.NamedParameters() {
				got = append(got, param{p.Name, p.Param.Value().Shape()})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("named parameters (-want +got):\n%s", diff)
			}
			layers.SetTraining(net, false)
			out := net.Forward(autograd.Const(tensor.Zeros[float32](5, 1, side, side)))
			if diff := cmp.Diff([]int{5, classes}, out.Value().Shape()); diff != "" {
				t.Errorf("output shape (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := newModel("rnn", rand.New(rand.NewPCG(1, 2))); err == nil {
		t.Error(`newModel("rnn"): no error`)
	}
}

// TestInferRecordsNoGraph checks that evaluation records nothing, though
// the network's parameters are trainable: its logits neither require a
// gradient nor name an op, and they equal the training-mode forward pass.
func TestInferRecordsNoGraph(t *testing.T) {
	for _, kind := range []string{"cnn", "mlp"} {
		t.Run(kind, func(t *testing.T) {
			net, err := newModel(kind, rand.New(rand.NewPCG(1, 2)))
			if err != nil {
				t.Fatal(err)
			}
			layers.SetTraining(net, false)
			x := tensor.Full[float32](0.25, 2, 1, 8, 8)
			got := infer(net, x)
			if got.RequiresGrad() || got.Op() != "" {
				t.Errorf("infer: RequiresGrad %v, Op %q; want false, no op", got.RequiresGrad(), got.Op())
			}
			want := net.Forward(autograd.Const(x))
			if !want.RequiresGrad() {
				t.Fatal("the plain forward pass records nothing either: the test proves nothing")
			}
			if diff := cmp.Diff(want.Value().Data(), got.Value().Data()); diff != "" {
				t.Errorf("logits (-forward +infer):\n%s", diff)
			}
		})
	}
}
