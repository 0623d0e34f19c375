package autograd_test

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file proves that the reductions, softmax, normalization, losses,
// batched matmul and the binary ops Div, Maximum, Minimum, PowVar and Where
// allocate nothing in a steady-state step under an Arena: forward, Backward
// into parameters, ZeroGrad. The same table drives the benchmarks of
// reduce_bench_test.go.

// allocInput says how an input of an allocOp is drawn.
type allocInput struct {
	shape  []int
	lo, hi float64 // uniform range
}

// allocOp is one row: an op applied to inputs that require a gradient (each
// is an arena constant plus a parameter, so that the op's result comes from
// the arena and its derivative runs).
type allocOp[T autograd.Float] struct {
	name string
	in   []allocInput
	f    func(x []*autograd.Var[T]) *autograd.Var[T]
}

// inp returns an input of the given shape drawn uniformly from [lo, hi).
func inp(lo, hi float64, shape ...int) allocInput { return allocInput{shape: shape, lo: lo, hi: hi} }

// allocOps returns the table at representative shapes: a batch of rows of a
// transformer's width, an attention batch, a classifier's logits.
func allocOps[T autograd.Float]() []allocOp[T] {
	type V = autograd.Var[T]
	labels := make([]int, 64)
	for i := range labels {
		labels[i] = (7 * i) % 10
	}
	flags := make([]bool, 64*128)
	for i := range flags {
		flags[i] = i%3 != 0
	}
	mask := tensor.MustMask(flags, 64, 128)
	x := inp(-2, 2, 64, 128)
	return []allocOp[T]{
		{"Sum/all", []allocInput{x}, func(v []*V) *V { return autograd.Sum(v[0]) }},
		{"Mean/all", []allocInput{x}, func(v []*V) *V { return autograd.Mean(v[0]) }},
		{"Sum/axis1", []allocInput{x}, func(v []*V) *V { return autograd.Sum(v[0], 1) }},
		{"Sum/axis0", []allocInput{x}, func(v []*V) *V { return autograd.Sum(v[0], 0) }},
		{"SumKeepDims", []allocInput{x}, func(v []*V) *V { return autograd.SumKeepDims(v[0], -1) }},
		{"Mean/axis1", []allocInput{x}, func(v []*V) *V { return autograd.Mean(v[0], 1) }},
		{"MeanKeepDims/3d", []allocInput{inp(-2, 2, 8, 16, 32)}, func(v []*V) *V { return autograd.MeanKeepDims(v[0], 0, 2) }},
		{"Max/axis1", []allocInput{x}, func(v []*V) *V { return autograd.Max(v[0], 1) }},
		{"Min/all", []allocInput{x}, func(v []*V) *V { return autograd.Min(v[0]) }},
		{"MaxKeepDims/axis0", []allocInput{x}, func(v []*V) *V { return autograd.MaxKeepDims(v[0], 0) }},
		{"LogSumExp/axis1", []allocInput{x}, func(v []*V) *V { return autograd.LogSumExp(v[0], 1) }},
		{"Variance/axis1", []allocInput{x}, func(v []*V) *V { return autograd.Variance(v[0], 1, 1) }},
		{"Std/axis1", []allocInput{x}, func(v []*V) *V { return autograd.Std(v[0], 0, -1) }},
		{"Softmax/last", []allocInput{x}, func(v []*V) *V { return autograd.Softmax(v[0], -1) }},
		{"Softmax/middle", []allocInput{inp(-2, 2, 8, 16, 32)}, func(v []*V) *V { return autograd.Softmax(v[0], 1) }},
		{"LogSoftmax/last", []allocInput{x}, func(v []*V) *V { return autograd.LogSoftmax(v[0], -1) }},
		{"MatMul/4d", []allocInput{inp(-1, 1, 2, 4, 32, 16), inp(-1, 1, 2, 4, 16, 32)}, func(v []*V) *V { return autograd.MatMul(v[0], v[1]) }},
		{"MatMulT/4d-ABt", []allocInput{inp(-1, 1, 2, 4, 32, 16), inp(-1, 1, 2, 4, 32, 16)}, func(v []*V) *V { return autograd.MatMulT(v[0], v[1], false, true) }},
		{"MatMul/bcast", []allocInput{inp(-1, 1, 4, 32, 16), inp(-1, 1, 16, 8)}, func(v []*V) *V { return autograd.MatMul(v[0], v[1]) }},
		{"MSE", []allocInput{x, x}, func(v []*V) *V { return autograd.MSE(v[0], v[1]) }},
		{"L1", []allocInput{x, x}, func(v []*V) *V { return autograd.L1(v[0], v[1]) }},
		{"Huber", []allocInput{x, x}, func(v []*V) *V { return autograd.Huber(v[0], v[1], 1) }},
		{"BCE", []allocInput{inp(0.05, 0.95, 64, 128), inp(0, 1, 64, 128)}, func(v []*V) *V { return autograd.BCE(v[0], v[1]) }},
		{"BCEWithLogits", []allocInput{x, inp(0, 1, 64, 128)}, func(v []*V) *V { return autograd.BCEWithLogits(v[0], v[1]) }},
		{"NLL", []allocInput{inp(-3, 0, 64, 10)}, func(v []*V) *V { return autograd.NLL(v[0], labels) }},
		{"CrossEntropy", []allocInput{inp(-3, 3, 64, 10)}, func(v []*V) *V { return autograd.CrossEntropy(v[0], labels) }},
		{"CrossEntropy/none", []allocInput{inp(-3, 3, 64, 10)}, func(v []*V) *V { return autograd.CrossEntropy(v[0], labels, autograd.ReduceNone) }},
		{"Add/bcast", []allocInput{x, inp(-2, 2, 128)}, func(v []*V) *V { return autograd.Add(v[0], v[1]) }},
		{"Sub", []allocInput{x, x}, func(v []*V) *V { return autograd.Sub(v[0], v[1]) }},
		{"Mul/bcast", []allocInput{x, inp(-2, 2, 64, 1)}, func(v []*V) *V { return autograd.Mul(v[0], v[1]) }},
		{"Linear", []allocInput{x, inp(-1, 1, 32, 128), inp(-1, 1, 32)}, func(v []*V) *V { return autograd.Linear(v[0], v[1], v[2]) }},
		{"LinearReLU", []allocInput{x, inp(-1, 1, 32, 128), inp(-1, 1, 32)}, func(v []*V) *V { return autograd.LinearReLU(v[0], v[1], v[2]) }},
		{"LogSumExpKeepDims/axis0", []allocInput{x}, func(v []*V) *V { return autograd.LogSumExpKeepDims(v[0], 0) }},
		{"MinKeepDims/axis1", []allocInput{x}, func(v []*V) *V { return autograd.MinKeepDims(v[0], 1) }},
		{"Div", []allocInput{x, inp(0.5, 2, 64, 128)}, func(v []*V) *V { return autograd.Div(v[0], v[1]) }},
		{"Div/bcast", []allocInput{x, inp(0.5, 2, 128)}, func(v []*V) *V { return autograd.Div(v[0], v[1]) }},
		{"Maximum", []allocInput{x, x}, func(v []*V) *V { return autograd.Maximum(v[0], v[1]) }},
		{"Minimum", []allocInput{x, inp(-2, 2, 128)}, func(v []*V) *V { return autograd.Minimum(v[0], v[1]) }},
		{"PowVar", []allocInput{inp(0.5, 2, 64, 128), x}, func(v []*V) *V { return autograd.PowVar(v[0], v[1]) }},
		{"Where", []allocInput{x, x}, func(v []*V) *V { return autograd.Where(mask, v[0], v[1]) }},
		{"LayerNorm", []allocInput{inp(-2, 2, 8, 16, 128), inp(0.5, 1.5, 128), inp(-1, 1, 128)}, func(v []*V) *V {
			return autograd.LayerNorm(v[0], v[1], v[2], 1, 1e-5)
		}},
		{"LayerNorm/noaffine", []allocInput{inp(-2, 2, 64, 4, 32)}, func(v []*V) *V {
			return autograd.LayerNorm(v[0], nil, nil, 2, 1e-5)
		}},
	}
}

