package layers

import (
	"math/rand/v2"
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TransformerEncoder is PyTorch's nn.TransformerEncoder (batch_first): a
// stack of TransformerEncoderLayers applied in turn, and an optional final
// LayerNorm (PyTorch's norm argument; pre-LN stacks such as GPT-2 have
// one). Its parameters are named "layers.0.self_attn.in_proj_weight", …,
// "layers.1.norm2.bias", then "norm.weight" and "norm.bias", PyTorch's
// names.
//
// Unlike nn.TransformerEncoder, which deep-copies one layer (so its layers
// start equal), NewTransformerEncoder initialises every layer anew; a
// state_dict loads either way.
type TransformerEncoder[T Float] struct {
	Layers []*TransformerEncoderLayer[T]
	Norm   *LayerNorm[T] // the final LayerNorm, or nil
}

// NewTransformerEncoder returns numLayers layers as cfg describes (each as
// NewTransformerEncoderLayer's, drawn in turn from rng), with a final
// LayerNorm of cfg's epsilon when finalNorm is set. It panics as
// NewTransformerEncoderLayer does, and with a *tensor.ShapeError when
// numLayers is not positive.
func NewTransformerEncoder[T Float](rng *rand.Rand, cfg TransformerConfig, numLayers int, finalNorm bool) *TransformerEncoder[T] {
	checkPositive("NewTransformerEncoder", "[numLayers]", numLayers)
	e := &TransformerEncoder[T]{Layers: make([]*TransformerEncoderLayer[T], numLayers)}
	for i := range e.Layers {
		e.Layers[i] = NewTransformerEncoderLayer[T](rng, cfg)
	}
	if finalNorm {
		e.Norm = NewLayerNorm[T](cfg.DModel)
		e.Norm.Eps = e.Layers[0].Norm1.Eps
	}
	labelParams[T](e)
	return e
}

// Forward applies every layer's Forward (each with its own Causal), then
// the final norm.
func (e *TransformerEncoder[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return e.encode(x, nil, nil)
}

// Encode applies every layer's Encode with the same key-padding mask and
// causal flag, then the final norm.
func (e *TransformerEncoder[T]) Encode(x *autograd.Var[T], keyPadding *tensor.Mask, causal bool) *autograd.Var[T] {
	return e.encode(x, keyPadding, &causal)
}

// encode is Forward (causal nil: each layer's own) and Encode: the layers
// and the final norm run on the rows [N·L, DModel] of x [N, L, DModel],
// reshaped once in and once out, instead of once around each layer.
func (e *TransformerEncoder[T]) encode(x *autograd.Var[T], keyPadding *tensor.Mask, causal *bool) *autograd.Var[T] {
	if len(e.Layers) == 0 {
		return e.norm(x)
	}
	for _, l := range e.Layers {
		l.check(x) // each layer's output has its input's shape
	}
	xv := x.Value()
	n, s, d := xv.Dim(0), xv.Dim(1), xv.Dim(2)
	h := flat(x, d)
	for _, l := range e.Layers {
		c := l.Causal
		if causal != nil {
			c = *causal
		}
		h = l.encodeRows(h, n, s, keyPadding, c)
	}
	return autograd.Reshape(e.norm(h), n, s, d)
}

// ForwardCached applies every layer's ForwardCached, layer i with
// caches[i], then the final norm: the causal stack on a sequence that
// arrives in pieces (see TransformerEncoderLayer.ForwardCached). Make the
// caches with NewCaches. Under an Arena, Reset it once per sequence (with
// the caches), not between pieces. It panics with a *tensor.ShapeError when
// there are not as many caches as layers, and as
// TransformerEncoderLayer.ForwardCached does otherwise.
func (e *TransformerEncoder[T]) ForwardCached(x *autograd.Var[T], caches []KVCache[T]) *autograd.Var[T] {
	if len(caches) != len(e.Layers) {
		shapePanic("TransformerEncoder", "want one cache per layer", []int{len(caches)}, []int{len(e.Layers)})
	}
	for i, l := range e.Layers {
		x = l.ForwardCached(x, &caches[i])
	}
	return e.norm(x)
}

// NewCaches returns one empty KVCache per layer, for ForwardCached.
func (e *TransformerEncoder[T]) NewCaches() []KVCache[T] { return make([]KVCache[T], len(e.Layers)) }

// norm applies the final norm, if any.
func (e *TransformerEncoder[T]) norm(x *autograd.Var[T]) *autograd.Var[T] {
	if e.Norm == nil {
		return x
	}
	return e.Norm.Forward(x)
}

// Children returns the layers, "layers.0", "layers.1", …, and the final
// norm, "norm", when present.
func (e *TransformerEncoder[T]) Children() []NamedModule[T] {
	out := make([]NamedModule[T], 0, len(e.Layers)+1)
	for i, l := range e.Layers {
		out = append(out, NamedModule[T]{Name: "layers." + strconv.Itoa(i), Module: l})
	}
	if e.Norm != nil {
		out = append(out, NamedModule[T]{Name: "norm", Module: e.Norm})
	}
	return out
}

// Parameters returns the parameters in NamedParameters' order.
func (e *TransformerEncoder[T]) Parameters() []*autograd.Var[T] { return e.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters, to
// dst and returns the extended slice; it allocates nothing when dst has
// room (see the package function AppendParameters).
func (e *TransformerEncoder[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	for _, l := range e.Layers {
		dst = l.AppendParameters(dst)
	}
	if e.Norm != nil {
		dst = e.Norm.AppendParameters(dst)
	}
	return dst
}

// NamedParameters returns every layer's parameters under "layers.<i>.",
// then "norm.weight" and "norm.bias".
func (e *TransformerEncoder[T]) NamedParameters() []NamedParam[T] { return childParams(e.Children()) }
