package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's shape family: reshaping, broadcasting,
// joining and selecting, whose derivatives move gradients without
// arithmetic (or sum them, for the broadcasts).

// shapeOps returns the shape family's entries.
func shapeOps() []OpInfo {
	shp := func(name, torch string, shapes [][]int, f64 func(xs ...*Var[float64]) *Var[float64], f32 func(xs ...*Var[float32]) *Var[float32]) OpInfo {
		return entry(OpInfo{Name: name, Family: FamilyShape, Shapes: shapes, Domain: anyReal, Smooth: true, Torch: torch}, f64, f32)
	}
	m234 := [][]int{{2, 3, 4}}
	rs := []Range{{Start: 1, Stop: tensor.End, Step: 1}, {Start: 0, Stop: 3, Step: 2}}
	widths := [][2]int{{1, -1}, {-2, 2}} // a negative width crops
	idx := []int{2, 0, 2}
	ids64, ids32 := Const(tensor.MustNew([]float64{1, 0, 3, 1}, 2, 2)), Const(tensor.MustNew([]float32{1, 0, 3, 1}, 2, 2))
	return []OpInfo{
		shp("Transpose", "x.T", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Transpose(xs[0]) },
			func(xs ...*Var[float32]) *Var[float32] { return Transpose(xs[0]) }),
		shp("Reshape", "x.reshape(4, 6)", m234,
			func(xs ...*Var[float64]) *Var[float64] { return Reshape(xs[0], 4, 6) },
			func(xs ...*Var[float32]) *Var[float32] { return Reshape(xs[0], 4, 6) }),
		shp("Permute", "x.permute(2, 0, 1)", m234,
			func(xs ...*Var[float64]) *Var[float64] { return Permute(xs[0], 2, 0, 1) },
			func(xs ...*Var[float32]) *Var[float32] { return Permute(xs[0], 2, 0, 1) }),
		shp("Squeeze", "x.squeeze(1)", [][]int{{3, 1, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Squeeze(xs[0], 1) },
			func(xs ...*Var[float32]) *Var[float32] { return Squeeze(xs[0], 1) }),
		shp("Unsqueeze", "x.unsqueeze(1)", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Unsqueeze(xs[0], 1) },
			func(xs ...*Var[float32]) *Var[float32] { return Unsqueeze(xs[0], 1) }),
		shp("Expand", "x.expand(2, 3, 4)", [][]int{{3, 1}},
			func(xs ...*Var[float64]) *Var[float64] { return Expand(xs[0], 2, 3, 4) },
			func(xs ...*Var[float32]) *Var[float32] { return Expand(xs[0], 2, 3, 4) }),
		shp("BroadcastTo", "x.expand(2, 3, 4)", [][]int{{3, 1}},
			func(xs ...*Var[float64]) *Var[float64] { return BroadcastTo(xs[0], 2, 3, 4) },
			func(xs ...*Var[float32]) *Var[float32] { return BroadcastTo(xs[0], 2, 3, 4) }),
		shp("SumTo", "x.sum(0).sum(1, keepdim=True)", m234,
			func(xs ...*Var[float64]) *Var[float64] { return SumTo(xs[0], 3, 1) },
			func(xs ...*Var[float32]) *Var[float32] { return SumTo(xs[0], 3, 1) }),
		shp("Slice", "x[1:, 0:3:2]", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Slice(xs[0], rs...) },
			func(xs ...*Var[float32]) *Var[float32] { return Slice(xs[0], rs...) }).listed("", "negative steps walk backwards"),
		shp("Select", "x.select(1, -1)", m234,
			func(xs ...*Var[float64]) *Var[float64] { return Select(xs[0], 1, -1) },
			func(xs ...*Var[float32]) *Var[float32] { return Select(xs[0], 1, -1) }).listed("", "x[:, i], the axis removed"),
		shp("Pad", "torch.nn.functional.pad(x, (-2, 2, 1, -1), value=0.5)", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Pad(xs[0], widths, 0.5) },
			func(xs ...*Var[float32]) *Var[float32] { return Pad(xs[0], widths, 0.5) }).listed("", "negative widths crop"),
		shp("IndexSelect", "torch.index_select(x, 1, torch.tensor([2, 0, 2]))", [][]int{{2, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return IndexSelect(xs[0], 1, idx) },
			func(xs ...*Var[float32]) *Var[float32] { return IndexSelect(xs[0], 1, idx) }),
		shp("Concat", "torch.cat((x, y), 1)", [][]int{{2, 3}, {2, 1}},
			func(xs ...*Var[float64]) *Var[float64] { return Concat(1, xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return Concat(1, xs[0], xs[1]) }),
		shp("Stack", "torch.stack((x, y), 2)", [][]int{{2, 3}, {2, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return Stack(2, xs[0], xs[1]) },
			func(xs ...*Var[float32]) *Var[float32] { return Stack(2, xs[0], xs[1]) }),
		shp("Split", "torch.split(x, (1, 3), 1)[1]", [][]int{{3, 4}},
			func(xs ...*Var[float64]) *Var[float64] { return Split(xs[0], 1, 1, 3)[1] },
			func(xs ...*Var[float32]) *Var[float32] { return Split(xs[0], 1, 1, 3)[1] }),
		shp("Embedding", "torch.nn.functional.embedding(torch.tensor([[1, 0], [3, 1]]), x)", [][]int{{4, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return Embedding(xs[0], ids64) },
			func(xs ...*Var[float32]) *Var[float32] { return Embedding(xs[0], ids32) }).listed("", "a lookup by ids, as F.embedding"),
		// The padding row is one no id looks up: where one does, its zero
		// gradient is by design not the derivative finite differences see.
		// The torch reference cases look it up.
		shp("EmbeddingPadded", "torch.nn.functional.embedding(torch.tensor([[1, 0], [3, 1]]), x, padding_idx=2)", [][]int{{4, 3}},
			func(xs ...*Var[float64]) *Var[float64] { return EmbeddingPadded(xs[0], ids64, 2) },
			func(xs ...*Var[float32]) *Var[float32] { return EmbeddingPadded(xs[0], ids32, 2) }).listed("", "a padding row without gradient, as padding_idx"),
	}
}
