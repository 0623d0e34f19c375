package autograd_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// smallNet builds loss = Sum(c ∘ (x·w + b)) with hand-computable gradients:
// dL/dw = xᵀc = [-7 -8]ᵀ, dL/db = Σc = [-1].
func smallNet() (w, b, x, c, z, loss *V) {
	w = autograd.Param(t64([]float64{0.5, -1}, 2, 1))
	b = autograd.Param(t64([]float64{0.25}, 1))
	x = autograd.Const(t64([]float64{1, 2, 3, 4}, 2, 2))
	c = autograd.Const(t64([]float64{2, -3}, 2, 1))
	z = autograd.Add(autograd.MatMul(x, w), b)
	loss = autograd.Sum(autograd.Mul(c, z))
	return
}

var (
	smallNetGradW = view([]int{2, 1}, -7, -8)
	smallNetGradB = view([]int{1}, -1)
)

func TestBackwardFillsOnlyParams(t *testing.T) {
	w, b, x, c, z, loss := smallNet()
	unused := autograd.Param(t64([]float64{1, 2}, 2))
	// loss = 2·(0.5-2+0.25) - 3·(1.5-4+0.25) = -2.5 + 6.75
	if got, want := loss.Item(), 4.25; got != want {
		t.Errorf("loss = %v, want %v", got, want)
	}
	loss.Backward()
	checkTensor(t, "w.Grad()", w.Grad(), smallNetGradW, 0)
	checkTensor(t, "b.Grad()", b.Grad(), smallNetGradB, 0)
	for name, v := range map[string]*V{"Const x": x, "Const c": c, "intermediate z": z, "output loss": loss, "unused Param": unused} {
		if v.Grad() != nil {
			t.Errorf("%s.Grad() = %v, want nil", name, v.Grad())
		}
	}
}

func TestBackwardOnParamItself(t *testing.T) {
	x := autograd.Param(tensor.Scalar(3.0))
	x.Backward()
	checkTensor(t, "x.Grad()", x.Grad(), view([]int{}, 1), 0)
}

func TestBackwardAccumulates(t *testing.T) {
	t.Run("same graph with RetainGraph", func(t *testing.T) {
		w, b, _, _, _, loss := smallNet()
		loss.Backward(autograd.RetainGraph())
		loss.Backward()
		checkTensor(t, "w.Grad()", w.Grad(), view([]int{2, 1}, -14, -16), 0)
		checkTensor(t, "b.Grad()", b.Grad(), view([]int{1}, -2), 0)
	})
	t.Run("two graphs on the same params", func(t *testing.T) {
		w := autograd.Param(t64([]float64{1, -2, 3}, 3))
		autograd.Sum(autograd.Square(w)).Backward()                                                          // 2w
		autograd.Sum(autograd.Scale(w, 5)).Backward()                                                        // 5
		autograd.Sum(autograd.Mul(w, autograd.Sigmoid(autograd.Const(tensor.Zeros[float64](3))))).Backward() // 0.5
		checkTensor(t, "w.Grad()", w.Grad(), view([]int{3}, 2+5+0.5, -4+5+0.5, 6+5+0.5), 0)
	})
	t.Run("into the same buffer", func(t *testing.T) {
		w := autograd.Param(t64([]float64{1, 2}, 2))
		autograd.Sum(w).Backward()
		g := w.Grad()
		autograd.Sum(autograd.Scale(w, 3)).Backward()
		if w.Grad() != g {
			t.Errorf("second Backward replaced the gradient tensor; want accumulation in place")
		}
		checkTensor(t, "w.Grad()", w.Grad(), view([]int{2}, 4, 4), 0)
	})
}

func TestZeroGrad(t *testing.T) {
	zeroers := []struct {
		name string
		zero func(vs ...*V)
	}{
		{"method", func(vs ...*V) {
			for _, v := range vs {
				v.ZeroGrad()
			}
		}},
		{"function", autograd.ZeroGrad[float64]},
	}
	for _, z := range zeroers {
		t.Run(z.name, func(t *testing.T) {
			w, b, _, _, _, loss := smallNet()
			never := autograd.Param(t64([]float64{1}, 1))
			loss.Backward()
			gw, gb := w.Grad(), b.Grad()
			z.zero(w, b, never)
			if w.Grad() != gw || b.Grad() != gb {
				t.Errorf("ZeroGrad replaced the gradient tensors; want them zeroed in place")
			}
			checkTensor(t, "w.Grad()", w.Grad(), view([]int{2, 1}, 0, 0), 0)
			checkTensor(t, "b.Grad()", b.Grad(), view([]int{1}, 0), 0)
			if never.Grad() != nil {
				t.Errorf("ZeroGrad of a Var without gradient made one: %v", never.Grad())
			}
			// A new step accumulates into the zeroed buffers.
			_, _, x, c, _, _ := smallNet()
			autograd.Sum(autograd.Mul(c, autograd.Add(autograd.MatMul(x, w), b))).Backward()
			if w.Grad() != gw {
				t.Errorf("Backward after ZeroGrad replaced the gradient tensor")
			}
			checkTensor(t, "w.Grad() after a new step", w.Grad(), smallNetGradW, 0)
		})
	}
}

