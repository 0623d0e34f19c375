package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// Function is a differentiable operation defined by the user, in the spirit
// of torch.autograd.Function: a forward computation on tensors and its
// vector-Jacobian product. Applied to Vars, it records a node exactly like a
// built-in operation, so Backward, Grad, WriteDOT and the gradcheck package
// treat it the same way.
//
// Forward computes the result from the inputs' values. ForwardWith, its
// alternative (set one of the two), also gets a ForwardContext, through
// which it saves tensors for Backward (torch's ctx.save_for_backward) and
// takes tensors from the Arena of the result. A node records one call: the
// Function's closures are shared by every Apply, so an intermediate that
// Backward needs must not be kept in a variable the closures share (the
// second Apply would overwrite the first's, and both would get the same
// gradient); save it with ForwardContext.Save and read it back with
// Context.Saved, or recompute it from Context.Input and Output.
//
// Under an Arena, a Function takes its node from the arena like a built-in
// operation, and its Backward gets the arena's constants (Input, Output,
// Saved and g), so that a Backward written with this package's operations
// allocates nothing in a warm step. What Forward allocates is its own (a
// new result tensor each call): ForwardWith takes its result and what it
// saves from the arena (ForwardContext.Empty and EmptyLike) instead, and a
// warm step then allocates nothing but the slice Backward returns, which
// it may keep and reuse (see Backward).
//
// Backward receives a Context, from which it reads the inputs and the
// output, and the gradient g of the output; it returns one gradient per
// input (nil for an input that needs none, see Context.NeedsGrad). A
// gradient may have the broadcast shape of a broadcasting operation: the
// engine sums it back to the input's shape. Written with this package's
// operations, Backward is itself differentiable, and gradients of gradients
// (Grad with CreateGraph) work; written with raw tensor kernels (wrapped in
// Const), it is correct for first derivatives only. Grad with CreateGraph
// refuses such a Backward, with a *UsageError naming the Function,
// wherever the gradient g it is given requires a gradient (the Function's
// result feeds an operation whose derivative depends on it: Square, Mul by
// a Param): a gradient linear in g, as every correct one is, then requires
// one too. Where g requires none (the Function's result goes straight into
// Sum, Mean or a product with constants, or is the output), a raw Backward
// cannot be told from one written with this package's operations, and
// the second derivative through the Function is silently lost (zero).
// Write Backward with this package's operations wherever gradients of
// gradients are wanted, and check it with gradcheck.GradGradCheck, whose
// grad-output vector requires a gradient, so that it always refuses a raw
// Backward.
//
// Forward mode (JVP, Jacobian's forward mode) uses JVP when it is set,
// like torch.autograd.Function.jvp. Without it, the forward rule is derived
// from Backward, which must then be written with this package's
// operations: one written on raw tensors makes forward mode panic with a
// *UsageError naming the Function. JacobianAuto never picks forward mode
// for a function with a Function that has no JVP. Hessian and HVP
// differentiate the recorded gradient, so they need a Backward written
// with this package's operations whether or not JVP is set (they use JVP
// only where that gradient reads the Function's result, as exp's does); a
// raw one (its gradients wrapped in Const) makes them panic with a
// *UsageError naming the Function. A Backward that detaches only a part of
// its computation (uses g's value as a constant, say) is not detected, and
// gives them wrong numbers, as it does Grad with CreateGraph.
type Function[T Float] struct {
	// Name labels the operation in graph drawings and error messages.
	Name string
	// Forward computes the result from the inputs' values. It must not
	// modify its inputs, nor keep the slice that holds them (the tensors
	// it may keep).
	Forward func(inputs ...*tensor.Tensor[T]) *tensor.Tensor[T]
	// ForwardWith, an alternative to Forward, computes the result as
	// Forward does, with a ForwardContext of the call: its Save keeps
	// tensors for Backward and JVP (Context.Saved), its Empty hands out
	// tensors from the Arena of the result (for the result itself, and
	// for what it saves), so that a warm step under an Arena allocates
	// nothing. For y = x·σ(x), saving σ(x):
	//
	//	ForwardWith: func(c *autograd.ForwardContext[float64], in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	//		s := c.EmptyLike(in[0])
	//		tensor.SigmoidInto(s, in[0])
	//		c.Save(s)
	//		y := c.EmptyLike(in[0])
	//		tensor.MulInto(y, in[0], s)
	//		return y
	//	},
	ForwardWith func(c *ForwardContext[T], inputs ...*tensor.Tensor[T]) *tensor.Tensor[T]
	// Backward returns the gradient for each input, given the gradient g of
	// the result. The engine reads the slice it returns before it calls any
	// Backward again, so Backward may return a slice of its own that it
	// reuses (one allocation less per call).
	Backward func(c *Context[T], g *Var[T]) []*Var[T]
	// JVP, optional, is the forward-mode rule: given the tangent of each
	// input, of its input's shape (nil for a zero tangent: a constant, or
	// an input the direction does not move; at least one is not nil), it
	// returns the tangent of the result, J·tangents, as a new tensor of the
	// result's shape. It reads the inputs and the output from c, as
	// Backward does, and must not modify the tangents. For y = x³:
	//
	//	JVP: func(c *autograd.Context[float64], ts []*tensor.Tensor[float64]) *tensor.Tensor[float64] {
	//		x := c.Input(0).Value()
	//		return tensor.Mul(tensor.Scale(tensor.Mul(x, x), 3), ts[0]) // 3x²·t
	//	},
	JVP func(c *Context[T], tangents []*tensor.Tensor[T]) *tensor.Tensor[T]
}

