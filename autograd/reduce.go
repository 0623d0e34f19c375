package autograd

import (
	"slices"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the reductions and their inverse, broadcasting. A sum's
// derivative broadcasts the gradient back over the reduced axes; a
// broadcast's derivative sums it back (SumTo, the "unbroadcast" the engine
// also uses for every binary operation). It also holds what every
// reduction over given axes shares (here and in minmax.go, softmax.go): the
// reduced axes as a bit mask (redMask), a walk over each reduced slice
// (redWalk) and one over the runs of a gradient broadcast back (forRuns),
// none of which allocates.

// Sum returns the sum of x over the given axes, which are removed from the
// shape; with no axes it sums everything into a 0-d scalar. Negative axes
// count from the end.
//
//	d/dx = g broadcast back over the reduced axes
func Sum[T Float](x *Var[T], axes ...int) *Var[T] { return reduce("Sum", x, axes, false, false) }

// SumKeepDims is Sum that keeps each reduced axis with size 1.
func SumKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return reduce("SumKeepDims", x, axes, true, false)
}

// Mean returns the mean of x over the given axes (all when none are given),
// which are removed from the shape.
//
//	d/dx = g/n broadcast back over the reduced axes, n the number of elements averaged
func Mean[T Float](x *Var[T], axes ...int) *Var[T] { return reduce("Mean", x, axes, false, true) }

// MeanKeepDims is Mean that keeps each reduced axis with size 1.
func MeanKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return reduce("MeanKeepDims", x, axes, true, true)
}

// reduce is Sum, Mean and their keep-dims forms: one forward, one derivative.
// The sums are tensor.SumToInto's (the bits of tensor.SumKeepDims), and a
// mean divides them by the count afterwards, as tensor.MeanKeepDims does.
// The result, and its keep-dims form when the axes are removed, come from
// the input's Arena.
func reduce[T Float](op string, x *Var[T], axes []int, keep, mean bool) *Var[T] {
	checkOperands1(op, x)
	defer relabel(op)
	if len(axes) == 0 && !keep {
		return reduceAll(op, x, mean)
	}
	xv := x.value
	m := redMaskOf(op, xv, axes)
	ar := arenaOf(x)
	kept, out := redKept(ar, xv, m, keep)
	tensor.SumToInto(kept, xv, 1, 0)
	if kd := kept.Data(); mean && len(kd) > 0 {
		count := T(xv.Len() / len(kd))
		for i := range kd {
			kd[i] /= count
		}
	}
	if !keep {
		copy(out.Data(), kept.Data())
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[reduceOp[T]](ar)
		s.mask, s.mean = m, mean
		d = s
	}
	return recordOp(op, out, d, x)
}

// reduceOp is the state of Sum and Mean over given axes.
type reduceOp[T Float] struct {
	mask redMask
	mean bool
}

func (*reduceOp[T]) slot() stateSlot { return slotReduceAxes }

func (s *reduceOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	in := c.node().inputs[0].value
	gx := BroadcastTo(Reshape(g, redShape(nil, in, s.mask, true)...), in.Shape()...)
	if s.mean {
		gx = Scale(gx, 1/T(redCount(in, s.mask)))
	}
	return []*Var[T]{gx}
}

// vjp broadcasts g back over the reduced axes straight into the gradient
// buffer, scaled by 1/n for a mean (each element k·g, as Scale rounds it).
func (s *reduceOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	in := c.node().inputs[0].value
	dst, beta := c.gradBuf(0)
	k := T(1)
	if s.mean {
		k = 1 / T(redCount(in, s.mask))
	}
	d, gs, mean := dst.Data(), g.Data(), s.mean
	forRuns(in, s.mask, func(off, n, ko, kstep int) {
		dr := d[off : off+n]
		if kstep == 0 {
			v := gs[ko]
			if mean {
				v = k * v
			}
			if beta == 0 {
				tensor.SliceFill(dr, v)
			} else {
				tensor.SliceAddScalar(dr, dr, v)
			}
			return
		}
		gr := gs[ko : ko+n]
		switch {
		case beta == 0 && !mean:
			copy(dr, gr)
		case beta == 0:
			tensor.SliceScalarMul(dr, k, gr)
		case !mean:
			tensor.SliceAdd(dr, dr, gr)
		default:
			for i := range dr {
				dr[i] += T(k * gr[i])
			}
		}
	})
}

