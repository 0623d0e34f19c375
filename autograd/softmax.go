package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds Softmax and LogSoftmax. Both forward kernels subtract each
// slice's maximum first, so they are finite for inputs of any size; both
// derivatives reuse the saved output. The recorded derivatives are written
// with differentiable ops so that second derivatives work; the fused ones
// do the same arithmetic on plain tensors, in one sweep, with the sums in
// the order of SumKeepDims, so that both give the same bits.

// Softmax returns exp(x) / Σ exp(x) along axis (negative counts from the
// end), computed as exp(x - m) / Σ exp(x - m) with m the maximum of each
// slice: Softmax of [1000 -1000] is exactly [1 0].
//
//	d/dx = O ∘ (g - Σ(g ∘ O)), O the saved output and Σ along axis
//
// It panics with a *tensor.ShapeError for an axis out of range.
func Softmax[T Float](x *Var[T], axis int) *Var[T] {
	checkOperands1("Softmax", x)
	defer relabel("Softmax")
	return softmaxOf("Softmax", x, axis, false)
}

// LogSoftmax returns log Softmax(x, axis), computed as x - m - log Σ exp(x - m)
// with m the maximum of each slice: finite wherever x is (exactly
// [0 -2000] for [1000 -1000], where log of Softmax would give -Inf).
//
//	d/dx = g - exp(O) ∘ Σ g, O the saved output (exp(O) is the softmax) and Σ along axis
//
// It panics with a *tensor.ShapeError for an axis out of range.
func LogSoftmax[T Float](x *Var[T], axis int) *Var[T] {
	checkOperands1("LogSoftmax", x)
	defer relabel("LogSoftmax")
	return softmaxOf("LogSoftmax", x, axis, true)
}

// softmaxOf is Softmax (log false) and LogSoftmax (log true): the result
// from the input's Arena, and the axis in the op's state.
func softmaxOf[T Float](op string, x *Var[T], axis int, log bool) *Var[T] {
	ar := arenaOf(x)
	out := ar.like(x.value)
	if log {
		tensor.LogSoftmaxInto(out, x.value, axis)
	} else {
		tensor.SoftmaxInto(out, x.value, axis)
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[softmaxOp[T]](ar)
		s.axis, s.log = axis, log
		d = s
	}
	return recordOp(op, out, d, x)
}

// softmaxOp is the state of Softmax and LogSoftmax.
type softmaxOp[T Float] struct {
	axis int
	log  bool
}

func (*softmaxOp[T]) slot() stateSlot { return slotSoftmax }

func (s *softmaxOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	sum := func(v *Var[T]) *Var[T] {
		if v.value.Dims() == 0 {
			return v // a 0-d input is its own sum along axis 0
		}
		return SumKeepDims(v, s.axis)
	}
	if s.log {
		return []*Var[T]{Sub(g, Mul(Exp(c.Output()), sum(g)))}
	}
	y := c.Output()
	return []*Var[T]{Mul(y, Sub(g, sum(Mul(g, y))))}
}

// vjp is backward's arithmetic on plain tensors: the sum along the axis
// into a scratch of the reduced shape, then one sweep that writes (or adds)
// the gradient. The full-size intermediate (g ∘ O, or exp(O)) is built in
// the gradient's own buffer when that is fresh, in a scratch otherwise.
// Softmax and LogSoftmax along a contiguous last axis go row by row instead
// (softmaxRowsVJP, tensor.LogSoftmaxRowsVJP), with one row of scratch and
// the same bits.
func (s *softmaxOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	y := c.out.value
	dst, beta := c.gradBuf(0)
	if _, n, inner := splitAxis(y, s.axis); inner == 1 && n > 0 {
		t := c.p.arena.tensor(n).Data()
		if s.log {
			tensor.LogSoftmaxRowsVJP(dst.Data(), y.Data(), g.Data(), t, beta)
		} else {
			softmaxRowsVJP(dst.Data(), y.Data(), g.Data(), t, beta)
		}
		return
	}
	var buf [maxStackDims]int
	sum := c.p.arena.tensor(keptAlong(buf[:0], y, s.axis)...)
	t := dst
	if beta != 0 {
		t = c.p.arena.like(y)
	}
	if s.log {
		tensor.SumToInto(sum, g, 1, 0)
		tensor.ExpInto(t, y) // the Exp op's kernel
	} else {
		tensor.MulInto(t, g, y)
		tensor.SumToInto(sum, t, 1, 0)
	}
	outer, n, inner := splitAxis(y, s.axis)
	d, ys, gs, ts, ss := dst.Data(), y.Data(), g.Data(), t.Data(), sum.Data()
	for o := range outer {
		for i := range n {
			base := (o*n + i) * inner
			d, ys, gs, ts, ss := d[base:base+inner], ys[base:base+inner], gs[base:base+inner], ts[base:base+inner], ss[o*inner:(o+1)*inner]
			switch {
			case s.log && beta == 0:
				for k := range d {
					d[k] = gs[k] - T(ts[k]*ss[k])
				}
			case s.log:
				for k := range d {
					d[k] += T(gs[k] - T(ts[k]*ss[k]))
				}
			case beta == 0:
				for k := range d {
					d[k] = ys[k] * (gs[k] - ss[k])
				}
			default:
				for k := range d {
					d[k] += T(ys[k] * (gs[k] - ss[k]))
				}
			}
		}
	}
}

