package autograd

// This file declares the op table's cumulative family: scans, sorting and
// reordering along an axis, and the product reduction Prod. Shapes are odd
// and the axes negative where the op allows it; Sort, TopK, Cummax and
// Cummin are declared by their values (their indices, and Argsort's, are
// checked by the PyTorch cases and the unit tests).

// cumulativeOps returns the cumulative family's entries.
func cumulativeOps() []OpInfo {
	cum := func(name, torch string, shape []int, f64 func(x *Var[float64]) *Var[float64], f32 func(x *Var[float32]) *Var[float32]) OpInfo {
		m := OpInfo{Name: name, Family: FamilyCumulative, Shapes: [][]int{shape}, Domain: anyReal, Smooth: true, Torch: torch}
		return entry(m, func(xs ...*Var[float64]) *Var[float64] { return f64(xs[0]) },
			func(xs ...*Var[float32]) *Var[float32] { return f32(xs[0]) })
	}
	shifts, rollAxes := []int{1, -2}, []int{0, -1}
	each := []int{1, 0, 2}
	return []OpInfo{
		cum("Cumsum", "torch.cumsum(x, 1)", []int{2, 5, 3},
			func(x *Var[float64]) *Var[float64] { return Cumsum(x, 1) }, func(x *Var[float32]) *Var[float32] { return Cumsum(x, 1) }),
		cum("Cumprod", "torch.cumprod(x, -1)", []int{3, 5},
			func(x *Var[float64]) *Var[float64] { return Cumprod(x, -1) }, func(x *Var[float32]) *Var[float32] { return Cumprod(x, -1) }),
		cum("Cummax", "torch.cummax(x, 0).values", []int{5, 3},
			func(x *Var[float64]) *Var[float64] { v, _ := Cummax(x, 0); return v },
			func(x *Var[float32]) *Var[float32] { v, _ := Cummax(x, 0); return v }).ties(TiesWithin),
		cum("Cummin", "torch.cummin(x, -1).values", []int{3, 5},
			func(x *Var[float64]) *Var[float64] { v, _ := Cummin(x, -1); return v },
			func(x *Var[float32]) *Var[float32] { v, _ := Cummin(x, -1); return v }).ties(TiesWithin),
		cum("LogCumSumExp", "torch.logcumsumexp(x, -2)", []int{4, 3},
			func(x *Var[float64]) *Var[float64] { return LogCumSumExp(x, -2) },
			func(x *Var[float32]) *Var[float32] { return LogCumSumExp(x, -2) }),
		cum("Prod", "x.prod(2).prod(0)", []int{2, 3, 3},
			func(x *Var[float64]) *Var[float64] { return Prod(x, 0, -1) }, func(x *Var[float32]) *Var[float32] { return Prod(x, 0, -1) }).listed(DocReductions, ""),
		cum("Sort", "torch.sort(x, -1, descending=True, stable=True).values", []int{3, 5},
			func(x *Var[float64]) *Var[float64] { v, _ := Sort(x, -1, true); return v },
			func(x *Var[float32]) *Var[float32] { v, _ := Sort(x, -1, true); return v }).ties(TiesWithin).listed("", "values and a `*tensor.Index` of positions; stable: ties by lower index"),
		entry(OpInfo{Name: "Argsort", Family: FamilyCumulative, Shapes: [][]int{{3, 5}}, Domain: anyReal, Constant: true,
			Torch: "torch.argsort(x, -1, descending=True)"},
			func(xs ...*Var[float64]) *Var[float64] { return indexVar(arenaOf(xs...), Argsort(xs[0], -1, true)) },
			func(xs ...*Var[float32]) *Var[float32] { return indexVar(arenaOf(xs...), Argsort(xs[0], -1, true)) }).listed("", "the positions alone"),
		cum("TopK", "torch.topk(x, 2, 1).values", []int{3, 5},
			func(x *Var[float64]) *Var[float64] { v, _ := TopK(x, 2, 1, true); return v },
			func(x *Var[float32]) *Var[float32] { v, _ := TopK(x, 2, 1, true); return v }).ties(TiesWithin).listed("", "the k largest or smallest, the same way"),
		cum("Flip", "torch.flip(x, (0, 2))", []int{2, 3, 4},
			func(x *Var[float64]) *Var[float64] { return Flip(x, 0, -1) }, func(x *Var[float32]) *Var[float32] { return Flip(x, 0, -1) }),
		cum("Roll", "torch.roll(x, (1, -2), (0, -1))", []int{3, 4},
			func(x *Var[float64]) *Var[float64] { return Roll(x, shifts, rollAxes) },
			func(x *Var[float32]) *Var[float32] { return Roll(x, shifts, rollAxes) }),
		cum("Tril", "torch.tril(x, 1)", []int{2, 3, 4},
			func(x *Var[float64]) *Var[float64] { return Tril(x, 1) }, func(x *Var[float32]) *Var[float32] { return Tril(x, 1) }),
		cum("Triu", "torch.triu(x, -1)", []int{4, 3},
			func(x *Var[float64]) *Var[float64] { return Triu(x, -1) }, func(x *Var[float32]) *Var[float32] { return Triu(x, -1) }),
		cum("Diagonal", "torch.diagonal(x, 1, 0, 2)", []int{3, 2, 4},
			func(x *Var[float64]) *Var[float64] { return Diagonal(x, 1, 0, -1) },
			func(x *Var[float32]) *Var[float32] { return Diagonal(x, 1, 0, -1) }),
		cum("Repeat", "x.repeat(2, 1, 3)", []int{2, 3},
			func(x *Var[float64]) *Var[float64] { return Repeat(x, 2, 1, 3) }, func(x *Var[float32]) *Var[float32] { return Repeat(x, 2, 1, 3) }),
		cum("RepeatInterleave", "torch.repeat_interleave(x, 2, -1)", []int{2, 3},
			func(x *Var[float64]) *Var[float64] { return RepeatInterleave(x, 2, -1) },
			func(x *Var[float32]) *Var[float32] { return RepeatInterleave(x, 2, -1) }),
		cum("RepeatInterleaveEach", "torch.repeat_interleave(x, torch.tensor([1, 0, 2]), 0)", []int{3, 2},
			func(x *Var[float64]) *Var[float64] { return RepeatInterleaveEach(x, each, 0) },
			func(x *Var[float32]) *Var[float32] { return RepeatInterleaveEach(x, each, 0) }),
	}
}
