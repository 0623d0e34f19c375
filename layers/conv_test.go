package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var _ layers.Module[float64] = (*layers.Conv2D[float64])(nil)

// naiveConv2D is the definition of a convolution (a cross-correlation with
// zero padding), written as loops.
func naiveConv2D(x, w, b *tensor.Tensor[float64], o layers.Conv2DOptions) *tensor.Tensor[float64] {
	xs, ws := x.Shape(), w.Shape()
	n, c, h, wd := xs[0], xs[1], xs[2], xs[3]
	oc, kh, kw := ws[0], ws[2], ws[3]
	s, p, d := o.Stride, o.Padding, o.Dilation
	for a := range 2 {
		s[a], d[a] = max(s[a], 1), max(d[a], 1)
	}
	oh := (h+2*p[0]-d[0]*(kh-1)-1)/s[0] + 1
	ow := (wd+2*p[1]-d[1]*(kw-1)-1)/s[1] + 1
	out := tensor.Zeros[float64](n, oc, oh, ow)
	for in := range n {
		for o := range oc {
			for y := range oh {
				for xx := range ow {
					acc := 0.0
					if b != nil {
						acc = b.At(o)
					}
					for ci := range c {
						for i := range kh {
							for j := range kw {
								r, col := y*s[0]-p[0]+i*d[0], xx*s[1]-p[1]+j*d[1]
								if r >= 0 && r < h && col >= 0 && col < wd {
									acc += w.At(o, ci, i, j) * x.At(in, ci, r, col)
								}
							}
						}
					}
					out.Set(acc, in, o, y, xx)
				}
			}
		}
	}
	return out
}

var convCases = []struct {
	name               string
	n, in, out, h, w   int
	kh, kw             int
	opts               layers.Conv2DOptions
	noBias             bool
	wantOutH, wantOutW int
}{
	{"1x1 kernel", 2, 3, 2, 4, 4, 1, 1, layers.Conv2DOptions{}, false, 4, 4},
	{"3x3 valid", 1, 2, 3, 5, 6, 3, 3, layers.Conv2DOptions{}, false, 3, 4},
	{"3x3 same padding", 2, 1, 2, 5, 5, 3, 3, layers.Conv2DOptions{Padding: [2]int{1, 1}}, false, 5, 5},
	{"stride 2", 1, 2, 2, 7, 6, 3, 2, layers.Conv2DOptions{Stride: [2]int{2, 2}}, false, 3, 3},
	{"dilation 2", 1, 1, 2, 7, 7, 3, 3, layers.Conv2DOptions{Dilation: [2]int{2, 2}}, false, 3, 3},
	{"rectangular, mixed options", 2, 2, 3, 6, 5, 2, 3, layers.Conv2DOptions{Stride: [2]int{1, 2}, Padding: [2]int{1, 0}, Dilation: [2]int{2, 1}}, false, 6, 2},
	{"no bias", 1, 2, 2, 4, 4, 2, 2, layers.Conv2DOptions{}, true, 3, 3},
}

