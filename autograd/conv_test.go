package autograd

// Internal tests of the unexported adjoint pairs that the derivatives of
// Conv2D, AvgPool2D and MaxPool2D are made of (fast_conv.go): Conv2D and
// its gradients with respect to input and weight, the bias gradient and a
// broadcast, the max-pooling scatter and gather, average pooling and its
// gradient. Each must be the other's adjoint, ⟨f(x), y⟩ = ⟨x, f*(y)⟩, and
// the backward of each must be the other, to every order.

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

func convTestRand(seed uint64, shape ...int) *tensor.Tensor[float64] {
	rng := rand.New(rand.NewPCG(seed, 5))
	x := tensor.Zeros[float64](shape...)
	for i := range x.Data() {
		x.Data()[i] = 4*rng.Float64() - 2
	}
	return x
}

func convTestDot(a, b *tensor.Tensor[float64]) float64 {
	s := 0.0
	for i, v := range a.Data() {
		s += v * b.Data()[i]
	}
	return s
}

func convTestSame(t *testing.T, what string, got, want *tensor.Tensor[float64]) {
	t.Helper()
	if !tensor.SameShape(got.Shape(), want.Shape()) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	for i, w := range want.Data() {
		if g := got.Data()[i]; math.Abs(g-w) > 1e-12*(1+math.Abs(w)) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g, w)
		}
	}
}

func convTestWin(k, s, p, d [2]int) tensor.Window2D {
	return tensor.Window2D{Kernel: k, Stride: s, Padding: p, Dilation: d}
}

// convTestPair is one adjoint pair: f maps X-shaped Vars to Y-shaped ones,
// adj maps back.
type convTestPair struct {
	name   string
	xShape []int
	yShape []int
	f      func(x *Var[float64]) *Var[float64]
	adj    func(y *Var[float64]) *Var[float64]
	fOp    string // op name f records
	adjOp  string // op name adj records
}

