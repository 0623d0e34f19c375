package autograd_test

// Tests of Conv2D, MaxPool2D and AvgPool2D: gradcheck rows (registered into
// the shared table), second derivatives, values against naive loops in
// float64 and float32, float32/float64 agreement of Backward, and every
// bad-geometry error.

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

func init() { moreGradcheckCases = append(moreGradcheckCases, convCases) }

type convOpts = autograd.Conv2DOptions

func convPair(h, w int) [2]int { return [2]int{h, w} }

// convCases is the gradcheck table's rows for this family. Sizes are small:
// gradcheck builds the full Jacobian.
func convCases() []gradcheckCase {
	var tab []gradcheckCase
	add := func(op, name string, f gradcheck.Func, inputs ...inputSpec) {
		tab = append(tab, gradcheckCase{op: op, name: name, inputs: inputs, f: f})
	}
	conv := []struct {
		name string
		x, w []int
		bias bool
		opts convOpts
	}{
		{"3x3 with bias", []int{1, 2, 4, 4}, []int{3, 2, 3, 3}, true, convOpts{}},
		{"2x2 no bias N=2 OC=3", []int{2, 2, 3, 3}, []int{3, 2, 2, 2}, false, convOpts{}},
		{"stride 2 padding 1", []int{2, 1, 5, 5}, []int{2, 1, 3, 3}, true, convOpts{Stride: convPair(2, 2), Padding: convPair(1, 1)}},
		{"dilation 2", []int{1, 2, 5, 5}, []int{2, 2, 2, 2}, true, convOpts{Dilation: convPair(2, 2)}},
		{"rectangular kernel, asymmetric stride padding dilation", []int{2, 3, 4, 5}, []int{2, 3, 3, 2}, true,
			convOpts{Stride: convPair(2, 1), Padding: convPair(1, 0), Dilation: convPair(1, 2)}},
		{"1x1 kernel C=3 OC=4", []int{2, 3, 2, 2}, []int{4, 3, 1, 1}, true, convOpts{}},
		{"OC=1 N=2", []int{2, 2, 3, 3}, []int{1, 2, 2, 2}, true, convOpts{}},
		{"kernel as large as the padded input", []int{1, 1, 2, 3}, []int{2, 1, 4, 3}, true, convOpts{Padding: convPair(1, 0)}},
	}
	for _, c := range conv {
		if c.bias {
			add("Conv2D", c.name, func(x []*V) *V { return autograd.Conv2D(x[0], x[1], x[2], c.opts) },
				in(anyReal, c.x...), in(anyReal, c.w...), in(anyReal, c.w[0]))
		} else {
			add("Conv2D", c.name, func(x []*V) *V { return autograd.Conv2D(x[0], x[1], nil, c.opts) },
				in(anyReal, c.x...), in(anyReal, c.w...))
		}
	}
	w := in(anyReal, 3, 2, 2, 2).draw(41)
	add("Conv2D", "constant weight", func(x []*V) *V { return autograd.Conv2D(x[0], autograd.Const(w), nil, convOpts{}) }, in(anyReal, 2, 2, 3, 3))
	xc := in(anyReal, 2, 2, 3, 3).draw(42)
	add("Conv2D", "constant input", func(x []*V) *V {
		return autograd.Conv2D(autograd.Const(xc), x[0], x[1], convOpts{Padding: convPair(1, 1)})
	},
		in(anyReal, 3, 2, 2, 2), in(anyReal, 3))
	add("Conv2D", "same Var as input and weight", func(x []*V) *V { return autograd.Conv2D(x[0], x[0], nil, convOpts{}) }, in(anyReal, 1, 1, 3, 3))

	pools := []struct {
		name                    string
		x                       []int
		kernel, stride, padding [2]int
	}{
		{"2x2 default stride", []int{1, 2, 4, 4}, convPair(2, 2), convPair(0, 0), convPair(0, 0)},
		{"3x3 stride 2 padding 1 N=2", []int{2, 1, 5, 5}, convPair(3, 3), convPair(2, 2), convPair(1, 1)},
		{"overlapping 2x3 stride (1 2) padding 1", []int{1, 2, 4, 5}, convPair(2, 3), convPair(1, 2), convPair(1, 1)},
		{"rectangular input, default stride in one axis", []int{2, 1, 3, 6}, convPair(3, 2), convPair(1, 0), convPair(1, 0)},
		{"1x1 kernel", []int{1, 1, 2, 3}, convPair(1, 1), convPair(0, 0), convPair(0, 0)},
	}
	for _, p := range pools {
		add("MaxPool2D", p.name, func(x []*V) *V { return autograd.MaxPool2D(x[0], p.kernel, p.stride, p.padding) }, in(anyReal, p.x...))
		add("AvgPool2D", p.name, func(x []*V) *V { return autograd.AvgPool2D(x[0], p.kernel, p.stride, p.padding) }, in(anyReal, p.x...))
	}
	return tab
}

