package layers_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var (
	_ layers.Module[float64] = (*layers.MaxPool2D[float64])(nil)
	_ layers.Module[float64] = (*layers.AvgPool2D[float64])(nil)
	_ layers.Module[float64] = layers.Flatten[float64]{}
)

// naivePool pools x [N C H W] with reduce over each window (padding cells
// are skipped when pad is NaN, otherwise they count as pad).
func naivePool(x *tensor.Tensor[float64], k, s, p [2]int, reduce func([]float64) float64, pad float64) *tensor.Tensor[float64] {
	xs := x.Shape()
	for a := range 2 {
		if s[a] == 0 {
			s[a] = k[a]
		}
	}
	oh, ow := (xs[2]+2*p[0]-k[0])/s[0]+1, (xs[3]+2*p[1]-k[1])/s[1]+1
	out := tensor.Zeros[float64](xs[0], xs[1], oh, ow)
	for n := range xs[0] {
		for c := range xs[1] {
			for y := range oh {
				for xx := range ow {
					var win []float64
					for i := range k[0] {
						for j := range k[1] {
							r, col := y*s[0]-p[0]+i, xx*s[1]-p[1]+j
							if r >= 0 && r < xs[2] && col >= 0 && col < xs[3] {
								win = append(win, x.At(n, c, r, col))
							} else if !math.IsNaN(pad) {
								win = append(win, pad)
							}
						}
					}
					out.Set(reduce(win), n, c, y, xx)
				}
			}
		}
	}
	return out
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func meanOf(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

var poolCases = []struct {
	name       string
	shape      []int
	k, s, p    [2]int
	wantOH, OW int
}{
	{"2x2", []int{2, 3, 4, 6}, [2]int{2, 2}, [2]int{}, [2]int{}, 2, 3},
	{"odd size floors", []int{1, 2, 5, 5}, [2]int{2, 2}, [2]int{}, [2]int{}, 2, 2},
	{"3x3 stride 1", []int{1, 1, 4, 5}, [2]int{3, 3}, [2]int{1, 1}, [2]int{}, 2, 3},
	{"3x3 stride 2 pad 1", []int{2, 1, 5, 4}, [2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, 3, 2},
	{"rectangular", []int{1, 2, 4, 6}, [2]int{2, 3}, [2]int{1, 3}, [2]int{1, 0}, 5, 2},
}

func TestPoolForward(t *testing.T) {
	rng := newRNG(41)
	for _, tt := range poolCases {
		t.Run(tt.name, func(t *testing.T) {
			x := randTensor(rng, tt.shape...)
			mods := []struct {
				name string
				mod  layers.Module[float64]
				want *tensor.Tensor[float64]
			}{
				{"Max", &layers.MaxPool2D[float64]{Kernel: tt.k, Stride: tt.s, Padding: tt.p}, naivePool(x, tt.k, tt.s, tt.p, maxOf, math.NaN())},
				{"Avg", &layers.AvgPool2D[float64]{Kernel: tt.k, Stride: tt.s, Padding: tt.p}, naivePool(x, tt.k, tt.s, tt.p, meanOf, 0)},
			}
			for _, m := range mods {
				got := m.mod.Forward(autograd.Const(x))
				if diff := cmp.Diff([]int{tt.shape[0], tt.shape[1], tt.wantOH, tt.OW}, got.Shape()); diff != "" {
					t.Fatalf("%s: shape (-want +got):\n%s", m.name, diff)
				}
				if diff := cmp.Diff(viewOf(m.want), viewOf(got.Value()), approx(1e-12)); diff != "" {
					t.Errorf("%s: Forward (-naive +got):\n%s", m.name, diff)
				}
			}
		})
	}
}

// TestPoolByHand: a 4x4 image 1..16 pooled 2x2: maxima 6 8 14 16, means
// 3.5 5.5 11.5 13.5.
func TestPoolByHand(t *testing.T) {
	d := make([]float64, 16)
	for i := range d {
		d[i] = float64(i + 1)
	}
	x := autograd.Const(tensor.MustNew(d, 1, 1, 4, 4))
	if diff := cmp.Diff(view([]int{1, 1, 2, 2}, 6, 8, 14, 16), viewOf(layers.NewMaxPool2D[float64](2).Forward(x).Value())); diff != "" {
		t.Errorf("MaxPool2D (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(view([]int{1, 1, 2, 2}, 3.5, 5.5, 11.5, 13.5), viewOf(layers.NewAvgPool2D[float64](2).Forward(x).Value())); diff != "" {
		t.Errorf("AvgPool2D (-want +got):\n%s", diff)
	}
}

func TestPoolGradcheck(t *testing.T) {
	rng := newRNG(42)
	for _, tt := range poolCases {
		t.Run(tt.name, func(t *testing.T) {
			for _, mod := range []layers.Module[float64]{
				&layers.MaxPool2D[float64]{Kernel: tt.k, Stride: tt.s, Padding: tt.p},
				&layers.AvgPool2D[float64]{Kernel: tt.k, Stride: tt.s, Padding: tt.p},
			} {
				// Random values have no ties, so max pooling is differentiable.
				gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] { return mod.Forward(in[0]) },
					[]*tensor.Tensor[float64]{randTensor(rng, tt.shape...)})
			}
		})
	}
}

func TestPoolPanics(t *testing.T) {
	x := autograd.Const(tensor.Zeros[float64](1, 2, 3, 3))
	shapeTests := []struct {
		name string
		mod  layers.Module[float64]
		x    *autograd.Var[float64]
		want []string
	}{
		{"max 2-D", layers.NewMaxPool2D[float64](2), autograd.Const(tensor.Zeros[float64](3, 3)), []string{"layers: MaxPool2D (kernel [2 2]): input must be 4-D [N C H W] or 3-D [C H W]", "[3 3] x [2 2]"}},
		{"avg too small", layers.NewAvgPool2D[float64](4), x, []string{"layers: AvgPool2D (kernel [4 4]): input 3x3", "[1 2 3 3]", "[4 4]"}},
	}
	for _, tt := range shapeTests {
		se := shapePanic(t, func() { tt.mod.Forward(tt.x) })
		for _, w := range tt.want {
			if !strings.Contains(se.Error(), w) {
				t.Errorf("%s: %q does not mention %q", tt.name, se, w)
			}
		}
	}
	argTests := []struct {
		mod layers.Module[float64]
		arg string
	}{
		{&layers.MaxPool2D[float64]{}, "Kernel"},
		{&layers.MaxPool2D[float64]{Kernel: [2]int{2, 2}, Stride: [2]int{-1, 1}}, "Stride"},
		{&layers.AvgPool2D[float64]{Kernel: [2]int{2, 2}, Padding: [2]int{2, 0}}, "Padding"},
	}
	for _, tt := range argTests {
		if ae := argPanic(t, func() { tt.mod.Forward(x) }); ae.Arg != tt.arg {
			t.Errorf("%+v: Arg %q, want %q", tt.mod, ae.Arg, tt.arg)
		}
	}
	for _, k := range []int{0, -2} {
		argPanic(t, func() { layers.NewMaxPool2D[float64](k) })
		argPanic(t, func() { layers.NewAvgPool2D[float64](k) })
	}
}

func TestFlatten(t *testing.T) {
	tests := []struct {
		in, want []int
	}{
		{[]int{2, 3, 4, 5}, []int{2, 60}},
		{[]int{3, 7}, []int{3, 7}},
		{[]int{4}, []int{4, 1}},
		{[]int{1, 1, 1}, []int{1, 1}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.in), func(t *testing.T) {
			x := randTensor(newRNG(1), tt.in...)
			got := layers.Flatten[float64]{}.Forward(autograd.Const(x))
			// Row-major order is kept: the data is unchanged.
			if diff := cmp.Diff(view(tt.want, x.Data()...), viewOf(got.Value())); diff != "" {
				t.Errorf("Flatten (-want +got):\n%s", diff)
			}
		})
	}
	gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return layers.Flatten[float64]{}.Forward(in[0])
	}, []*tensor.Tensor[float64]{randTensor(newRNG(2), 2, 2, 3)})
	se := shapePanic(t, func() { layers.Flatten[float64]{}.Forward(autograd.Const(tensor.Scalar(1.0))) })
	if !strings.HasPrefix(se.Error(), "layers: Flatten:") {
		t.Errorf("message %q", se)
	}
}

