package autograd

import (
	"math"
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
//	d/dx = g broadcast back ∘ Softmax(x) = g ∘ exp(x - m - LogSumExp(x - m))
//
// with the constant m (the slice's maximum, or 0 where that is ±Inf or NaN)
// taken out first. exp(x - O), O the saved output, would be the same
// number, but O has lost the digits of log Σ exp(x - m) ≤ log n beside a
// large m: the gradient of LogSumExp([1e30 1e30]) would be [1 1] instead of
// [0.5 0.5], in float32 already for inputs near 1e7 (PyTorch 1.13 has that
// error). A slice of -Inf only gives -Inf, whose gradient is NaN (as in
// PyTorch), and so does a +Inf element. It panics with a
// *tensor.ShapeError for an axis out of range or repeated.
func LogSumExp[T Float](x *Var[T], axes ...int) *Var[T] {
	return redLogSumExpOp("LogSumExp", x, axes, false)
}

// LogSumExpKeepDims is LogSumExp that keeps each reduced axis with size 1.
func LogSumExpKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return redLogSumExpOp("LogSumExpKeepDims", x, axes, true)
}

func redLogSumExpOp[T Float](op string, x *Var[T], axes []int, keep bool) *Var[T] {
	defer relabel(op)
	axes = slices.Clone(axes)
	kept := tensor.LogSumExpKeepDims(x.value, axes...)
	keptShape, inShape := kept.Shape(), x.value.Shape()
	out := kept
	if !keep {
		out = kept.Reshape(squeeze(inShape, keptShape, axes)...)
	}
	return record(op, out, func(c *Context[T], g *Var[T]) []*Var[T] {
		x := c.Input(0)
		if x.value.Len() == 0 { // no elements, no gradient (and no maximum to take)
			return []*Var[T]{Const(tensor.Zeros[T](inShape...))}
		}
		m := tensor.Map(tensor.MaxKeepDims(x.value, axes...), func(v T) T {
			if v-v != 0 { // ±Inf or NaN: shift by 0, as the forward kernel does
				return 0
			}
			return v
		})
		z := Sub(x, Const(m))
		softmax := Exp(Sub(z, LogSumExpKeepDims(z, axes...)))
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
//	d/dx = 2 g ∘ (x - mean(x)) / (n - correction)
//
// (the mean's own dependence on x drops out because Σ (x - mean) = 0). Each
// slice is computed divided by a power of two near its largest |x| and the
// result scaled back, which changes no digit of an ordinary result but keeps
// the mean, the squares and their sum from overflowing or underflowing on the
// way: the variance is finite wherever its true value is (0 for [1e308
// 1e308], where Σx overflows), and so is the gradient. It panics with a
// *tensor.ShapeError for an axis out of range or repeated.
func Variance[T Float](x *Var[T], correction int, axes ...int) *Var[T] {
	return redVariance("Variance", x, correction, axes, false)
}

// Std returns the standard deviation of x over the given axes, the square
// root of Variance(x, correction, axes...) (see there for correction and
// for n ≤ correction).
//
//	d/dx = g ∘ (x - mean(x)) / ((n - correction) · O), O the saved output
//
// The derivative is infinite, and the gradient NaN, where the variance is 0
// (a constant slice), as in PyTorch. Like Variance it works on each slice
// divided by a power of two, so it is finite and accurate wherever its true
// value is, even when the variance itself would overflow or underflow (the
// Std of float32 [1e30 -1e30] is 1.41e30, of float64 [1e-200 -1e-200]
// 1.41e-200); its derivative, which is scale-free, is computed on the scaled
// slice too.
func Std[T Float](x *Var[T], correction int, axes ...int) *Var[T] {
	return redVariance("Std", x, correction, axes, true)
}

// redVariance is Variance (std false) and Std (std true). With s the
// per-slice scale of redScale, xs = x/s is exact and of order 1, and
//
//	Variance(x) = s·s·V(xs),  Std(x) = s·√V(xs),  x - mean(x) = s·(xs - mean(xs))
//
// hold exactly in floating point, V being the plain two-pass variance, as
// long as the results are representable. s is a constant: the identities
// hold for any s, so differentiating with s fixed gives the derivative.
func redVariance[T Float](op string, x *Var[T], correction int, axes []int, std bool) *Var[T] {
	defer relabel(op)
	shape := x.value.Shape()
	mask := redAxesMask(op, shape, axes)
	n := 1
	for i, m := range mask {
		if m {
			n *= shape[i]
		}
	}
	inv := 1 / T(max(0, n-correction))
	axes = slices.Clone(axes)
	s := redScale(x.value, axes, n)
	keptShape := s.Shape()
	xs := tensor.Div(x.value, s)
	d := tensor.Sub(xs, tensor.MeanKeepDims(xs, axes...))
	v := tensor.Scale(tensor.SumKeepDims(tensor.Mul(d, d), axes...), inv) // V(xs)
	var out *tensor.Tensor[T]
	if std {
		out = tensor.Mul(tensor.Sqrt(v), s)
	} else {
		out = tensor.Mul(tensor.Mul(v, s), s)
	}
	out = out.Reshape(squeeze(shape, keptShape, axes)...)
	return record(op, out, func(c *Context[T], g *Var[T]) []*Var[T] {
		sc := Const(s)
		xs := Div(c.Input(0), sc)
		ds := Sub(xs, MeanKeepDims(xs, axes...)) // (x - mean(x))/s
		g = Reshape(g, keptShape...)
		if std {
			o := Div(Reshape(c.Output(), keptShape...), sc) // O/s
			return []*Var[T]{Mul(g, Div(Scale(ds, inv), o))}
		}
		return []*Var[T]{Mul(g, Mul(Scale(ds, 2*inv), sc))}
	}, x)
}

// redScale returns, in the keep-dims shape of a reduction of x over axes,
// the power of two 2^(e-1) for each slice whose largest |x| is f·2^e with
// f in [0.5, 1): dividing by it puts that element in [1, 2) exactly, and it
// is representable even for the largest and smallest floats. It is 1 for a
// slice of zeros, one that holds ±Inf or NaN (which propagate unscaled), and
// when a reduced axis is empty (n = 0).
func redScale[T Float](x *tensor.Tensor[T], axes []int, n int) *tensor.Tensor[T] {
	if n == 0 {
		shape := x.Shape()
		for i, m := range redAxesMask("", shape, axes) {
			if m {
				shape[i] = 1
			}
		}
		return tensor.Ones[T](shape...)
	}
	return tensor.Map(tensor.MaxKeepDims(tensor.Abs(x), axes...), func(m T) T {
		f := float64(m)
		if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return 1
		}
		_, e := math.Frexp(f)
		return T(math.Ldexp(1, e-1))
	})
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
