package tensor

import "strconv"

// This file is the broadcasting walk that the mask kernels share
// (mask_ops.go), and that package autograd uses through BroadcastWalk (for
// Where, MaskedFill and Lerp): up to three operands laid out in the index
// space of a result, visited a run (a stretch of the result's last axis) at
// a time, with the bookkeeping on the stack, so that the Into forms
// allocate nothing.

// maxMaskDims is the largest rank the mask kernels take.
const maxMaskDims = 64

// maskWalk is the broadcast of up to three operands to a result shape:
// for each operand, its strides along the result's axes (0 along an axis
// it is broadcast over, or, for a reduction's result, an axis reduced).
type maskWalk struct {
	r    int
	dims [maxMaskDims]int
	st   [3][maxMaskDims]int
}

// init sets the result shape, panicking with a *ShapeError naming op
// beyond maxMaskDims axes.
func (w *maskWalk) init(op string, shape []int) {
	if len(shape) > maxMaskDims {
		panic(shapeErr(op, "more than "+strconv.Itoa(maxMaskDims)+" axes", shape))
	}
	w.r = len(shape)
	copy(w.dims[:], shape)
}

// operand sets operand k's strides for an operand of the given shape and
// reports whether it broadcasts to the result shape.
func (w *maskWalk) operand(k int, shape []int) bool {
	if len(shape) > w.r {
		return false
	}
	off, s := w.r-len(shape), 1
	for i := range off {
		w.st[k][i] = 0
	}
	for i := len(shape) - 1; i >= 0; i-- {
		switch d := shape[i]; {
		case d == 1:
			w.st[k][off+i] = 0
		case d == w.dims[off+i]:
			w.st[k][off+i] = s
		default:
			return false
		}
		s *= shape[i]
	}
	return true
}

// exact reports whether the result shape is what the operands' shapes
// broadcast to (not only something they broadcast to): every axis of the
// result has the size of an operand's axis, or 1 when no operand has the
// axis with a size other than 1.
func (w *maskWalk) exact(shapes ...[]int) bool {
	for i := range w.r {
		want := 1
		for _, s := range shapes {
			if j := i - (w.r - len(s)); j >= 0 && s[j] != 1 {
				want = s[j]
			}
		}
		if w.dims[i] != want {
			return false
		}
	}
	for _, s := range shapes {
		if len(s) > w.r {
			return false
		}
	}
	return true
}

// runs calls fn for every run of the result: off is its offset in the
// result (row-major, contiguous), n its length, o[k] and s[k] the offset of
// its first element in operand k and the step along it.
func (w *maskWalk) runs(fn func(off, n int, o, s [3]int)) {
	for i := range w.r {
		if w.dims[i] == 0 {
			return
		}
	}
	if w.r == 0 {
		fn(0, 1, [3]int{}, [3]int{})
		return
	}
	last := w.r - 1
	n := w.dims[last]
	s := [3]int{w.st[0][last], w.st[1][last], w.st[2][last]}
	var o [3]int
	var idx [maxMaskDims]int
	total := n
	for i := range last {
		total *= w.dims[i]
	}
	for off := 0; off < total; off += n {
		fn(off, n, o, s)
		for ax := last - 1; ax >= 0; ax-- {
			idx[ax]++
			for k := range o {
				o[k] += w.st[k][ax]
			}
			if idx[ax] < w.dims[ax] {
				break
			}
			for k := range o {
				o[k] -= w.st[k][ax] * idx[ax]
			}
			idx[ax] = 0
		}
	}
}

// Shaped is what a broadcast needs of an operand, without the copy that
// Shape makes: a *Tensor[T] or a *Mask (Shape serves error messages only).
type Shaped interface {
	Dims() int
	Dim(i int) int
	Shape() []int
}

// BroadcastWalk visits the result of an elementwise op of up to three
// broadcasting operands a run at a time (a stretch of the result's last
// axis), with each operand's offset and step along the run: the loop of a
// kernel that broadcasts without materialising its operands. It lives on
// the stack and allocates nothing.
type BroadcastWalk struct{ w maskWalk }

// Reset lays out the operands xs (up to three, each of which must
// broadcast to out's shape) in out's index space, in order: operand k of
// Each is xs[k]. It panics with a *ShapeError naming op when one does not
// broadcast to out, or beyond 64 axes or three operands.
func (b *BroadcastWalk) Reset(op string, out Shaped, xs ...Shaped) {
	var buf [maxMaskDims]int
	b.w.init(op, dimsOf(buf[:0], out))
	if len(xs) > len(b.w.st) {
		panic(walkErr(op, "more than three operands", out, xs))
	}
	for k, x := range xs {
		if !b.w.operand(k, dimsOf(buf[:0], x)) {
			panic(walkErr(op, "shapes do not broadcast to the result's", out, xs))
		}
	}
}

// walkErr is Reset's *ShapeError: the result's shape, then the operands'.
func walkErr(op, reason string, out Shaped, xs []Shaped) *ShapeError {
	shapes := [][]int{out.Shape()}
	for _, x := range xs {
		shapes = append(shapes, x.Shape())
	}
	return shapeErr(op, reason, shapes...)
}

// Each calls fn for every run of the result, in row-major order: off is the
// run's offset in the result, n its length, o[k] the offset of its first
// element in operand k and s[k] operand k's step along it (0 where the
// operand is broadcast). A result with no elements has no runs; a 0-d one
// has one run of one element.
func (b *BroadcastWalk) Each(fn func(off, n int, o, s [3]int)) { b.w.runs(fn) }

// dimsOf appends x's shape to dst.
func dimsOf(dst []int, x Shaped) []int {
	for i := range x.Dims() {
		dst = append(dst, x.Dim(i))
	}
	return dst
}

// maskBroadcast prepares w for a result dst of the broadcast of the
// operand shapes, panicking with a *ShapeError naming op when they do not
// broadcast to exactly dst.
func (w *maskWalk) maskBroadcast(op string, dst []int, shapes ...[]int) {
	w.init(op, dst)
	for k, s := range shapes {
		if !w.operand(k, s) {
			panic(shapeErr(op, "shapes do not broadcast to the destination's", append([][]int{dst}, shapes...)...))
		}
	}
	if !w.exact(shapes...) {
		panic(shapeErr(op, "destination does not have the broadcast shape", append([][]int{dst}, shapes...)...))
	}
}

// broadcastOf returns the broadcast shape of the given shapes, panicking
// with a *ShapeError naming op when they do not broadcast.
func broadcastOf(op string, shapes ...[]int) []int {
	out := []int{}
	for _, s := range shapes {
		b, ok := BroadcastShapes(out, s)
		if !ok {
			panic(shapeErr(op, "shapes do not broadcast", shapes...))
		}
		out = b
	}
	return out
}