// jvp of Softmax is O ∘ (t - Σ(O ∘ t)), and of LogSoftmax t - Σ(exp(O) ∘ t),
// O the saved output (exp(O) the softmax) and Σ along the axis. Softmax's
// Jacobian is symmetric: its rule is its vjp's arithmetic with t as g.
func (s *softmaxOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	y, t := c.out.value, ts[0]
	res := tensor.Zeros[T](y.Shape()...)
	outer, n, inner := splitAxis(y, s.axis)
	if inner == 1 && !s.log && n > 0 {
		softmaxRowsVJP(res.Data(), y.Data(), t.Data(), make([]T, n), 0)
		return res
	}
	var buf [maxStackDims]int
	sum := tensor.Zeros[T](keptAlong(buf[:0], y, s.axis)...)
	if s.log {
		tensor.ExpInto(res, y) // the Exp op's kernel
		tensor.MulInto(res, res, t)
	} else {
		tensor.MulInto(res, t, y)
	}
	tensor.SumToInto(sum, res, 1, 0)
	d, ys, ts0, ss := res.Data(), y.Data(), t.Data(), sum.Data()
	for o := range outer {
		for i := range n {
			base := (o*n + i) * inner
			d, ys, tr, ss := d[base:base+inner], ys[base:base+inner], ts0[base:base+inner], ss[o*inner:(o+1)*inner]
			if s.log {
				for k := range d {
					d[k] = tr[k] - ss[k]
				}
				continue
			}
			for k := range d {
				d[k] = ys[k] * (tr[k] - ss[k])
			}
		}
	}
	return res
}

// softmaxRowsVJP is Softmax's vjp along a contiguous last axis of
// len(t) elements, one row at a time: t = g ∘ y, its sum by tensor.SumRow
// (the bits of SumToInto), then d = y ∘ (g - sum), written (beta 0) or
// added.
func softmaxRowsVJP[T Float](d, y, g, t []T, beta T) {
	if y32, ok := any(y).([]float32); ok { // the same bits, vectorized
		tensor.SoftmaxRowsVJP32(any(d).([]float32), y32, any(g).([]float32), any(t).([]float32), float32(beta))
		return
	}
	n := len(t)
	for base := 0; base+n <= len(y); base += n {
		ys, gs, ds := y[base:base+n], g[base:base+n], d[base:base+n]
		for k, v := range gs {
			t[k] = v * ys[k]
		}
		sum := tensor.SumRow(t)
		if beta == 0 {
			for k, v := range gs {
				ds[k] = ys[k] * (v - sum)
			}
		} else {
			for k, v := range gs {
				ds[k] += T(ys[k] * (v - sum))
			}
		}
	}
}

// splitAxis returns the sizes of x's axes before axis, of axis, and after
// it: the [outer n inner] layout in which a slice along axis is n elements
// inner apart. The axis was validated by the forward kernel. (keptAlong
// gives a 0-d x the 0-d shape, the sum of its one element.)
func splitAxis[T Float](x *tensor.Tensor[T], axis int) (outer, n, inner int) {
	r := x.Dims()
	if r == 0 {
		return 1, 1, 1 // a 0-d x is one element along axis 0 or -1
	}
	if axis < 0 {
		axis += r
	}
	outer, inner = 1, 1
	for i := range axis {
		outer *= x.Dim(i)
	}
	for i := axis + 1; i < r; i++ {
		inner *= x.Dim(i)
	}
	return outer, x.Dim(axis), inner
}

// keptAlong appends to dst the shape of x with axis set to 1: the shape of
// a keep-dims reduction along axis.
func keptAlong[T Float](dst []int, x *tensor.Tensor[T], axis int) []int {
	if axis < 0 {
		axis += x.Dims()
	}
	for i := range x.Dims() {
		if i == axis {
			dst = append(dst, 1)
		} else {
			dst = append(dst, x.Dim(i))
		}
	}
	return dst
}
