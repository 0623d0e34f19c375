package layers_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// seqTensor returns a tensor of shape whose element i is f(i).
func seqTensor(f func(i float64) float64, shape ...int) *tensor.Tensor[float64] {
	t := tensor.Zeros[float64](shape...)
	for i := range t.Data() {
		t.Data()[i] = f(float64(i))
	}
	return t
}

// TestConvPaddingMode compares Conv2D and Conv1D with each PaddingMode
// against torch 1.13's nn.Conv2d and nn.Conv1d with that padding_mode
// (stride 2 across, asymmetric padding for Conv2D): the output's shape and
// sum, and for the loss Σ y² the sum of |dx| and of dW.
func TestConvPaddingMode(t *testing.T) {
	b := tensor.MustNew([]float64{0.1, -0.2, 0.3}, 3)
	type want struct {
		shape          []int
		sum, gx, gwSum float64
	}
	check := func(t *testing.T, name string, y, x, w *autograd.Var[float64], wt want) {
		t.Helper()
		autograd.Sum(autograd.Square(y)).Backward()
		gx := 0.0
		for _, v := range x.Grad().Data() {
			gx += math.Abs(v)
		}
		got := want{y.Shape(), tensor.Sum(y.Value()).Item(), gx, tensor.Sum(w.Grad()).Item()}
		if !tensor.SameShape(got.shape, wt.shape) || math.Abs(got.sum-wt.sum) > 1e-9 || math.Abs(got.gx-wt.gx) > 1e-8 || math.Abs(got.gwSum-wt.gwSum) > 1e-9 {
			t.Errorf("%s: shape %v, Σy %.12f, Σ|dx| %.12f, ΣdW %.12f; torch %v, %.12f, %.12f, %.12f",
				name, got.shape, got.sum, got.gx, got.gwSum, wt.shape, wt.sum, wt.gx, wt.gwSum)
		}
	}
	for mode, wt := range map[autograd.PadMode]want{
		autograd.PadReflect:   {[]int{2, 3, 4, 4}, -179.613176621876, 12929.686904820013, -243.442643101151},
		autograd.PadReplicate: {[]int{2, 3, 4, 4}, -168.51374996406, 12587.545501679937, -186.843480886129},
		autograd.PadCircular:  {[]int{2, 3, 4, 4}, -149.054854628633, 10738.33848027488, -222.434842644454},
	} {
		c := layers.NewConv2D[float64](newRNG(1), 2, 3, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{1, 2}, Stride: [2]int{1, 2}}, nil)
		c.PaddingMode = mode
		copy(c.Weight.Value().Data(), seqTensor(func(i float64) float64 { return math.Cos(i / 5) }, 3, 2, 3, 3).Data())
		copy(c.Bias.Value().Data(), b.Data())
		x := autograd.Param(seqTensor(func(i float64) float64 { return math.Sin(i/7 - 2) }, 2, 2, 4, 5))
		check(t, "Conv2D "+string(mode), c.Forward(x), x, c.Weight, wt)
	}
	for mode, wt := range map[autograd.PadMode]want{
		autograd.PadReflect:   {[]int{2, 3, 8}, 20.088651432852, 458.065197103857, 115.8229049387},
		autograd.PadReplicate: {[]int{2, 3, 8}, 19.21551856473, 453.573493275503, 130.320605497189},
		autograd.PadCircular:  {[]int{2, 3, 8}, 18.601639583743, 387.829044489521, 84.772874283394},
	} {
		c := layers.NewConv1D[float64](newRNG(1), 2, 3, 3, layers.Conv1DOptions{Padding: 2}, nil)
		c.PaddingMode = mode
		copy(c.Weight.Value().Data(), seqTensor(func(i float64) float64 { return math.Sin(i / 4) }, 3, 2, 3).Data())
		copy(c.Bias.Value().Data(), b.Data())
		x := autograd.Param(seqTensor(func(i float64) float64 { return math.Cos(i / 3) }, 2, 2, 6))
		check(t, "Conv1D "+string(mode), c.Forward(x), x, c.Weight, wt)
	}

	// Zeros, as "" or PadConstant, is the plain convolution; a reflected
	// padding as wide as the input is refused, as PyTorch does.
	c := layers.NewConv1D[float64](newRNG(1), 1, 1, 3, layers.Conv1DOptions{Padding: 3}, nil)
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3}, 1, 1, 3))
	plain := c.Forward(x).Value().Clone()
	c.PaddingMode = autograd.PadConstant
	if !bitsEqual(c.Forward(x).Value(), plain) {
		t.Errorf("PadConstant differs from the zero PaddingMode")
	}
	c.PaddingMode = autograd.PadReflect
	shapePanic(t, func() { c.Forward(x) })
}
