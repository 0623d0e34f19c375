package autograd

import "github.com/adjoint-go/adjoint/tensor"

// This file declares the op table's reduce family: reductions over axes,
// the softmaxes and LayerNorm, checked on a [3 4] input (a [2 3 4] one
// where an op reduces several axes).

// reduceOps returns the reduce family's entries.
func reduceOps() []OpInfo {
	red := func(name, torch string, shape []int, f64 func(x *Var[float64]) *Var[float64], f32 func(x *Var[float32]) *Var[float32]) OpInfo {
		m := OpInfo{Name: name, Family: FamilyReduce, Shapes: [][]int{shape}, Domain: anyReal, Smooth: true, Torch: torch}
		return entry(m, func(xs ...*Var[float64]) *Var[float64] { return f64(xs[0]) },
			func(xs ...*Var[float32]) *Var[float32] { return f32(xs[0]) })
	}
	m34, m234 := []int{3, 4}, []int{2, 3, 4}
	return []OpInfo{
		red("Sum", "torch.sum(x, (0, 2))", m234,
			func(x *Var[float64]) *Var[float64] { return Sum(x, 0, 2) }, func(x *Var[float32]) *Var[float32] { return Sum(x, 0, 2) }),
		red("SumKeepDims", "torch.sum(x, 1, keepdim=True)", m34,
			func(x *Var[float64]) *Var[float64] { return SumKeepDims(x, 1) }, func(x *Var[float32]) *Var[float32] { return SumKeepDims(x, 1) }),
		red("Mean", "torch.mean(x, 1)", m234,
			func(x *Var[float64]) *Var[float64] { return Mean(x, 1) }, func(x *Var[float32]) *Var[float32] { return Mean(x, 1) }),
		red("MeanKeepDims", "torch.mean(x, 0, keepdim=True)", m34,
			func(x *Var[float64]) *Var[float64] { return MeanKeepDims(x, 0) }, func(x *Var[float32]) *Var[float32] { return MeanKeepDims(x, 0) }),
		red("Max", "torch.amax(x, 1)", m34,
			func(x *Var[float64]) *Var[float64] { return Max(x, 1) }, func(x *Var[float32]) *Var[float32] { return Max(x, 1) }).ties(TiesWithin),
		red("MaxKeepDims", "torch.amax(x, (0, 1), keepdim=True)", m234,
			func(x *Var[float64]) *Var[float64] { return MaxKeepDims(x, 0, 1) }, func(x *Var[float32]) *Var[float32] { return MaxKeepDims(x, 0, 1) }).ties(TiesWithin),
		red("Min", "torch.amin(x, 0)", m34,
			func(x *Var[float64]) *Var[float64] { return Min(x, 0) }, func(x *Var[float32]) *Var[float32] { return Min(x, 0) }).ties(TiesWithin),
		red("MinKeepDims", "torch.amin(x, 2, keepdim=True)", m234,
			func(x *Var[float64]) *Var[float64] { return MinKeepDims(x, 2) }, func(x *Var[float32]) *Var[float32] { return MinKeepDims(x, 2) }).ties(TiesWithin),
		red("LogSumExp", "torch.logsumexp(x, 1)", m34,
			func(x *Var[float64]) *Var[float64] { return LogSumExp(x, 1) }, func(x *Var[float32]) *Var[float32] { return LogSumExp(x, 1) }),
		red("LogSumExpKeepDims", "torch.logsumexp(x, 0, keepdim=True)", m34,
			func(x *Var[float64]) *Var[float64] { return LogSumExpKeepDims(x, 0) }, func(x *Var[float32]) *Var[float32] { return LogSumExpKeepDims(x, 0) }),
		red("Variance", "torch.var(x, 1, correction=1)", m34,
			func(x *Var[float64]) *Var[float64] { return Variance(x, 1, 1) }, func(x *Var[float32]) *Var[float32] { return Variance(x, 1, 1) }),
		red("Std", "torch.std(x, 0, correction=0)", m34,
			func(x *Var[float64]) *Var[float64] { return Std(x, 0, 0) }, func(x *Var[float32]) *Var[float32] { return Std(x, 0, 0) }).spread(normSpread),
		red("Softmax", "torch.softmax(x, 1)", m34,
			func(x *Var[float64]) *Var[float64] { return Softmax(x, 1) }, func(x *Var[float32]) *Var[float32] { return Softmax(x, 1) }).listed(DocActivations, ""),
		red("LogSoftmax", "torch.log_softmax(x, 0)", m34,
			func(x *Var[float64]) *Var[float64] { return LogSoftmax(x, 0) }, func(x *Var[float32]) *Var[float32] { return LogSoftmax(x, 0) }).listed(DocActivations, ""),
		entry(OpInfo{Name: "LayerNorm", Family: FamilyReduce, Shapes: [][]int{{3, 4}, {4}, {4}}, Domain: anyReal, Smooth: true,
			Torch: "torch.nn.functional.layer_norm(x, (4,), y, z, 1e-5)"},
			func(xs ...*Var[float64]) *Var[float64] { return LayerNorm(xs[0], xs[1], xs[2], 1, 1e-5) },
			func(xs ...*Var[float32]) *Var[float32] { return LayerNorm(xs[0], xs[1], xs[2], 1, 1e-5) }).spread(normSpread).listed(DocActivations, ""),
		argEntry("Argmax", "torch.argmax(x, 1)", Argmax[float64], Argmax[float32]).listed("", "returns indices"),
		argEntry("Argmin", "torch.argmin(x, 0)", Argmin[float64], Argmin[float32]).listed("", "returns indices"),
	}
}

// normSpread is the Spread of the ops that normalize or measure a slice:
// 0.1 apart, no slice of two elements or more has a standard deviation
// below 0.05 or a norm below 0.05.
const normSpread = 0.1

// argEntry declares Argmax or Argmin, which return indices and no
// gradient: Constant, on a [3 4] input reduced along its axis 1 (Argmax)
// or 0 (Argmin), as in the torch expression; Apply returns the indices as
// a constant of the inputs' Arena, shaped like the elements of Max(x,
// axis).
func argEntry(name, torch string, f64 func(*Var[float64], int) []int, f32 func(*Var[float32], int) []int) OpInfo {
	axis := 1
	if name == "Argmin" {
		axis = 0
	}
	return entry(OpInfo{Name: name, Family: FamilyReduce, Shapes: [][]int{{3, 4}}, Domain: anyReal, Constant: true, Torch: torch},
		func(xs ...*Var[float64]) *Var[float64] {
			return intsVar(arenaOf(xs...), f64(xs[0], axis), xs[0].value, axis)
		},
		func(xs ...*Var[float32]) *Var[float32] {
			return intsVar(arenaOf(xs...), f32(xs[0], axis), xs[0].value, axis)
		})
}

// intsVar returns the indices idx of a reduction of x along axis as a
// constant of ar (a new one when ar is nil), shaped like x without axis.
func intsVar[T Float](ar *Arena[T], idx []int, x *tensor.Tensor[T], axis int) *Var[T] {
	var buf [maxStackDims]int
	shape := buf[:0]
	for i := range x.Dims() {
		if i != axis {
			shape = append(shape, x.Dim(i))
		}
	}
	t := ar.tensor(shape...)
	d := t.Data()
	for i, p := range idx {
		d[i] = T(p)
	}
	if ar == nil {
		return Const(t)
	}
	return ar.Const(t)
}
