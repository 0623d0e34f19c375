package autograd

import (
	"errors"

	"github.com/adjoint-go/adjoint/tensor"
)

// ErrArenaReset is wrapped by the panic of anything that uses a Var made
// under an Arena before that Arena's latest Reset: its memory now belongs to
// a newer step.
var ErrArenaReset = errors.New("Var was made under an Arena before its latest Reset")

// Arena is the memory of a training step, reused by the next one. A training
// loop on fixed shapes does the same operations in the same order every step;
// an Arena remembers the tensors, graph nodes and backward-pass bookkeeping of
// one step and hands them out again, in order, after Reset, so that a
// steady-state step (forward, Backward, optimizer update) allocates almost
// nothing and the garbage collector has nothing to do.
//
// Put a batch into the arena with Const; every operation with an arena input
// takes its result from that arena (from the first input's of a step, when
// inputs come from several arenas: a Param of an arena belongs to no
// step), and so does the Backward pass of a loss made that way.
// Parameters, their gradients and optimizer state live outside any arena,
// as always; an operation on parameters alone takes its result from the
// arena when one of them goes through Use.
//
//	ar := autograd.NewArena[float32]()
//	for step := range steps {
//		ar.Reset() // everything made under ar before this line is recycled
//		loss := autograd.CrossEntropy(model.Forward(ar.Const(x)), labels)
//		loss.Backward()
//		opt.Step()
//		opt.ZeroGrad()
//	}
//
// Reset recycles every Var made under the arena since the previous Reset:
// copy out what you want to keep (Item returns a plain number) before it.
// Using a Var of the previous step (in an operation, Backward, Value, Item
// or Op) panics with an error wrapping ErrArenaReset rather than reading
// the new step's data; see Reset for Vars kept longer.
//
// An Arena belongs to one goroutine at a time; give each concurrent training
// loop its own, and its own parameters (two backward passes must not add
// into one .Grad() at once). Arenas share nothing with each other. (Without an Arena, a
// finished plain pass hands its internal buffers to a sync.Pool that the next
// plain pass draws from; those buffers are never visible to a caller.)
type Arena[T Float] struct {
	gen     uint64
	vars    [2][]Var[T]                       // Vars, for steps of even and odd generation in turn
	nvars   int                               // how many of this step's block are handed out
	stepN   int                               // Vars in the blocks this step filled and replaced
	mostN   int                               // the most Vars a step has handed out
	nodes   []*node[T]                        // graph nodes, reused step after step
	nn      int                               // how many of nodes are handed out
	vals    []shapeSlot[T, *tensor.Tensor[T]] // the step's tensors, in the order handed out
	nv      int
	intBufs [][]int
	ni      int
	states  [numStateSlots]resetter // pools of op states (see newState)
	pass    *pass[T]
	noGrad  bool // NewInferenceArena: operations record nothing
}

// NewArena returns an empty Arena. It grows during the first step and at
// the start of the second (the steps take their Vars from two blocks in
// turn: see Reset); from the third on, a step of the same shapes allocates
// nothing. Each position of the arena's sequence of tensors keeps its
// memory and a header for each of the last four shapes it has met (a
// smaller shape that needs at least half of that memory views a prefix of
// it), so that a loop whose batches alternate between a few shapes (a
// partial last batch per epoch) stops allocating too once it has met each.
func NewArena[T Float]() *Arena[T] { return &Arena[T]{gen: 1} }

// NewInferenceArena returns an Arena for evaluating a model: operations with
// an input from it record no graph, even when other inputs (the model's
// parameters) require a gradient, as under PyTorch's torch.no_grad(). Their
// results are constants, taken from the arena like any arena's, so that a
// loop of evaluations allocates nothing once warm:
//
//	ar := autograd.NewInferenceArena[float32]()
//	for _, x := range batches {
//		ar.Reset()
//		logits := model.Forward(ar.Const(x)) // valid until the next Reset
//		...
//	}
//
// The parameters stay trainable: the same model runs training forward and
// backward passes under another Arena (or none) meanwhile, or trains
// afterwards, and nothing global changes; an optimizer step, which writes
// the weights being read, must not run meanwhile. (A layer's training mode
// belongs to the model, not to the arena: see package layers.) An
// operation none of whose inputs comes from the arena (a function of the
// parameters alone) records as usual. Backward on a result panics with a
// *UsageError, as for any constant.
func NewInferenceArena[T Float]() *Arena[T] { return &Arena[T]{gen: 1, noGrad: true} }

