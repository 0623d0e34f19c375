package graph

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// intGraph is a test graph on the nodes 0..len-1: node i's inputs.
type intGraph [][]int

func (g intGraph) inputs(n int) []int { return g[n] }

// refTopo is an independent, recursive reference for the order TopoSort
// documents: depth-first post-order, roots in the order given, inputs in
// the order inputs returns them. Only for small acyclic graphs.
func refTopo[N comparable](roots []N, inputs func(N) []N) []N {
	var order []N
	seen := map[N]bool{}
	var visit func(N)
	visit = func(n N) {
		if seen[n] {
			return
		}
		seen[n] = true
		for _, in := range inputs(n) {
			visit(in)
		}
		order = append(order, n)
	}
	for _, r := range roots {
		visit(r)
	}
	return order
}

// randomDAG returns a graph of n nodes in which every node's inputs (up to
// four, repetitions allowed) have smaller numbers, and up to three roots
// (repetitions allowed).
func randomDAG(r *rand.Rand, n int) (intGraph, []int) {
	g := make(intGraph, n)
	for i := 1; i < n; i++ {
		for range r.IntN(5) {
			g[i] = append(g[i], r.IntN(i))
		}
	}
	roots := make([]int, 1+r.IntN(3))
	for i := range roots {
		roots[i] = n - 1 - r.IntN(min(n, 4))
	}
	return g, roots
}

// chainGraph is 0 <- 1 <- ... <- n-1.
func chainGraph(n int) intGraph {
	g := make(intGraph, n)
	for i := 1; i < n; i++ {
		g[i] = []int{i - 1}
	}
	return g
}

// sorterCase is a graph to sort and its roots.
type sorterCase struct {
	name  string
	g     intGraph
	roots []int
}

func sorterCases() []sorterCase {
	r := rand.New(rand.NewPCG(1, 2))
	cases := []sorterCase{
		{"diamond", intGraph{nil, {0}, {0}, {1, 2}}, []int{3}},
		{"diamond, two roots", intGraph{nil, {0}, {0}, {2, 1}}, []int{1, 3}},
		{"duplicate inputs", intGraph{nil, {0, 0}, {1, 0, 1}}, []int{2, 2}},
		{"single leaf", intGraph{nil}, []int{0}},
		{"chain across stack chunks", chainGraph(3*chunkSize + 7), []int{3*chunkSize + 6}},
		{"disconnected", intGraph{nil, {0}, nil, {2}}, []int{1, 3}},
	}
	for i, n := range []int{2, 5, 17, 60, 200, 1000} {
		g, roots := randomDAG(r, n)
		cases = append(cases, sorterCase{fmt.Sprintf("random %d (%d)", n, i), g, roots})
	}
	return cases
}

// TestSorterMatchesTopoSort sorts graphs of many sizes, in an order that
// grows and shrinks, with one Sorter: every result is TopoSort's, which is
// the reference order, whatever the Sorter sorted before.
func TestSorterMatchesTopoSort(t *testing.T) {
	cases := sorterCases()
	var s Sorter[int]
	// Forwards, backwards, and forwards again, so that every graph is sorted
	// after a larger and after a smaller one.
	seq := append(append(slices.Clone(cases), reversed(cases)...), cases...)
	for i, c := range seq {
		want := TopoSort(c.roots, c.g.inputs)
		if c.g != nil && len(c.g) < 2000 {
			if ref := refTopo(c.roots, c.g.inputs); !slices.Equal(want, ref) {
				t.Fatalf("%s: TopoSort = %v, reference DFS = %v", c.name, want, ref)
			}
		}
		calls := 0
		got := s.Sort(c.roots, func(n int) []int { calls++; return c.g.inputs(n) })
		if !slices.Equal(got, want) {
			t.Errorf("sort %d (%s): Sorter.Sort = %v, want %v", i, c.name, got, want)
		}
		assertTopological(t, c.roots, c.g.inputs, got)
		if calls != len(want) {
			t.Errorf("sort %d (%s): inputs called %d times for %d nodes", i, c.name, calls, len(want))
		}
	}
	if got := s.Sort(nil, intGraph{}.inputs); got != nil {
		t.Errorf("Sort(nil) = %v, want nil", got)
	}
	// Still fine after the empty sort.
	c := cases[0]
	if got, want := s.Sort(c.roots, c.g.inputs), []int{0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("Sort after Sort(nil) = %v, want %v", got, want)
	}
}

func reversed[E any](s []E) []E {
	r := slices.Clone(s)
	slices.Reverse(r)
	return r
}

