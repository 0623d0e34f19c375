package autograd

import (
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds what the ops that make or take masks share: the Arena's
// pool of masks (so that a comparison under an Arena allocates nothing),
// the conversion of a mask to a constant of 0s and 1s that the op table's
// compare entries return, and a broadcasting walk over up to three
// operands (Where's mask and branches, Lerp's ends and weight).

// maskPool is an Arena's pool of masks, kept in its states array (a
// resetter under slotMask): the masks of one step, handed out again in
// order after Reset.
type maskPool struct {
	items []*tensor.Mask
	n     int
}

func (p *maskPool) reset() { p.n = 0 }

// arenaMask returns a mask of the given shape with arbitrary contents (the
// caller overwrites every flag): the arena's next one when it has that
// shape, else a new one. A nil arena always allocates.
func arenaMask[T Float](ar *Arena[T], shape []int) *tensor.Mask {
	if ar == nil {
		return tensor.FullMask(false, shape...)
	}
	pool, _ := ar.states[slotMask].(*maskPool)
	if pool == nil {
		pool = new(maskPool)
		ar.states[slotMask] = pool
	}
	if pool.n == len(pool.items) {
		pool.items = append(pool.items, nil)
	}
	m := pool.items[pool.n]
	if m == nil || !m.HasShape(shape...) {
		m = tensor.FullMask(false, shape...)
		pool.items[pool.n] = m
	}
	pool.n++
	return m
}

// maskVar returns m as a constant of 1s (true) and 0s (false), its tensor
// and Var from ar when it is not nil: what the op table's compare entries
// return, so that the checks can treat a mask like any other result.
func maskVar[T Float](ar *Arena[T], m *tensor.Mask) *Var[T] {
	var buf [maxStackDims]int
	t := ar.tensor(maskShape(buf[:0], m)...)
	tensor.FromMaskInto(t, m)
	if ar == nil {
		return Const(t)
	}
	return ar.Const(t)
}

// maskShape appends m's shape to dst, without the copy Shape makes.
func maskShape(dst []int, m *tensor.Mask) []int {
	for i := range m.Dims() {
		dst = append(dst, m.Dim(i))
	}
	return dst
}

// shaped is what broadcasting needs of an operand: a tensor or a mask.
type shaped interface {
	Dims() int
	Dim(i int) int
	Shape() []int
}

// bcastShape appends to dst the shape that xs broadcast to (NumPy's rules),
// panicking with a *tensor.ShapeError naming op when they do not broadcast
// or have more than maxRedDims axes.
func bcastShape(op string, dst []int, xs ...shaped) []int {
	r := 0
	for _, x := range xs {
		r = max(r, x.Dims())
	}
	if r > maxRedDims {
		panic(bcastErr(op, "more than "+strconv.Itoa(maxRedDims)+" axes", xs))
	}
	for i := range r {
		d := 1
		for _, x := range xs {
			j := i - (r - x.Dims())
			if j < 0 {
				continue
			}
			switch dx := x.Dim(j); {
			case dx == d || dx == 1:
			case d == 1:
				d = dx
			default:
				panic(bcastErr(op, "shapes do not broadcast", xs))
			}
		}
		dst = append(dst, d)
	}
	return dst
}

// bcastErr is the *tensor.ShapeError of an op whose operands xs do not
// broadcast.
func bcastErr(op, reason string, xs []shaped) *tensor.ShapeError {
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		shapes[i] = x.Shape()
	}
	return shapeErr(op, reason, shapes...)
}

// runs3 is the broadcast of up to three operands to a result: each
// operand's strides along the result's axes, 0 where it is broadcast.
type runs3 struct {
	r    int
	dims [maxRedDims]int
	st   [3][maxRedDims]int
}

// newRuns3 lays out the operands xs (up to three, each broadcasting to
// out) in out's index space.
func newRuns3[T Float](out *tensor.Tensor[T], xs ...shaped) runs3 {
	var w runs3
	w.r = out.Dims()
	for i := range w.r {
		w.dims[i] = out.Dim(i)
	}
	for k, x := range xs {
		s := 1
		for i := x.Dims() - 1; i >= 0; i-- {
			ax := i + w.r - x.Dims()
			w.st[k][ax] = 0
			if d := x.Dim(i); d != 1 {
				w.st[k][ax] = s
				s *= d
			}
		}
	}
	return w
}

// each visits the result a run at a time (a stretch of its last axis, of n
// elements from offset off), with the offset o[k] of the run's first
// element in operand k and the step s[k] along the run.
func (w *runs3) each(fn func(off, n int, o, s [3]int)) {
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
	n, total := w.dims[last], 1
	for i := range w.r {
		total *= w.dims[i]
	}
	s := [3]int{w.st[0][last], w.st[1][last], w.st[2][last]}
	var o [3]int
	var idx [maxRedDims]int
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

// elemGrad3 is elemGrad for an op of three broadcasting inputs (Lerp):
// input j's gradient, a run at a time, straight into its buffer when the
// input has out's shape, else into an arena scratch of out's shape that
// the engine sums back.
func elemGrad3[T Float](c *Context[T], j int, out *tensor.Tensor[T], row func(d []T, off int, o, s [3]int, add bool)) {
	if !c.NeedsGrad(j) {
		return
	}
	in := c.n.inputs
	direct := in[j].value.SameShapeAs(out)
	var dst *tensor.Tensor[T]
	beta := T(0)
	if direct {
		dst, beta = c.gradBuf(j)
	} else {
		dst = c.p.arena.like(out)
	}
	d := dst.Data()
	w := newRuns3(out, in[0].value, in[1].value, in[2].value)
	w.each(func(off, n int, o, s [3]int) { row(d[off:off+n], off, o, s, beta != 0) })
	if !direct {
		c.addGrad(j, dst, 1)
	}
}
