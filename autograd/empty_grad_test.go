package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestEmptyRecordedGradients: gradients with CreateGraph of products and
// GroupNorm whose tensors have a dimension 0 are zeros of the inputs'
// shapes, as Backward's are (and torch 1.13's with create_graph). They
// used to panic: a Reshape to [-1, 0] of the folded batch, and an integer
// division by an empty batch.
func TestEmptyRecordedGradients(t *testing.T) {
	ones := func(shape ...int) *autograd.Var[float64] { return autograd.Param(tensor.Ones[float64](shape...)) }
	for _, c := range []struct {
		name string
		ins  []*autograd.Var[float64]
		f    func(xs []*autograd.Var[float64]) *autograd.Var[float64]
	}{
		{"MatMul [2 3 4]·[4 0]", []*autograd.Var[float64]{ones(2, 3, 4), ones(4, 0)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.MatMul(xs[0], xs[1]) }},
		{"MatMul [2 3 0]·[0 5]", []*autograd.Var[float64]{ones(2, 3, 0), ones(0, 5)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] { return autograd.MatMul(xs[0], xs[1]) }},
		{"MatMulT [2 3 4]·[0 4]ᵀ", []*autograd.Var[float64]{ones(2, 3, 4), ones(0, 4)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
				return autograd.MatMulT(xs[0], xs[1], false, true)
			}},
		{"GroupNorm [0 4 3]", []*autograd.Var[float64]{ones(0, 4, 3), ones(4), ones(4)},
			func(xs []*autograd.Var[float64]) *autograd.Var[float64] {
				return autograd.GroupNorm(xs[0], 2, xs[1], xs[2], 1e-5)
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			gs := autograd.Grad([]*autograd.Var[float64]{autograd.Sum(c.f(c.ins))}, c.ins, autograd.CreateGraph())
			for i, g := range gs {
				want := tensor.Zeros[float64](c.ins[i].Shape()...)
				if diff := cmp.Diff(want.Shape(), g.Shape()); diff != "" {
					t.Errorf("gradient %d shape (-want +got):\n%s", i, diff)
				}
				if diff := cmp.Diff(want.Data(), g.Value().Data()); diff != "" {
					t.Errorf("gradient %d (-want +got):\n%s", i, diff)
				}
			}
		})
	}
}

// TestEmptyInputLeafGradsAreZeros: after Backward through an op whose input
// or batch is empty, every leaf that needs a gradient has a .Grad() of its
// shape holding zeros (a weight's too: RMSNorm's [4]), as Grad gives and
// torch 1.13 does; these fused derivatives used to return early, leaving
// .Grad() nil, which an optimizer reads as "no gradient".
func TestEmptyInputLeafGradsAreZeros(t *testing.T) {
	type V = autograd.Var[float64]
	param := func(shape ...int) *V { return autograd.Param(tensor.Ones[float64](shape...)) }
	for _, c := range []struct {
		name string
		ins  []*V
		f    func(xs []*V) *V
	}{
		{"RMSNorm [0 4], weight [4]", []*V{param(0, 4), param(4)},
			func(xs []*V) *V { return autograd.RMSNorm(xs[0], 1, xs[1], 1e-6) }},
		{"LogSumExp of [0 3]", []*V{param(0, 3)}, func(xs []*V) *V { return autograd.LogSumExp(xs[0]) }},
		{"Prod of [0 3]", []*V{param(0, 3)}, func(xs []*V) *V { return autograd.Prod(xs[0]) }},
		{"CrossEntropySoft, empty batch", []*V{param(0, 3), param(0, 3)},
			func(xs []*V) *V {
				return autograd.CrossEntropySoft(xs[0], xs[1], autograd.CrossEntropyOptions[float64]{Reduction: autograd.ReduceSum})
			}},
		{"NLLWith, empty batch", []*V{param(0, 3)},
			func(xs []*V) *V {
				return autograd.NLLWith(xs[0], nil, autograd.NLLOptions[float64]{Reduction: autograd.ReduceSum})
			}},
		{"PackedSelfAttention, L = 0", []*V{param(0, 18)},
			func(xs []*V) *V { return autograd.PackedSelfAttention(xs[0], 2, 2, autograd.AttentionOptions{}) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			autograd.Sum(c.f(c.ins)).Backward()
			for i, in := range c.ins {
				g := in.Grad()
				if g == nil {
					t.Errorf("input %d: .Grad() is nil after Backward, want zeros of %v", i, in.Shape())
					continue
				}
				want := tensor.Zeros[float64](in.Shape()...)
				if !cmp.Equal(want.Shape(), g.Shape()) || !cmp.Equal(want.Data(), g.Data()) {
					t.Errorf("input %d: .Grad() = %v, want %v", i, g, want)
				}
			}
		})
	}
}

// TestConvWeightGradOfEmptyImages: a convolution of images with no pixels
// whose tensor has nil data (as Clone and MustNew(nil, ...) make it) gives
// zero weight gradients by every path. The weight's gradient kernel read
// nil data as "no input: take the columns", and panicked with a slice out
// of range under CreateGraph.
func TestConvWeightGradOfEmptyImages(t *testing.T) {
	type V = autograd.Var[float64]
	for _, c := range []struct {
		name    string
		x, w    *tensor.Tensor[float64]
		f       func(x, w *V) *V
		wantOut []int
	}{
		{"Conv2D [2 2 0 4] pad 1", tensor.MustNew[float64](nil, 2, 2, 0, 4), tensor.Ones[float64](3, 2, 1, 1),
			func(x, w *V) *V { return autograd.Conv2D(x, w, nil, autograd.Conv2DOptions{Padding: [2]int{1, 1}}) }, []int{2, 3, 2, 6}},
		{"Conv1D [2 3 0] pad 1", tensor.MustNew[float64](nil, 2, 3, 0), tensor.Ones[float64](6, 3, 1),
			func(x, w *V) *V { return autograd.Conv1D(x, w, nil, autograd.Conv1DOptions{Padding: 1}) }, []int{2, 6, 2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			x, w := autograd.Param(c.x), autograd.Param(c.w)
			y := c.f(x, w)
			if !cmp.Equal(y.Shape(), c.wantOut) {
				t.Fatalf("output shape %v, want %v", y.Shape(), c.wantOut)
			}
			gs := autograd.Grad([]*V{autograd.Sum(y)}, []*V{x, w}, autograd.CreateGraph())
			autograd.Sum(c.f(x, w)).Backward()
			for _, g := range []*tensor.Tensor[float64]{gs[1].Value(), w.Grad()} {
				if !cmp.Equal(g.Data(), make([]float64, c.w.Len())) {
					t.Errorf("weight gradient %v, want zeros", g)
				}
			}
		})
	}
}
