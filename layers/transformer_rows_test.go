package layers_test

import (
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestTransformerEncoderRunsLayersInTurn: the stack, which runs its layers
// on the rows [N·L, DModel] between one reshape in and one out, gives
// exactly (bit for bit) its layers' own Forward and Encode applied in
// turn, with each layer's Causal in Forward (here mixed) and the given
// mask and flag in Encode, and the same gradients; an input of the wrong
// width panics naming a layer.
func TestTransformerEncoderRunsLayersInTurn(t *testing.T) {
	rng := newRNG(3)
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 12, Activation: "gelu", NormFirst: true}
	stack := layers.NewTransformerEncoder[float64](rng, cfg, 3, true)
	stack.Layers[1].Causal = true
	x := tensor.RandNormal[float64](rng, 0, 1, 2, 5, 8)
	pad := tensor.MustMask([]bool{false, false, true, false, true, false, true, false, false, false}, 2, 5)
	run := func(f func(*autograd.Var[float64]) *autograd.Var[float64]) ([]float64, []float64) {
		for _, p := range stack.Parameters() {
			p.ZeroGrad()
		}
		in := autograd.Param(x.Clone())
		y := f(in)
		autograd.Sum(autograd.Mul(y, y)).Backward()
		return slices.Clone(y.Value().Data()), slices.Clone(in.Grad().Data())
	}
	chain := func(layer func(l *layers.TransformerEncoderLayer[float64], h *autograd.Var[float64]) *autograd.Var[float64]) func(*autograd.Var[float64]) *autograd.Var[float64] {
		return func(h *autograd.Var[float64]) *autograd.Var[float64] {
			for _, l := range stack.Layers {
				h = layer(l, h)
			}
			return stack.Norm.Forward(h)
		}
	}
	for _, tc := range []struct {
		name       string
		stack, ref func(*autograd.Var[float64]) *autograd.Var[float64]
	}{
		{"Forward", stack.Forward, chain(func(l *layers.TransformerEncoderLayer[float64], h *autograd.Var[float64]) *autograd.Var[float64] {
			return l.Forward(h)
		})},
		{"Encode", func(h *autograd.Var[float64]) *autograd.Var[float64] { return stack.Encode(h, pad, true) },
			chain(func(l *layers.TransformerEncoderLayer[float64], h *autograd.Var[float64]) *autograd.Var[float64] {
				return l.Encode(h, pad, true)
			})},
	} {
		got, gotGrad := run(tc.stack)
		want, wantGrad := run(tc.ref)
		if !slices.Equal(got, want) || !slices.Equal(gotGrad, wantGrad) {
			t.Errorf("%s: the stack differs from its layers in turn", tc.name)
		}
	}
	shapePanic(t, func() { stack.Forward(autograd.Const(tensor.Zeros[float64](2, 5, 6))) })
}