// TestZeroGradUnreadThenBackward checks the lazy side of ZeroGrad: when the
// zeroed gradient is not read before the next Backward, that Backward
// writes the new gradient over the old numbers, for a parameter used once
// (written in place) and for one used twice (summed first), and a second
// Backward adds to it again.
func TestZeroGradUnreadThenBackward(t *testing.T) {
	w := autograd.Param(t64([]float64{2, -3}, 2))
	x := autograd.Const(t64([]float64{5, 7}, 2))
	step := func() { // loss = Σ w∘x + Σ w∘w, so dloss/dw = x + 2w
		autograd.Add(autograd.Sum(autograd.Mul(w, x)), autograd.Sum(autograd.Mul(w, w))).Backward()
	}
	once := func() { autograd.Sum(autograd.Mul(w, x)).Backward() } // dloss/dw = x
	step()
	checkTensor(t, "first gradient", w.Grad(), view([]int{2}, 9, 1), 0)
	w.ZeroGrad()
	once()
	checkTensor(t, "after ZeroGrad, a use-once Backward", w.Grad(), view([]int{2}, 5, 7), 0)
	w.ZeroGrad()
	step()
	checkTensor(t, "after ZeroGrad, a use-twice Backward", w.Grad(), view([]int{2}, 9, 1), 0)
	once()
	checkTensor(t, "a second Backward accumulates", w.Grad(), view([]int{2}, 14, 8), 0)
}

// TestVarUsedTwice checks that every use of a Var contributes, with exact
// values.
func TestVarUsedTwice(t *testing.T) {
	tests := []struct {
		name string
		x    []float64
		f    func(x *V) *V
		want []float64
	}{
		{"x*x", []float64{3, -2, 0.5}, func(x *V) *V { return autograd.Mul(x, x) }, []float64{6, -4, 1}},
		{"x+x", []float64{3, -2, 0.5}, func(x *V) *V { return autograd.Add(x, x) }, []float64{2, 2, 2}},
		{"x-x", []float64{3, -2, 0.5}, func(x *V) *V { return autograd.Sub(x, x) }, []float64{0, 0, 0}},
		{"x/x", []float64{3, -2, 0.5}, func(x *V) *V { return autograd.Div(x, x) }, []float64{0, 0, 0}},
		{"(x*x)*x", []float64{3, -2, 0.5}, func(x *V) *V { return autograd.Mul(autograd.Mul(x, x), x) }, []float64{27, 12, 0.75}},
		{"diamond: h=2x, h*h+h", []float64{1.5, -0.5, 0}, func(x *V) *V {
			h := autograd.Scale(x, 2)
			return autograd.Add(autograd.Mul(h, h), h) // 4x²+2x → 8x+2
		}, []float64{14, -2, 2}},
		{"diamond: 3x ∘ x²", []float64{2, -1, 0.5}, func(x *V) *V {
			return autograd.Mul(autograd.Scale(x, 3), autograd.Square(x)) // 3x³ → 9x²
		}, []float64{36, 9, 2.25}},
		{"x reached through a reshape and a broadcast", []float64{1, 2, 3}, func(x *V) *V {
			r := autograd.Reshape(x, 3, 1)
			// [1 3] + [2 3]: both terms are broadcast over two rows.
			return autograd.Add(autograd.Transpose(r), autograd.BroadcastTo(x, 2, 3))
		}, []float64{4, 4, 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.Param(t64(tc.x, len(tc.x)))
			autograd.Sum(tc.f(x)).Backward()
			checkTensor(t, "x.Grad()", x.Grad(), view([]int{len(tc.x)}, tc.want...), 0)
		})
	}
}

