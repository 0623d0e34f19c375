package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The interop family "attention": nn.MultiheadAttention (batch_first),
// testdata/interop/gen_attention.py.

func init() {
	interopFamilies["attention"] = interopFamily{build64: buildInteropMHA[float64], build32: buildInteropMHA[float32]}
}

type interopMHAConfig struct {
	EmbedDim   int      `json:"embed_dim"`
	NumHeads   int      `json:"num_heads"`
	Causal     bool     `json:"causal"`
	Cross      bool     `json:"cross"`
	Bias       *bool    `json:"bias"`
	KeyPadding [][]bool `json:"key_padding_mask"`
}

func buildInteropMHA[T layers.Float](t *testing.T, raw json.RawMessage, rng *rand.Rand) (layers.Module[T], interopForward[T]) {
	cfg := decodeInteropConfig[interopMHAConfig](t, raw)
	m := layers.NewMultiheadAttention[T](rng, cfg.EmbedDim, cfg.NumHeads)
	if cfg.Bias != nil && !*cfg.Bias {
		m.InProjBias, m.OutProj.Bias = nil, nil
	} else {
		// Non-zero biases, so that a bias that failed to load shows.
		m.InProjBias.Value().CopyFrom(tensor.RandUniform[T](rng, -1, 1, 3*cfg.EmbedDim))
		m.OutProj.Bias.Value().CopyFrom(tensor.RandUniform[T](rng, -1, 1, cfg.EmbedDim))
	}
	fwd := func(in []*autograd.Var[T]) []*autograd.Var[T] {
		q, kv := in[0], in[0]
		if cfg.Cross {
			kv = in[1]
		}
		var pad *tensor.Mask
		if cfg.KeyPadding != nil {
			var flat []bool
			for _, row := range cfg.KeyPadding {
				flat = append(flat, row...)
			}
			pad = tensor.MustMask(flat, len(cfg.KeyPadding), len(cfg.KeyPadding[0]))
		}
		return []*autograd.Var[T]{m.Attend(q, kv, kv, pad, cfg.Causal)}
	}
	return m, fwd
}
