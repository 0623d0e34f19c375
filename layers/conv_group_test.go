package layers_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// checkFills fails unless every element of p lies in ±bound and the
// elements reach at least 95% of it on both sides (a U(-bound, bound)
// draw of many elements).
func checkFills(t *testing.T, p *autograd.Var[float64], bound float64) {
	t.Helper()
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range p.Value().Data() {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo < -bound || hi > bound || lo > -0.95*bound || hi < 0.95*bound {
		t.Errorf("%s spans [%v, %v], want to fill ±%v", p.Name(), lo, hi, bound)
	}
}

// TestNewConvLayersDefaultInit checks PyTorch's default initialization of
// grouped Conv2D, Conv1D and ConvTranspose2D: weight and bias from
// U(-1/√fanIn, 1/√fanIn), fanIn being the weight's axis 1 times the
// kernel (in/groups·k for a convolution, out/groups·k for a transposed
// one), the weight drawn first.
func TestNewConvLayersDefaultInit(t *testing.T) {
	for _, tc := range []struct {
		name      string
		make      func() (w, b *autograd.Var[float64])
		shape     []int
		fanIn     int
		fanOut    int
		biasShape int
	}{
		{"Conv2D groups 4", func() (w, b *autograd.Var[float64]) {
			c := layers.NewConv2D[float64](newRNG(5), 8, 200, [2]int{3, 2}, layers.Conv2DOptions{Groups: 4}, nil)
			return c.Weight, c.Bias
		}, []int{200, 2, 3, 2}, 2 * 3 * 2, 200 * 3 * 2, 200},
		{"Conv2D depthwise", func() (w, b *autograd.Var[float64]) {
			c := layers.NewConv2D[float64](newRNG(6), 32, 64, [2]int{3, 3}, layers.Conv2DOptions{Groups: 32}, nil)
			return c.Weight, c.Bias
		}, []int{64, 1, 3, 3}, 9, 64 * 9, 64},
		{"Conv1D groups 2", func() (w, b *autograd.Var[float64]) {
			c := layers.NewConv1D[float64](newRNG(7), 6, 300, 5, layers.Conv1DOptions{Groups: 2}, nil)
			return c.Weight, c.Bias
		}, []int{300, 3, 5}, 15, 1500, 300},
		{"ConvTranspose2D groups 2", func() (w, b *autograd.Var[float64]) {
			c := layers.NewConvTranspose2D[float64](newRNG(8), 40, 6, [2]int{3, 3}, layers.ConvTranspose2DOptions{Groups: 2}, nil)
			return c.Weight, c.Bias
		}, []int{40, 3, 3, 3}, 27, 360, 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, b := tc.make()
			if diff := cmp.Diff(tc.shape, w.Shape()); diff != "" {
				t.Fatalf("weight shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]int{tc.biasShape}, b.Shape()); diff != "" {
				t.Fatalf("bias shape (-want +got):\n%s", diff)
			}
			checkFills(t, w, 1/math.Sqrt(float64(tc.fanIn)))
			if w.Name() != "weight" || b.Name() != "bias" {
				t.Errorf("names %q, %q, want weight, bias", w.Name(), b.Name())
			}
		})
	}
	// The draw order and the fans given to an initializer.
	var fans [][2]int
	spy := func(_ *rand.Rand, fanIn, fanOut int, s ...int) *tensor.Tensor[float64] {
		fans = append(fans, [2]int{fanIn, fanOut})
		return tensor.Full(0.5, s...)
	}
	layers.NewConv1D(newRNG(1), 4, 6, 3, layers.Conv1DOptions{Groups: 2}, spy)
	layers.NewConvTranspose2D(newRNG(1), 4, 6, [2]int{2, 3}, layers.ConvTranspose2DOptions{Groups: 2}, spy)
	layers.NewConv2D(newRNG(1), 4, 6, [2]int{2, 3}, layers.Conv2DOptions{Groups: 2}, spy)
	if diff := cmp.Diff([][2]int{{6, 18}, {18, 24}, {12, 36}}, fans); diff != "" {
		t.Errorf("fans given to the initializer (-want +got):\n%s", diff)
	}
	c := layers.NewConv1D[float64](newRNG(9), 3, 4, 2, layers.Conv1DOptions{}, nil)
	rng := newRNG(9)
	wantW := layers.UniformFanIn[float64](rng, 6, 8, 4, 3, 2)
	wantB := layers.UniformFanIn[float64](rng, 6, 8, 4)
	if !bitsEqual(wantW, c.Weight.Value()) || !bitsEqual(wantB, c.Bias.Value()) {
		t.Errorf("Conv1D default init is not UniformFanIn for the weight, then the bias")
	}
}

// TestConvLayersForward checks the output shapes of the new layers, by
// PyTorch's rules, and that each computes its autograd op.
func TestConvLayersForward(t *testing.T) {
	rng := newRNG(41)
	t.Run("Conv2D depthwise", func(t *testing.T) {
		c := layers.NewConv2D[float64](rng, 4, 8, [2]int{3, 3}, layers.Conv2DOptions{Padding: [2]int{1, 1}, Stride: [2]int{2, 2}, Groups: 4}, nil)
		x := autograd.Const(randTensor(rng, 2, 4, 7, 6))
		got := c.Forward(x)
		want := autograd.Conv2D(x, c.Weight, c.Bias, c.Options)
		if diff := cmp.Diff([]int{2, 8, 4, 3}, got.Shape()); diff != "" {
			t.Fatalf("shape (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(viewOf(want.Value()), viewOf(got.Value())); diff != "" {
			t.Errorf("Forward (-Conv2D +got):\n%s", diff)
		}
	})
	t.Run("Conv1D", func(t *testing.T) {
		c := layers.NewConv1D[float64](rng, 4, 6, 3, layers.Conv1DOptions{Stride: 2, Padding: 2, Dilation: 2, Groups: 2}, nil)
		x := autograd.Const(randTensor(rng, 3, 4, 11))
		got := c.Forward(x)
		if diff := cmp.Diff([]int{3, 6, 6}, got.Shape()); diff != "" { // ⌊(11 + 4 − 4 − 1)/2⌋ + 1
			t.Fatalf("shape (-want +got):\n%s", diff)
		}
		want := autograd.Conv1D(x, c.Weight, c.Bias, c.Options)
		if diff := cmp.Diff(viewOf(want.Value()), viewOf(got.Value())); diff != "" {
			t.Errorf("Forward (-Conv1D +got):\n%s", diff)
		}
	})
	t.Run("ConvTranspose2D", func(t *testing.T) {
		c := layers.NewConvTranspose2D[float64](rng, 4, 6, [2]int{3, 2},
			layers.ConvTranspose2DOptions{Stride: [2]int{2, 3}, Padding: [2]int{1, 0}, OutputPadding: [2]int{1, 2}, Groups: 2}, nil)
		c.Bias = nil
		x := autograd.Const(randTensor(rng, 2, 4, 3, 4))
		got := c.Forward(x)
		// (3−1)·2 − 2 + 2 + 1 + 1 = 6, (4−1)·3 + 1 + 2 + 1 = 13
		if diff := cmp.Diff([]int{2, 6, 6, 13}, got.Shape()); diff != "" {
			t.Fatalf("shape (-want +got):\n%s", diff)
		}
		want := autograd.ConvTranspose2D(x, c.Weight, nil, c.Options)
		if diff := cmp.Diff(viewOf(want.Value()), viewOf(got.Value())); diff != "" {
			t.Errorf("Forward (-ConvTranspose2D +got):\n%s", diff)
		}
		if n := len(c.NamedParameters()); n != 1 {
			t.Errorf("%d named parameters without bias, want 1", n)
		}
	})
}

// TestConvLayersErrors checks the constructors' and Forward's errors.
func TestConvLayersErrors(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"Conv2D groups do not divide in", "layers: NewConv2D: opts.Groups = 3: must be non-negative and divide in (4) and out (6)",
			func() { layers.NewConv2D[float64](newRNG(1), 4, 6, [2]int{3, 3}, layers.Conv2DOptions{Groups: 3}, nil) }},
		{"Conv1D negative groups", "layers: NewConv1D: opts.Groups = -1: must be non-negative and divide in (4) and out (6)",
			func() { layers.NewConv1D[float64](newRNG(1), 4, 6, 3, layers.Conv1DOptions{Groups: -1}, nil) }},
		{"Conv1D negative padding", "layers: NewConv1D: opts.Padding = -1: must not be negative",
			func() { layers.NewConv1D[float64](newRNG(1), 4, 6, 3, layers.Conv1DOptions{Padding: -1}, nil) }},
		{"ConvTranspose2D output padding", "layers: NewConvTranspose2D: opts.OutputPadding = [2 0]: must be smaller than the stride or the dilation",
			func() {
				layers.NewConvTranspose2D[float64](newRNG(1), 4, 6, [2]int{3, 3}, layers.ConvTranspose2DOptions{Stride: [2]int{2, 2}, OutputPadding: [2]int{2, 0}}, nil)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := argPanic(t, tc.f).Error(); got != tc.want {
				t.Errorf("message\n got %q\nwant %q", got, tc.want)
			}
		})
	}
	dw := layers.NewSequential[float64](layers.NewConv2D[float64](newRNG(1), 4, 8, [2]int{3, 3}, layers.Conv2DOptions{Groups: 4}, nil))
	c1 := layers.NewSequential[float64](layers.NewConv1D[float64](newRNG(1), 4, 6, 5, layers.Conv1DOptions{Groups: 2}, nil))
	ct := layers.NewSequential[float64](layers.NewConvTranspose2D[float64](newRNG(1), 4, 6, [2]int{3, 3}, layers.ConvTranspose2DOptions{}, nil))
	for _, tc := range []struct {
		name  string
		net   *layers.Sequential[float64]
		shape []int
		want  []string
	}{
		{"Conv2D depthwise channels", dw, []int{1, 2, 5, 5}, []string{"layers: Conv2D (0.weight): input has 2 channels, weight wants 4", "[8 1 3 3]"}},
		{"Conv1D 4-D", c1, []int{1, 4, 5, 5}, []string{"layers: Conv1D (0.weight): input must be 3-D [N 4 L]", "[6 2 5]"}},
		{"Conv1D channels", c1, []int{1, 2, 9}, []string{"layers: Conv1D (0.weight): input has 2 channels, weight wants 4"}},
		{"Conv1D too short", c1, []int{1, 4, 4}, []string{"layers: Conv1D (0.weight): input length 4 with padding 0 is shorter than the kernel 5 (dilation 1)"}},
		{"ConvTranspose2D channels", ct, []int{1, 6, 5, 5}, []string{"layers: ConvTranspose2D (0.weight): input has 6 channels, weight wants 4", "[4 6 3 3]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := shapePanic(t, func() { tc.net.Forward(autograd.Const(tensor.Zeros[float64](tc.shape...))) }).Error()
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
		})
	}
}