// Inference reports whether a was made by NewInferenceArena.
func (a *Arena[T]) Inference() bool { return a.noGrad }

// Reset starts a new step: every Var, tensor and gradient buffer the arena
// handed out since the previous Reset may be reused from now on.
//
// Tensors and graph nodes are reused by the next step. The Vars, which is
// what a caller holds, alternate between two blocks: the Vars of the step
// before a Reset are reused only after the following one, so using one of
// them during the next step always panics with ErrArenaReset. A Var kept
// for longer may by then have become a Var of a later step; using it is a
// bug that the arena cannot always detect, as with any recycled memory.
func (a *Arena[T]) Reset() {
	a.gen++
	a.mostN, a.stepN = max(a.mostN, a.stepN+a.nvars), 0
	a.nvars, a.nn, a.nv, a.ni = 0, 0, 0, 0
	for i := range a.vars {
		// Blocks for as many Vars as the largest step took, so that a step
		// of fixed shape stops allocating from the third on, rather than
		// doubling its way there one step of each parity at a time. The
		// previous step's Vars stay where they are, in the block replaced.
		if len(a.vars[i]) < a.mostN {
			a.vars[i] = make([]Var[T], a.mostN)
		}
	}
	for _, s := range a.states {
		if s != nil {
			s.reset()
		}
	}
}

// Const returns a constant leaf holding t (typically a batch of inputs or
// targets) whose operations take their results from the arena. t itself is
// not copied and stays the caller's. It panics with a *UsageError when t is
// nil.
func (a *Arena[T]) Const(t *tensor.Tensor[T]) *Var[T] {
	if t == nil {
		panic(usage("Arena.Const", "nil tensor"))
	}
	v := a.newVar()
	v.renew(Var[T]{value: t, arena: a, gen: a.gen})
	return v
}

// Param returns a leaf that requires a gradient, like the package's Param,
// whose operations take their results from the arena even when no other
// input comes from it: for a step that starts from trainable tensors rather
// than from a batch (a function of the parameters alone, a learned input).
// Unlike the arena's other Vars it belongs to no step: it stays valid across
// Reset, and Backward accumulates its gradient into its own Grad, outside
// the arena, as for any parameter. It panics with a *UsageError when t is
// nil. An operation with an input of a step
// (Const, Use, a result, of this arena or another) takes its result from
// that step's arena instead, whatever the order of the inputs: the result
// of a training arena's Param times an inference arena's batch is the
// inference arena's, valid until its next Reset, and records nothing.
func (a *Arena[T]) Param(t *tensor.Tensor[T]) *Var[T] {
	return newParam("Arena.Param", t, a)
}

// Use returns p as a Var of the arena for the current step: the same value
// (a view, not a copy) whose gradient flows to p, the identity. An
// operation takes its result from an arena only when an input comes from
// one, so an operation on parameters alone (a Split of a weight into its
// query, key and value parts, a Transpose, a weight's norm) allocates even
// in a warm step; on Use(p) it takes its result from the arena like the
// rest of the step. Under an inference Arena the result records nothing.
//
// A Var of this arena (a step's, or one of its Params) and a Var of
// another arena's step are returned as they are: operations on them take
// their results from their arena already. A Param of another arena is
// treated as a parameter made without one: Use returns a Var of this
// arena's step, which under an inference Arena records nothing (a model
// whose weights are a training arena's Params, evaluated under an inference
// arena, then records no graph, even through an operation on weights
// alone). Use panics with a *UsageError for a nil Var.
//
//	d/dp = g
func (a *Arena[T]) Use(p *Var[T]) *Var[T] {
	const op = "Arena.Use"
	switch {
	case p == nil:
		panic(usage(op, "nil Var"))
	case p.arena == a, p.arena != nil && p.gen != 0:
		return p
	}
	st := newState[reshapeOp[T]](a)
	pv := p.value
	var shape []int
	if pv.Dims() <= len(st.dims) {
		shape = st.dims[:pv.Dims()]
		for i := range shape {
			shape[i] = pv.Dim(i)
		}
	} else {
		shape = pv.Shape()
	}
	tensor.ViewInto(&st.out, pv, shape...)
	return recordOpOn(a, nil, op, &st.out, st, p)
}