// Apply runs the function on inputs and, when one of them requires a
// gradient, records it in the graph. It panics with a *UsageError when
// Backward, or both Forward and ForwardWith, are missing, both Forward and
// ForwardWith are set, an input is nil or of an Arena Reset since it was
// made, or Forward returns nil. A panic inside Forward, or
// later inside Backward or JVP, is raised again as a *UsageError naming the
// Function and wrapping the original value (errors.As and errors.Is reach
// it; its message ends the new one), except an *AnomalyError, which
// passes as it is. The node keeps the Function's Backward and JVP as they
// are at the call.
func (f *Function[T]) Apply(inputs ...*Var[T]) *Var[T] {
	switch {
	case f.Forward == nil && f.ForwardWith == nil || f.Backward == nil:
		panic(usage(fmt.Sprintf("Function %q", f.Name), "Forward (or ForwardWith) and Backward must both be set"))
	case f.Forward != nil && f.ForwardWith != nil:
		panic(usage(fmt.Sprintf("Function %q", f.Name), "set one of Forward and ForwardWith, not both"))
	}
	for i, in := range inputs {
		if in == nil {
			panic(usage(fmt.Sprintf("Function %q", f.Name), fmt.Sprintf("input %d is nil", i)))
		}
		if in.Stale() { // before Forward reads the next step's data
			panic(&UsageError{Op: fmt.Sprintf("Function %q", f.Name), Err: ErrArenaReset})
		}
	}
	// The state comes from the arena of the result, so that a warm step
	// allocates neither it nor the inputs' slice.
	ar := arenaOf(inputs...)
	st := newState[functionOp[T]](ar)
	st.fc = ForwardContext[T]{ar: ar, name: f.Name}
	st.fc.saved = st.fc.buf[:0]
	vals := st.vals[:0]
	if len(inputs) > len(st.vals) {
		vals = make([]*tensor.Tensor[T], 0, len(inputs))
	}
	for _, in := range inputs {
		vals = append(vals, in.value)
	}
	out := f.forward(&st.fc, vals)
	if out == nil {
		panic(usage(fmt.Sprintf("Function %q", f.Name), "Forward returned nil"))
	}
	if !needsGrad(inputs...) {
		return recordOp[T](f.Name, out, nil, inputs...)
	}
	st.back, st.fwd = f.Backward, f.JVP
	return recordOp(f.Name, out, derivative[T](st), inputs...)
}

// forward runs f.Forward or f.ForwardWith, turning a panic into one that
// names f (see userPanic).
func (f *Function[T]) forward(c *ForwardContext[T], vals []*tensor.Tensor[T]) *tensor.Tensor[T] {
	defer reraise(f.Name, "Forward")
	if f.ForwardWith != nil {
		return f.ForwardWith(c, vals...)
	}
	return f.Forward(vals...)
}

// ForwardContext is what a Function's ForwardWith sees besides the inputs:
// the call's saved tensors and the Arena of its result.
type ForwardContext[T Float] struct {
	ar    *Arena[T]
	name  string
	saved []*tensor.Tensor[T] // buf[:k] for up to 4 tensors
	buf   [4]*tensor.Tensor[T]
}

// Save keeps tensors for the call's Backward and JVP, which read them back
// with Context.Saved, in the order saved (the index of a tensor is the
// number saved before it, over all the calls of Save), as torch's
// ctx.save_for_backward. They are neither copied nor released before the
// node is: nothing may modify them afterwards. It panics with a
// *UsageError for a nil tensor.
func (c *ForwardContext[T]) Save(ts ...*tensor.Tensor[T]) {
	for i, t := range ts {
		if t == nil {
			panic(usage(fmt.Sprintf("Function %q", c.name), fmt.Sprintf("ForwardContext.Save: tensor %d is nil", i)))
		}
	}
	c.saved = append(c.saved, ts...)
}

