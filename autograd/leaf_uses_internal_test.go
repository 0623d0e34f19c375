package autograd

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestLeafUses checks the per-pass count of the gradients each leaf
// receives, kept by the leaves' identities: for a few leaves (scanned)
// and for more than leafScan (the rest in a map), and that reset forgets
// every count, so that the same leaves count from zero again.
func TestLeafUses(t *testing.T) {
	var u leafUses[float64]
	leaves := make([]*Var[float64], leafScan+5)
	for i := range leaves {
		leaves[i] = Param(tensor.Scalar(float64(i)))
	}
	for round := range 2 {
		for i, v := range leaves {
			for range i%3 + 1 {
				u.add(v)
			}
		}
		for i, v := range leaves {
			if got, want := u.count(v), i%3+1; got != want {
				t.Fatalf("round %d: leaf %d counted %d times, want %d", round, i, got, want)
			}
		}
		if got := u.count(Param(tensor.Scalar(1.0))); got != 0 {
			t.Errorf("round %d: a leaf never added counts %d", round, got)
		}
		u.reset()
		for i, v := range leaves {
			if got := u.count(v); got != 0 {
				t.Fatalf("round %d: after reset, leaf %d counts %d", round, i, got)
			}
		}
	}
}
