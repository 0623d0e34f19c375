package autograd

import (
	"slices"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the reductions beyond Sum and Mean: Max and Min (with the
// non-differentiable Argmax and Argmin), LogSumExp, Variance and Std.
//
// Ties in Max and Min: the whole gradient of a reduced slice goes to its
// FIRST maximum (minimum) in row-major order over the reduced axes, the
// element Argmax (Argmin) reports; the tied others get 0. This is a valid
// subgradient; PyTorch's max over all elements splits the gradient evenly
// among ties instead, and its max along a dimension picks one index as here.

// Max returns the maximum of x over the given axes, which are removed from
// the shape; with no axes it reduces everything into a 0-d scalar. Negative
// axes count from the end. NaN propagates.
//
//	d/dx = g broadcast back over the reduced axes ∘ M, where M is 1 at the
//	       first maximum of each slice (row-major order) and 0 elsewhere
//
// M is a constant, so the second derivative is 0. It panics with a
// *tensor.ShapeError for an axis out of range or repeated, or a reduced axis
// of size 0.
func Max[T Float](x *Var[T], axes ...int) *Var[T] { return redExtremumOp("Max", x, axes, false, true) }

// MaxKeepDims is Max that keeps each reduced axis with size 1.
func MaxKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return redExtremumOp("MaxKeepDims", x, axes, true, true)
}

// Min returns the minimum of x over the given axes (all when none are
// given), which are removed from the shape. NaN propagates.
//
//	d/dx = g broadcast back over the reduced axes ∘ M, where M is 1 at the
//	       first minimum of each slice (row-major order) and 0 elsewhere
func Min[T Float](x *Var[T], axes ...int) *Var[T] { return redExtremumOp("Min", x, axes, false, false) }

// MinKeepDims is Min that keeps each reduced axis with size 1.
func MinKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return redExtremumOp("MinKeepDims", x, axes, true, false)
}

// redExtremumOp is Max, Min and their keep-dims forms. The backward
// recomputes the one-hot mask from the saved input rather than keeping a
// tensor of the input's size alive between the passes.
func redExtremumOp[T Float](op string, x *Var[T], axes []int, keep, isMax bool) *Var[T] {
	defer relabel(op)
	axes = slices.Clone(axes)
	var kept *tensor.Tensor[T]
	if isMax {
		kept = tensor.MaxKeepDims(x.value, axes...)
	} else {
		kept = tensor.MinKeepDims(x.value, axes...)
	}
	keptShape, inShape := kept.Shape(), x.value.Shape()
	out := kept
	if !keep {
		out = kept.Reshape(squeeze(inShape, keptShape, axes)...)
	}
	return record(op, out, func(c *Context[T], g *Var[T]) []*Var[T] {
		var mask *tensor.Tensor[T]
		if isMax {
			mask = tensor.MaxMask(c.Input(0).value, axes...)
		} else {
			mask = tensor.MinMask(c.Input(0).value, axes...)
		}
		return []*Var[T]{Mul(Reshape(g, keptShape...), Const(mask))}
	}, x)
}

// Argmax returns, for every position of the axes other than axis, the index
// along axis of the first maximum of that slice (ties go to the smallest
// index; a NaN counts as the maximum). The indices are laid out like the
// elements of Max(x, axis), row-major over the remaining axes: for x of
// shape [2 3 4] and axis 1 there are 2·4 of them, and entry i·4+k is the
// argmax of x[i, :, k]; for an [N C] batch of scores and axis -1, entry n is
// the predicted class of sample n. It is not differentiable and records
// nothing. It panics with a *tensor.ShapeError for an axis out of range or
// of size 0.
func Argmax[T Float](x *Var[T], axis int) []int {
	defer relabel("Argmax")
	return tensor.Argmax(x.value, axis)
}

// Argmin is Argmax for the first minimum of each slice.
func Argmin[T Float](x *Var[T], axis int) []int {
	defer relabel("Argmin")
	return tensor.Argmin(x.value, axis)
}