func convTestPairs() []convTestPair {
	var pairs []convTestPair
	for i, g := range []struct {
		name  string
		shape []int
		oc    int
		win   tensor.Window2D
	}{
		{"conv stride 2 padding 1", []int{2, 3, 5, 6}, 2, convTestWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
		{"conv dilation 2 rectangular", []int{2, 2, 6, 5}, 3, convTestWin([2]int{2, 3}, [2]int{1, 2}, [2]int{0, 1}, [2]int{2, 1})},
		{"conv overlapping 1 image", []int{1, 1, 4, 4}, 2, convTestWin([2]int{3, 2}, [2]int{1, 1}, [2]int{1, 0}, [2]int{1, 1})},
		{"conv pointwise", []int{2, 3, 2, 3}, 2, convTestWin([2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
	} {
		oh, ow := g.win.OutSize(g.shape[2], g.shape[3])
		x := convTestRand(uint64(130+i), g.shape...)
		w := convTestRand(uint64(140+i), g.oc, g.shape[1], g.win.Kernel[0], g.win.Kernel[1])
		yShape := []int{g.shape[0], g.oc, oh, ow}
		pairs = append(pairs, convTestPair{
			name:   g.name + " (input)",
			xShape: g.shape, yShape: yShape,
			f:   func(x *Var[float64]) *Var[float64] { return convForward(x, Const(w), nil, g.win) },
			adj: func(y *Var[float64]) *Var[float64] { return convInputGrad(y, Const(w), x, g.win) },
			fOp: "Conv2D", adjOp: "Conv2DBackwardInput",
		}, convTestPair{
			name:   g.name + " (weight)",
			xShape: w.Shape(), yShape: yShape,
			f:   func(w *Var[float64]) *Var[float64] { return convForward(Const(x), w, nil, g.win) },
			adj: func(y *Var[float64]) *Var[float64] { return convWeightGrad(Const(x), y, w, g.win) },
			fOp: "Conv2D", adjOp: "Conv2DBackwardWeight",
		})
	}
	pairs = append(pairs, convTestPair{
		name: "conv bias", xShape: []int{2, 3, 2, 2}, yShape: []int{3},
		f: convBiasGrad[float64],
		adj: func(y *Var[float64]) *Var[float64] {
			return BroadcastTo(Reshape(y, 1, 3, 1, 1), 2, 3, 2, 2)
		},
		fOp: "Conv2DBackwardBias", adjOp: "BroadcastTo",
	})
	// The max-pooling scatter and gather, with windows that overlap and
	// share maxima, and average pooling with its gradient.
	for i, g := range []struct {
		name  string
		shape []int
		win   tensor.Window2D
	}{
		{"overlapping 3x3 stride 1 padding 1", []int{2, 2, 4, 5}, convTestWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
		{"2x2 stride 2", []int{1, 3, 4, 6}, convTestWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})},
	} {
		oh, ow := g.win.OutSize(g.shape[2], g.shape[3])
		yShape := []int{g.shape[0], g.shape[1], oh, ow}
		x := convTestRand(uint64(150+i), g.shape...)
		for k, v := range x.Data() {
			x.Data()[k] = math.Round(v) // ties
		}
		pooled, arg := tensor.Zeros[float64](yShape...), tensor.Zeros[float64](yShape...)
		tensor.MaxPool2DInto(pooled, arg, x, g.win)
		pairs = append(pairs, convTestPair{
			name: "max pooling scatter " + g.name, xShape: yShape, yShape: g.shape,
			f:   func(y *Var[float64]) *Var[float64] { return poolRecord(poolMaxScatter, g.win, arg, y, x) },
			adj: func(x *Var[float64]) *Var[float64] { return poolRecord(poolMaxGather, g.win, arg, x, pooled) },
			fOp: "MaxPool2DBackward", adjOp: "MaxPool2DGather",
		}, convTestPair{
			name: "average pooling " + g.name, xShape: g.shape, yShape: yShape,
			f:   func(x *Var[float64]) *Var[float64] { return avgPoolForward(x, g.win) },
			adj: func(y *Var[float64]) *Var[float64] { return poolRecord(poolAvgGrad, g.win, nil, y, x) },
			fOp: "AvgPool2D", adjOp: "AvgPool2DBackward",
		})
	}
	return pairs
}

// TestConvAdjointPairs checks, for each pair (f, f*): ⟨f(x), y⟩ = ⟨x, f*(y)⟩
// for random x and y; that the gradient of ⟨f(x), y⟩ with respect to x is
// f*(y) and that of ⟨x, f*(y)⟩ with respect to y is f(x); and that with
// CreateGraph these gradients are recorded as the adjoint op (so second
// derivatives flow through it).
func TestConvAdjointPairs(t *testing.T) {
	for i, p := range convTestPairs() {
		t.Run(p.name, func(t *testing.T) {
			x := convTestRand(uint64(10+i), p.xShape...)
			y := convTestRand(uint64(50+i), p.yShape...)
			fx := p.f(Const(x)).Value()
			ay := p.adj(Const(y)).Value()
			if !tensor.SameShape(fx.Shape(), p.yShape) || !tensor.SameShape(ay.Shape(), p.xShape) {
				t.Fatalf("shapes: f(x) %v (want %v), f*(y) %v (want %v)", fx.Shape(), p.yShape, ay.Shape(), p.xShape)
			}
			lhs, rhs := convTestDot(fx, y), convTestDot(x, ay)
			if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
				t.Errorf("⟨f(x), y⟩ = %v, ⟨x, f*(y)⟩ = %v", lhs, rhs)
			}

			xp := Param(x)
			gx := Grad([]*Var[float64]{Sum(Mul(p.f(xp), Const(y)))}, []*Var[float64]{xp})[0]
			convTestSame(t, "d⟨f(x), y⟩/dx", gx.Value(), ay)
			yp := Param(y)
			gy := Grad([]*Var[float64]{Sum(Mul(p.adj(yp), Const(x)))}, []*Var[float64]{yp})[0]
			convTestSame(t, "d⟨f*(y), x⟩/dy", gy.Value(), fx)

			// Recorded with CreateGraph, the gradient is the adjoint op
			// applied to the (differentiable) upstream gradient.
			w := Param(y)
			xq := Param(x)
			gq := Grad([]*Var[float64]{Sum(Mul(p.f(xq), w))}, []*Var[float64]{xq}, CreateGraph())[0]
			if gq.Op() != p.adjOp {
				t.Errorf("gradient of f recorded as %q, want %q", gq.Op(), p.adjOp)
			}
			// Its derivative with respect to w is f again: d/dw ⟨f*(w), v⟩ = f(v).
			v := convTestRand(uint64(90+i), p.xShape...)
			gw := Grad([]*Var[float64]{Sum(Mul(gq, Const(v)))}, []*Var[float64]{w})[0]
			convTestSame(t, "second-order d/dw ⟨f*(w), v⟩", gw.Value(), p.f(Const(v)).Value())
			if op := p.f(Param(x)).Op(); op != p.fOp {
				t.Errorf("f recorded as %q, want %q", op, p.fOp)
			}
		})
	}
}
