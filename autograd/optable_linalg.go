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
			func(xs ...*Var[float32]) *Var[float32] { return MatMul(xs[0], xs[1]) }).listed("", "torch.matmul broadcasting"),
		lin("MatMulT", "x.T @ y.T", [][]int{{4, 3}, {5, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return MatMulT(xs[0], xs[1], true, true) },
			func(xs ...*Var[float32]) *Var[float32] { return MatMulT(xs[0], xs[1], true, true) }).listed("", "transposed operands, no copies"),
		lin("Linear", "torch.nn.functional.linear(x, y, z)", [][]int{{3, 4}, {5, 4}, {5}},
			func(xs ...*Var[float64]) *Var[float64] { return Linear(xs[0], xs[1], xs[2]) },
			func(xs ...*Var[float32]) *Var[float32] { return Linear(xs[0], xs[1], xs[2]) }).listed("", "x·wᵀ + b, fused"),
		lin("LinearReLU", "torch.relu(torch.nn.functional.linear(x, y, z))", [][]int{{3, 4}, {5, 4}, {5}},
			func(xs ...*Var[float64]) *Var[float64] { return LinearReLU(xs[0], xs[1], xs[2]) },
			func(xs ...*Var[float32]) *Var[float32] { return LinearReLU(xs[0], xs[1], xs[2]) }).hiddenKinks().listed("", "max(x·wᵀ + b, 0) with one result"),
		// An ellipsis that broadcasts (x's [2 1] against y's [3]), a
		// contraction, a diagonal (z's kk) and three operands.
		lin("Einsum", "torch.einsum('...ij,...jk,kk->...ik', x, y, z)", [][]int{{2, 1, 3, 4}, {3, 4, 5}, {5, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return Einsum("...ij,...jk,kk->...ik", xs...) },
			func(xs ...*Var[float32]) *Var[float32] { return Einsum("...ij,...jk,kk->...ik", xs...) }).listed("", "torch.einsum subscripts: diagonals, ellipsis broadcasting, any number of operands, through the GEMM"),
		lin("Norm", "torch.linalg.vector_norm(x, 2, dim=1)", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Norm(xs[0], 2, 1) },
			func(xs ...*Var[float32]) *Var[float32] { return Norm(xs[0], 2, 1) }).spread(normSpread).listed("", "torch.linalg.vector_norm: any p ≥ 0, ±Inf; Frobenius over two axes"),
		withKinks(lin("NormKeepDims", "torch.linalg.vector_norm(x, 3, dim=(0, 2), keepdim=True)", [][]int{{2, 3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return NormKeepDims(xs[0], 3, 0, 2) },
			func(xs ...*Var[float32]) *Var[float32] { return NormKeepDims(xs[0], 3, 0, 2) }), 0).spread(normSpread),
		lin("Dot", "torch.dot(x, y)", [][]int{{5}, {5}},
			func(xs ...*Var[float64]) *Var[float64] { return Dot(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return Dot(xs[0], xs[1]) }),
		lin("Outer", "torch.outer(x, y)", [][]int{{3}, {4}},
			func(xs ...*Var[float64]) *Var[float64] { return Outer(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return Outer(xs[0], xs[1]) }),
		// Rectangular: the trace of the leading 3×3 block.
		lin("Trace", "torch.trace(x)", [][]int{{3, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return Trace(xs[0]) },
			func(xs ...*Var[float32]) *Var[float32] { return Trace(xs[0]) }),
	}
}

// withKinks returns m with the given kinks (input values where its
// derivative is not smooth), which the checks keep away from.
func withKinks(m OpInfo, kinks ...float64) OpInfo {
	m.Kinks = kinks
	return m
}
