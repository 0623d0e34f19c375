package layers_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// randomize sets every parameter of m to uniform values in [-0.5, 0.5),
// norms and biases included, so that a test exercises all of them.
func randomize[T tensor.Float](seed uint64, m layers.Module[T]) {
	rng := newRNG(seed)
	for _, p := range m.Parameters() {
		d := p.Value().Data()
		for i := range d {
			d[i] = T(rng.Float64() - 0.5)
		}
	}
}

// TestTransformerEncoderLayerNames: PyTorch's names in its order, shapes,
// and its init: linear weights and biases within ±1/√in and not all zero,
// norms ones and zeros, the attention's biases zero, the epsilon.
func TestTransformerEncoderLayerNames(t *testing.T) {
	l := layers.NewTransformerEncoderLayer[float64](newRNG(1), layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 12, LayerNormEps: 1e-6})
	var names []string
	shapes := map[string][]int{}
	for _, p := range l.NamedParameters() {
		names = append(names, p.Name)
		shapes[p.Name] = p.Param.Shape()
		if p.Param.Name() != p.Name {
			t.Errorf("parameter %s is labelled %q", p.Name, p.Param.Name())
		}
	}
	want := []string{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
		"linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("names (-want +got):\n%s", d)
	}
	wantShapes := map[string][]int{"self_attn.in_proj_weight": {24, 8}, "self_attn.in_proj_bias": {24}, "self_attn.out_proj.weight": {8, 8},
		"self_attn.out_proj.bias": {8}, "linear1.weight": {12, 8}, "linear1.bias": {12}, "linear2.weight": {8, 12}, "linear2.bias": {8},
		"norm1.weight": {8}, "norm1.bias": {8}, "norm2.weight": {8}, "norm2.bias": {8}}
	if d := cmp.Diff(wantShapes, shapes); d != "" {
		t.Errorf("shapes (-want +got):\n%s", d)
	}
	bound := func(name string, v *autograd.Var[float64], b float64) {
		nonzero := false
		for _, x := range v.Value().Data() {
			if math.Abs(x) > b {
				t.Errorf("%s: %g beyond ±%g", name, x, b)
				return
			}
			nonzero = nonzero || x != 0
		}
		if !nonzero {
			t.Errorf("%s is all zeros", name)
		}
	}
	bound("linear1.weight", l.Linear1.Weight, 1/math.Sqrt(8))
	bound("linear1.bias", l.Linear1.Bias, 1/math.Sqrt(8))
	bound("linear2.weight", l.Linear2.Weight, 1/math.Sqrt(12))
	bound("linear2.bias", l.Linear2.Bias, 1/math.Sqrt(12))
	for _, v := range []*autograd.Var[float64]{l.Norm1.Weight, l.Norm2.Weight} {
		if d := cmp.Diff(viewOf(tensor.Ones[float64](8)), viewOf(v.Value())); d != "" {
			t.Errorf("norm weight: %s", d)
		}
	}
	if l.Norm1.Eps != 1e-6 || l.Norm2.Eps != 1e-6 {
		t.Errorf("eps %g %g, want 1e-6", l.Norm1.Eps, l.Norm2.Eps)
	}
	if d := layers.NewTransformerEncoderLayer[float32](newRNG(1), layers.TransformerConfig{DModel: 4, NHead: 1}); d.Linear1.Weight.Value().Dim(0) != 2048 || d.Norm1.Eps != 1e-5 {
		t.Errorf("defaults: feed-forward %d, eps %g; want 2048 and 1e-5", d.Linear1.Weight.Value().Dim(0), d.Norm1.Eps)
	}
}