// TestConvGradgradcheck gradchecks the gradients of Conv2D and the pools
// (Grad with CreateGraph), as TestGradgradcheck does for the core ops: for
// f(x..., w) = d/dx_k Sum(op(x...) ∘ w), with respect to every input.
func TestConvGradgradcheck(t *testing.T) {
	cases := []gradgradCase{
		{"Conv2D bias stride padding", func(x []*V) *V {
			return autograd.Conv2D(x[0], x[1], x[2], convOpts{Stride: convPair(2, 1), Padding: convPair(1, 1)})
		}, []inputSpec{in(anyReal, 2, 2, 3, 3), in(anyReal, 2, 2, 2, 2), in(anyReal, 2)}, []int{2, 2, 2, 4}},
		{"Conv2D dilation", func(x []*V) *V {
			return autograd.Conv2D(x[0], x[1], nil, convOpts{Dilation: convPair(2, 1)})
		}, []inputSpec{in(anyReal, 1, 2, 4, 3), in(anyReal, 2, 2, 2, 2)}, []int{1, 2, 2, 2}},
		{"MaxPool2D overlapping", func(x []*V) *V {
			return autograd.MaxPool2D(x[0], convPair(2, 2), convPair(1, 1), convPair(1, 0))
		}, []inputSpec{in(anyReal, 1, 2, 3, 3)}, []int{1, 2, 4, 2}},
		{"AvgPool2D padding", func(x []*V) *V {
			return autograd.AvgPool2D(x[0], convPair(3, 2), convPair(2, 0), convPair(1, 1))
		}, []inputSpec{in(anyReal, 2, 1, 4, 3)}, []int{2, 1, 2, 2}},
	}
	runGradgrad(t, cases, 7000)
}

// convNaive is the direct 7-loop convolution, in float64.
func convNaive(x, w, b *tensor.Tensor[float64], o convOpts) *tensor.Tensor[float64] {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	oc, kh, kw := ws[0], ws[2], ws[3]
	st, pd, dl := o.Stride, o.Padding, o.Dilation
	for i := range 2 {
		st[i], dl[i] = max(st[i], 1), max(dl[i], 1)
	}
	oh := (h+2*pd[0]-dl[0]*(kh-1)-1)/st[0] + 1
	ow := (wd+2*pd[1]-dl[1]*(kw-1)-1)/st[1] + 1
	out := tensor.Zeros[float64](n, oc, oh, ow)
	for bi := 0; bi < n; bi++ {
		for o := 0; o < oc; o++ {
			for y := 0; y < oh; y++ {
				for xo := 0; xo < ow; xo++ {
					s := 0.0
					if b != nil {
						s = b.At(o)
					}
					for ci := 0; ci < c; ci++ {
						for i := 0; i < kh; i++ {
							for j := 0; j < kw; j++ {
								ih, iw := y*st[0]-pd[0]+i*dl[0], xo*st[1]-pd[1]+j*dl[1]
								if ih >= 0 && ih < h && iw >= 0 && iw < wd {
									s += w.At(o, ci, i, j) * x.At(bi, ci, ih, iw)
								}
							}
						}
					}
					out.Set(s, bi, o, y, xo)
				}
			}
		}
	}
	return out
}

