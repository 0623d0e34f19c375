package autograd_test

import (
	"errors"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestSetGrad checks that a buffer given with SetGrad is where Backward
// accumulates: it adds to what the buffer holds, or after ZeroGrad writes
// the gradient over it (used once or twice in the graph), and Grad
// returns that very tensor; nil removes the gradient.
func TestSetGrad(t *testing.T) {
	w := autograd.Param(t64([]float64{2, -3}, 2))
	x := autograd.Const(t64([]float64{5, 7}, 2))
	buf := t64([]float64{100, 200}, 2)
	w.SetGrad(buf)
	if w.Grad() != buf {
		t.Fatal("Grad does not return the tensor given to SetGrad")
	}
	autograd.Sum(autograd.Mul(w, x)).Backward() // dloss/dw = x
	checkTensor(t, "accumulated into the given buffer", buf, view([]int{2}, 105, 207), 0)

	other := t64([]float64{-1, -1}, 2)
	w.SetGrad(other)
	w.ZeroGrad()
	autograd.Sum(autograd.Mul(w, x)).Backward()
	checkTensor(t, "written over the buffer after ZeroGrad", other, view([]int{2}, 5, 7), 0)
	checkTensor(t, "the earlier buffer, untouched", buf, view([]int{2}, 105, 207), 0)

	w.ZeroGrad()
	// Σ w∘x + Σ w∘w: w has two uses, dloss/dw = x + 2w.
	autograd.Add(autograd.Sum(autograd.Mul(w, x)), autograd.Sum(autograd.Mul(w, w))).Backward()
	checkTensor(t, "two uses after ZeroGrad", w.Grad(), view([]int{2}, 9, 1), 0)
	if w.Grad() != other {
		t.Error("Backward replaced the buffer given to SetGrad")
	}

	w.SetGrad(nil)
	if w.Grad() != nil {
		t.Errorf("Grad after SetGrad(nil) = %v, want nil", w.Grad())
	}
	autograd.Sum(autograd.Mul(w, x)).Backward()
	checkTensor(t, "a new buffer after SetGrad(nil)", w.Grad(), view([]int{2}, 5, 7), 0)
}

// TestSetGradErrors checks SetGrad's panics: a non-leaf, a constant, and a
// buffer of the wrong shape.
func TestSetGradErrors(t *testing.T) {
	w := autograd.Param(t64([]float64{2, -3}, 2))
	y := autograd.Scale(w, 2)
	c := autograd.Const(t64([]float64{1}, 1))
	for _, tc := range []struct {
		name  string
		f     func()
		usage bool
	}{
		{"result of an op", func() { y.SetGrad(t64([]float64{0, 0}, 2)) }, true},
		{"constant", func() { c.SetGrad(t64([]float64{0}, 1)) }, true},
		{"wrong shape", func() { w.SetGrad(t64([]float64{0, 0}, 1, 2)) }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				var ue *autograd.UsageError
				var se *tensor.ShapeError
				if tc.usage && !errors.As(err, &ue) || !tc.usage && !errors.As(err, &se) {
					t.Errorf("panicked with %v, want a *UsageError (%v) or a *tensor.ShapeError", err, tc.usage)
				}
			}()
			tc.f()
		})
	}
}
