package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// gradIntoInputs returns float32 operands of a length with a vector tail,
// mostly normal values with the edges (±0, ±Inf, NaN, 1) among them.
func gradIntoInputs(seed uint64) (a, b, c *Tensor[float32]) {
	rng := rand.New(rand.NewPCG(seed, 3))
	a = RandNormal[float32](rng, 0, 1, 3, 29)
	b = RandNormal[float32](rng, 0, 1, 3, 29)
	c = RandNormal[float32](rng, 0, 1, 3, 29)
	edges := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 1, -1}
	for i, e := range edges {
		a.Data()[3*i], b.Data()[5*i+1], c.Data()[7*i+2] = e, e, e
	}
	return a, b, c
}

// TestOutputGradInto checks SigmoidGradInto and TanhGradInto against the
// derivatives composed of recorded-style operations, bit for bit (NaNs
// only as NaNs), out of place and in place over g.
func TestOutputGradInto(t *testing.T) {
	y, g, _ := gradIntoInputs(1)
	one := Full[float32](1, y.Shape()...)
	for _, tc := range []struct {
		name string
		f    func(dst, y, g *Tensor[float32])
		want *Tensor[float32]
	}{
		{"SigmoidGradInto", SigmoidGradInto[float32], Mul(g, Mul(y, Sub(one, y)))},
		{"TanhGradInto", TanhGradInto[float32], Mul(g, Sub(one, Mul(y, y)))},
	} {
		dst := Zeros[float32](y.Shape()...)
		tc.f(dst, y, g)
		if diff := cmp.Diff(tc.want.Data(), dst.Data(), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s (-composed +got):\n%s", tc.name, diff)
		}
		gc := g.Clone()
		tc.f(gc, y, gc)
		if diff := cmp.Diff(tc.want.Data(), gc.Data(), cmpopts.EquateNaNs()); diff != "" {
			t.Errorf("%s in place over g (-composed +got):\n%s", tc.name, diff)
		}
	}
	// Worked values: σ = 0.25 gives 0.1875·g, tanh = −0.5 gives 0.75·g.
	d := Zeros[float64](2)
	SigmoidGradInto(d, MustNew([]float64{0.25, 0.25}, 2), MustNew([]float64{2, -4}, 2))
	TanhGradInto(d, MustNew([]float64{-0.5, -0.5}, 2), d)
	if diff := cmp.Diff([]float64{0.375 * 0.75, -0.75 * 0.75}, d.Data()); diff != "" {
		t.Errorf("worked values (-want +got):\n%s", diff)
	}
}

// TestMulAddInto checks MulAddInto against Add(dst, Mul(x, y)), bit for bit
// (NaNs only as NaNs), and on worked values.
func TestMulAddInto(t *testing.T) {
	x, y, d := gradIntoInputs(2)
	want := Add(d, Mul(x, y))
	MulAddInto(d, x, y)
	if diff := cmp.Diff(want.Data(), d.Data(), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("MulAddInto (-Add(dst, Mul(x, y)) +got):\n%s", diff)
	}
	w := MustNew([]float64{1, 2, 3}, 3)
	MulAddInto(w, MustNew([]float64{2, 3, 4}, 3), MustNew([]float64{0.5, -1, 0}, 3))
	if diff := cmp.Diff([]float64{2, -1, 3}, w.Data()); diff != "" {
		t.Errorf("MulAddInto worked values (-want +got):\n%s", diff)
	}
}

// TestGradIntoShapes checks that each of the three panics with a
// *ShapeError when an operand's shape differs from dst's.
func TestGradIntoShapes(t *testing.T) {
	fs := map[string]func(a, b, c *Tensor[float64]){
		"SigmoidGradInto": SigmoidGradInto[float64],
		"TanhGradInto":    TanhGradInto[float64],
		"MulAddInto":      MulAddInto[float64],
	}
	for name, f := range fs {
		for _, shapes := range [][3][]int{
			{{2, 3}, {3, 2}, {2, 3}},
			{{2, 3}, {2, 3}, {6}},
		} {
			func() {
				defer func() {
					var se *ShapeError
					if err, _ := recover().(error); !errors.As(err, &se) {
						t.Errorf("%s%v: recovered %v, want a *ShapeError", name, shapes, err)
					}
				}()
				f(Zeros[float64](shapes[0]...), Zeros[float64](shapes[1]...), Zeros[float64](shapes[2]...))
			}()
		}
	}
}
