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

// TestSortCountsLeafUses checks that Backward's sort counts, for each leaf
// that requires a gradient, the edges that reach it (what decides whether
// its gradient goes straight into .Grad()), and nothing for a pass that
// does not accumulate (Grad's) or for a leaf that requires none.
func TestSortCountsLeafUses(t *testing.T) {
	w := Param(tensor.MustNew([]float64{1, 2}, 2))
	b := Param(tensor.MustNew([]float64{3}, 1))
	x := Const(tensor.MustNew([]float64{4, 5}, 2))
	y := Sum(Add(Add(Mul(w, w), Mul(w, x)), b)) // w three times, b once, x once
	for _, accumulate := range []bool{true, false} {
		p := acquirePass[float64](nil)
		p.accumulate = accumulate
		p.sort([]*Var[float64]{y})
		want := map[*Var[float64]]int{w: 3, b: 1, x: 0}
		for v, n := range want {
			if !accumulate {
				n = 0
			}
			if got := p.uses.count(v); got != n {
				t.Errorf("accumulate %v: %s counted %d times, want %d", accumulate, v, got, n)
			}
		}
		p.release()
	}
	y.Backward()
	// d/dw Σ(w² + w∘x + b) = 2w + x, d/db = 2 (b broadcasts over 2).
	if g := w.Grad().Data(); g[0] != 6 || g[1] != 9 {
		t.Errorf("w.Grad() = %v, want [6 9]", g)
	}
	if g := b.Grad().Data(); g[0] != 2 {
		t.Errorf("b.Grad() = %v, want [2]", g)
	}
}
