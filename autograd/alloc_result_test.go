package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSmallResultOneAllocation checks that an arithmetic op on small
// tensors without an Arena makes its result (the Var, its node and the
// tensor) in one allocation, whether it records a node or not.
func TestSmallResultOneAllocation(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	a := autograd.Param(tensor.Full(1.5, 2, 3))
	b := autograd.Const(tensor.Full(2.0, 2, 3))
	c := autograd.Const(tensor.Full(3.0, 3))
	for _, tc := range []struct {
		name string
		f    func() *autograd.Var[float64]
	}{
		{"Add recorded", func() *autograd.Var[float64] { return autograd.Add(a, b) }},
		{"Sub broadcast", func() *autograd.Var[float64] { return autograd.Sub(c, a) }},
		{"Mul constants", func() *autograd.Var[float64] { return autograd.Mul(b, c) }},
		{"Div", func() *autograd.Var[float64] { return autograd.Div(b, c) }},
		{"Maximum", func() *autograd.Var[float64] { return autograd.Maximum(a, c) }},
	} {
		if n := testing.AllocsPerRun(20, func() { tc.f() }); n != 1 {
			t.Errorf("%s: %v allocations, want 1", tc.name, n)
		}
	}
}