// TestShapeOpGradients checks the shape ops' gradients with exact values
// (independently of gradcheck): each routes an upstream gradient to the right
// input elements.
func TestShapeOpGradients(t *testing.T) {
	up := func(shape ...int) *V { // upstream weights 1, 2, 3, ...
		n := 1
		for _, d := range shape {
			n *= d
		}
		d := make([]float64, n)
		for i := range d {
			d[i] = float64(i + 1)
		}
		return autograd.Const(t64(d, shape...))
	}
	tests := []struct {
		name  string
		shape []int
		f     func(x *V) *V
		want  tensorView
	}{
		{"Reshape [2 3] to [3 2]", []int{2, 3}, func(x *V) *V { return autograd.Mul(autograd.Reshape(x, 3, 2), up(3, 2)) }, view([]int{2, 3}, 1, 2, 3, 4, 5, 6)},
		{"Reshape [2 3] to [-1]", []int{2, 3}, func(x *V) *V { return autograd.Mul(autograd.Reshape(x, -1), up(6)) }, view([]int{2, 3}, 1, 2, 3, 4, 5, 6)},
		{"Transpose [2 3]", []int{2, 3}, func(x *V) *V { return autograd.Mul(autograd.Transpose(x), up(3, 2)) }, view([]int{2, 3}, 1, 3, 5, 2, 4, 6)},
		{"BroadcastTo [3] to [2 3]", []int{3}, func(x *V) *V { return autograd.Mul(autograd.BroadcastTo(x, 2, 3), up(2, 3)) }, view([]int{3}, 5, 7, 9)},
		{"SumTo [2 3] to [2 1]", []int{2, 3}, func(x *V) *V { return autograd.Mul(autograd.SumTo(x, 2, 1), up(2, 1)) }, view([]int{2, 3}, 1, 1, 1, 2, 2, 2)},
		{"Sum axis -1", []int{2, 3}, func(x *V) *V { return autograd.Mul(autograd.Sum(x, -1), up(2)) }, view([]int{2, 3}, 1, 1, 1, 2, 2, 2)},
		{"Mean axis 0", []int{2, 3}, func(x *V) *V { return autograd.Mul(autograd.Mean(x, 0), up(3)) }, view([]int{2, 3}, 0.5, 1, 1.5, 0.5, 1, 1.5)},
		{"MeanKeepDims all", []int{2, 2}, func(x *V) *V { return autograd.Mul(autograd.MeanKeepDims(x), up(1, 1)) }, view([]int{2, 2}, 0.25, 0.25, 0.25, 0.25)},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.Param(in(anyReal, tc.shape...).draw(uint64(i)))
			autograd.Sum(tc.f(x)).Backward()
			checkTensor(t, "x.Grad()", x.Grad(), tc.want, 0)
		})
	}
}

func TestDetachStopsGradient(t *testing.T) {
	x := autograd.Param(t64([]float64{3, -2}, 2))
	d := autograd.Detach(x)
	if d.RequiresGrad() || !d.IsLeaf() {
		t.Errorf("Detach: RequiresGrad %v, IsLeaf %v; want false, true", d.RequiresGrad(), d.IsLeaf())
	}
	if d.Value() != x.Value() {
		t.Errorf("Detach copied the value; want it shared")
	}
	autograd.Sum(autograd.Mul(x, d)).Backward() // x·const(x): gradient x, not 2x
	checkTensor(t, "x.Grad()", x.Grad(), view([]int{2}, 3, -2), 0)
	if d.Grad() != nil {
		t.Errorf("detached Var got a gradient: %v", d.Grad())
	}

	// A loss built only from detached values requires no gradient.
	if l := autograd.Sum(autograd.Square(autograd.Detach(autograd.Scale(x, 2)))); l.RequiresGrad() {
		t.Errorf("loss of a detached value requires a gradient")
	}
}

func TestBackwardNonScalarPanics(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	y := autograd.Scale(x, 2)
	se := mustShapeError(t, func() { y.Backward() })
	msg := se.Error()
	if !strings.Contains(msg, "Backward") || !strings.Contains(msg, "[2 3]") {
		t.Errorf("message %q should name Backward and the shape [2 3]", msg)
	}
	if want := "autograd: Backward: output must have exactly one element (reduce it first, e.g. with Sum or Mean): [2 3]"; msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
	if x.Grad() != nil {
		t.Errorf("failed Backward left a gradient: %v", x.Grad())
	}
	// A one-element output of any rank is fine.
	autograd.Sum(x, 0, 1).Backward()
	autograd.SumKeepDims(x).Backward()
	checkTensor(t, "x.Grad()", x.Grad(), view([]int{2, 3}, 2, 2, 2, 2, 2, 2), 0)
}

func TestBackwardWithoutGradPanics(t *testing.T) {
	c := autograd.Const(t64([]float64{1, 2}, 2))
	loss := autograd.Sum(autograd.Square(c))
	err := mustPanicError(t, func() { loss.Backward() })
	if !strings.Contains(err.Error(), "Backward") || !strings.Contains(err.Error(), "does not require a gradient") {
		t.Errorf("message %q should say that Backward's output does not require a gradient", err)
	}
}

func TestBackwardRejectsGradOptions(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2}, 2))
	loss := autograd.Sum(autograd.Square(x))
	for _, tc := range []struct {
		name, want string
		opt        autograd.Option
	}{
		{"CreateGraph", "CreateGraph", autograd.CreateGraph()},
		{"GradOutputs", "GradOutputs", autograd.GradOutputs(tensor.Scalar(1.0))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mustPanicError(t, func() { loss.Backward(tc.opt) })
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "autograd: Backward") {
				t.Errorf("message %q should start with autograd: Backward and mention %s", err, tc.want)
			}
		})
	}
	if x.Grad() != nil {
		t.Errorf("rejected Backward left a gradient: %v", x.Grad())
	}
	loss.Backward() // the graph is still usable
	checkTensor(t, "x.Grad()", x.Grad(), view([]int{2}, 2, 4), 0)
}

