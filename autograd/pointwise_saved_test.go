package autograd

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestGELUSavedDerivative checks the GELU whose forward pass saves its
// derivative: the gradient has the bits of tensor.GELUGradInto, whether
// the backward pass writes it in place of g, into a fresh buffer or adds it
// to a gradient already there, with and without an Arena, and the forward
// result has the bits of GELUInto; the forward-mode rule agrees too.
func TestGELUSavedDerivative(t *testing.T) {
	const n = 257
	xs, cs := make([]float32, n), make([]float32, n)
	for i := range xs {
		xs[i] = float32(i-128) / 23
		cs[i] = float32(math.Cos(float64(i)))
	}
	xs[0], xs[1] = float32(math.Inf(-1)), 41
	x, _ := tensor.New(xs, n)
	c, _ := tensor.New(cs, n)
	wantY, wantG := tensor.Zeros[float32](n), tensor.Zeros[float32](n)
	tensor.GELUInto(wantY, x)
	tensor.GELUGradInto(wantG, x, c)
	twice := tensor.Zeros[float32](n)
	tensor.AddInto(twice, wantG, wantG)
	same := func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) || a != a && b != b }
	check := func(name string, got, want *tensor.Tensor[float32]) {
		t.Helper()
		for i, v := range got.Data() {
			if !same(v, want.Data()[i]) {
				t.Fatalf("%s: element %d (x=%v): got %v, want %v", name, i, xs[i], v, want.Data()[i])
			}
		}
	}
	for _, ar := range []*Arena[float32]{nil, NewArena[float32]()} {
		for step := range 3 {
			ar.resetIf()
			p := ar.paramOf(x.Clone())
			in := p
			if step > 0 {
				in = Scale(p, 1) // not a leaf: the derivative may write in place of g
			}
			y := GELU(in)
			check("forward", y.Value(), wantY)
			Sum(Mul(y, ar.constOf(c))).Backward()
			check("gradient", p.Grad(), wantG)

			// Two uses of x: the second gradient is added to the first.
			q := ar.paramOf(x.Clone())
			h := Scale(q, 1)
			Add(Sum(Mul(GELU(h), ar.constOf(c))), Sum(Mul(GELU(h), ar.constOf(c)))).Backward()
			check("accumulated gradient", q.Grad(), twice)
		}
	}
	_, tan := JVP(func(v ...*Var[float32]) *Var[float32] { return GELU(v[0]) },
		[]*tensor.Tensor[float32]{x}, []*tensor.Tensor[float32]{c})
	check("forward mode", tan, wantG)
}

// resetIf resets a non-nil arena.
func (a *Arena[T]) resetIf() {
	if a != nil {
		a.Reset()
	}
}

// paramOf is a.Param(t), or Param(t) without an arena.
func (a *Arena[T]) paramOf(t *tensor.Tensor[T]) *Var[T] {
	if a == nil {
		return Param(t)
	}
	return a.Param(t)
}

// constOf is a.Const(t), or Const(t) without an arena.
func (a *Arena[T]) constOf(t *tensor.Tensor[T]) *Var[T] {
	if a == nil {
		return Const(t)
	}
	return a.Const(t)
}