// convNaivePool is max or average pooling by its definition: -Inf padding
// for the maximum, zero padding counted in the average.
func convNaivePool(x *tensor.Tensor[float64], k, s, p [2]int, isMax bool) *tensor.Tensor[float64] {
	xs := x.Shape()
	for i := range 2 {
		if s[i] == 0 {
			s[i] = k[i]
		}
	}
	oh, ow := (xs[2]+2*p[0]-k[0])/s[0]+1, (xs[3]+2*p[1]-k[1])/s[1]+1
	out := tensor.Zeros[float64](xs[0], xs[1], oh, ow)
	for b := 0; b < xs[0]; b++ {
		for c := 0; c < xs[1]; c++ {
			for y := 0; y < oh; y++ {
				for xo := 0; xo < ow; xo++ {
					best, sum := math.Inf(-1), 0.0
					for i := 0; i < k[0]; i++ {
						for j := 0; j < k[1]; j++ {
							ih, iw := y*s[0]-p[0]+i, xo*s[1]-p[1]+j
							if ih >= 0 && ih < xs[2] && iw >= 0 && iw < xs[3] {
								v := x.At(b, c, ih, iw)
								best, sum = max(best, v), sum+v
							}
						}
					}
					if isMax {
						out.Set(best, b, c, y, xo)
					} else {
						out.Set(sum/float64(k[0]*k[1]), b, c, y, xo)
					}
				}
			}
		}
	}
	return out
}

// convGeometries are the Conv2D geometries compared against the naive loop.
var convGeometries = []struct {
	name string
	x, w []int
	opts convOpts
}{
	{"N=2 C=3 OC=4 3x3", []int{2, 3, 6, 5}, []int{4, 3, 3, 3}, convOpts{}},
	{"stride 2", []int{2, 3, 7, 6}, []int{4, 3, 3, 3}, convOpts{Stride: convPair(2, 2)}},
	{"padding 1", []int{2, 3, 5, 5}, []int{4, 3, 3, 3}, convOpts{Padding: convPair(1, 1)}},
	{"stride 2 padding 1", []int{2, 3, 7, 8}, []int{4, 3, 3, 3}, convOpts{Stride: convPair(2, 2), Padding: convPair(1, 1)}},
	{"dilation 2", []int{2, 3, 7, 7}, []int{4, 3, 3, 3}, convOpts{Dilation: convPair(2, 2)}},
	{"rectangular kernel 2x4", []int{2, 3, 5, 6}, []int{4, 3, 2, 4}, convOpts{}},
	{"rectangular everything", []int{2, 3, 6, 9}, []int{4, 3, 3, 2}, convOpts{Stride: convPair(1, 3), Padding: convPair(2, 1), Dilation: convPair(2, 3)}},
	{"explicit ones equal the zero value", []int{1, 3, 4, 4}, []int{4, 3, 2, 2}, convOpts{Stride: convPair(1, 1), Dilation: convPair(1, 1)}},
	{"N=1", []int{1, 3, 5, 5}, []int{4, 3, 3, 3}, convOpts{Padding: convPair(1, 2)}},
	{"OC=1", []int{3, 2, 4, 4}, []int{1, 2, 2, 2}, convOpts{}},
	{"1x1 kernel stride 2", []int{2, 3, 5, 5}, []int{4, 3, 1, 1}, convOpts{Stride: convPair(2, 2)}},
	{"kernel fills the padded input", []int{2, 3, 3, 2}, []int{4, 3, 5, 4}, convOpts{Padding: convPair(1, 1)}},
}

func TestConv2DMatchesNaive(t *testing.T) {
	for i, g := range convGeometries {
		t.Run(g.name, func(t *testing.T) {
			defer failOnPanic(t)
			x := in(anyReal, g.x...).draw(uint64(800 + 10*i))
			w := in(anyReal, g.w...).draw(uint64(801 + 10*i))
			b := in(anyReal, g.w[0]).draw(uint64(802 + 10*i))
			for _, withBias := range []bool{true, false} {
				var bias *V
				var nb *tensor.Tensor[float64]
				if withBias {
					bias, nb = autograd.Const(b), b
				}
				want := viewOf(convNaive(x, w, nb, g.opts))
				got := autograd.Conv2D(autograd.Const(x), autograd.Const(w), bias, g.opts)
				checkTensor(t, fmt.Sprintf("float64 bias=%v", withBias), got.Value(), want, 1e-12)

				// Recording a graph must not change the value.
				var pb *V
				if withBias {
					pb = autograd.Param(b)
				}
				got = autograd.Conv2D(autograd.Param(x), autograd.Param(w), pb, g.opts)
				checkTensor(t, fmt.Sprintf("float64 recorded bias=%v", withBias), got.Value(), want, 1e-12)

				var b32 *autograd.Var[float32]
				if withBias {
					b32 = autograd.Const(convTo32(b))
				}
				got32 := autograd.Conv2D(autograd.Const(convTo32(x)), autograd.Const(convTo32(w)), b32, g.opts)
				checkTensor(t, fmt.Sprintf("float32 bias=%v", withBias), got32.Value(), want, 1e-5)
			}
		})
	}
}

