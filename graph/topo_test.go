package graph

import (
	"runtime/debug"
	"slices"
	"testing"
)

// adj is a small test graph: node name -> inputs. Missing names are leaves.
type adj map[string][]string

func (g adj) inputs(n string) []string { return g[n] }

// diamond is a -> b, a -> c, b,c -> d.
var diamond = adj{
	"b": {"a"},
	"c": {"a"},
	"d": {"b", "c"},
}

// reachable computes the set of nodes reachable from roots with a plain
// worklist (independently of TopoSort, and without recursion).
func reachable[N comparable](roots []N, inputs func(N) []N) map[N]bool {
	seen := make(map[N]bool)
	work := slices.Clone(roots)
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[n] {
			continue
		}
		seen[n] = true
		work = append(work, inputs(n)...)
	}
	return seen
}

// assertTopological checks that order contains every node reachable from
// roots exactly once and nothing else, and that every node comes after all of
// its inputs.
func assertTopological[N comparable](t *testing.T, roots []N, inputs func(N) []N, order []N) {
	t.Helper()
	pos := make(map[N]int, len(order))
	for i, n := range order {
		if j, dup := pos[n]; dup {
			t.Fatalf("node %v appears twice (positions %d and %d)", n, j, i)
		}
		pos[n] = i
	}
	want := reachable(roots, inputs)
	if len(want) != len(pos) {
		t.Fatalf("order has %d nodes, reachable set has %d", len(pos), len(want))
	}
	for n := range want {
		if _, ok := pos[n]; !ok {
			t.Fatalf("reachable node %v missing from order", n)
		}
	}
	for i, n := range order {
		for _, in := range inputs(n) {
			if pos[in] >= i {
				t.Fatalf("input %v (position %d) does not come before %v (position %d)", in, pos[in], n, i)
			}
		}
	}
}

func TestTopoSort(t *testing.T) {
	tests := []struct {
		name  string
		g     adj
		roots []string
		want  []string
	}{
		{"diamond", diamond, []string{"d"}, []string{"a", "b", "c", "d"}},
		{"diamond inputs reversed", adj{"b": {"a"}, "c": {"a"}, "d": {"c", "b"}}, []string{"d"}, []string{"a", "c", "b", "d"}},
		{"single leaf", adj{}, []string{"x"}, []string{"x"}},
		{"leaf with empty non-nil inputs", adj{"x": {}}, []string{"x"}, []string{"x"}},
		{"fan-out", adj{"y1": {"x"}, "y2": {"x"}, "y3": {"x"}, "z": {"y1", "y2", "y3"}}, []string{"z"}, []string{"x", "y1", "y2", "y3", "z"}},
		{"duplicate input x*x", adj{"y": {"x", "x"}}, []string{"y"}, []string{"x", "y"}},
		{"duplicate input deep", adj{"y": {"x", "w", "x"}, "x": {"w"}}, []string{"y"}, []string{"w", "x", "y"}},
		{"disconnected roots", adj{"p": {"a"}, "q": {"b"}}, []string{"p", "q"}, []string{"a", "p", "b", "q"}},
		{"shared input across roots", adj{"p": {"a", "s"}, "q": {"s", "b"}}, []string{"p", "q"}, []string{"a", "s", "p", "b", "q"}},
		{"root is input of later root", diamond, []string{"b", "d"}, []string{"a", "b", "c", "d"}},
		{"root is input of earlier root", diamond, []string{"d", "b"}, []string{"a", "b", "c", "d"}},
		{"leaf root before consumer", diamond, []string{"a", "d"}, []string{"a", "b", "c", "d"}},
		{"duplicate roots", diamond, []string{"d", "d", "c"}, []string{"a", "b", "c", "d"}},
		{"empty roots", diamond, nil, nil},
		{"empty non-nil roots", diamond, []string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := make(map[string]int)
			inputs := func(n string) []string {
				calls[n]++
				return tt.g.inputs(n)
			}
			got := TopoSort(tt.roots, inputs)
			if !slices.Equal(got, tt.want) {
				t.Fatalf("TopoSort(%q) = %q, want %q", tt.roots, got, tt.want)
			}
			assertTopological(t, tt.roots, tt.g.inputs, got)
			for n, c := range calls {
				if c != 1 {
					t.Errorf("inputs(%q) called %d times, want 1", n, c)
				}
			}
			if len(calls) != len(tt.want) {
				t.Errorf("inputs called for %d nodes, want %d", len(calls), len(tt.want))
			}
		})
	}
}

// ptrNode mimics how autograd uses TopoSort: pointer nodes, inputs stored on
// the node itself.
type ptrNode struct {
	name string
	ins  []*ptrNode
}

