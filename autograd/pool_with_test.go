package autograd_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The values of these tests were computed by hand and checked with torch
// 1.13 (the expressions in the comments).

// TestAvgPool2DWithDivisors checks PyTorch's three divisor rules on a
// plane of ones, where each output is (elements covered) / divisor: a 4×4
// plane, kernel 3, stride 2, padding 1, ceil mode gives 3×3 windows whose
// rows cover 2, 3, 1 input rows of padded sizes 3, 3, 2 (the last window
// runs past the padding), and likewise the columns.
func TestAvgPool2DWithDivisors(t *testing.T) {
	x := autograd.Const(tensor.Ones[float64](1, 1, 4, 4))
	base := autograd.AvgPool2DOptions{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true}
	exclude, override := base, base
	exclude.ExcludePad = true
	override.DivisorOverride = 2
	tests := []struct {
		name string
		opts autograd.AvgPool2DOptions
		want []float64
	}{
		// F.avg_pool2d(ones(1,1,4,4), 3, 2, 1, ceil_mode=True)
		{"count_include_pad", base, []float64{4.0 / 9, 6.0 / 9, 2.0 / 6, 6.0 / 9, 1, 3.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 4}},
		// count_include_pad=False
		{"exclude pad", exclude, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1}},
		// divisor_override=2
		{"divisor override", override, []float64{2, 3, 1, 3, 4.5, 1.5, 1, 1.5, 0.5}},
	}
	for _, tt := range tests {
		checkTensor(t, tt.name, autograd.AvgPool2DWith(x, tt.opts).Value(), view([]int{1, 1, 3, 3}, tt.want...), 1e-15)
	}
}

// TestAvgPool2DWithIsAvgPool2D: without the new options, AvgPool2DWith is
// AvgPool2D bit for bit.
func TestAvgPool2DWithIsAvgPool2D(t *testing.T) {
	x := autograd.Param(randTensorAG(newRand(5), 2, 3, 5, 6))
	k, s, p := [2]int{3, 2}, [2]int{2, 0}, [2]int{1, 1}
	want := autograd.AvgPool2D(x, k, s, p).Value()
	got := autograd.AvgPool2DWith(x, autograd.AvgPool2DOptions{Kernel: k, Stride: s, Padding: p}).Value()
	if diff := cmp.Diff(want.Data(), got.Data()); diff != "" {
		t.Errorf("AvgPool2DWith differs from AvgPool2D (-want +got):\n%s", diff)
	}
}

// randTensorAG returns a tensor of the given shape, uniform in [-1, 1).
func randTensorAG(rng interface{ Float64() float64 }, shape ...int) *tensor.Tensor[float64] {
	n := 1
	for _, d := range shape {
		n *= d
	}
	d := make([]float64, n)
	for i := range d {
		d[i] = 2*rng.Float64() - 1
	}
	return tensor.MustNew(d, shape...)
}

var maxPoolPlane = []float64{
	3, 1, 4, 1, 5,
	9, 2, 6, 5, 3,
	5, 8, 9, 7, 9,
	3, 2, 3, 8, 4,
}

