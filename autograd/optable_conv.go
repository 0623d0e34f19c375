package autograd

// This file declares the op table's convolutions (the conv family's
// pooling, resampling and padding are in optable_pool.go). Each entry
// exercises what its op adds to a plain convolution: Conv2D two groups
// with a rectangular stride, padding and dilation; Conv1D a depthwise
// convolution (groups = channels, two filters each); ConvTranspose2D two
// groups with an output padding that is below the stride along the height
// and reaches the stride (below the dilation) along the width, where the
// last output column lies beyond every window of the adjoint convolution.

// convOps returns the conv family's entries.
func convOps() []OpInfo {
	conv := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyConv, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	opts := Conv2DOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, Dilation: [2]int{1, 2}, Groups: 2}
	opts1 := Conv1DOptions{Stride: 2, Padding: 1, Dilation: 2, Groups: 3}
	optsT := ConvTranspose2DOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, OutputPadding: [2]int{1, 1}, Dilation: [2]int{1, 2}, Groups: 2}
	return []OpInfo{
		conv("Conv2D", "torch.nn.functional.conv2d(x, y, z, stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)",
			[][]int{{2, 4, 5, 6}, {6, 2, 2, 2}, {6}},
			func(xs ...*Var[float64]) *Var[float64] { return Conv2D(xs[0], xs[1], xs[2], opts) },
			func(xs ...*Var[float32]) *Var[float32] { return Conv2D(xs[0], xs[1], xs[2], opts) }).listed("", "NCHW; stride, padding, dilation, groups: depthwise with groups = channels"),
		conv("Conv1D", "torch.nn.functional.conv1d(x, y, z, stride=2, padding=1, dilation=2, groups=3)",
			[][]int{{2, 3, 7}, {6, 1, 3}, {6}},
			func(xs ...*Var[float64]) *Var[float64] { return Conv1D(xs[0], xs[1], xs[2], opts1) },
			func(xs ...*Var[float32]) *Var[float32] { return Conv1D(xs[0], xs[1], xs[2], opts1) }).listed("", "NCL, the same options"),
		conv("ConvTranspose2D",
			"torch.nn.functional.conv_transpose2d(x, y, z, stride=(2, 1), padding=(1, 0), output_padding=(1, 1), groups=2, dilation=(1, 2))",
			[][]int{{2, 4, 3, 4}, {4, 3, 2, 3}, {6}},
			func(xs ...*Var[float64]) *Var[float64] { return ConvTranspose2D(xs[0], xs[1], xs[2], optsT) },
			func(xs ...*Var[float32]) *Var[float32] { return ConvTranspose2D(xs[0], xs[1], xs[2], optsT) }).listed("", "PyTorch's conv_transpose2d: output padding, groups"),
	}
}
