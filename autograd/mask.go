package autograd

import (
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds what the ops that make or take masks share: the Arena's
// pool of masks (so that a comparison under an Arena allocates nothing),
// the conversion of a mask to a constant of 0s and 1s that the op table's
// compare entries return, and the broadcast shape of up to three operands
// (Where's mask and branches, Lerp's ends and weight) with Lerp's gradient
// walk over them (tensor.BroadcastWalk).

// maskPool is an Arena's pool of masks, kept in its states array (a
// resetter under slotMask): the masks of one step, handed out again in
// order after Reset, a slot of memory each as for the arena's tensors.
type maskPool struct {
	items []shapeSlot[bool, *tensor.Mask]
	n     int
}

func (p *maskPool) reset() { p.n = 0 }

// arenaMask returns a mask of the given shape with arbitrary contents (the
// caller overwrites every flag): the arena's next one, over the memory of
// the pool's slot when it holds that many flags (see shapeSlot), else a new
// one. A nil arena always allocates.
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
		pool.items = append(pool.items, shapeSlot[bool, *tensor.Mask]{})
	}
	s := &pool.items[pool.n]
	pool.n++
	if m := s.cur; m != nil && m.HasShape(shape...) {
		return m
	}
	for _, m := range s.views {
		if m != nil && m.HasShape(shape...) {
			s.cur = m
			return m
		}
	}
	if d, ok := s.prefix(shape); ok {
		return s.keep(tensor.MustMask(d, shape...), nil)
	}
	m := tensor.FullMask(false, shape...)
	return s.keep(m, m.Data())
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

// bcastShape appends to dst the shape that xs broadcast to (NumPy's rules),
// panicking with a *tensor.ShapeError naming op when they do not broadcast
// or have more than maxRedDims axes.
func bcastShape(op string, dst []int, xs ...tensor.Shaped) []int {
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
func bcastErr(op, reason string, xs []tensor.Shaped) *tensor.ShapeError {
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		shapes[i] = x.Shape()
	}
	return shapeErr(op, reason, shapes...)
}

// elemGrad3 is elemGrad for an op of three broadcasting inputs (Lerp):
// input j's gradient, a run at a time, straight into its buffer when the
// input has out's shape, else into an arena scratch of out's shape that
// the engine sums back.
func elemGrad3[T Float](c *Context[T], j int, out *tensor.Tensor[T], row func(d []T, off int, o, s [3]int, add bool)) {
	bcastGrad(c, j, out, func(d []T, add bool) {
		in := c.node().inputs
		var w tensor.BroadcastWalk
		w.Reset(c.node().op, out, in[0].value, in[1].value, in[2].value)
		w.Each(func(off, n int, o, s [3]int) { row(d[off:off+n], off, o, s, add) })
	})
}

// bcastGrad is the frame of elemGrad and elemGrad3: unless input j needs
// no gradient, fill writes (add false) or adds (add true) the gradient of
// each element of out into d, which is input j's buffer when the input has
// out's shape, else an arena scratch of out's shape that the engine then
// sums back to the input's (as it does the recorded derivative's).
func bcastGrad[T Float](c *Context[T], j int, out *tensor.Tensor[T], fill func(d []T, add bool)) {
	if !c.NeedsGrad(j) {
		return
	}
	if c.node().inputs[j].value.SameShapeAs(out) {
		dst, beta := c.gradBuf(j)
		fill(dst.Data(), beta != 0)
		return
	}
	dst := c.p.arena.like(out)
	fill(dst.Data(), false)
	c.addGrad(j, dst, 1)
}