func TestBackwardTwiceWithoutRetainPanics(t *testing.T) {
	w, _, _, _, _, loss := smallNet()
	loss.Backward()
	err := mustPanicError(t, func() { loss.Backward() })
	if !errors.Is(err, autograd.ErrGraphReleased) {
		t.Fatalf("second Backward panicked with %v, want an error wrapping ErrGraphReleased", err)
	}
	if !strings.HasPrefix(err.Error(), "autograd: Sum: ") {
		t.Errorf("message %q should name the released op (Sum)", err)
	}
	// The failed pass must not have accumulated anything.
	checkTensor(t, "w.Grad()", w.Grad(), smallNetGradW, 0)

	// Grad through a released graph panics the same way.
	err = mustPanicError(t, func() { autograd.Grad([]*V{loss}, []*V{w}) })
	if !errors.Is(err, autograd.ErrGraphReleased) {
		t.Errorf("Grad through a released graph panicked with %v, want ErrGraphReleased", err)
	}
}

func TestGradDoesNotTouchGradField(t *testing.T) {
	w, b, _, _, _, loss := smallNet()
	gs := autograd.Grad([]*V{loss}, []*V{w, b})
	if len(gs) != 2 {
		t.Fatalf("Grad returned %d gradients, want 2", len(gs))
	}
	checkTensor(t, "dL/dw", gs[0].Value(), smallNetGradW, 0)
	checkTensor(t, "dL/db", gs[1].Value(), smallNetGradB, 0)
	if w.Grad() != nil || b.Grad() != nil {
		t.Errorf("Grad touched .Grad(): w %v, b %v", w.Grad(), b.Grad())
	}
	for i, g := range gs {
		if g.RequiresGrad() {
			t.Errorf("gradient %d requires a gradient without CreateGraph", i)
		}
	}
}

// TestGradNilInputs: the functional form must never accumulate into .Grad(),
// even when asked for no gradients at all.
func TestGradNilInputs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inputs []*V
	}{
		{"empty inputs", []*V{}},
		{"nil inputs", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, b, _, _, _, loss := smallNet()
			gs := autograd.Grad([]*V{loss}, tc.inputs)
			if len(gs) != 0 {
				t.Errorf("Grad returned %d gradients for no inputs", len(gs))
			}
			if w.Grad() != nil || b.Grad() != nil {
				t.Errorf("Grad with %s accumulated into .Grad(): w %v, b %v", tc.name, w.Grad(), b.Grad())
			}
		})
	}
}

func TestGradWithRespectToIntermediate(t *testing.T) {
	x := autograd.Const(t64([]float64{1, 2, 3, 4}, 2, 2))
	w := autograd.Param(t64([]float64{0.5, -1}, 2, 1))
	h := autograd.MatMul(x, w) // [-1.5 -2.5]
	loss := autograd.Sum(autograd.Square(h))
	gs := autograd.Grad([]*V{loss}, []*V{h, w})
	checkTensor(t, "dL/dh", gs[0].Value(), view([]int{2, 1}, -3, -5), 0)
	// dL/dw = xᵀ·2h = [1·-3 + 3·-5, 2·-3 + 4·-5]
	checkTensor(t, "dL/dw", gs[1].Value(), view([]int{2, 1}, -18, -26), 0)
}

func TestGradUnreachableInputGetsZeros(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2}, 2))
	other := autograd.Param(t64([]float64{5, 6, 7}, 3, 1))
	gs := autograd.Grad([]*V{autograd.Sum(autograd.Square(x))}, []*V{other, x})
	checkTensor(t, "d/d other", gs[0].Value(), view([]int{3, 1}, 0, 0, 0), 0)
	checkTensor(t, "d/dx", gs[1].Value(), view([]int{2}, 2, 4), 0)

	// An output that requires no gradient at all: zeros too.
	c := autograd.Sum(autograd.Const(t64([]float64{1, 2}, 2)))
	gs = autograd.Grad([]*V{c}, []*V{x})
	checkTensor(t, "d const/dx", gs[0].Value(), view([]int{2}, 0, 0), 0)
}

func TestGradConstInputPanics(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2}, 2))
	c := autograd.Const(t64([]float64{3, 4}, 2))
	loss := autograd.Sum(autograd.Mul(x, c))
	err := mustPanicError(t, func() { autograd.Grad([]*V{loss}, []*V{x, c}) })
	if !strings.Contains(err.Error(), "input 1") || !strings.Contains(err.Error(), "does not require a gradient") {
		t.Errorf("message %q should name input 1 and say it does not require a gradient", err)
	}
}

func TestGradMultipleOutputsSum(t *testing.T) {
	x := autograd.Param(t64([]float64{1, -2}, 2))
	y1 := autograd.Sum(autograd.Square(x))   // 2x
	y2 := autograd.Sum(autograd.Scale(x, 3)) // 3
	gs := autograd.Grad([]*V{y1, y2}, []*V{x}, autograd.RetainGraph())
	checkTensor(t, "d(y1+y2)/dx", gs[0].Value(), view([]int{2}, 5, -1), 0)
	gs = autograd.Grad([]*V{y1, y1}, []*V{x})
	checkTensor(t, "d(y1+y1)/dx", gs[0].Value(), view([]int{2}, 4, -8), 0)
}

