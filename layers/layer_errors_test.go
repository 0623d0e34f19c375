package layers_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestLayerShapeErrorsNameTheLayer feeds layers inputs they cannot take,
// whatever their options, and wants the package's promise: a
// *tensor.ShapeError of package layers naming the layer (by kernel, output
// size or weight where it has one), with the input's shape and the
// layer's setting or weight. These failed with the message of the autograd
// op inside (autograd: MaxPool2DWith: output size 0×0 is empty…), or, for
// a 3-D input to MaxPool2D with options, not at all while the same input
// failed without them.
func TestLayerShapeErrorsNameTheLayer(t *testing.T) {
	z := func(shape ...int) *autograd.Var[float64] { return autograd.Const(tensor.Zeros[float64](shape...)) }
	k2 := [2]int{2, 2}
	unpool := func(x *autograd.Var[float64]) {
		_, idx := layers.NewMaxPool2D[float64](2).ForwardWithIndices(z(1, 1, 4, 4))
		layers.NewMaxUnpool2D[float64](2).Forward(x, idx)
	}
	rng := newRNG(5)
	reflectConv := layers.NewConv2D[float64](rng, 2, 3, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{2, 2}}, nil)
	reflectConv.PaddingMode = autograd.PadReflect
	circularConv := layers.NewConv1D[float64](rng, 2, 3, 3, layers.Conv1DOptions{Padding: 2}, nil)
	circularConv.PaddingMode = autograd.PadCircular
	convT := layers.NewConvTranspose2D[float64](rng, 2, 3, [2]int{1, 1}, layers.ConvTranspose2DOptions{Padding: [2]int{2, 2}}, nil)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"MaxPool2D dilation, too small",
			func() { (&layers.MaxPool2D[float64]{Kernel: k2, Dilation: [2]int{3, 3}}).Forward(z(1, 1, 3, 3)) },
			"layers: MaxPool2D (kernel [2 2]): input 3x3 with padding [0 0] is smaller than the kernel [2 2] (dilation [3 3]): [1 1 3 3] x [2 2]"},
		{"MaxPool2D ceil mode, 2-D",
			func() { (&layers.MaxPool2D[float64]{Kernel: k2, CeilMode: true}).Forward(z(3, 3)) },
			"layers: MaxPool2D (kernel [2 2]): input must be 4-D [N C H W] or 3-D [C H W]: [3 3] x [2 2]"},
		{"MaxPool2D ForwardWithIndices, 5-D",
			func() { layers.NewMaxPool2D[float64](2).ForwardWithIndices(z(1, 1, 1, 3, 3)) },
			"layers: MaxPool2D (kernel [2 2]): input must be 4-D [N C H W] or 3-D [C H W]: [1 1 1 3 3] x [2 2]"},
		{"MaxPool2D 3-D, too small",
			func() { layers.NewMaxPool2D[float64](2).Forward(z(1, 1, 3)) },
			"layers: MaxPool2D (kernel [2 2]): input 1x3 with padding [0 0] is smaller than the kernel [2 2] (dilation [1 1]): [1 1 3] x [2 2]"},
		{"AvgPool2D exclude pad, 2-D",
			func() { (&layers.AvgPool2D[float64]{Kernel: k2, ExcludePad: true}).Forward(z(3, 3)) },
			"layers: AvgPool2D (kernel [2 2]): input must be 4-D [N C H W] or 3-D [C H W]: [3 3] x [2 2]"},
		{"AvgPool2D divisor, too small",
			func() { (&layers.AvgPool2D[float64]{Kernel: [2]int{4, 4}, DivisorOverride: 2}).Forward(z(1, 1, 3, 5)) },
			"layers: AvgPool2D (kernel [4 4]): input 3x5 with padding [0 0] is smaller than the kernel [4 4] (dilation [1 1]): [1 1 3 5] x [4 4]"},
		{"AdaptiveAvgPool2D 2-D",
			func() { layers.NewAdaptiveAvgPool2D[float64](2, 2).Forward(z(3, 3)) },
			"layers: AdaptiveAvgPool2D (output size [2 2]): input must be 4-D [N C H W] or 3-D [C H W] with H, W > 0: [3 3] x [2 2]"},
		{"AdaptiveMaxPool2D empty plane",
			func() { layers.NewAdaptiveMaxPool2D[float64](0, 2).Forward(z(1, 2, 0, 3)) },
			"layers: AdaptiveMaxPool2D (output size [0 2]): input must be 4-D [N C H W] or 3-D [C H W] with H, W > 0: [1 2 0 3] x [0 2]"},
		{"MaxUnpool2D indices of another shape",
			func() { unpool(z(1, 1, 3, 3)) },
			"layers: MaxUnpool2D (kernel [2 2]): indices must have the input's shape: [1 1 3 3] x [1 1 2 2] x [2 2]"},
		{"Upsample 3-D",
			func() { layers.NewUpsample[float64](2, autograd.InterpNearest).Forward(z(1, 3, 3)) },
			"layers: Upsample: input must be 4-D [N C H W]: [1 3 3]"},
		{"Upsample scaled to nothing",
			func() { layers.NewUpsample[float64](0.25, autograd.InterpBilinear).Forward(z(1, 1, 3, 8)) },
			"layers: Upsample: input 3x8 scaled by [0.25 0.25] gives an empty output: [1 1 3 8]"},
		{"Permute not a permutation",
			func() { layers.Permute[float64]{Axes: []int{0, 2, 1}}.Forward(z(2, 3)) },
			"layers: Permute: axes [0 2 1] are not a permutation of 2 axes: [2 3]"},
		{"Pad1D reflect too wide",
			func() { layers.NewReflectionPad1D[float64](3, 0).Forward(z(1, 1, 3)) },
			"layers: Pad1D: widths [[0 0] [0 0] [3 0]]: reflect widths [3 0] of axis 2 must be less than its length 3: [1 1 3] x [3 0]"},
		{"Pad2D circular too wide",
			func() { layers.NewCircularPad2D[float64](0, 0, 4, 0).Forward(z(1, 3, 3)) },
			"layers: Pad2D: widths [[0 0] [4 0] [0 0]]: circular widths [4 0] of axis 1 must be at most the length 3 left after cropping: [1 3 3] x [0 0 4 0]"},
		{"Pad3D replicate an empty axis",
			func() { layers.NewReplicationPad3D[float64]([6]int{1, 1, 0, 0, 0, 0}).Forward(z(1, 2, 2, 0)) },
			"layers: Pad3D: widths [[0 0] [0 0] [0 0] [1 1]]: axis 3 is empty: there is nothing to replicate: [1 2 2 0] x [1 1 0 0 0 0]"},
		{"Conv2D reflect padding too wide",
			func() { reflectConv.Forward(z(1, 2, 2, 4)) },
			"layers: Conv2D (weight): widths [[0 0] [0 0] [2 2] [2 2]]: reflect widths [2 2] of axis 2 must be less than its length 2: [1 2 2 4] x [3 2 3 3]"},
		{"Conv1D circular padding too wide",
			func() { circularConv.Forward(z(1, 2, 1)) },
			"layers: Conv1D (weight): widths [[0 0] [0 0] [2 2]]: circular widths [2 2] of axis 2 must be at most the length 1 left after cropping: [1 2 1] x [3 2 3]"},
		{"ConvTranspose2D empty output",
			func() { convT.Forward(z(1, 2, 2, 2)) },
			"layers: ConvTranspose2D (weight): output height (2−1)·1 − 2·2 + 1·(1−1) + 0 + 1 = -2 is not positive: [1 2 2 2] x [2 3 1 1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := shapePanic(t, tt.f)
			if se.Pkg != "layers" || se.Error() != tt.want {
				t.Errorf("got  %q (Pkg %q)\nwant %q", se.Error(), se.Pkg, tt.want)
			}
		})
	}
	// In a container the error still names the layer, not the container.
	net := layers.NewSequential[float64](layers.Flatten[float64]{}, &layers.MaxPool2D[float64]{Kernel: k2, CeilMode: true})
	if se := shapePanic(t, func() { net.Forward(z(2, 2, 2)) }); !strings.HasPrefix(se.Error(), "layers: MaxPool2D (kernel [2 2]): ") {
		t.Errorf("in a Sequential: %q", se)
	}
}

