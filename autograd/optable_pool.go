package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's pooling, resampling and padding of
// NCHW images (the conv family, as the convolutions of optable_conv.go).
// The random inputs of the checks have no ties, so the max ops' routing is
// unambiguous.

// poolOps returns the entries.
func poolOps() []OpInfo {
	conv := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyConv, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	k, s, p := [2]int{2, 3}, [2]int{1, 2}, [2]int{1, 1}
	// Ceil mode adds a last window at the bottom (H 8: 4 rows, not 3) and
	// at the right of the average (W 5: a window past the padding).
	maxOpts := Pool2DOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{2, 1}, CeilMode: true}
	avgOpts := AvgPool2DOptions{Kernel: [2]int{3, 2}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, CeilMode: true, ExcludePad: true}
	interp := InterpolateOptions{ScaleFactor: [2]float64{1.5, 1.75}, Mode: InterpBilinear}
	padWidths := [][2]int{{0, 0}, {1, -1}, {2, -1}, {-1, 3}} // 3-D reflect (ReflectionPad3d), cropping too
	unpoolIdx := unpoolTableIndices()
	unpool := Unpool2DOptions{Kernel: [2]int{2, 2}}
	return []OpInfo{
		conv("MaxPool2D", "torch.nn.functional.max_pool2d(x, (2, 3), (1, 2), (1, 1))", [][]int{{2, 3, 5, 6}},
			func(xs ...*Var[float64]) *Var[float64] { return MaxPool2D(xs[0], k, s, p) },
			func(xs ...*Var[float32]) *Var[float32] { return MaxPool2D(xs[0], k, s, p) }).ties(TiesWithin).listed(DocPooling, ""),
		conv("AvgPool2D", "torch.nn.functional.avg_pool2d(x, (2, 3), (1, 2), (1, 1))", [][]int{{2, 3, 5, 6}},
			func(xs ...*Var[float64]) *Var[float64] { return AvgPool2D(xs[0], k, s, p) },
			func(xs ...*Var[float32]) *Var[float32] { return AvgPool2D(xs[0], k, s, p) }).listed(DocPooling, ""),
		conv("MaxPool2DWith", "torch.nn.functional.max_pool2d(x, (3, 2), (2, 1), (1, 1), (2, 1), ceil_mode=True)", [][]int{{2, 3, 8, 6}},
			func(xs ...*Var[float64]) *Var[float64] { y, _ := MaxPool2DWith(xs[0], maxOpts); return y },
			func(xs ...*Var[float32]) *Var[float32] { y, _ := MaxPool2DWith(xs[0], maxOpts); return y }).ties(TiesWithin).listed(DocPooling, "dilation, ceil mode, returns the indices"),
		conv("AvgPool2DWith", "torch.nn.functional.avg_pool2d(x, (3, 2), (2, 2), (1, 1), ceil_mode=True, count_include_pad=False)", [][]int{{2, 3, 8, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return AvgPool2DWith(xs[0], avgOpts) },
			func(xs ...*Var[float32]) *Var[float32] { return AvgPool2DWith(xs[0], avgOpts) }).listed(DocPooling, "ceil mode, count_include_pad, divisor_override"),
		conv("AdaptiveAvgPool2D", "torch.nn.functional.adaptive_avg_pool2d(x, (3, 4))", [][]int{{2, 3, 7, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return AdaptiveAvgPool2D(xs[0], 3, 4) },
			func(xs ...*Var[float32]) *Var[float32] { return AdaptiveAvgPool2D(xs[0], 3, 4) }).listed(DocPooling, ""),
		conv("AdaptiveMaxPool2D", "torch.nn.functional.adaptive_max_pool2d(x, (3, 2))", [][]int{{2, 3, 7, 5}},
			func(xs ...*Var[float64]) *Var[float64] { y, _ := AdaptiveMaxPool2D(xs[0], 3, 2); return y },
			func(xs ...*Var[float32]) *Var[float32] { y, _ := AdaptiveMaxPool2D(xs[0], 3, 2); return y }).ties(TiesWithin).listed(DocPooling, ""),
		conv("MaxUnpool2D", "torch.nn.functional.max_unpool2d(x, indices, 2) (indices: one position in each 2×2 window)", [][]int{{2, 3, 3, 2}},
			func(xs ...*Var[float64]) *Var[float64] { return MaxUnpool2D(xs[0], unpoolIdx, unpool) },
			func(xs ...*Var[float32]) *Var[float32] { return MaxUnpool2D(xs[0], unpoolIdx, unpool) }).listed(DocPooling, ""),
		conv("Interpolate", "torch.nn.functional.interpolate(x, scale_factor=(1.5, 1.75), mode=\"bilinear\", align_corners=False)", [][]int{{2, 3, 5, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Interpolate(xs[0], interp) },
			func(xs ...*Var[float32]) *Var[float32] { return Interpolate(xs[0], interp) }).listed(DocPooling, "nearest, bilinear, align_corners"),
		conv("PadWith", "torch.nn.functional.pad(x, (-1, 3, 2, -1, 1, -1), mode=\"reflect\")", [][]int{{2, 3, 5, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return PadWith(xs[0], padWidths, PadReflect, 0) },
			func(xs ...*Var[float32]) *Var[float32] { return PadWith(xs[0], padWidths, PadReflect, 0) }).listed(DocPooling, "F.pad: constant on any axis; reflect, replicate, circular on the last 1, 2 or 3 axes; negative widths crop"),
	}
}

// unpoolTableIndices returns MaxUnpool2D's table indices for an input
// [2, 3, 3, 2]: for each element one position of its own 2×2 window of the
// 6×4 output plane, varying from window to window (so unique).
func unpoolTableIndices() *tensor.Index {
	idx := make([]int, 2*3*3*2)
	for k := range idx {
		y, x := k/2%3, k%2
		a, b := k%3%2, k/3%2
		idx[k] = (2*y+a)*4 + 2*x + b
	}
	return tensor.MustIndex(idx, 2, 3, 3, 2)
}
