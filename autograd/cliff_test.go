package autograd_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// cliffOps are the ops of cliffCases at small odd shapes, and the same
// scans and sorts along other axes, for the checks below.
func cliffOps[T autograd.Float]() []allocOp[T] {
	type V = autograd.Var[T]
	sort := func(axis int, desc bool) func(v []*V) *V {
		return func(v []*V) *V { s, _ := autograd.Sort(v[0], axis, desc); return s }
	}
	return []allocOp[T]{
		{"Sum/last", []allocInput{inp(-2, 2, 9, 37)}, func(v []*V) *V { return autograd.Sum(v[0], -1) }},
		{"Sum/last/3d", []allocInput{inp(-2, 2, 3, 5, 70)}, func(v []*V) *V { return autograd.Sum(v[0], -1) }},
		{"Mean/last", []allocInput{inp(-2, 2, 9, 37)}, func(v []*V) *V { return autograd.Mean(v[0], -1) }},
		{"MeanKeepDims/last", []allocInput{inp(-2, 2, 4, 1)}, func(v []*V) *V { return autograd.MeanKeepDims(v[0], -1) }},
		{"Cumsum/axis0", []allocInput{inp(-2, 2, 13, 600)}, func(v []*V) *V { return autograd.Cumsum(v[0], 0) }},
		{"Cumsum/axis1/3d", []allocInput{inp(-2, 2, 3, 11, 7)}, func(v []*V) *V { return autograd.Cumsum(v[0], 1) }},
		{"Cumsum/last", []allocInput{inp(-2, 2, 5, 9)}, func(v []*V) *V { return autograd.Cumsum(v[0], -1) }},
		{"Sort/last", []allocInput{inp(-2, 2, 6, 300)}, sort(-1, false)},
		{"Sort/last/desc", []allocInput{inp(-2, 2, 6, 33)}, sort(-1, true)},
		{"Sort/axis0", []allocInput{inp(-2, 2, 37, 20)}, sort(0, false)},
		{"Sort/axis1/3d", []allocInput{inp(-2, 2, 2, 41, 3)}, sort(1, true)},
	}
}

// TestCliffOpsFusedMatchesRecorded checks that the fused derivatives of
// cliffOps give the bits of the recorded ones, fresh and accumulating.
func TestCliffOpsFusedMatchesRecorded(t *testing.T) {
	for _, op := range cliffOps[float64]() {
		t.Run(op.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 7))
			x := tensor.RandUniform(rng, op.in[0].lo, op.in[0].hi, op.in[0].shape...)
			var w *tensor.Tensor[float64]
			checkFusedMatchesRecorded(t, []*tensor.Tensor[float64]{x}, func(ps []*V) *V {
				y := op.f(ps)
				if w == nil {
					w = tensor.RandNormal[float64](rng, 0, 1, y.Shape()...)
				}
				return autograd.Add(autograd.Sum(autograd.Mul(y, autograd.Const(w))), autograd.Sum(op.f(ps)))
			})
		})
	}
}

// TestCliffOpsAllocateNothing checks that a step of each of cliffOps
// allocates nothing under a warm Arena.
func TestCliffOpsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	t.Run("float32", func(t *testing.T) { checkCliffAllocs[float32](t) })
	t.Run("float64", func(t *testing.T) { checkCliffAllocs[float64](t) })
}

func checkCliffAllocs[T autograd.Float](t *testing.T) {
	for _, op := range cliffOps[T]() {
		s := newAllocStep(op, 1)
		if n := warmMallocs(3, 20, s.run); n != 0 {
			t.Errorf("%s: %d allocations in 20 steps under a warm Arena, want 0", op.name, n)
		}
	}
}

// TestSumLastGradient checks the gradient of Sum and Mean over the last
// axis, weighted per row, against the row's weight (over n for a mean)
// broadcast by hand, fresh and accumulated into an existing gradient.
func TestSumLastGradient(t *testing.T) {
	for _, mean := range []bool{false, true} {
		for _, shape := range [][]int{{3, 1}, {5, 33}, {2, 3, 100}, {0, 4}, {4, 0}} {
			rng := rand.New(rand.NewPCG(1, 1))
			x := autograd.Param(tensor.RandNormal[float32](rng, 0, 1, shape...))
			f, name := autograd.Sum[float32], "Sum"
			if mean {
				f, name = autograd.Mean[float32], "Mean"
			}
			y := f(x, -1)
			w := tensor.RandNormal[float32](rng, 0, 1, y.Shape()...)
			if w.Len() > 0 {
				w.Data()[0] = float32(math.Copysign(0, -1))
			}
			n := shape[len(shape)-1]
			for pass := 1; pass <= 2; pass++ { // the second accumulates
				autograd.Sum(autograd.Mul(f(x, -1), autograd.Const(w))).Backward()
				g := x.Grad().Data()
				for i, got := range g {
					v := w.Data()[i/n]
					if mean {
						v = (1 / float32(n)) * v
					}
					want := v
					if pass == 2 {
						want = v + v
					}
					if math.Float32bits(got) != math.Float32bits(want) {
						t.Fatalf("%s%v pass %d: gradient[%d] = %v, want %v", name, shape, pass, i, got, want)
					}
				}
			}
		}
	}
}