// TestPermute: an [N L E] batch becomes [N E L] with x[n, l, e] at
// [n, e, l], and its gradient is moved back; an invalid permutation panics.
func TestPermute(t *testing.T) {
	x := randTensor(newRNG(3), 2, 3, 4)
	p := layers.Permute[float64]{Axes: []int{0, -1, 1}}
	y := p.Forward(autograd.Const(x))
	if !cmp.Equal(y.Shape(), []int{2, 4, 3}) || y.Value().At(1, 3, 2) != x.At(1, 2, 3) {
		t.Errorf("shape %v, y[1 3 2] = %v; want [2 4 3] and x[1 2 3] = %v", y.Shape(), y.Value().At(1, 3, 2), x.At(1, 2, 3))
	}
	gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] { return p.Forward(in[0]) },
		[]*tensor.Tensor[float64]{x})
	shapePanic(t, func() { layers.Permute[float64]{Axes: []int{0, 0, 1}}.Forward(autograd.Const(x)) })
}

// TestUnflattenAndIdentity: Unflatten splits an axis into several (one
// size given as -1), keeping the elements' order, and refuses a shape that
// does not fit; Identity returns its input.
func TestUnflattenAndIdentity(t *testing.T) {
	x := randTensor(newRNG(4), 2, 12, 3)
	for _, u := range []layers.Unflatten[float64]{{Axis: 1, Shape: []int{3, 4}}, {Axis: -2, Shape: []int{-1, 2, 2}}} {
		y := u.Forward(autograd.Const(x))
		want := []int{2, 3, 4, 3}
		if u.Axis == -2 {
			want = []int{2, 3, 2, 2, 3}
		}
		if diff := cmp.Diff(view(want, x.Data()...), viewOf(y.Value())); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", u, diff)
		}
	}
	for _, bad := range []layers.Unflatten[float64]{{Axis: 1, Shape: []int{5, 2}}, {Axis: 3, Shape: []int{3}}, {Axis: 1, Shape: []int{-1, -1}}, {Axis: 1, Shape: []int{0, -1}}} {
		shapePanic(t, func() { bad.Forward(autograd.Const(x)) })
	}
	// torch: "sizes must be non-empty", "integer multiplication overflow".
	empty := autograd.Const(tensor.Zeros[float64](2, 0))
	for _, bad := range []layers.Unflatten[float64]{{Axis: 1, Shape: nil}, {Axis: 1, Shape: []int{1 << 62, 4}}, {Axis: 1, Shape: []int{1 << 62, -1, 4}}} {
		if se := shapePanic(t, func() { bad.Forward(empty) }); se.Op != "Unflatten" {
			t.Errorf("%+v: %v, want a ShapeError of Unflatten", bad, se)
		}
	}
	v := autograd.Const(x)
	if (layers.Identity[float64]{}).Forward(v) != v {
		t.Errorf("Identity did not return its input")
	}
}

