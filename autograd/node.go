package autograd

import (
	"errors"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/graph"

	"github.com/adjoint-go/adjoint/tensor"
)

// ErrGraphReleased is wrapped by the panic of a Backward or Grad that reaches
// a node whose saved state an earlier pass released. Pass RetainGraph to the
// earlier call to differentiate the same graph more than once.
var ErrGraphReleased = errors.New("graph already released by an earlier backward pass (use RetainGraph to backward twice)")

// backwardFn is a Function's vector-Jacobian product: given the gradient g
// of the result, it returns the gradient for each input (nil for inputs that
// need none). It is written with this package's operations, so the engine can
// record it when gradients of gradients are wanted.
type backwardFn[T Float] func(c *Context[T], g *Var[T]) []*Var[T]

// derivative is what a node calls to differentiate its op: a pointwise
// table entry, or an op's state type (a pointer in an interface costs no
// allocation, where a closure does). It has two reverse forms and a
// forward one, side by side, so that no op can lack any of them.
//
// backward is the definition, written with this package's operations: the
// engine records it for gradients of gradients and runs it step by step
// under anomaly detection.
//
// vjp is the form on plain tensors: it adds the gradient of each input that
// needs one into the engine's buffers (Context.addGrad, Context.gradBuf),
// fusing the arithmetic and allocating nothing. The engine uses it whenever
// the backward pass is not itself recorded and the op is not under anomaly
// detection. The random-graph tests check that the two agree for every op:
// bit for bit where both run the same kernels, to a few ulps where the
// fused form is a vectorized kernel of its own. A derivative without a
// fused form (a Function's, Checkpoint's) has vjp call Context.viaBackward.
//
// jvp is the forward-mode rule (forward.go): it returns the tangent of the
// op's result, c.out, given one tangent per input (nil for an input whose
// tangent is zero: a constant, or a value the direction does not move; at
// least one is not nil). Each tangent has its input's shape, the result the
// output's; the result is a new tensor, which the sweep may keep, and jvp
// must not modify the tangents. Only a Function without a JVP rule and
// Checkpoint derive theirs from backward (genericJVP).
type derivative[T Float] interface {
	backward(c *Context[T], g *Var[T]) []*Var[T]
	vjp(c *Context[T], g *tensor.Tensor[T])
	jvp(c *Context[T], tangents []*tensor.Tensor[T]) *tensor.Tensor[T]
}

// node records how a Var was produced: the op's name, its derivative (for
// an op with parameters or saved tensors, its typed state: see state.go),
// and its inputs.
type node[T Float] struct {
	op     string
	impl   derivative[T]
	inputs []*Var[T] // in[:k] for ops of up to three inputs, else an array of its own, which an Arena's node keeps for reuse
	in     [3]*Var[T]

	// The scalar parameters of a pointwise op, which its table entry names
	// (Scale's factor, Clamp's bounds).
	scalars [2]T

	// The result's gradient while a backward pass accumulates it (a
	// gradSlot stored as its fields, so that its flag shares a word with
	// the node's others), and the pass's topological-sort mark, both used
	// only by the pass that owns the node (see pass). owner is the owning
	// pass's address (pass.id), 0 when none (a released node keeps the
	// address of the pass that released it): an integer, so that claiming
	// and releasing a node store no pointer, which would cost a write
	// barrier while the collector marks.
	owner     atomic.Uintptr
	slotV     *Var[T]
	slotT     *tensor.Tensor[T]
	mark      graph.Mark
	hasSlot   bool
	slotOwned bool

	// released is set when a backward pass dropped the node's saved state
	// (next to hasSlot, so that the flags share one word).
	released bool
}

// getSlot returns the gradient slot stored in n and whether there is one.
func (n *node[T]) getSlot() (gradSlot[T], bool) {
	return gradSlot[T]{v: n.slotV, t: n.slotT, owned: n.slotOwned}, n.hasSlot
}

// putSlot stores s in n (has false clears it). It stores only the pointers
// that change: each store is a write barrier while the collector marks, and
// a pass that records nothing never sets slotV, nor clears a slot twice.
func (n *node[T]) putSlot(s gradSlot[T], has bool) {
	if n.slotV != s.v {
		n.slotV = s.v
	}
	if n.slotT != s.t {
		n.slotT = s.t
	}
	n.slotOwned, n.hasSlot = s.owned, has
}

