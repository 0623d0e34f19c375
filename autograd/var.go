package autograd

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// Float is the element type constraint: float32 or float64.
type Float = tensor.Float

// Var is a value in a computation: a leaf (a parameter or a constant) or the
// result of an operation. Vars are immutable apart from the gradient of a
// leaf and the in-place updates an optimizer makes to a parameter's value.
type Var[T Float] struct {
	value *tensor.Tensor[T]
	node  *node[T]   // nil for leaves and for results that need no gradient
	aux   *varAux[T] // what few Vars have; nil for most results
	arena *Arena[T]  // the Arena the Var was made under, if any
	gen   uint64     // the arena's generation when it was made

	// The flags last, side by side, in a word of their own.
	requiresGrad bool
	gradZero     bool // the gradient is zero (set by ZeroGrad), its buffer not yet cleared
	cut          bool // computed from a Var that needs a gradient by an op under an inference Arena, which recorded nothing
}

// varAux holds the fields of a Var that only some Vars use: a leaf's
// gradient, a label, anomaly detection's record. Kept apart, they do not
// make every op result larger (a plain op's result, its node and a small
// tensor share one allocation: see varNode). A parameter gets its varAux
// when it is made (see newParam), so that the aux pointer of a Var that
// several goroutines may read is never written afterwards; an Arena's
// reused Var keeps its varAux, cleared, from step to step (see renew).
type varAux[T Float] struct {
	grad    *tensor.Tensor[T]
	name    string
	anomaly *anomalyInfo[T] // non-nil under anomaly detection (see DetectAnomaly)
	segment *segment        // the Checkpoint segment v was computed in (see segmentOf); nil outside one
}

// more returns v's varAux, making it on first use.
func (v *Var[T]) more() *varAux[T] {
	if v.aux == nil {
		v.aux = new(varAux[T])
	}
	return v.aux
}

// gradBuf returns v's gradient buffer (nil when it has none), as it is,
// without Grad's clearing.
func (v *Var[T]) gradBuf() *tensor.Tensor[T] {
	if v.aux == nil {
		return nil
	}
	return v.aux.grad
}

// trace returns v's anomaly detection record, nil when detection does
// not follow v.
func (v *Var[T]) trace() *anomalyInfo[T] {
	if v.aux == nil {
		return nil
	}
	return v.aux.anomaly
}

// inSegment returns the Checkpoint segment v was computed in, nil when it
// was computed outside one.
func (v *Var[T]) inSegment() *segment {
	if v.aux == nil {
		return nil
	}
	return v.aux.segment
}

// Param returns a leaf that requires a gradient: a trainable parameter, or an
// input whose gradient you want. Backward accumulates into its Grad. It
// panics with a *UsageError when t is nil.
//
// Whether a Var requires a gradient is fixed when it is made: there is no
// requires_grad_(False). To freeze a parameter p (train the others only),
// use Const(p.Value()) in its place in the forward pass: a constant that
// shares p's value (an update of p shows through it), for which nothing is
// recorded, so that Backward neither computes nor stores a gradient for it,
// and an operation none of whose other inputs requires a gradient records
// nothing at all; unfreezing is using p again. Leave p out of the
// optimizer's parameters meanwhile (an optimizer refuses a Var that
// requires no gradient). Merely leaving p out of the optimizer also keeps
// it as it is, but Backward still computes its gradient and adds it into
// p.Grad().
func Param[T Float](t *tensor.Tensor[T]) *Var[T] { return newParam("Param", t, nil) }

// newParam returns a leaf that requires a gradient, made under ar (nil for
// none), together with its varAux in one allocation. A model's forward pass
// reads a parameter's aux (for anomaly detection) while another goroutine
// may run its first Backward, which stores the gradient: with the aux made
// here, that store goes into the varAux and the pointer stays as it was.
// It panics with a *UsageError naming op when t is nil.
func newParam[T Float](op string, t *tensor.Tensor[T], ar *Arena[T]) *Var[T] {
	if t == nil {
		panic(usage(op, "nil tensor"))
	}
	p := new(struct {
		v Var[T]
		a varAux[T]
	})
	p.v = Var[T]{value: t, requiresGrad: true, aux: &p.a, arena: ar}
	return &p.v
}

// renew makes v, a Var an Arena hands out again, equal to x, keeping v's
// varAux cleared rather than dropping it, so that a Var named (or followed
// by anomaly detection) in every step allocates its varAux once.
func (v *Var[T]) renew(x Var[T]) {
	aux := v.aux
	*v = x
	if aux != nil {
		*aux = varAux[T]{}
		v.aux = aux
	}
}

