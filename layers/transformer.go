package layers

import (
	"fmt"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TransformerConfig describes a TransformerEncoderLayer: the arguments of
// PyTorch's nn.TransformerEncoderLayer (always batch_first).
type TransformerConfig struct {
	DModel int // the features of every position (d_model)
	NHead  int // the attention heads; must divide DModel

	// DimFeedforward is the hidden size of the feed-forward block; 0 means
	// 2048, PyTorch's default (GPT-style blocks use 4·DModel).
	DimFeedforward int

	// Dropout is the probability of every dropout of the layer: on the
	// attention weights, after the activation, and on both residual
	// branches. Note: the zero value is no dropout, where PyTorch's
	// default is 0.1.
	Dropout float64

	// Activation is "relu" (or "", PyTorch's default) or "gelu" (the exact
	// GELU, x·Φ(x), as PyTorch's "gelu").
	Activation string

	// LayerNormEps is both LayerNorms' epsilon; 0 means 1e-5.
	LayerNormEps float64

	// NormFirst selects the pre-LN layer (each block sees a normalized
	// input: x + Block(LN(x))); false is the post-LN layer of the original
	// transformer (LN(x + Block(x))).
	NormFirst bool

	// Causal makes Forward causal: position i attends to positions
	// j <= i only. NewDecoderBlock sets it.
	Causal bool
}

// TransformerEncoderLayer is PyTorch's nn.TransformerEncoderLayer with
// batch_first=True: self-attention and a feed-forward block, each around a
// residual connection with a LayerNorm, on inputs [N, L, DModel].
// Post-LN (NormFirst false):
//
//	x = Norm1(x + Dropout1(SelfAttn(x)))
//	x = Norm2(x + Dropout2(Linear2(Dropout(Act(Linear1(x))))))
//
// pre-LN (NormFirst true):
//
//	x = x + Dropout1(SelfAttn(Norm1(x)))
//	x = x + Dropout2(Linear2(Dropout(Act(Linear1(Norm2(x))))))
//
// Its parameters have PyTorch's names, so that a state_dict loads one to
// one: "self_attn.in_proj_weight", "self_attn.in_proj_bias",
// "self_attn.out_proj.weight", "self_attn.out_proj.bias",
// "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
// "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias".
//
// The layer is a Container, so SetTraining reaches its dropouts (the
// attention's included): in evaluation mode none of them drops anything.
//
// A decoder-only (GPT-style) block is this layer with a causal mask: see
// NewDecoderBlock, and ForwardCached for generation.
//
// Under an autograd.Arena a warm training step (Forward, Backward)
// allocates nothing, dropout included: layers.Dropout and the attention's
// dropout take their masks from the arena.
type TransformerEncoderLayer[T Float] struct {
	SelfAttn         *MultiheadAttention[T]
	Linear1, Linear2 *Linear[T] // DModel → DimFeedforward → DModel
	Norm1, Norm2     *LayerNorm[T]
	// Dropout follows the activation, Dropout1 and Dropout2 the residual
	// branches (PyTorch's dropout, dropout1 and dropout2).
	Dropout, Dropout1, Dropout2 *Dropout[T]
	GELU                        bool // the activation: GELU, else ReLU
	NormFirst                   bool // pre-LN, else post-LN
	Causal                      bool // Forward is causal
}

// NewTransformerEncoderLayer returns a layer as cfg describes, initialised
// as PyTorch's: the attention as NewMultiheadAttention's, linear1 and
// linear2 as nn.Linear's (weights and biases U(±1/√in)), the LayerNorms
// ones and zeros. The dropouts draw seeds from rng (see NewDropout). It
// panics with a *tensor.ShapeError when a size is not positive and with an
// *ArgError when NHead does not divide DModel, Dropout is outside [0, 1),
// LayerNormEps is negative or Activation is not "relu" or "gelu".
func NewTransformerEncoderLayer[T Float](rng *rand.Rand, cfg TransformerConfig) *TransformerEncoderLayer[T] {
	const op = "NewTransformerEncoderLayer"
	d, ff := cfg.DModel, cfg.DimFeedforward
	if ff == 0 {
		ff = 2048
	}
	checkPositive(op, "[DModel NHead DimFeedforward]", d, cfg.NHead, ff)
	if !(cfg.Dropout >= 0 && cfg.Dropout < 1) {
		argPanic(op, "Dropout", cfg.Dropout, "must be in [0, 1)")
	}
	if !(cfg.LayerNormEps >= 0) {
		argPanic(op, "LayerNormEps", cfg.LayerNormEps, "must not be negative")
	}
	eps := T(cfg.LayerNormEps)
	if cfg.LayerNormEps == 0 {
		eps = 1e-5
	}
	var gelu bool
	switch cfg.Activation {
	case "", "relu":
	case "gelu":
		gelu = true
	default:
		argPanic(op, "Activation", cfg.Activation, `must be "relu" or "gelu"`)
	}
	attn := NewMultiheadAttention[T](rng, d, cfg.NHead)
	attn.SetDropout(rng, cfg.Dropout)
	l := &TransformerEncoderLayer[T]{
		SelfAttn:  attn,
		Linear1:   torchLinear[T](rng, d, ff),
		Linear2:   torchLinear[T](rng, ff, d),
		Norm1:     NewLayerNorm[T](d),
		Norm2:     NewLayerNorm[T](d),
		Dropout:   NewDropout[T](rng, cfg.Dropout),
		Dropout1:  NewDropout[T](rng, cfg.Dropout),
		Dropout2:  NewDropout[T](rng, cfg.Dropout),
		GELU:      gelu,
		NormFirst: cfg.NormFirst,
		Causal:    cfg.Causal,
	}
	l.Norm1.Eps, l.Norm2.Eps = eps, eps
	labelParams[T](l)
	return l
}

// NewDecoderBlock returns a decoder-only (GPT-style) block: causal
// self-attention and a feed-forward block, which is exactly a
// TransformerEncoderLayer with Causal set (GPT-2's block is the pre-LN,
// GELU one: NormFirst true, Activation "gelu", DimFeedforward 4·DModel).
// There is one implementation, so the names, the init and PyTorch's
// equivalence (nn.TransformerEncoderLayer with a causal mask) are the
// encoder layer's. For generation, feed positions one at a time through
// ForwardCached.
func NewDecoderBlock[T Float](rng *rand.Rand, cfg TransformerConfig) *TransformerEncoderLayer[T] {
	cfg.Causal = true
	return NewTransformerEncoderLayer[T](rng, cfg)
}

// torchLinear returns nn.Linear's default init: weight and bias
// U(±1/√in).
func torchLinear[T Float](rng *rand.Rand, in, out int) *Linear[T] {
	return &Linear[T]{
		Weight: autograd.Param(UniformFanIn[T](rng, in, out, out, in)).SetName("weight"),
		Bias:   autograd.Param(UniformFanIn[T](rng, in, out, out)).SetName("bias"),
	}
}

// DModel returns the number of features of every position.
func (l *TransformerEncoderLayer[T]) DModel() int { return l.SelfAttn.EmbedDim() }

// Forward is Encode(x, nil, l.Causal) for x [N, L, DModel].
func (l *TransformerEncoderLayer[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return l.Encode(x, nil, l.Causal)
}

// Encode applies the layer to x [N, L, DModel] and returns [N, L, DModel].
// keyPadding (nil: none) is PyTorch's src_key_padding_mask [N, L]: true
// marks a position that no query attends to. causal lets position i
// attend to positions j <= i only (PyTorch's is_causal with the square
// causal src_mask). A position left with nothing to attend to gives NaN,
// as in PyTorch.
//
// It panics with a *tensor.ShapeError naming the layer when x or the mask
// does not fit.
func (l *TransformerEncoderLayer[T]) Encode(x *autograd.Var[T], keyPadding *tensor.Mask, causal bool) *autograd.Var[T] {
	l.check(x)
	xv := x.Value()
	n, s, d := xv.Dim(0), xv.Dim(1), xv.Dim(2)
	return autograd.Reshape(l.encodeRows(flat(x, d), n, s, keyPadding, causal), n, s, d)
}

// encodeRows is Encode on the rows [N·L, DModel] of n sequences of s
// positions, returning rows: every part works position by position but the attention, which
// takes the sequences from n, so the layer (and a stack of them) runs on
// rows, with one reshape in and one out.
func (l *TransformerEncoderLayer[T]) encodeRows(x *autograd.Var[T], n, s int, keyPadding *tensor.Mask, causal bool) *autograd.Var[T] {
	return l.apply(x, func(h *autograd.Var[T]) *autograd.Var[T] {
		return l.SelfAttn.selfAttendFlat(h, n, s, keyPadding, causal)
	})
}

// ForwardCached is the causal layer on a sequence that arrives in pieces,
// for generation: x [N, L, DModel] are the next L positions, which attend
// to the positions cache holds and to themselves up to their own; their
// keys and values are then appended to cache (see
// MultiheadAttention.ForwardCached). Every other part of the layer works
// position by position, so feeding a sequence piece by piece (one token
// at a time, typically) gives the rows of Encode(whole, nil, true). Each
// layer of a model needs its own cache; Reset it for a new sequence. Under
// an Arena, Reset the arena once per sequence too, not between pieces: the
// cache holds Vars of the arena.
//
// It panics with a *tensor.ShapeError naming the layer when x does not
// fit or its N differs from the cache's, and with an *ArgError when the
// cache holds Vars of an Arena Reset since.
func (l *TransformerEncoderLayer[T]) ForwardCached(x *autograd.Var[T], cache *KVCache[T]) *autograd.Var[T] {
	l.check(x)
	return l.apply(x, func(h *autograd.Var[T]) *autograd.Var[T] {
		return l.SelfAttn.ForwardCached(h, cache)
	})
}

// check panics unless x is [N, L, DModel].
func (l *TransformerEncoderLayer[T]) check(x *autograd.Var[T]) {
	d, xv := l.DModel(), x.Value()
	if xv.Dims() != 3 || xv.Dim(2) != d {
		shapePanic(layerOp("TransformerEncoderLayer", l.SelfAttn.InProjWeight), fmt.Sprintf("input must be [N L %d]", d), xv.Shape())
	}
}

// apply is the layer around its attention, attn, in pre-LN or post-LN
// order, on x [N, L, DModel] or its rows [N·L, DModel] (attn takes and
// returns x's layout).
func (l *TransformerEncoderLayer[T]) apply(x *autograd.Var[T], attn func(*autograd.Var[T]) *autograd.Var[T]) *autograd.Var[T] {
	if l.NormFirst {
		x = autograd.Add(x, l.Dropout1.Forward(attn(l.Norm1.Forward(x))))
		return autograd.Add(x, l.feedForward(l.Norm2.Forward(x)))
	}
	x = l.Norm1.Forward(autograd.Add(x, l.Dropout1.Forward(attn(x))))
	return l.Norm2.Forward(autograd.Add(x, l.feedForward(x)))
}

// feedForward is Dropout2(Linear2(Dropout(Act(Linear1(x))))) on x
// [N, L, DModel] or [N·L, DModel], position by position, in x's shape.
func (l *TransformerEncoderLayer[T]) feedForward(x *autograd.Var[T]) *autograd.Var[T] {
	xv := x.Value()
	rows := x
	if xv.Dims() == 3 {
		rows = flat(x, xv.Dim(2))
	}
	var h *autograd.Var[T]
	if l.GELU {
		h = autograd.GELU(l.Linear1.Forward(rows))
	} else {
		h = l.Linear1.forwardReLU(rows) // one result instead of two
	}
	h = l.Linear2.Forward(l.Dropout.Forward(h))
	if xv.Dims() == 3 {
		h = autograd.Reshape(h, xv.Dim(0), xv.Dim(1), xv.Dim(2))
	}
	return l.Dropout2.Forward(h)
}

// Children returns the sub-layers under PyTorch's names: "self_attn",
// "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1",
// "dropout2".
func (l *TransformerEncoderLayer[T]) Children() []NamedModule[T] {
	return []NamedModule[T]{
		{"self_attn", l.SelfAttn}, {"linear1", l.Linear1}, {"dropout", l.Dropout}, {"linear2", l.Linear2},
		{"norm1", l.Norm1}, {"norm2", l.Norm2}, {"dropout1", l.Dropout1}, {"dropout2", l.Dropout2},
	}
}

// Parameters returns the parameters in NamedParameters' order.
func (l *TransformerEncoderLayer[T]) Parameters() []*autograd.Var[T] { return l.AppendParameters(nil) }

// AppendParameters appends the parameters, in the order of Parameters
// (that of Children: the dropouts have none), to dst and returns the
// extended slice; it allocates nothing when dst has room (see the package
// function AppendParameters).
func (l *TransformerEncoderLayer[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	dst = l.SelfAttn.AppendParameters(dst)
	dst = l.Linear1.AppendParameters(dst)
	dst = l.Linear2.AppendParameters(dst)
	dst = l.Norm1.AppendParameters(dst)
	return l.Norm2.AppendParameters(dst)
}

// NamedParameters returns the parameters with PyTorch's names, in
// nn.TransformerEncoderLayer's order (see the type).
func (l *TransformerEncoderLayer[T]) NamedParameters() []NamedParam[T] {
	return childParams(l.Children())
}