// varNode lets a result and its node be allocated (or reused) together:
// 184 bytes for float64, so that with a tensor header (80 bytes) they come
// to 8 bytes modulo 32, which tensor.ZerosWith's data arrays are sized for
// (see the test that checks it).
type varNode[T Float] struct {
	v Var[T]
	n node[T]
}

// Context is what a backward function sees: the inputs and the output of its
// operation. While the engine records the backward pass (Grad with
// CreateGraph) they are the original, differentiable Vars, so a backward
// written with this package's operations is itself differentiable; otherwise
// they are constants, so that an ordinary backward pass builds no graph.
// The constants of an operation whose result was made under an Arena are
// that Arena's (so are their operations' results, and a Function's g): a
// backward written with this package's operations then allocates nothing
// in a warm step, and its Vars are valid until the arena's next Reset.
type Context[T Float] struct {
	out    *Var[T] // the result, whose node is the operation's (see node)
	create bool
	p      *pass[T]
}

// node returns the operation's node: its result's. The Context does not
// keep it as a field of its own, so that the walk stores one pointer per
// node rather than two (each a write barrier while the collector marks).
func (c *Context[T]) node() *node[T] { return c.out.node }

// Input returns the i-th input of the operation. It panics with a
// *UsageError naming the operation when there is no input i.
func (c *Context[T]) Input(i int) *Var[T] {
	if i < 0 || i >= len(c.node().inputs) {
		panic(usage(c.node().op, fmt.Sprintf("Context.Input(%d): the operation has %d inputs", i, len(c.node().inputs))))
	}
	if c.create {
		return c.node().inputs[i]
	}
	return c.constant(c.node().inputs[i].value)
}

// Output returns the operation's result, for derivatives that reuse it
// (Sigmoid's O(1-O), Exp's e^x).
func (c *Context[T]) Output() *Var[T] {
	if c.create {
		return c.out
	}
	return c.constant(c.out.value)
}

// constant returns a constant holding t: of the Arena of the operation's
// result when it has one (no allocation in a warm step), else a new one.
func (c *Context[T]) constant(t *tensor.Tensor[T]) *Var[T] {
	if ar := c.out.arena; ar != nil {
		return ar.Const(t)
	}
	return Const(t)
}

// NeedsGrad reports whether the i-th input wants a gradient, so that a
// backward function can skip work (a matmul) nobody will use. It panics
// with a *UsageError naming the operation when there is no input i.
func (c *Context[T]) NeedsGrad(i int) bool {
	if i < 0 || i >= len(c.node().inputs) {
		panic(usage(c.node().op, fmt.Sprintf("Context.NeedsGrad(%d): the operation has %d inputs", i, len(c.node().inputs))))
	}
	return c.node().inputs[i].requiresGrad
}

// NumInputs returns the number of inputs of the operation.
func (c *Context[T]) NumInputs() int { return len(c.node().inputs) }

// recordOp wraps an operation's result with its derivative. When no input
// requires a gradient the result is a plain constant and nothing is
// recorded, so inference pays nothing for autodiff. The result comes from the inputs'
// Arena when they have one. Ops that keep parameters in the node set them on
// the result's node, when it has one, after the call.
func recordOp[T Float](op string, value *tensor.Tensor[T], d derivative[T], inputs ...*Var[T]) *Var[T] {
	return recordOpIn(nil, op, value, d, inputs...)
}

// resultLike returns a tensor of x's shape with arbitrary contents for an
// op's result: the arena's next one, or, without an arena, a new one
// together with the Var and node that will hold it (see resultOf).
func resultLike[T Float](ar *Arena[T], x *tensor.Tensor[T]) (*tensor.Tensor[T], *varNode[T]) {
	if ar != nil {
		return ar.like(x), nil
	}
	var buf [8]int // Shape would copy; the dimensions go through a stack buffer
	if x.Dims() > len(buf) {
		return resultOf(ar, x.Shape()...)
	}
	s := buf[:x.Dims()]
	for i := range s {
		s[i] = x.Dim(i)
	}
	return resultOf(ar, s...)
}

