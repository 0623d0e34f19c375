package tensor

import (
	"math"
	"math/bits"
	"strconv"
)

// maxBytes is the most memory one tensor's data, or one index slice, may
// take: Go's runtime refuses a larger slice (over 2⁴⁸ bytes on 64-bit
// platforms, the address space on 32-bit ones) with an untyped panic, so
// the constructors refuse it first with a typed error.
const maxBytes = min(math.MaxInt, 1<<47)

// fitsMemory reports whether n elements of size bytes each fit in
// maxBytes.
func fitsMemory(n, size int) bool { return n <= maxBytes/size }

// numElements returns the number of elements of shape, or ok=false when a
// dimension is negative or the product overflows int.
func numElements(shape []int) (n int, ok bool) {
	// One pass, with a multiplication's high word as the overflow test (a
	// division per dimension cost a fifth of a small op's allocation).
	zero, over := false, false
	n = 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		zero = zero || d == 0
		hi, lo := bits.Mul64(uint64(n), uint64(d))
		over = over || hi != 0 || lo > math.MaxInt
		n = int(lo)
	}
	if zero {
		return 0, true // whatever the other dimensions, nothing to overflow
	}
	if over {
		return 0, false
	}
	return n, true
}

// SameShape reports whether two shapes are identical.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BroadcastShapes returns the shape that a and b broadcast to under NumPy's
// rules (align trailing axes; each pair of sizes must be equal or contain a
// 1), or ok=false when they do not broadcast.
func BroadcastShapes(a, b []int) (shape []int, ok bool) {
	n := max(len(a), len(b))
	shape = make([]int, n)
	for i := 1; i <= n; i++ {
		da, db := 1, 1
		if i <= len(a) {
			da = a[len(a)-i]
		}
		if i <= len(b) {
			db = b[len(b)-i]
		}
		switch {
		case da == db, db == 1:
			shape[n-i] = da
		case da == 1:
			shape[n-i] = db
		default:
			return nil, false
		}
	}
	return shape, true
}

// broadcastsTo reports whether src broadcasts to exactly dst.
func broadcastsTo(src, dst []int) bool {
	if len(src) > len(dst) {
		return false
	}
	off := len(dst) - len(src)
	for i, d := range src {
		if d != 1 && d != dst[off+i] {
			return false
		}
	}
	return true
}

// stridesIn returns the row-major strides of src laid out in the index space
// of dst, which src broadcasts to: axes that src lacks or has as size 1 get
// stride 0, so the same element is read (or accumulated) along them.
func stridesIn(src, dst []int) []int {
	st := make([]int, len(dst))
	off := len(dst) - len(src)
	s := 1
	for i := len(src) - 1; i >= 0; i-- {
		if src[i] != 1 {
			st[off+i] = s
		}
		s *= src[i]
	}
	return st
}

// forRows visits shape row by row (a row is the last axis) and calls fn with
// the starting offset of that row in each of several operands, whose strides
// in shape's index space are given. The strides of the last axis stay
// constant, so fn can run a tight loop over the row. A 0-d or empty shape is
// handled: a 0-d shape has one row of length one.
func forRows(shape []int, strides [][]int, fn func(offs []int, n int)) {
	if len(shape) == 0 {
		fn(make([]int, len(strides)), 1)
		return
	}
	for _, d := range shape {
		if d == 0 {
			return
		}
	}
	last := len(shape) - 1
	idx := make([]int, last)
	offs := make([]int, len(strides))
	for {
		fn(offs, shape[last])
		// Advance the odometer over all axes but the last.
		ax := last - 1
		for ; ax >= 0; ax-- {
			idx[ax]++
			for k, st := range strides {
				offs[k] += st[ax]
			}
			if idx[ax] < shape[ax] {
				break
			}
			for k, st := range strides {
				offs[k] -= st[ax] * idx[ax]
			}
			idx[ax] = 0
		}
		if ax < 0 {
			return
		}
	}
}

// normalizeAxes validates axes against a rank (negative axes count from the
// end, as in NumPy) and returns a mask of the axes to reduce. With no axes,
// every axis is selected.
func normalizeAxes(op string, shape []int, axes []int) []bool {
	mask := make([]bool, len(shape))
	if len(axes) == 0 {
		for i := range mask {
			mask[i] = true
		}
		return mask
	}
	for _, a := range axes {
		ax := a
		if ax < 0 {
			ax += len(shape)
		}
		if ax < 0 || ax >= len(shape) {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" out of range", shape))
		}
		if mask[ax] {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" repeated", shape))
		}
		mask[ax] = true
	}
	return mask
}

// ViewInto makes dst a view of src's data with the given shape (a reshape
// that copies nothing: writes through one show in the other), dropping
// whatever dst held. The shape must have src's element count; it panics
// with a *ShapeError otherwise. Up to four axes, dst stores its shape in
// itself; beyond, it keeps shape's backing array (as New keeps data), which
// the caller must then leave unchanged while dst uses it. So a caller that
// keeps its tensors and their shapes (an autodiff arena's pooled state)
// allocates nothing.
func ViewInto[T Float](dst, src *Tensor[T], shape ...int) {
	if n, ok := numElements(shape); !ok || n != len(src.data) {
		panic(shapeErr("ViewInto", "element counts differ", src.shape, append([]int(nil), shape...)))
	}
	dst.data = src.data
	dst.adoptShape(shape)
}

// ViewAsInto is ViewInto with like's shape: it makes dst a view of src's
// data shaped as like (which may be dst or src). The element counts must
// be equal. Beyond four axes dst shares like's shape, which no operation of
// this package changes.
func ViewAsInto[T Float](dst, src, like *Tensor[T]) {
	if len(like.data) != len(src.data) {
		panic(shapeErr("ViewAsInto", "element counts differ", src.shape, like.shape))
	}
	dst.data = src.data
	dst.adoptShape(like.shape)
}

// adoptShape sets t's shape to a copy of shape in t's own array when it
// fits, else to shape itself.
func (t *Tensor[T]) adoptShape(shape []int) {
	if len(shape) <= len(t.dims) {
		t.shape = append(t.dims[:0:len(shape)], shape...)
		return
	}
	t.shape = shape[:len(shape):len(shape)]
}
