package autograd

// This file declares the op table's linalg family: matrix products,
// contractions and norms.

// linalgOps returns the linalg family's entries.
func linalgOps() []OpInfo {
	lin := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyLinalg, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	return []OpInfo{
		lin("MatMul", "x @ y", [][]int{{2, 3, 4}, {4, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return MatMul(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return MatMul(xs[0], xs[1]) }),
		lin("MatMulT", "x.T @ y.T", [][]int{{4, 3}, {5, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return MatMulT(xs[0], xs[1], true, true) },
			func(xs ...*Var[float32]) *Var[float32] { return MatMulT(xs[0], xs[1], true, true) }),
		lin("Linear", "torch.nn.functional.linear(x, y, z)", [][]int{{3, 4}, {5, 4}, {5}},
			func(xs ...*Var[float64]) *Var[float64] { return Linear(xs[0], xs[1], xs[2]) },
			func(xs ...*Var[float32]) *Var[float32] { return Linear(xs[0], xs[1], xs[2]) }),
	}
}