// resultOf returns a tensor of the given shape with arbitrary contents for
// an op's result, as Arena.tensor does, and without an arena also the Var
// and node for the result, in the same allocation when the tensor is small
// (tensor.ZerosWith): the op passes it to recordOpIn, so that a small
// result costs one allocation rather than two. Under an arena the
// varNode is nil: recordOpIn takes the arena's.
func resultOf[T Float](ar *Arena[T], shape ...int) (*tensor.Tensor[T], *varNode[T]) {
	if ar != nil {
		return ar.tensor(shape...), nil
	}
	return tensor.ZerosWith[varNode[T], T](shape...)
}

// recordOpIn is recordOp with the Var and node of the result given (from
// resultOf) when vn is not nil and the inputs have no arena.
func recordOpIn[T Float](vn *varNode[T], op string, value *tensor.Tensor[T], d derivative[T], inputs ...*Var[T]) *Var[T] {
	return recordOpOn(nil, vn, op, value, d, inputs...)
}

// recordOpOn is recordOpIn with the result a Var of the arena on when on is
// not nil, whatever the inputs' arenas (Arena.Use).
func recordOpOn[T Float](on *Arena[T], vn *varNode[T], op string, value *tensor.Tensor[T], d derivative[T], inputs ...*Var[T]) *Var[T] {
	ar, param := on, (*Arena[T])(nil)
	req, anomaly, cut, segmented := false, false, false, false
	noGrad := on != nil && on.noGrad
	for _, in := range inputs {
		req = req || in.requiresGrad
		cut = cut || in.cut
		anomaly = anomaly || in.trace() != nil
		segmented = segmented || in.inSegment() != nil
		if in.arena != nil {
			in.checkLive(op)
			noGrad = noGrad || in.arena.noGrad
			// The first step's arena, else the first Param's, as for the
			// result's tensor (arenaOf).
			switch {
			case ar != nil:
			case in.gen != 0:
				ar = in.arena
			case param == nil:
				param = in.arena
			}
		}
	}
	if ar == nil {
		ar = param
	}
	cut = cut || (req && noGrad) // a gradient would flow, but an inference Arena records nothing
	req = req && !noGrad
	var (
		v *Var[T]
		n *node[T]
	)
	fresh := vn != nil && ar == nil
	if fresh {
		// vn comes zeroed from its allocation: only the fields that change
		// are set. Assigning whole structs would run the collector's bulk
		// write barrier over every pointer slot of both while it marks,
		// which a plain training loop of small tensors notices.
		v, n = &vn.v, &vn.n
		v.value, v.requiresGrad, v.cut = value, req, cut
	} else {
		v, n = ar.varNode()
		v.renew(Var[T]{value: value, requiresGrad: req, cut: cut})
	}
	if ar != nil {
		v.arena, v.gen = ar, ar.gen
	}
	if req {
		old := n.inputs[:0] // an Arena's node keeps a larger array across reuse
		if fresh {
			n.op, n.impl = op, d
		} else {
			*n = node[T]{op: op, impl: d}
		}
		if len(inputs) <= len(n.in) {
			// One store each: append's copy would run the collector's
			// bulk write barrier, which costs more for a few pointers.
			//lint:ignore S1001 copy is what this loop avoids
			for i, in := range inputs {
				n.in[i] = in
			}
			n.inputs = n.in[:len(inputs)]
		} else {
			if cap(old) <= len(n.in) {
				old = nil // the last use's n.in (or nothing): not an array of its own
			}
			n.inputs = append(old, inputs...)
		}
		v.node = n
	}
	if segmented {
		enterSegment(v, inputs) // computed in a Checkpoint's fn
	}
	if anomaly {
		traceForward(v, op, slices.Clone(inputs))
	}
	return v
}

// relabel turns a *tensor.ShapeError raised by a kernel into one of this
// package, so that the panic names the autograd operation the user called;
// op, when given, replaces the kernel's operation name. It must be deferred
// directly by the operation.
func relabel(op ...string) {
	r := recover()
	if r == nil {
		return
	}
	if e, ok := r.(*tensor.ShapeError); ok && e.Pkg != "autograd" {
		cp := *e
		cp.Pkg = "autograd"
		if len(op) > 0 {
			cp.Op = op[0]
		}
		panic(&cp)
	}
	panic(r)
}

// shapeErr builds a *tensor.ShapeError of this package.
func shapeErr(op, reason string, shapes ...[]int) *tensor.ShapeError {
	return &tensor.ShapeError{Pkg: "autograd", Op: op, Reason: reason, Shapes: shapes}
}