// TestPool2DUnbatched pools [C, H, W] inputs, which PyTorch's nn.MaxPool2d
// and nn.AvgPool2d take with and without options, as the batch of one
// [1, C, H, W] (which torch's tests hold the layers to). A 3-D input was
// rejected without options and accepted with them.
func TestPool2DUnbatched(t *testing.T) {
	x := randTensor(newRNG(11), 2, 5, 7)
	mods := []struct {
		name string
		m    layers.Module[float64]
	}{
		{"max", layers.NewMaxPool2D[float64](2)},
		{"max dilation ceil", &layers.MaxPool2D[float64]{Kernel: [2]int{2, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 1}, CeilMode: true}},
		{"avg", &layers.AvgPool2D[float64]{Kernel: [2]int{3, 2}, Padding: [2]int{1, 1}}},
		{"avg exclude pad ceil", &layers.AvgPool2D[float64]{Kernel: [2]int{2, 2}, Padding: [2]int{1, 0}, CeilMode: true, ExcludePad: true}},
	}
	for _, c := range mods {
		t.Run(c.name, func(t *testing.T) {
			batched := c.m.Forward(autograd.Const(x.Reshape(1, 2, 5, 7))).Value()
			got := c.m.Forward(autograd.Const(x)).Value()
			want := batched.Reshape(batched.Shape()[1:]...)
			if diff := cmp.Diff(viewOf(want), viewOf(got), approx(1e-14)); diff != "" {
				t.Errorf("[C H W] (-batched +unbatched):\n%s", diff)
			}
		})
	}
}