// TestSorterPointers sorts pointer graphs, as autograd does, with one
// Sorter: a node of an earlier graph that reappears is not taken as done.
func TestSorterPointers(t *testing.T) {
	x := &ptrNode{name: "x"}
	w := &ptrNode{name: "w"}
	mul := &ptrNode{name: "mul", ins: []*ptrNode{x, w}}
	loss := &ptrNode{name: "loss", ins: []*ptrNode{mul, x}}
	other := &ptrNode{name: "other", ins: []*ptrNode{w, mul}}
	inputs := func(n *ptrNode) []*ptrNode { return n.ins }
	names := func(ns []*ptrNode) []string {
		out := make([]string, len(ns))
		for i, n := range ns {
			out[i] = n.name
		}
		return out
	}
	var s Sorter[*ptrNode]
	for i, tc := range []struct {
		roots []*ptrNode
		want  []string
	}{
		{[]*ptrNode{loss}, []string{"x", "w", "mul", "loss"}},
		{[]*ptrNode{other}, []string{"w", "x", "mul", "other"}},
		{[]*ptrNode{mul, loss}, []string{"x", "w", "mul", "loss"}},
		{[]*ptrNode{w}, []string{"w"}},
		{[]*ptrNode{other, loss}, []string{"w", "x", "mul", "other", "loss"}},
	} {
		if got := names(s.Sort(tc.roots, inputs)); !slices.Equal(got, tc.want) {
			t.Errorf("sort %d: order %v, want %v", i, got, tc.want)
		}
	}
}

// TestSorterAllocations checks that a warmed-up Sorter allocates nothing,
// sorting one graph again and again or alternating between graphs of
// different sizes (after the largest), as its documentation promises.
func TestSorterAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	big, bigRoots := randomDAG(r, 3000)
	small, smallRoots := randomDAG(r, 40)
	wide := make(intGraph, 5001)
	for i := 1; i < len(wide); i++ {
		wide[0] = append(wide[0], i) // one node with 5000 leaf inputs
	}
	// deepBug explains the failures of the deep cases.
	const deepBug = "BUG: frameStack.pop keeps one emptied chunk as spare and drops the others, " +
		"so every Sort whose depth-first stack outgrows one chunk (chunkSize frames) reallocates ⌈depth/chunkSize⌉-1 chunks"
	for _, tc := range []struct {
		name   string
		graphs []sorterCase
		bug    string
	}{
		{"one graph", []sorterCase{{"big", big, bigRoots}}, ""},
		{"three sizes", []sorterCase{{"big", big, bigRoots}, {"small", small, smallRoots}, {"wide", wide, []int{0}}}, ""},
		{"chain of one stack chunk", []sorterCase{{"chain", chainGraph(chunkSize), []int{chunkSize - 1}}}, ""},
		// A DFS deeper than one chunk of the explicit stack (a long
		// chain of operations, such as an unrolled sequence model).
		{"chain of two stack chunks", []sorterCase{{"chain", chainGraph(chunkSize + 1), []int{chunkSize}}}, deepBug},
		{"chain of ten stack chunks", []sorterCase{{"chain", chainGraph(10 * chunkSize), []int{10*chunkSize - 1}}}, deepBug},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Sorter[int]
			ins := make([]func(int) []int, len(tc.graphs))
			want := make([][]int, len(tc.graphs))
			for i, c := range tc.graphs {
				ins[i] = c.g.inputs
				want[i] = TopoSort(c.roots, ins[i])
				s.Sort(c.roots, ins[i]) // warm up
			}
			lens := make([]int, len(tc.graphs))
			allocs := testing.AllocsPerRun(20, func() {
				for i, c := range tc.graphs {
					lens[i] = len(s.Sort(c.roots, ins[i]))
				}
			})
			// Measured: 0 (Go 1.26, amd64, with and without -race) up to
			// a depth of one chunk; ⌈depth/chunkSize⌉-1 beyond.
			if allocs != 0 {
				t.Errorf("a warmed-up Sorter makes %v allocations per round of %d sorts, want 0 %s", allocs, len(tc.graphs), tc.bug)
			}
			for i, c := range tc.graphs {
				if lens[i] != len(want[i]) {
					t.Errorf("%s: sorted %d nodes, want %d", c.name, lens[i], len(want[i]))
				}
				if got := s.Sort(c.roots, ins[i]); !slices.Equal(got, want[i]) {
					t.Errorf("%s: after reuse, Sort differs from TopoSort", c.name)
				}
			}
		})
	}
}

// TestSorterAfterCycle panics a Sorter with a cycle (also one met deep in
// a graph, with more than one stack chunk in use) and then sorts acyclic
// graphs with it: the results are TopoSort's.
func TestSorterAfterCycle(t *testing.T) {
	deep := chainGraph(chunkSize + 500)
	deep[0] = []int{len(deep) - 1} // the chain's end is an input of its start
	cyclic := []sorterCase{
		{"self loop", intGraph{{0}}, []int{0}},
		{"two-cycle below a root", intGraph{{1}, {2}, {1}}, []int{0}},
		{"cycle from the second root", intGraph{nil, {0}, {3}, {2}}, []int{1, 2}},
		{"deep cycle", deep, []int{len(deep) - 1}},
	}
	closes := []int{0, 1, 2, len(deep) - 1} // the node each cycle is met at again
	acyclic := sorterCases()
	var s Sorter[int]
	for i, c := range cyclic {
		checkCycle(t, c.name, panicValue(func() { s.Sort(c.roots, c.g.inputs) }), closes[i])
		a := acyclic[(2*i)%len(acyclic)]
		if got, want := s.Sort(a.roots, a.g.inputs), TopoSort(a.roots, a.g.inputs); !slices.Equal(got, want) {
			t.Errorf("after %s: sorting %s gives %v, want %v", c.name, a.name, got, want)
		}
		// Nodes of the cyclic graph (the same numbers) are not taken as
		// visited or on the stack.
		chain := chainGraph(len(c.g))
		if got, want := s.Sort([]int{len(chain) - 1}, chain.inputs), TopoSort([]int{len(chain) - 1}, chain.inputs); !slices.Equal(got, want) {
			t.Errorf("after %s: sorting a chain on the same nodes gives %v, want %v", c.name, got, want)
		}
	}
}

