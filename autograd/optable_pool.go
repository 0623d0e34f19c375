package autograd

// This file declares the op table's pooling, resampling and padding of
// NCHW images (the conv family, as the convolutions of optable_conv.go).

// poolOps returns the entries.
func poolOps() []OpInfo {
	conv := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyConv, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	k, s, p := [2]int{2, 3}, [2]int{1, 2}, [2]int{1, 1}
	return []OpInfo{
		conv("MaxPool2D", "torch.nn.functional.max_pool2d(x, (2, 3), (1, 2), (1, 1))", [][]int{{2, 3, 5, 6}},
			func(xs ...*Var[float64]) *Var[float64] { return MaxPool2D(xs[0], k, s, p) },
			func(xs ...*Var[float32]) *Var[float32] { return MaxPool2D(xs[0], k, s, p) }),
		conv("AvgPool2D", "torch.nn.functional.avg_pool2d(x, (2, 3), (1, 2), (1, 1))", [][]int{{2, 3, 5, 6}},
			func(xs ...*Var[float64]) *Var[float64] { return AvgPool2D(xs[0], k, s, p) },
			func(xs ...*Var[float32]) *Var[float32] { return AvgPool2D(xs[0], k, s, p) }),
	}
}
