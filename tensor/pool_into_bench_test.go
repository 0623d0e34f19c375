package tensor_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// BenchmarkMaxPool2DInto2x2 times the CNN workload's first pooling, 2×2
// stride 2 over [64 8 28 28] float32, forward (keeping the maxima) and the
// gradient scatter.
func BenchmarkMaxPool2DInto2x2(b *testing.B) {
	benchPool2x2(b, 64, 8, 28, 28)
}

// BenchmarkMaxPool2DInto2x2Second times the CNN workload's second pooling,
// over [64 16 14 14]: rows of 7 outputs, shorter than a vector step.
func BenchmarkMaxPool2DInto2x2Second(b *testing.B) {
	benchPool2x2(b, 64, 16, 14, 14)
}

func benchPool2x2(b *testing.B, n, c, h, w int) {
	win := convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
	x := convTo32(convRand[float64](7, n, c, h, w))
	out, arg := tensor.Zeros[float32](n, c, h/2, w/2), tensor.Zeros[float32](n, c, h/2, w/2)
	dx := tensor.Zeros[float32](n, c, h, w)
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

// BenchmarkMaxPool2DInto3x3 times a ResNet stem's pooling, 3×3 stride 2
// padding 1 over [32 16 56 56] float32, on the general path: forward
// (keeping the taps), the gradient scatter and its adjoint gather.
func BenchmarkMaxPool2DInto3x3(b *testing.B) {
	const n, c, h, w = 32, 16, 56, 56
	win := convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})
	x := convTo32(convRand[float64](7, n, c, h, w))
	oh, ow := win.OutSize(h, w)
	out, arg := tensor.Zeros[float32](n, c, oh, ow), tensor.Zeros[float32](n, c, oh, ow)
	dx := tensor.Zeros[float32](n, c, h, w)
	tensor.MaxPool2DInto(out, arg, x, win) // the taps, for -bench=scatter alone
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
	b.Run("gather", func(b *testing.B) {
		for b.Loop() {
			tensor.MaxPool2DGatherInto(out, x, arg, win)
		}
	})
}
