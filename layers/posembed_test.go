package layers_test

import (
	"math"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestPositionEmbedding: AddAt adds rows start… of the table to every
// batch row, the gradient of a row is the sum over the batch, and the
// parameter is named "weight".
func TestPositionEmbedding(t *testing.T) {
	p := layers.NewPositionEmbedding[float64](newRNG(1), 4, 2, nil)
	copy(p.Weight.Value().Data(), []float64{0, 1, 10, 11, 20, 21, 30, 31})
	x := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2))
	got := p.AddAt(x, 1)
	if d := cmp.Diff(view([]int{2, 2, 2}, 11, 13, 23, 25, 15, 17, 27, 29), viewOf(got.Value())); d != "" {
		t.Errorf("AddAt(x, 1) (-want +got):\n%s", d)
	}
	autograd.Sum(autograd.Mul(got, got)).Backward()
	// d/dW[r] = Σ_n 2·out[n, r−1]: rows 1 and 2 only.
	if d := cmp.Diff(view([]int{4, 2}, 0, 0, 52, 60, 100, 108, 0, 0), viewOf(p.Weight.Grad())); d != "" {
		t.Errorf("gradient (-want +got):\n%s", d)
	}
	whole := p.Forward(autograd.Const(tensor.Zeros[float64](1, 4, 2)))
	if d := cmp.Diff(viewOf(p.Weight.Value()), viewOf(autograd.Reshape(whole, 4, 2).Value())); d != "" {
		t.Errorf("Forward of zeros is not the table: %s", d)
	}
	if ps := p.NamedParameters(); len(ps) != 1 || ps[0].Name != "weight" || !ps[0].Param.Value().HasShape(4, 2) {
		t.Errorf("parameters %v", ps)
	}
	shapePanic(t, func() { p.AddAt(x, 3) })
	for _, start := range []int{3, math.MaxInt} { // start+L overflows for the second
		if se := shapePanic(t, func() { p.AddAt(x, start) }); !strings.Contains(se.Error(), "beyond the table") {
			t.Errorf("AddAt(x, %d): %v, want positions beyond the table", start, se)
		}
	}
	shapePanic(t, func() { p.Forward(autograd.Const(tensor.Zeros[float64](2, 3))) })
	argPanic(t, func() { p.AddAt(x, -1) })
}

// TestSinusoidalPositionEncoding pins Vaswani et al.'s formula at known
// positions, an odd dim, the offset, and that it has no parameters.
func TestSinusoidalPositionEncoding(t *testing.T) {
	s := layers.NewSinusoidalPositionEncoding[float64](3, 5)
	w := math.Pow(10000, -2.0/5) // pair 1's frequency
	v := math.Pow(10000, -4.0/5) // pair 2's
	want := view([]int{3, 5},
		0, 1, 0, 1, 0,
		math.Sin(1), math.Cos(1), math.Sin(w), math.Cos(w), math.Sin(v),
		math.Sin(2), math.Cos(2), math.Sin(2*w), math.Cos(2*w), math.Sin(2*v))
	if d := cmp.Diff(want, viewOf(s.Table()), approx(1e-15)); d != "" {
		t.Errorf("table (-want +got):\n%s", d)
	}
	x := autograd.Param(tensor.Ones[float64](2, 1, 5))
	got := s.AddAt(x, 2)
	for n := range 2 {
		row := got.Value().Data()[n*5 : n*5+5]
		for j, g := range row {
			if math.Abs(g-1-want.Data[10+j]) > 1e-15 {
				t.Errorf("AddAt(x, 2)[%d][%d] = %g, want 1 + %g", n, j, g, want.Data[10+j])
			}
		}
	}
	autograd.Sum(got).Backward()
	if d := cmp.Diff(viewOf(tensor.Ones[float64](2, 1, 5)), viewOf(x.Grad())); d != "" {
		t.Errorf("gradient: %s", d)
	}
	if len(s.Parameters()) != 0 || len(s.NamedParameters()) != 0 {
		t.Errorf("the encoding has parameters")
	}
	f32 := layers.NewSinusoidalPositionEncoding[float32](3, 5).Table()
	if d := cmp.Diff(want, viewOf(f32), approx(1e-7)); d != "" {
		t.Errorf("float32 table: %s", d)
	}
	shapePanic(t, func() { s.AddAt(x, 3) })
}

// TestPositionEmbeddingGradcheck checks AddAt's gradients for the input
// and the table in float64, from an offset.
func TestPositionEmbeddingGradcheck(t *testing.T) {
	rng := newRNG(5)
	f := func(in []*autograd.Var[float64]) *autograd.Var[float64] {
		p := &layers.PositionEmbedding[float64]{Weight: in[1]}
		return autograd.Mul(p.AddAt(in[0], 2), in[0])
	}
	gradcheck.Assert(t, f, []*tensor.Tensor[float64]{randTensor(rng, 2, 3, 4), randTensor(rng, 6, 4)})
}