// allocStep is one step of an op under an arena: the op on arena inputs
// that depend on params, Sum, Backward, ZeroGrad.
type allocStep[T autograd.Float] struct {
	op     allocOp[T]
	ar     *autograd.Arena[T]
	data   []*tensor.Tensor[T]
	params []*autograd.Var[T]
	xs     []*autograd.Var[T]
}

func newAllocStep[T autograd.Float](op allocOp[T], seed uint64) *allocStep[T] {
	rng := rand.New(rand.NewPCG(seed, 3))
	s := &allocStep[T]{op: op, ar: autograd.NewArena[T](), xs: make([]*autograd.Var[T], len(op.in))}
	for _, in := range op.in {
		s.data = append(s.data, tensor.RandUniform(rng, T(in.lo), T(in.hi), in.shape...))
		s.params = append(s.params, autograd.Param(tensor.Zeros[T](in.shape...)))
	}
	return s
}

func (s *allocStep[T]) run() {
	s.ar.Reset()
	for i, d := range s.data {
		s.xs[i] = autograd.Add(s.ar.Const(d), s.params[i])
	}
	out := s.op.f(s.xs)
	if out.Value().Len() != 1 || out.Value().Dims() != 0 {
		out = autograd.Sum(out)
	}
	out.Backward()
	autograd.ZeroGrad(s.params...)
}

func TestArenaOpsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	t.Run("float32", func(t *testing.T) { checkAllocOps[float32](t) })
	t.Run("float64", func(t *testing.T) { checkAllocOps[float64](t) })
}

func checkAllocOps[T autograd.Float](t *testing.T) {
	for _, op := range allocOps[T]() {
		t.Run(op.name, func(t *testing.T) {
			s := newAllocStep(op, 1)
			for range 3 {
				s.run()
			}
			if n := warmMallocs(2, 20, s.run); n != 0 {
				t.Errorf("%s: %d allocations in 20 steps under a warm Arena, want 0", op.name, n)
			}
		})
	}
}