func TestGradOutputs(t *testing.T) {
	a := autograd.Const(t64([]float64{1, 2, 3, 4, 5, 6}, 2, 3))
	x := autograd.Param(t64([]float64{0.5, -1, 2}, 3, 1))
	y := autograd.MatMul(a, x) // [2 1]
	v := t64([]float64{10, -1}, 2, 1)
	gs := autograd.Grad([]*V{y}, []*V{x}, autograd.GradOutputs(v))
	// vᵀ·A = [10·1 - 4, 10·2 - 5, 10·3 - 6]
	checkTensor(t, "vᵀ·J", gs[0].Value(), view([]int{3, 1}, 6, 15, 24), 0)
	if x.Grad() != nil {
		t.Errorf("Grad touched .Grad(): %v", x.Grad())
	}
	checkTensor(t, "seed after Grad", v, view([]int{2, 1}, 10, -1), 0)

	// Elementwise output: the VJP is v ∘ f'(x).
	z := autograd.Param(t64([]float64{1, 2, 3}, 3))
	sq := autograd.Square(z)
	gs = autograd.Grad([]*V{sq}, []*V{z}, autograd.GradOutputs(t64([]float64{1, 0.5, -2}, 3)))
	checkTensor(t, "v ∘ 2z", gs[0].Value(), view([]int{3}, 2, 2, -12), 0)
}

func TestGradOutputsMisuse(t *testing.T) {
	x := autograd.Param(t64([]float64{1, 2, 3}, 3))
	y := autograd.Scale(x, 2)

	t.Run("wrong shape", func(t *testing.T) {
		se := mustShapeError(t, func() {
			autograd.Grad([]*V{y}, []*V{x}, autograd.GradOutputs(t64([]float64{1, 2}, 2, 1)))
		})
		if want := "autograd: Grad: GradOutputs[0] does not match the output's shape: [2 1] x [3]"; se.Error() != want {
			t.Errorf("message = %q, want %q", se.Error(), want)
		}
	})
	t.Run("wrong count", func(t *testing.T) {
		err := mustPanicError(t, func() {
			autograd.Grad([]*V{y}, []*V{x}, autograd.GradOutputs(t64([]float64{1, 2, 3}, 3), t64([]float64{1, 2, 3}, 3)))
		})
		if want := "autograd: Grad: 2 GradOutputs for 1 outputs"; err.Error() != want {
			t.Errorf("message = %q, want %q", err, want)
		}
	})
	t.Run("wrong element type", func(t *testing.T) {
		err := mustPanicError(t, func() {
			autograd.Grad([]*V{y}, []*V{x}, autograd.GradOutputs(tensor.MustNew([]float32{1, 2, 3}, 3)))
		})
		if !strings.Contains(err.Error(), "float32") {
			t.Errorf("message %q should name the wrong element type", err)
		}
	})
	t.Run("non-scalar output without GradOutputs", func(t *testing.T) {
		se := mustShapeError(t, func() { autograd.Grad([]*V{y}, []*V{x}) })
		if !strings.Contains(se.Error(), "autograd: Grad: output 0") || !strings.Contains(se.Error(), "[3]") {
			t.Errorf("message %q should name Grad, output 0 and its shape", se)
		}
	})
	t.Run("nil GradOutputs for a non-scalar output", func(t *testing.T) {
		err := mustPanicError(t, func() { autograd.Grad([]*V{y}, []*V{x}, autograd.GradOutputs[float64](nil)) })
		var ue *autograd.UsageError
		if want := "autograd: Grad: GradOutputs[0] is nil, but output 0 has 3 elements"; !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("error %v, want the *UsageError %q", err, want)
		}
	})
	t.Run("nil output or input", func(t *testing.T) {
		for _, c := range []struct {
			f    func()
			want string
		}{
			{func() { autograd.Grad([]*V{y, nil}, []*V{x}) }, "autograd: Grad: output 1 is nil"},
			{func() { autograd.Grad([]*V{y}, []*V{nil}) }, "autograd: Grad: input 0 is nil"},
		} {
			err := mustPanicError(t, c.f)
			var ue *autograd.UsageError
			if !errors.As(err, &ue) || err.Error() != c.want {
				t.Errorf("error %v, want the *UsageError %q", err, c.want)
			}
		}
	})
	// nil seeds a one-element output with 1, as PyTorch's None.
	s := autograd.Sum(y)
	gs := autograd.Grad([]*V{s, y}, []*V{x}, autograd.GradOutputs(nil, t64([]float64{1, 0, -1}, 3)), autograd.RetainGraph())
	checkTensor(t, "d(Σy + y·[1 0 -1])/dx", gs[0].Value(), view([]int{3}, 4, 2, 0), 0)
	// None of the misuses released the graph.
	gs = autograd.Grad([]*V{y}, []*V{x}, autograd.GradOutputs(t64([]float64{1, 1, 1}, 3)))
	checkTensor(t, "dy/dx·1", gs[0].Value(), view([]int{3}, 2, 2, 2), 0)
}