// reduceAll is Sum or Mean over every element, into a 0-d result: the
// reduction that ends almost every loss, with a derivative that fills the
// gradient buffer directly. The numbers are those of tensor.Sum and
// tensor.Mean, and of the general derivative above.
func reduceAll[T Float](op string, x *Var[T], mean bool) *Var[T] {
	ar := arenaOf(x)
	out, vn := resultOf(ar)
	tensor.SumToInto(out, x.value, 1, 0)
	if mean {
		out.Data()[0] /= T(x.value.Len()) // 0/0 = NaN for an empty x, as tensor.Mean
	}
	var d derivative[T]
	if needsGrad(x) {
		d = reduceAllOp[T](mean) // a one-byte value: no allocation
	}
	return recordOpIn(vn, op, out, d, x)
}

// reduceAllOp is the state of Sum and Mean over everything: whether it is
// a mean. It is a one-byte value rather than a struct behind a pointer
// because Go stores a one-byte value in an interface without allocating (a
// node's derivative is an interface); a mean's factor 1/n is computed from
// the input's length when the derivative runs (the same number).
type reduceAllOp[T Float] bool

// meanFactor returns the factor 1/n of a mean's derivative, n the number of
// elements of in.
func meanFactor[T Float](in *tensor.Tensor[T]) T { return 1 / T(in.Len()) }

func (s reduceAllOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	in := c.node().inputs[0].value
	gx := BroadcastTo(g, in.Shape()...)
	if s {
		gx = Scale(gx, meanFactor(in))
	}
	return []*Var[T]{gx}
}

func (s reduceAllOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	v := g.Data()[0]
	if s {
		v = meanFactor(c.node().inputs[0].value) * v
	}
	if d := dst.Data(); beta == 0 {
		tensor.SliceFill(d, v)
	} else {
		tensor.SliceAddScalar(d, d, v)
	}
}

// BroadcastTo expands x to shape under NumPy's rules.
//
//	d/dx = SumTo(g, x's shape)
func BroadcastTo[T Float](x *Var[T], shape ...int) *Var[T] {
	checkOperands1("BroadcastTo", x)
	defer relabel()
	if !shpBroadcasts(x.value, shape) {
		tensor.BroadcastTo(x.value, slices.Clone(shape)...) // panics
	}
	return broadcastTo("BroadcastTo", x, shape)
}

// SumTo sums x down to shape, the inverse of broadcasting: every axis along
// which shape would broadcast to x's shape is summed. The engine applies it
// to the gradient of every broadcasting operation.
//
//	d/dx = BroadcastTo(g, x's shape)
func SumTo[T Float](x *Var[T], shape ...int) *Var[T] {
	checkOperands1("SumTo", x)
	defer relabel()
	xv := x.value
	ok := len(shape) <= xv.Dims()
	for i := 0; ok && i < len(shape); i++ {
		d := xv.Dim(i - len(shape))
		ok = shape[i] == d || shape[i] == 1
	}
	if !ok {
		tensor.SumTo(xv, slices.Clone(shape)...) // panics
	}
	out := arenaOf(x).tensor(shape...)
	tensor.SumToInto(out, xv, 1, 0)
	return recordOp("SumTo", out, sumToOp[T]{}, x)
}

// sumToOp is SumTo's derivative.
type sumToOp[T Float] struct{}

func (sumToOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{BroadcastTo(g, c.node().inputs[0].value.Shape()...)}
}

// vjp broadcasts g straight into x's gradient buffer (or adds it).
func (sumToOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	tensor.BroadcastToInto(dst, g, beta)
}

