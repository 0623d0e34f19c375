package autograd

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// Checkpoint runs fn on inputs and returns its result, keeping only the
// inputs: fn's intermediate results are not kept for the backward pass.
// When Backward reaches the result, fn runs again on the saved inputs, this
// time with its graph, and the pass goes on through that recomputed graph.
// This trades one extra forward of the segment for its memory: a stack of
// blocks with one Checkpoint per block keeps the blocks' inputs and one
// block's activations at a time, rather than every block's. It is PyTorch's
// torch.utils.checkpoint (the reentrant form).
//
// The gradients are the same bits as without Checkpoint when each input of
// the segment receives its gradient from inside the segment in at most two
// contributions, or from outside the segment only, as in a stack of
// residual blocks; otherwise they may differ in the last bits, because the
// recomputed segment sums its contributions to an input before the pass
// adds them to the rest. The parameters fn uses (a module's weights, which
// fn reaches through its closure rather than through inputs) receive their
// gradients from the recomputed graph, in their .Grad(), like any leaf; so
// do the parameters below a result computed outside the segment that fn
// reaches through its closure, which one or several Checkpoints may share.
// Those gradients come in one contribution per pass: when such a result
// is also used outside the segment (or by several Checkpoints), the
// parameters below it receive the outer pass's contribution and each
// recomputation's one after the other, where the plain run sums the
// result's gradient and sends it down once, so theirs may differ from the
// plain run's in the last bits; likewise for a parameter that fn uses more
// than once and the computation outside uses too (a tied weight). Pass
// such a result to Checkpoint as one of its inputs instead: its gradient
// is then summed with the rest before it goes down, and the rule of inputs
// above applies.
//
// The random masks fn draws, with Dropout or with attention dropout
// (ScaledDotProductAttentionWith, PackedSelfAttention, and the layers
// built on them: layers.Dropout, MultiheadAttention, the transformer
// layers), are drawn on its first run and replayed when it runs again,
// which draws nothing: the values, and the generators' states after the
// step, are those of the run without Checkpoint, bit for bit, and so are
// the gradients under the rules above, with nothing for the caller to do
// (PyTorch restores its global generator's state instead; Adjoint's layers
// draw from generators of their own, which Checkpoint cannot see). This
// holds for a draw on a value computed from the inputs, in fn or in a
// Checkpoint nested in it; a Dropout of a value that fn reaches through
// its closure alone (DropConnect on a weight) draws a new mask when fn
// runs again: pass that value as an input. Otherwise fn must compute the
// same values when run again: Backward checks it, and panics with a
// *UsageError when the recomputed result differs from the first in any
// bit, or when fn draws other masks than on its first run (more, fewer, or
// of another size). The masks are replayed in the order fn draws them, so
// fn must draw them in the same order each time (not from goroutines that
// race), and they are kept until the backward pass, at one bit per
// element.
//
// fn must not modify its inputs or keep its result elsewhere. The first
// run's results are not taken from the inputs' Arena, so that the memory
// they use is returned once fn is done; the recomputation runs outside
// the Arena too (unless fn itself takes memory from one, through
// Arena.Use).
//
// Only Backward differentiates through a Checkpoint (PyTorch's reentrant
// checkpoint has the same limit): Grad, with or without CreateGraph, panics
// with a *UsageError when it must differentiate through one (one of its
// inputs lies below the Checkpoint, or is not in the graph at all, as a
// parameter used inside fn is not), since the parameters inside fn are not
// inputs the pass could return gradients for. A Checkpoint is not run, and
// is no error, when every input of Grad is in the graph and none lies below
// it. The transforms built on Grad or on forward mode (VJP, JVP, Jacobian,
// BatchJacobian, Hessian, HVP) panic likewise when they reach one: call fn
// directly inside them.
//
// When nothing is recorded, Checkpoint just runs fn: with an input from an
// inference Arena (see NewInferenceArena), fn runs on the inputs
// themselves, so its operations take their results from that arena and
// record nothing, and the result is fn's, a constant (Backward on it
// panics with a *UsageError) that costs no allocation once the arena is
// warm; and when neither an input nor fn's result requires a gradient,
// the result is a constant holding fn's value. Otherwise the result
// requires a gradient and its Op is "Checkpoint".
func Checkpoint[T Float](fn func(inputs ...*Var[T]) *Var[T], inputs ...*Var[T]) *Var[T] {
	const op = "Checkpoint"
	if fn == nil {
		panic(usage(op, "fn is nil"))
	}
	inference, req := false, false
	for i, in := range inputs {
		if in == nil {
			panic(usage(op, fmt.Sprintf("input %d is nil", i)))
		}
		in.checkLive(op)
		inference = inference || (in.arena != nil && in.arena.noGrad)
		req = req || in.requiresGrad
	}
	if inference {
		// Nothing will be recorded, so nothing will be recomputed: fn runs
		// as it would without Checkpoint, under the inputs' arena, on a
		// copy of inputs from that arena (inputs itself, passed on to fn,
		// would escape: the caller's variadic array would be allocated).
		return checkResult(op, fn(checkpointArgs(arenaOf(inputs...), inputs)...))
	}
	detached := make([]*Var[T], len(inputs))
	for i, in := range inputs {
		detached[i] = Const(in.value)
		followAnomaly(detached[i], in.trace() != nil)
	}
	seg := newSegment(inputs)
	out := checkResult(op, runSegment(seg, fn, detached))
	// The result holds fn's value apart from fn's graph, which it would
	// otherwise keep alive (see keptValue): that graph is what Checkpoint
	// frees, to be recomputed by Backward. Always apart: fn's result may be
	// a Var whose value is another's (a Function that returns its input).
	// When it is memory of an arena (through an Arena.Param) that the
	// Checkpoint's result does not belong to, a copy of its own, valid
	// after that arena's Reset.
	var value *tensor.Tensor[T]
	if out.arena != nil && out.arena != arenaOf(inputs...) {
		value = out.value.Clone()
	} else {
		value = out.value.Standalone()
	}
	if !req && !out.requiresGrad {
		// Nothing requires a gradient: a constant, as recordOp makes for
		// an op on constants (from the inputs' arena if they have one).
		return recordOp[T](op, value, nil, inputs...)
	}
	d := &checkpointOp[T]{fn: fn, seg: seg, values: make([]*tensor.Tensor[T], len(inputs)), needs: make([]bool, len(inputs))}
	for i, in := range inputs {
		d.values[i], d.needs[i] = in.value, in.requiresGrad
		if in.trace() != nil {
			if d.traced == nil {
				d.traced = make([]bool, len(inputs))
			}
			d.traced[i] = true
		}
	}
	v := recordOp(op, value, derivative[T](d), inputs...)
	if !v.requiresGrad {
		// No input needs a gradient, but the parameters inside fn do: the
		// result still needs a node, with no inputs, for the pass to find.
		v.requiresGrad = true
		v.node = &node[T]{op: op, impl: d}
	}
	return v
}