// TestCreateGraphSecondDerivatives differentiates twice with Grad and
// CreateGraph and compares with closed forms at several points.
func TestCreateGraphSecondDerivatives(t *testing.T) {
	sigmoid := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	tests := []struct {
		name   string
		f      func(x *V) *V
		d1, d2 func(x float64) float64
		points []float64
	}{
		{"x³ with Pow", func(x *V) *V { return autograd.Pow(x, 3) },
			func(x float64) float64 { return 3 * x * x }, func(x float64) float64 { return 6 * x }, []float64{-1.5, -0.3, 0.4, 2}},
		{"x³ with Mul", func(x *V) *V { return autograd.Mul(autograd.Mul(x, x), x) },
			func(x float64) float64 { return 3 * x * x }, func(x float64) float64 { return 6 * x }, []float64{-1.5, -0.3, 0.4, 2}},
		{"tanh", autograd.Tanh[float64],
			func(x float64) float64 { return 1 - math.Tanh(x)*math.Tanh(x) },
			func(x float64) float64 { th := math.Tanh(x); return -2 * th * (1 - th*th) }, []float64{-2, -0.5, 0, 0.7, 1.9}},
		{"sigmoid", autograd.Sigmoid[float64],
			func(x float64) float64 { s := sigmoid(x); return s * (1 - s) },
			func(x float64) float64 { s := sigmoid(x); return s * (1 - s) * (1 - 2*s) }, []float64{-3, -0.5, 0, 0.8, 4}},
		{"exp(x²)", func(x *V) *V { return autograd.Exp(autograd.Square(x)) },
			func(x float64) float64 { return 2 * x * math.Exp(x*x) },
			func(x float64) float64 { return (2 + 4*x*x) * math.Exp(x*x) }, []float64{-1.2, -0.3, 0, 0.5, 1.1}},
		{"1/x with Div", func(x *V) *V { return autograd.Div(autograd.Scalar(1.0), x) },
			func(x float64) float64 { return -1 / (x * x) }, func(x float64) float64 { return 2 / (x * x * x) }, []float64{-2, -0.5, 0.3, 1.5}},
		{"log", autograd.Log[float64],
			func(x float64) float64 { return 1 / x }, func(x float64) float64 { return -1 / (x * x) }, []float64{0.2, 1, 3.5}},
		{"relu (second derivative 0)", autograd.ReLU[float64],
			func(x float64) float64 {
				if x > 0 {
					return 1
				}
				return 0
			}, func(float64) float64 { return 0 }, []float64{-1, 0.5, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.Param(t64(tc.points, len(tc.points)))
			g := autograd.Grad([]*V{autograd.Sum(tc.f(x))}, []*V{x}, autograd.CreateGraph())[0]
			want1 := make([]float64, len(tc.points))
			want2 := make([]float64, len(tc.points))
			for i, p := range tc.points {
				want1[i], want2[i] = tc.d1(p), tc.d2(p)
			}
			checkTensor(t, "f'", g.Value(), view([]int{len(tc.points)}, want1...), 1e-12)
			// The function is elementwise, so its Hessian is diagonal and
			// d(Σ f')/dx is f''.
			h := autograd.Grad([]*V{autograd.Sum(g)}, []*V{x})[0]
			checkTensor(t, "f''", h.Value(), view([]int{len(tc.points)}, want2...), 1e-12)
			if x.Grad() != nil {
				t.Errorf("Grad touched .Grad(): %v", x.Grad())
			}
		})
	}
}

// TestCreateGraphHessianVectorProduct: for f(w) = |A·w|², ∇f = 2AᵀAw and the
// Hessian-vector product is 2AᵀA·v.
func TestCreateGraphHessianVectorProduct(t *testing.T) {
	a := autograd.Const(t64([]float64{1, 2, 0, -1, 3, 1}, 3, 2)) // AᵀA = [[10 5] [5 6]]
	w := autograd.Param(t64([]float64{0.5, -2}, 2, 1))
	v := autograd.Const(t64([]float64{1, 3}, 2, 1))
	f := autograd.Sum(autograd.Square(autograd.MatMul(a, w)))
	g := autograd.Grad([]*V{f}, []*V{w}, autograd.CreateGraph())[0]
	checkTensor(t, "∇f = 2AᵀAw", g.Value(), view([]int{2, 1}, -10, -19), 1e-12)
	if !g.RequiresGrad() || g.IsLeaf() {
		t.Errorf("gradient from CreateGraph: RequiresGrad %v, IsLeaf %v; want true, false", g.RequiresGrad(), g.IsLeaf())
	}
	hv := autograd.Grad([]*V{autograd.Sum(autograd.Mul(g, v))}, []*V{w}, autograd.RetainGraph())[0]
	checkTensor(t, "H·v = 2AᵀAv", hv.Value(), view([]int{2, 1}, 50, 46), 1e-12)

	// Backward through a gradient accumulates the second-order term into .Grad().
	autograd.Sum(autograd.Mul(g, v)).Backward()
	checkTensor(t, "w.Grad()", w.Grad(), view([]int{2, 1}, 50, 46), 1e-12)
}

