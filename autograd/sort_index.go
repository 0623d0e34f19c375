package autograd

import "github.com/adjoint-go/adjoint/tensor"

// argsortHolder keeps the Index that Argsort returns under an Arena, so
// that the Index value and its shape are reused step after step like the
// positions themselves (which come from the arena's integers).
type argsortHolder struct {
	index tensor.Index
	shape [maxStackDims]int
}

func (*argsortHolder) slot() stateSlot { return slotArgsort }

// argsortIndex returns the positions that sort xv along axis as an Index
// of xv's shape: from ar's memory when ar is not nil (valid until its next
// Reset), else newly allocated.
func argsortIndex[T Float](ar *Arena[T], xv *tensor.Tensor[T], axis int, descending bool) *tensor.Index {
	if ar == nil {
		return tensor.Argsort(xv, axis, descending)
	}
	idx := sortPositions(ar, xv, axis, descending)
	h := newState[argsortHolder](ar)
	h.index.SetIndex(idx, dimsOf(h.shape[:0], xv)...)
	return &h.index
}

// indexVar returns idx as a constant of the same shape whose elements are
// the positions as floats, its tensor and Var from ar when it is not nil:
// what the op table's Argsort entry returns, so that the checks can treat
// indices like any other result.
func indexVar[T Float](ar *Arena[T], idx *tensor.Index) *Var[T] {
	var buf [maxStackDims]int
	t := ar.tensor(idxIndexShape(buf[:0], idx)...)
	d := t.Data()
	for i, p := range idx.Data() {
		d[i] = T(p)
	}
	if ar == nil {
		return Const(t)
	}
	return ar.Const(t)
}
