package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds where a derivative writes during a pass: the buffer of an
// input's gradient (or its .Grad() directly), the accumulation into it, the
// recorded form as a fallback, and scratch tensors.

// gradBuf returns the tensor that holds input j's gradient, of the input's
// shape, for a derivative that writes into it directly (a matmul with beta),
// and the beta to write with: 0 when the buffer is new (its contents are
// arbitrary), 1 when it already holds gradient to add to.
func (c *Context[T]) gradBuf(j int) (*tensor.Tensor[T], T) { return c.p.buffer(c.node().inputs[j]) }

// zeroGrads gives each input that needs a gradient a zero one, for a fused
// derivative with nothing to compute (an empty input or batch): after
// Backward a leaf's .Grad() is then zeros of its shape (a weight's too), as
// Grad's results and PyTorch's are, not nil.
func (c *Context[T]) zeroGrads() {
	for j := range c.node().inputs {
		if !c.NeedsGrad(j) {
			continue
		}
		if dst, beta := c.gradBuf(j); beta == 0 {
			clear(dst.Data())
		}
	}
}

// buffer is gradBuf for any Var of the pass: in's .Grad() when the pass
// writes it directly, else a tensor of the pass that in's slot owns (a
// borrowed gradient is copied into one first).
func (p *pass[T]) buffer(in *Var[T]) (*tensor.Tensor[T], T) {
	if p.direct(in) {
		return in.leafGrad()
	}
	s, ok := p.slot(in)
	switch {
	case !ok:
		buf := p.newBuf(in.value)
		p.setSlot(in, gradSlot[T]{t: buf, owned: true})
		return buf, 0
	case !s.owned:
		buf := p.newBuf(in.value)
		tensor.SumToInto(buf, s.t, 1, 0)
		p.setSlot(in, gradSlot[T]{t: buf, owned: true})
		return buf, 1
	}
	return s.t, 1
}

// direct reports whether in's gradient may be written straight into its
// .Grad(): during Backward, for a leaf that receives exactly one gradient in
// this pass and whose .Grad() is known to be zero (or absent). The result is
// then bit for bit what adding the gradient to zeros would give, so
// gradients still accumulate exactly as in PyTorch, without a buffer.
func (p *pass[T]) direct(in *Var[T]) bool {
	return p.accumulate && in.node == nil && p.uses.count(in) == 1 && (in.gradBuf() == nil || in.gradZero)
}

// leafGrad returns the .Grad() of a leaf to accumulate into, allocating it
// on first use, and the beta to write with (0 when it is known to be zero).
// The caller writes it, so it is no longer known to be zero.
func (v *Var[T]) leafGrad() (*tensor.Tensor[T], T) {
	beta := T(1)
	g := v.gradBuf()
	if g == nil {
		g = tensor.Zeros[T](v.value.Shape()...)
		v.more().grad = g
		beta = 0
	} else if v.gradZero {
		beta = 0
	}
	v.gradZero = false
	return g, beta
}

// addGrad accumulates alpha·t into input j's gradient (see pass.add).
func (c *Context[T]) addGrad(j int, t *tensor.Tensor[T], alpha T) {
	if !c.node().inputs[j].requiresGrad {
		return
	}
	c.p.add(c.node().op, j, c.node().inputs[j], t, alpha)
}

// viaBackward computes a derivative with its recorded form, on constants, and
// adds the results: the vjp of a closure's derivative and of Checkpoint's,
// the path of ops under anomaly detection, and of a vjp for the cases it
// does not handle itself.
func (c *Context[T]) viaBackward(g *tensor.Tensor[T]) { c.viaBackwardOf(Const(g)) }

// viaBackwardOf is viaBackward with the gradient given as a constant Var
// (a Function's, of its result's Arena: see Context.constant).
func (c *Context[T]) viaBackwardOf(gv *Var[T]) {
	gin := c.p.callBackward(c.node(), gv)
	if c.out.trace() != nil {
		checkBackward(c.out, gv, gin)
	}
	for j, in := range c.node().inputs {
		if in.requiresGrad && gin[j] != nil {
			c.p.add(c.node().op, j, in, gin[j].value, 1)
		}
	}
}

// scratch returns a tensor of x's shape with arbitrary contents, for a
// derivative's intermediate result.
func (c *Context[T]) scratch(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	t := c.p.newBuf(x)
	if c.p.arena == nil {
		c.p.scratches = append(c.p.scratches, t)
	}
	return t
}