func TestOpsOnConstantsRecordNothing(t *testing.T) {
	c := func(shape ...int) *V { return autograd.Const(in(positive, shape...).draw(1)) }
	p := func(shape ...int) *V { return autograd.Param(in(positive, shape...).draw(2)) }
	tests := []struct {
		op     string // Op() of the result when an input requires a gradient
		consts func() *V
		params func() *V
	}{
		{"Add", func() *V { return autograd.Add(c(2), c(2)) }, func() *V { return autograd.Add(c(2), p(2)) }},
		{"Sub", func() *V { return autograd.Sub(c(2), c(2)) }, func() *V { return autograd.Sub(p(2), c(2)) }},
		{"Mul", func() *V { return autograd.Mul(c(2), c(2)) }, func() *V { return autograd.Mul(c(2), p(2)) }},
		{"Div", func() *V { return autograd.Div(c(2), c(2)) }, func() *V { return autograd.Div(p(2), c(2)) }},
		{"Neg", func() *V { return autograd.Neg(c(2)) }, func() *V { return autograd.Neg(p(2)) }},
		{"Scale", func() *V { return autograd.Scale(c(2), 3) }, func() *V { return autograd.Scale(p(2), 3) }},
		{"MatMul", func() *V { return autograd.MatMul(c(2, 2), c(2, 1)) }, func() *V { return autograd.MatMul(c(2, 2), p(2, 1)) }},
		{"MatMul(A·Bᵀ)", func() *V { return autograd.MatMulT(c(2, 2), c(1, 2), false, true) }, func() *V { return autograd.MatMulT(p(2, 2), c(1, 2), false, true) }},
		{"Linear", func() *V { return autograd.Linear(c(3, 2), c(1, 2), c(1)) }, func() *V { return autograd.Linear(c(3, 2), c(1, 2), p(1)) }},
		{"Transpose", func() *V { return autograd.Transpose(c(2, 3)) }, func() *V { return autograd.Transpose(p(2, 3)) }},
		{"Reshape", func() *V { return autograd.Reshape(c(2, 3), -1) }, func() *V { return autograd.Reshape(p(2, 3), -1) }},
		{"Sum", func() *V { return autograd.Sum(c(2, 3)) }, func() *V { return autograd.Sum(p(2, 3)) }},
		{"SumKeepDims", func() *V { return autograd.SumKeepDims(c(2, 3), 0) }, func() *V { return autograd.SumKeepDims(p(2, 3), 0) }},
		{"Mean", func() *V { return autograd.Mean(c(2, 3)) }, func() *V { return autograd.Mean(p(2, 3)) }},
		{"MeanKeepDims", func() *V { return autograd.MeanKeepDims(c(2, 3), 1) }, func() *V { return autograd.MeanKeepDims(p(2, 3), 1) }},
		{"BroadcastTo", func() *V { return autograd.BroadcastTo(c(3), 2, 3) }, func() *V { return autograd.BroadcastTo(p(3), 2, 3) }},
		{"SumTo", func() *V { return autograd.SumTo(c(2, 3), 3) }, func() *V { return autograd.SumTo(p(2, 3), 3) }},
		{"Sigmoid", func() *V { return autograd.Sigmoid(c(2)) }, func() *V { return autograd.Sigmoid(p(2)) }},
		{"Tanh", func() *V { return autograd.Tanh(c(2)) }, func() *V { return autograd.Tanh(p(2)) }},
		{"ReLU", func() *V { return autograd.ReLU(c(2)) }, func() *V { return autograd.ReLU(p(2)) }},
		{"Exp", func() *V { return autograd.Exp(c(2)) }, func() *V { return autograd.Exp(p(2)) }},
		{"Log", func() *V { return autograd.Log(c(2)) }, func() *V { return autograd.Log(p(2)) }},
		{"Square", func() *V { return autograd.Square(c(2)) }, func() *V { return autograd.Square(p(2)) }},
		{"Pow", func() *V { return autograd.Pow(c(2), 1.5) }, func() *V { return autograd.Pow(p(2), 1.5) }},
		{"Mean", func() *V { return autograd.MSE(c(2), c(2)) }, func() *V { return autograd.MSE(c(2), p(2)) }}, // MSE is Mean(Square(Sub))
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			v := tc.consts()
			if !v.IsLeaf() || v.RequiresGrad() || v.Op() != "" {
				t.Errorf("on constants: IsLeaf %v, RequiresGrad %v, Op %q; want true, false, \"\"", v.IsLeaf(), v.RequiresGrad(), v.Op())
			}
			v = tc.params()
			if v.IsLeaf() || !v.RequiresGrad() || v.Op() != tc.op {
				t.Errorf("with a Param: IsLeaf %v, RequiresGrad %v, Op %q; want false, true, %q", v.IsLeaf(), v.RequiresGrad(), v.Op(), tc.op)
			}
		})
	}
	// Leaves.
	for name, tc := range map[string]struct {
		v        *V
		requires bool
	}{
		"Param":  {autograd.Param(t64([]float64{1}, 1)), true},
		"Const":  {autograd.Const(t64([]float64{1}, 1)), false},
		"Scalar": {autograd.Scalar(2.0), false},
	} {
		if !tc.v.IsLeaf() || tc.v.RequiresGrad() != tc.requires || tc.v.Op() != "" {
			t.Errorf("%s: IsLeaf %v, RequiresGrad %v, Op %q; want true, %v, \"\"", name, tc.v.IsLeaf(), tc.v.RequiresGrad(), tc.v.Op(), tc.requires)
		}
	}
}

