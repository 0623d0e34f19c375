package layers_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestPool1D compares MaxPool1D and AvgPool1D with torch 1.13's
// nn.MaxPool1d and nn.AvgPool1d on a [2 2 9] input with NaNs: values, and
// gradients of Σ y∘w with w = 1 + i/7 over y's elements.
func TestPool1D(t *testing.T) {
	nan := math.NaN()
	in := []float64{0.5, -1, 2, nan, 0, 3, -2, 1.5, 0.25, 0.125, 0.75, -1, 1.5, 0, nan, 1, -0.5, 0.25,
		1, 1, -3, 4, 0.5, 0.5, -1, 2, 0, 0, 1, -0.5, 0.25, 0.25, 2, -1.5, 0.5, 0.5}
	vals := func(xs ...float64) []float64 { return xs }
	tests := []struct {
		name  string
		mod   layers.Module[float64]
		shape []int
		y, g  []float64
	}{
		{"max k3", layers.NewMaxPool1D[float64](3), []int{2, 2, 3},
			vals(2, nan, 1.5, 0.75, nan, 1, 1, 4, 2, 1, 2, 0.5),
			vals(0, 0, 1, 1.142857142857, 0, 0, 0, 1.285714285714, 0, 0, 1.428571428571, 0, 0, 0, 1.571428571429, 1.714285714286, 0, 0,
				1.857142857143, 0, 0, 2, 0, 0, 0, 2.142857142857, 0, 0, 2.285714285714, 0, 0, 0, 2.428571428571, 0, 2.571428571429, 0)},
		{"max k4 s2 p2", &layers.MaxPool1D[float64]{Kernel: 4, Stride: 2, Padding: 2}, []int{2, 2, 5},
			vals(0.5, nan, nan, 3, 1.5, 0.75, 1.5, nan, nan, 1, 1, 4, 4, 2, 2, 1, 1, 2, 2, 0.5),
			vals(1, 0, 0, 2.428571428571, 0, 1.428571428571, 0, 1.571428571429, 0, 0, 1.714285714286, 0, 1.857142857143, 0, 4.142857142857,
				2.285714285714, 0, 0, 2.428571428571, 0, 0, 5.285714285714, 0, 0, 0, 5.857142857143, 0, 0, 6.428571428571, 0, 0, 0, 7, 0,
				3.714285714286, 0)},
		{"max k3 s2 p1 d2 ceil", &layers.MaxPool1D[float64]{Kernel: 3, Stride: 2, Padding: 1, Dilation: 2, CeilMode: true}, []int{2, 2, 4},
			vals(nan, nan, nan, 3, 1.5, nan, nan, nan, 4, 4, 4, 2, 1, 2, 2, 2),
			vals(0, 0, 0, 3.428571428571, 0, 1.428571428571, 0, 0, 0, 0, 0, 0, 1.571428571429, 0, 5.571428571429, 0, 0, 0, 0, 0, 0,
				6.857142857143, 0, 0, 0, 2.571428571429, 0, 0, 2.714285714286, 0, 0, 0, 9, 0, 0, 0)},
		{"avg k3", layers.NewAvgPool1D[float64](3), []int{2, 2, 3},
			vals(0.5, nan, -0.083333333333, -0.041666666667, nan, 0.25, -0.333333333333, 1.666666666667, 0.333333333333, 0.166666666667,
				0.833333333333, -0.166666666667),
			vals(0.333333333333, 0.333333333333, 0.333333333333, 0.380952380952, 0.380952380952, 0.380952380952, 0.428571428571,
				0.428571428571, 0.428571428571, 0.47619047619, 0.47619047619, 0.47619047619, 0.52380952381, 0.52380952381, 0.52380952381,
				0.571428571429, 0.571428571429, 0.571428571429, 0.619047619048, 0.619047619048, 0.619047619048, 0.666666666667,
				0.666666666667, 0.666666666667, 0.714285714286, 0.714285714286, 0.714285714286, 0.761904761905, 0.761904761905,
				0.761904761905, 0.809523809524, 0.809523809524, 0.809523809524, 0.857142857143, 0.857142857143, 0.857142857143)},
		{"avg k4 s3 p2 exclude pad ceil", &layers.AvgPool1D[float64]{Kernel: 4, Stride: 3, Padding: 2, ExcludePad: true, CeilMode: true}, []int{2, 2, 4},
			vals(-0.25, nan, 0.625, 0.875, 0.4375, 0.3125, nan, -0.125, 1, 0.625, 0.5, 1, 0.5, 0.25, 0.3125, 0.5),
			vals(0.5, 0.785714285714, 0.285714285714, 0.285714285714, 0.607142857143, 0.321428571429, 0.321428571429, 1.035714285714,
				0.714285714286, 0.785714285714, 1.214285714286, 0.428571428571, 0.428571428571, 0.892857142857, 0.464285714286,
				0.464285714286, 1.464285714286, 1, 1.071428571429, 1.642857142857, 0.571428571429, 0.571428571429, 1.178571428571,
				0.607142857143, 0.607142857143, 1.892857142857, 1.285714285714, 1.357142857143, 2.071428571429, 0.714285714286,
				0.714285714286, 1.464285714286, 0.75, 0.75, 2.321428571429, 1.571428571429)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := autograd.Param(tensor.MustNew(append([]float64(nil), in...), 2, 2, 9))
			y := tc.mod.Forward(x)
			w := tensor.Zeros[float64](y.Shape()...)
			for i := range w.Data() {
				w.Data()[i] = 1 + float64(i)/7
			}
			autograd.Sum(autograd.Mul(y, autograd.Const(w))).Backward()
			if diff := cmp.Diff(view(tc.shape, tc.y...), viewOf(y.Value()), approx(1e-11)); diff != "" {
				t.Errorf("values (-torch +adjoint):\n%s", diff)
			}
			if diff := cmp.Diff(view([]int{2, 2, 9}, tc.g...), viewOf(x.Grad()), approx(1e-11)); diff != "" {
				t.Errorf("gradient (-torch +adjoint):\n%s", diff)
			}
		})
	}

	// In ceil mode a window may overhang the end: an input shorter than the
	// kernel still gives one output, as torch's (max 5, mean 8/3).
	short := autograd.Const(tensor.MustNew([]float64{1, 5, 2}, 1, 1, 3))
	if y := (&layers.MaxPool1D[float64]{Kernel: 4, CeilMode: true}).Forward(short); !cmp.Equal(y.Value().Data(), []float64{5}) {
		t.Errorf("ceil-mode max of a short input: %v, torch [5]", y.Value().Data())
	}
	if y := (&layers.AvgPool1D[float64]{Kernel: 4, CeilMode: true}).Forward(short); math.Abs(y.Value().Data()[0]-8.0/3) > 1e-15 {
		t.Errorf("ceil-mode mean of a short input: %v, torch [2.6667]", y.Value().Data())
	}

	// [C, L] without a batch axis gives [C, OL].
	y := layers.NewMaxPool1D[float64](2).Forward(autograd.Const(tensor.MustNew([]float64{1, 3, 2, 0, 5, 4}, 2, 3)))
	if diff := cmp.Diff(view([]int{2, 1}, 3, 5), viewOf(y.Value())); diff != "" {
		t.Errorf("unbatched (-want +got):\n%s", diff)
	}
	for _, bad := range []func(){
		func() {
			(&layers.MaxPool1D[float64]{Kernel: 3, Padding: 2}).Forward(autograd.Const(tensor.Zeros[float64](1, 1, 5)))
		},
		func() {
			(&layers.AvgPool1D[float64]{Kernel: 0}).Forward(autograd.Const(tensor.Zeros[float64](1, 1, 5)))
		},
		func() {
			(&layers.MaxPool1D[float64]{Kernel: 2, Dilation: -1}).Forward(autograd.Const(tensor.Zeros[float64](1, 1, 5)))
		},
		func() { layers.NewAvgPool1D[float64](-1) },
	} {
		argPanic(t, bad)
	}
	for _, bad := range []func(){
		func() { layers.NewMaxPool1D[float64](2).Forward(autograd.Const(tensor.Zeros[float64](1, 1, 1, 4))) },
		func() { layers.NewAvgPool1D[float64](4).Forward(autograd.Const(tensor.Zeros[float64](1, 2, 3))) },
	} {
		shapePanic(t, bad)
	}
}
