package autograd

// Internal tests of the unexported adjoint pairs that Conv2D, AvgPool2D and
// MaxPool2D are built from: im2col / col2im and gather / scatter-add. Each
// must be the other's adjoint, ⟨f(x), y⟩ = ⟨x, f*(y)⟩, and the backward of
// each must be the other, to every order.

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
	for _, g := range []struct {
		name  string
		shape []int
		win   tensor.Window2D
	}{
		{"im2col stride 2 padding 1", []int{2, 3, 5, 6}, convTestWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
		{"im2col dilation 2 rectangular", []int{2, 2, 6, 5}, convTestWin([2]int{2, 3}, [2]int{1, 2}, [2]int{0, 1}, [2]int{2, 1})},
		{"im2col overlapping 1 image", []int{1, 1, 4, 4}, convTestWin([2]int{3, 2}, [2]int{1, 1}, [2]int{1, 0}, [2]int{1, 1})},
	} {
		oh, ow := g.win.OutSize(g.shape[2], g.shape[3])
		pairs = append(pairs, convTestPair{
			name:   g.name,
			xShape: g.shape,
			yShape: []int{g.shape[1] * g.win.Kernel[0] * g.win.Kernel[1], g.shape[0] * oh * ow},
			f:      func(x *Var[float64]) *Var[float64] { return convIm2Col(x, g.win) },
			adj:    func(y *Var[float64]) *Var[float64] { return convCol2Im(y, g.shape, g.win) },
			fOp:    "Im2Col", adjOp: "Col2Im",
		})
	}
	// Gather with repeated and missing indices (as max pooling's windows
	// overlap), and the [A, B, R] -> [B, A, R] swap Conv2D uses.
	idx := []int{3, 0, 0, 5, 1, 3, 3, 2}
	pairs = append(pairs, convTestPair{
		name: "gather with duplicates", xShape: []int{2, 4}, yShape: []int{4, 2},
		f:   func(x *Var[float64]) *Var[float64] { return convGather(x, idx, []int{4, 2}) },
		adj: func(y *Var[float64]) *Var[float64] { return convScatter(y, idx, []int{2, 4}) },
		fOp: "GatherFlat", adjOp: "ScatterAddFlat",
	})
	swap := convSwapIndex(3, 2, 4)
	pairs = append(pairs, convTestPair{
		name: "axis swap", xShape: []int{3, 2, 4}, yShape: []int{2, 3, 4},
		f:   func(x *Var[float64]) *Var[float64] { return convGather(x, swap, []int{2, 3, 4}) },
		adj: func(y *Var[float64]) *Var[float64] { return convScatter(y, swap, []int{3, 2, 4}) },
		fOp: "GatherFlat", adjOp: "ScatterAddFlat",
	})
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
