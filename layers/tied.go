package layers

import (
	"fmt"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TiedOutput is the output projection of a language model that shares its
// weight with the token Embedding (weight tying, as GPT-2): for hidden
// states h [..., dim] it returns the logits
//
//	h·Eᵀ + Bias   [..., num]
//
// where E [num, dim] is Embedding.Weight itself, not a copy: training
// updates one tensor, whose gradient sums both uses.
//
// Parameters: the shared weight belongs to the Embedding and is listed
// there only, so a model's Parameters (and an optimizer) see it once;
// TiedOutput's own parameter is Bias (nil: none, as GPT-2's lm_head),
// named "bias".
//
// Model files: a PyTorch state_dict of a tied model carries the weight
// under both names (GPT-2's "transformer.wte.weight" and
// "lm_head.weight"), and load_state_dict(strict=True) wants both. So that
// Save matches it, TiedOutput reports the shared tensor as its buffer
// "weight" (see Buffered): Save writes it under the Embedding's name and
// under this layer's ("lm_head.weight" in a Named model with a child
// "lm_head"). Load reads a file with either name or both (then they must
// hold the same values), so Hugging Face's safetensors files, which store a
// tied weight once, load as well. Set OmitWeight to save the weight under
// the Embedding's name only, as those files do; it changes what Save
// writes (and NamedBuffers), not what Load reads: a PyTorch state_dict,
// with both names, loads either way.
type TiedOutput[T Float] struct {
	Embedding  *Embedding[T]
	Bias       *autograd.Var[T] // [num], or nil
	OmitWeight bool             // leave the tied weight's second name out of saved model files (Load still reads it)
}

// NewTiedOutput returns the projection tied to emb, with a zero bias
// [num] when bias is set (nil otherwise). It panics with an *ArgError if
// emb is nil.
func NewTiedOutput[T Float](emb *Embedding[T], bias bool) *TiedOutput[T] {
	if emb == nil {
		argPanic("NewTiedOutput", "emb", nil, "must not be nil")
	}
	o := &TiedOutput[T]{Embedding: emb}
	if bias {
		o.Bias = autograd.Param(tensor.Zeros[T](emb.Weight.Value().Dim(0))).SetName("bias")
	}
	return o
}

// Forward returns the logits h·Eᵀ + Bias for h [..., dim]: [..., num]. It
// panics with a *tensor.ShapeError naming the layer when h's last axis is
// not dim.
func (o *TiedOutput[T]) Forward(h *autograd.Var[T]) *autograd.Var[T] {
	w, hv := o.Embedding.Weight, h.Value()
	num, dim := w.Value().Dim(0), w.Value().Dim(1)
	if hv.Dims() < 1 || hv.Dim(-1) != dim {
		shapePanic(layerOp("TiedOutput", w), fmt.Sprintf("input must be [... %d]", dim), hv.Shape(), w.Shape())
	}
	if hv.Dims() == 2 {
		return autograd.Linear(h, w, o.Bias)
	}
	// The result's shape [..., num], in a stack buffer for the usual ranks
	// (Shape would copy, and a warm step under an Arena allocates nothing).
	var buf [8]int
	shape := buf[:0]
	for i := range hv.Dims() - 1 {
		shape = append(shape, hv.Dim(i))
	}
	shape = append(shape, num)
	return autograd.Reshape(autograd.Linear(autograd.Reshape(h, -1, dim), w, o.Bias), shape...)
}

// Parameters returns the bias, if any: the weight is the Embedding's.
func (o *TiedOutput[T]) Parameters() []*autograd.Var[T] { return o.AppendParameters(nil) }

// AppendParameters appends the bias, if any, to dst and returns the
// extended slice; it allocates nothing when dst has room (see the package
// function AppendParameters).
func (o *TiedOutput[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, nil, o.Bias)
}

// NamedParameters returns "bias", if any.
func (o *TiedOutput[T]) NamedParameters() []NamedParam[T] { return weightBias(nil, o.Bias) }

// NamedBuffers returns the tied weight as "weight" (the Embedding's live
// tensor), so that model files carry it under this layer's name too; nil
// when OmitWeight is set.
func (o *TiedOutput[T]) NamedBuffers() []NamedBuffer[T] {
	if o.OmitWeight {
		return nil
	}
	return o.weightBuffer()
}

// loadOnlyNames returns the tied weight as "weight" when OmitWeight is set
// (see loadOnlyNamer): Save leaves that name out, Load still reads it.
func (o *TiedOutput[T]) loadOnlyNames() []NamedBuffer[T] {
	if !o.OmitWeight {
		return nil
	}
	return o.weightBuffer()
}

// weightBuffer returns the tied weight as the buffer "weight".
func (o *TiedOutput[T]) weightBuffer() []NamedBuffer[T] {
	return []NamedBuffer[T]{{"weight", o.Embedding.Weight.Value()}}
}
