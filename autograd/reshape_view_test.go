package autograd

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestReshapeGradientViews checks the gradients that flow through Reshape,
// Squeeze and Unsqueeze, which hand x a view of g when it has no gradient
// yet: in graphs where that view is the only gradient, where a second one
// is added to it later, where the next derivative would write in place and
// where a reshape feeds a reshape. Backward with and without an Arena (two
// steps each, so that recycled buffers show) must agree with the recorded
// derivative (Grad with CreateGraph), which copies.
func TestReshapeGradientViews(t *testing.T) {
	xs := make([]float64, 24)
	for i := range xs {
		xs[i] = math.Sin(float64(i)) / 2
	}
	x0, _ := tensor.New(xs, 2, 3, 4)
	graphs := map[string]func(x *Var[float64]) *Var[float64]{
		"only": func(x *Var[float64]) *Var[float64] {
			return Sum(Exp(Reshape(Scale(x, 2), 6, 4)))
		},
		"then a second gradient": func(x *Var[float64]) *Var[float64] {
			h := Tanh(x)
			return Add(Sum(Square(Reshape(h, 4, 6))), Sum(Mul(h, h)))
		},
		"reshape of reshape, in place after": func(x *Var[float64]) *Var[float64] {
			h := Sigmoid(Scale(x, 3))
			r := Unsqueeze(Reshape(h, 24), 0)
			return Sum(Exp(Squeeze(Reshape(Exp(r), 1, 6, 4), 0)))
		},
		"two reshapes of one input": func(x *Var[float64]) *Var[float64] {
			h := Exp(x)
			a, b := Reshape(h, 6, 4), Reshape(h, 4, 6)
			return Add(Sum(Square(a)), Sum(Exp(b)))
		},
	}
	for name, f := range graphs {
		p := Param(x0.Clone())
		want := Grad([]*Var[float64]{f(p)}, []*Var[float64]{p}, CreateGraph())[0].Value().Clone()
		for _, ar := range []*Arena[float64]{nil, NewArena[float64]()} {
			for step := range 2 {
				ar.resetIf()
				q := ar.paramOf(x0.Clone())
				f(q).Backward()
				for i, v := range q.Grad().Data() {
					if w := want.Data()[i]; math.Abs(v-w) > 1e-14*math.Max(1, math.Abs(w)) {
						t.Fatalf("%s (arena %v, step %d): element %d: got %v, want %v", name, ar != nil, step, i, v, w)
					}
				}
			}
		}
	}
}
