package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestFusedMatchesRecorded checks, for every op of allocOps, that the fused
// derivative (Grad) gives the bits of the recorded one (Grad with
// CreateGraph), both when an input's gradient buffer is fresh and when it
// accumulates (the op is applied twice to the same inputs).
func TestFusedMatchesRecorded(t *testing.T) {
	for _, op := range allocOps[float64]() {
		t.Run(op.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 9))
			inputs := make([]*tensor.Tensor[float64], len(op.in))
			for i, in := range op.in {
				inputs[i] = tensor.RandUniform(rng, in.lo, in.hi, in.shape...)
			}
			var weights *tensor.Tensor[float64]
			f := func(ps []*V) *V {
				y := op.f(ps)
				if weights == nil {
					weights = tensor.RandNormal[float64](rng, 0, 1, y.Shape()...)
				}
				twice := op.f(ps) // a second use of every input: its gradient accumulates
				return autograd.Add(autograd.Sum(autograd.Mul(y, autograd.Const(weights))), autograd.Sum(twice))
			}
			checkFusedMatchesRecorded(t, inputs, f)
		})
	}
}

// checkFusedMatchesRecorded fails t unless the gradients of f at inputs
// from an ordinary pass (the fused derivatives) have the bits of those from
// a recorded one (Grad with CreateGraph).
func checkFusedMatchesRecorded(t *testing.T, inputs []*tensor.Tensor[float64], f func([]*V) *V) {
	t.Helper()
	grads := func(opts ...autograd.Option) []*tensor.Tensor[float64] {
		ps := make([]*V, len(inputs))
		for i, x := range inputs {
			ps[i] = autograd.Param(x)
		}
		gs := autograd.Grad([]*V{f(ps)}, ps, opts...)
		out := make([]*tensor.Tensor[float64], len(gs))
		for i, g := range gs {
			out[i] = g.Value()
		}
		return out
	}
	fused, recorded := grads(), grads(autograd.CreateGraph())
	for i := range fused {
		for k, v := range recorded[i].Data() {
			if got := fused[i].Data()[k]; math.Float64bits(got) != math.Float64bits(v) {
				t.Fatalf("input %d element %d: fused %.17g, recorded %.17g", i, k, got, v)
			}
		}
	}
}