func TestConvPoolsMatchNaive(t *testing.T) {
	pools := []struct {
		name                    string
		x                       []int
		kernel, stride, padding [2]int
	}{
		{"2x2 default stride", []int{2, 3, 6, 6}, convPair(2, 2), convPair(0, 0), convPair(0, 0)},
		{"2x2 default stride, odd size drops the last row", []int{1, 2, 5, 7}, convPair(2, 2), convPair(0, 0), convPair(0, 0)},
		{"3x3 stride 2 padding 1", []int{2, 2, 7, 6}, convPair(3, 3), convPair(2, 2), convPair(1, 1)},
		{"3x3 stride 1 padding 1", []int{1, 2, 4, 5}, convPair(3, 3), convPair(1, 1), convPair(1, 1)},
		{"rectangular 2x3 stride (1 2) padding (1 1)", []int{2, 1, 5, 7}, convPair(2, 3), convPair(1, 2), convPair(1, 1)},
		{"default stride in one axis", []int{1, 1, 6, 6}, convPair(3, 2), convPair(1, 0), convPair(0, 1)},
		{"kernel fills the padded input", []int{1, 2, 2, 3}, convPair(4, 5), convPair(0, 0), convPair(1, 1)},
	}
	for i, p := range pools {
		t.Run(p.name, func(t *testing.T) {
			defer failOnPanic(t)
			x := in(wide, p.x...).draw(uint64(900 + i))
			x32 := autograd.Const(convTo32(x))
			for _, isMax := range []bool{true, false} {
				want := viewOf(convNaivePool(x, p.kernel, p.stride, p.padding, isMax))
				var got *V
				var got32 *autograd.Var[float32]
				if isMax {
					got = autograd.MaxPool2D(autograd.Param(x), p.kernel, p.stride, p.padding)
					got32 = autograd.MaxPool2D(x32, p.kernel, p.stride, p.padding)
				} else {
					got = autograd.AvgPool2D(autograd.Param(x), p.kernel, p.stride, p.padding)
					got32 = autograd.AvgPool2D(x32, p.kernel, p.stride, p.padding)
				}
				checkTensor(t, fmt.Sprintf("max=%v float64", isMax), got.Value(), want, 1e-12)
				checkTensor(t, fmt.Sprintf("max=%v float32", isMax), got32.Value(), want, 1e-5)
			}
		})
	}
}

// TestMaxPool2DGradientRouting pins the subgradient: each output's gradient
// goes to the first maximum of its window in row-major order, and
// overlapping windows that share a maximum add up.
func TestMaxPool2DGradientRouting(t *testing.T) {
	x := autograd.Param(t64([]float64{
		1, 7, 7,
		7, 2, 0,
		0, 3, 9,
	}, 1, 1, 3, 3))
	out := autograd.MaxPool2D(x, convPair(2, 2), convPair(1, 1), convPair(0, 0))
	checkTensor(t, "value", out.Value(), view([]int{1, 1, 2, 2}, 7, 7, 7, 9), 0)
	g := t64([]float64{1, 10, 100, 1000}, 1, 1, 2, 2)
	autograd.Sum(autograd.Mul(out, autograd.Const(g))).Backward()
	// Window (0,0) has 7s at (0,1) and (1,0): the first, (0,1), gets 1.
	// Window (0,1) has 7s at (0,1) and (0,2): (0,1) again, adding 10.
	// Window (1,0) has its only 7 at (1,0): 100. Window (1,1): 9 gets 1000.
	checkTensor(t, "gradient", x.Grad(), view([]int{1, 1, 3, 3},
		0, 11, 0,
		100, 0, 0,
		0, 0, 1000), 0)
}

