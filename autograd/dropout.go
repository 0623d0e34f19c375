package autograd

import (
	"math/rand/v2"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// Dropout returns x with each element zeroed with probability p and the
// others scaled by 1/(1−p), so that every element keeps its expected value
// (inverted dropout, PyTorch's torch.nn.functional.dropout in training):
// x·m for a mask m of 0s and 1/(1−p)s.
//
//	d/dx = g·m
//
// The mask is drawn from rng, one Float64 per element in row-major order,
// the element kept when the draw is at least p; so the same generator state
// gives the same mask, as layers.Dropout and attention dropout draw it.
// Inside a Checkpoint's fn, when x depends on the Checkpoint's inputs, the
// mask is drawn on fn's first run and replayed when fn runs again for the
// backward pass, which draws nothing (see Checkpoint). A
// NaN or ±Inf element of x gives NaN where it is dropped (Inf·0), as
// x·m does. For p = 0 it returns x itself and draws nothing. Under an
// Arena the result and the saved mask come from x's arena, so that a warm
// training step with dropout allocates nothing.
//
// It panics with a *UsageError unless 0 ≤ p < 1, or when rng is nil.
func Dropout[T Float](x *Var[T], p float64, rng *rand.Rand) *Var[T] {
	checkOperands1("Dropout", x)
	const op = "Dropout"
	if !(p >= 0 && p < 1) {
		panic(usage(op, "probability "+strconv.FormatFloat(p, 'g', -1, 64)+" is outside [0, 1)"))
	}
	if rng == nil {
		panic(usage(op, "nil random generator"))
	}
	if p == 0 {
		return x
	}
	ar := arenaOf(x)
	mask := ar.like(x.value)
	keep := T(1 / (1 - p))
	m := mask.Data()
	if s := segmentOf(x); s != nil {
		// In a Checkpoint's fn: the mask of its first run (see segment).
		dm := s.draw(op, len(m), p, rng)
		for i := range m {
			m[i] = 0
			if dm.kept(i) {
				m[i] = keep
			}
		}
	} else {
		for i := range m {
			m[i] = 0
			if rng.Float64() >= p {
				m[i] = keep
			}
		}
	}
	out := ar.like(x.value)
	tensor.MulInto(out, x.value, mask)
	var d derivative[T]
	if needsGrad(x) {
		st := newState[dropoutOp[T]](ar)
		st.mask = mask
		d = st
	}
	return recordOp(op, out, d, x)
}

// dropoutOp is Dropout's state: the mask of 0s and 1/(1−p)s.
type dropoutOp[T Float] struct{ mask *tensor.Tensor[T] }

func (*dropoutOp[T]) slot() stateSlot { return slotDropout }

func (s *dropoutOp[T]) backward(_ *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Mul(g, Const(s.mask))}
}

// vjp is backward's product written into (or added to) x's gradient, with
// the bits of Mul's.
func (s *dropoutOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	if beta == 0 {
		tensor.MulInto(dst, g, s.mask)
		return
	}
	tensor.MulAddInto(dst, g, s.mask)
}

// jvp of Dropout is t·m, the tangent times the same mask of 0s and
// 1/(1−p)s.
func (s *dropoutOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.MulInto(res, ts[0], s.mask)
	return res
}
