package autograd

// This file declares the op table's convolutions (the conv family's
// pooling, resampling and padding are in optable_pool.go).

// convOps returns the conv family's entries.
func convOps() []OpInfo {
	conv := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyConv, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	opts := Conv2DOptions{Stride: [2]int{2, 1}, Padding: [2]int{1, 0}, Dilation: [2]int{1, 2}}
	return []OpInfo{
		conv("Conv2D", "torch.nn.functional.conv2d(x, y, z, stride=(2, 1), padding=(1, 0), dilation=(1, 2))",
			[][]int{{2, 3, 5, 6}, {4, 3, 2, 2}, {4}},
			func(xs ...*Var[float64]) *Var[float64] { return Conv2D(xs[0], xs[1], xs[2], opts) },
			func(xs ...*Var[float32]) *Var[float32] { return Conv2D(xs[0], xs[1], xs[2], opts) }),
	}
}
