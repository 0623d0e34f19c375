package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file holds the elementwise functions and activations, each with its
// derivative. Where the derivative can reuse the forward result (Sigmoid,
// Tanh, Exp) it does, so nothing else needs saving.

// Sigmoid returns σ(x) = 1/(1+e^-x), computed without overflow.
//
//	d/dx = g ∘ O ∘ (1 - O), where O = σ(x) is the saved output
func Sigmoid[T Float](x *Var[T]) *Var[T] {
	out := arenaOf(x).like(x.value)
	tensor.SigmoidInto(out, x.value)
	return recordOp("Sigmoid", out, sigmoidOp[T]{}, x)
}

type sigmoidOp[T Float] struct{}

func (sigmoidOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	o := c.Output()
	return []*Var[T]{Mul(g, Mul(o, Sub(Scalar(T(1)), o)))}
}

func (sigmoidOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	d, gs, o := dst.Data(), g.Data(), c.out.value.Data()
	gs, o = gs[:len(d)], o[:len(d)]
	if beta == 0 {
		for i := range d {
			d[i] = gs[i] * (o[i] * (1 - o[i]))
		}
		return
	}
	for i := range d {
		d[i] += T(gs[i] * (o[i] * (1 - o[i])))
	}
}

// Tanh returns the hyperbolic tangent of x.
//
//	d/dx = g ∘ (1 - O²), where O = tanh(x) is the saved output
func Tanh[T Float](x *Var[T]) *Var[T] {
	out := arenaOf(x).like(x.value)
	tensor.TanhInto(out, x.value)
	return recordOp("Tanh", out, tanhOp[T]{}, x)
}

type tanhOp[T Float] struct{}

func (tanhOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	o := c.Output()
	return []*Var[T]{Mul(g, Sub(Scalar(T(1)), Square(o)))}
}

func (tanhOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	d, gs, o := dst.Data(), g.Data(), c.out.value.Data()
	gs, o = gs[:len(d)], o[:len(d)]
	if beta == 0 {
		for i := range d {
			d[i] = gs[i] * (1 - T(o[i]*o[i]))
		}
		return
	}
	for i := range d {
		d[i] += T(gs[i] * (1 - T(o[i]*o[i])))
	}
}

// ReLU returns max(x, 0).
//
//	d/dx = g ∘ [x > 0]
//
// At the kink x = 0 the subgradient 0 is used (as PyTorch does). The mask is
// a constant, so the second derivative is 0 everywhere.
func ReLU[T Float](x *Var[T]) *Var[T] {
	out := arenaOf(x).like(x.value)
	tensor.ReLUInto(out, x.value)
	return recordOp("ReLU", out, reluOp[T]{}, x)
}

type reluOp[T Float] struct{}

func (reluOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Mul(g, Const(tensor.Step(c.Input(0).value)))}
}

func (reluOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	d, gs, x := dst.Data(), g.Data(), c.n.inputs[0].value.Data()
	gs, x = gs[:len(d)], x[:len(d)]
	// g·mask rather than a select, so that g = ±Inf or NaN gives NaN at the
	// kink as backward does; the mask comes from a comparison without a
	// branch (a sign test mispredicts half the time).
	if beta == 0 {
		for i := range d {
			d[i] = gs[i] * T(positive(x[i]))
		}
		return
	}
	for i := range d {
		d[i] += T(gs[i] * T(positive(x[i])))
	}
}

// positive is 1 for v > 0, else 0 (also for NaN), as an int: the compiler
// turns it into a flag-setting instruction, not a branch.
func positive[T Float](v T) int {
	if v > 0 {
		return 1
	}
	return 0
}

// Exp returns e^x.
//
//	d/dx = g ∘ O, where O = e^x is the saved output
func Exp[T Float](x *Var[T]) *Var[T] {
	return record("Exp", tensor.Exp(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Mul(g, c.Output())}
	}, x)
}

// Log returns the natural logarithm of x (NaN for x < 0, -Inf at 0).
//
//	d/dx = g / x
func Log[T Float](x *Var[T]) *Var[T] {
	return record("Log", tensor.Log(x.value), func(c *Context[T], g *Var[T]) []*Var[T] {
		return []*Var[T]{Div(g, c.Input(0))}
	}, x)
}

// Square returns x².
//
//	d/dx = 2 g ∘ x
func Square[T Float](x *Var[T]) *Var[T] {
	out := arenaOf(x).like(x.value)
	tensor.MulInto(out, x.value, x.value)
	return recordOp("Square", out, squareOp[T]{}, x)
}

type squareOp[T Float] struct{}

func (squareOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	return []*Var[T]{Mul(g, Scale(c.Input(0), 2))}
}

func (squareOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	d, gs, x := dst.Data(), g.Data(), c.n.inputs[0].value.Data()
	gs, x = gs[:len(d)], x[:len(d)]
	if beta == 0 {
		for i := range d {
			d[i] = gs[i] * (2 * x[i])
		}
		return
	}
	for i := range d {
		d[i] += T(gs[i] * (2 * x[i]))
	}
}

// Pow returns x^p for a constant exponent p.
//
//	d/dx = g ∘ p·x^(p-1)
//
// For p = 0 the derivative is 0 everywhere (as in PyTorch), also at x = 0
// and for a NaN x, where 0·x^-1 would be NaN.
func Pow[T Float](x *Var[T], p T) *Var[T] {
	return record("Pow", tensor.Pow(x.value, p), func(c *Context[T], g *Var[T]) []*Var[T] {
		if p == 0 {
			return []*Var[T]{Scale(g, 0)}
		}
		return []*Var[T]{Mul(g, Scale(Pow(c.Input(0), p-1), p))}
	}, x)
}
