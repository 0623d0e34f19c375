package data

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// BatchOptions configures NewBatches. The zero value keeps a short last
// batch.
type BatchOptions struct {
	// DropLast skips the last batch of an epoch when it is shorter than the
	// batch size (PyTorch's drop_last), for code that needs fixed shapes.
	DropLast bool
}

// Batches cuts the sample indices 0..n-1 into minibatches, in a new random
// order every epoch. A Batches is not safe for concurrent use: each epoch
// reshuffles its one permutation in place.
type Batches struct {
	perm      []int
	batchSize int
	dropLast  bool
	rng       *rand.Rand
}

// NewBatches returns minibatches of batchSize indices out of 0..n-1. Every
// epoch (every range over Epoch) first shuffles the order with rng, so that
// a seed reproduces the whole sequence of batches; a nil rng keeps the
// indices in order (for evaluation). Constructing draws nothing from rng.
//
// It returns an error when n or batchSize is not positive, or when DropLast
// would drop every batch (batchSize > n), since both usually come from
// flags and data.
func NewBatches(n, batchSize int, rng *rand.Rand, opts BatchOptions) (*Batches, error) {
	switch {
	case n <= 0:
		return nil, fmt.Errorf("data: NewBatches: %d samples, want at least 1", n)
	case batchSize <= 0:
		return nil, fmt.Errorf("data: NewBatches: batch size %d, want at least 1", batchSize)
	case opts.DropLast && batchSize > n:
		return nil, fmt.Errorf("data: NewBatches: batch size %d > %d samples with DropLast: every batch would be dropped", batchSize, n)
	}
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i
	}
	return &Batches{perm: perm, batchSize: batchSize, dropLast: opts.DropLast, rng: rng}, nil
}

// Len returns the number of batches in an epoch.
func (b *Batches) Len() int {
	n := len(b.perm)
	if b.dropLast {
		return n / b.batchSize
	}
	return (n + b.batchSize - 1) / b.batchSize
}

// Epoch returns one pass over the samples: ranging over it shuffles the
// order (unless the rng is nil) and then yields its batches, which together
// hold every index exactly once (except those of a dropped short batch).
//
//	for idx := range batches.Epoch() {
//		xb = data.GatherRows(xb, x, idx)
//		...
//	}
//
// Each yielded slice is a view of the internal order: read it, or copy it to
// keep it, but do not modify it. Ranging again is the next epoch, with a new
// order; stopping early (break) is fine.
func (b *Batches) Epoch() iter.Seq[[]int] {
	return func(yield func([]int) bool) {
		if b.rng != nil {
			b.rng.Shuffle(len(b.perm), func(i, j int) { b.perm[i], b.perm[j] = b.perm[j], b.perm[i] })
		}
		n := len(b.perm)
		for start := 0; start < n; start += b.batchSize {
			end := min(start+b.batchSize, n)
			if b.dropLast && end-start < b.batchSize {
				return
			}
			if !yield(b.perm[start:end:end]) {
				return
			}
		}
	}
}

// Order returns a copy of the order the last epoch used, from which the
// next epoch shuffles (0..n-1 before the first). Each epoch shuffles the
// previous order, so resuming a run's batches exactly takes this order and
// the state of rng's source (rand.PCG and rand.ChaCha8 implement
// encoding.BinaryMarshaler), both saved between two epochs: restore the
// source's state, build the Batches anew with it and SetOrder.
func (b *Batches) Order() []int { return slices.Clone(b.perm) }

// SetOrder makes order, a permutation of 0..n-1 as Order returns, the one
// the next epoch shuffles. It returns an error, and changes nothing, for
// anything else.
func (b *Batches) SetOrder(order []int) error {
	if len(order) != len(b.perm) {
		return fmt.Errorf("data: Batches.SetOrder: %d indices for %d samples", len(order), len(b.perm))
	}
	seen := make([]bool, len(order))
	for k, i := range order {
		if i < 0 || i >= len(order) || seen[i] {
			return fmt.Errorf("data: Batches.SetOrder: order[%d] = %d: not a permutation of 0..%d", k, i, len(order)-1)
		}
		seen[i] = true
	}
	copy(b.perm, order)
	return nil
}

