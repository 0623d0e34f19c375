package autograd

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestConvFamilyForwardRules compares the forward rules of the linear
// algebra, einsum, convolution and pooling ops with genericJVP on
// configurations the op table does not reach (no bias, a bias alone,
// pointwise windows, overlapping and padded windows, repeated operands,
// broadcast einsum labels), on every node of each op's graph, of its
// gradient's and of its gradient's gradient, and for every subset of the
// inputs with a tangent (a nil tangent must contribute nothing).
func TestConvFamilyForwardRules(t *testing.T) {
	type fn = func(xs ...*Var[float64]) *Var[float64]
	cases := []struct {
		name   string
		shapes [][]int
		f      fn
	}{
		{"Linear", [][]int{{3, 4}, {5, 4}, {5}}, func(xs ...*Var[float64]) *Var[float64] { return Linear(xs[0], xs[1], xs[2]) }},
		{"Linear/nobias", [][]int{{3, 4}, {5, 4}}, func(xs ...*Var[float64]) *Var[float64] { return Linear(xs[0], xs[1], nil) }},
		{"LinearReLU", [][]int{{6, 4}, {5, 4}, {5}}, func(xs ...*Var[float64]) *Var[float64] { return LinearReLU(xs[0], xs[1], xs[2]) }},
		{"LinearReLU/nobias", [][]int{{6, 4}, {5, 4}}, func(xs ...*Var[float64]) *Var[float64] { return LinearReLU(xs[0], xs[1], nil) }},
		{"Transpose", [][]int{{3, 4}}, func(xs ...*Var[float64]) *Var[float64] { return Transpose(xs[0]) }},
		{"Einsum/chain", [][]int{{2, 3}, {3, 4}, {4, 2}}, func(xs ...*Var[float64]) *Var[float64] { return Einsum("ij,jk,kl->il", xs...) }},
		{"Einsum/diagonal", [][]int{{3, 3}}, func(xs ...*Var[float64]) *Var[float64] { return Einsum("ii->i", xs...) }},
		{"Einsum/ellipsis", [][]int{{2, 1, 3, 4}, {3, 4, 2}}, func(xs ...*Var[float64]) *Var[float64] { return Einsum("...ij,...jk", xs...) }},
		{"Einsum/size1", [][]int{{3, 1}, {4, 2}}, func(xs ...*Var[float64]) *Var[float64] { return Einsum("ij,jk->ik", xs...) }},
		{"Einsum/twice", [][]int{{4}}, func(xs ...*Var[float64]) *Var[float64] { return Einsum("i,i,i->", xs[0], xs[0], xs[0]) }},
		{"Dot", [][]int{{4}, {4}}, func(xs ...*Var[float64]) *Var[float64] { return Dot(xs[0], xs[1]) }},
		{"Outer", [][]int{{3}, {4}}, func(xs ...*Var[float64]) *Var[float64] { return Outer(xs[0], xs[1]) }},
		{"Trace", [][]int{{3, 4}}, func(xs ...*Var[float64]) *Var[float64] { return Trace(xs[0]) }},
		{"Conv2D", [][]int{{2, 4, 5, 6}, {6, 2, 3, 2}, {6}}, func(xs ...*Var[float64]) *Var[float64] {
			return Conv2D(xs[0], xs[1], xs[2], Conv2DOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 2}, Groups: 2})
		}},
		{"Conv2D/pointwise", [][]int{{2, 3, 4, 4}, {5, 3, 1, 1}}, func(xs ...*Var[float64]) *Var[float64] {
			return Conv2D(xs[0], xs[1], nil, Conv2DOptions{})
		}},
		{"Conv2D/depthwise", [][]int{{1, 3, 5, 5}, {3, 1, 3, 3}, {3}}, func(xs ...*Var[float64]) *Var[float64] {
			return Conv2D(xs[0], xs[1], xs[2], Conv2DOptions{Padding: [2]int{1, 1}, Groups: 3})
		}},
		{"Conv1D", [][]int{{2, 4, 7}, {6, 2, 3}, {6}}, func(xs ...*Var[float64]) *Var[float64] {
			return Conv1D(xs[0], xs[1], xs[2], Conv1DOptions{Stride: 2, Padding: 1, Dilation: 2, Groups: 2})
		}},
		{"ConvTranspose2D", [][]int{{2, 4, 3, 4}, {4, 3, 2, 3}, {6}}, func(xs ...*Var[float64]) *Var[float64] {
			return ConvTranspose2D(xs[0], xs[1], xs[2], ConvTranspose2DOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0},
				OutputPadding: [2]int{1, 1}, Dilation: [2]int{1, 2}, Groups: 2})
		}},
		{"ConvTranspose2D/pointwise", [][]int{{2, 3, 3, 4}, {3, 2, 1, 1}}, func(xs ...*Var[float64]) *Var[float64] {
			return ConvTranspose2D(xs[0], xs[1], nil, ConvTranspose2DOptions{})
		}},
		{"MaxPool2D", [][]int{{2, 3, 5, 6}}, func(xs ...*Var[float64]) *Var[float64] {
			return MaxPool2D(xs[0], [2]int{3, 3}, [2]int{1, 2}, [2]int{1, 1})
		}},
		{"AvgPool2D", [][]int{{2, 3, 5, 6}}, func(xs ...*Var[float64]) *Var[float64] {
			return AvgPool2D(xs[0], [2]int{3, 2}, [2]int{1, 1}, [2]int{1, 1})
		}},
		{"MaxPool2DWith", [][]int{{2, 3, 8, 5}}, func(xs ...*Var[float64]) *Var[float64] {
			y, _ := MaxPool2DWith(xs[0], Pool2DOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 1}, CeilMode: true})
			return y
		}},
		{"AvgPool2DWith", [][]int{{2, 3, 8, 5}}, func(xs ...*Var[float64]) *Var[float64] {
			return AvgPool2DWith(xs[0], AvgPool2DOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, ExcludePad: true})
		}},
		{"AdaptiveAvgPool2D", [][]int{{2, 3, 7, 5}}, func(xs ...*Var[float64]) *Var[float64] { return AdaptiveAvgPool2D(xs[0], 3, 4) }},
		{"AdaptiveMaxPool2D", [][]int{{2, 3, 7, 5}}, func(xs ...*Var[float64]) *Var[float64] {
			y, _ := AdaptiveMaxPool2D(xs[0], 3, 4)
			return y
		}},
		{"Interpolate/nearest", [][]int{{2, 3, 4, 5}}, func(xs ...*Var[float64]) *Var[float64] {
			return Interpolate(xs[0], InterpolateOptions{Size: [2]int{7, 3}})
		}},
		{"Interpolate/bilinear", [][]int{{2, 3, 4, 5}}, func(xs ...*Var[float64]) *Var[float64] {
			return Interpolate(xs[0], InterpolateOptions{Size: [2]int{7, 3}, Mode: InterpBilinear, AlignCorners: true})
		}},
		{"MaxUnpool2D", [][]int{{2, 3, 3, 2}}, func(xs ...*Var[float64]) *Var[float64] {
			return MaxUnpool2D(xs[0], unpoolTableIndices(), Unpool2DOptions{Kernel: [2]int{2, 2}})
		}},
	}
	want := map[string]bool{
		"Conv2DBackwardBias": false, "Conv1DBackwardBias": false, "MaxPool2DGather": false, "AvgPool2DBackward": false,
		"Resample2DAdjoint": false, "GatherPlanes": false, "ScatterAddPlanes": false, "MaxPool2DBackward": false,
		"ConvTranspose2DBackwardInput": false, "ConvTranspose2DBackwardWeight": false,
	}
	rng := rand.New(rand.NewPCG(3, 5))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			xs := make([]*Var[float64], len(tc.shapes))
			for i, s := range tc.shapes {
				xs[i] = Param(tensor.RandUniform(rng, -1.0, 1.0, s...))
			}
			out := tc.f(xs...)
			w1 := Param(tensor.RandUniform(rng, 0.5, 1.5, out.value.Shape()...))
			wrt := append(append([]*Var[float64]{}, xs...), w1)
			graphs := []*Var[float64]{out}
			for _, g := range Grad([]*Var[float64]{Sum(Mul(out, w1))}, wrt, CreateGraph()) {
				if !g.requiresGrad {
					continue
				}
				graphs = append(graphs, g)
				w2 := Param(tensor.RandUniform(rng, 0.5, 1.5, g.value.Shape()...))
				for _, gg := range Grad([]*Var[float64]{Sum(Mul(g, w2))}, wrt, CreateGraph()) {
					if gg.requiresGrad {
						graphs = append(graphs, gg)
					}
				}
			}
			walkNodes(graphs, func(v *Var[float64]) {
				if convFamilyType(v.node.impl) {
					if _, ok := want[v.node.op]; ok {
						want[v.node.op] = true
					}
					checkRuleSubsets(t, rng, v, jvpTol{rel: 1e-12})
				}
			})
		})
	}
	for op, ok := range want {
		if !ok {
			t.Errorf("no %s node was checked", op)
		}
	}
}