// maxStackDims is the rank up to which the ops of this package build a
// shape on the stack (a larger one is allocated).
const maxStackDims = 8

// redMask is a validated set of reduced axes of a tensor, one bit per axis:
// the form in which the reductions keep their axes in their typed state
// without allocating.
type redMask uint64

// maxRedDims is the largest rank a redMask describes.
const maxRedDims = 64

// redMaskOf validates axes against x's shape, as the tensor kernels do
// (negative axes count from the end; none means all), and returns them as
// a mask. It panics with a *tensor.ShapeError naming op for an axis out of
// range or repeated, or a rank beyond maxRedDims.
func redMaskOf[T Float](op string, x *tensor.Tensor[T], axes []int) redMask {
	r := x.Dims()
	if r > maxRedDims {
		panic(shapeErr(op, "more than "+strconv.Itoa(maxRedDims)+" axes", x.Shape()))
	}
	if len(axes) == 0 {
		return redMask(1)<<r - 1
	}
	var m redMask
	for _, a := range axes {
		ax := a
		if ax < 0 {
			ax += r
		}
		if ax < 0 || ax >= r {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" out of range", x.Shape()))
		}
		if m.has(ax) {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" repeated", x.Shape()))
		}
		m |= 1 << ax
	}
	return m
}

func (m redMask) has(i int) bool { return m&(1<<i) != 0 }

// redShape appends to dst the shape of x reduced over m: each reduced axis
// kept with size 1 when keep, else removed.
func redShape[T Float](dst []int, x *tensor.Tensor[T], m redMask, keep bool) []int {
	for i := range x.Dims() {
		switch {
		case !m.has(i):
			dst = append(dst, x.Dim(i))
		case keep:
			dst = append(dst, 1)
		}
	}
	return dst
}

// redCount returns the number of elements of each reduced slice.
func redCount[T Float](x *tensor.Tensor[T], m redMask) int {
	n := 1
	for i := range x.Dims() {
		if m.has(i) {
			n *= x.Dim(i)
		}
	}
	return n
}

// redCheckNonEmpty panics, as the tensor kernels do, when a reduced axis
// has size 0 (an extremum of nothing is undefined).
func redCheckNonEmpty[T Float](op string, x *tensor.Tensor[T], m redMask) {
	for i := range x.Dims() {
		if m.has(i) && x.Dim(i) == 0 {
			panic(shapeErr(op, "cannot reduce over axis "+strconv.Itoa(i)+" of size 0", x.Shape()))
		}
	}
}

// redWalk enumerates a reduction of x in the row-major order of its axes:
// the kept elements (the reduction's result, in order) and, for each, the
// offsets in x of its slice, in row-major order over the reduced axes.
// Adjacent axes of one kind are merged, so that a slice along trailing axes
// is one contiguous run.
type redWalk struct {
	kd, ks [maxRedDims]int // kept axes (outermost first): sizes, strides in x
	rd, rs [maxRedDims]int // reduced axes
	nk, nr int
	n      int // elements per slice
	outer  int // kept elements
}

// newRedWalk returns the walk of x reduced over m.
func newRedWalk[T Float](x *tensor.Tensor[T], m redMask) redWalk {
	w := redWalk{n: 1, outer: 1}
	stride := 1
	prev := -1 // kind of the axis merged last: 0 kept, 1 reduced
	// From the innermost axis outwards, then reversed.
	for i := x.Dims() - 1; i >= 0; i-- {
		d := x.Dim(i)
		red := m.has(i)
		if red {
			w.n *= d
		} else {
			w.outer *= d
		}
		kind := 0
		if red {
			kind = 1
		}
		switch {
		case d == 1:
		case kind == prev && red:
			w.rd[w.nr-1] *= d
		case kind == prev:
			w.kd[w.nk-1] *= d
		case red:
			w.rd[w.nr], w.rs[w.nr] = d, stride
			w.nr++
			prev = kind
		default:
			w.kd[w.nk], w.ks[w.nk] = d, stride
			w.nk++
			prev = kind
		}
		stride *= d
	}
	slicesReverse(w.kd[:w.nk])
	slicesReverse(w.ks[:w.nk])
	slicesReverse(w.rd[:w.nr])
	slicesReverse(w.rs[:w.nr])
	return w
}

