package autograd_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// bnRunShapes are BatchNorm inputs whose channels are long runs: runs split
// into several pieces of a sum (more than 128 elements) and several tiles
// (more than 256), lengths that are not multiples of 8 or 16, one channel
// (one run of N·S), one sample, and a 3-D input (BatchNorm1d's [N, C, L]).
var bnRunShapes = [][]int{
	{3, 2, 300},
	{2, 3, 17, 19},
	{4, 1, 5, 7},
	{1, 3, 200},
	{5, 4, 9},
	{2, 2, 1000},
	{6, 3, 2},
	{70, 2, 3},
}

// bitsOf returns the bits of xs, so that cmp.Diff compares them exactly
// (NaN and the sign of zero included).
func bitsOf[T autograd.Float](xs []T) []uint64 {
	out := make([]uint64, len(xs))
	for i, v := range xs {
		if f, ok := any(v).(float32); ok {
			out[i] = uint64(math.Float32bits(f))
		} else {
			out[i] = math.Float64bits(float64(v))
		}
	}
	return out
}

// TestBatchNormRunsFusedMatchesRecorded checks, on inputs with long
// channel runs, that the fused backward of BatchNorm gives the bits of the
// recorded one, with every combination of weight and bias, x also an
// operand of the loss (so that its gradient accumulates), and that the
// forward pass gives the same bits whether or not it keeps statistics for
// a backward pass.
func TestBatchNormRunsFusedMatchesRecorded(t *testing.T) {
	for _, shape := range bnRunShapes {
		for affine := range 4 {
			name := fmt.Sprintf("%v/affine%d", shape, affine)
			t.Run(name+"/float32", func(t *testing.T) { bnRunsCheck[float32](t, shape, affine) })
			t.Run(name+"/float64", func(t *testing.T) { bnRunsCheck[float64](t, shape, affine) })
		}
	}
}

func bnRunsCheck[T autograd.Float](t *testing.T, shape []int, affine int) {
	rng := rand.New(rand.NewPCG(uint64(len(shape)*1000+shape[0]*10+affine), 5))
	ins := []*tensor.Tensor[T]{tensor.RandNormal[T](rng, 0.3, 1.5, shape...)}
	switch affine {
	case 1, 3:
		ins = append(ins, tensor.RandUniform[T](rng, 0.5, 1.5, shape[1]))
	case 2:
		ins = append(ins, tensor.RandUniform[T](rng, 0.5, 1.5, shape[1]), tensor.RandUniform[T](rng, -0.5, 0.5, shape[1]))
	}
	tc := normCase{op: "BatchNorm", shape: shape, affine: affine}
	grads := func(opts ...autograd.Option) [][]uint64 {
		ps := make([]*autograd.Var[T], len(ins))
		for i, x := range ins {
			ps[i] = autograd.Param(x)
		}
		y := applyNorm(tc, ps)
		loss := autograd.Sum(autograd.Mul(y, autograd.Mul(y, ps[0])))
		var out [][]uint64
		for _, g := range autograd.Grad([]*autograd.Var[T]{loss}, ps, opts...) {
			out = append(out, bitsOf(g.Value().Data()))
		}
		return out
	}
	if rec, fused := grads(autograd.CreateGraph()), grads(); !sameBitsNested(rec, fused) {
		diff := cmp.Diff(rec, fused)
		t.Errorf("fused backward differs from the recorded one (-recorded +fused):\n%s", diff)
	}
	forward := func(param bool) [][]uint64 {
		vs := make([]*autograd.Var[T], len(ins))
		for i, x := range ins {
			if param {
				vs[i] = autograd.Param(x)
			} else {
				vs[i] = autograd.Const(x)
			}
		}
		var w, b *autograd.Var[T]
		switch affine {
		case 1:
			w = vs[1]
		case 2:
			w, b = vs[1], vs[2]
		case 3:
			b = vs[1]
		}
		y, m, v := autograd.BatchNorm(vs[0], w, b, 1e-5)
		return [][]uint64{bitsOf(y.Value().Data()), bitsOf(m.Data()), bitsOf(v.Data())}
	}
	if without, with := forward(false), forward(true); !sameBitsNested(without, with) {
		diff := cmp.Diff(without, with)
		t.Errorf("forward with a derivative differs from the one without (-without +with):\n%s", diff)
	}
}
