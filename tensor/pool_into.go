package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/poolk"

// This file holds the dedicated path of the most common pooling window:
// 2×2, stride 2, no padding, no dilation (a CNN's "MaxPool2d(2)"). Its
// windows tile the plane without overlapping, so the forward pass reads
// two rows at a time and the gradient scatter writes every element of dx
// exactly once (zeros and the routed gradient in one pass, no zero-filled
// buffer to add into). The kernels are package poolk's: vectorized where
// the CPU allows, with the same bits as its portable loops.

// pool2x2 reports whether win is the 2×2, stride 2, unpadded, undilated
// window the dedicated kernels handle.
func pool2x2(win Window2D) bool {
	return win.Kernel == [2]int{2, 2} && win.Stride == [2]int{2, 2} &&
		win.Padding == [2]int{} && win.Dilation == [2]int{1, 1}
}

// maxPool2x2 is MaxPool2DInto for a 2×2 stride-2 window: planes of h×w in
// x, oh×ow in out (and arg, when not nil). The maximum is the tap a
// row-major scan picks (the last NaN, else the first of the greatest),
// its tap i·2 + j goes to arg.
func maxPool2x2[T Float](out, arg, x []T, planes, h, w, oh, ow int) {
	if len(out) == 0 {
		return
	}
	if is32[T]() {
		var a []float32
		if arg != nil {
			a = asF32(arg)
		}
		poolk.Max2x2F32(asF32(out), a, asF32(x), planes, h, w, oh, ow)
		return
	}
	var a []float64
	if arg != nil {
		a = asF64(arg)
	}
	poolk.Max2x2F64(asF64(out), a, asF64(x), planes, h, w, oh, ow)
}

// maxPoolScatter2x2 is MaxPool2DScatterInto with beta 0 for a 2×2 stride-2
// window: every element of dx is written once, g's element at its window's
// maximum and 0 elsewhere (rows and columns that no window covers too).
// The routed value is 0 + g, the bits a scatter-add into a zeroed buffer
// gives (−0 becomes +0).
func maxPoolScatter2x2[T Float](dx, g, arg []T, planes, h, w, oh, ow int) {
	switch {
	case len(dx) == 0:
		return
	case len(g) == 0:
		clear(dx)
	case is32[T]():
		poolk.Scatter2x2F32(asF32(dx), asF32(g), asF32(arg), planes, h, w, oh, ow)
	default:
		poolk.Scatter2x2F64(asF64(dx), asF64(g), asF64(arg), planes, h, w, oh, ow)
	}
}
