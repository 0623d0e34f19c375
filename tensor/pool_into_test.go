package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestMaxPool2x2EveryTie runs the dedicated 2×2 stride-2 kernel over every
// window of four values drawn from {−Inf, −0, +0, 1, NaN} (625 windows side
// by side) and checks each maximum's bits and tap against MaxPool2D, whose
// rule is a row-major scan: the last NaN, else the first of the greatest.
// It also checks that the gradient lands on that tap alone.
func TestMaxPool2x2EveryTie(t *testing.T) {
	vals := []float64{math.Inf(-1), math.Copysign(0, -1), 0, 1, math.NaN()}
	const windows = 625
	x := tensor.Zeros[float64](1, 1, 2, 2*windows)
	d := x.Data()
	for k := range windows {
		q := k
		for tap := range 4 {
			d[(tap/2)*2*windows+2*k+tap%2] = vals[q%5]
			q /= 5
		}
	}
	win := tensor.Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}}
	want, idx := tensor.MaxPool2D(x, win)
	got, arg := convPoison[float64](1, 1, 1, windows), convPoison[float64](1, 1, 1, windows)
	tensor.MaxPool2DInto(got, arg, x, win)
	for k := range windows {
		w, g := want.Data()[k], got.Data()[k]
		if math.Float64bits(w) != math.Float64bits(g) && !(math.IsNaN(w) && math.IsNaN(g)) {
			t.Errorf("window %d: max %v, want %v", k, g, w)
		}
		tap := int(arg.Data()[k])
		if at := (tap/2)*2*windows + 2*k + tap%2; at != idx[k] {
			t.Errorf("window %d: tap %d (flat %d), want flat %d", k, tap, at, idx[k])
		}
	}
	gr := tensor.Full(2.5, 1, 1, 1, windows)
	dx := convPoison[float64](x.Shape()...)
	tensor.MaxPool2DScatterInto(dx, gr, arg, win, 0)
	wantDx := tensor.ScatterAddFlat(gr, idx, x.Shape()...)
	for i, v := range dx.Data() {
		if v != wantDx.Data()[i] {
			t.Fatalf("gradient element %d: %v, want %v", i, v, wantDx.Data()[i])
		}
	}
}