func TestTopoSortPointers(t *testing.T) {
	x := &ptrNode{name: "x"}
	w := &ptrNode{name: "w"}
	mul := &ptrNode{name: "mul", ins: []*ptrNode{x, w}}
	sq := &ptrNode{name: "sq", ins: []*ptrNode{mul, mul}}
	loss := &ptrNode{name: "loss", ins: []*ptrNode{sq, x}}
	// Same names, different identities: pointers, not names, are the keys.
	other := &ptrNode{name: "x"}

	inputs := func(n *ptrNode) []*ptrNode { return n.ins }
	roots := []*ptrNode{loss, other}
	got := TopoSort(roots, inputs)
	want := []*ptrNode{x, w, mul, sq, loss, other}
	if !slices.Equal(got, want) {
		names := make([]string, len(got))
		for i, n := range got {
			names[i] = n.name
		}
		t.Fatalf("TopoSort order = %v, want x w mul sq loss x", names)
	}
	assertTopological(t, roots, inputs, got)
}

func TestTopoSortLongChain(t *testing.T) {
	// A recursive implementation needs far more than maxStack for a chain
	// this long and would crash the test binary; the iterative one needs
	// almost none. Under the race detector, which made the test 3.5 s long,
	// the chain and the stack are a quarter: 250,000 frames are still far
	// more than 4 MiB.
	n, maxStack := 1_000_000, 16<<20
	if raceEnabled {
		n, maxStack = 250_000, 4<<20
	}
	// prev[i] = i-1, so inputs(i) = prev[i:i+1] for i > 0 without allocating.
	prev := make([]int, n)
	for i := range prev {
		prev[i] = i - 1
	}
	inputs := func(i int) []int {
		if i == 0 {
			return nil
		}
		return prev[i : i+1]
	}

	old := debug.SetMaxStack(maxStack)
	defer debug.SetMaxStack(old)

	got := TopoSort([]int{n - 1}, inputs)
	if len(got) != n {
		t.Fatalf("len(order) = %d, want %d", len(got), n)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("order[%d] = %d, want %d", i, v, i)
		}
	}
}

func TestTopoSortWideFan(t *testing.T) {
	// One root with many distinct leaf inputs and one with many duplicate inputs.
	const n = 10_000
	wide := make([]int, n)
	for i := range wide {
		wide[i] = i + 1
	}
	dups := make([]int, n)
	for i := range dups {
		dups[i] = 1
	}
	g := map[int][]int{0: wide, -1: dups}
	inputs := func(i int) []int { return g[i] }

	got := TopoSort([]int{0, -1}, inputs)
	want := append(slices.Clone(wide), 0, -1)
	if !slices.Equal(got, want) {
		t.Fatalf("wide fan order wrong: len %d, first %v, last %v", len(got), got[:3], got[len(got)-3:])
	}
	assertTopological(t, []int{0, -1}, inputs, got)
}

func TestTopoSortCycle(t *testing.T) {
	tests := []struct {
		name   string
		g      adj
		roots  []string
		closes string // the node met again on its own path
	}{
		{"self loop", adj{"a": {"a"}}, []string{"a"}, "a"},
		{"two-cycle", adj{"a": {"b"}, "b": {"a"}}, []string{"a"}, "a"},
		{"cycle below root", adj{"r": {"x"}, "x": {"y"}, "y": {"z"}, "z": {"x"}}, []string{"r"}, "x"},
		{"cycle after acyclic part", adj{"r": {"a", "b"}, "a": {"l"}, "b": {"c"}, "c": {"b"}}, []string{"r"}, "b"},
		{"cycle from second root", adj{"p": {"l"}, "q": {"m"}, "m": {"q"}}, []string{"p", "q"}, "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkCycle(t, tt.name, panicValue(func() { TopoSort(tt.roots, tt.g.inputs) }), tt.closes)
		})
	}
}

// panicValue runs f and returns the value it panicked with, or nil.
// checkCycle reports an error unless v, a panic value, is a *CycleError
// naming node.
func checkCycle(t *testing.T, what string, v, node any) {
	t.Helper()
	e, ok := v.(*CycleError)
	if !ok {
		t.Errorf("%s: panic value %#v, want a *CycleError", what, v)
		return
	}
	if e.Node != node || e.Error() != "graph: TopoSort: cycle detected" {
		t.Errorf("%s: %q at node %v, want the cycle detected at %v", what, e.Error(), e.Node, node)
	}
}

func panicValue(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

func BenchmarkTopoSortChain(b *testing.B) {
	const n = 100_000
	prev := make([]int, n)
	for i := range prev {
		prev[i] = i - 1
	}
	inputs := func(i int) []int {
		if i == 0 {
			return nil
		}
		return prev[i : i+1]
	}
	for b.Loop() {
		if got := TopoSort([]int{n - 1}, inputs); len(got) != n {
			b.Fatalf("len(order) = %d, want %d", len(got), n)
		}
	}
}
