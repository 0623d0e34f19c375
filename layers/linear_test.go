package layers_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

var (
	_ layers.Module[float64] = (*layers.Linear[float64])(nil)
	_ layers.Module[float32] = (*layers.Linear[float32])(nil)
)

func TestNewLinearShapes(t *testing.T) {
	t.Run("float64", testNewLinearShapes[float64])
	t.Run("float32", testNewLinearShapes[float32])
}

func testNewLinearShapes[T tensor.Float](t *testing.T) {
	tests := []struct{ in, out int }{{1, 1}, {2, 3}, {3, 2}, {784, 10}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dto%d", tt.in, tt.out), func(t *testing.T) {
			l := layers.NewLinear[T](newRNG(1), tt.in, tt.out, nil)
			if diff := cmp.Diff([]int{tt.out, tt.in}, l.Weight.Shape()); diff != "" {
				t.Errorf("weight shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]int{tt.out}, l.Bias.Shape()); diff != "" {
				t.Errorf("bias shape (-want +got):\n%s", diff)
			}
			for _, p := range []*autograd.Var[T]{l.Weight, l.Bias} {
				if !p.RequiresGrad() || !p.IsLeaf() {
					t.Errorf("%s: RequiresGrad %v, IsLeaf %v; want a trainable leaf", p.Name(), p.RequiresGrad(), p.IsLeaf())
				}
				if p.Grad() != nil {
					t.Errorf("%s: fresh parameter has a gradient", p.Name())
				}
			}
			ps := l.Parameters()
			if len(ps) != 2 || ps[0] != l.Weight || ps[1] != l.Bias {
				t.Errorf("Parameters() = %v, want [Weight Bias]", ps)
			}
		})
	}
}

// TestNewLinearDefaultInit checks that a nil initializer is PyTorch's
// nn.Linear default: the weight, then the bias, each from
// U(-1/√in, 1/√in) (UniformFanIn), bit for bit from the same seed, and
// that the draws fill that interval with the moments of a uniform
// distribution (mean 0, variance bound²/3).
func TestNewLinearDefaultInit(t *testing.T) {
	tests := []struct{ in, out int }{{1, 1}, {4, 5}, {5, 4}, {64, 32}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%dto%d", tt.in, tt.out), func(t *testing.T) {
			def := layers.NewLinear[float64](newRNG(9), tt.in, tt.out, nil)
			rng := newRNG(9)
			w := layers.UniformFanIn[float64](rng, tt.in, tt.out, tt.out, tt.in)
			b := layers.UniformFanIn[float64](rng, tt.in, tt.out, tt.out)
			if !bitsEqual(def.Weight.Value(), w) || !bitsEqual(def.Bias.Value(), b) {
				t.Errorf("nil init is not UniformFanIn for the weight, then the bias:\n%v\n%v", def.Weight.Value(), def.Bias.Value())
			}
			xav := layers.NewLinear(newRNG(9), tt.in, tt.out, layers.XavierUniform[float64])
			if bitsEqual(def.Weight.Value(), xav.Weight.Value()) {
				t.Errorf("nil init equals XavierUniform; the check is vacuous")
			}
		})
	}
	t.Run("statistics", func(t *testing.T) {
		for _, in := range []int{3, 100} {
			l := layers.NewLinear[float64](newRNG(11), in, 2000, nil)
			bound := 1 / math.Sqrt(float64(in))
			for _, p := range []*autograd.Var[float64]{l.Weight, l.Bias} {
				checkFills(t, p, bound)
				d := p.Value().Data()
				var sum, sumSq float64
				for _, v := range d {
					sum += v
					sumSq += v * v
				}
				n := float64(len(d))
				mean, variance := sum/n, sumSq/n-(sum/n)*(sum/n)
				// 2000 or more draws: the mean is within 4 standard errors,
				// the variance within 10% of bound²/3.
				if math.Abs(mean) > 4*bound/math.Sqrt(3*n) || math.Abs(variance/(bound*bound/3)-1) > 0.1 {
					t.Errorf("in=%d %s: mean %v variance %v, want 0 and %v", in, p.Name(), mean, variance, bound*bound/3)
				}
			}
		}
	})
	t.Run("explicit init keeps a zero bias", func(t *testing.T) {
		for _, ic := range initializers[float64]() {
			l := layers.NewLinear(newRNG(2), 5, 3, ic.init)
			if diff := cmp.Diff([]float64{0, 0, 0}, l.Bias.Value().Data()); diff != "" {
				t.Errorf("%s: bias (-want +got):\n%s", ic.name, diff)
			}
		}
	})
}