// TestAvgPool2DCountsPadding pins count_include_pad=True: a corner window
// of a padded 3x3 pool sees 4 elements but divides by 9.
func TestAvgPool2DCountsPadding(t *testing.T) {
	x := autograd.Param(tensor.Ones[float64](1, 1, 2, 2))
	out := autograd.AvgPool2D(x, convPair(3, 3), convPair(1, 1), convPair(1, 1))
	checkTensor(t, "value", out.Value(), view([]int{1, 1, 2, 2}, 4.0/9, 4.0/9, 4.0/9, 4.0/9), 1e-15)
	autograd.Sum(out).Backward()
	checkTensor(t, "gradient", x.Grad(), view([]int{1, 1, 2, 2}, 4.0/9, 4.0/9, 4.0/9, 4.0/9), 1e-15)
}

func convTo32(x *tensor.Tensor[float64]) *tensor.Tensor[float32] {
	d := make([]float32, x.Len())
	for i, v := range x.Data() {
		d[i] = float32(v)
	}
	return tensor.MustNew(d, x.Shape()...)
}

// convBuild applies one of this family's ops in T, so that the same
// expression runs in float32 and float64.
func convBuild[T autograd.Float](op string, xs []*autograd.Var[T]) *autograd.Var[T] {
	switch op {
	case "Conv2D":
		return autograd.Conv2D(xs[0], xs[1], xs[2], autograd.Conv2DOptions{Stride: convPair(2, 1), Padding: convPair(1, 1), Dilation: convPair(1, 2)})
	case "Conv2D N=1 no bias":
		return autograd.Conv2D(xs[0], xs[1], nil, autograd.Conv2DOptions{})
	case "MaxPool2D":
		return autograd.MaxPool2D(xs[0], convPair(3, 2), convPair(2, 1), convPair(1, 1))
	case "AvgPool2D":
		return autograd.AvgPool2D(xs[0], convPair(3, 2), convPair(2, 1), convPair(1, 1))
	}
	panic("convBuild: unknown op " + op)
}

// TestConvFloat32MatchesFloat64 runs forward and Backward in both precisions
// on the same float32-representable inputs.
func TestConvFloat32MatchesFloat64(t *testing.T) {
	tests := []struct {
		op     string
		inputs []inputSpec
		out    []int
	}{
		{"Conv2D", []inputSpec{in(anyReal, 2, 3, 5, 4), in(anyReal, 4, 3, 2, 2), in(anyReal, 4)}, []int{2, 4, 3, 4}},
		{"Conv2D N=1 no bias", []inputSpec{in(anyReal, 1, 3, 5, 4), in(anyReal, 2, 3, 3, 3)}, []int{1, 2, 3, 2}},
		{"MaxPool2D", []inputSpec{in(anyReal, 2, 3, 5, 4)}, []int{2, 3, 3, 5}},
		{"AvgPool2D", []inputSpec{in(anyReal, 2, 3, 5, 4)}, []int{2, 3, 3, 5}},
	}
	for i, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			defer failOnPanic(t)
			inputs := make([]*tensor.Tensor[float32], len(tc.inputs))
			for j, s := range tc.inputs {
				inputs[j] = draw32(s, uint64(600+10*i+j))
			}
			w := draw32(in(anyReal, tc.out...), uint64(600+10*i+9))
			out32, grads32 := convRun[float32](tc.op, inputs, w)
			out64, grads64 := convRun[float64](tc.op, inputs, w)
			if d := cmp.Diff(out64, out32, approx(1e-4)); d != "" {
				t.Errorf("float32 output differs from float64 (-float64 +float32):\n%s", d)
			}
			if d := cmp.Diff(grads64, grads32, approx(1e-4)); d != "" {
				t.Errorf("float32 gradients differ from float64 (-float64 +float32):\n%s", d)
			}
			if !slices.Equal(out64.Shape, tc.out) {
				t.Errorf("output shape %v, want %v", out64.Shape, tc.out)
			}
		})
	}
}