// Const returns a leaf that does not require a gradient, such as input data
// or targets. Operations on constants alone record nothing. It panics with a
// *UsageError when t is nil.
func Const[T Float](t *tensor.Tensor[T]) *Var[T] {
	if t == nil {
		panic(usage("Const", "nil tensor"))
	}
	return &Var[T]{value: t}
}

// Scalar returns a constant 0-d Var holding v, handy for expressions such as
// Sub(Scalar(1.0), x).
func Scalar[T Float](v T) *Var[T] { return Const(tensor.Scalar(v)) }

// Detach returns a constant that shares v's value but is cut off from v's
// graph: gradients do not flow through it, and it does not keep the graph
// alive. Unlike PyTorch's detach, the value of a recorded result (one that
// needs a gradient) of at most 64 elements made without an Arena is copied
// rather than shared (it lies in one allocation with the result's record
// in the graph); a leaf's value, a constant's, a larger result's and an
// Arena's are shared.
//
// A Var detached from one made under an Arena shares its memory, so it is
// recycled with it: using it after the arena's next Reset panics likewise,
// and so does detaching a Var of a step before the latest Reset.
func Detach[T Float](v *Var[T]) *Var[T] {
	checkOperands1("Detach", v)
	v.checkLive("Detach")
	d := &Var[T]{value: keptValue(v), arena: v.arena, gen: v.gen}
	if name := v.Name(); name != "" {
		d.more().name = name
	}
	if s := v.inSegment(); s != nil {
		d.more().segment = s // a Dropout of d in a Checkpoint's fn replays its mask too
	}
	return d
}

// keptValue returns v's value for a Var that may outlive v's graph: the
// value itself for a Var that records nothing (a leaf, a constant) or one
// of an Arena, else the same elements apart from any allocation of the
// graph (tensor.Standalone). A recorded result without an Arena shares an
// allocation with its node (see resultOf), and a view of one (Reshape's)
// points into that of its input: keeping either would keep the node, and
// through its inputs the graph below, alive. A result that records nothing
// has a node without inputs, which holds nothing else.
func keptValue[T Float](v *Var[T]) *tensor.Tensor[T] {
	if v.arena == nil && v.node != nil {
		return v.value.Standalone()
	}
	return v.value
}

// Value returns the tensor v holds. Do not modify it unless v is a leaf you
// own (an optimizer updates parameters this way).
//
// The tensor of an operation's result made without an Arena shares an
// allocation with v's record in the graph, so holding it holds the graph
// below v too, until a backward pass through v releases it. To keep values
// beyond a graph that is never differentiated (predictions collected over
// an evaluation without an Arena, say), keep Detach(v).Value() or a Clone.
//
// It panics with an error wrapping ErrArenaReset when v was made under an
// Arena that has been Reset since.
func (v *Var[T]) Value() *tensor.Tensor[T] {
	v.checkLive("Value")
	return v.value
}

// Grad returns the gradient that Backward accumulated into this leaf, or nil
// if none has been accumulated yet. Only leaves that require a gradient get
// one; intermediate results never keep theirs (use the function Grad to get
// the gradient with respect to an intermediate value).
//
// The tensor is the leaf's live buffer, reused from step to step: the next
// Backward after a ZeroGrad overwrites it, so Clone it to keep a step's
// gradient. After ZeroGrad, the buffer is cleared here, on first read, or
// simply overwritten by the next Backward (see ZeroGrad); so Grad is not
// safe to call from two goroutines at once for the same Var.
func (v *Var[T]) Grad() *tensor.Tensor[T] {
	g := v.gradBuf()
	if v.gradZero {
		g.Fill(0)
		// The caller may write into it: Backward must add to it from now on.
		v.gradZero = false
	}
	return g
}

// ZeroGrad clears the accumulated gradient, reusing its buffer, so that a
// training loop allocates no new one. The gradient reads as zeros, as after
// PyTorch's zero_grad(set_to_none=False): an optimizer step still updates
// the parameter with it (Adam's moments decay), unlike a gradient of None.
// It only marks the gradient as empty: the next Backward writes it instead
// of adding to it (the same numbers, without a pass over zeros). Grad clears the buffer if it is read before that Backward, which
// then adds to whatever it holds. A tensor obtained from Grad before
// ZeroGrad shows its old numbers until Grad or Backward is next called.
func (v *Var[T]) ZeroGrad() {
	if v == nil {
		panic(&UsageError{Op: "ZeroGrad", Reason: nilReceiverReason})
	}
	if v.gradBuf() != nil {
		v.gradZero = true
	}
}

