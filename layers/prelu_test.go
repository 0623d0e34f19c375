package layers_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

var _ layers.Module[float32] = (*layers.PReLU[float32])(nil)

// TestPReLU compares values and gradients with torch 1.13's nn.PReLU on a
// [1 2 2 2] input with zeros (the gradient at 0 is the slope's, as torch
// gives), one shared slope and one per channel, weighted by 1..8.
func TestPReLU(t *testing.T) {
	in := []float64{-1.5, 0, 2, -0.5, 0.25, -3, 0, 1}
	tests := []struct {
		slopes              []float64
		value, gradX, gradW []float64
	}{
		{[]float64{0.25}, []float64{-0.375, 0, 2, -0.125, 0.25, -0.75, 0, 1},
			[]float64{0.25, 0.5, 3, 1, 5, 1.5, 1.75, 8}, []float64{-21.5}},
		{[]float64{0.25, -0.5}, []float64{-0.375, 0, 2, -0.125, 0.25, 1.5, 0, 1},
			[]float64{0.25, 0.5, 3, 1, 5, -3, -3.5, 8}, []float64{-3.5, -18}},
	}
	weights := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2)
	for _, tc := range tests {
		l := layers.NewPReLU[float64](len(tc.slopes), 0.25)
		copy(l.Weight.Value().Data(), tc.slopes)
		x := autograd.Param(tensor.MustNew(append([]float64(nil), in...), 1, 2, 2, 2))
		y := l.Forward(x)
		autograd.Sum(autograd.Mul(y, autograd.Const(weights))).Backward()
		for _, c := range []struct {
			what      string
			got       *tensor.Tensor[float64]
			want      []float64
			wantShape []int
		}{{"value", y.Value(), tc.value, []int{1, 2, 2, 2}}, {"x gradient", x.Grad(), tc.gradX, []int{1, 2, 2, 2}},
			{"weight gradient", l.Weight.Grad(), tc.gradW, []int{len(tc.slopes)}}} {
			if diff := cmp.Diff(view(c.wantShape, c.want...), viewOf(c.got), approx(1e-15)); diff != "" {
				t.Errorf("%d slopes: %s (-torch +adjoint):\n%s", len(tc.slopes), c.what, diff)
			}
		}
	}

	// ±Inf and NaN pass as torch's: +Inf stays +Inf with gradient 1, and
	// the slope's gradient is finite (Inf − Inf made both NaN).
	for _, l := range []*layers.PReLU[float32]{layers.NewPReLU[float32](1, 0.25), {Weight: autograd.Param(tensor.Full[float32](0.25, 1))}} {
		xi := autograd.Param(tensor.MustNew([]float32{float32(math.Inf(1)), -1}, 2))
		yi := l.Forward(xi)
		autograd.Sum(yi).Backward()
		if diff := cmp.Diff([][]float32{{float32(math.Inf(1)), -0.25}, {1, 0.25}, {-1}},
			[][]float32{yi.Value().Data(), xi.Grad().Data(), l.Weight.Grad().Data()}); diff != "" {
			t.Errorf("+Inf input: y, dx, dw (-torch +adjoint):\n%s", diff)
		}
	}

	// One slope keeps any shape, 0-d included; gradcheck away from 0.
	l := layers.NewPReLU[float64](1, 0.25)
	if got := l.Forward(autograd.Const(tensor.Scalar(-2.0))); !cmp.Equal(got.Shape(), []int{}) || got.Item() != -0.5 {
		t.Errorf("0-d: %v of shape %v, want -0.5 of shape []", got.Item(), got.Shape())
	}
	l3 := layers.NewPReLU[float64](3, 0.1)
	gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return (&layers.PReLU[float64]{Weight: in[1]}).Forward(in[0])
	}, []*tensor.Tensor[float64]{tensor.MustNew([]float64{-1, 2, -3, 0.5, 1.5, -0.7}, 2, 3), l3.Weight.Value()})

	if ps := l3.NamedParameters(); len(ps) != 1 || ps[0].Name != "weight" || ps[0].Param != l3.Weight {
		t.Errorf("NamedParameters() = %v, want the weight as \"weight\"", ps)
	}
	for _, bad := range []func(){
		func() { l3.Forward(autograd.Const(tensor.Zeros[float64](3))) },    // no channel axis
		func() { l3.Forward(autograd.Const(tensor.Zeros[float64](2, 4))) }, // 4 channels
		func() {
			(&layers.PReLU[float64]{Weight: autograd.Param(tensor.Zeros[float64](1, 1))}).Forward(autograd.Const(tensor.Zeros[float64](2)))
		},
		func() { layers.NewPReLU[float64](0, 0.25) },
	} {
		shapePanic(t, bad)
	}
}