func convRun[T autograd.Float](op string, inputs []*tensor.Tensor[float32], w *tensor.Tensor[float32]) (tensorView, []tensorView) {
	xs := make([]*autograd.Var[T], len(inputs))
	for i, x := range inputs {
		xs[i] = autograd.Param(convert[T](x))
	}
	y := convBuild(op, xs)
	autograd.Sum(autograd.Mul(y, autograd.Const(convert[T](w)))).Backward()
	var grads []tensorView
	for _, x := range xs {
		grads = append(grads, viewOf(x.Grad()))
	}
	return viewOf(y.Value()), grads
}

// TestConvShapeErrors checks each bad-geometry panic: a *tensor.ShapeError
// of package autograd naming the op and the shapes, with the exact message,
// for constant and parameter operands alike.
func TestConvShapeErrors(t *testing.T) {
	type leafFn = func(shape ...int) *V
	tests := []struct {
		name   string
		f      func(l leafFn)
		op     string
		shapes [][]int
		want   string
	}{
		{"Conv2D input not 4-D", func(l leafFn) { autograd.Conv2D(l(3, 8, 8), l(4, 3, 3, 3), nil, convOpts{}) },
			"Conv2D", [][]int{{3, 8, 8}, {4, 3, 3, 3}}, "autograd: Conv2D: input must be 4-D [N C H W]: [3 8 8] x [4 3 3 3]"},
		{"Conv2D weight not 4-D", func(l leafFn) { autograd.Conv2D(l(1, 3, 8, 8), l(3, 3, 3), nil, convOpts{}) },
			"Conv2D", [][]int{{1, 3, 8, 8}, {3, 3, 3}}, "autograd: Conv2D: weight must be 4-D [OC C KH KW]: [1 3 8 8] x [3 3 3]"},
		{"Conv2D empty kernel", func(l leafFn) { autograd.Conv2D(l(1, 3, 8, 8), l(4, 3, 0, 3), nil, convOpts{}) },
			"Conv2D", [][]int{{1, 3, 8, 8}, {4, 3, 0, 3}}, "autograd: Conv2D: weight kernel must be at least 1x1, got 0x3 (weight axes 2, 3): [1 3 8 8] x [4 3 0 3]"},
		{"Conv2D channel mismatch", func(l leafFn) { autograd.Conv2D(l(2, 3, 8, 8), l(4, 2, 3, 3), nil, convOpts{}) },
			"Conv2D", [][]int{{2, 3, 8, 8}, {4, 2, 3, 3}}, "autograd: Conv2D: input has 3 channels (axis 1) but weight expects 2 (weight axis 1): [2 3 8 8] x [4 2 3 3]"},
		{"Conv2D bias length", func(l leafFn) { autograd.Conv2D(l(2, 3, 8, 8), l(4, 3, 3, 3), l(3), convOpts{}) },
			"Conv2D", [][]int{{2, 3, 8, 8}, {4, 3, 3, 3}, {3}}, "autograd: Conv2D: bias must have shape [4], one per output channel: [2 3 8 8] x [4 3 3 3] x [3]"},
		{"Conv2D bias not 1-D", func(l leafFn) { autograd.Conv2D(l(2, 3, 8, 8), l(4, 3, 3, 3), l(4, 1, 1), convOpts{}) },
			"Conv2D", [][]int{{2, 3, 8, 8}, {4, 3, 3, 3}, {4, 1, 1}}, "autograd: Conv2D: bias must have shape [4], one per output channel: [2 3 8 8] x [4 3 3 3] x [4 1 1]"},
		{"Conv2D negative stride", func(l leafFn) {
			autograd.Conv2D(l(1, 3, 8, 8), l(4, 3, 3, 3), nil, convOpts{Stride: convPair(-1, 1)})
		}, "Conv2D", [][]int{{1, 3, 8, 8}, {4, 3, 3, 3}}, "autograd: Conv2D: stride must be non-negative (0 means 1), got [-1 1]: [1 3 8 8] x [4 3 3 3]"},
		{"Conv2D negative padding", func(l leafFn) {
			autograd.Conv2D(l(1, 3, 8, 8), l(4, 3, 3, 3), nil, convOpts{Padding: convPair(0, -2)})
		}, "Conv2D", [][]int{{1, 3, 8, 8}, {4, 3, 3, 3}}, "autograd: Conv2D: padding must be non-negative, got [0 -2]: [1 3 8 8] x [4 3 3 3]"},
		{"Conv2D negative dilation", func(l leafFn) {
			autograd.Conv2D(l(1, 3, 8, 8), l(4, 3, 3, 3), nil, convOpts{Dilation: convPair(1, -1)})
		}, "Conv2D", [][]int{{1, 3, 8, 8}, {4, 3, 3, 3}}, "autograd: Conv2D: dilation must be non-negative (0 means 1), got [1 -1]: [1 3 8 8] x [4 3 3 3]"},
		{"Conv2D kernel larger than input", func(l leafFn) { autograd.Conv2D(l(1, 3, 4, 4), l(4, 3, 5, 5), nil, convOpts{}) },
			"Conv2D", [][]int{{1, 3, 4, 4}, {4, 3, 5, 5}}, "autograd: Conv2D: kernel height 5 is larger than the padded input height 4 (axis 2): [1 3 4 4] x [4 3 5 5]"},
		{"Conv2D dilated kernel larger than padded input", func(l leafFn) {
			autograd.Conv2D(l(1, 3, 8, 4), l(4, 3, 3, 3), nil, convOpts{Padding: convPair(0, 0), Dilation: convPair(1, 3)})
		}, "Conv2D", [][]int{{1, 3, 8, 4}, {4, 3, 3, 3}}, "autograd: Conv2D: dilated kernel width 7 is larger than the padded input width 4 (axis 3): [1 3 8 4] x [4 3 3 3]"},
		{"Conv2D padding counted in the message", func(l leafFn) {
			autograd.Conv2D(l(1, 1, 2, 9), l(1, 1, 5, 1), nil, convOpts{Padding: convPair(1, 0)})
		}, "Conv2D", [][]int{{1, 1, 2, 9}, {1, 1, 5, 1}}, "autograd: Conv2D: kernel height 5 is larger than the padded input height 4 (axis 2): [1 1 2 9] x [1 1 5 1]"},
	}
	for _, op := range []string{"MaxPool2D", "AvgPool2D"} {
		pool := autograd.MaxPool2D[float64]
		if op == "AvgPool2D" {
			pool = autograd.AvgPool2D[float64]
		}
		for _, tc := range []struct {
			name                    string
			x                       []int
			kernel, stride, padding [2]int
			reason                  string
		}{
			{"input not 4-D", []int{2, 4, 4}, convPair(2, 2), convPair(0, 0), convPair(0, 0), "input must be 4-D [N C H W]"},
			{"kernel 0", []int{1, 1, 4, 4}, convPair(0, 2), convPair(0, 0), convPair(0, 0), "kernel size must be at least 1, got [0 2]"},
			{"negative stride", []int{1, 1, 4, 4}, convPair(2, 2), convPair(2, -1), convPair(0, 0), "stride must be non-negative (0 means the kernel size), got [2 -1]"},
			{"negative padding", []int{1, 1, 4, 4}, convPair(2, 2), convPair(0, 0), convPair(-1, 0), "padding must be non-negative, got [-1 0]"},
			{"padding more than half the kernel", []int{1, 1, 4, 4}, convPair(3, 3), convPair(0, 0), convPair(2, 1), "padding [2 1] must be at most half the kernel size [3 3]"},
			{"padding more than half a 1-wide kernel", []int{1, 1, 4, 4}, convPair(2, 1), convPair(0, 0), convPair(1, 1), "padding [1 1] must be at most half the kernel size [2 1]"},
			{"kernel larger than padded input", []int{1, 1, 4, 4}, convPair(7, 2), convPair(0, 0), convPair(1, 0), "kernel height 7 is larger than the padded input height 6 (axis 2)"},
			{"kernel wider than input", []int{2, 3, 4, 4}, convPair(2, 5), convPair(1, 1), convPair(0, 0), "kernel width 5 is larger than the padded input width 4 (axis 3)"},
		} {
			tests = append(tests, struct {
				name   string
				f      func(l leafFn)
				op     string
				shapes [][]int
				want   string
			}{op + " " + tc.name, func(l leafFn) { pool(l(tc.x...), tc.kernel, tc.stride, tc.padding) },
				op, [][]int{tc.x}, fmt.Sprintf("autograd: %s: %s: %v", op, tc.reason, tc.x)})
		}
	}
	leaves := []struct {
		name string
		make func(t *tensor.Tensor[float64]) *V
	}{
		{"Const", autograd.Const[float64]},
		{"Param", autograd.Param[float64]},
	}
	for _, tc := range tests {
		for _, lf := range leaves {
			t.Run(tc.name+"/"+lf.name, func(t *testing.T) {
				leaf := func(shape ...int) *V { return lf.make(tensor.Zeros[float64](shape...)) }
				se := mustShapeError(t, func() { tc.f(leaf) })
				if got := se.Error(); got != tc.want {
					t.Errorf("message:\n got %q\nwant %q", got, tc.want)
				}
				if se.Op != tc.op {
					t.Errorf("Op = %q, want %q", se.Op, tc.op)
				}
				if !slices.EqualFunc(se.Shapes, tc.shapes, func(a, b []int) bool { return slices.Equal(a, b) }) {
					t.Errorf("Shapes = %v, want %v", se.Shapes, tc.shapes)
				}
			})
		}
	}
}

