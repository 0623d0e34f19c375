package graph

import (
	"slices"
	"testing"
)

// TestAppendSorted checks that AppendSorted appends to dst exactly what
// SortMarked returns, whatever dst's length and capacity (a prefix is
// kept; a full array grows), with and without Marks, that it keeps nothing
// (the last Sort's result stays as it was), and that it returns dst as it
// is for no roots and sorts correctly again after a cycle.
func TestAppendSorted(t *testing.T) {
	marks := make([]Mark, 4000)
	policies := map[string]func(n int) *Mark{
		"all":  func(n int) *Mark { return &marks[n] },
		"none": nil,
		"odd":  func(n int) *Mark { return map[bool]*Mark{true: &marks[n], false: nil}[n%2 == 1] },
	}
	var s, ref Sorter[int]
	for _, name := range []string{"all", "none", "odd", "all"} {
		for _, c := range append(sorterCases(), reversed(sorterCases())...) {
			want := slices.Clone(ref.SortMarked(c.roots, c.g.inputs, nil))
			kept := slices.Clone(s.Sort(c.roots, c.g.inputs))
			last := s.Sort(c.roots, c.g.inputs)
			for _, dst := range [][]int{nil, make([]int, 0, 1), make([]int, 0, len(want)), {-1, -2}} {
				prefix := slices.Clone(dst)
				got := s.AppendSorted(dst, c.roots, c.g.inputs, policies[name])
				if !slices.Equal(got[:len(prefix)], prefix) || !slices.Equal(got[len(prefix):], want) {
					t.Fatalf("%s marks, %s, dst %v: got %v, want %v after the prefix", name, c.name, prefix, got, want)
				}
			}
			if !slices.Equal(last, kept) {
				t.Fatalf("%s marks, %s: AppendSorted changed the last Sort's result to %v, want %v", name, c.name, last, kept)
			}
		}
	}
	if got := s.AppendSorted([]int{7}, nil, chainGraph(3).inputs, nil); !slices.Equal(got, []int{7}) {
		t.Errorf("no roots: got %v, want dst unchanged", got)
	}
	cycle := intGraph{{2}, {0}, {1}}
	checkCycle(t, "cycle", panicValue(func() { s.AppendSorted(nil, []int{0}, cycle.inputs, policies["all"]) }), 0)
	if got := s.AppendSorted(nil, []int{4}, chainGraph(5).inputs, policies["all"]); !slices.Equal(got, []int{0, 1, 2, 3, 4}) {
		t.Errorf("after a cycle: %v, want [0 1 2 3 4]", got)
	}
}

// TestSortMarkedCallsMarkOncePerEdge checks what SortMarked promises about
// mark: one call per root and one per edge, a repeated input counting as
// often as inputs lists it, so that a caller can count the edges reaching
// each node (autograd counts a leaf's gradients so).
func TestSortMarkedCallsMarkOncePerEdge(t *testing.T) {
	// 4 -> {2, 3, 3}, 3 -> {1, 0}, 2 -> {1, 1}, 1 -> {0}
	g := intGraph{nil, {0}, {1, 1}, {1, 0}, {2, 3, 3}}
	marks := make([]Mark, len(g))
	for _, policy := range []string{"all", "none", "odd"} {
		calls := make([]int, len(g))
		mark := func(n int) *Mark {
			calls[n]++
			if policy == "all" || policy == "odd" && n%2 == 1 {
				return &marks[n]
			}
			return nil
		}
		var s Sorter[int]
		for _, sort := range []func(){
			func() { s.SortMarked([]int{4, 1}, g.inputs, mark) },
			func() { s.AppendSorted(nil, []int{4, 1}, g.inputs, mark) },
		} {
			clear(calls)
			sort()
			want := []int{2, 4, 1, 2, 1} // edges into each node, plus 1 for the root 4 and 1 for the root 1
			if !slices.Equal(calls, want) {
				t.Errorf("%s marks: mark called %v times per node, want %v", policy, calls, want)
			}
		}
	}
}
