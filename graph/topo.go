package graph

import "slices"

// CycleError is the panic value of TopoSort, Sorter and WriteDOT when the
// graph is not acyclic: a programmer error, since a computation graph
// cannot contain a cycle. Node is the node met again on its own path (of
// the sort's node type).
type CycleError struct {
	Node any
}

func (*CycleError) Error() string { return "graph: TopoSort: cycle detected" }

// visitState records how far the depth-first search has got with a node.
type visitState uint8

const (
	unvisited visitState = iota // not seen yet (the zero value of a map lookup)
	onStack                     // on the current DFS path; meeting it again means a cycle
	done                        // emitted to the output order
)

// TopoSort returns every node reachable from roots (following inputs), each
// exactly once, ordered so that every node comes after all of its inputs
// (inputs first, roots last). Reverse-mode autodiff iterates this slice
// backwards so that a node's gradient is complete before it is propagated to
// its inputs.
//
// It is iterative (explicit stack, no recursion), so a chain of millions of
// nodes works. Order is deterministic: roots in the order given, inputs in the
// order inputs returns them (depth-first post-order). A nil inputs result
// means a leaf. Duplicate roots/inputs are fine. inputs is called exactly once
// per reachable node, and the slices it returns are only read.
//
// TopoSort is meant for DAGs: if it meets a cycle (a node that is an input of
// itself, directly or indirectly) it panics with a *CycleError instead of
// looping forever.
//
// It returns nil when roots is empty.
func TopoSort[N comparable](roots []N, inputs func(N) []N) []N {
	var s Sorter[N]
	return s.Sort(roots, inputs)
}

// Sorter is TopoSort with memory: it keeps its bookkeeping (the visited set,
// the stack and the result slice) from one call to the next, so that sorting
// graphs of the same size again and again, as every step of a training loop
// does, allocates nothing once it has warmed up. The zero value is ready to
// use. A Sorter is not safe for concurrent use.
type Sorter[N comparable] struct {
	state map[N]visitState // visit states of nodes without a Mark beyond a sort's first fewMax (see unmarked)
	epoch uint64           // numbers the sorts, so that a Mark from an earlier one reads as unvisited
	order []N
	stack frameStack[N]
}

// fewMax is how many nodes without a Mark a sort tracks by scanning before
// it turns to its Sorter's map.
const fewMax = 16

// unmarked holds the visit states of one sort's nodes without a Mark: the
// first fewMax in arrays that live on the sort's own stack and are searched
// in order (a graph's leaves are mostly a handful of parameters and inputs,
// for which a scan is cheaper than hashing, and a store into the stack
// needs no write barrier while the collector marks), the others in the
// Sorter's map.
type unmarked[N comparable] struct {
	few  [fewMax]N
	st   [fewMax]visitState
	n    int
	more *map[N]visitState
}

// get returns the visit state of a node without a Mark.
func (u *unmarked[N]) get(n N) visitState {
	for i, f := range u.few[:u.n] {
		if f == n {
			return u.st[i]
		}
	}
	if u.n < fewMax {
		return unvisited
	}
	return (*u.more)[n]
}

// set records the visit state of a node without a Mark.
func (u *unmarked[N]) set(n N, st visitState) {
	for i, f := range u.few[:u.n] {
		if f == n {
			u.st[i] = st
			return
		}
	}
	if u.n < fewMax {
		u.few[u.n], u.st[u.n] = n, st
		u.n++
		return
	}
	if *u.more == nil {
		*u.more = make(map[N]visitState)
	}
	(*u.more)[n] = st
}

// Mark is storage for a Sorter's bookkeeping kept in a node itself, so
// that SortMarked can skip its map for that node. The zero value is an
// unvisited node. A Mark must be used by one Sorter only.
type Mark struct {
	// The number of the sort that last visited the node, shifted left by
	// markBits, and the node's visit state in the low bits: one word, so
	// that a node holding a Mark stays small.
	w uint64
}

// markBits is how many low bits of a Mark hold the visit state.
const markBits = 2

