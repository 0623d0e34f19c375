package tensor_test

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// avgPoolNaive is average pooling and its gradient (beta 0 or 1) as the
// checked loop computes them: each window's taps in row-major order from
// +0, padding skipped, divided by KH·KW; the gradient added in row-major
// output order.
func avgPoolNaive[T tensor.Float](x, g, dx0 []T, xs []int, win tensor.Window2D, beta T) (out, dx []T) {
	n, c, h, w := xs[0], xs[1], xs[2], xs[3]
	oh, ow := win.OutSize(h, w)
	out = make([]T, n*c*oh*ow)
	dx = make([]T, len(x))
	if beta == 1 {
		copy(dx, dx0)
	}
	count := T(win.Kernel[0] * win.Kernel[1])
	inv := 1 / count
	k := 0
	for pl := 0; pl < n*c; pl++ {
		for y := 0; y < oh; y++ {
			for xo := 0; xo < ow; xo++ {
				var s T
				v := g[k] * inv
				for i := 0; i < win.Kernel[0]; i++ {
					for j := 0; j < win.Kernel[1]; j++ {
						ih := y*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
						iw := xo*win.Stride[1] - win.Padding[1] + j*win.Dilation[1]
						if ih >= 0 && ih < h && iw >= 0 && iw < w {
							s += x[(pl*h+ih)*w+iw]
							dx[(pl*h+ih)*w+iw] += v
						}
					}
				}
				out[k] = s / count
				k++
			}
		}
	}
	return out, dx
}

// TestAvgPoolFastPathsKeepBits checks AvgPool2DInto and AvgPool2DGradInto
// (beta 0 and 1) bit for bit against the checked loop, for the unrolled
// 2×2 and 3×3 windows, a general one, padding, dilation, odd sizes that
// leave rows and columns uncovered, planes smaller than a window, and −0,
// Inf and NaN among the values.
func TestAvgPoolFastPathsKeepBits(t *testing.T) {
	t.Run("float32", func(t *testing.T) { avgPoolBits[float32](t) })
	t.Run("float64", func(t *testing.T) { avgPoolBits[float64](t) })
}

func avgPoolBits[T tensor.Float](t *testing.T) {
	for i, c := range []struct {
		name string
		x    []int
		win  tensor.Window2D
	}{
		{"2x2 stride 2", []int{2, 3, 8, 6}, convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})},
		{"2x2 stride 2 odd", []int{1, 2, 7, 9}, convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})},
		{"2x2 stride 1 padding 1", []int{1, 2, 5, 6}, convWin([2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
		{"3x3 stride 2 padding 1", []int{2, 2, 9, 10}, convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
		{"3x3 stride 1 padding 1", []int{1, 2, 6, 5}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
		{"3x3 on 2x2 padding 1", []int{1, 1, 2, 2}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
		{"3x2 stride 2x1 dilation 2", []int{1, 2, 9, 7}, convWin([2]int{3, 2}, [2]int{2, 1}, [2]int{1, 1}, [2]int{2, 2})},
		{"1x1", []int{1, 2, 3, 4}, convWin([2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := convRand[T](uint64(500+2*i), c.x...)
			xd := x.Data()
			xd[0], xd[len(xd)/2] = T(math.Copysign(0, -1)), T(math.Inf(1))
			xd[len(xd)-1] = T(math.NaN())
			oh, ow := c.win.OutSize(c.x[2], c.x[3])
			g := convRand[T](uint64(501+2*i), c.x[0], c.x[1], oh, ow)
			g.Data()[0] = T(math.Copysign(0, -1))
			dx0 := convRand[T](uint64(502+2*i), c.x...)
			for _, beta := range []T{0, 1} {
				want, wantDx := avgPoolNaive(xd, g.Data(), dx0.Data(), c.x, c.win, beta)
				out := convPoison[T](c.x[0], c.x[1], oh, ow)
				tensor.AvgPool2DInto(out, x, c.win)
				dx := dx0.Clone()
				if beta == 0 {
					dx = convPoison[T](c.x...)
				}
				tensor.AvgPool2DGradInto(dx, g, c.win, beta)
				sameBitsT(t, "out", out.Data(), want)
				sameBitsT(t, "dx", dx.Data(), wantDx)
			}
		})
	}
}

// sameBitsT fails unless got and want hold the same bits.
func sameBitsT[T tensor.Float](t *testing.T, what string, got, want []T) {
	t.Helper()
	for k := range want {
		if math.Float64bits(float64(got[k])) != math.Float64bits(float64(want[k])) &&
			!(got[k] != got[k] && want[k] != want[k]) {
			t.Errorf("%s[%d] = %v, want %v", what, k, got[k], want[k])
			return
		}
	}
}
