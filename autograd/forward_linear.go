package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Forward-mode rules of linear ops of one input: the tangent of the result
// is the op applied to the input's tangent. These are the ops every
// recorded gradient is made of (a reduction's backward broadcasts, a
// broadcast's backward sums), so a Hessian's tangent sweeps mostly run
// them.

// jvp of Reshape, Squeeze and Unsqueeze is the tangent reshaped (a copy:
// the sweep never hands out a view of a caller's tangent).
func (*reshapeOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	return ts[0].Clone().Reshape(c.out.value.Shape()...)
}

// jvp of BroadcastTo and Expand is the tangent broadcast the same way.
func (broadcastOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.BroadcastToInto(res, ts[0], 0)
	return res
}

// jvp of SumTo is the tangent summed to the same shape.
func (sumToOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	tensor.SumToInto(res, ts[0], 1, 0)
	return res
}

// jvp of Sum and Mean over everything is the tangent's sum (or mean).
func (s reduceAllOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T]()
	tensor.SumToInto(res, ts[0], 1, 0)
	if s {
		res.Data()[0] /= T(ts[0].Len())
	}
	return res
}

// jvp of Sum and Mean over axes is the tangent reduced over them, as the
// forward reduces the input.
func (s *reduceOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	in := c.node().inputs[0].value
	kept := tensor.Zeros[T](redShape(nil, in, s.mask, true)...)
	tensor.SumToInto(kept, ts[0], 1, 0)
	if kd := kept.Data(); s.mean && len(kd) > 0 {
		count := T(in.Len() / len(kd))
		for i := range kd {
			kd[i] /= count
		}
	}
	return kept.Reshape(c.out.value.Shape()...)
}