// convFamilyType reports whether impl is one of the node types whose
// forward rules TestConvFamilyForwardRules checks.
func convFamilyType(impl any) bool {
	switch impl.(type) {
	case linearOp[float64], linearReLUOp[float64], transposeOp[float64], *einsumOp[float64],
		*conv2DOp[float64], *conv2DGradOp[float64], *convTOp[float64], *convTGradOp[float64],
		*poolOp[float64], *resampleOp[float64]:
		return true
	}
	return false
}

// TestMaxUnpool2DForwardRuleRepeatedIndices pins MaxUnpool2D's forward
// rule where indices repeat: the tangent is unpooled as the input is (the
// last of repeated indices wins), the derivative of the forward pass, not
// the sum that the backward's convention (every repeated index gets the
// gradient) would give.
func TestMaxUnpool2DForwardRuleRepeatedIndices(t *testing.T) {
	x := Param(tensor.MustNew([]float64{1, 2, 3, 4}, 1, 1, 2, 2))
	idx := tensor.MustIndex([]int{0, 0, 5, 15}, 1, 1, 2, 2)
	y := MaxUnpool2D(x, idx, Unpool2DOptions{Kernel: [2]int{2, 2}})
	tx := tensor.MustNew([]float64{10, 20, 30, 40}, 1, 1, 2, 2)
	p := acquirePass[float64](nil)
	defer p.release()
	p.ctx = Context[float64]{out: y, p: p}
	got := y.node.impl.jvp(&p.ctx, []*tensor.Tensor[float64]{tx})
	want := make([]float64, 16)
	want[0], want[5], want[15] = 20, 30, 40
	for i, w := range want {
		if got.Data()[i] != w {
			t.Fatalf("element %d: got %v, want %v (all: %v)", i, got.Data()[i], w, got.Data())
		}
	}
}