// TestConvZeroStrideIsDefault pins the zero-value convention: a zero
// Conv2D stride or dilation means 1, a zero pooling stride means the kernel
// size; neither is an error.
func TestConvZeroStrideIsDefault(t *testing.T) {
	x := autograd.Const(in(anyReal, 1, 2, 6, 6).draw(1))
	w := autograd.Const(in(anyReal, 3, 2, 3, 3).draw(2))
	a := autograd.Conv2D(x, w, nil, convOpts{Stride: convPair(0, 2)})
	b := autograd.Conv2D(x, w, nil, convOpts{Stride: convPair(1, 2), Dilation: convPair(1, 1)})
	checkTensor(t, "Conv2D stride (0 2)", a.Value(), viewOf(b.Value()), 0)
	p := autograd.MaxPool2D(x, convPair(3, 2), convPair(0, 1), convPair(0, 0))
	q := autograd.MaxPool2D(x, convPair(3, 2), convPair(3, 1), convPair(0, 0))
	checkTensor(t, "MaxPool2D stride (0 1)", p.Value(), viewOf(q.Value()), 0)
}

func ExampleConv2D() {
	// One 4x4 image and one 2x2 kernel that takes the difference of
	// horizontal neighbours; stride 2 visits each 2x2 block once.
	x := autograd.Param(tensor.MustNew([]float64{
		1, 2, 0, 0,
		3, 5, 0, 1,
		2, 2, 4, 1,
		1, 1, 2, 2,
	}, 1, 1, 4, 4))
	w := autograd.Param(tensor.MustNew([]float64{-1, 1, -1, 1}, 1, 1, 2, 2))
	b := autograd.Param(tensor.MustNew([]float64{0.5}, 1))
	y := autograd.Conv2D(x, w, b, autograd.Conv2DOptions{Stride: [2]int{2, 2}})
	fmt.Println(y.Value())

	autograd.Sum(y).Backward()
	fmt.Println(w.Grad()) // each tap summed over the windows it saw
	fmt.Println(b.Grad()) // one per output element
	fmt.Println(x.Grad()) // the kernel, copied into each window
	// Output:
	// Tensor[1 1 2 2][[[[3.5 1.5] [0.5 -2.5]]]]
	// Tensor[1 1 2 2][[[[7 5] [6 9]]]]
	// Tensor[1][4]
	// Tensor[1 1 4 4][[[[-1 1 -1 1] [-1 1 -1 1] [-1 1 -1 1] [-1 1 -1 1]]]]
}

func ExampleMaxPool2D() {
	x := autograd.Param(tensor.MustNew([]float64{
		1, 5, 2, 0,
		3, 4, 8, 8,
		0, 0, 1, 1,
		9, 0, 1, 1,
	}, 1, 1, 4, 4))
	// A 2x2 window; a zero stride means the kernel size.
	y := autograd.MaxPool2D(x, [2]int{2, 2}, [2]int{}, [2]int{})
	fmt.Println(y.Value())
	autograd.Sum(y).Backward()
	fmt.Println(x.Grad()) // to each window's first maximum
	// Output:
	// Tensor[1 1 2 2][[[[5 8] [9 1]]]]
	// Tensor[1 1 4 4][[[[0 1 0 0] [0 0 1 0] [0 0 1 0] [1 0 0 0]]]]
}