func TestConv2DForward(t *testing.T) {
	rng := newRNG(31)
	for _, tt := range convCases {
		t.Run(tt.name, func(t *testing.T) {
			c := layers.NewConv2D[float64](rng, tt.in, tt.out, [2]int{tt.kh, tt.kw}, tt.opts, nil)
			var b *tensor.Tensor[float64]
			if tt.noBias {
				c.Bias = nil
			} else {
				b = c.Bias.Value()
			}
			x := randTensor(rng, tt.n, tt.in, tt.h, tt.w)
			got := c.Forward(autograd.Const(x))
			want := naiveConv2D(x, c.Weight.Value(), b, tt.opts)
			if diff := cmp.Diff([]int{tt.n, tt.out, tt.wantOutH, tt.wantOutW}, got.Shape()); diff != "" {
				t.Fatalf("output shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(viewOf(want), viewOf(got.Value()), approx(1e-12)); diff != "" {
				t.Errorf("Forward (-naive +got):\n%s", diff)
			}
			wantNames := []string{"weight", "bias"}
			if tt.noBias {
				wantNames = wantNames[:1]
			}
			var names []string
			for _, p := range c.NamedParameters() {
				names = append(names, p.Name)
			}
			if diff := cmp.Diff(wantNames, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

// TestConv2DByHand checks one convolution worked out by hand: a 3x3 image
// 1..9 and the 2x2 kernel [[1 0] [0 -1]] (top-left minus bottom-right, -4
// everywhere) plus bias 0.5, and a second output channel summing 2x2 windows.
func TestConv2DByHand(t *testing.T) {
	c := &layers.Conv2D[float64]{
		Weight: autograd.Param(tensor.MustNew([]float64{1, 0, 0, -1, 1, 1, 1, 1}, 2, 1, 2, 2)),
		Bias:   autograd.Param(vec(0.5, 0)),
	}
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3))
	got := c.Forward(x)
	want := view([]int{1, 2, 2, 2}, -3.5, -3.5, -3.5, -3.5, 12, 16, 24, 28)
	if diff := cmp.Diff(want, viewOf(got.Value()), approx(1e-12)); diff != "" {
		t.Errorf("Forward (-want +got):\n%s", diff)
	}
}

func TestConv2DGradcheck(t *testing.T) {
	rng := newRNG(32)
	for _, tt := range convCases {
		if tt.h*tt.w*tt.n*tt.in > 100 {
			continue // keep the Jacobians small
		}
		t.Run(tt.name, func(t *testing.T) {
			f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
				c := &layers.Conv2D[float64]{Weight: in[1], Options: tt.opts}
				if len(in) > 2 {
					c.Bias = in[2]
				}
				return c.Forward(in[0])
			}
			inputs := []*tensor.Tensor[float64]{randTensor(rng, tt.n, tt.in, tt.h, tt.w), randTensor(rng, tt.out, tt.in, tt.kh, tt.kw)}
			if !tt.noBias {
				inputs = append(inputs, randTensor(rng, tt.out))
			}
			gradcheck.Assert(t, f, inputs)
		})
	}
}

// TestNewConv2DDefaultInit checks PyTorch's default: weight and bias from
// U(-1/√fanIn, 1/√fanIn) with fanIn = in·kh·kw, reproducible from a seed.
func TestNewConv2DDefaultInit(t *testing.T) {
	c := layers.NewConv2D[float64](newRNG(3), 8, 300, [2]int{3, 2}, layers.Conv2DOptions{}, nil)
	if diff := cmp.Diff([]int{300, 8, 3, 2}, c.Weight.Shape()); diff != "" {
		t.Fatalf("weight shape (-want +got):\n%s", diff)
	}
	bound := 1 / math.Sqrt(8*3*2)
	for _, p := range []*autograd.Var[float64]{c.Weight, c.Bias} {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range p.Value().Data() {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		if lo < -bound || hi > bound || lo > -0.95*bound || hi < 0.95*bound {
			t.Errorf("%s spans [%v, %v], want to fill ±%v", p.Name(), lo, hi, bound)
		}
	}
	// The weight is drawn first, then the bias, from the one generator.
	rng := newRNG(3)
	w := layers.UniformFanIn[float64](rng, 48, 1800, 300, 8, 3, 2)
	b := layers.UniformFanIn[float64](rng, 48, 1800, 300)
	if !bitsEqual(w, c.Weight.Value()) || !bitsEqual(b, c.Bias.Value()) {
		t.Errorf("default init is not UniformFanIn for the weight, then the bias")
	}
}

func TestNewConv2DCustomInit(t *testing.T) {
	var fans [2]int
	var shape []int
	spy := func(_ *rand.Rand, fanIn, fanOut int, s ...int) *tensor.Tensor[float64] {
		fans, shape = [2]int{fanIn, fanOut}, append([]int(nil), s...)
		return tensor.Full(0.25, s...)
	}
	c := layers.NewConv2D(newRNG(1), 3, 4, [2]int{5, 2}, layers.Conv2DOptions{}, spy)
	if fans != [2]int{30, 40} {
		t.Errorf("fans %v, want [in·kh·kw out·kh·kw] = [30 40]", fans)
	}
	if diff := cmp.Diff([]int{4, 3, 5, 2}, shape); diff != "" {
		t.Errorf("shape (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(view([]int{4}, 0, 0, 0, 0), viewOf(c.Bias.Value())); diff != "" {
		t.Errorf("bias with a custom init is not zero (-want +got):\n%s", diff)
	}
}

func TestConv2DShapePanics(t *testing.T) {
	net := layers.NewSequential[float64](layers.NewConv2D[float64](newRNG(1), 3, 8, [2]int{3, 3}, layers.Conv2DOptions{}, nil))
	tests := []struct {
		name   string
		shape  []int
		reason string
	}{
		{"wrong channels", []int{1, 4, 5, 5}, "input has 4 channels, weight wants 3"},
		{"3-D", []int{3, 5, 5}, "input must be 4-D [N 3 H W]"},
		{"too small", []int{2, 3, 2, 5}, "smaller than the kernel [3 3] (dilation [1 1])"}, // the default dilation, not 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se := shapePanic(t, func() { net.Forward(autograd.Const(tensor.Zeros[float64](tt.shape...))) })
			msg := se.Error()
			for _, want := range []string{"layers: Conv2D (0.weight): ", tt.reason, fmt.Sprint(tt.shape), "[8 3 3 3]"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
		})
	}
}

func TestNewConv2DBadArgs(t *testing.T) {
	for _, tt := range []struct {
		in, out int
		k       [2]int
	}{{0, 1, [2]int{3, 3}}, {1, -1, [2]int{3, 3}}, {1, 1, [2]int{0, 3}}, {1, 1, [2]int{3, -2}}} {
		se := shapePanic(t, func() { layers.NewConv2D[float64](newRNG(1), tt.in, tt.out, tt.k, layers.Conv2DOptions{}, nil) })
		if !strings.Contains(se.Error(), "layers: NewConv2D: sizes [in out kh kw] must be positive") {
			t.Errorf("%v: message %q", tt, se)
		}
	}
	ae := argPanic(t, func() {
		layers.NewConv2D[float64](newRNG(1), 1, 1, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{0, -1}}, nil)
	})
	if ae.Arg != "opts.Padding" {
		t.Errorf("Arg %q, want opts.Padding (%v)", ae.Arg, ae)
	}
}