// TestNewLinearPassesFans checks that NewLinear hands the initializer fanIn =
// in, fanOut = out and the shape [out, in].
func TestNewLinearPassesFans(t *testing.T) {
	var gotIn, gotOut int
	var gotShape []int
	spy := func(_ *rand.Rand, fanIn, fanOut int, shape ...int) *tensor.Tensor[float64] {
		gotIn, gotOut, gotShape = fanIn, fanOut, append([]int(nil), shape...)
		return tensor.Full(0.5, shape...)
	}
	l := layers.NewLinear(newRNG(1), 3, 7, spy)
	if gotIn != 3 || gotOut != 7 {
		t.Errorf("initializer got fanIn %d, fanOut %d; want 3, 7", gotIn, gotOut)
	}
	if diff := cmp.Diff([]int{7, 3}, gotShape); diff != "" {
		t.Errorf("initializer shape (-want +got):\n%s", diff)
	}
	if l.Weight.Value().At(6, 2) != 0.5 {
		t.Errorf("weight does not come from the initializer: %v", l.Weight.Value())
	}
}

func TestNewLinearSeeded(t *testing.T) {
	for _, ic := range append(initializers[float64](), initCase[float64]{"nil", nil}) {
		t.Run(ic.name, func(t *testing.T) {
			a := layers.NewLinear(newRNG(3), 6, 4, ic.init)
			b := layers.NewLinear(newRNG(3), 6, 4, ic.init)
			c := layers.NewLinear(newRNG(4), 6, 4, ic.init)
			if !bitsEqual(a.Weight.Value(), b.Weight.Value()) {
				t.Errorf("same seed, different weights:\n%v\n%v", a.Weight.Value(), b.Weight.Value())
			}
			if bitsEqual(a.Weight.Value(), c.Weight.Value()) {
				t.Errorf("different seeds, same weights:\n%v", a.Weight.Value())
			}
			// Two layers from one generator differ: the draws advance it.
			rng := newRNG(3)
			l1 := layers.NewLinear(rng, 6, 4, ic.init)
			l2 := layers.NewLinear(rng, 6, 4, ic.init)
			if bitsEqual(l1.Weight.Value(), l2.Weight.Value()) {
				t.Errorf("consecutive layers from one generator have the same weights")
			}
		})
	}
}

func TestNewLinearPanicsOnBadSizes(t *testing.T) {
	tests := []struct{ in, out int }{{0, 1}, {1, 0}, {0, 0}, {-1, 3}, {3, -2}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("in%d_out%d", tt.in, tt.out), func(t *testing.T) {
			r := panicValue(func() { layers.NewLinear[float64](newRNG(1), tt.in, tt.out, nil) })
			if r == nil {
				t.Fatalf("NewLinear(%d, %d) did not panic", tt.in, tt.out)
			}
			msg := fmt.Sprint(r)
			for _, want := range []string{"layers: NewLinear", fmt.Sprint(tt.in), fmt.Sprint(tt.out)} {
				if !strings.Contains(msg, want) {
					t.Errorf("panic %q does not mention %q", msg, want)
				}
			}
		})
	}
}

// linearOf builds a Linear with the given weight [out, in] and bias [out].
func linearOf[T tensor.Float](w, b *tensor.Tensor[float64]) *layers.Linear[T] {
	return &layers.Linear[T]{Weight: autograd.Param(convert[T](w)), Bias: autograd.Param(convert[T](b))}
}

func TestLinearForward(t *testing.T) {
	t.Run("float64", testLinearForward[float64])
	t.Run("float32", testLinearForward[float32])
}

func testLinearForward[T tensor.Float](t *testing.T) {
	tests := []struct {
		name    string
		x, w, b *tensor.Tensor[float64]
		want    tensorView
	}{
		{
			// y = x·Wᵀ + b, worked by hand:
			// row 0: [1·1 + 2·0 + 3·-1 + 10, 0.5·(1+2+3) - 1] = [8, 2]
			// row 1: [4 - 6 + 10, 0.5·15 - 1]                = [8, 6.5]
			name: "2x3 to 2",
			x:    mat([]float64{1, 2, 3}, []float64{4, 5, 6}),
			w:    mat([]float64{1, 0, -1}, []float64{0.5, 0.5, 0.5}),
			b:    vec(10, -1),
			want: view([]int{2, 2}, 8, 2, 8, 6.5),
		},
		{
			// One sample, one feature, three outputs: y = x·w + b.
			name: "1x1 to 3",
			x:    mat([]float64{-2}),
			w:    mat([]float64{1}, []float64{-3}, []float64{0.25}),
			b:    vec(0, 1, 2),
			want: view([]int{1, 3}, -2, 7, 1.5),
		},
		{
			// Three samples to one output: a dot product per row.
			name: "3x2 to 1",
			x:    mat([]float64{1, 1}, []float64{2, -1}, []float64{0, 0}),
			w:    mat([]float64{3, 4}),
			b:    vec(-0.5),
			want: view([]int{3, 1}, 6.5, 1.5, -0.5),
		},
		{
			// A non-square weight catches a transposed use of W.
			name: "1x2 to 3",
			x:    mat([]float64{1, 10}),
			w:    mat([]float64{1, 2}, []float64{3, 4}, []float64{5, 6}),
			b:    vec(0, 0, 0),
			want: view([]int{1, 3}, 21, 43, 65),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := linearOf[T](tt.w, tt.b)
			got := l.Forward(autograd.Const(convert[T](tt.x)))
			if diff := cmp.Diff(tt.want, viewOf(got.Value()), approx(tolFor[T]())); diff != "" {
				t.Errorf("Forward (-want +got):\n%s", diff)
			}
			if !got.RequiresGrad() {
				t.Errorf("output of a layer with parameters does not require a gradient")
			}
		})
	}
}

