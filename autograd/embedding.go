package autograd

import (
	"fmt"
	"math"
	"strings"

	"github.com/adjoint-go/adjoint/tensor"
)

// Embedding returns the rows of weight, a [num dim] table, at ids, as
// PyTorch's F.embedding: ids is a Var of whole numbers (float-encoded) of
// any shape, and the result has ids' shape plus a last axis of dim. The
// result comes from the Arena of ids (or else of weight), and so do the
// integer ids its derivative keeps.
//
// The gradient flows to weight only: each row gets the sum of the
// gradients at the positions that looked it up (a scatter-add). The ids
// are indices, with no gradient.
//
//	d/dweight = g's rows added at their ids into zeros of weight's shape
//
// It panics with a *tensor.ShapeError when weight is not 2-D or an id is
// NaN, not a whole number, or out of range, naming the id and its position.
func Embedding[T Float](weight, ids *Var[T]) *Var[T] {
	defer relabel("Embedding")
	wv, iv := weight.value, ids.value
	if wv.Dims() != 2 {
		panic(shapeErr("Embedding", "weight must be a 2-D table [num dim]", wv.Shape(), iv.Shape()))
	}
	num := wv.Dim(0)
	ar := arenaOf(ids, weight)
	idx := ar.intsN(iv.Len())
	for i, v := range iv.Data() {
		f := float64(v)
		if f != math.Trunc(f) || f < 0 || f >= float64(num) { // NaN fails the first test
			embBadID(iv, wv, i)
		}
		idx[i] = int(f)
	}
	var sb [maxStackDims]int
	shape := sb[:0]
	for i := range iv.Dims() {
		shape = append(shape, iv.Dim(i))
	}
	shape = append(shape, wv.Dim(1))
	out := ar.tensor(shape...)
	tensor.EmbeddingInto(out, wv, idx)
	var d derivative[T]
	if needsGrad(weight, ids) {
		s := newState[embeddingOp[T]](ar)
		s.idx = idx
		d = s
	}
	return recordOp("Embedding", out, d, weight, ids)
}

// embBadID panics with the error for the id at flat position i of ids.
func embBadID[T Float](ids, weight *tensor.Tensor[T], i int) {
	v := ids.Data()[i]
	pos := make([]string, ids.Dims())
	for ax, rest := ids.Dims()-1, i; ax >= 0; ax-- {
		pos[ax] = fmt.Sprint(rest % ids.Dim(ax))
		rest /= ids.Dim(ax)
	}
	why := fmt.Sprintf("out of range [0, %d)", weight.Dim(0))
	if f := float64(v); f != math.Trunc(f) {
		why = "not a whole number"
	}
	panic(shapeErr("Embedding", fmt.Sprintf("id %v at position [%s] of ids is %s", v, strings.Join(pos, " "), why), weight.Shape(), ids.Shape()))
}

// embeddingOp is Embedding's state: the ids as integers.
type embeddingOp[T Float] struct{ idx []int }

func (*embeddingOp[T]) slot() stateSlot { return slotEmbedding }

func (s *embeddingOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gs := make([]*Var[T], 2)
	if c.NeedsGrad(0) {
		w := c.n.inputs[0].value
		gs[0] = shpIndexAdd(Reshape(g, len(s.idx), w.Dim(1)), 0, s.idx, w.Dim(0))
	}
	return gs
}

// vjp adds g's rows into the weight's gradient buffer at their ids,
// clearing a fresh one first; a buffer that holds gradient already gets
// them through a scratch tensor when an id repeats, so that the sums have
// the bits of a recorded pass.
func (s *embeddingOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if !c.NeedsGrad(0) {
		return
	}
	gradInto(c, 0, !shpRepeats(s.idx), func(dst *tensor.Tensor[T], beta T) {
		if beta == 0 {
			dst.Fill(0)
		}
		tensor.EmbeddingAddInto(dst, g, s.idx)
	})
}

// jvp of Embedding is the weight's tangent looked up at the same ids; the
// ids, indices, have no tangent.
func (s *embeddingOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if ts[0] != nil {
		tensor.EmbeddingInto(res, ts[0], s.idx)
	}
	return res
}
