package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's index family: gathering and scattering
// by index. The indices are fixed in Apply for the entry's Shapes, and
// repeat where the op adds (ScatterAdd, IndexAdd, IndexArrays' gradient),
// so that the checks see duplicates accumulate.

// indexOps returns the index family's entries.
func indexOps() []OpInfo {
	idx := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyIndex, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	gather := tensor.MustIndex([]int{2, 0, 1, 1, 0, 3}, 3, 2)
	scat := tensor.MustIndex([]int{2, 0, 1, 0, 1, 2}, 2, 3)
	dup := tensor.MustIndex([]int{2, 0, 1, 0, 0, 2}, 2, 3)
	add := tensor.MustIndex([]int{1, 1, 3}, 3)
	mask := tensor.MustMask([]bool{true, false, true}, 3)
	rows, cols := tensor.MustIndex([]int{2, 0}, 2, 1), tensor.MustIndex([]int{1, -1, 1}, 3)
	return []OpInfo{
		idx("Gather", "torch.gather(x, 1, torch.tensor([[2, 0], [1, 1], [0, 3]]))", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Gather(xs[0], 1, gather) },
			func(xs ...*Var[float32]) *Var[float32] { return Gather(xs[0], 1, gather) }),
		idx("Scatter", "x.scatter(0, torch.tensor([[2, 0, 1], [0, 1, 2]]), y)", [][]int{{3, 4}, {2, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return Scatter(xs[0], 0, scat, xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return Scatter(xs[0], 0, scat, xs[1]) }),
		idx("ScatterAdd", "x.scatter_add(0, torch.tensor([[2, 0, 1], [0, 0, 2]]), y)", [][]int{{3, 4}, {2, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return ScatterAdd(xs[0], 0, dup, xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return ScatterAdd(xs[0], 0, dup, xs[1]) }),
		// prod, the one reduction whose weights depend on the inputs, so
		// that the second order checks them.
		idx("ScatterReduce", "x.scatter_reduce(0, torch.tensor([[2, 0, 1], [0, 0, 2]]), y, 'prod')", [][]int{{3, 4}, {2, 5}},
			func(xs ...*Var[float64]) *Var[float64] { return ScatterReduce(xs[0], 0, dup, xs[1], "prod", true) },
			func(xs ...*Var[float32]) *Var[float32] { return ScatterReduce(xs[0], 0, dup, xs[1], "prod", true) }).listed("", "sum, prod, mean, amax, amin"),
		idx("IndexAdd", "x.index_add(-1, torch.tensor([1, 1, 3]), y, alpha=0.5)", [][]int{{3, 4}, {3, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return IndexAdd(xs[0], -1, add, xs[1], 0.5) },
			func(xs ...*Var[float32]) *Var[float32] { return IndexAdd(xs[0], -1, add, xs[1], 0.5) }),
		idx("MaskedSelect", "torch.masked_select(x, torch.tensor([True, False, True]))", [][]int{{2, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return MaskedSelect(xs[0], mask) },
			func(xs ...*Var[float32]) *Var[float32] { return MaskedSelect(xs[0], mask) }),
		idx("IndexArrays", "x[torch.tensor([[2], [0]]), torch.tensor([1, -1, 1])]", [][]int{{3, 4, 2}},
			func(xs ...*Var[float64]) *Var[float64] { return IndexArrays(xs[0], rows, cols) },
			func(xs ...*Var[float32]) *Var[float32] { return IndexArrays(xs[0], rows, cols) }).listed("", "x[i0, i1, ...]"),
		idx("Unfold", "x.unfold(-1, 3, 2)", [][]int{{2, 7}},
			func(xs ...*Var[float64]) *Var[float64] { return Unfold(xs[0], -1, 3, 2) },
			func(xs ...*Var[float32]) *Var[float32] { return Unfold(xs[0], -1, 3, 2) }),
	}
}
