package layers_test

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The interop family "transformer": nn.TransformerEncoderLayer and
// nn.TransformerEncoder (batch_first), testdata/interop/gen_transformer.py.

func init() {
	interopFamilies["transformer"] = interopFamily{build64: buildInteropTransformer[float64], build32: buildInteropTransformer[float32]}
}

// interopTransformerConfig is a case's config: nn.TransformerEncoderLayer's
// arguments, the masks of the forward, and for a stack the number of
// layers and the final norm; decoder builds the layer with
// layers.NewDecoderBlock and runs Forward (causal).
type interopTransformerConfig struct {
	DModel         int      `json:"d_model"`
	NHead          int      `json:"nhead"`
	DimFeedforward int      `json:"dim_feedforward"`
	Dropout        float64  `json:"dropout"`
	Activation     string   `json:"activation"`
	LayerNormEps   float64  `json:"layer_norm_eps"`
	NormFirst      bool     `json:"norm_first"`
	Causal         bool     `json:"causal"`
	KeyPadding     [][]bool `json:"key_padding_mask"`
	Decoder        bool     `json:"decoder"`
	NumLayers      int      `json:"num_layers"`
	FinalNorm      bool     `json:"final_norm"`
	// Tied: an Embedding of Vocab rows and a TiedOutput, named "wte" and
	// "lm_head"; the forward returns the logits of the input and the
	// embedding of IDs.
	Tied  bool    `json:"tied"`
	Vocab int     `json:"vocab"`
	IDs   [][]int `json:"ids"`
}

func buildInteropTransformer[T layers.Float](t *testing.T, raw json.RawMessage, rng *rand.Rand) (layers.Module[T], interopForward[T]) {
	c := decodeInteropConfig[interopTransformerConfig](t, raw)
	cfg := layers.TransformerConfig{DModel: c.DModel, NHead: c.NHead, DimFeedforward: c.DimFeedforward, Dropout: c.Dropout,
		Activation: c.Activation, LayerNormEps: c.LayerNormEps, NormFirst: c.NormFirst}
	var pad *tensor.Mask
	if c.KeyPadding != nil {
		var flat []bool
		for _, row := range c.KeyPadding {
			flat = append(flat, row...)
		}
		pad = tensor.MustMask(flat, len(c.KeyPadding), len(c.KeyPadding[0]))
	}
	var m layers.Module[T]
	var fwd interopForward[T]
	switch {
	case c.Tied:
		emb := layers.NewEmbedding[T](rng, c.Vocab, c.DModel, nil)
		head := layers.NewTiedOutput(emb, true)
		m = layers.NewNamed(layers.NamedModule[T]{Name: "wte", Module: emb}, layers.NamedModule[T]{Name: "lm_head", Module: head})
		var ids []int
		for _, row := range c.IDs {
			ids = append(ids, row...)
		}
		fwd = func(in []*autograd.Var[T]) []*autograd.Var[T] {
			return []*autograd.Var[T]{head.Forward(in[0]), autograd.Reshape(emb.Lookup(ids), len(c.IDs), len(c.IDs[0]), c.DModel)}
		}
	case c.NumLayers > 0:
		s := layers.NewTransformerEncoder[T](rng, cfg, c.NumLayers, c.FinalNorm)
		m, fwd = s, func(in []*autograd.Var[T]) []*autograd.Var[T] {
			return []*autograd.Var[T]{s.Encode(in[0], pad, c.Causal)}
		}
	case c.Decoder:
		l := layers.NewDecoderBlock[T](rng, cfg)
		m, fwd = l, func(in []*autograd.Var[T]) []*autograd.Var[T] { return []*autograd.Var[T]{l.Forward(in[0])} }
	default:
		l := layers.NewTransformerEncoderLayer[T](rng, cfg)
		m, fwd = l, func(in []*autograd.Var[T]) []*autograd.Var[T] {
			return []*autograd.Var[T]{l.Encode(in[0], pad, c.Causal)}
		}
	}
	// Biases and norms away from their init (0 and 1), so that one that
	// failed to load shows.
	for _, p := range m.NamedParameters() {
		if strings.HasSuffix(p.Name, "bias") || strings.Contains(p.Name, "norm") {
			d := p.Param.Value().Data()
			for i := range d {
				d[i] += T(rng.Float64()*0.6 - 0.3)
			}
		}
	}
	return m, fwd
}