// argsPool is an Arena's pool of argument slices for Checkpoint's fn, kept
// in its states array (a resetter under slotCheckpointArgs): the slices of
// one step, handed out again in order after Reset.
type argsPool[T Float] struct {
	items [][]*Var[T]
	n     int
}

func (p *argsPool[T]) reset() { p.n = 0 }

// checkpointArgs returns a copy of inputs in ar's memory, valid until its
// next Reset.
func checkpointArgs[T Float](ar *Arena[T], inputs []*Var[T]) []*Var[T] {
	pool, _ := ar.states[slotCheckpointArgs].(*argsPool[T])
	if pool == nil {
		pool = new(argsPool[T])
		ar.states[slotCheckpointArgs] = pool
	}
	if pool.n == len(pool.items) {
		pool.items = append(pool.items, nil)
	}
	s := append(pool.items[pool.n][:0], inputs...)
	pool.items[pool.n] = s
	pool.n++
	return s
}

// checkResult returns out, fn's result, and panics with a *UsageError when
// it is nil.
func checkResult[T Float](op string, out *Var[T]) *Var[T] {
	if out == nil {
		panic(usage(op, "fn returned nil"))
	}
	return out
}

// checkpointOp is Checkpoint's derivative: fn, and the inputs' values and
// whether each needs a gradient (the node may have no inputs: see
// Checkpoint).
type checkpointOp[T Float] struct {
	fn     func(inputs ...*Var[T]) *Var[T]
	seg    *segment // the masks fn drew on its first run
	values []*tensor.Tensor[T]
	needs  []bool
	traced []bool // which inputs are under DetectAnomaly (nil: none)
}