// SetGrad makes g the buffer that holds v's gradient, as PyTorch's
// `p.grad = g` does: Grad returns g, and Backward adds into it (or, after
// ZeroGrad, overwrites it). It lets the caller own the memory a gradient
// lands in, for example a data-parallel trainer whose micro-batches each
// write their gradient straight into a buffer of their own instead of
// copying it there. g == nil removes the gradient, as before the first
// Backward. v must be a leaf that requires a gradient, or SetGrad panics
// with a *UsageError; a g whose shape is not v's panics with a
// *tensor.ShapeError.
func (v *Var[T]) SetGrad(g *tensor.Tensor[T]) {
	if v == nil {
		panic(&UsageError{Op: "SetGrad", Reason: nilReceiverReason})
	}
	if v.node != nil || !v.requiresGrad {
		panic(usage("SetGrad", "only a leaf that requires a gradient has a gradient buffer"))
	}
	if g != nil && !g.SameShapeAs(v.value) {
		panic(shapeErr("SetGrad", "the gradient must have the Var's shape", v.value.Shape(), g.Shape()))
	}
	if g != nil || v.aux != nil {
		v.more().grad = g
	}
	v.gradZero = false
}

// ZeroGrad clears the accumulated gradient of every given Var. It panics
// with a *UsageError, before it clears any, when one of them is nil.
func ZeroGrad[T Float](vs ...*Var[T]) {
	checkOperands("ZeroGrad", vs...)
	for _, v := range vs {
		v.ZeroGrad()
	}
}

// RequiresGrad reports whether gradients flow to or through v.
func (v *Var[T]) RequiresGrad() bool { return v.requiresGrad }

// DetectsAnomaly reports whether anomaly detection follows v: v was given
// to DetectAnomaly (and not since to StopDetectingAnomaly), or descends
// from a Var that was when the result was made (see DetectAnomaly).
// A layer that would skip an operation when nothing is recorded (applying
// it in place instead, say) checks this first, so that anomaly reports
// still name every operation.
func (v *Var[T]) DetectsAnomaly() bool { return v.trace() != nil }

// IsLeaf reports whether v was not produced by a recorded operation: a
// parameter, a constant, or the result of operations on constants only.
func (v *Var[T]) IsLeaf() bool { return v.node == nil }

// Op returns the name of the operation that produced v, or "" for a leaf.
//
// It panics like Value for a Var of an Arena that has been Reset since.
func (v *Var[T]) Op() string {
	v.checkLive("Op")
	if v.node == nil {
		return ""
	}
	return v.node.op
}

// Shape returns the shape of v's value. Like Value, it panics with a
// *UsageError wrapping ErrArenaReset for a Var of an Arena that has been
// Reset since (its tensor may hold the next step's result).
func (v *Var[T]) Shape() []int {
	v.checkLive("Shape")
	return v.value.Shape()
}

// Item returns the value of a one-element Var as a plain number, for example
// a loss to log. Holding the number keeps no graph alive.
//
// The number is a T: for a float32 model, loss.Item() is a float32, with
// about 7 significant digits. Convert it with float64(loss.Item()) to pass
// it to the math package or to sum many of them (an epoch's mean loss
// summed in float32 drifts); the conversion is exact.
//
// It panics like Value for a Var of an Arena that has been Reset since.
func (v *Var[T]) Item() T {
	v.checkLive("Item")
	return v.value.Item()
}

// Name returns the label set with SetName, or "".
func (v *Var[T]) Name() string {
	if v.aux == nil {
		return ""
	}
	return v.aux.name
}

// SetName labels v (for example "Wih") for graph drawings and error
// messages, and returns v so that it can be used inline. The label is
// kept beside the Var: naming a Var that has none costs one small
// allocation the first time (a parameter, and an Arena's Var from the
// second step on, have room already).
func (v *Var[T]) SetName(name string) *Var[T] {
	if name != "" || v.aux != nil {
		v.more().name = name
	}
	return v
}

// String describes v briefly: its name or operation and its value.
func (v *Var[T]) String() string {
	label := v.Name()
	if label == "" {
		label = v.Op()
	}
	if label == "" {
		label = "leaf"
	}
	return label + " " + v.value.String()
}
