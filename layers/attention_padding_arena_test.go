package layers_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// padded is a module whose Forward is fwd (an attention module called with
// a key padding mask): Parameters and NamedParameters are inner's, and so
// are its training mode's switches.
type padded struct {
	layers.Module[float32]
	fwd func(x *autograd.Var[float32]) *autograd.Var[float32]
}

func (p padded) Forward(x *autograd.Var[float32]) *autograd.Var[float32] { return p.fwd(x) }
func (p padded) SetTraining(on bool)                                     { layers.SetTraining(p.Module, on) }
func (p padded) Training() bool                                          { return p.Module.(layers.Trainable).Training() }

// paddingRows are the rows of TestPaddedAttentionArenaAllocatesNothing:
// MultiheadAttention's self-attention (the packed path; plain, and with
// causal and dropout), TransformerEncoderLayer and TransformerEncoder,
// each given PyTorch's key padding mask [N, L] (true = ignore) for inputs
// [2 5 8], and MultiheadAttention's attention to other keys and values
// (the unpacked path, whose in_proj_weight is split through Arena.Use):
// keys and values of the same length under the padding mask, and keys and
// values of 3 positions without one.
func paddingRows() []moduleRow {
	pad := tensor.MustMask([]bool{
		false, true, false, false, true,
		false, false, true, true, true,
	}, 2, 5)
	seq := func() *tensor.Tensor[float32] { return rand32(2, 2, 5, 8) }
	cfg := layers.TransformerConfig{DModel: 8, NHead: 2, DimFeedforward: 16, Dropout: 0.1}
	row := func(name string, build func() layers.Module[float32]) moduleRow {
		return moduleRow{typ: name, name: name, build: func() (layers.Module[float32], *tensor.Tensor[float32]) { return build(), seq() }}
	}
	return []moduleRow{
		row("MultiheadAttention/self", func() layers.Module[float32] {
			m := layers.NewMultiheadAttention[float32](newRNG(11), 8, 2)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] { return m.Attend(x, x, x, pad, false) }}
		}),
		row("MultiheadAttention/self causal dropout", func() layers.Module[float32] {
			m := layers.NewMultiheadAttention[float32](newRNG(11), 8, 2).SetDropout(newRNG(12), 0.25)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] { return m.Attend(x, x, x, pad, true) }}
		}),
		row("MultiheadAttention/cross", func() layers.Module[float32] {
			m := layers.NewMultiheadAttention[float32](newRNG(11), 8, 2)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				return m.Attend(x, autograd.Tanh(x), autograd.Sigmoid(x), pad, false)
			}}
		}),
		row("MultiheadAttention/cross shorter memory", func() layers.Module[float32] {
			m := layers.NewMultiheadAttention[float32](newRNG(11), 8, 2)
			return padded{m, func(x *autograd.Var[float32]) *autograd.Var[float32] {
				mem := autograd.Tanh(autograd.Slice(x, autograd.Range{Start: 0, Stop: 2, Step: 1}, autograd.Range{Start: 1, Stop: 4, Step: 1}))
				return m.Attend(x, mem, mem, nil, false)
			}}
		}),
		row("TransformerEncoderLayer", func() layers.Module[float32] {
			l := layers.NewTransformerEncoderLayer[float32](newRNG(11), cfg)
			return padded{l, func(x *autograd.Var[float32]) *autograd.Var[float32] { return l.Encode(x, pad, false) }}
		}),
		row("TransformerEncoder causal", func() layers.Module[float32] {
			e := layers.NewTransformerEncoder[float32](newRNG(11), cfg, 2, true)
			return padded{e, func(x *autograd.Var[float32]) *autograd.Var[float32] { return e.Encode(x, pad, true) }}
		}),
	}
}

// TestPaddedAttentionArenaAllocatesNothing is
// TestEveryModuleArenaAllocatesNothing for the attention modules called
// with a key padding mask: a warm evaluation under an inference Arena and
// a warm training step under an Arena allocate nothing, and give the
// numbers of the same computation without an Arena.
func TestPaddedAttentionArenaAllocatesNothing(t *testing.T) {
	if underRace {
		t.Skip("the race detector's instrumentation allocates")
	}
	testArenaRows(t, paddingRows())
}

// TestMultiheadAttentionKeyPaddingIsKeepMask: self-attention with a key
// padding mask gives, bit for bit, the output and gradients of the packed
// attention under the keep mask [N 1 1 S] that the layer built before the
// attention took the padding mask itself.
func TestMultiheadAttentionKeyPaddingIsKeepMask(t *testing.T) {
	pad := []bool{false, true, false, false, true, false, false, true, true, true}
	keep := make([]bool, len(pad))
	for i, p := range pad {
		keep[i] = !p
	}
	for _, causal := range []bool{false, true} {
		run := func(withPad bool) (out *tensor.Tensor[float32], grads []*tensor.Tensor[float32]) {
			m := layers.NewMultiheadAttention[float32](newRNG(11), 8, 2)
			x := autograd.Param(rand32(2, 2, 5, 8))
			var y *autograd.Var[float32]
			if withPad {
				y = m.Attend(x, x, x, tensor.MustMask(pad, 2, 5), causal)
			} else {
				qkv := autograd.Linear(autograd.Reshape(x, 10, 8), m.InProjWeight, m.InProjBias)
				a := autograd.PackedSelfAttention(qkv, 2, 2, autograd.AttentionOptions{Mask: tensor.MustMask(keep, 2, 1, 1, 5), Causal: causal})
				y = autograd.Reshape(m.OutProj.Forward(a), 2, 5, 8)
			}
			autograd.Sum(autograd.Mul(y, y)).Backward()
			for _, p := range append(m.Parameters(), x) {
				grads = append(grads, p.Grad())
			}
			return y.Value(), grads
		}
		got, gg := run(true)
		want, wg := run(false)
		if !bitsEqual(got, want) {
			t.Errorf("causal %v: the output differs from the keep mask's", causal)
		}
		for i := range wg {
			if !bitsEqual(gg[i], wg[i]) {
				t.Errorf("causal %v: gradient %d differs from the keep mask's", causal, i)
			}
		}
	}
}
