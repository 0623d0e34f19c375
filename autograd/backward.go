package autograd

import (
	"fmt"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// Option configures Backward and Grad.
type Option func(*config)

type config struct {
	retain      bool
	create      bool
	gradOutputs any // []*tensor.Tensor[T] for the T of the call
	// secondOrder, set by Hessian and HVP (named), makes a recorded pass
	// refuse a Function whose backward loses the second derivative.
	secondOrder string
}

// secondOrderOf is the Option of Hessian and HVP: see config.secondOrder.
func secondOrderOf(op string) Option { return func(c *config) { c.secondOrder = op } }

// RetainGraph keeps the graph's saved state after the pass, so that Backward
// or Grad can run through the same graph again. Without it the graph is
// released, which keeps a training loop's memory flat.
//
// The retained graph holds the values of the pass that recorded it,
// parameters included, by reference: a parameter changed in place in
// between (an optimizer step) makes the next pass mix its new value with
// results computed from the old one, and give neither gradient. PyTorch
// detects this with version counters and raises an error; Adjoint does not
// check, so run the forward pass again after a step.
func RetainGraph() Option { return func(c *config) { c.retain = true } }

// CreateGraph makes Grad record the backward pass itself, so that the
// gradients it returns are differentiable (gradients of gradients, Hessian-
// vector products, gradient penalties). It implies RetainGraph. Backward
// rejects it: .Grad() holds plain tensors.
func CreateGraph() Option { return func(c *config) { c.create, c.retain = true, true } }

// GradOutputs gives the gradient to seed each output with (the "vector" of
// the vector-Jacobian product), one per output and of the output's shape;
// nil stands for 1, for an output of one element (PyTorch's None). Without
// it, every output must have exactly one element and is seeded with 1.
func GradOutputs[T Float](gs ...*tensor.Tensor[T]) Option {
	return func(c *config) { c.gradOutputs = gs }
}

// Backward computes the gradient of v, which must have exactly one element,
// with respect to every leaf that requires a gradient, and adds it into that
// leaf's Grad (gradients accumulate across calls, as in PyTorch; use ZeroGrad
// between steps). Intermediate results keep no gradient. Unless RetainGraph
// is given, the graph's saved state is released afterwards, and a second
// Backward through it panics with an error wrapping ErrGraphReleased.
//
// Backward writes the leaves' .Grad(): two passes must not run at once on
// graphs that share a leaf requiring a gradient (see the package's
// Concurrency section; Grad returns gradients instead).
//
// It panics with a *tensor.ShapeError when v has more than one element. To
// seed an output y of several elements with a vector u of y's shape
// (PyTorch's y.backward(u)), run Backward on the scalar Σ y∘u,
//
//	autograd.Sum(autograd.Mul(y, autograd.Const(u))).Backward()
//
// which adds uᵀ·∂y/∂x into every leaf's Grad (under an Arena, take u from
// it with Arena.Const, so that the step allocates nothing); or have Grad
// return those gradients, seeded with GradOutputs(u).
func (v *Var[T]) Backward(opts ...Option) {
	cfg := newConfig(opts)
	if cfg.create {
		panic(usage("Backward", "CreateGraph is not supported here; use Grad, which returns differentiable gradients"))
	}
	if cfg.gradOutputs != nil {
		panic(usage("Backward", "GradOutputs is not supported here; use Grad"))
	}
	v.checkLive("Backward") // first: a stale Var's shape may be the next step's
	if v.value.Len() != 1 {
		panic(shapeErr("Backward", "output must have exactly one element (reduce it first, e.g. with Sum or Mean)", v.value.Shape()))
	}
	if !v.requiresGrad {
		checkRecorded("Backward", "output", v)
		panic(usage("Backward", "output does not require a gradient (no Param reaches it)"))
	}
	p := acquirePass(v.arena)
	defer p.release()
	p.accumulate = true
	// The order and the root live on this goroutine's stack, for a graph
	// of up to orderBuf nodes: see sortInto.
	var buf [orderBuf]*Var[T]
	roots := [1]*Var[T]{v}
	order := p.sortInto(buf[:0], roots[:])
	seed := p.seedLike(v.value)
	p.add("Backward", 0, v, seed, 1)
	p.walk(order, nil, nil)
	p.finish(order, cfg.retain)
}

// Grad returns the gradients of the sum of outputs with respect to inputs,
// one per input and of that input's shape, without touching any .Grad().
// Inputs may be leaves or intermediate results, but must require a gradient;
// an input the outputs do not depend on gets zeros. With CreateGraph the
// results are differentiable Vars; otherwise they are constants. Only the
// derivatives of operations on a path from an output down to an input are
// run, as in PyTorch's engine: the rest of the graph costs nothing and
// cannot fail (a Checkpoint, an anomaly under DetectAnomaly).
//
// Each output must have exactly one element unless GradOutputs seeds them.
// A nil output or input, an input that does not require a gradient, or an
// output computed under an inference Arena (which records nothing, so its
// gradients would be zeros) panics with a *UsageError; an output or input
// made under an Arena before its latest Reset panics with an error wrapping
// ErrArenaReset.
func Grad[T Float](outputs, inputs []*Var[T], opts ...Option) []*Var[T] {
	cfg := newConfig(opts)
	for i, o := range outputs {
		if o == nil {
			panic(usage("Grad", fmt.Sprintf("output %d is nil", i)))
		}
		o.checkLive("Grad")
		checkRecorded("Grad", fmt.Sprintf("output %d", i), o)
	}
	for i, in := range inputs {
		if in == nil {
			panic(usage("Grad", fmt.Sprintf("input %d is nil", i)))
		}
		in.checkLive("Grad") // else a stale input, in no graph, got zeros
	}
	seeds := make([]*Var[T], len(outputs))
	if cfg.gradOutputs != nil {
		gs, ok := cfg.gradOutputs.([]*tensor.Tensor[T])
		if !ok {
			panic(usage("Grad", fmt.Sprintf("GradOutputs has element type %T, outputs have %T", cfg.gradOutputs, []*tensor.Tensor[T]{})))
		}
		if len(gs) != len(outputs) {
			panic(usage("Grad", fmt.Sprintf("%d GradOutputs for %d outputs", len(gs), len(outputs))))
		}
		for i, g := range gs {
			if g == nil { // as PyTorch's None: 1 for an output of one element
				if outputs[i].value.Len() != 1 {
					panic(usage("Grad", fmt.Sprintf("GradOutputs[%d] is nil, but output %d has %d elements", i, i, outputs[i].value.Len())))
				}
				g = tensor.Ones[T](outputs[i].value.Shape()...)
			}
			if !tensor.SameShape(g.Shape(), outputs[i].value.Shape()) {
				panic(shapeErr("Grad", fmt.Sprintf("GradOutputs[%d] does not match the output's shape", i), g.Shape(), outputs[i].value.Shape()))
			}
			seeds[i] = Const(g)
		}
	} else {
		for i, o := range outputs {
			if o.value.Len() != 1 {
				panic(shapeErr("Grad", fmt.Sprintf("output %d must have exactly one element, or pass GradOutputs", i), o.value.Shape()))
			}
			seeds[i] = Const(tensor.Ones[T](o.value.Shape()...))
		}
	}
	for i, in := range inputs {
		if !in.requiresGrad {
			panic(usage("Grad", fmt.Sprintf("input %d does not require a gradient (make it a Param, or the result of one)", i)))
		}
	}
	var live []*Var[T]
	var liveSeeds []*Var[T]
	for i, o := range outputs {
		if o.requiresGrad {
			live = append(live, o)
			liveSeeds = append(liveSeeds, seeds[i])
		}
	}
	want := make(map[*Var[T]]bool, len(inputs))
	for _, in := range inputs {
		want[in] = true
	}
	found := make(map[*Var[T]]*Var[T], len(inputs))
	if len(live) > 0 {
		p := acquirePass(live[0].arena)
		defer p.release()
		p.create, p.secondOrder = cfg.create, cfg.secondOrder
		order := p.sort(live)
		for i, o := range live {
			if p.create {
				p.addVar(o, liveSeeds[i])
			} else {
				p.add("Grad", i, o, liveSeeds[i].value, 1)
			}
		}
		p.walk(order, want, found)
		p.finish(order, cfg.retain)
	}
	out := make([]*Var[T], len(inputs))
	for i, in := range inputs {
		if g := found[in]; g != nil {
			out[i] = g
		} else {
			out[i] = Const(tensor.Zeros[T](in.value.Shape()...))
		}
	}
	return out
}

func newConfig(opts []Option) config {
	if len(opts) == 0 {
		return config{} // the common case; &c below escapes to the heap
	}
	c := new(config)
	for _, o := range opts {
		o(c)
	}
	return *c
}

// checkRecorded panics with a *UsageError naming op when v (named what)
// depends on a Var that needs a gradient through an op run under an
// inference Arena (with one of its Vars as an input, or Arena.Use): that op
// recorded nothing, so v's gradients would be zeros, silently. A result
// made of an inference Arena's constants alone depends on no parameter:
// its gradients are zeros, as torch's are, and it passes.
func checkRecorded[T Float](op, what string, v *Var[T]) {
	if !v.requiresGrad && v.cut {
		panic(usage(op, what+" was computed under an inference Arena, which records no graph"))
	}
}

// sort orders the nodes reachable from outputs, inputs first, claiming the
// nodes it can.
func (p *pass[T]) sort(outputs []*Var[T]) []*Var[T] {
	return p.sorter.SortMarked(outputs, p.children, p.mark)
}

// orderBuf is how many Vars a buffer for sortInto on the caller's stack
// holds.
const orderBuf = 32

// sortInto is sort with the order in buf, a buffer on the caller's stack,
// when it fits, so that the order need not be cleared from the heap after
// the pass (while the collector marks, each pointer cleared costs a write
// barrier). An order that does not fit goes to an array the pass keeps
// (cleared by release), for this pass and the next ones: a large graph's
// step then allocates nothing either.
func (p *pass[T]) sortInto(buf, outputs []*Var[T]) []*Var[T] {
	if p.big != nil {
		p.bigSorting = true
		p.big = p.sorter.AppendSorted(p.big[:0], outputs, p.children, p.mark)
		p.bigSorting = false
		return p.big
	}
	order := p.sorter.AppendSorted(buf[:0], outputs, p.children, p.mark)
	if len(order) > cap(buf) {
		// A copy, not order itself: the compiler cannot tell that order
		// no longer shares buf's array, and would move buf to the heap.
		p.big = slices.Clone(order)
	}
	return order
}

// walk is the reverse pass proper: it visits order backwards and calls each
// node's derivative once with its fully accumulated gradient. The gradients
// of the Vars in want are stored in found.
//
// For Backward, the sort has counted the gradients each leaf receives
// (p.uses: see acquirePass's mark), which decides whether a leaf's
// gradient is written straight into its .Grad() (see direct).
func (p *pass[T]) walk(order []*Var[T], want map[*Var[T]]bool, found map[*Var[T]]*Var[T]) {
	// The Context's node and result change per node; its pass and mode
	// are set once (each pointer stored is a write barrier while the
	// collector marks).
	p.ctx.create = p.create
	if p.ctx.p != p {
		p.ctx.p = p // release keeps it
	}
	var runs map[*Var[T]]bool
	if want != nil {
		runs = towards(order, want)
	}
	if p.create {
		p.want, p.runs = want, runs // for checkSecondOrder
		defer func() { p.want, p.runs = nil, nil }()
	}
	for i := len(order) - 1; i >= 0; i-- {
		v := order[i]
		s, ok := p.takeSlot(v)
		if !ok {
			continue // nothing that requires a gradient flows through v
		}
		if want != nil && want[v] { // Backward's want is nil: no map lookup
			found[v] = s.v
			if !p.create {
				// Hand the caller a tensor of its own: a borrowed one may
				// alias a seed, an owned one may belong to an arena.
				found[v] = Const(s.t.Clone())
			}
		}
		if runs != nil && v.node != nil && !runs[v] {
			// Grad needs nothing below v: its derivative is not run.
			if !p.create {
				p.cur, p.curOwned, p.lent = idOf(s.t), s.owned, false
				p.recycle(s)
			}
			continue
		}
		if v.node == nil {
			if p.accumulate && v.requiresGrad {
				g, beta := v.leafGrad()
				tensor.SumToInto(g, s.t, 1, beta)
			}
			if s.owned && p.arena == nil {
				p.spare = append(p.spare, s.t) // a leaf's sum, added into .Grad() or cloned
			}
			continue
		}
		n := v.node
		if n.released {
			// Released since the sort checked it: by a pass run inside a
			// derivative of this one, with RetainGraph's absence.
			panic(&UsageError{Op: n.op, Err: ErrGraphReleased})
		}
		p.ctx.out = v // and with it n (Context.node)
		if p.create {
			p.backwardRecorded(n, v, s.v)
			continue
		}
		p.cur, p.curOwned, p.lent = idOf(s.t), s.owned, false
		if v.trace() == nil {
			n.impl.vjp(&p.ctx, s.t)
		} else {
			p.ctx.viaBackward(s.t)
		}
		p.recycle(s)
	}
}

// towards returns the nodes of order (inputs first) whose derivative leads
// to a Var of want: those with an input that is wanted or leads to one.
// Grad runs only their derivatives, as PyTorch's engine runs only the
// functions on a path to its inputs, so that a part of the graph it does
// not need (a Checkpoint, an anomaly) neither costs nor fails. A wanted Var
// that order does not hold may be a parameter inside a Checkpoint's fn,
// which the Checkpoint's node does not list: then every Checkpoint counts
// as leading to it, so that Grad reaches it and says it cannot differentiate
// through one, rather than return zeros.
func towards[T Float](order []*Var[T], want map[*Var[T]]bool) map[*Var[T]]bool {
	held := 0
	for _, v := range order {
		if want[v] {
			held++
		}
	}
	hidden := held < len(want)
	leads := make(map[*Var[T]]bool, len(order)) // v is wanted or leads to one
	runs := make(map[*Var[T]]bool, len(order))
	for _, v := range order {
		if v.node != nil {
			if _, ok := v.node.impl.(*checkpointOp[T]); ok && hidden {
				runs[v] = true
			}
			for _, in := range v.node.inputs {
				if leads[in] {
					runs[v] = true
					break
				}
			}
		}
		if want[v] || runs[v] {
			leads[v] = true
		}
	}
	return runs
}

// recycle hands the buffers a node's derivative is done with (its gradient,
// when the pass made it, and its scratch tensors) to the pass's spares,
// unless a slot still holds them. A pass with an Arena leaves that to the
// arena.
func (p *pass[T]) recycle(s gradSlot[T]) {
	if p.arena == nil && s.owned && !p.lent {
		p.spare = append(p.spare, s.t)
	}
	if len(p.scratches) > 0 {
		// Only then: the appended-to slice's store is a write barrier
		// while the collector marks, even with nothing appended.
		if p.arena == nil {
			p.spare = append(p.spare, p.scratches...)
		}
		clear(p.scratches)
		p.scratches = p.scratches[:0]
	}
	p.cur, p.curOwned = 0, false
}

// newBuf returns a tensor of x's shape with arbitrary contents, for a
// gradient or a scratch: the arena's next one, or one the pass recycled, or
// a new one.
func (p *pass[T]) newBuf(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	if p.arena != nil {
		return p.arena.like(x)
	}
	p.demand += x.Len()
	for i := len(p.spare) - 1; i >= 0; i-- {
		if t := p.spare[i]; t.SameShapeAs(x) {
			last := len(p.spare) - 1
			if i != last { // storing the last in its own place would cost write barriers
				p.spare[i] = p.spare[last]
			}
			p.spare[last] = nil
			p.spare = p.spare[:last]
			return t
		}
	}
	return (*Arena[T])(nil).like(x)
}

// reuseGrad gives input j, as its gradient, the buffer of the gradient g
// the current node's derivative was called with, when the pass made that
// buffer, nothing else holds it, and input j has no gradient yet and is not
// a leaf: a pointwise derivative then writes in place instead of into a new
// buffer. It reports whether it did; the caller must then overwrite every
// element (reading each element of g before writing it).
func (c *Context[T]) reuseGrad(j int, g *tensor.Tensor[T]) (*tensor.Tensor[T], bool) {
	p, in := c.p, c.node().inputs[j]
	if p.create || idOf(g) != p.cur || !p.curOwned || p.lent || in.node == nil || !in.value.SameShapeAs(g) {
		return nil, false
	}
	if _, ok := p.slot(in); ok {
		return nil, false
	}
	p.lent = true
	p.setSlot(in, gradSlot[T]{t: g, owned: true})
	return g, true
}

// lend notes that a slot now holds t without owning it, so that recycle
// keeps it.
func (p *pass[T]) lend(t *tensor.Tensor[T]) {
	if idOf(t) == p.cur {
		if p.curOwned && !p.lent && p.arena == nil {
			p.lentOwn = append(p.lentOwn, t)
		}
		p.lent = true
	}
	for i, sc := range p.scratches {
		if sc == t {
			last := len(p.scratches) - 1
			p.scratches[i], p.scratches[last] = p.scratches[last], nil
			p.scratches = p.scratches[:last]
			if p.arena == nil {
				p.lentOwn = append(p.lentOwn, t)
			}
			return
		}
	}
}

// slot returns v's gradient so far, from v's node or the pass's map (see
// pass).
func (p *pass[T]) slot(v *Var[T]) (gradSlot[T], bool) {
	if p.owns(v) {
		return v.node.getSlot()
	}
	s, ok := p.grads[v]
	return s, ok
}

// setSlot stores v's gradient so far.
func (p *pass[T]) setSlot(v *Var[T], s gradSlot[T]) {
	if p.owns(v) {
		v.node.putSlot(s, true)
		return
	}
	if p.grads == nil {
		p.grads = make(map[*Var[T]]gradSlot[T])
	}
	p.grads[v] = s
}

// takeSlot returns v's gradient and removes it from the pass.
func (p *pass[T]) takeSlot(v *Var[T]) (gradSlot[T], bool) {
	if p.owns(v) {
		n := v.node
		s, ok := n.getSlot()
		n.putSlot(gradSlot[T]{}, false)
		return s, ok
	}
	s, ok := p.grads[v]
	delete(p.grads, v)
	return s, ok
}

// addVar accumulates a recorded gradient g into v's slot.
func (p *pass[T]) addVar(v, g *Var[T]) {
	if s, ok := p.slot(v); ok {
		g = Add(s.v, g)
	}
	p.setSlot(v, gradSlot[T]{v: g})
}

// add accumulates alpha·t, summed back to in's shape if the operation
// broadcast in, into in's gradient: straight into .Grad() for a leaf during
// Backward, else into in's slot. t is only read. Any shape that does not
// broadcast to in's is a bug in op's derivative for input j, and panics
// naming both.
func (p *pass[T]) add(op string, j int, in *Var[T], t *tensor.Tensor[T], alpha T) {
	same := in.value.SameShapeAs(t)
	if !same && !in.value.BroadcastsTo(t) {
		panic(shapeErr(op, fmt.Sprintf("gradient for input %d has the wrong shape (derivative bug)", j), t.Shape(), in.value.Shape()))
	}
	if !p.direct(in) {
		if !same {
			// Reduce first, then add, so that the sum has the bits of a
			// recorded pass (which adds SumTo's result).
			r := p.newBuf(in.value)
			tensor.SumToInto(r, t, alpha, 0)
			t, alpha = r, 1
			if p.arena == nil {
				p.scratches = append(p.scratches, r) // recycled with the node's, or when lent
			}
		}
		if _, ok := p.slot(in); !ok && alpha == 1 {
			p.lend(t)
			p.setSlot(in, gradSlot[T]{t: t}) // borrowed until a second gradient comes
			return
		}
	}
	dst, beta := p.buffer(in)
	tensor.SumToInto(dst, t, alpha, beta)
}

// finish releases the saved state of the nodes in order unless retain,
// except those another pass owns: a pass started inside a derivative (a
// Function's Backward calling Grad, a Checkpoint's recomputation) may walk
// into the graph of the pass that runs it, which still needs those nodes
// and releases them itself.
func (p *pass[T]) finish(order []*Var[T], retain bool) {
	if retain {
		return
	}
	id := p.id()
	for _, v := range order {
		if n := v.node; n != nil {
			if o := n.owner.Load(); o != 0 && o != id {
				continue
			}
			// A type switch on the concrete holders, not an assertion to
			// scratchHolder: since Go 1.22 an assertion to an interface
			// fills a per-site cache at random misses, an allocation that
			// would surface, rarely, in a warm Arena step.
			switch h := n.impl.(type) {
			case *conv2DOp[T]:
				h.releaseScratch()
			case *pointwiseSaved[T]:
				h.releaseScratch()
			case *poolOp[T]:
				h.releaseScratch()
			}
			if cap(n.inputs) > len(n.in) { // an array of its own: keep it for an Arena's reuse
				clear(n.inputs[:cap(n.inputs)])
				n.inputs = n.inputs[:0]
			} else {
				// n.inputs is n.in[:k]: clear only what is set, one
				// store each (while the collector marks, each is a write
				// barrier, and clear's bulk barrier costs more).
				switch len(n.inputs) {
				case 3:
					n.in[2] = nil
					fallthrough
				case 2:
					n.in[1] = nil
					fallthrough
				case 1:
					n.in[0] = nil
				}
				n.inputs = n.inputs[:0] // the length only: no pointer is stored
			}
			n.impl, n.released = nil, true
		}
	}
}

// fitGrad returns the gradient g of input in, summed back to in's shape when
// the operation broadcast it. Any other mismatch is a bug in the operation's
// derivative, and panics naming the operation and both shapes.
func fitGrad[T Float](op string, j int, g, in *Var[T]) *Var[T] {
	gs, is := g.value.Shape(), in.value.Shape()
	if tensor.SameShape(gs, is) {
		return g
	}
	if bs, ok := tensor.BroadcastShapes(is, gs); ok && tensor.SameShape(bs, gs) {
		return SumTo(g, is...)
	}
	panic(shapeErr(op, fmt.Sprintf("gradient for input %d has the wrong shape (derivative bug)", j), gs, is))
}