// Empty returns a tensor of the given shape with arbitrary contents, which
// ForwardWith must overwrite, as torch.empty: under an Arena, the next
// tensor of the arena the result is taken from (one of the previous step,
// reused), valid until its next Reset; without one, a new tensor. Use it
// for the result and for the tensors to save.
func (c *ForwardContext[T]) Empty(shape ...int) *tensor.Tensor[T] { return c.ar.tensor(shape...) }

// EmptyLike is Empty with x's shape (without the copy of the shape that
// x.Shape() makes).
func (c *ForwardContext[T]) EmptyLike(x *tensor.Tensor[T]) *tensor.Tensor[T] { return c.ar.like(x) }

// reraise, deferred, turns a panic in the Forward, Backward or JVP (what)
// of the Function named name into userPanic's.
func reraise(name, what string) {
	if r := recover(); r != nil {
		panic(userPanic(name, what, r))
	}
}

// userPanic returns what a panic r inside the Forward, Backward or JVP
// (what) of the Function named name re-panics with: a *UsageError naming
// the Function and wrapping r (errors.As and errors.Is still reach it, and
// its message ends with r's). An *AnomalyError, which anomaly detection
// reports for an operation the function ran, and a *UsageError that names
// the Function already (Context.Input out of range) pass as they are.
func userPanic(name, what string, r any) any {
	switch e := r.(type) {
	case *AnomalyError:
		return r
	case *UsageError:
		if e.Op == name || e.Op == fmt.Sprintf("Function %q", name) {
			return r
		}
	}
	err, ok := r.(error)
	if !ok {
		err = fmt.Errorf("%v", r)
	}
	return &UsageError{Op: fmt.Sprintf("Function %q", name), Reason: what + " panicked", Err: err}
}

// functionOp is a Function's derivative: its Backward and, if it has one,
// its JVP; the ForwardContext of its call, with the tensors it saved; and
// the slice of input values its Forward was given.
type functionOp[T Float] struct {
	back backwardFn[T]
	fwd  func(c *Context[T], tangents []*tensor.Tensor[T]) *tensor.Tensor[T]
	fc   ForwardContext[T]
	vals [4]*tensor.Tensor[T] // Forward's inputs, when there are at most 4
}

func (*functionOp[T]) slot() stateSlot { return slotFunction }

func (d *functionOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	defer reraise(c.node().op, "Backward")
	return d.back(c, g)
}

// vjp runs Backward on constants (of the result's Arena, when it has one):
// a Function has no fused form.
func (d *functionOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) { c.viaBackwardOf(c.constant(g)) }

// jvp is the Function's JVP, or the rule derived from its Backward.
func (d *functionOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	if d.fwd == nil {
		return genericJVP(c.p, c.node(), c.out, ts)
	}
	t := d.callJVP(c, ts)
	if t == nil {
		panic(usage(c.node().op, "forward mode: its JVP returned nil"))
	}
	return t
}

// callJVP runs the Function's JVP, turning a panic into one that names
// the Function (see userPanic).
func (d *functionOp[T]) callJVP(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	defer reraise(c.node().op, "JVP")
	return d.fwd(c, ts)
}

// Saved returns the i-th tensor that the call's ForwardWith saved
// (ForwardContext.Save), as a constant of the Arena of the result, if any.
// While the engine records the backward pass (Grad with CreateGraph), a
// saved tensor that is an input's value or the result's is returned as
// that input or result, differentiable, as Input and Output are; any
// other saved tensor is a constant, through which no second derivative
// flows (recompute it from Input and Output with this package's
// operations where one must). It panics with a *UsageError naming the
// operation when there is no saved tensor i.
func (c *Context[T]) Saved(i int) *Var[T] {
	var saved []*tensor.Tensor[T]
	if d, ok := c.node().impl.(*functionOp[T]); ok {
		saved = d.fc.saved
	}
	if i < 0 || i >= len(saved) {
		panic(usage(c.node().op, fmt.Sprintf("Context.Saved(%d): the forward pass saved %d tensors", i, len(saved))))
	}
	t := saved[i]
	if c.create {
		for _, in := range c.node().inputs {
			if in.value == t {
				return in
			}
		}
		if c.out.value == t {
			return c.out
		}
	}
	return c.constant(t)
}

// NumSaved returns the number of tensors the call's ForwardWith saved.
func (c *Context[T]) NumSaved() int {
	if d, ok := c.node().impl.(*functionOp[T]); ok {
		return len(d.fc.saved)
	}
	return 0
}