// TestGLU: a·σ(b) of the halves along the axis, gradchecked, and an odd
// axis refused.
func TestGLU(t *testing.T) {
	x := tensor.MustNew([]float64{1, -2, 0.5, 3, -1, 2}, 1, 6)
	y := layers.GLU[float64]{Axis: -1}.Forward(autograd.Const(x))
	sig := func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }
	if diff := cmp.Diff(view([]int{1, 3}, 1*sig(3), -2*sig(-1), 0.5*sig(2)), viewOf(y.Value()), approx(1e-15)); diff != "" {
		t.Errorf("GLU (-want +got):\n%s", diff)
	}
	gradcheck.Assert(t, func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		return layers.GLU[float64]{Axis: 0}.Forward(in[0])
	},
		[]*tensor.Tensor[float64]{randTensor(newRNG(5), 4, 3)})
	shapePanic(t, func() { layers.GLU[float64]{Axis: 0}.Forward(autograd.Const(x)) })
	shapePanic(t, func() { layers.GLU[float64]{Axis: 2}.Forward(autograd.Const(x)) })
}

// TestMaxPoolSeveralNaNs checks that of several NaNs in a window the last
// in row-major order takes the index and the gradient, as torch 1.13's CPU
// kernels give them (max_pool2d and adaptive_max_pool2d of [NaN NaN 1 0]
// as one window: index 1, gradient [0 1 0 0]), through the general path,
// the 2×2 kernel and the adaptive pool, in both precisions.
func TestMaxPoolSeveralNaNs(t *testing.T) {
	testMaxPoolSeveralNaNs[float32](t)
	testMaxPoolSeveralNaNs[float64](t)
}

func testMaxPoolSeveralNaNs[T tensor.Float](t *testing.T) {
	nan := T(math.NaN())
	pools := []struct {
		name  string
		shape []int
		pool  func(x *autograd.Var[T]) *autograd.Var[T]
	}{
		{"MaxPool2D 1×4", []int{1, 1, 1, 4}, (&layers.MaxPool2D[T]{Kernel: [2]int{1, 4}}).Forward},
		{"MaxPool2D 2×2", []int{1, 1, 2, 2}, layers.NewMaxPool2D[T](2).Forward},
		{"AdaptiveMaxPool2D", []int{1, 1, 1, 4}, layers.NewAdaptiveMaxPool2D[T](1, 1).Forward},
	}
	for _, p := range pools {
		x := autograd.Param(tensor.MustNew([]T{nan, nan, 1, 0}, p.shape...))
		autograd.Sum(p.pool(x)).Backward()
		if got := x.Grad().Data(); !slices.Equal(got, []T{0, 1, 0, 0}) {
			t.Errorf("%s %T: gradient %v, want [0 1 0 0] (the last NaN)", p.name, nan, got)
		}
	}
}
