package layers_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

var (
	_ layers.Module[float64] = (*layers.AdaptiveAvgPool2D[float64])(nil)
	_ layers.Module[float64] = (*layers.AdaptiveMaxPool2D[float64])(nil)
	_ layers.Module[float64] = (*layers.Upsample[float64])(nil)
	_ layers.Module[float64] = (*layers.Pad2D[float64])(nil)
)

// plane12 is the 3×4 image 1..12 as [1, 1, 3, 4].
func plane12() *autograd.Var[float64] {
	d := make([]float64, 12)
	for i := range d {
		d[i] = float64(i + 1)
	}
	return autograd.Const(tensor.MustNew(d, 1, 1, 3, 4))
}

func TestPoolLayerOptions(t *testing.T) {
	x := plane12()
	// Ceil mode: a 2×2 pooling of 3×4 keeps the partial last row of
	// windows (nn.MaxPool2d(2, ceil_mode=True)).
	mp := &layers.MaxPool2D[float64]{Kernel: [2]int{2, 2}, CeilMode: true}
	y, idx := mp.ForwardWithIndices(x)
	if diff := cmp.Diff(view([]int{1, 1, 2, 2}, 6, 8, 10, 12), viewOf(y.Value())); diff != "" {
		t.Errorf("MaxPool2D ceil mode (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int{5, 7, 9, 11}, idx.Data()); diff != "" {
		t.Errorf("MaxPool2D indices (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(viewOf(y.Value()), viewOf(mp.Forward(x).Value())); diff != "" {
		t.Errorf("Forward differs from ForwardWithIndices (-want +got):\n%s", diff)
	}
	// Unpooling puts the maxima back, zeros elsewhere.
	u := layers.NewMaxUnpool2D[float64](2).Forward(y, idx, 3, 4)
	if diff := cmp.Diff(view([]int{1, 1, 3, 4}, 0, 0, 0, 0, 0, 6, 0, 8, 0, 10, 0, 12), viewOf(u.Value())); diff != "" {
		t.Errorf("MaxUnpool2D (-want +got):\n%s", diff)
	}
	// count_include_pad=False: the padded corners average the input only.
	ap := &layers.AvgPool2D[float64]{Kernel: [2]int{2, 2}, Padding: [2]int{1, 1}, ExcludePad: true}
	want := view([]int{1, 1, 2, 3}, 1, 2.5, 4, 7, 8.5, 10)
	if diff := cmp.Diff(want, viewOf(ap.Forward(x).Value()), approx(1e-15)); diff != "" {
		t.Errorf("AvgPool2D exclude pad (-want +got):\n%s", diff)
	}
}

func TestAdaptivePoolLayers(t *testing.T) {
	x := plane12()
	if diff := cmp.Diff(view([]int{1, 1, 1, 1}, 6.5), viewOf(layers.NewAdaptiveAvgPool2D[float64](1, 1).Forward(x).Value()), approx(1e-15)); diff != "" {
		t.Errorf("global average (-want +got):\n%s", diff)
	}
	// A zero size keeps the axis: columns [0, 2) and [2, 4) of each row.
	got := (&layers.AdaptiveMaxPool2D[float64]{OutputSize: [2]int{0, 2}}).Forward(x)
	if diff := cmp.Diff(view([]int{1, 1, 3, 2}, 2, 4, 6, 8, 10, 12), viewOf(got.Value())); diff != "" {
		t.Errorf("AdaptiveMaxPool2D (-want +got):\n%s", diff)
	}
	gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return layers.NewAdaptiveAvgPool2D[float64](2, 3).Forward(in[0])
	}, []*tensor.Tensor[float64]{randTensor(newRNG(7), 2, 2, 5, 4)})
}

func TestUpsampleAndPadLayers(t *testing.T) {
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 1, 1, 2, 3))
	up := layers.NewUpsample[float64](2, autograd.InterpNearest).Forward(x)
	if diff := cmp.Diff(view([]int{1, 1, 4, 6},
		1, 1, 2, 2, 3, 3,
		1, 1, 2, 2, 3, 3,
		4, 4, 5, 5, 6, 6,
		4, 4, 5, 5, 6, 6), viewOf(up.Value())); diff != "" {
		t.Errorf("Upsample nearest (-want +got):\n%s", diff)
	}
	tests := []struct {
		name string
		pad  *layers.Pad2D[float64]
		want tensorView
	}{
		// F.pad(x, (1, 1, 1, 0), mode="reflect")
		{"reflection", layers.NewReflectionPad2D[float64](1, 1, 1, 0), view([]int{1, 1, 3, 5},
			5, 4, 5, 6, 5,
			2, 1, 2, 3, 2,
			5, 4, 5, 6, 5)},
		{"replication", layers.NewReplicationPad2D[float64](0, 2, 0, 1), view([]int{1, 1, 3, 5},
			1, 2, 3, 3, 3,
			4, 5, 6, 6, 6,
			4, 5, 6, 6, 6)},
		{"circular", layers.NewCircularPad2D[float64](1, 0, 0, 0), view([]int{1, 1, 2, 4}, 3, 1, 2, 3, 6, 4, 5, 6)},
		{"zero crops", layers.NewZeroPad2D[float64](-1, 1, 0, -1), view([]int{1, 1, 1, 3}, 2, 3, 0)},
		{"constant", layers.NewConstantPad2D[float64](0, 0, 1, 0, 9), view([]int{1, 1, 3, 3}, 9, 9, 9, 1, 2, 3, 4, 5, 6)},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, viewOf(tt.pad.Forward(x).Value())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestNewPoolLayerPanics(t *testing.T) {
	x := plane12()
	argPanic(t, func() { layers.NewAdaptiveAvgPool2D[float64](-1, 1) })
	argPanic(t, func() { layers.NewAdaptiveMaxPool2D[float64](1, -2) })
	argPanic(t, func() { layers.NewMaxUnpool2D[float64](0) })
	argPanic(t, func() { layers.NewUpsample[float64](0, autograd.InterpNearest) })
	if ae := argPanic(t, func() { (&layers.MaxPool2D[float64]{Kernel: [2]int{2, 2}, Dilation: [2]int{-1, 1}}).Forward(x) }); ae.Arg != "Dilation" {
		t.Errorf("MaxPool2D dilation: Arg %q, want Dilation", ae.Arg)
	}
	if ae := argPanic(t, func() { (&layers.AvgPool2D[float64]{Kernel: [2]int{2, 2}, DivisorOverride: -3}).Forward(x) }); ae.Arg != "DivisorOverride" {
		t.Errorf("AvgPool2D divisor: Arg %q, want DivisorOverride", ae.Arg)
	}
	shapePanic(t, func() { layers.NewReflectionPad2D[float64](4, 0, 0, 0).Forward(x) })
	shapePanic(t, func() { layers.NewZeroPad2D[float64](1, 1, 1, 1).Forward(autograd.Const(tensor.Zeros[float64](3))) })
}
