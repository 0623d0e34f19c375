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