// GatherRows copies the rows idx of x (slices along its first axis) into a
// tensor of shape [len(idx), rest of x's shape...], for example one
// minibatch of a [N, F] data set. It reuses dst's memory when dst is not nil
// and large enough, so that a training loop that passes back the previous
// batch,
//
//	xb = data.GatherRows(xb, x, idx)
//
// allocates its batch buffer once: later steps allocate only the small shape
// slices that tensor.Shape copies (a shorter last batch also gets a new
// tensor header on the same memory). The contents of dst are overwritten: do not
// reuse a tensor that something, such as a retained graph, still reads. It
// panics with a *tensor.ShapeError when x is 0-d or an index is out of
// range.
func GatherRows[T tensor.Float](dst, x *tensor.Tensor[T], idx []int) *tensor.Tensor[T] {
	shape := x.Shape()
	if len(shape) == 0 {
		panic(shapeErr("GatherRows", "cannot gather rows of a 0-d tensor", shape))
	}
	rowLen := 1
	for _, d := range shape[1:] {
		rowLen *= d
	}
	n := shape[0]
	for k, i := range idx {
		if i < 0 || i >= n {
			panic(shapeErr("GatherRows", fmt.Sprintf("idx[%d] = %d is out of range for %d rows", k, i, n), shape))
		}
	}
	buf := reuse(dst, len(idx)*rowLen)
	src := x.Data()
	for k, i := range idx {
		copy(buf[k*rowLen:(k+1)*rowLen], src[i*rowLen:(i+1)*rowLen])
	}
	shape[0] = len(idx)
	if dst != nil && slices.Equal(dst.Shape(), shape) {
		return dst
	}
	return tensor.MustNew(buf, shape...)
}

// Gather returns src[idx[0]], src[idx[1]], ... appended to dst[:0], so that
// passing back the previous result reuses its memory: the labels or targets
// of one minibatch, or of a Split. It panics with a *tensor.ShapeError,
// and leaves dst as it was, when an index is out of range.
func Gather[E any](dst, src []E, idx []int) []E {
	for k, i := range idx {
		if i < 0 || i >= len(src) {
			panic(shapeErr("Gather", fmt.Sprintf("idx[%d] = %d is out of range for %d elements", k, i, len(src)), []int{len(src)}))
		}
	}
	dst = dst[:0]
	for _, i := range idx {
		dst = append(dst, src[i])
	}
	return dst
}

// OneHot encodes integer class labels as a [len(labels), classes] tensor of
// zeros with a 1 at (i, labels[i]), the target format of losses that take
// probabilities rather than labels. It reuses dst's memory, as GatherRows
// does, when dst is not nil and large enough. It panics with a
// *tensor.ShapeError when classes is not positive or a label is outside
// [0, classes); check labels from a file with Table.Labels first.
func OneHot[T tensor.Float](dst *tensor.Tensor[T], labels []int, classes int) *tensor.Tensor[T] {
	if classes <= 0 {
		panic(shapeErr("OneHot", fmt.Sprintf("%d classes, want at least 1", classes), []int{len(labels)}))
	}
	for i, y := range labels {
		if y < 0 || y >= classes {
			panic(shapeErr("OneHot", fmt.Sprintf("labels[%d] = %d is out of range for %d classes", i, y, classes), []int{len(labels)}))
		}
	}
	buf := reuse(dst, len(labels)*classes)
	clear(buf)
	for i, y := range labels {
		buf[i*classes+y] = 1
	}
	if dst != nil && slices.Equal(dst.Shape(), []int{len(labels), classes}) {
		return dst
	}
	return tensor.MustNew(buf, len(labels), classes)
}

// reuse returns need elements of dst's memory when dst is not nil and its
// data has the capacity, and a new slice otherwise.
func reuse[T tensor.Float](dst *tensor.Tensor[T], need int) []T {
	if dst != nil {
		if buf := dst.Data(); cap(buf) >= need {
			return buf[:need]
		}
	}
	return make([]T, need)
}