func TestMaxPool2DWithIndices(t *testing.T) {
	x := autograd.Const(t64(maxPoolPlane, 1, 1, 4, 5))
	tests := []struct {
		name    string
		opts    autograd.Pool2DOptions
		shape   []int
		want    []float64
		indices []int
	}{
		// F.max_pool2d(y, 2, 2, ceil_mode=True, return_indices=True): the
		// last column is a window of its own.
		{"ceil mode", autograd.Pool2DOptions{Kernel: [2]int{2, 2}, CeilMode: true}, []int{1, 1, 2, 3},
			[]float64{9, 6, 5, 8, 9, 9}, []int{5, 7, 4, 11, 12, 14}},
		// F.max_pool2d(y, 2, (1, 2), 1, (2, 2), return_indices=True)
		{"dilation padding", autograd.Pool2DOptions{Kernel: [2]int{2, 2}, Stride: [2]int{1, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 2}},
			[]int{1, 1, 4, 3}, []float64{2, 5, 5, 8, 8, 7, 2, 8, 8, 8, 8, 7}, []int{6, 8, 8, 11, 11, 13, 6, 18, 18, 11, 11, 13}},
	}
	for _, tt := range tests {
		y, idx := autograd.MaxPool2DWith(x, tt.opts)
		checkTensor(t, tt.name, y.Value(), view(tt.shape, tt.want...), 0)
		if diff := cmp.Diff(tt.indices, idx.Data()); diff != "" {
			t.Errorf("%s: indices (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.shape, idx.Shape()); diff != "" {
			t.Errorf("%s: index shape (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestMaxPoolTiesGoFirst: on a constant plane every window's maximum is
// tied; the value and the whole gradient go to the first element of the
// window in row-major order (torch: indices [0, 1] for zeros(1,1,2,3),
// kernel 2, stride 1), for MaxPool2DWith and AdaptiveMaxPool2D alike.
func TestMaxPoolTiesGoFirst(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    func(x *V) (*V, *tensor.Index)
	}{
		{"MaxPool2DWith", func(x *V) (*V, *tensor.Index) {
			return autograd.MaxPool2DWith(x, autograd.Pool2DOptions{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}})
		}},
		{"AdaptiveMaxPool2D", func(x *V) (*V, *tensor.Index) { return autograd.AdaptiveMaxPool2D(x, 1, 2) }},
	} {
		x := autograd.Param(tensor.Zeros[float64](1, 1, 2, 3))
		y, idx := tt.f(x)
		if diff := cmp.Diff([]int{0, 1}, idx.Data()); diff != "" {
			t.Errorf("%s: indices (-want +got):\n%s", tt.name, diff)
		}
		autograd.Sum(y).Backward()
		checkTensor(t, tt.name+" gradient", x.Grad(), view([]int{1, 1, 2, 3}, 1, 1, 0, 0, 0, 0), 0)
	}
}

func TestAdaptivePooling(t *testing.T) {
	x := autograd.Const(t64(maxPoolPlane, 1, 1, 4, 5))
	// F.adaptive_max_pool2d(y, 2, return_indices=True): column windows
	// [0, 3) and [2, 5) overlap.
	y, idx := autograd.AdaptiveMaxPool2D(x, 2, 2)
	checkTensor(t, "AdaptiveMaxPool2D", y.Value(), view([]int{1, 1, 2, 2}, 9, 6, 9, 9), 0)
	if diff := cmp.Diff([]int{5, 7, 12, 12}, idx.Data()); diff != "" {
		t.Errorf("AdaptiveMaxPool2D indices (-want +got):\n%s", diff)
	}
	// Rows [0, 2) and [2, 4); columns [0, 3) and [2, 5).
	want := []float64{
		(3 + 1 + 4 + 9 + 2 + 6) / 6.0, (4 + 1 + 5 + 6 + 5 + 3) / 6.0,
		(5 + 8 + 9 + 3 + 2 + 3) / 6.0, (9 + 7 + 9 + 3 + 8 + 4) / 6.0,
	}
	checkTensor(t, "AdaptiveAvgPool2D", autograd.AdaptiveAvgPool2D(x, 2, 2).Value(), view([]int{1, 1, 2, 2}, want...), 1e-15)
}

func TestMaxUnpool2DInvertsMaxPool(t *testing.T) {
	x := autograd.Param(t64(maxPoolPlane, 1, 1, 4, 5))
	y, idx := autograd.MaxPool2DWith(x, autograd.Pool2DOptions{Kernel: [2]int{2, 2}})
	u := autograd.MaxUnpool2D(y, idx, autograd.Unpool2DOptions{Kernel: [2]int{2, 2}, OutputSize: [2]int{4, 5}})
	checkTensor(t, "MaxUnpool2D", u.Value(), view([]int{1, 1, 4, 5},
		0, 0, 0, 0, 0,
		9, 0, 6, 0, 0,
		0, 8, 9, 0, 0,
		0, 0, 0, 0, 0), 0)
	// The gradient of unpool∘pool reaches exactly the maxima.
	autograd.Sum(u).Backward()
	checkTensor(t, "d/dx", x.Grad(), view([]int{1, 1, 4, 5},
		0, 0, 0, 0, 0,
		1, 0, 1, 0, 0,
		0, 1, 1, 0, 0,
		0, 0, 0, 0, 0), 0)
}

func TestInterpolateCoordinates(t *testing.T) {
	x := autograd.Const(t64([]float64{0, 1, 2}, 1, 1, 1, 3))
	tests := []struct {
		name string
		opts autograd.InterpolateOptions
		want []float64
	}{
		// F.interpolate(x, size=(1, 5)): source ⌊dst·3/5⌋
		{"nearest size", autograd.InterpolateOptions{Size: [2]int{1, 5}}, []float64{0, 0, 1, 1, 2}},
		// scale_factor=(1, 1.5): 4 outputs, source ⌊dst/1.5⌋
		{"nearest scale", autograd.InterpolateOptions{ScaleFactor: [2]float64{1, 1.5}}, []float64{0, 0, 1, 2}},
		// mode="bilinear": source (dst + ½)·0.6 − ½, clamped at 0
		{"bilinear", autograd.InterpolateOptions{Size: [2]int{1, 5}, Mode: autograd.InterpBilinear}, []float64{0, 0.4, 1, 1.6, 2}},
		// align_corners=True: source dst·2/4
		{"bilinear align corners", autograd.InterpolateOptions{Size: [2]int{1, 5}, Mode: autograd.InterpBilinear, AlignCorners: true},
			[]float64{0, 0.5, 1, 1.5, 2}},
	}
	for _, tt := range tests {
		want := view([]int{1, 1, 1, len(tt.want)}, tt.want...)
		checkTensor(t, tt.name, autograd.Interpolate(x, tt.opts).Value(), want, 1e-15)
	}
}

func TestPadWithModes(t *testing.T) {
	x := autograd.Const(t64([]float64{0, 1, 2, 3, 4}, 5))
	tests := []struct {
		mode   autograd.PadMode
		widths [2]int
		want   []float64
	}{
		// F.pad(arange(5), (-1, 4), mode=...) and so on: reflect and
		// replicate read the whole input, circular wraps what is left
		// after cropping.
		{autograd.PadReflect, [2]int{-1, 4}, []float64{1, 2, 3, 4, 3, 2, 1, 0}},
		{autograd.PadReflect, [2]int{2, -4}, []float64{2, 1, 0}},
		{autograd.PadReplicate, [2]int{-3, 2}, []float64{3, 4, 4, 4}},
		{autograd.PadCircular, [2]int{-2, 3}, []float64{2, 3, 4, 2, 3, 4}},
		{autograd.PadCircular, [2]int{3, -2}, []float64{0, 1, 2, 0, 1, 2}},
		{autograd.PadConstant, [2]int{2, -3}, []float64{-1, -1, 0, 1}},
	}
	for _, tt := range tests {
		got := autograd.PadWith(x, [][2]int{tt.widths}, tt.mode, -1)
		checkTensor(t, fmt.Sprint(tt.mode, tt.widths), got.Value(), view([]int{len(tt.want)}, tt.want...), 0)
	}
	// Reflect sends the gradient of each mirrored element back to its
	// source: sum over F.pad(arange(5), (-1, 4), "reflect").
	p := autograd.Param(t64([]float64{0, 1, 2, 3, 4}, 5))
	autograd.Sum(autograd.PadWith(p, [][2]int{{-1, 4}}, autograd.PadReflect, 0)).Backward()
	checkTensor(t, "reflect gradient", p.Grad(), view([]int{5}, 1, 2, 2, 2, 1), 0)
}

func TestPoolingPanics(t *testing.T) {
	x := autograd.Const(tensor.Zeros[float64](1, 2, 4, 4))
	idx := tensor.MustIndex(make([]int, 8), 1, 2, 2, 2)
	shapeTests := []struct {
		name string
		f    func()
		want string
	}{
		{"max 2-D", func() {
			autograd.MaxPool2DWith(autograd.Const(tensor.Zeros[float64](4, 4)), autograd.Pool2DOptions{Kernel: [2]int{2, 2}})
		},
			"MaxPool2DWith: input must be 3-D"},
		{"max padding", func() { autograd.MaxPool2DWith(x, autograd.Pool2DOptions{Kernel: [2]int{2, 2}, Padding: [2]int{2, 0}}) },
			"between 0 and half the kernel size"},
		{"max too large", func() {
			autograd.MaxPool2DWith(x, autograd.Pool2DOptions{Kernel: [2]int{3, 3}, Dilation: [2]int{2, 2}})
		},
			"does not fit the padded input"},
		{"avg divisor", func() {
			autograd.AvgPool2DWith(x, autograd.AvgPool2DOptions{Kernel: [2]int{2, 2}, DivisorOverride: -1})
		},
			"DivisorOverride"},
		{"adaptive size", func() { autograd.AdaptiveAvgPool2D(x, 0, 2) }, "AdaptiveAvgPool2D: output size 0×2"},
		{"unpool indices shape", func() { autograd.MaxUnpool2D(x, idx, autograd.Unpool2DOptions{Kernel: [2]int{2, 2}}) },
			"indices must have the input's shape"},
		{"unpool output size", func() {
			autograd.MaxUnpool2D(autograd.Const(tensor.Zeros[float64](1, 2, 2, 2)), idx, autograd.Unpool2DOptions{Kernel: [2]int{2, 2}, OutputSize: [2]int{6, 4}})
		}, "within a stride 2 of the default 4"},
		{"unpool index range", func() {
			bad := tensor.MustIndex([]int{0, 1, 2, 16, 0, 0, 0, 0}, 1, 2, 2, 2)
			autograd.MaxUnpool2D(autograd.Const(tensor.Zeros[float64](1, 2, 2, 2)), bad, autograd.Unpool2DOptions{Kernel: [2]int{2, 2}})
		}, "index 16 (position 3) is outside its plane [0, 16)"},
		{"pad leading axis", func() { autograd.PadWith(x, [][2]int{{1, 0}, {0, 0}, {0, 0}, {0, 0}}, autograd.PadReflect, 0) },
			"reflect mode pads only the last 3 axes"},
		{"pad reflect width", func() { autograd.PadWith(x, [][2]int{{0, 0}, {0, 0}, {4, 0}, {0, 0}}, autograd.PadReflect, 0) },
			"must be less than its length 4"},
		{"pad circular width", func() { autograd.PadWith(x, [][2]int{{0, 0}, {0, 0}, {0, 0}, {-1, 4}}, autograd.PadCircular, 0) },
			"at most the length 3 left after cropping"},
		{"pad crop", func() { autograd.PadWith(x, [][2]int{{0, 0}, {0, 0}, {0, 0}, {-3, -2}}, autograd.PadConstant, 0) },
			"negative length"},
		{"interpolate 3-D", func() {
			autograd.Interpolate(autograd.Const(tensor.Zeros[float64](2, 4, 4)), autograd.InterpolateOptions{Size: [2]int{2, 2}})
		},
			"Interpolate: input must be 4-D"},
		{"interpolate empty input", func() {
			autograd.Interpolate(autograd.Const(tensor.Zeros[float64](1, 1, 0, 4)), autograd.InterpolateOptions{Size: [2]int{2, 2}})
		},
			"Interpolate: input height and width must be positive: [1 1 0 4]"},
	}
	for _, tt := range shapeTests {
		se := mustShapeError(t, tt.f)
		if !strings.Contains(se.Error(), tt.want) {
			t.Errorf("%s: %q does not mention %q", tt.name, se, tt.want)
		}
	}
	usageTests := []struct {
		name string
		f    func()
		want string
	}{
		{"interpolate both", func() {
			autograd.Interpolate(x, autograd.InterpolateOptions{Size: [2]int{2, 2}, ScaleFactor: [2]float64{2, 2}})
		}, "exactly one of Size"},
		{"interpolate neither", func() { autograd.Interpolate(x, autograd.InterpolateOptions{}) }, "exactly one of Size"},
		{"interpolate mode", func() { autograd.Interpolate(x, autograd.InterpolateOptions{Size: [2]int{2, 2}, Mode: "bicubic"}) }, `unknown mode "bicubic"`},
		{"interpolate align nearest", func() {
			autograd.Interpolate(x, autograd.InterpolateOptions{Size: [2]int{2, 2}, AlignCorners: true})
		}, "bilinear interpolation only"},
		{"interpolate empty", func() { autograd.Interpolate(x, autograd.InterpolateOptions{ScaleFactor: [2]float64{0.2, 1}}) }, "empty output"},
		{"pad mode", func() { autograd.PadWith(x, [][2]int{{0, 0}, {0, 0}, {1, 1}, {1, 1}}, "edge", 0) }, `unknown mode "edge"`},
	}
	for _, tt := range usageTests {
		err := mustPanicError(t, tt.f)
		var ue *autograd.UsageError
		if !errors.As(err, &ue) {
			t.Errorf("%s: panicked with %T (%v), want *autograd.UsageError", tt.name, err, err)
			continue
		}
		if !strings.Contains(ue.Error(), tt.want) {
			t.Errorf("%s: %q does not mention %q", tt.name, ue, tt.want)
		}
	}
}
