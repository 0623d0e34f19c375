package autograd_test

import (
	"encoding/json"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// torchRefAttentionParams are the parameters of gen_attention.py's cases:
// the keep mask (true = the key takes part) with its shape, and causal.
type torchRefAttentionParams struct {
	Mask      []bool `json:"mask"`
	MaskShape []int  `json:"mask_shape"`
	Causal    bool   `json:"causal"`
	// Dropout is ScaledDotProductAttentionWith's p, Keep its fixed mask
	// (true = kept) of the scores' shape.
	Dropout float64 `json:"dropout"`
	Keep    []bool  `json:"keep"`
}

// torchRefPackedParams are the parameters of gen_attention.py's
// PackedSelfAttention cases: the batch and heads, and the attention's.
type torchRefPackedParams struct {
	Batch int `json:"batch"`
	Heads int `json:"heads"`
	torchRefAttentionParams
}

// torchRefExtAttention maps the ops of gen_attention.py's cases
// (torchref_attention.json) to their Adjoint computation (see
// torchRefExtOp).
var torchRefExtAttention = map[string]torchRefExtOp{
	"ScaledDotProductAttention": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefAttentionParams](t, raw)
		var mask *tensor.Mask
		if p.Mask != nil {
			mask = tensor.MustMask(p.Mask, p.MaskShape...)
		}
		return autograd.ScaledDotProductAttention(x[0], x[1], x[2], mask, p.Causal)
	}),
	"ScaledDotProductAttentionWith": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefAttentionParams](t, raw)
		o := autograd.AttentionOptions{Causal: p.Causal, Dropout: p.Dropout}
		if p.Mask != nil {
			o.Mask = tensor.MustMask(p.Mask, p.MaskShape...)
		}
		if p.Keep != nil {
			shape := x[0].Shape()
			shape[len(shape)-1] = x[1].Shape()[len(shape)-2]
			o.Keep = tensor.MustMask(p.Keep, shape...)
		}
		return autograd.ScaledDotProductAttentionWith(x[0], x[1], x[2], o)
	}),
	"PackedSelfAttention": oneExt(func(t *testing.T, x []*V, raw json.RawMessage) *V {
		p := decodeTorchRefParams[torchRefPackedParams](t, raw)
		o := autograd.AttentionOptions{Causal: p.Causal, Dropout: p.Dropout}
		if p.Mask != nil {
			o.Mask = tensor.MustMask(p.Mask, p.MaskShape...)
		}
		if p.Keep != nil {
			shape := x[0].Shape()
			l := shape[len(shape)-2]
			if len(shape) == 2 {
				l /= p.Batch
			}
			o.Keep = tensor.MustMask(p.Keep, p.Batch, p.Heads, l, l)
		}
		return autograd.PackedSelfAttention(x[0], p.Batch, p.Heads, o)
	}),
}