// LogSumExp returns log Σ exp(x) over the given axes (all when none are
// given), which are removed from the shape. It is computed as
// m + log Σ exp(x - m), m the maximum of each slice, so it is finite and
// exact for large inputs (1000 + log 2 for [1000 1000]).
//
//	d/dx = g broadcast back ∘ Softmax(x) = g ∘ exp(x - O), O the saved output
//
// A slice of -Inf only gives -Inf, whose gradient is NaN (as in PyTorch). It
// panics with a *tensor.ShapeError for an axis out of range or repeated.
func LogSumExp[T Float](x *Var[T], axes ...int) *Var[T] {
	return redLogSumExpOp("LogSumExp", x, axes, false)
}

// LogSumExpKeepDims is LogSumExp that keeps each reduced axis with size 1.
func LogSumExpKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return redLogSumExpOp("LogSumExpKeepDims", x, axes, true)
}

func redLogSumExpOp[T Float](op string, x *Var[T], axes []int, keep bool) *Var[T] {
	defer relabel(op)
	kept := tensor.LogSumExpKeepDims(x.value, axes...)
	keptShape, inShape := kept.Shape(), x.value.Shape()
	out := kept
	if !keep {
		out = kept.Reshape(squeeze(inShape, keptShape, slices.Clone(axes))...)
	}
	return record(op, out, func(c *Context[T], g *Var[T]) []*Var[T] {
		softmax := Exp(Sub(c.Input(0), Reshape(c.Output(), keptShape...)))
		return []*Var[T]{Mul(Reshape(g, keptShape...), softmax)}
	}, x)
}

// Variance returns the variance of x over the given axes (all when none are
// given), which are removed from the shape:
//
//	Σ (x - mean(x))² / max(0, n - correction)
//
// where n is the number of elements in each reduced slice. correction 1 is
// the unbiased sample variance (Bessel's correction, PyTorch's default);
// correction 0 is the population variance. As in PyTorch, when n ≤ correction
// the divisor is 0 and the result is NaN (for n = 1, or any constant slice)
// or +Inf. The name avoids a clash with the type Var.
//
// It is built from MeanKeepDims, Sub, Square, Sum and Scale, whose
// derivatives give
//
//	d/dx = 2 g ∘ (x - mean(x)) / (n - correction)
//
// (the mean's own dependence on x drops out because Σ (x - mean) = 0). It
// panics with a *tensor.ShapeError for an axis out of range or repeated.
func Variance[T Float](x *Var[T], correction int, axes ...int) *Var[T] {
	return redVariance("Variance", x, correction, axes)
}

// Std returns the standard deviation of x over the given axes, the square
// root of Variance(x, correction, axes...) (see there for correction and
// for n ≤ correction).
//
//	d/dx = g ∘ (x - mean(x)) / ((n - correction) · O), O the saved output
//
// The derivative is infinite, and the gradient NaN, where the variance is 0
// (a constant slice), as in PyTorch.
func Std[T Float](x *Var[T], correction int, axes ...int) *Var[T] {
	return Pow(redVariance("Std", x, correction, axes), 0.5)
}

func redVariance[T Float](op string, x *Var[T], correction int, axes []int) *Var[T] {
	shape := x.value.Shape()
	mask := redAxesMask(op, shape, axes)
	n := 1
	for i, m := range mask {
		if m {
			n *= shape[i]
		}
	}
	d := Sub(x, MeanKeepDims(x, axes...))
	return Scale(Sum(Square(d), axes...), 1/T(max(0, n-correction)))
}

// redAxesMask validates axes against shape for the composite op (negative
// axes count from the end; none means all) and returns the mask of reduced
// axes. Its messages are those of the tensor kernels, under op's name.
func redAxesMask(op string, shape, axes []int) []bool {
	mask := make([]bool, len(shape))
	if len(axes) == 0 {
		for i := range mask {
			mask[i] = true
		}
		return mask
	}
	for _, a := range axes {
		ax := a
		if ax < 0 {
			ax += len(shape)
		}
		if ax < 0 || ax >= len(shape) {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" out of range", shape))
		}
		if mask[ax] {
			panic(shapeErr(op, "axis "+strconv.Itoa(a)+" repeated", shape))
		}
		mask[ax] = true
	}
	return mask
}