// Sort is TopoSort, with the same order, panics and result. The returned
// slice is owned by the Sorter and valid until its next Sort.
func (s *Sorter[N]) Sort(roots []N, inputs func(N) []N) []N {
	return s.SortMarked(roots, inputs, nil)
}

// SortMarked is Sort for graphs whose nodes may carry a Mark: mark returns
// a node's Mark, or nil for a node without one (those go through the
// Sorter's map). Marks save a map operation per visit, which is most of
// the cost of sorting a small graph; a node must not be reachable through
// two Sorters' marks at once. mark is called exactly once per root and
// once per edge (a node and one of its inputs, as often as inputs lists
// it), so that a caller may count in it how many edges reach a node.
func (s *Sorter[N]) SortMarked(roots []N, inputs func(N) []N, mark func(N) *Mark) []N {
	if len(roots) == 0 {
		return nil
	}
	zeroSmall(s.order) // drop references from the previous sort
	order := s.order[:0]
	defer func() {
		if s.order == nil && cap(order) > 0 {
			// A panic: clear what the search appended into the array.
			clear(order[:cap(order)])
			s.order = order[:0]
		}
	}()
	s.order = nil
	s.order = s.AppendSorted(order, roots, inputs, mark)
	return s.order
}

// AppendSorted is SortMarked with the order appended to dst, which it
// returns, rather than kept by the Sorter: with dst a buffer on the
// caller's stack, sorting a small graph stores no pointer into the heap
// (while the collector marks, each such store costs a write barrier, and
// so does clearing it for the next sort). Nothing of dst is kept. It
// returns dst when roots is empty.
func (s *Sorter[N]) AppendSorted(dst, roots []N, inputs func(N) []N, mark func(N) *Mark) []N {
	if len(roots) == 0 {
		return dst
	}
	s.epoch++
	epoch := s.epoch
	clear(s.state)
	u := unmarked[N]{more: &s.state}
	// A node's Mark is looked up once per edge that reaches it and kept
	// in its frame while it is on the stack (mark is an indirect call,
	// often with work of its own behind it); a node without a Mark goes
	// through the Sorter's own bookkeeping.
	markOf := func(n N) *Mark {
		if mark == nil {
			return nil
		}
		return mark(n)
	}
	get := func(n N, m *Mark) visitState {
		if m != nil {
			if m.w>>markBits != epoch {
				return unvisited
			}
			return visitState(m.w & (1<<markBits - 1))
		}
		return u.get(n)
	}
	set := func(n N, m *Mark, st visitState) {
		if m != nil {
			m.w = epoch<<markBits | uint64(st)
			return
		}
		u.set(n, st)
	}
	order := dst
	// The first localFrames frames of the search live in local, on the
	// goroutine's stack, where storing a pointer needs no write barrier:
	// while the collector marks, a heap stack pays one on every push, pop
	// and step through a node's inputs, which a training loop of small
	// graphs notices. Deeper frames go to the Sorter's chunked stack, which
	// is in use only while local is full.
	var local [localFrames]frame[N]
	depth := 0
	stack := &s.stack
	defer func() {
		for !stack.empty() { // only after a panic (a cycle, or inputs')
			stack.pop()
		}
	}()
	push := func(f frame[N]) {
		if depth < len(local) {
			local[depth] = f
			depth++
			return
		}
		stack.push(f)
	}

	for _, r := range roots {
		// The stack is empty between roots, so a root is either new or done.
		rm := markOf(r)
		if get(r, rm) != unvisited {
			continue
		}
		set(r, rm, onStack)
		push(frame[N]{node: r, ins: inputs(r), mark: rm})

		for depth > 0 {
			top := &local[depth-1]
			if !stack.empty() {
				top = stack.top()
			}
			if top.next < len(top.ins) {
				// An index, not a reslice: top may be in the heap, where
				// storing the slice's pointer costs a write barrier while
				// the collector marks.
				in := top.ins[top.next]
				top.next++
				m := markOf(in)
				switch get(in, m) {
				case unvisited:
					ins := inputs(in)
					if len(ins) == 0 {
						// A leaf is done as soon as it is seen: emit it
						// without a trip through the stack.
						set(in, m, done)
						order = appendDoubling(order, in)
						continue
					}
					set(in, m, onStack)
					push(frame[N]{node: in, ins: ins, mark: m})
				case onStack:
					panic(&CycleError{Node: in})
				}
				continue
			}
			// All inputs are done: emit the node (post-order) and pop it.
			set(top.node, top.mark, done)
			order = appendDoubling(order, top.node)
			if !stack.empty() {
				stack.pop()
			} else {
				depth--
			}
		}
	}
	return order
}