// TestLinearForwardRandom compares Forward with a triple loop on random
// values of several shapes.
func TestLinearForwardRandom(t *testing.T) {
	rng := newRNG(21)
	for _, s := range []struct{ batch, in, out int }{{1, 1, 1}, {4, 3, 2}, {7, 13, 5}, {2, 64, 33}} {
		t.Run(fmt.Sprint(s.batch, "x", s.in, "to", s.out), func(t *testing.T) {
			x, w, b := randTensor(rng, s.batch, s.in), randTensor(rng, s.out, s.in), randTensor(rng, s.out)
			want := make([]float64, s.batch*s.out)
			for i := range s.batch {
				for o := range s.out {
					acc := b.At(o)
					for k := range s.in {
						acc += x.At(i, k) * w.At(o, k)
					}
					want[i*s.out+o] = acc
				}
			}
			got := linearOf[float64](w, b).Forward(autograd.Const(x))
			if diff := cmp.Diff(view([]int{s.batch, s.out}, want...), viewOf(got.Value()), approx(1e-12)); diff != "" {
				t.Errorf("Forward (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLinearLeadingAxes: as torch's nn.Linear, an input [..., in] maps to
// [..., out], row by row what the 2-D input of its rows gives, gradients
// included, and [in] to [out]; with ReLU fused (an MLP's hidden layer) too.
func TestLinearLeadingAxes(t *testing.T) {
	rng := newRNG(4)
	l := layers.NewLinear[float64](rng, 3, 2, nil)
	x := randTensor(rng, 2, 4, 3)
	for _, relu := range []bool{false, true} {
		fwd := l.Forward
		if relu {
			fwd = layers.NewSequential[float64](l, layers.ReLU[float64]{}).Forward // fuses the two
		}
		px, prows := autograd.Param(x), autograd.Param(x.Reshape(8, 3))
		y, rows := fwd(px), fwd(prows)
		if !y.Value().HasShape(2, 4, 2) {
			t.Fatalf("relu %v: shape %v, want [2 4 2]", relu, y.Value().Shape())
		}
		if d := cmp.Diff(viewOf(rows.Value()).Data, viewOf(y.Value()).Data); d != "" {
			t.Errorf("relu %v: [2 4 3] input differs from its rows (-rows +3-D):\n%s", relu, d)
		}
		l.Weight.ZeroGrad()
		autograd.Sum(autograd.Mul(y, y)).Backward()
		gw := l.Weight.Grad().Clone()
		l.Weight.ZeroGrad()
		autograd.Sum(autograd.Mul(rows, rows)).Backward()
		if d := cmp.Diff(viewOf(l.Weight.Grad()), viewOf(gw)); d != "" || !px.Grad().HasShape(2, 4, 3) {
			t.Errorf("relu %v: weight gradient (-rows +3-D):\n%s, input gradient %v", relu, d, px.Grad().Shape())
		}
	}
	v := l.Forward(autograd.Const(x.Reshape(8, 3)))
	one := l.Forward(autograd.Const(tensor.MustNew(x.Data()[:3], 3)))
	if !one.Value().HasShape(2) || one.Value().Data()[1] != v.Value().Data()[1] {
		t.Errorf("[in] input: %v, want the first row of the 2-D result %v", one.Value(), v.Value().Data()[:2])
	}
}

func TestLinearForwardShapePanics(t *testing.T) {
	l := layers.NewLinear[float64](newRNG(1), 3, 5, nil) // weight [5 3]
	tests := []struct {
		name  string
		shape []int
	}{
		{"too many features", []int{2, 4}},
		{"too few features", []int{2, 2}},
		{"transposed batch", []int{3, 2}},
		{"1-D input", []int{2}},
		{"3-D input", []int{2, 3, 1}},
		{"scalar input", []int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := autograd.Const(tensor.Zeros[float64](tt.shape...))
			se := shapePanic(t, func() { l.Forward(x) })
			if se.Pkg != "layers" || se.Op != "Linear (weight)" {
				t.Errorf("Pkg %q, Op %q; want layers, Linear (weight)", se.Pkg, se.Op)
			}
			msg := se.Error()
			for _, want := range []string{"layers: Linear (weight)", fmt.Sprint(tt.shape), "[5 3]"} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not mention %q", msg, want)
				}
			}
		})
	}
}

// TestLinearGradcheck checks the full Jacobian of a Linear layer's output
// with respect to its input, weight and bias against finite differences.
func TestLinearGradcheck(t *testing.T) {
	rng := newRNG(17)
	for _, s := range []struct{ batch, in, out int }{{1, 1, 1}, {1, 3, 2}, {2, 3, 4}, {5, 2, 1}, {3, 4, 3}} {
		t.Run(fmt.Sprint(s.batch, "x", s.in, "to", s.out), func(t *testing.T) {
			f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
				l := &layers.Linear[float64]{Weight: x[1], Bias: x[2]}
				return l.Forward(x[0])
			}
			inputs := []*tensor.Tensor[float64]{randTensor(rng, s.batch, s.in), randTensor(rng, s.out, s.in), randTensor(rng, s.out)}
			rep, err := gradcheck.Check(f, inputs)
			if err != nil {
				t.Fatal(err)
			}
			// Every element of the [batch·out] x [batch·in + out·in + out]
			// Jacobian was compared.
			if want := s.batch * s.out * (s.batch*s.in + s.out*s.in + s.out); rep.Total != want {
				t.Errorf("compared %d Jacobian elements, want %d", rep.Total, want)
			}
		})
	}
}

// TestLinearBackwardByHand checks the gradients of L = Σ y for y = x·Wᵀ + b
// against their closed form: dL/dW[o][i] = Σ_b x[b][i], dL/db[o] = batch,
// dL/dx[b][i] = Σ_o W[o][i].
func TestLinearBackwardByHand(t *testing.T) {
	x := autograd.Param(mat([]float64{1, 2, 3}, []float64{4, 5, 6}))
	l := linearOf[float64](mat([]float64{1, 0, -1}, []float64{0.5, 0.5, 0.5}), vec(10, -1))
	autograd.Sum(l.Forward(x)).Backward()
	checks := []struct {
		name string
		got  *tensor.Tensor[float64]
		want tensorView
	}{
		{"dW", l.Weight.Grad(), view([]int{2, 3}, 5, 7, 9, 5, 7, 9)},
		{"db", l.Bias.Grad(), view([]int{2}, 2, 2)},
		{"dx", x.Grad(), view([]int{2, 3}, 1.5, 0.5, -0.5, 1.5, 0.5, -0.5)},
	}
	for _, c := range checks {
		if c.got == nil {
			t.Errorf("%s: no gradient", c.name)
			continue
		}
		if diff := cmp.Diff(c.want, viewOf(c.got), approx(1e-12)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

// TestLinearForwardConcurrent evaluates one model from several goroutines, as
// the package documentation allows; run with -race.
func TestLinearForwardConcurrent(t *testing.T) {
	net := layers.NewSequential[float64](
		layers.NewLinear[float64](newRNG(1), 4, 8, nil),
		layers.Tanh[float64]{},
		layers.NewLinear[float64](newRNG(2), 8, 2, nil),
	)
	x := autograd.Const(randTensor(newRNG(3), 5, 4))
	want := net.Forward(x).Value()
	var wg sync.WaitGroup
	results := make([]*tensor.Tensor[float64], 8)
	for g := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[g] = net.Forward(x).Value()
		}()
	}
	wg.Wait()
	for g, got := range results {
		if !bitsEqual(want, got) {
			t.Errorf("goroutine %d: %v, want %v", g, got, want)
		}
	}
}

// TestLinearFloat32MatchesFloat64 runs the same layer in both precisions.
func TestLinearFloat32MatchesFloat64(t *testing.T) {
	rng := newRNG(8)
	x, w, b := randTensor(rng, 6, 5), randTensor(rng, 3, 5), randTensor(rng, 3)
	y64 := linearOf[float64](w, b).Forward(autograd.Const(x)).Value()
	y32 := linearOf[float32](w, b).Forward(autograd.Const(convert[float32](x))).Value()
	if diff := cmp.Diff(viewOf(y64), viewOf(y32), approx(1e-5)); diff != "" {
		t.Errorf("float32 vs float64 (-64 +32):\n%s", diff)
	}
}
