package autograd_test

import (
	"math"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// These tests pin behaviours that the allocation-free engine (Arena, node
// slots, fast derivatives, lazy ZeroGrad) first got wrong.

// TestNestedPassOverSharedNodes runs a custom op whose backward calls Grad
// on a graph that shares an intermediate h with the outer pass, under an
// Arena and without one. The inner pass must not disturb the gradient the
// outer pass has already collected for h: d/dx of F(h) + Σh, with F's
// gradient 2h and h = e^x, is (2h + 1)·h.
func TestNestedPassOverSharedNodes(t *testing.T) {
	for _, arena := range []bool{false, true} {
		x := autograd.Param(t64([]float64{0.5, -1, 2}, 3))
		var ar *autograd.Arena[float64]
		h := autograd.Exp(x)
		if arena {
			ar = autograd.NewArena[float64]()
			h = autograd.Exp(autograd.Add(x, ar.Const(t64([]float64{0, 0, 0}, 3))))
		}
		f := &autograd.Function[float64]{
			Name: "SumOfSquaresByGrad",
			Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
				return tensor.Sum(tensor.Mul(in[0], in[0]))
			},
			Backward: func(c *autograd.Context[float64], g *V) []*V {
				// d Σh²/dh = 2h, by a nested pass over h's graph.
				inner := autograd.Grad([]*V{autograd.Sum(autograd.Square(h))}, []*V{h}, autograd.RetainGraph())[0]
				return []*V{autograd.Mul(g, inner)}
			},
		}
		autograd.Add(f.Apply(h), autograd.Sum(h)).Backward(autograd.RetainGraph())
		hv := []float64{math.Exp(0.5), math.Exp(-1), math.Exp(2)}
		want := make([]float64, 3)
		for i, e := range hv {
			want[i] = (2*e + 1) * e
		}
		checkTensor(t, "dx", x.Grad(), view([]int{3}, want...), 1e-12)
	}
}

// TestConcurrentGradOverSharedIntermediate differentiates two heads that
// share an intermediate from two goroutines at once (no Arena): each must
// get its own exact gradient, and the race detector must stay quiet.
func TestConcurrentGradOverSharedIntermediate(t *testing.T) {
	w := autograd.Param(t64([]float64{0.3, -0.2}, 2))
	h := autograd.Tanh(autograd.Scale(w, 2))
	var wg sync.WaitGroup
	got := make([][]float64, 2)
	for i, k := range []float64{1, 3} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				g := autograd.Grad([]*V{autograd.Sum(autograd.Scale(h, k))}, []*V{w}, autograd.RetainGraph())[0]
				got[i] = g.Value().Data()
			}
		}()
	}
	wg.Wait()
	for i, k := range []float64{1, 3} {
		want := make([]float64, 2)
		for j, wj := range []float64{0.3, -0.2} {
			th := math.Tanh(2 * wj)
			want[j] = k * 2 * (1 - th*th)
		}
		checkTensor(t, "d/dw", tensor.MustNew(got[i], 2), view([]int{2}, want...), 1e-12)
	}
}

// TestEmptyOperands checks ops on tensors with no elements: a zero-size
// broadcast (which once looped forever), the mean of nothing (NaN, as
// tensor.Mean and PyTorch give) and the cross-entropy of an empty batch.
func TestEmptyOperands(t *testing.T) {
	a, b := autograd.Param(tensor.Zeros[float64](2, 0)), autograd.Param(tensor.Zeros[float64](0))
	for _, op := range []func(x, y *V) *V{autograd.Add[float64], autograd.Sub[float64], autograd.Mul[float64]} {
		s := op(a, b)
		if !tensor.SameShape(s.Shape(), []int{2, 0}) {
			t.Errorf("shape %v, want [2 0]", s.Shape())
		}
		autograd.Sum(s).Backward()
	}
	if m := autograd.Mean(autograd.Param(tensor.Zeros[float64](0))).Item(); !math.IsNaN(m) {
		t.Errorf("Mean of nothing = %v, want NaN", m)
	}
	logits := autograd.Param(tensor.Zeros[float64](0, 4))
	if l := autograd.CrossEntropy(logits, nil).Item(); !math.IsNaN(l) {
		t.Errorf("CrossEntropy of an empty batch (mean) = %v, want NaN", l)
	}
	if l := autograd.CrossEntropy(logits, nil, autograd.ReduceSum); l.Item() != 0 {
		t.Errorf("CrossEntropy of an empty batch (sum) = %v, want 0", l.Item())
	} else {
		l.Backward()
		if g := logits.Grad(); g == nil || !tensor.SameShape(g.Shape(), []int{0, 4}) {
			t.Errorf("gradient of an empty batch = %v, want a [0 4] tensor", g)
		}
	}
	if l := autograd.CrossEntropy(logits, nil, autograd.ReduceNone); !tensor.SameShape(l.Shape(), []int{0}) {
		t.Errorf("CrossEntropy of an empty batch (none) has shape %v, want [0]", l.Shape())
	}
}

// TestWriteIntoGradAfterZeroGrad checks that Backward adds to what a caller
// wrote through Grad after ZeroGrad, as it adds to any gradient already
// there.
func TestWriteIntoGradAfterZeroGrad(t *testing.T) {
	w := autograd.Param(t64([]float64{1, 2, 3}, 3))
	autograd.Sum(w).Backward()
	w.ZeroGrad()
	w.Grad().Fill(5)
	autograd.Sum(autograd.Scale(w, 3)).Backward()
	checkTensor(t, "5 + 3", w.Grad(), view([]int{3}, 8, 8, 8), 0)
}