// TestSortMarked checks that marks kept in the nodes give TopoSort's order,
// with every node marked, none, or every other one (the rest through the
// map), over a sequence of sorts with one Sorter and one set of marks, so
// that marks left by earlier sorts must read as unvisited; and that a cycle
// through marked nodes is still found.
func TestSortMarked(t *testing.T) {
	cases := sorterCases()
	var s Sorter[int]
	marks := make([]Mark, 4000)
	policies := map[string]func(n int) *Mark{
		"all":   func(n int) *Mark { return &marks[n] },
		"none":  func(n int) *Mark { return nil },
		"even":  func(n int) *Mark { return map[bool]*Mark{true: &marks[n], false: nil}[n%2 == 0] },
		"nilfn": nil,
	}
	for _, name := range []string{"all", "none", "even", "nilfn", "all", "even"} {
		for _, c := range append(slices.Clone(cases), reversed(cases)...) {
			want := TopoSort(c.roots, c.g.inputs)
			if got := s.SortMarked(c.roots, c.g.inputs, policies[name]); !slices.Equal(got, want) {
				t.Errorf("%s marks, %s: %v, want %v", name, c.name, got, want)
			}
		}
	}
	cycle := intGraph{{2}, {0}, {1}}
	checkCycle(t, "cycle through marked nodes", panicValue(func() { s.SortMarked([]int{0}, cycle.inputs, policies["all"]) }), 0)
	if got, want := s.SortMarked([]int{3}, cases[0].g.inputs, policies["all"]), []int{0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Errorf("after the cycle: %v, want %v", got, want)
	}
}

// TestSorterForget checks that Forget lets the last sort's nodes be
// collected, and that the Sorter sorts as before afterwards.
func TestSorterForget(t *testing.T) {
	var s Sorter[*ptrNode]
	inputs := func(n *ptrNode) []*ptrNode { return n.ins }
	collected := make(chan string, 3)
	func() {
		x := &ptrNode{name: "x"}
		w := &ptrNode{name: "w"}
		loss := &ptrNode{name: "loss", ins: []*ptrNode{x, w}}
		for _, n := range []*ptrNode{x, w, loss} {
			runtime.AddCleanup(n, func(name string) { collected <- name }, n.name)
		}
		if got := len(s.Sort([]*ptrNode{loss}, inputs)); got != 3 {
			t.Fatalf("sorted %d nodes, want 3", got)
		}
	}()
	s.Forget()
	seen := map[string]bool{}
	deadline := time.After(10 * time.Second)
	for len(seen) < 3 {
		runtime.GC()
		select {
		case name := <-collected:
			seen[name] = true
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("after Forget, only %v of the last graph's 3 nodes were collected", seen)
		}
	}
	a := &ptrNode{name: "a"}
	b := &ptrNode{name: "b", ins: []*ptrNode{a}}
	var names []string
	for _, n := range s.Sort([]*ptrNode{b, a}, inputs) {
		names = append(names, n.name)
	}
	if !slices.Equal(names, []string{"a", "b"}) {
		t.Errorf("sort after Forget: %v, want [a b]", names)
	}
}

// TestSorterLocalFrames sorts chains whose depth-first search fills the
// frames SortMarked keeps on the goroutine's stack, exactly and by one or
// many more (the rest on the Sorter's chunked stack), and finds cycles met
// in either part; after each cycle a chain sorts correctly again.
func TestSorterLocalFrames(t *testing.T) {
	var s Sorter[int]
	for _, n := range []int{localFrames - 1, localFrames, localFrames + 1, 2*localFrames + 3, localFrames + chunkSize + 1} {
		chain := chainGraph(n)
		got := s.Sort([]int{n - 1}, chain.inputs)
		if len(got) != n {
			t.Fatalf("chain of %d: sorted %d nodes", n, len(got))
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("chain of %d: position %d holds %d, want %d", n, i, v, i)
			}
		}
	}
	for _, depth := range []int{localFrames / 2, localFrames, localFrames + 1, localFrames + 40} {
		g := chainGraph(depth + 1)
		g[0] = []int{depth} // the chain's top is an input of its bottom
		checkCycle(t, fmt.Sprintf("cycle of %d", depth+1), panicValue(func() { s.Sort([]int{depth}, g.inputs) }), depth)
		chain := chainGraph(depth + 1)
		if got := s.Sort([]int{depth}, chain.inputs); len(got) != depth+1 || got[0] != 0 || got[depth] != depth {
			t.Errorf("after a cycle of %d: sorting a chain gives %v", depth+1, got)
		}
	}
}
