package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestReLUGradInto checks ReLUGradInto against a select, g where x > 0
// and +0 elsewhere, on the edge values (the kink, −0, infinities and NaN in
// x and in g) at a length with a vector tail, and in place over g: where
// x ≤ 0 or x is NaN the result is +0 even for g = ±Inf, NaN or a negative
// g (PyTorch's threshold_backward), never NaN or −0.
func TestReLUGradInto(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	x := []float64{-2, -1e-300, math.Copysign(0, -1), 0, 1e-300, 3, -inf, inf, nan, 1, 2, 0.5, -0.5, -1, -1}
	g := []float64{5, 5, -5, 5, -5, -5, inf, nan, 7, -inf, 1, 2, nan, -inf, -3}
	want := []float64{0, 0, 0, 0, -5, -5, 0, nan, 0, -inf, 1, 2, 0, 0, 0}
	xt, gt := MustNew(x, len(x)), MustNew(g, len(g))
	dx := Zeros[float64](len(x))
	ReLUGradInto(dx, xt, gt)
	opts := cmp.Options{cmpopts.EquateNaNs()}
	if diff := cmp.Diff(want, dx.Data(), opts); diff != "" {
		t.Errorf("ReLUGradInto (-want +got):\n%s", diff)
	}
	for i, v := range dx.Data() {
		if v == 0 && math.Signbit(v) {
			t.Errorf("ReLUGradInto at x = %v, g = %v is −0, want +0", x[i], g[i])
		}
	}
	ReLUGradInto(gt, xt, gt)
	if diff := cmp.Diff(want, gt.Data(), opts); diff != "" {
		t.Errorf("ReLUGradInto in place over g (-want +got):\n%s", diff)
	}
}

// TestReLUInto checks ReLUInto on the edge values in float32, in place.
func TestReLUInto(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	x := MustNew([]float32{-2, float32(math.Copysign(0, -1)), 0, 3, -inf, inf, nan, 1, -1, 0.25}, 10)
	ReLUInto(x, x)
	want := []float32{0, 0, 0, 3, 0, inf, nan, 1, 0, 0.25}
	if diff := cmp.Diff(want, x.Data(), cmpopts.EquateNaNs()); diff != "" {
		t.Errorf("ReLUInto (-want +got):\n%s", diff)
	}
	if math.Signbit(float64(x.Data()[1])) {
		t.Error("ReLUInto(−0) is −0, want +0")
	}
}

// TestReLUGradIntoShapes checks the shape errors.
func TestReLUGradIntoShapes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dx, x, g []int
	}{
		{"x differs", []int{2, 3}, []int{3, 2}, []int{2, 3}},
		{"g differs", []int{2, 3}, []int{2, 3}, []int{6}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				var se *ShapeError
				if err, _ := recover().(error); !errors.As(err, &se) {
					t.Errorf("recovered %v, want a *ShapeError", err)
				}
			}()
			ReLUGradInto(Zeros[float64](tc.dx...), Zeros[float64](tc.x...), Zeros[float64](tc.g...))
		})
	}
}

func BenchmarkReLUInto(b *testing.B) {
	x := RandNormal[float32](rand.New(rand.NewPCG(1, 2)), 0, 1, 256, 256)
	d := Zeros[float32](256, 256)
	for b.Loop() {
		ReLUInto(d, x)
	}
}

func BenchmarkReLUGradInto(b *testing.B) {
	x := RandNormal[float32](rand.New(rand.NewPCG(1, 2)), 0, 1, 256, 256)
	g := RandNormal[float32](rand.New(rand.NewPCG(3, 4)), 0, 1, 256, 256)
	d := Zeros[float32](256, 256)
	for b.Loop() {
		ReLUGradInto(d, x, g)
	}
}
