package autograd

import (
	"math"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds the reductions beyond Sum and Mean: Max and Min (with the
// non-differentiable Argmax and Argmin), LogSumExp, Variance and Std.
//
// Ties: one rule per kind of op, PyTorch's.
//   - Max and Min (like Maximum and Minimum) split the gradient of a reduced
//     slice EVENLY among its elements equal to the extremum (each gets
//     g/count), as PyTorch's amax, amin and full max() do: the symmetric
//     subgradient, the mean of the one-hot ones. A NaN extremum is not
//     equal to anything: the first NaN of the slice takes the whole
//     gradient (PyTorch's amax gives NaN to every element of such a slice,
//     and its full max() splits the gradient among the NaNs).
//   - Ops that select one position and report it (Argmax, MaxPool2D,
//     Cummax and Cummin, Sort and TopK) route the whole gradient to that one
//     index, as PyTorch's do.

// Max returns the maximum of x over the given axes, which are removed from
// the shape; with no axes it reduces everything into a 0-d scalar. Negative
// axes count from the end. NaN propagates.
//
//	d/dx = g broadcast back over the reduced axes ∘ M, where M is 1/count at
//	       the count elements of each slice equal to its maximum (ties
//	       split evenly, as PyTorch's amax) and 0 elsewhere
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
//	d/dx = g broadcast back over the reduced axes ∘ M, where M is 1/count at
//	       the count elements of each slice equal to its minimum, 0 elsewhere
func Min[T Float](x *Var[T], axes ...int) *Var[T] { return redExtremumOp("Min", x, axes, false, false) }

// MinKeepDims is Min that keeps each reduced axis with size 1.
func MinKeepDims[T Float](x *Var[T], axes ...int) *Var[T] {
	return redExtremumOp("MinKeepDims", x, axes, true, false)
}

// redExtremumOp is Max, Min and their keep-dims forms. The result comes
// from the input's Arena; the derivative finds each slice's tied elements
// again from the saved input and output (those equal to the extremum, or
// the first NaN), so nothing of the input's size is kept between the
// passes.
func redExtremumOp[T Float](op string, x *Var[T], axes []int, keep, isMax bool) *Var[T] {
	checkOperands1(op, x)
	defer relabel(op)
	xv := x.value
	m := redMaskOf(op, xv, axes)
	redCheckNonEmpty(op, xv, m)
	ar := arenaOf(x)
	var buf [maxStackDims]int
	out := ar.tensor(redShape(buf[:0], xv, m, keep)...)
	w := newRedWalk(xv, m)
	xd, od := xv.Data(), out.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	if inner, ok := w.columns(); ok {
		// Slices side by side (x [.., n, inner] over n): row by row,
		// each row updating inner running extrema, in order.
		for o := 0; o < w.outer; o += inner {
			extOfColumns(od[o:o+inner], xd[base:], w.n, w.rs[0], isMax)
			for range inner {
				base = w.stepKept(&kidx, base)
			}
		}
		return recordExtremum(op, x, out, m, isMax)
	}
	for o := range w.outer {
		if w.nr <= 1 {
			// One reduced block (or none): a strided run.
			od[o] = extOfRun(xd[base:], w.n, w.strideOfRun(), isMax)
			base = w.stepKept(&kidx, base)
			continue
		}
		off, best := base, xd[base]
		ridx = [maxRedDims]int{}
		for range w.n - 1 {
			off = w.stepSlice(&ridx, off)
			if v := xd[off]; extBetter(v, best, isMax) {
				best = v
			}
		}
		od[o] = best
		base = w.stepKept(&kidx, base)
	}
	return recordExtremum(op, x, out, m, isMax)
}

// recordExtremum records out, the result of Max or Min of x over m.
func recordExtremum[T Float](op string, x *Var[T], out *tensor.Tensor[T], m redMask, isMax bool) *Var[T] {
	var d derivative[T]
	if needsGrad(x) {
		s := newState[extremumOp[T]](arenaOf(x))
		s.mask, s.max = m, isMax
		d = s
	}
	return recordOp(op, out, d, x)
}

// extBetter reports whether v replaces the extremum best found so far (the
// rule of the tensor kernels): only when strictly greater (smaller for a
// minimum), so that the first of tied extrema wins, or when it is the first
// NaN.
func extBetter[T Float](v, best T, isMax bool) bool {
	switch {
	case best != best:
		return false
	case v != v:
		return true
	case isMax:
		return v > best
	default:
		return v < best
	}
}

// extremumOp is the state of Max and Min: the reduced axes.
type extremumOp[T Float] struct {
	mask redMask
	max  bool
}

func (*extremumOp[T]) slot() stateSlot { return slotExtremum }

func (s *extremumOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0).value
	mask := tensor.Zeros[T](x.Shape()...)
	extremumShares(mask.Data(), x, c.out.value, s.mask, 0, 1)
	return []*Var[T]{Mul(Reshape(g, redShape(nil, x, s.mask, true)...), Const(mask))}
}

// vjp writes g·M in one sweep over each slice: backward's product with
// the mask, element by element, without the mask.
func (s *extremumOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	dst, beta := c.gradBuf(0)
	xv := c.node().inputs[0].value
	extremumShares(dst.Data(), xv, c.out.value, s.mask, beta, 0, g.Data()...)
}

// extremumShares adds M·g into d (scaled by beta first, as a gradient
// buffer: beta 0 means d holds zeros), where M is the tie mask of Max and
// Min: 1/count at the count elements of a slice equal to its extremum ext
// (the saved output), or 1 at its first NaN when ext is NaN; g holds one
// value per slice, or is empty for M itself (g = 1, with one = 1).
func extremumShares[T Float](d []T, x, ext *tensor.Tensor[T], m redMask, beta, one T, g ...T) {
	w := newRedWalk(x, m)
	xd, od := x.Data(), ext.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	if inner, ok := w.columns(); ok {
		for o := 0; o < w.outer; o += inner {
			var gs []T
			if len(g) > 0 {
				gs = g[o : o+inner]
			}
			sharesOfColumns(d[base:], xd[base:], od[o:o+inner], gs, w.n, w.rs[0], beta, one)
			for range inner {
				base = w.stepKept(&kidx, base)
			}
		}
		return
	}
	for o := range w.outer {
		target := od[o]
		gv := one
		if len(g) > 0 {
			gv = g[o]
		}
		if w.nr <= 1 {
			sharesOfRun(d[base:], xd[base:], w.n, w.strideOfRun(), target, gv, beta)
			base = w.stepKept(&kidx, base)
			continue
		}
		// Count the tied elements, then give each its share.
		count := 0
		if w.nr > 1 {
			ridx = [maxRedDims]int{}
		}
		off := base
		for e := range w.n {
			if e > 0 {
				off = w.stepSlice(&ridx, off)
			}
			if xd[off] == target {
				count++
			}
		}
		share := T(1) / T(max(count, 1))
		found := false
		if w.nr > 1 {
			ridx = [maxRedDims]int{}
		}
		off = base
		for e := range w.n {
			if e > 0 {
				off = w.stepSlice(&ridx, off)
			}
			v := xd[off]
			var mk T
			switch {
			case v == target:
				mk = share
			case v != v && target != target && !found:
				mk, found = 1, true
			}
			if beta == 0 {
				d[off] = gv * mk
			} else {
				d[off] += T(gv * mk)
			}
		}
		base = w.stepKept(&kidx, base)
	}
}

// Argmax returns, for every position of the axes other than axis, the index
// along axis of the first maximum of that slice (ties go to the smallest
// index; a NaN counts as the maximum). The indices are laid out like the
// elements of Max(x, axis), row-major over the remaining axes: for x of
// shape [2 3 4] and axis 1 there are 2·4 of them, and entry i·4+k is the
// argmax of x[i, :, k]; for an [N C] batch of scores and axis -1, entry n is
// the predicted class of sample n; a 0-d x is one element along axis 0 (or
// -1), whose index is 0. It is not differentiable and records nothing. For
// x made under an Arena the slice is the arena's, valid until
// its next Reset, so that a warm evaluation loop allocates nothing (copy
// it to keep it); otherwise it is new. It panics with a *tensor.ShapeError
// for an axis out of range or of size 0.
func Argmax[T Float](x *Var[T], axis int) []int {
	checkOperands1("Argmax", x)
	defer relabel("Argmax")
	x.checkLive("Argmax")
	p := arenaInts(x.arena)
	if p == nil {
		return tensor.Argmax(x.value, axis)
	}
	*p = tensor.ArgmaxInto(*p, x.value, axis)
	return *p
}

// Argmin is Argmax for the first minimum of each slice.
func Argmin[T Float](x *Var[T], axis int) []int {
	checkOperands1("Argmin", x)
	defer relabel("Argmin")
	x.checkLive("Argmin")
	p := arenaInts(x.arena)
	if p == nil {
		return tensor.Argmin(x.value, axis)
	}
	*p = tensor.ArgminInto(*p, x.value, axis)
	return *p
}

// intsPool is an Arena's pool of index slices, kept in its states array
// (a resetter under slotInts): the slices Argmax and Argmin returned this
// step, handed out again in order after Reset, each with the capacity it
// grew to.
type intsPool struct {
	items [][]int
	n     int
}

func (p *intsPool) reset() { p.n = 0 }

// arenaInts returns the arena's next index slice, for the caller to
// overwrite and store back, or nil when ar is nil.
func arenaInts[T Float](ar *Arena[T]) *[]int {
	if ar == nil {
		return nil
	}
	pool, _ := ar.states[slotInts].(*intsPool)
	if pool == nil {
		pool = new(intsPool)
		ar.states[slotInts] = pool
	}
	if pool.n == len(pool.items) {
		pool.items = append(pool.items, nil)
	}
	pool.n++
	return &pool.items[pool.n-1]
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

// redLogSumExpOp is LogSumExp and its keep-dims form, computed as the
// tensor kernel does (float64 sums of e^(x - m) in row-major order), into a
// result from the input's Arena.
func redLogSumExpOp[T Float](op string, x *Var[T], axes []int, keep bool) *Var[T] {
	checkOperands1(op, x)
	defer relabel(op)
	xv := x.value
	m := redMaskOf(op, xv, axes)
	ar := arenaOf(x)
	var buf [maxStackDims]int
	out := ar.tensor(redShape(buf[:0], xv, m, keep)...)
	w := newRedWalk(xv, m)
	xd, od := xv.Data(), out.Data()
	var kidx [maxRedDims]int
	base := 0
	for o := range w.outer {
		od[o] = lseSlice(&w, xd, base)
		base = w.stepKept(&kidx, base)
	}
	var d derivative[T]
	if needsGrad(x) {
		s := newState[logSumExpOp[T]](ar)
		s.mask = m
		d = s
	}
	return recordOp(op, out, d, x)
}

// lseSlice returns log Σ e^x over the slice of w at base, as the tensor
// kernel computes it: shifted by the slice's first maximum (by 0 when that
// is infinite, or for an empty slice, which gives -Inf), summed in float64.
func lseSlice[T Float](w *redWalk, x []T, base int) T {
	if w.n == 0 {
		return T(math.Inf(-1))
	}
	var ridx [maxRedDims]int
	off, mx := base, x[base]
	for range w.n - 1 {
		off = w.stepSlice(&ridx, off)
		if v := x[off]; extBetter(v, mx, true) {
			mx = v
		}
	}
	shift := float64(mx)
	if math.IsInf(shift, 0) {
		shift = 0
	}
	ridx = [maxRedDims]int{}
	off = base
	var sum float64
	for e := range w.n {
		if e > 0 {
			off = w.stepSlice(&ridx, off)
		}
		sum += math.Exp(float64(x[off]) - shift)
	}
	return T(math.Log(sum) + shift)
}

// logSumExpOp is the state of LogSumExp: the reduced axes.
type logSumExpOp[T Float] struct{ mask redMask }

func (*logSumExpOp[T]) slot() stateSlot { return slotLogSumExp }

func (s *logSumExpOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	if x.value.Len() == 0 { // no elements, no gradient (and no maximum to take)
		return []*Var[T]{Const(tensor.Zeros[T](x.value.Shape()...))}
	}
	axes := s.mask.axes(x.value.Dims())
	m := tensor.Map(tensor.MaxKeepDims(x.value, axes...), lseShift[T])
	z := Sub(x, Const(m))
	softmax := Exp(Sub(z, LogSumExpKeepDims(z, axes...)))
	return []*Var[T]{Mul(Reshape(g, redShape(nil, x.value, s.mask, true)...), softmax)}
}

// lseShift is the constant the derivative of LogSumExp subtracts from a
// slice: its maximum, or 0 where that is ±Inf or NaN, as the forward kernel
// shifts.
func lseShift[T Float](v T) T {
	if v-v != 0 {
		return 0
	}
	return v
}

// vjp is backward's arithmetic: the softmax weights of each slice
// (lseWeights) in a full-size buffer (the gradient's own when it is fresh),
// then the product with g broadcast back.
func (s *logSumExpOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	if xv.Len() == 0 {
		c.zeroGrads()
		return
	}
	dst, beta := c.gradBuf(0)
	t := dst
	if beta != 0 {
		t = c.p.arena.like(xv)
	}
	lseWeights(t, xv, s.mask)
	d, gs, td := dst.Data(), g.Data(), t.Data()
	forRuns(xv, s.mask, func(off, n, ko, kstep int) {
		dr, tr := d[off:off+n], td[off:off+n]
		for j := range dr {
			v := T(gs[ko+j*kstep] * tr[j]) // T(): no fused multiply-add below
			if beta == 0 {
				dr[j] = v
			} else {
				dr[j] += v
			}
		}
	})
}

// lseWeights sets t (x's shape, not empty) to the softmax of x over each
// slice of m, with backward's arithmetic slice by slice: z = x minus the
// slice's shift (lseShift of its maximum), then z - LSE(z), then e^ of it
// with the Exp op's kernel.
func lseWeights[T Float](t, xv *tensor.Tensor[T], m redMask) {
	w := newRedWalk(xv, m)
	xd, td := xv.Data(), t.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	for range w.outer {
		off, mx := base, xd[base]
		if w.nr > 1 {
			ridx = [maxRedDims]int{}
		}
		for range w.n - 1 {
			off = w.stepSlice(&ridx, off)
			if v := xd[off]; extBetter(v, mx, true) {
				mx = v
			}
		}
		shift := lseShift(mx)
		ridx, off = [maxRedDims]int{}, base
		for e := range w.n {
			if e > 0 {
				off = w.stepSlice(&ridx, off)
			}
			td[off] = xd[off] - shift
		}
		lz := lseSlice(&w, td, base)
		ridx, off = [maxRedDims]int{}, base
		for e := range w.n {
			if e > 0 {
				off = w.stepSlice(&ridx, off)
			}
			td[off] -= lz
		}
		base = w.stepKept(&kidx, base)
	}
	tensor.ExpInto(t, t)
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
// Where the standard deviation is 0 (a constant slice) the derivative does not
// exist; the gradient there is +0, whatever arrives, and so is the tangent
// of forward mode, as PyTorch's masked_fill makes them. Like Variance it works on each slice
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
//
// The steps are those of the tensor operations Div, MeanKeepDims, Sub, Mul,
// SumKeepDims, Scale, Sqrt and Mul, with the same sums (tensor.SumToInto),
// done in place in an arena scratch of x's size; the scales are kept in an
// arena tensor for the derivative.
func redVariance[T Float](op string, x *Var[T], correction int, axes []int, std bool) *Var[T] {
	checkOperands1(op, x)
	defer relabel(op)
	xv := x.value
	m := redMaskOf(op, xv, axes)
	n := redCount(xv, m)
	inv := 1 / T(max(0, n-correction))
	ar := arenaOf(x)
	var buf [maxStackDims]int
	keptShape := redShape(buf[:0], xv, m, true)
	sc := ar.tensor(keptShape...)
	redScale(sc, xv, m)
	t := ar.like(xv)
	mean := ar.tensor(keptShape...)
	varScaledMean(t, mean, xv, sc, m)
	td, md := t.Data(), mean.Data()
	forRuns(xv, m, func(off, n, ko, kstep int) {
		for j, v := range td[off : off+n] {
			d := v - md[ko+j*kstep]
			td[off+j] = d * d
		}
	})
	kept, out := redKept(ar, xv, m, false)
	tensor.SumToInto(kept, t, 1, 0)
	kd, sd := kept.Data(), sc.Data()
	for i, v := range kd {
		v = inv * v // V(xs)
		if std {
			kd[i] = T(math.Sqrt(float64(v))) * sd[i]
		} else {
			kd[i] = T(v*sd[i]) * sd[i]
		}
	}
	copy(out.Data(), kd)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[varianceOp[T]](ar)
		s.mask, s.inv, s.std, s.scale = m, inv, std, sc
		d = s
	}
	return recordOp(op, out, d, x)
}

// varScaledMean sets t = x/s (s broadcast over the reduced axes) and mean to
// its mean over them, as tensor.MeanKeepDims computes it.
func varScaledMean[T Float](t, mean, x, s *tensor.Tensor[T], m redMask) {
	td, xd, sd := t.Data(), x.Data(), s.Data()
	forRuns(x, m, func(off, n, ko, kstep int) {
		for j, v := range xd[off : off+n] {
			td[off+j] = v / sd[ko+j*kstep]
		}
	})
	tensor.SumToInto(mean, t, 1, 0)
	if md := mean.Data(); len(md) > 0 {
		count := T(t.Len() / len(md))
		for i := range md {
			md[i] /= count
		}
	}
}

// varianceOp is the state of Variance and Std: the reduced axes, the
// factor 1/(n - correction) and the per-slice scales.
type varianceOp[T Float] struct {
	mask  redMask
	inv   T
	std   bool
	scale *tensor.Tensor[T] // keep-dims shape
}

func (*varianceOp[T]) slot() stateSlot { return slotVariance }

func (s *varianceOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	x := c.Input(0)
	axes := s.mask.axes(x.value.Dims())
	keptShape := s.scale.Shape()
	sc := Const(s.scale)
	xs := Div(x, sc)
	ds := Sub(xs, MeanKeepDims(xs, axes...)) // (x - mean(x))/s
	g = Reshape(g, keptShape...)
	if s.std {
		o := Div(Reshape(c.Output(), keptShape...), sc) // O/s
		flags := elemFlags(o.value, func(v T) bool { return v != 0 })
		if !slices.Contains(flags, false) {
			return []*Var[T]{Mul(g, Div(Scale(ds, s.inv), o))}
		}
		// A constant slice (O = 0) passes +0 whatever g is (see Std), and
		// divides by 1 rather than 0, so that no NaN reaches a gradient of
		// this gradient either.
		m := tensor.MustMask(flags, keptShape...)
		return []*Var[T]{Where(m, Mul(g, Div(Scale(ds, s.inv), Where(m, o, Scalar(T(1))))), Scalar(T(0)))}
	}
	return []*Var[T]{Mul(g, Mul(Scale(ds, 2*s.inv), sc))}
}

// varPartial is the partial derivative of Variance (or of Std, when std
// is set) with respect to one element of x, given its deviation from the
// slice's mean on the slice divided by its scale sc (ds = x/sc -
// mean(x/sc)), the saved output o and inv = 1/(n - correction):
// 2·inv·ds·sc, or inv·ds/(o/sc) for Std.
func varPartial[T Float](ds, o, sc, inv T, std bool) T {
	if std {
		return T(inv*ds) / T(o/sc)
	}
	return T((2*inv)*ds) * sc
}

// vjp is backward's arithmetic element by element: xs and its mean as the
// forward pass computes them (in the gradient's own buffer when it is
// fresh), then one sweep.
func (s *varianceOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	xv := c.node().inputs[0].value
	dst, beta := c.gradBuf(0)
	t := dst
	if beta != 0 {
		t = c.p.arena.like(xv)
	}
	var buf [maxStackDims]int
	mean := c.p.arena.tensor(redShape(buf[:0], xv, s.mask, true)...)
	varScaledMean(t, mean, xv, s.scale, s.mask)
	td, md, sd, od, gs, d := t.Data(), mean.Data(), s.scale.Data(), c.out.value.Data(), g.Data(), dst.Data()
	inv, std := s.inv, s.std
	forRuns(xv, s.mask, func(off, n, ko, kstep int) {
		for j := range n {
			k := ko + j*kstep
			v := selGradElem(!std || od[k] != 0, gs[k]*T(varPartial(td[off+j]-md[k], od[k], sd[k], inv, std)))
			if beta == 0 {
				d[off+j] = v
			} else {
				d[off+j] += T(v)
			}
		}
	})
}

// redScale sets s, of the keep-dims shape of x reduced over m, to the power
// of two 2^(e-1) for each slice whose largest |x| is f·2^e with f in
// [0.5, 1): dividing by it puts that element in [1, 2) exactly, and it is
// representable even for the largest and smallest floats. It is 1 for a
// slice of zeros, one that holds ±Inf or NaN (which propagate unscaled), and
// for an empty slice.
func redScale[T Float](s, x *tensor.Tensor[T], m redMask) {
	w := newRedWalk(x, m)
	xd, sd := x.Data(), s.Data()
	var kidx, ridx [maxRedDims]int
	base := 0
	for o := range w.outer {
		sd[o] = 1
		if w.n > 0 {
			off, mx := base, T(math.Abs(float64(xd[base])))
			if w.nr > 1 {
				ridx = [maxRedDims]int{}
			}
			for range w.n - 1 {
				off = w.stepSlice(&ridx, off)
				if v := T(math.Abs(float64(xd[off]))); extBetter(v, mx, true) {
					mx = v
				}
			}
			if f := float64(mx); f != 0 && !math.IsInf(f, 0) && !math.IsNaN(f) {
				_, e := math.Frexp(f)
				sd[o] = T(math.Ldexp(1, e-1))
			}
		}
		base = w.stepKept(&kidx, base)
	}
}