// strideOfRun returns the stride in x of a slice's elements when the
// reduced axes merged into at most one block (nr ≤ 1): a slice is then a
// strided run of n elements (n = 1 when nr is 0).
func (w *redWalk) strideOfRun() int {
	if w.nr == 0 {
		return 1
	}
	return w.rs[0]
}

// columns reports whether the slices lie side by side, inner of them at a
// time: one reduced block whose stride is the size of the innermost kept
// block, itself contiguous (x [.., n, inner] reduced over n), with inner
// above 1; and returns inner. Consecutive kept elements then start at
// consecutive offsets, inner at a time.
func (w *redWalk) columns() (inner int, ok bool) {
	if w.nr != 1 || w.nk == 0 || w.ks[w.nk-1] != 1 {
		return 0, false
	}
	inner = w.kd[w.nk-1]
	return inner, inner > 1 && w.rs[0] == inner
}

func slicesReverse(s []int) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// stepKept advances the odometer idx over the kept axes and returns the
// offset in x of the next kept element's slice.
func (w *redWalk) stepKept(idx *[maxRedDims]int, off int) int {
	return redStep(idx, &w.kd, &w.ks, w.nk, off)
}

// stepSlice advances idx over the reduced axes and returns the offset of
// the slice's next element.
func (w *redWalk) stepSlice(idx *[maxRedDims]int, off int) int {
	if w.nr == 1 {
		return off + w.rs[0]
	}
	return redStep(idx, &w.rd, &w.rs, w.nr, off)
}

func redStep(idx, dims, strides *[maxRedDims]int, n, off int) int {
	for a := n - 1; a >= 0; a-- {
		idx[a]++
		off += strides[a]
		if idx[a] < dims[a] {
			return off
		}
		off -= strides[a] * idx[a]
		idx[a] = 0
	}
	return off
}

// forRuns visits x in row-major order a run at a time (a run is a stretch
// of the last axis, of n elements starting at off), with ko the index in
// the kept layout of the run's first element and kstep the kept index's
// step along the run (0 when the last axis is reduced): the loop of a
// gradient broadcast back over the reduced axes.
func forRuns[T Float](x *tensor.Tensor[T], m redMask, fn func(off, n, ko, kstep int)) {
	r := x.Dims()
	if r == 0 {
		fn(0, 1, 0, 0)
		return
	}
	if x.Len() == 0 {
		return
	}
	var kst, idx [maxRedDims]int
	s := 1
	for i := r - 1; i >= 0; i-- {
		if !m.has(i) {
			kst[i] = s
			s *= x.Dim(i)
		}
	}
	n := x.Dim(r - 1)
	ko := 0
	for off := 0; off < x.Len(); off += n {
		fn(off, n, ko, kst[r-1])
		for a := r - 2; a >= 0; a-- {
			idx[a]++
			ko += kst[a]
			if idx[a] < x.Dim(a) {
				break
			}
			ko -= kst[a] * idx[a]
			idx[a] = 0
		}
	}
}

// redKept returns a tensor of the keep-dims shape of x reduced over m, from
// ar, and the result tensor of the op: the same tensor when keep, else one
// of the reduced shape (which the caller fills from the first).
func redKept[T Float](ar *Arena[T], x *tensor.Tensor[T], m redMask, keep bool) (kept, out *tensor.Tensor[T]) {
	var buf [maxStackDims]int
	kept = ar.tensor(redShape(buf[:0], x, m, true)...)
	if keep {
		return kept, kept
	}
	return kept, ar.tensor(redShape(buf[:0], x, m, false)...)
}

// axes returns the reduced axes of a tensor of rank r, in order.
func (m redMask) axes(r int) []int {
	var axes []int
	for i := range r {
		if m.has(i) {
			axes = append(axes, i)
		}
	}
	return axes
}
