package autograd

import (
	"math"

	"github.com/adjoint-go/adjoint/tensor"
)

// Forward-mode rules (forwardDerivative) of the losses of loss.go: each is
// the transpose of the op's vjp, the same per-element partial derivatives
// (with the same clamps and subgradients) applied to the tangents instead
// of the output's gradient. The elementwise losses record their reduction
// as a separate op (Mean or Sum), so their rules are per element; the
// class-label losses reduce inside the op, and their rules reduce the
// per-sample tangents the same way.

// lossTerm adds f(i)·t[i] to every element i of res; a nil t (a zero
// tangent) adds nothing, not even 0·∞.
func lossTerm[T Float](res, t *tensor.Tensor[T], f func(i int) T) {
	if t == nil {
		return
	}
	r, td := res.Data(), t.Data()
	for i := range r {
		r[i] += T(f(i) * td[i])
	}
}

// jvp of Huber is clamp(d, -delta, delta) ∘ (tpred - ttarget), d = pred -
// target, with ±delta where d is infinite (the vjp's clamp).
func (s *huberOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	p, t := c.node().inputs[0].value.Data(), c.node().inputs[1].value.Data()
	delta := s.delta
	slope := func(i int) T {
		d := p[i] - t[i]
		if !(math.Abs(float64(d)) <= float64(delta)) {
			return delta * redSign(d)
		}
		return d
	}
	res := tensor.Zeros[T](c.out.value.Shape()...)
	lossTerm(res, ts[0], slope)
	lossTerm(res, ts[1], func(i int) T { return -slope(i) })
	return res
}

// jvp of BCE is (p - t)/max(p(1 - p), 1e-12) ∘ tprob + (log(1 - p) -
// log(p)) ∘ ttarget elementwise.
func (*bceOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	pv := c.node().inputs[0].value
	p, t := pv.Data(), c.node().inputs[1].value.Data()
	res := tensor.Zeros[T](c.out.value.Shape()...)
	lo := T(redBCEEps)
	lossTerm(res, ts[0], func(i int) T {
		x := p[i] * (1 - p[i])
		if x < lo {
			x = lo
		}
		return (p[i] - t[i]) / x
	})
	if ts[1] != nil {
		lq, lp := c.scratch(pv), c.scratch(pv)
		q := lq.Data()
		for i, v := range p {
			q[i] = 1 - v
		}
		tensor.LogInto(lq, lq)
		tensor.LogInto(lp, pv)
		lpd := lp.Data()
		lossTerm(res, ts[1], func(i int) T { return q[i] - lpd[i] })
	}
	return res
}

// jvp of BCEWithLogits is (σ(x) - t) ∘ tx - x ∘ tt elementwise.
func (*bceLogitsOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv := c.node().inputs[0].value
	x, t := xv.Data(), c.node().inputs[1].value.Data()
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if ts[0] != nil {
		sg := c.scratch(xv)
		tensor.SigmoidInto(sg, xv)
		sd := sg.Data()
		lossTerm(res, ts[0], func(i int) T { return sd[i] - t[i] })
	}
	lossTerm(res, ts[1], func(i int) T { return -x[i] })
	return res
}

// jvp of CrossEntropy is, per sample n, Σ_k (Softmax(logits[n])_k -
// onehot(labels[n])_k)·t[n,k] = ⟨p[n], t[n]⟩ - t[n, labels[n]], reduced as
// the losses are (summed, averaged over the batch, or one per sample).
func (s *crossEntropyOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	labels, p := s.labels, s.probs.Data()
	if len(labels) == 0 {
		return res // an empty batch: the gradient is empty too
	}
	classes := len(p) / len(labels)
	td, rd := ts[0].Data(), res.Data()
	var total T
	for n, y := range labels {
		var v T
		for k := n * classes; k < (n+1)*classes; k++ {
			v += T(p[k] * td[k])
		}
		v -= td[n*classes+y]
		if s.r == ReduceNone {
			rd[n] = v
		} else {
			total += v
		}
	}
	switch s.r {
	case ReduceMean:
		rd[0] = total / T(len(labels))
	case ReduceSum:
		rd[0] = total
	}
	return res
}

// jvp of NLL is -t[n, labels[n]] for every sample n (NLL is linear).
func (s *nllOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if len(s.labels) == 0 {
		return res
	}
	td, rd := ts[0].Data(), res.Data()
	classes := len(td) / len(s.labels)
	for n, y := range s.labels {
		rd[n] = -td[n*classes+y]
	}
	return res
}
