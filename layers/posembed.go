package layers

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// PositionEmbedding is a learned position embedding (GPT's wpe): a table
// Weight [maxLen, dim] whose row p is added to the features of position p.
// Forward adds rows 0…L−1 to x [N, L, dim]; AddAt starts at a given
// position, for a model that generates with a KV cache and feeds position
// past, past+1, … one at a time. Its one parameter is named "weight", as an
// nn.Embedding's (GPT-2's transformer.wpe.weight).
type PositionEmbedding[T Float] struct {
	Weight *autograd.Var[T] // [maxLen, dim]
}

// NewPositionEmbedding returns a table of maxLen positions of dim
// features drawn by init from rng (fanIn dim, fanOut maxLen, as
// NewEmbedding). A nil init means Normal(0, 1), nn.Embedding's default;
// GPT-2 uses Normal(0, 0.02). It panics with a *tensor.ShapeError if a
// size is not positive.
func NewPositionEmbedding[T Float](rng *rand.Rand, maxLen, dim int, init Initializer[T]) *PositionEmbedding[T] {
	checkPositive("NewPositionEmbedding", "[maxLen dim]", maxLen, dim)
	if init == nil {
		init = Normal[T](0, 1)
	}
	return &PositionEmbedding[T]{Weight: autograd.Param(init(rng, dim, maxLen, maxLen, dim)).SetName("weight")}
}

// MaxLen returns the number of positions of the table.
func (p *PositionEmbedding[T]) MaxLen() int { return p.Weight.Value().Dim(0) }

// Forward is AddAt(x, 0).
func (p *PositionEmbedding[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] { return p.AddAt(x, 0) }

// AddAt returns x [..., L, dim] plus rows start…start+L−1 of the table,
// broadcast over the leading axes: the embedding of positions start,
// start+1, …. The gradient of each row is the sum over the batch of the
// gradients of its position. It panics with a *tensor.ShapeError naming
// the layer when x is not [..., L, dim] or start+L exceeds MaxLen, and
// with an *ArgError when start is negative.
func (p *PositionEmbedding[T]) AddAt(x *autograd.Var[T], start int) *autograd.Var[T] {
	l := posCheck("PositionEmbedding", p.Weight, x, start, p.MaxLen(), p.Weight.Value().Dim(1))
	return autograd.Add(x, tableRows(p.Weight, x, start, l))
}

// tableRows returns rows start…start+l−1 of table [maxLen, dim] for x
// [..., l, dim]: table itself when those are all its rows, otherwise its
// Slice, taken through x's Arena when x has one (Arena.Use: a Slice of the
// table alone would allocate on every call). The gradient of each row goes
// to the table's row.
func tableRows[T Float](table, x *autograd.Var[T], start, l int) *autograd.Var[T] {
	if start == 0 && l == table.Value().Dim(0) {
		return table
	}
	if ar := x.Arena(); ar != nil {
		table = ar.Use(table)
	}
	return autograd.Slice(table, autograd.Range{Start: start, Stop: start + l, Step: 1})
}

// posCheck panics, naming the layer kind (and its weight w, nil: none),
// unless x is [..., L, dim] with start ≥ 0 and start+L ≤ maxLen, and
// returns L.
func posCheck[T Float](kind string, w, x *autograd.Var[T], start, maxLen, dim int) int {
	xv := x.Value()
	if xv.Dims() < 2 || xv.Dim(-1) != dim {
		shapePanic(layerOp(kind, w), fmt.Sprintf("input must be [... L %d]", dim), xv.Shape())
	}
	if start < 0 {
		argPanic(layerOp(kind, w), "start", start, "must not be negative")
	}
	l := xv.Dim(-2)
	if l > maxLen-start { // not start+l, which may overflow
		shapePanic(layerOp(kind, w), fmt.Sprintf("%d positions from %d are beyond the table's %d", l, start, maxLen), xv.Shape())
	}
	return l
}

// Parameters returns the table.
func (p *PositionEmbedding[T]) Parameters() []*autograd.Var[T] { return p.AppendParameters(nil) }

// AppendParameters appends the table to dst and returns the extended
// slice; it allocates nothing when dst has room (see the package function
// AppendParameters).
func (p *PositionEmbedding[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return appendWeightBias(dst, p.Weight, nil)
}

// NamedParameters returns "weight".
func (p *PositionEmbedding[T]) NamedParameters() []NamedParam[T] { return weightBias(p.Weight, nil) }

// SinusoidalPositionEncoding is the fixed position encoding of Vaswani et
// al. (2017), added to the features: for position p and feature pair i,
//
//	PE[p, 2i] = sin(p / 10000^(2i/dim)),  PE[p, 2i+1] = cos(p / 10000^(2i/dim))
//
// (for an odd dim the last feature is a sine). It has no parameters; the
// table of maxLen positions is computed once, in float64 and rounded to T.
// AddAt starts at a given position, for cached generation.
type SinusoidalPositionEncoding[T Float] struct {
	table *autograd.Var[T] // [maxLen, dim], a constant
}

// NewSinusoidalPositionEncoding returns the encoding of maxLen positions
// of dim features. It panics with a *tensor.ShapeError if a size is not
// positive.
func NewSinusoidalPositionEncoding[T Float](maxLen, dim int) *SinusoidalPositionEncoding[T] {
	checkPositive("NewSinusoidalPositionEncoding", "[maxLen dim]", maxLen, dim)
	d := make([]T, maxLen*dim)
	for p := range maxLen {
		for j := range dim {
			angle := float64(p) / math.Pow(10000, float64(j-j%2)/float64(dim))
			if j%2 == 0 {
				d[p*dim+j] = T(math.Sin(angle))
			} else {
				d[p*dim+j] = T(math.Cos(angle))
			}
		}
	}
	return &SinusoidalPositionEncoding[T]{table: autograd.Const(tensor.MustNew(d, maxLen, dim))}
}

// Table returns a copy of the table [maxLen, dim].
func (s *SinusoidalPositionEncoding[T]) Table() *tensor.Tensor[T] { return s.table.Value().Clone() }

// Forward is AddAt(x, 0).
func (s *SinusoidalPositionEncoding[T]) Forward(x *autograd.Var[T]) *autograd.Var[T] {
	return s.AddAt(x, 0)
}

// AddAt returns x [..., L, dim] plus the encodings of positions start…
// start+L−1, broadcast over the leading axes; the gradient passes to x
// unchanged. It panics as PositionEmbedding.AddAt does.
func (s *SinusoidalPositionEncoding[T]) AddAt(x *autograd.Var[T], start int) *autograd.Var[T] {
	tv := s.table.Value()
	l := posCheck("SinusoidalPositionEncoding", nil, x, start, tv.Dim(0), tv.Dim(1))
	return autograd.Add(x, tableRows(s.table, x, start, l))
}

// Parameters returns nil: the encoding has none.
func (s *SinusoidalPositionEncoding[T]) Parameters() []*autograd.Var[T] { return nil }

// AppendParameters returns dst unchanged: the encoding has none.
func (s *SinusoidalPositionEncoding[T]) AppendParameters(dst []*autograd.Var[T]) []*autograd.Var[T] {
	return dst
}

// NamedParameters returns nil: the encoding has none.
func (s *SinusoidalPositionEncoding[T]) NamedParameters() []NamedParam[T] { return nil }
