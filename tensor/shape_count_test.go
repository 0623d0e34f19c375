package tensor

import (
	"math"
	"testing"
)

// TestNumElements pins the element count and its refusals: a negative
// dimension, a product past math.MaxInt (also when it wraps to a small or
// zero value), and a zero dimension, which makes any product 0.
func TestNumElements(t *testing.T) {
	for _, c := range []struct {
		shape []int
		n     int
		ok    bool
	}{
		{nil, 1, true},
		{[]int{3, 5}, 15, true},
		{[]int{1 << 31, 1 << 31}, 1 << 62, true},
		{[]int{math.MaxInt, 1}, math.MaxInt, true},
		{[]int{1 << 32, 1 << 31}, 0, false},    // 2⁶³
		{[]int{1 << 32, 1 << 32, 3}, 0, false}, // wraps to 0, then stays there
		{[]int{math.MaxInt, 2}, 0, false},
		{[]int{0, math.MaxInt, math.MaxInt}, 0, true},
		{[]int{math.MaxInt, math.MaxInt, 0}, 0, true},
		{[]int{2, -1}, 0, false},
		{[]int{0, -1}, 0, false},
	} {
		n, ok := numElements(c.shape)
		if n != c.n || ok != c.ok {
			t.Errorf("numElements(%v) = %d, %v, want %d, %v", c.shape, n, ok, c.n, c.ok)
		}
	}
}
