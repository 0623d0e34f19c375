package autograd

// This file declares the op table's recurrent family: the fused time steps
// of recurrent.go. Their shapes are odd (N 3, H 5) so that a mix-up of the
// gate blocks, rows or columns changes the result; the domain reaches far
// enough into the saturating regions of σ and tanh to test them while
// keeping finite differences accurate.

// recurrentOps returns the recurrent family's entries.
func recurrentOps() []OpInfo {
	rec := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyRecurrent, Shapes: shapes, Domain: [2]float64{-3, 3}, Smooth: true, Torch: torch}, f64, f32)
	}
	lstm := [][]int{{3, 20}, {3, 5}}
	return []OpInfo{
		rec("LSTMCellState",
			"i, f, g, o = x.chunk(4, 1); sigmoid(f) * y + sigmoid(i) * tanh(g)", lstm,
			func(xs ...*Var[float64]) *Var[float64] { return LSTMCellState(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return LSTMCellState(xs[0], xs[1]) }),
		rec("LSTMCellOutput",
			"i, f, g, o = x.chunk(4, 1); sigmoid(o) * tanh(y)", lstm,
			func(xs ...*Var[float64]) *Var[float64] { return LSTMCellOutput(xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return LSTMCellOutput(xs[0], xs[1]) }).listed("", "with LSTMCellState, one `nn.LSTMCell` step from its pre-activation gates"),
		rec("GRUCellState",
			"r, z = sigmoid(x[:, :10] + y[:, :10]).chunk(2, 1); n = tanh(x[:, 10:] + r * y[:, 10:]); n + z * (w - n)",
			[][]int{{3, 15}, {3, 15}, {3, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return GRUCellState(xs[0], xs[1], xs[2]) },
			func(xs ...*Var[float32]) *Var[float32] { return GRUCellState(xs[0], xs[1], xs[2]) }).listed("", "an `nn.GRUCell` step from x·W_ihᵀ + b_ih and h·W_hhᵀ + b_hh"),
	}
}
