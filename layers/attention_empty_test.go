package layers_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestAttentionEmpty runs the attention and transformer layers on an empty
// batch (N = 0), empty sequences (L = 0) and both: as in PyTorch 1.13 the
// result is empty with the input's shape, and Backward gives every
// parameter a zero gradient of its shape (torch's .grad is zeros, not
// None). An empty batch divided by zero before.
func TestAttentionEmpty(t *testing.T) {
	cfg := layers.TransformerConfig{DModel: 4, NHead: 2, DimFeedforward: 8}
	type run func(x *autograd.Var[float32]) *autograd.Var[float32]
	mha := func() *layers.MultiheadAttention[float32] {
		return layers.NewMultiheadAttention[float32](newRNG(7), 4, 2)
	}
	tel := func() *layers.TransformerEncoderLayer[float32] {
		return layers.NewTransformerEncoderLayer[float32](newRNG(7), cfg)
	}
	enc := func() *layers.TransformerEncoder[float32] {
		return layers.NewTransformerEncoder[float32](newRNG(7), cfg, 2, true)
	}
	// Each case makes a new layer, whose parameters have no gradient yet.
	cases := []struct {
		name string
		make func() (layers.Module[float32], run)
	}{
		{"MultiheadAttention.Forward", func() (layers.Module[float32], run) { m := mha(); return m, m.Forward }},
		{"MultiheadAttention.Attend causal", func() (layers.Module[float32], run) {
			m := mha()
			return m, func(x *autograd.Var[float32]) *autograd.Var[float32] { return m.Attend(x, x, x, nil, true) }
		}},
		{"MultiheadAttention.Attend padded", func() (layers.Module[float32], run) {
			m := mha()
			return m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				xv := x.Value()
				pad, err := tensor.NewMask(make([]bool, xv.Dim(0)*xv.Dim(1)), xv.Dim(0), xv.Dim(1))
				if err != nil {
					t.Fatal(err)
				}
				return m.Attend(x, x, x, pad, false)
			}
		}},
		{"MultiheadAttention.Attend cross", func() (layers.Module[float32], run) {
			m := mha()
			return m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				kv := autograd.Add(x, autograd.Const(tensor.Zeros[float32](1))) // another Var: the cross-attention path
				return m.Attend(x, kv, kv, nil, false)
			}
		}},
		{"MultiheadAttention.ForwardCached", func() (layers.Module[float32], run) {
			m := mha()
			return m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				var c layers.KVCache[float32]
				m.ForwardCached(x, &c)
				return m.ForwardCached(x, &c)
			}
		}},
		{"TransformerEncoderLayer.Forward", func() (layers.Module[float32], run) { l := tel(); return l, l.Forward }},
		{"TransformerEncoderLayer.ForwardCached", func() (layers.Module[float32], run) {
			l := tel()
			return l, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				var c layers.KVCache[float32]
				return l.ForwardCached(x, &c)
			}
		}},
		{"TransformerEncoder.Forward", func() (layers.Module[float32], run) { e := enc(); return e, e.Forward }},
		{"TransformerEncoder.Encode", func() (layers.Module[float32], run) {
			e := enc()
			return e, func(x *autograd.Var[float32]) *autograd.Var[float32] { return e.Encode(x, nil, true) }
		}},
		{"TransformerEncoder.ForwardCached", func() (layers.Module[float32], run) {
			e := enc()
			return e, func(x *autograd.Var[float32]) *autograd.Var[float32] { return e.ForwardCached(x, e.NewCaches()) }
		}},
	}
	for _, c := range cases {
		for _, shape := range [][]int{{0, 3, 4}, {2, 0, 4}, {0, 0, 4}} {
			t.Run(fmt.Sprint(c.name, shape), func(t *testing.T) {
				m, f := c.make()
				x := autograd.Param(tensor.Zeros[float32](shape...))
				y := f(x)
				if diff := cmp.Diff(viewOf(x.Value()), viewOf(y.Value()), approx(0)); diff != "" {
					t.Fatalf("result (-want +got):\n%s", diff)
				}
				autograd.Sum(y).Backward()
				for _, p := range m.Parameters() {
					if p.Grad() == nil {
						t.Fatalf("%s: no gradient, want zeros", p.Name())
					}
					want := viewOf(tensor.Zeros[float32](p.Value().Shape()...))
					if diff := cmp.Diff(want, viewOf(p.Grad()), approx(0)); diff != "" {
						t.Errorf("%s gradient (-want +got):\n%s", p.Name(), diff)
					}
				}
			})
		}
	}
}

// TestAttentionNoKeys attends queries to no keys at all (S = 0), as
// PyTorch 1.13 does: the softmax over no scores is empty, the weighted sum
// of no values is 0, so every position is out_proj.bias, which alone gets a
// gradient (N·L for each element of Sum).
func TestAttentionNoKeys(t *testing.T) {
	m := layers.NewMultiheadAttention[float64](newRNG(3), 4, 2)
	copy(m.OutProj.Bias.Value().Data(), []float64{0, 0.5, 0, -1})
	q := autograd.Param(tensor.Ones[float64](2, 3, 4))
	kv := autograd.Param(tensor.Zeros[float64](2, 0, 4))
	y := m.Attend(q, kv, kv, nil, false)
	var want []float64
	for range 6 {
		want = append(want, 0, 0.5, 0, -1)
	}
	if diff := cmp.Diff(view([]int{2, 3, 4}, want...), viewOf(y.Value()), approx(0)); diff != "" {
		t.Fatalf("result (-want +got):\n%s", diff)
	}
	autograd.Sum(y).Backward()
	if diff := cmp.Diff(view([]int{4}, 6, 6, 6, 6), viewOf(m.OutProj.Bias.Grad()), approx(0)); diff != "" {
		t.Errorf("out_proj.bias gradient (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(viewOf(tensor.Zeros[float64](2, 3, 4)), viewOf(q.Grad()), approx(0)); diff != "" {
		t.Errorf("query gradient (-want +got):\n%s", diff)
	}
}