// step returns x as a Var of a's step when x is a Param of another arena
// (a.Use(x)), else x as it is. A composite operation that applies
// operations to one of its inputs alone passes each input through the
// step of its result's arena (arenaOf), so that those operations take their
// results from that arena, and record nothing under an inference Arena,
// rather than fill the other arena of a Param until its next Reset.
func (a *Arena[T]) step(x *Var[T]) *Var[T] {
	if a == nil || x.arena == nil || x.arena == a || x.gen != 0 {
		return x
	}
	return a.Use(x)
}

// Arena returns the Arena v was made under (Arena.Const, Arena.Param, Use,
// an operation with an input from it, or Detach of such a Var), or nil when
// none.
func (v *Var[T]) Arena() *Arena[T] { return v.arena }

// newVar returns the arena's next Var to fill in. A block that runs out is
// replaced by one twice as large (the Vars already handed out stay where
// they are); Reset then sizes the next step's block for the largest step.
func (a *Arena[T]) newVar() *Var[T] {
	blk := &a.vars[a.gen&1]
	if a.nvars == len(*blk) {
		a.stepN += a.nvars
		*blk, a.nvars = make([]Var[T], max(2*len(*blk), 16)), 0
	}
	v := &(*blk)[a.nvars]
	a.nvars++
	return v
}

// varNode returns a Var and a node to fill in: the arena's next ones, or new
// ones (allocated together) when a is nil. The node is only reached through
// the Var, which checks its generation first.
func (a *Arena[T]) varNode() (*Var[T], *node[T]) {
	if a == nil {
		vn := new(varNode[T])
		return &vn.v, &vn.n
	}
	if a.nn == len(a.nodes) {
		a.nodes = append(a.nodes, new(node[T]))
	}
	n := a.nodes[a.nn]
	a.nn++
	return a.newVar(), n
}

// ints returns a copy of xs in the arena's memory (or a fresh one without an
// arena), for operations that keep integers such as class labels. The copy
// of an empty xs is empty but not nil.
func (a *Arena[T]) ints(xs []int) []int {
	if a == nil {
		return append(make([]int, 0, len(xs)), xs...)
	}
	if a.ni == len(a.intBufs) {
		a.intBufs = append(a.intBufs, nil)
	}
	s := append(a.intBufs[a.ni][:0], xs...)
	if s == nil {
		s = []int{} // never nil: to tensor.IndexMoveInto, nil means every element
	}
	a.intBufs[a.ni] = s
	a.ni++
	return s
}

// intsN returns n ints with arbitrary contents, for an operation to fill:
// the arena's next buffer (grown when it is too short), or a new slice when
// a is nil.
func (a *Arena[T]) intsN(n int) []int {
	if a == nil {
		return make([]int, n)
	}
	if a.ni == len(a.intBufs) {
		a.intBufs = append(a.intBufs, nil)
	}
	b := a.intBufs[a.ni]
	if b == nil || cap(b) < n { // never nil, as in ints
		b = make([]int, n)
	}
	b = b[:n]
	a.intBufs[a.ni] = b
	a.ni++
	return b
}

// tensor returns a tensor of the given shape whose contents are arbitrary
// (the caller overwrites every element): the arena's next slot's, when its
// memory holds that many elements (see shapeSlot), else a new one. A nil
// arena always allocates.
func (a *Arena[T]) tensor(shape ...int) *tensor.Tensor[T] {
	if a == nil {
		return tensor.Zeros[T](shape...) // Zeros copies shape
	}
	if a.nv == len(a.vals) {
		a.vals = append(a.vals, shapeSlot[T, *tensor.Tensor[T]]{})
	}
	s := &a.vals[a.nv]
	a.nv++
	if t := s.cur; t != nil && t.HasShape(shape...) {
		return t // the common case: the shape of the slot's previous step
	}
	for _, t := range s.views {
		if t != nil && t.HasShape(shape...) {
			s.cur = t
			return t
		}
	}
	if d, ok := s.prefix(shape); ok {
		return s.keep(tensor.MustNew(d, shape...), nil)
	}
	t := tensor.Zeros[T](shape...)
	return s.keep(t, t.Data())
}

// slotShapes is the number of shapes a shapeSlot keeps a header for: a
// loop whose batches alternate between a few shapes (a partial last batch
// per epoch) allocates nothing once each has been met.
const slotShapes = 4

