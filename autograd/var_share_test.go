package autograd_test

import (
	"errors"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestShareValue checks that two parameters sharing one tensor read the
// same numbers, see each other's updates, and keep separate gradients.
func TestShareValue(t *testing.T) {
	a := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	b := autograd.Param(tensor.MustNew([]float64{5, 6}, 2))
	b.ShareValue(a.Value())
	if b.Value() != a.Value() {
		t.Fatal("b does not hold a's tensor")
	}
	autograd.Sum(autograd.Mul(a, autograd.Const(tensor.MustNew([]float64{3, 4}, 2)))).Backward()
	autograd.Sum(autograd.Mul(b, b)).Backward()
	if g := a.Grad().Data(); g[0] != 3 || g[1] != 4 {
		t.Errorf("a's gradient %v, want [3 4]", g)
	}
	if g := b.Grad().Data(); g[0] != 2 || g[1] != 4 {
		t.Errorf("b's gradient %v, want [2 4] (2·a)", g)
	}
	a.Value().Data()[0] = 7
	if b.Value().Data()[0] != 7 {
		t.Error("b does not see a's update")
	}
}

// TestShareValuePanics checks the typed panics: a constant, a result of an
// operation, and a tensor of another shape.
func TestShareValuePanics(t *testing.T) {
	p := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	good := tensor.MustNew([]float64{3, 4}, 2)
	for _, c := range []struct {
		name string
		v    *autograd.Var[float64]
		t    *tensor.Tensor[float64]
		want any
	}{
		{"const", autograd.Const(tensor.MustNew([]float64{1, 2}, 2)), good, new(*autograd.UsageError)},
		{"result", autograd.Add(p, p), good, new(*autograd.UsageError)},
		{"shape", p, tensor.MustNew([]float64{1, 2}, 1, 2), new(*tensor.ShapeError)},
		{"nil", p, nil, new(*tensor.ShapeError)},
	} {
		func() {
			defer func() {
				e, ok := recover().(error)
				if !ok || !errors.As(e, c.want) {
					t.Errorf("%s: recovered %v, want a %T", c.name, e, c.want)
				}
			}()
			c.v.ShareValue(c.t)
			t.Errorf("%s: ShareValue did not panic", c.name)
		}()
	}
}
