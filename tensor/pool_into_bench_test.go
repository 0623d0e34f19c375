package tensor_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkMaxPool2DInto2x2 times the CNN workload's first pooling, 2×2
// stride 2 over [64 8 28 28] float32, forward (keeping the maxima) and the
// gradient scatter.
func BenchmarkMaxPool2DInto2x2(b *testing.B) {
	win := convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
	x := convTo32(convRand[float64](7, 64, 8, 28, 28))
	out, arg := tensor.Zeros[float32](64, 8, 14, 14), tensor.Zeros[float32](64, 8, 14, 14)
	dx := tensor.Zeros[float32](64, 8, 28, 28)
	b.Run("forward", func(b *testing.B) {
		for b.Loop() {
			tensor.MaxPool2DInto(out, arg, x, win)
		}
	})
	b.Run("scatter", func(b *testing.B) {
		for b.Loop() {
			tensor.MaxPool2DScatterInto(dx, out, arg, win, 0)
		}
	})
}
