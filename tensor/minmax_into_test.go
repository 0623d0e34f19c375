package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestSoftmaxIntoMatchesSoftmax checks that SoftmaxInto and LogSoftmaxInto
// write the bits of Softmax and LogSoftmax over every axis, into a
// destination full of NaN, including slices with ±Inf and NaN.
func TestSoftmaxIntoMatchesSoftmax(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	x := tensor.RandNormal[float32](rng, 0, 3, 3, 4, 5)
	x.Data()[3] = float32(math.Inf(1))
	x.Data()[17] = float32(math.NaN())
	x.Data()[40] = float32(math.Inf(-1))
	for axis := -3; axis < 3; axis++ {
		for _, log := range []bool{false, true} {
			want := tensor.Softmax(x, axis)
			got := tensor.Full(float32(math.NaN()), 3, 4, 5)
			if log {
				want = tensor.LogSoftmax(x, axis)
				tensor.LogSoftmaxInto(got, x, axis)
			} else {
				tensor.SoftmaxInto(got, x, axis)
			}
			for i, v := range want.Data() {
				if math.Float32bits(v) != math.Float32bits(got.Data()[i]) {
					t.Fatalf("axis %d log %v element %d: %v, want %v", axis, log, i, got.Data()[i], v)
				}
			}
		}
	}
}

func TestSoftmaxIntoPanics(t *testing.T) {
	x := tensor.Zeros[float64](2, 3)
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"axis", func() { tensor.SoftmaxInto(tensor.Zeros[float64](2, 3), x, 2) }},
		{"shape", func() { tensor.LogSoftmaxInto(tensor.Zeros[float64](3, 2), x, 0) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if _, ok := recover().(*tensor.ShapeError); !ok {
					t.Error("no *tensor.ShapeError")
				}
			}()
			tc.f()
		})
	}
}