// TestTransformerEncoderLayerFormula checks the four variants against
// their definition written with the sub-layers, on random weights: post-LN
// Norm2(h + FF(h)) with h = Norm1(x + SA(x)), pre-LN h = x + SA(Norm1(x)),
// h + FF(Norm2(h)), with ReLU and with the exact GELU, under a key-padding
// mask and causal.
func TestTransformerEncoderLayerFormula(t *testing.T) {
	pad := tensor.MustMask([]bool{false, false, true, false, false, false, false, true}, 2, 4)
	for _, tc := range []struct {
		name      string
		normFirst bool
		act       string
	}{{"post-LN relu", false, "relu"}, {"post-LN gelu", false, "gelu"}, {"pre-LN relu", true, ""}, {"pre-LN gelu", true, "gelu"}} {
		t.Run(tc.name, func(t *testing.T) {
			l := layers.NewTransformerEncoderLayer[float64](newRNG(2), layers.TransformerConfig{DModel: 6, NHead: 3, DimFeedforward: 10, Activation: tc.act, NormFirst: tc.normFirst})
			randomize(3, l)
			x := autograd.Const(randTensor(newRNG(4), 2, 4, 6))
			got := l.Encode(x, pad, true)
			sa := func(h *autograd.Var[float64]) *autograd.Var[float64] { return l.SelfAttn.Attend(h, h, h, pad, true) }
			ff := func(h *autograd.Var[float64]) *autograd.Var[float64] {
				z := l.Linear1.Forward(autograd.Reshape(h, 8, 6))
				if tc.act == "gelu" {
					z = layers.GELU[float64]{}.Forward(z)
				} else {
					z = layers.ReLU[float64]{}.Forward(z)
				}
				return autograd.Reshape(l.Linear2.Forward(z), 2, 4, 6)
			}
			var want *autograd.Var[float64]
			if tc.normFirst {
				h := autograd.Add(x, sa(l.Norm1.Forward(x)))
				want = autograd.Add(h, ff(l.Norm2.Forward(h)))
			} else {
				h := l.Norm1.Forward(autograd.Add(x, sa(x)))
				want = l.Norm2.Forward(autograd.Add(h, ff(h)))
			}
			if !bitsEqual(want.Value(), got.Value()) {
				t.Errorf("Encode differs from the definition:\n%s", cmp.Diff(viewOf(want.Value()), viewOf(got.Value())))
			}
		})
	}
}

// TestTransformerEncoderLayerGradcheck checks the layer's gradients in
// float64 for the input and every parameter, pre-LN with GELU under a
// key-padding mask and post-LN with ReLU, causal.
func TestTransformerEncoderLayerGradcheck(t *testing.T) {
	pad := tensor.MustMask([]bool{false, true, false, false, false, false}, 2, 3)
	for _, normFirst := range []bool{true, false} {
		act := map[bool]string{true: "gelu", false: "relu"}[normFirst]
		l := layers.NewTransformerEncoderLayer[float64](newRNG(6), layers.TransformerConfig{DModel: 4, NHead: 2, DimFeedforward: 5, Activation: act, NormFirst: normFirst})
		randomize(7, l)
		xs := []*tensor.Tensor[float64]{randTensor(newRNG(8), 2, 3, 4)}
		for _, p := range l.Parameters() {
			xs = append(xs, p.Value().Clone())
		}
		f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
			return withParams(l, in[1:]).Encode(in[0], pad, !normFirst)
		}
		gradcheck.Assert(t, f, xs)
	}
}

// withParams returns a copy of l whose parameters are ps, in
// NamedParameters' order: the layer on gradcheck's inputs.
func withParams(l *layers.TransformerEncoderLayer[float64], ps []*autograd.Var[float64]) *layers.TransformerEncoderLayer[float64] {
	c := *l
	attn := &layers.MultiheadAttention[float64]{NumHeads: l.SelfAttn.NumHeads, InProjWeight: ps[0], InProjBias: ps[1],
		OutProj: &layers.Linear[float64]{Weight: ps[2], Bias: ps[3]}}
	c.SelfAttn = attn
	c.Linear1 = &layers.Linear[float64]{Weight: ps[4], Bias: ps[5]}
	c.Linear2 = &layers.Linear[float64]{Weight: ps[6], Bias: ps[7]}
	n1, n2 := *l.Norm1, *l.Norm2
	n1.Weight, n1.Bias, n2.Weight, n2.Bias = ps[8], ps[9], ps[10], ps[11]
	c.Norm1, c.Norm2 = &n1, &n2
	return &c
}