// followAnomaly makes s, the stand-in for a segment's input, followed by
// anomaly detection when that input is (traced), so that the segment's
// operations check their results and name themselves, not the Checkpoint.
func followAnomaly[T Float](s *Var[T], traced bool) {
	if traced {
		s.more().anomaly = &anomalyInfo[T]{}
	}
}

// vjp is backward's: the recomputation is the derivative.
func (d *checkpointOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) { c.viaBackward(g) }

// jvp panics: forward mode does not reach into a segment (its tangents
// would have to follow fn's closure too).
func (d *checkpointOp[T]) jvp(*Context[T], []*tensor.Tensor[T]) *tensor.Tensor[T] {
	panic(usage("Checkpoint", "forward mode (JVP, Jacobian's forward mode, Hessian, HVP) does not differentiate through a Checkpoint; call its fn directly"))
}

// backward runs fn again on fresh leaves holding the inputs' values,
// backpropagates g through the recomputed graph in a nested pass (which
// adds the gradients of fn's parameters into their .Grad()), and returns
// the leaves' gradients as the inputs'.
func (d *checkpointOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	const op = "Checkpoint"
	if c.create || !c.p.accumulate {
		panic(usage(op, "only Backward differentiates through a Checkpoint; Grad cannot return the gradients of the parameters inside it, "+
			"nor can the transforms built on it (VJP, Jacobian, BatchJacobian, Hessian, HVP): call its fn directly there"))
	}
	leaves := make([]*Var[T], len(d.values))
	for i, x := range d.values {
		if d.needs[i] {
			leaves[i] = Param(x)
		} else {
			leaves[i] = Const(x)
		}
		if d.traced != nil {
			followAnomaly(leaves[i], d.traced[i])
		}
	}
	d.seg.rerun()
	out := runSegment(d.seg, d.fn, leaves)
	if out == nil {
		panic(usage(op, "fn returned nil when run again"))
	}
	if !tensor.SameShape(out.value.Shape(), g.value.Shape()) {
		panic(shapeErr(op, "fn returned a different shape when run again", out.value.Shape(), g.value.Shape()))
	}
	if !tensor.SameBits(out.value, c.out.value) {
		panic(usage(op, "fn computed different values when run again (a random draw inside it that Checkpoint does not replay, "+
			"or a value it reads that changed since the forward pass); the gradients through the recomputed graph would be wrong"))
	}
	if out.requiresGrad {
		backwardSeeded(op, out, g.value)
	}
	grads := make([]*Var[T], c.NumInputs())
	for i, l := range leaves[:len(grads)] {
		// An input fn does not reach gets no gradient (nil), as in the
		// plain run and PyTorch's checkpoint.
		if lg := l.Grad(); l.requiresGrad && lg != nil {
			grads[i] = Const(lg)
		}
	}
	return grads
}

// backwardSeeded is Backward from v seeded with g rather than 1: it adds
// the gradient of sum(v ∘ g) into every leaf's .Grad().
func backwardSeeded[T Float](op string, v *Var[T], g *tensor.Tensor[T]) {
	p := acquirePass[T](nil)
	defer p.release()
	p.accumulate = true
	p.roots[0] = v
	order := p.sort(p.roots[:1])
	p.add(op, 0, v, g, 1)
	p.walk(order, nil, nil)
	// The recomputed graph is dropped on return; it is not released node by
	// node, because it may reach results of the outer graph through fn's
	// closure that the outer pass does not own (they feed the loss only
	// through Checkpoints), which another Checkpoint's recomputation may
	// need; they go with fn when the outer pass releases this node.
	p.finish(order, true)
}
