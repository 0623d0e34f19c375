package autograd

import (
	"fmt"
	"math"
	"slices"
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
	checkOperands2("Embedding", weight, ids)
	defer relabel("Embedding")
	return embedding("Embedding", weight, ids, -1)
}

// EmbeddingPadded is Embedding with a padding row, as PyTorch's
// F.embedding(ids, weight, padding_idx=padding): the row at id padding is
// looked up like any other, but gets no gradient, so a padding row that
// starts at zeros (layers.NewEmbeddingPadded) stays zeros in training. A
// negative padding counts from the end of the table, as in PyTorch.
//
//	d/dweight = g's rows whose id is not padding, added at their ids into zeros
//
// Its forward derivative treats the padding row as a constant likewise
// (its tangent is not looked up). It panics as Embedding does, and with a
// *tensor.ShapeError when padding is outside [−num, num).
func EmbeddingPadded[T Float](weight, ids *Var[T], padding int) *Var[T] {
	checkOperands2("EmbeddingPadded", weight, ids)
	defer relabel("EmbeddingPadded")
	if wv := weight.value; wv.Dims() == 2 {
		num := wv.Dim(0)
		if padding < -num || padding >= num {
			panic(shapeErr("EmbeddingPadded", fmt.Sprintf("padding id %d out of range [%d, %d)", padding, -num, num), wv.Shape(), ids.value.Shape()))
		}
		if padding < 0 {
			padding += num
		}
	}
	return embedding("EmbeddingPadded", weight, ids, padding)
}

// embedding is Embedding and EmbeddingPadded, named op; pad is the padding
// row, or −1 for none.
func embedding[T Float](op string, weight, ids *Var[T], pad int) *Var[T] {
	wv, iv := weight.value, ids.value
	if wv.Dims() != 2 {
		panic(shapeErr(op, "weight must be a 2-D table [num dim]", wv.Shape(), iv.Shape()))
	}
	num := wv.Dim(0)
	ar := arenaOf(ids, weight)
	idx := ar.intsN(iv.Len())
	for i, v := range iv.Data() {
		f := float64(v)
		if f != math.Trunc(f) || f < 0 || f >= float64(num) { // NaN fails the first test
			embBadID(op, iv, wv, i)
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
		s.idx, s.pad = idx, pad
		d = s
	}
	return recordOp(op, out, d, weight, ids)
}

// embBadID panics with the error for the id at flat position i of ids.
func embBadID[T Float](op string, ids, weight *tensor.Tensor[T], i int) {
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
	panic(shapeErr(op, fmt.Sprintf("id %v at position [%s] of ids is %s", v, strings.Join(pos, " "), why), weight.Shape(), ids.Shape()))
}

// embeddingOp is Embedding's and EmbeddingPadded's state: the ids as
// integers, and the padding row (−1 for none).
type embeddingOp[T Float] struct {
	idx []int
	pad int
}

func (*embeddingOp[T]) slot() stateSlot { return slotEmbedding }

func (s *embeddingOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	gs := make([]*Var[T], 2)
	if c.NeedsGrad(0) {
		w := c.node().inputs[0].value
		rows, idx := Reshape(g, len(s.idx), w.Dim(1)), s.idx
		if keep := s.unpadded(); keep != nil {
			rows, idx = IndexSelect(rows, 0, keep), make([]int, len(keep))
			for i, j := range keep {
				idx[i] = s.idx[j]
			}
		}
		gs[0] = shpIndexAdd(rows, 0, idx, w.Dim(0))
	}
	return gs
}

// unpadded returns the positions whose id is not the padding row, or nil
// when that is every position.
func (s *embeddingOp[T]) unpadded() []int {
	if s.pad < 0 || !slices.Contains(s.idx, s.pad) {
		return nil
	}
	keep := make([]int, 0, len(s.idx))
	for j, id := range s.idx {
		if id != s.pad {
			keep = append(keep, j)
		}
	}
	return keep
}

// vjp adds g's rows into the weight's gradient buffer at their ids (but
// the padding row's), clearing a fresh one first; a buffer that holds
// gradient already gets them through a scratch tensor when an id repeats,
// so that the sums have the bits of a recorded pass.
func (s *embeddingOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	if !c.NeedsGrad(0) {
		return
	}
	gradInto(c, 0, !shpRepeats(s.idx), func(dst *tensor.Tensor[T], beta T) {
		if beta == 0 {
			dst.Fill(0)
		}
		tensor.EmbeddingPaddedAddInto(dst, g, s.idx, s.pad)
	})
}

// jvp of Embedding is the weight's tangent looked up at the same ids (zero
// at the padding row's positions); the ids, indices, have no tangent.
func (s *embeddingOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if ts[0] != nil {
		tensor.EmbeddingInto(res, ts[0], s.idx)
		if s.pad >= 0 {
			data, dim := res.Data(), ts[0].Dim(1)
			for j, id := range s.idx {
				if id == s.pad {
					clear(data[j*dim : j*dim+dim])
				}
			}
		}
	}
	return res
}