func TestItem(t *testing.T) {
	pred := autograd.Param(t64([]float64{1, 2, 3}, 3))
	target := autograd.Const(t64([]float64{1, 1, 1}, 3))
	loss := autograd.MSE(pred, target)
	if got, want := loss.Item(), 5.0/3; math.Abs(got-want) > 1e-15 {
		t.Errorf("MSE Item() = %v, want %v", got, want)
	}
	if got := autograd.Scalar(float32(2.5)).Item(); got != 2.5 {
		t.Errorf("Scalar(2.5).Item() = %v", got)
	}
	if r := panicValue(func() { pred.Item() }); r == nil {
		t.Errorf("Item() of a 3-element Var did not panic")
	}
	loss.Backward()
	checkTensor(t, "pred.Grad()", pred.Grad(), view([]int{3}, 0, 2.0/3, 4.0/3), 1e-15)
}

func TestNameAndString(t *testing.T) {
	w := autograd.Param(t64([]float64{1, 2}, 2)).SetName("Wih")
	if w.Name() != "Wih" {
		t.Errorf("Name() = %q", w.Name())
	}
	y := autograd.Scale(w, 2)
	for _, tc := range []struct {
		v    *V
		want string
	}{
		{w, "Wih "},
		{y, "Scale "},
		{autograd.Const(t64([]float64{1}, 1)), "leaf "},
	} {
		if s := tc.v.String(); !strings.HasPrefix(s, tc.want) {
			t.Errorf("String() = %q, want prefix %q", s, tc.want)
		}
	}
	if d := autograd.Detach(w); d.Name() != "Wih" {
		t.Errorf("Detach lost the name: %q", d.Name())
	}
}

// TestGradientsDoNotAlias: every gradient handed out is a tensor of its own,
// even where the engine passes one upstream gradient to several inputs
// (Add gives g to both operands) or the gradient is the seed itself.
func TestGradientsDoNotAlias(t *testing.T) {
	t.Run("Backward", func(t *testing.T) {
		a := autograd.Param(t64([]float64{1, 2}, 2))
		b := autograd.Param(t64([]float64{3, 4}, 2))
		autograd.Sum(autograd.Add(a, b)).Backward()
		a.Grad().Data()[0] = 100
		checkTensor(t, "b.Grad() after writing a.Grad()", b.Grad(), view([]int{2}, 1, 1), 0)
	})
	t.Run("Grad", func(t *testing.T) {
		a := autograd.Param(t64([]float64{1, 2}, 2))
		b := autograd.Param(t64([]float64{3, 4}, 2))
		y := autograd.Add(a, b)
		seed := t64([]float64{5, 6}, 2)
		gs := autograd.Grad([]*V{y}, []*V{a, b, y}, autograd.GradOutputs(seed))
		gs[0].Value().Data()[0] = 100
		gs[2].Value().Data()[1] = 100
		checkTensor(t, "d/db", gs[1].Value(), view([]int{2}, 5, 6), 0)
		checkTensor(t, "GradOutputs seed", seed, view([]int{2}, 5, 6), 0)
	})
}

// TestEmptyTensors: zero-element operands flow through forward and backward.
func TestEmptyTensors(t *testing.T) {
	a := autograd.Param(tensor.Zeros[float64](2, 0))
	b := autograd.Param(tensor.Zeros[float64](0, 3))
	c := autograd.Param(t64([]float64{1, 2, 3}, 3))
	loss := autograd.Add(autograd.Sum(autograd.MatMul(a, b)), autograd.Sum(autograd.Mul(c, b)))
	if loss.Item() != 0 {
		t.Errorf("loss = %v, want 0", loss.Item())
	}
	loss.Backward()
	checkTensor(t, "a.Grad()", a.Grad(), view([]int{2, 0}), 0)
	checkTensor(t, "b.Grad()", b.Grad(), view([]int{0, 3}), 0)
	checkTensor(t, "c.Grad()", c.Grad(), view([]int{3}, 0, 0, 0), 0)
}
