package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Embedding is a table of num vectors of dim features, looked up by integer
// id: the first layer of a model of words, tokens or categories. Weight has
// shape [num, dim], as in PyTorch's nn.Embedding.
//
// Lookup(ids) is the main call. Forward exists so that an Embedding fits in
// a Sequential, whose values are all Vars: it takes ids encoded as floats.
// Either way the gradient of a row is the sum over every position that
// looked it up (repeated ids accumulate), and no gradient flows to the ids.
type Embedding[T Float] struct {
	Weight *autograd.Var[T] // [num, dim]
	// PaddingIdx, when not nil, is the id of a padding row (PyTorch's
	// padding_idx, from 0 to num−1): it is looked up like any other but
	// gets no gradient, so it stays as it is through training.
	// NewEmbeddingPadded sets it and fills that row with zeros.
	PaddingIdx *int
}

// NewEmbedding returns an Embedding of num vectors of dim features, drawn
// by init from rng with fanIn = dim and fanOut = num (PyTorch's fans for a
// [num, dim] matrix). A nil init means Normal(0, 1), PyTorch's default. It
// panics with a *tensor.ShapeError if num or dim is not positive.
func NewEmbedding[T Float](rng *rand.Rand, num, dim int, init Initializer[T]) *Embedding[T] {
	checkPositive("NewEmbedding", "[num dim]", num, dim)
	if init == nil {
		init = Normal[T](0, 1)
	}
	return &Embedding[T]{Weight: autograd.Param(init(rng, dim, num, num, dim)).SetName("weight")}
}

// NewEmbeddingPadded is NewEmbedding with a padding row, as PyTorch's
// nn.Embedding(num, dim, padding_idx=padding): the row at id padding
// starts at zeros and gets no gradient (see PaddingIdx), so a padded
// position of a batch of sequences looks up zeros. A negative padding
// counts from the end, as in PyTorch. It panics as NewEmbedding does, and
// with an *ArgError if padding is outside [−num, num).
func NewEmbeddingPadded[T Float](rng *rand.Rand, num, dim, padding int, init Initializer[T]) *Embedding[T] {
	e := NewEmbedding(rng, num, dim, init)
	if padding < -num || padding >= num {
		argPanic("NewEmbeddingPadded", "padding", padding, fmt.Sprintf("is out of range [%d, %d)", -num, num))
	}
	if padding < 0 {
		padding += num
	}
	clear(e.Weight.Value().Data()[padding*dim : (padding+1)*dim])
	e.PaddingIdx = &padding
	return e
}

// lookup is autograd.Embedding, or EmbeddingPadded with the padding row.
func (e *Embedding[T]) lookup(ids *autograd.Var[T]) *autograd.Var[T] {
	if e.PaddingIdx != nil {
		return autograd.EmbeddingPadded(e.Weight, ids, *e.PaddingIdx)
	}
	return autograd.Embedding(e.Weight, ids)
}

// Lookup returns the rows of Weight at ids, in order: shape [len(ids), dim].
// Nothing in its arguments comes from an autograd.Arena, so its result
// never does: under an Arena, give the ids to Forward through Arena.Const,
// or look them up in ar.Use(e.Weight) with autograd.IndexSelect. With a
// PaddingIdx it looks the ids up with autograd.EmbeddingPadded. It panics
// with an *ArgError naming the layer if an id is negative or not below num.
func (e *Embedding[T]) Lookup(ids []int) *autograd.Var[T] {
	num := e.Weight.Value().Dim(0)
	for i, id := range ids {
		if id < 0 || id >= num {
			e.badID(i, id)
		}
	}
	if e.PaddingIdx != nil {
		f := make([]T, len(ids))
		for i, id := range ids {
			f[i] = T(id)
		}
		return e.lookup(autograd.Const(tensor.MustNew(f, len(ids))))
	}
	return autograd.IndexSelect(e.Weight, 0, ids)
}

// Forward looks up ids given as a Var of whole numbers (float-encoded), of
// any shape: [batch] gives [batch, dim], [batch, seq] gives [batch, seq,
// dim]. It is autograd.Embedding, whose result (and the integer ids it
// keeps) come from the Arena of ids, if any. It panics with an *ArgError
// naming the layer if an id is not a whole number (NaN included) or is out
// of range, and with a *tensor.ShapeError for a 0-dimensional input.
func (e *Embedding[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	if x.Value().Dims() == 0 {
		shapePanic(layerOp("Embedding", e.Weight), "ids must have at least one dimension", x.Shape(), e.Weight.Shape())
	}
	num := float64(e.Weight.Value().Dim(0))
	for i, v := range x.Value().Data() {
		f := float64(v)
		if f != math.Trunc(f) || math.IsInf(f, 0) { // NaN fails the first test
			argPanic(layerOp("Embedding", e.Weight), "ids["+strconv.Itoa(i)+"]", v, "is not a whole number")
		}
		if f < 0 || f >= num {
			e.badID(i, v)
		}
	}
	return e.lookup(x)
}

// badID panics with an *ArgError for the out-of-range id at position i.
func (e *Embedding[T]) badID(i int, id any) {
	argPanic(layerOp("Embedding", e.Weight), "ids["+strconv.Itoa(i)+"]", id,
		fmt.Sprintf("is out of range [0, %d) of weight %v", e.Weight.Shape()[0], e.Weight.Shape()))
}

// Parameters returns the weight.
func (e *Embedding[T]) Parameters() []*autograd.Var[T] { return e.AppendParameters(nil) }

// AppendParameters appends the weight to dst and returns the extended
// slice; it allocates nothing when dst has room.
func (e *Embedding[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, e.Weight, nil)
}

// NamedParameters returns "weight".
func (e *Embedding[T]) NamedParameters() []NamedParam[T] { return weightBias(e.Weight, nil) }