// shapeSlot is one position of an Arena's sequence of tensors (or of
// masks: P is the header, E its element). Its memory, buf, is the data of
// the last one it had to make anew; a smaller shape that needs at least
// half of it reuses a prefix, through a header of its own, kept for the
// next step of that shape. A
// step hands a slot out once, so that no two of its headers are in use at
// once. (Its user looks for a header of the shape it wants in views
// itself: HasShape called through P would make the shape escape.)
type shapeSlot[E any, P comparable] struct {
	cur   P             // the header handed out last
	buf   []E           // the slot's memory
	views [slotShapes]P // headers over buf, by shape
	next  int           // the entry of views the next new shape replaces
}

// prefix returns the first elements of the slot's memory, as many as the
// shape has, or false when the memory is too small (or the shape invalid,
// which the new header's constructor then reports), or more than twice as
// large: a slot that held one large tensor (a step of another layout, a
// one-off batch) then gets memory of the new size, and lets the large one
// go, rather than pin it for the arena's life.
func (s *shapeSlot[E, P]) prefix(shape []int) ([]E, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 || d > 0 && n > len(s.buf)/d {
			return nil, false
		}
		n *= d
	}
	if n > len(s.buf) || s.buf == nil || 2*n < len(s.buf) {
		return nil, false
	}
	return s.buf[:n:n], true
}

// keep records h as the slot's header for its shape, made over a prefix
// of the slot's memory (buf nil) or over new memory buf, which replaces
// the slot's, and returns it.
func (s *shapeSlot[E, P]) keep(h P, buf []E) P {
	if buf != nil {
		s.buf, s.views, s.next = buf, [slotShapes]P{}, 0
	}
	s.views[s.next] = h
	s.next = (s.next + 1) % slotShapes
	s.cur = h
	return h
}

// like returns a tensor of x's shape with arbitrary contents.
func (a *Arena[T]) like(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	switch x.Dims() {
	case 0:
		return a.tensor()
	case 1:
		return a.tensor(x.Dim(0))
	case 2:
		return a.tensor(x.Dim(0), x.Dim(1))
	}
	// Shape would copy; the dimensions go through a stack buffer instead.
	var buf [8]int
	s := buf[:0]
	for i := range x.Dims() {
		s = append(s, x.Dim(i))
	}
	return a.tensor(s...)
}

// arenaOf returns the arena an operation on inputs takes its result from
// (recordOpOn makes the same choice): that of the first input of a step
// (Arena.Const, Use, a result, or Detach of one), else that of the first
// Param of an arena, else nil. A Param of an arena belongs to no step: a
// result taken from its arena would live until that arena's next Reset,
// whatever the step of the other inputs (an inference Arena's batch times
// a training Arena's Param would fill the training arena, step after step,
// until it is Reset). When an input is Stale it returns nil: the operation
// then computes into memory of its own, which no stale input shares (an
// arena's slot may hand out its memory again with another shape), before
// recordOpOn panics with ErrArenaReset naming it.
func arenaOf[T Float](inputs ...*Var[T]) *Arena[T] {
	var step, param *Arena[T]
	for _, in := range inputs {
		switch {
		case in == nil: // the operation panics naming it (checkOperands)
		case in.arena == nil:
		case in.Stale():
			return nil
		case in.gen != 0:
			if step == nil {
				step = in.arena
			}
		case param == nil:
			param = in.arena
		}
	}
	if step != nil {
		return step
	}
	return param
}

// Stale reports whether v was made under an Arena that has been Reset
// since, so that using it (Value, an operation, Backward) would panic with
// an error wrapping ErrArenaReset. Code that keeps Vars across steps (a
// cache of keys and values, say) can ask first and say what went wrong in
// its own terms. A parameter of an Arena (Arena.Param, or Arena.Use of
// one by its own arena) is never stale, nor is a Var made without an
// Arena; Arena.Use of a parameter made without one, or of another arena's,
// gives a Var of the step, stale after Reset.
func (v *Var[T]) Stale() bool { return v.arena != nil && v.gen != 0 && v.gen != v.arena.gen }

// checkLive panics when v is Stale, or nil (a method op called on a nil
// *Var: Value, Backward...).
func (v *Var[T]) checkLive(op string) {
	if v == nil {
		panic(&UsageError{Op: op, Reason: nilReceiverReason})
	}
	if v.Stale() {
		panic(&UsageError{Op: op, Err: ErrArenaReset})
	}
}