// Forget drops the Sorter's references to the nodes of its last sort (its
// result and its visit states; the stack holds none between sorts) and
// keeps its memory, so that a Sorter kept for reuse does not keep the last
// graph alive. The slice the last Sort returned reads as cleared after it.
func (s *Sorter[N]) Forget() {
	zeroSmall(s.order)
	s.order = s.order[:0]
	clear(s.state)
}

// zeroSmall sets every element of s to its zero value: a small slice one
// store at a time, since while the collector marks, clear's bulk write
// barrier costs more per call than a few stores' barriers; a large one
// with clear.
func zeroSmall[N any](s []N) {
	if len(s) > 64 {
		clear(s)
		return
	}
	var z N
	for i := 0; i < len(s); i++ { // not the range form, which compiles to clear
		s[i] = z
	}
}

// frame is one entry of the explicit DFS stack: a node, its inputs
// (fetched once) and how many of them it has descended into, and its Mark.
type frame[N comparable] struct {
	node N
	ins  []N
	next int   // ins[:next] are done
	mark *Mark // the node's Mark, nil when it has none
}

// chunkSize is the number of frames per frameStack chunk, firstChunk the
// capacity the first chunk starts with, and localFrames how many frames
// SortMarked keeps on the goroutine's stack before it uses a frameStack.
const (
	localFrames = 32
	chunkSize   = 1024
	firstChunk  = 16
)

// frameStack is the explicit DFS stack. It is stored as fixed-size chunks
// rather than one growing slice so that deep graphs (a chain of millions of
// nodes puts every node on the stack at once) never copy the stack and never
// need one huge allocation.
type frameStack[N comparable] struct {
	chunks [][]frame[N] // every chunk but the last is full; the last is non-empty
	spare  [][]frame[N] // emptied chunks, kept so that a stack as deep again reuses them
}

func (s *frameStack[N]) empty() bool { return len(s.chunks) == 0 }

// top returns the topmost frame; the pointer is valid until the next push or pop.
func (s *frameStack[N]) top() *frame[N] {
	c := s.chunks[len(s.chunks)-1]
	return &c[len(c)-1]
}

func (s *frameStack[N]) push(f frame[N]) {
	n := len(s.chunks)
	if n == 0 || len(s.chunks[n-1]) == chunkSize {
		var c []frame[N]
		if k := len(s.spare); k > 0 {
			c, s.spare = s.spare[k-1], s.spare[:k-1]
		} else {
			// The first chunk starts small (most graphs are shallow) and
			// grows by append up to chunkSize; later ones are full-size.
			c = make([]frame[N], 0, firstChunk)
			if n > 0 {
				c = make([]frame[N], 0, chunkSize)
			}
		}
		s.chunks = append(s.chunks, c)
		n++
	}
	s.chunks[n-1] = append(s.chunks[n-1], f)
}

func (s *frameStack[N]) pop() {
	n := len(s.chunks)
	c := s.chunks[n-1]
	c[len(c)-1] = frame[N]{} // drop references so the GC can reclaim them
	c = c[:len(c)-1]
	if len(c) > 0 {
		s.chunks[n-1] = c
		return
	}
	s.spare = append(s.spare, c)
	s.chunks[n-1] = nil
	s.chunks = s.chunks[:n-1]
}

// appendDoubling appends v to s, doubling the capacity when it is full. Plain
// append grows large slices by only ~1.25x, which makes very deep graphs spend
// much of their time copying the result.
func appendDoubling[T any](s []T, v T) []T {
	if len(s) == cap(s) {
		s = slices.Grow(s, max(len(s), 16))
	}
	return append(s, v)
}
