package gradcheck

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestUnravel(t *testing.T) {
	tests := []struct {
		flat  int
		shape []int
		want  []int
	}{
		{0, []int{}, []int{}},
		{0, []int{1}, []int{0}},
		{4, []int{5}, []int{4}},
		{0, []int{2, 3}, []int{0, 0}},
		{2, []int{2, 3}, []int{0, 2}},
		{3, []int{2, 3}, []int{1, 0}},
		{5, []int{2, 3}, []int{1, 2}},
		{5, []int{3, 2}, []int{2, 1}},
		{23, []int{2, 3, 4}, []int{1, 2, 3}},
		{13, []int{2, 3, 4}, []int{1, 0, 1}},
		{7, []int{2, 1, 4}, []int{1, 0, 3}},
	}
	for _, tc := range tests {
		got := unravel(tc.flat, tc.shape)
		if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("unravel(%d, %v) (-want +got):\n%s", tc.flat, tc.shape, diff)
		}
		if len(got) != len(tc.shape) {
			t.Errorf("unravel(%d, %v) has %d coordinates, want %d", tc.flat, tc.shape, len(got), len(tc.shape))
		}
	}
}

// unravel inverts the row-major flattening for every element of a shape.
func TestUnravelRoundTrip(t *testing.T) {
	for _, shape := range [][]int{{7}, {3, 4}, {2, 3, 5}, {1, 6, 1}, {2, 2, 2, 3}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		seen := make(map[[4]int]bool)
		for flat := range n {
			idx := unravel(flat, shape)
			back := 0
			var key [4]int
			for k, i := range idx {
				if i < 0 || i >= shape[k] {
					t.Fatalf("unravel(%d, %v) = %v: coordinate %d out of range", flat, shape, idx, k)
				}
				back = back*shape[k] + i
				key[k] = i
			}
			if back != flat {
				t.Errorf("unravel(%d, %v) = %v, which flattens to %d", flat, shape, idx, back)
			}
			if seen[key] {
				t.Errorf("unravel(%d, %v) = %v repeats an earlier index", flat, shape, idx)
			}
			seen[key] = true
		}
	}
}

func TestEqualBits(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		a, b []float64
		want bool
	}{
		{nil, nil, true},
		{[]float64{1, 2}, []float64{1, 2}, true},
		{[]float64{1, 2}, []float64{1, 2.0000000000000004}, false},
		{[]float64{1}, []float64{1, 2}, false},
		{[]float64{nan}, []float64{nan}, true},
		{[]float64{nan}, []float64{1}, false},
		{[]float64{0}, []float64{math.Copysign(0, -1)}, false}, // a write of -0 is a change
	}
	for _, tc := range tests {
		if got := equalBits(tc.a, tc.b); got != tc.want {
			t.Errorf("equalBits(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}
