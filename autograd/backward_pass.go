package autograd

import (
	"sync"
	"unsafe"

	"github.com/adjoint-go/adjoint/graph"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds a backward pass's state: where gradients accumulate
// (gradSlot), the pass itself, taken from and returned to a pool or an
// Arena, and the count of the gradients each leaf receives.

// gradSlot is the gradient of one Var being accumulated during a pass: a
// Var when the pass is recorded (CreateGraph), else a tensor. owned means
// the pass made the tensor, so it may add into it in place; a borrowed one
// (another op's gradient, a seed) is copied before any write.
type gradSlot[T Float] struct {
	v     *Var[T]
	t     *tensor.Tensor[T]
	owned bool
}

// pass is the state of one reverse pass. An Arena keeps one for reuse, so
// that its map, sort buffers and Context are allocated once.
//
// Where a gradient lives during a pass follows one rule: in its node, when
// the pass has claimed the node (an atomic compare-and-swap on the node's
// owner, made when the sort first reaches it, undone by release unless the
// pass released the node's graph), and in
// the pass's map otherwise: for leaves, and for nodes another pass holds
// (a nested pass run by a custom op's backward, or a concurrent pass over a
// shared subgraph). The sort's visit marks follow the same rule.
type pass[T Float] struct {
	arena    *Arena[T]
	grads    map[*Var[T]]gradSlot[T] // made on first use
	uses     leafUses[T]             // Backward: how many gradients each leaf receives
	sorter   graph.Sorter[*Var[T]]
	children func(*Var[T]) []*Var[T]
	mark     func(*Var[T]) *graph.Mark
	claimed  []*node[T]            // the nodes this pass owns, released at the end
	others   map[*node[T]]struct{} // nodes another pass held when this one met them; made on first use

	// Without an Arena, buffers a node's derivative is done with are
	// reused by later nodes of the pass: spare holds them, scratches the
	// current node's scratch tensors, cur its gradient, and lent whether
	// a slot borrowed cur. cur is the gradient's identity (see idOf), only
	// ever compared, so that setting it for every node stores no pointer
	// (a write barrier while the collector marks); the walk holds the
	// tensor meanwhile.
	spare     []*tensor.Tensor[T]
	scratches []*tensor.Tensor[T]
	cur       uintptr
	curOwned  bool
	lent      bool
	lentOwn   []*tensor.Tensor[T] // buffers of the pass lent to a slot that does not own them

	seed *tensor.Tensor[T] // Backward's seed of ones without an Arena (see seedLike)

	// demand counts the elements newBuf handed out during the pass without
	// an Arena: the most spare buffers a pooled pass keeps (see release).
	demand int

	// Initial backing arrays of claimed, spare and scratches, so that a
	// small graph's pass makes them with the pass itself.
	claimedBuf [32]*node[T]
	spareBuf   [8]*tensor.Tensor[T]
	scratchBuf [4]*tensor.Tensor[T]

	ctx   Context[T]
	roots [1]*Var[T]
	big   []*Var[T] // the order of a graph too large for Backward's buffer (see sortInto)
	// bigSorting is set while a sort writes into big, so that release
	// clears the whole array after a sort that panicked.
	bigSorting bool
	create     bool // record the pass (CreateGraph): gradients are Vars
	// secondOrder names the transform (Hessian, HVP) of a recorded pass
	// that checks Functions' backwards (see checkSecondOrder), and want and
	// runs are its walk's: the Vars whose gradient it returns, and those
	// whose derivatives lead to one.
	secondOrder string
	want, runs  map[*Var[T]]bool
	accumulate  bool // Backward: add leaves' gradients into their .Grad()
	busy        bool
}

// plainPasses recycles the passes of Backward and Grad without an Arena,
// [0] for float32 and [1] for float64: their bookkeeping (maps, sort
// buffers, Context) and the gradient buffers the last pass was done with,
// so that a plain training loop does not allocate and clear its gradient
// buffers afresh every step. This is the package's only shared state and
// holds nothing a caller can reach: a pass takes a recycled pass
// exclusively (sync.Pool is safe for concurrent use), its spare buffers
// are intermediate gradients of a finished pass, which no Var, slot or
// .Grad() refers to, and any of them is overwritten before it is read. The
// pool lets go of them at garbage collections, as sync.Pool does.
var plainPasses [2]sync.Pool

// plainPool returns the pool of plain passes for T.
func plainPool[T Float]() *sync.Pool {
	var z T
	if unsafe.Sizeof(z) == 4 {
		return &plainPasses[0]
	}
	return &plainPasses[1]
}

// acquirePass returns a pass ready to run: the arena's, unless it is nil or
// already running (a custom op's backward may run another pass); without an
// arena, a recycled one when there is one.
func acquirePass[T Float](ar *Arena[T]) *pass[T] {
	if ar != nil && ar.pass != nil && !ar.pass.busy {
		p := ar.pass
		p.busy = true
		return p
	}
	if ar == nil {
		if x := plainPool[T]().Get(); x != nil {
			p := x.(*pass[T])
			p.busy = true
			return p
		}
	}
	p := &pass[T]{arena: ar}
	p.claimed, p.spare, p.scratches = p.claimedBuf[:0], p.spareBuf[:0], p.scratchBuf[:0]
	p.children = func(v *Var[T]) []*Var[T] {
		if v.node == nil {
			// An input the pass may read: a constant of an arena that has
			// been Reset since (another arena than the result's) must not
			// lend its new step's values to this pass's derivatives.
			v.checkLive("Backward")
			return nil
		}
		v.checkLive(v.node.op)
		return v.node.inputs
	}
	p.mark = func(v *Var[T]) *graph.Mark {
		if v.node == nil {
			// The sort looks a node's Mark up once per edge that reaches
			// it (and once per root): for Backward, this counts the
			// gradients each leaf that requires one receives, which
			// walk would otherwise count in a loop of its own.
			if p.accumulate && v.requiresGrad {
				p.uses.add(v)
			}
			return nil
		}
		if v.node.released {
			// Before claim and before the sort sets a Mark: a released
			// node keeps the owner of the pass that released it (see id),
			// which a later pass at the same address would take for its
			// own claim and leave the node's Mark set.
			panic(&UsageError{Op: v.node.op, Err: ErrGraphReleased})
		}
		if p.claim(v) {
			return &v.node.mark
		}
		return nil
	}
	p.busy = true
	if ar != nil && ar.pass == nil {
		ar.pass = p
	}
	return p
}

// seedLike returns a tensor of ones of x's shape (one element), for
// Backward's seed: the arena's, or one the pass keeps from one use to the
// next. The engine only reads the seed: its slot borrows it, and a
// borrowed gradient is copied before anything adds to it.
func (p *pass[T]) seedLike(x *tensor.Tensor[T]) *tensor.Tensor[T] {
	t := p.seed
	if p.arena != nil || t == nil || !t.SameShapeAs(x) {
		t = p.arena.like(x)
		if p.arena == nil {
			p.seed = t
		}
	}
	t.Fill(1) // also when kept: a custom op's backward may have written to it
	return t
}

// claim makes the pass the owner of v's node if nobody owns it, and reports
// whether the pass owns it. The answer for a node is the same for the
// whole pass: a node another pass held when this one first met it stays
// in this pass's maps even if the other pass lets it go meanwhile (else
// the sort, finding it unmarked in the node, visited it twice, and its
// gradient arrived in two parts: the sum of the two derivatives differed
// in the last bits from the derivative of the sum).
func (p *pass[T]) claim(v *Var[T]) bool {
	n := v.node
	if n == nil {
		return false
	}
	id := p.id()
	switch o := n.owner.Load(); o {
	case id:
		return true
	case 0:
		if !p.met(n) && n.owner.CompareAndSwap(0, id) {
			p.claimed = append(p.claimed, n)
			return true
		}
	}
	if p.others == nil {
		p.others = make(map[*node[T]]struct{})
	}
	p.others[n] = struct{}{}
	return false
}

// met reports whether the pass met n while another pass held it, without
// a map lookup when it has met none (the common case, which Backward's
// time on a small graph shows).
func (p *pass[T]) met(n *node[T]) bool {
	if len(p.others) == 0 {
		return false
	}
	_, ok := p.others[n]
	return ok
}

// owns reports whether v's gradient and mark live in v's node.
func (p *pass[T]) owns(v *Var[T]) bool { return v.node != nil && v.node.owner.Load() == p.id() }

// id identifies the pass in a node's owner field: its address. Two passes
// that own nodes at the same time are both live, so their addresses
// differ, and a pass hands back every node it claimed (release) before it
// can be freed or reused, so no node names a pass that is gone, but for
// a node the pass released (finish): that one keeps its owner, since any
// pass that meets it again, whichever its id, panics with
// ErrGraphReleased as soon as its sort looks the node's Mark up, before
// it claims the node or sets the Mark (which release cleared).
func (p *pass[T]) id() uintptr { return uintptr(unsafe.Pointer(p)) }

// idOf returns t's identity: its address, which no other tensor has while
// t is alive (0 for nil).
func idOf[T Float](t *tensor.Tensor[T]) uintptr { return uintptr(unsafe.Pointer(t)) }

// release makes the pass reusable, dropping every reference it holds and
// handing back the nodes it claimed (also after a panic).
func (p *pass[T]) release() {
	for i, n := range p.claimed {
		n.putSlot(gradSlot[T]{}, false)
		n.mark = graph.Mark{}
		if !n.released {
			// A released node keeps its owner (see id): the atomic
			// store costs as much as the claim did, once per node.
			n.owner.Store(0)
		}
		p.claimed[i] = nil
	}
	p.claimed = p.claimed[:0]
	clear(p.others)
	clear(p.grads)
	p.uses.reset()
	// Here and below, a pointer (or slice, or string) is stored only when
	// it changes: while the collector marks, every such store is a write
	// barrier, which a plain training loop of small graphs notices.
	if len(p.scratches) > 0 {
		clear(p.scratches)
		p.scratches = p.scratches[:0]
	}
	p.cur = 0
	p.ctx.out, p.ctx.create = nil, false // p.ctx.p is the pass itself
	if p.roots[0] != nil {
		p.roots[0] = nil
	}
	if p.big != nil {
		if p.bigSorting {
			// A sort that panicked wrote an unknown prefix of the array.
			clear(p.big[:cap(p.big)])
			p.bigSorting = false
		} else {
			clear(p.big) // only the order of this pass, however large an earlier one was
		}
		p.big = p.big[:0]
	}
	p.create, p.accumulate, p.busy = false, false, false
	if p.secondOrder != "" {
		p.secondOrder = ""
	}
	if p.arena != nil {
		clear(p.spare)
		p.spare = p.spare[:0]
		return
	}
	if len(p.lentOwn) > 0 {
		p.spare = append(p.spare, p.lentOwn...) // no slot holds them any more
		clear(p.lentOwn)
		p.lentOwn = p.lentOwn[:0]
	}
	p.keepSpares()
	p.sorter.Forget() // drops the sorted graph's Vars
	plainPool[T]().Put(p)
}

// keepSpares trims the spare buffers of a pass without an Arena to those
// it recycled last, up to as many elements as the pass asked newBuf for:
// what the next pass over a graph of the same shapes needs, and never more
// than one pass's gradient buffers.
func (p *pass[T]) keepSpares() {
	budget, keep := p.demand, len(p.spare)
	for keep > 0 && p.spare[keep-1].Len() <= budget {
		keep--
		budget -= p.spare[keep].Len()
	}
	if keep > 0 { // else all are kept: copying them onto themselves would cost write barriers
		n := copy(p.spare, p.spare[keep:])
		clear(p.spare[n:])
		p.spare = p.spare[:n]
	}
	p.demand = 0
}

// leafUses counts the gradients each leaf receives in a pass. A graph's
// leaves are mostly a handful of parameters, which a scan finds faster
// than a map: the first leafScan leaves are kept in order, by identity
// (their addresses: the graph holds the leaves while the pass counts, and
// reset forgets them, so that counting and resetting store no pointer, a
// write barrier each while the collector marks), the others in a map.
type leafUses[T Float] struct {
	few  []uintptr
	n    []int32
	more map[*Var[T]]int
}

// leafScan is how many leaves leafUses keeps for scanning.
const leafScan = 16

// add counts one more gradient for v.
func (u *leafUses[T]) add(v *Var[T]) {
	id := uintptr(unsafe.Pointer(v))
	for i, f := range u.few {
		if f == id {
			u.n[i]++
			return
		}
	}
	if len(u.few) < leafScan {
		u.few = append(u.few, id)
		u.n = append(u.n, 1)
		return
	}
	if u.more == nil {
		u.more = make(map[*Var[T]]int)
	}
	u.more[v]++
}

// count returns how many gradients v receives.
func (u *leafUses[T]) count(v *Var[T]) int {
	id := uintptr(unsafe.Pointer(v))
	for i, f := range u.few {
		if f == id {
			return int(u.n[i])
		}
	}
	return u.more[v]
}

// reset forgets every count, and the leaves with them.
func (u *leafUses[T]) reset() {
	u.few, u.n = u.few[:0], u.n[:0]
	if len(u.more) > 0 {
		clear(u.more)
	}
}
