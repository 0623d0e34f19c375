package autograd_test

import (
	"runtime/debug"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestMillionOpChain differentiates a chain of 1,000,000 ops under a small
// stack limit: a recursive sort or walk would overflow it (fatally, in Go).
func TestMillionOpChain(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(1 << 20)) // 1 MiB: far too small for recursion a million deep
	n := 1_000_000
	if raceEnabled {
		n = 200_000 // still far too deep for a recursion in 1 MiB; the plain go test runs the million
	}
	x := autograd.Param(tensor.Scalar(1.0))
	y := x
	for i := range n {
		if i%2 == 0 {
			y = autograd.Scale(y, 2)
		} else {
			y = autograd.Scale(y, 0.5)
		}
	}
	y.Backward()
	if got := x.Grad().Item(); got != 1 {
		t.Errorf("d/dx of %d alternating ×2, ×0.5 = %v, want 1", n, got)
	}
}

// TestWideFanOut uses one input 10,000 times over: its gradient must gather
// every contribution.
func TestWideFanOut(t *testing.T) {
	const n = 10_000
	x := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	parts := make([]*autograd.Var[float64], n)
	for i := range parts {
		parts[i] = autograd.Scale(x, float64(i%3))
	}
	sum := parts[0]
	for _, p := range parts[1:] {
		sum = autograd.Add(sum, p)
	}
	autograd.Sum(sum).Backward()
	want := 0.0
	for i := range n {
		want += float64(i % 3)
	}
	checkTensor(t, "x.Grad()", x.Grad(), view([]int{2}, want, want), 0)
}
