package tensor

// Sum returns the sum over the given axes, which are removed from the shape;
// with no axes it sums everything into a 0-d tensor. Negative axes count from
// the end. It panics with a *ShapeError for an axis out of range or repeated.
func Sum[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return squeezeReduced(SumKeepDims(t, axes...), t.shape, normalizeAxes("Sum", t.shape, axes))
}

// SumKeepDims is Sum that keeps each reduced axis with size 1, so that the
// result broadcasts against t.
func SumKeepDims[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return SumTo(t, keptShape(t.shape, normalizeAxes("Sum", t.shape, axes))...)
}

// Mean returns the mean over the given axes (all when none are given), which
// are removed from the shape.
func Mean[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return squeezeReduced(MeanKeepDims(t, axes...), t.shape, normalizeAxes("Mean", t.shape, axes))
}

// MeanKeepDims is Mean that keeps each reduced axis with size 1.
func MeanKeepDims[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	kept := keptShape(t.shape, normalizeAxes("Mean", t.shape, axes))
	s := SumTo(t, kept...)
	n, _ := numElements(kept)
	if n == 0 {
		return s
	}
	count := T(len(t.data) / max(n, 1))
	for i := range s.data {
		s.data[i] /= count
	}
	return s
}

// SumTo sums t down to shape, the inverse of broadcasting: every axis along
// which shape would have been broadcast to t's shape is summed (size-1 axes
// are kept, missing leading axes are dropped). This is how a gradient
// computed for a broadcast result is returned to the operand's shape. The
// sums are pairwise, so that a float32 sum stays accurate, in an order fixed
// by the shapes alone, so that the bits never depend on GOMAXPROCS or on
// memory alignment. It panics with a *ShapeError when shape does not
// broadcast to t's shape.
func SumTo[T Float](t *Tensor[T], shape ...int) *Tensor[T] {
	if !broadcastsTo(shape, t.shape) {
		panic(shapeErr("SumTo", "target shape does not broadcast to the source", t.shape, shape))
	}
	n, _ := numElements(shape)
	out := &Tensor[T]{data: make([]T, n), shape: append([]int{}, shape...)}
	if n == len(t.data) {
		copy(out.data, t.data)
		return out
	}
	sumToInto(out.data, t.data, t.shape, shape, 1, 0, false)
	return out
}

// BroadcastTo returns t expanded to shape under NumPy's rules, copying each
// element to every position it broadcasts to. It panics with a *ShapeError
// when t's shape does not broadcast to shape.
func BroadcastTo[T Float](t *Tensor[T], shape ...int) *Tensor[T] {
	if _, ok := numElements(shape); !ok || !broadcastsTo(t.shape, shape) {
		panic(shapeErr("BroadcastTo", "source does not broadcast to the target shape", t.shape, shape))
	}
	out := Zeros[T](shape...)
	if len(shape) == 0 || len(t.data) == len(out.data) {
		copy(out.data, t.data) // copies, so -0 stays -0 (adding to zeros would not)
		return out
	}
	ss, so := stridesIn(t.shape, shape), stridesIn(shape, shape)
	last := len(shape) - 1
	forRows(shape, [][]int{so, ss}, func(offs []int, n int) {
		d, s, step := out.data[offs[0]:offs[0]+n], t.data[offs[1]:], ss[last]
		for i := range d {
			d[i] = s[i*step]
		}
	})
	return out
}

// keptShape returns shape with every masked axis set to 1.
func keptShape(shape []int, mask []bool) []int {
	kept := append([]int{}, shape...)
	for i, m := range mask {
		if m {
			kept[i] = 1
		}
	}
	return kept
}

// squeezeReduced drops the masked axes from a keep-dims result.
func squeezeReduced[T Float](t *Tensor[T], shape []int, mask []bool) *Tensor[T] {
	out := make([]int, 0, len(shape))
	for i, d := range shape {
		if !mask[i] {
			out = append(out, d)
		}
	}
	return &Tensor[T]{data: t.data, shape: out}
}
