package autograd

import "github.com/adjoint-go/adjoint/tensor"

// Forward-mode rules of the reductions of minmax.go (Max and Min,
// LogSumExp, Variance and Std): each is the transpose of its reverse
// derivative, the same weights summed against the tangent over each
// reduced slice instead of spread from the gradient.

// jvp of Max and Min is, for each reduced slice, Σ M∘t with backward's
// mask M (extremumShares): the mean of the tangent over the elements equal
// to the extremum (ties share evenly), or the tangent at the slice's first
// NaN when the extremum is NaN.
func (s *extremumOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	x, ext := c.node().inputs[0].value, c.out.value
	t := tensor.Zeros[T](x.Shape()...)
	extremumShares(t.Data(), x, ext, s.mask, 0, 1)
	tensor.MulInto(t, t, ts[0])
	return redSumKept(t, x, s.mask, ext)
}

// jvp of LogSumExp is Σ Softmax(x)∘t over each reduced slice, with the
// softmax weights of backward (shifted by the slice's maximum).
func (s *logSumExpOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv, out := c.node().inputs[0].value, c.out.value
	if xv.Len() == 0 { // no elements: constant -Inf
		return tensor.Zeros[T](out.Shape()...)
	}
	t := tensor.Zeros[T](xv.Shape()...)
	lseWeights(t, xv, s.mask)
	tensor.MulInto(t, t, ts[0])
	return redSumKept(t, xv, s.mask, out)
}

// jvp of Variance is 2·Σ (x - mean(x))∘t / (n - correction), and of Std
// that divided by 2·O (O the saved output), over each reduced slice; both
// computed on the slice divided by its scale, as backward does.
func (s *varianceOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	xv, out := c.node().inputs[0].value, c.out.value
	t := tensor.Zeros[T](xv.Shape()...)
	mean := tensor.Zeros[T](s.scale.Shape()...)
	varScaledMean(t, mean, xv, s.scale, s.mask)
	td, md, sd, od, tg := t.Data(), mean.Data(), s.scale.Data(), out.Data(), ts[0].Data()
	inv, std := s.inv, s.std
	forRuns(xv, s.mask, func(off, n, ko, kstep int) {
		for j := range n {
			k := ko + j*kstep
			td[off+j] = selGradElem(!std || od[k] != 0, varPartial(td[off+j]-md[k], od[k], sd[k], inv, std)*tg[off+j])
		}
	})
	return redSumKept(t, xv, s.mask, out)
}

// redSumKept returns t (x's shape) summed over the reduced axes of m, in
// the shape of out (the reduction's result, with or without its reduced
// axes).
func redSumKept[T Float](t, x *tensor.Tensor[T], m redMask, out *tensor.Tensor[T]) *tensor.Tensor[T] {
	var buf [maxStackDims]int
	kept := tensor.Zeros[T](redShape(buf[:0], x, m, true)...)
	tensor.SumToInto(kept, t, 1, 0)
	return kept.Reshape(out.Shape()...)
}
