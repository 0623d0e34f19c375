package tensor

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
	"github.com/adjoint-go/adjoint/tensor/internal/vmath"
)

// This file holds the reductions that select an element (Max, Min, Argmax,
// Argmin and the one-hot masks that are their subgradients) and the kernels
// that subtract a maximum to stay finite: LogSumExp, Softmax, LogSoftmax.
//
// Ties: every selecting reduction picks the FIRST extremum of each reduced
// slice in row-major order. NaN propagates as in NumPy and PyTorch: a slice
// that contains NaN has maximum and minimum NaN, and its first NaN is the
// element selected.

// Max returns the maximum over the given axes, which are removed from the
// shape; with no axes it reduces everything into a 0-d tensor. Negative axes
// count from the end. NaN propagates. It panics with a *ShapeError for an
// axis out of range or repeated, and for a reduced axis of size 0 (the
// maximum of nothing is undefined).
func Max[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	mask := normalizeAxes("Max", t.shape, axes)
	return squeezeReduced(redReduceExtremum("Max", t, mask, true), t.shape, mask)
}

// MaxKeepDims is Max that keeps each reduced axis with size 1.
func MaxKeepDims[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return redReduceExtremum("Max", t, normalizeAxes("Max", t.shape, axes), true)
}

// Min returns the minimum over the given axes (all when none are given),
// which are removed from the shape. NaN propagates. It panics like Max.
func Min[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	mask := normalizeAxes("Min", t.shape, axes)
	return squeezeReduced(redReduceExtremum("Min", t, mask, false), t.shape, mask)
}

// MinKeepDims is Min that keeps each reduced axis with size 1.
func MinKeepDims[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return redReduceExtremum("Min", t, normalizeAxes("Min", t.shape, axes), false)
}

// MaxMask returns a tensor of t's shape that holds 1 at the first maximum
// (in row-major order) of each slice reduced over the given axes, and 0
// everywhere else: the subgradient of Max that sends the whole gradient of a
// slice to one element, the same element Argmax reports. It panics like Max.
func MaxMask[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return redMask("Max", t, axes, true)
}

// MinMask is MaxMask for the first minimum of each slice.
func MinMask[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return redMask("Min", t, axes, false)
}

// Argmax returns, for every position of the axes other than axis, the index
// along axis of the first maximum of that slice (a NaN counts as the
// maximum). The result has one entry per element of Max(t, axis), in the
// same row-major order: for t of shape [2 3 4] and axis 1 it has 2·4 entries
// and entry i·4+k is the argmax of t[i, :, k]. A 1-D t gives one index, and
// so does a 0-d t, one element along axis 0 or -1 (0, as torch.argmax). It
// panics with a *ShapeError for an axis out of range or of size 0.
func Argmax[T Float](t *Tensor[T], axis int) []int { return redArg("Argmax", nil, t, axis, true) }

// Argmin is Argmax for the first minimum of each slice.
func Argmin[T Float](t *Tensor[T], axis int) []int { return redArg("Argmin", nil, t, axis, false) }

// ArgmaxInto is Argmax written into dst's memory: it returns dst[:0] with
// the indices appended, so that a loop (the predicted classes of every
// batch) can reuse one slice and allocate nothing once it is long enough.
func ArgmaxInto[T Float](dst []int, t *Tensor[T], axis int) []int {
	return redArg("ArgmaxInto", dst, t, axis, true)
}

// ArgminInto is ArgmaxInto for the first minimum of each slice.
func ArgminInto[T Float](dst []int, t *Tensor[T], axis int) []int {
	return redArg("ArgminInto", dst, t, axis, false)
}

// LogSumExp returns log(Σ exp(t)) over the given axes (all when none are
// given), which are removed from the shape. It subtracts each slice's maximum
// m before exponentiating, log Σ exp(t) = m + log Σ exp(t - m), so that it is
// finite and exact for large inputs (LogSumExp of [1000 1000] is 1000+log 2).
// A slice of -Inf only (or an empty slice) gives -Inf, one containing +Inf
// gives +Inf, and NaN propagates. It panics with a *ShapeError for an axis
// out of range or repeated.
func LogSumExp[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	mask := normalizeAxes("LogSumExp", t.shape, axes)
	return squeezeReduced(redLogSumExp(t, mask), t.shape, mask)
}

// LogSumExpKeepDims is LogSumExp that keeps each reduced axis with size 1.
func LogSumExpKeepDims[T Float](t *Tensor[T], axes ...int) *Tensor[T] {
	return redLogSumExp(t, normalizeAxes("LogSumExp", t.shape, axes))
}

// Softmax returns exp(t) / Σ exp(t) along axis (negative counts from the
// end), computed as exp(t - m) / Σ exp(t - m) with m the maximum of each
// slice, so that it never overflows: Softmax of [1000 -1000] is exactly
// [1 0]. Every slice sums to 1; a 0-d t is one element along axis 0 or -1,
// whose softmax is 1, as in torch. It panics with a *ShapeError for an axis
// out of range.
func Softmax[T Float](t *Tensor[T], axis int) *Tensor[T] {
	return redSoftmax("Softmax", t, axis, false)
}

// LogSoftmax returns log(Softmax(t, axis)), computed as t - m - log Σ
// exp(t - m) with m the maximum of each slice: finite wherever t is (it is
// exactly [0 -2000] for [1000 -1000]), where the naive log of a softmax
// would give -Inf. It panics with a *ShapeError for an axis out of range.
func LogSoftmax[T Float](t *Tensor[T], axis int) *Tensor[T] {
	return redSoftmax("LogSoftmax", t, axis, true)
}

// redBetter reports whether v replaces the current extremum best: only when
// it is strictly greater (smaller for a minimum), so that the first of tied
// extrema wins, or when it is the first NaN.
func redBetter[T Float](v, best T, isMax bool) bool {
	switch {
	case best != best: // a NaN was already selected
		return false
	case v != v:
		return true
	case isMax:
		return v > best
	default:
		return v < best
	}
}

// redExtremum finds the first extremum of every slice of t reduced over the
// masked axes. It returns the keep-dims values and, per output element, the
// flat offset in t of the element selected (-1 for an empty slice, whose
// value is left 0).
func redExtremum[T Float](t *Tensor[T], mask []bool, isMax bool) (*Tensor[T], []int) {
	kept := keptShape(t.shape, mask)
	n, _ := numElements(kept)
	out := &Tensor[T]{data: make([]T, n), shape: kept}
	arg := make([]int, n)
	for i := range arg {
		arg[i] = -1
	}
	st := stridesIn(t.shape, t.shape)
	so := stridesIn(kept, t.shape)
	step := 0
	if len(so) > 0 {
		step = so[len(so)-1]
	}
	// Visiting t in row-major order visits each slice in row-major order, so
	// replacing only on a strict improvement keeps the first extremum.
	forRows(t.shape, [][]int{st, so}, func(offs []int, rowLen int) {
		src := t.data[offs[0] : offs[0]+rowLen]
		for i, v := range src {
			o := offs[1] + i*step
			if arg[o] < 0 || redBetter(v, out.data[o], isMax) {
				out.data[o] = v
				arg[o] = offs[0] + i
			}
		}
	})
	return out, arg
}

// redCheckNonEmpty panics when one of the masked axes has size 0.
func redCheckNonEmpty(op string, shape []int, mask []bool) {
	for i, m := range mask {
		if m && shape[i] == 0 {
			panic(shapeErr(op, "cannot reduce over axis "+strconv.Itoa(i)+" of size 0", shape))
		}
	}
}

func redReduceExtremum[T Float](op string, t *Tensor[T], mask []bool, isMax bool) *Tensor[T] {
	redCheckNonEmpty(op, t.shape, mask)
	out, _ := redExtremum(t, mask, isMax)
	return out
}

func redMask[T Float](op string, t *Tensor[T], axes []int, isMax bool) *Tensor[T] {
	mask := normalizeAxes(op, t.shape, axes)
	redCheckNonEmpty(op, t.shape, mask)
	_, arg := redExtremum(t, mask, isMax)
	out := Zeros[T](t.shape...)
	for _, off := range arg {
		out.data[off] = 1
	}
	return out
}

// redArg is Argmax (isMax) or Argmin into dst[:0]: for each position of
// the axes before and after axis, the slice along axis is scanned in
// order, replacing the best only on a strict improvement (redBetter), so
// that the first extremum wins, as in redExtremum.
func redArg[T Float](op string, dst []int, t *Tensor[T], axis int, isMax bool) []int {
	ax, outer, n, inner := alongAxis(op, t.shape, axis) // a 0-d t is one element along axis 0
	if n == 0 {
		panic(shapeErr(op, "cannot reduce over axis "+strconv.Itoa(ax)+" of size 0", t.shape))
	}
	if dst == nil {
		dst = []int{} // an empty result is empty, not nil, as ever
	}
	dst = slices.Grow(dst[:0], outer*inner)[:outer*inner]
	for o := range outer {
		base := t.data[o*n*inner : (o+1)*n*inner]
		for k := range inner {
			best, arg := base[k], 0
			for i := 1; i < n; i++ {
				if v := base[i*inner+k]; redBetter(v, best, isMax) {
					best, arg = v, i
				}
			}
			dst[o*inner+k] = arg
		}
	}
	return dst
}

// redShift returns the amount subtracted from a slice before exponentiating:
// its maximum, or 0 when the maximum is infinite or the slice empty (so that
// -Inf - -Inf never makes a NaN; the sums below then give ±Inf as they
// should). A NaN maximum is kept and propagates.
func redShift[T Float](m T, arg int) float64 {
	if arg < 0 || math.IsInf(float64(m), 0) {
		return 0
	}
	return float64(m)
}

func redLogSumExp[T Float](t *Tensor[T], mask []bool) *Tensor[T] {
	out, arg := redExtremum(t, mask, true)
	shift := make([]float64, len(out.data))
	for i, m := range out.data {
		shift[i] = redShift(m, arg[i])
	}
	sum := make([]float64, len(out.data))
	st := stridesIn(t.shape, t.shape)
	so := stridesIn(out.shape, t.shape)
	step := 0
	if len(so) > 0 {
		step = so[len(so)-1]
	}
	forRows(t.shape, [][]int{st, so}, func(offs []int, rowLen int) {
		for i, v := range t.data[offs[0] : offs[0]+rowLen] {
			o := offs[1] + i*step
			sum[o] += math.Exp(float64(v) - shift[o])
		}
	})
	for i, s := range sum {
		out.data[i] = T(math.Log(s) + shift[i])
	}
	return out
}

// SoftmaxInto sets dst to Softmax(t, axis), bit for bit, without
// allocating. dst must have t's shape; it may be t itself (the softmax is
// then computed in place, with the same bits) but must not overlap it
// otherwise. It panics with a *ShapeError for an axis out of range, a dst
// of another shape, or a dst that overlaps t without being it.
func SoftmaxInto[T Float](dst, t *Tensor[T], axis int) {
	checkInto("SoftmaxInto", dst, t)
	sameOrApartInto("SoftmaxInto", dst, t)
	redSoftmaxInto("Softmax", dst, t, axis, false)
}

// LogSoftmaxInto sets dst to LogSoftmax(t, axis), bit for bit, without
// allocating. dst may be t, as for SoftmaxInto, and it panics as
// SoftmaxInto does.
func LogSoftmaxInto[T Float](dst, t *Tensor[T], axis int) {
	checkInto("LogSoftmaxInto", dst, t)
	sameOrApartInto("LogSoftmaxInto", dst, t)
	redSoftmaxInto("LogSoftmax", dst, t, axis, true)
}

// redSoftmax is Softmax and LogSoftmax into a new tensor.
func redSoftmax[T Float](op string, t *Tensor[T], axis int, log bool) *Tensor[T] {
	out := &Tensor[T]{data: make([]T, len(t.data)), shape: append([]int{}, t.shape...)}
	redSoftmaxInto(op, out, t, axis, log)
	return out
}

// softmaxAxis returns the sizes of t's axes before axis, of axis, and after
// it, as [outer, n, inner]: the layout in which Softmax and LogSoftmax work
// (and their derivatives too), each slice being n elements inner apart. A
// negative axis counts from the end, and a 0-d shape is one element along
// axis 0 or -1, as in torch; it panics with a *ShapeError naming op for an
// axis out of range.
func softmaxAxis(op string, shape []int, axis int) (outer, n, inner int) {
	_, outer, n, inner = alongAxis(op, shape, axis)
	return outer, n, inner
}

// redSoftmaxInto is Softmax and LogSoftmax into dst. It views t as
// [outer, n, inner] with n the size of axis: with inner 1 each slice is a
// contiguous row (softmaxRow); otherwise each of the inner columns of a
// slice is worked on in turn, its elements inner apart. Sums are
// accumulated in float64.
func redSoftmaxInto[T Float](op string, dst, t *Tensor[T], axis int, log bool) {
	outer, n, inner := softmaxAxis(op, t.shape, axis)
	if len(t.data) == 0 {
		return
	}
	y := dst.data[:len(t.data)]
	if inner == 1 {
		for o := range outer {
			softmaxRow(y[o*n:(o+1)*n], t.data[o*n:(o+1)*n], log)
		}
		return
	}
	for o := range outer {
		x, y := t.data[o*n*inner:(o+1)*n*inner], y[o*n*inner:(o+1)*n*inner]
		for k := range inner {
			m := x[k]
			for i := 1; i < n; i++ {
				if v := x[i*inner+k]; redBetter(v, m, true) {
					m = v
				}
			}
			var s float64
			for i := range n {
				e := math.Exp(float64(x[i*inner+k]) - float64(m))
				s += e
				if !log {
					y[i*inner+k] = T(e)
				}
			}
			for i := range n {
				if log {
					y[i*inner+k] = T(float64(x[i*inner+k]) - float64(m) - math.Log(s))
				} else {
					y[i*inner+k] = T(float64(y[i*inner+k]) / s)
				}
			}
		}
	}
}

// softmaxRow is redSoftmax over one contiguous row: dst = softmax(x) or
// log-softmax(x). It returns the row's maximum and Σ e^(x−max), from which
// the log-sum-exp is max + log Σ.
//
// The maximum is first found by softmaxMax, exact for rows without NaNs. When the sum
// then comes out NaN (the row holds a NaN or +Inf, or is all -Inf), the row
// is redone with redBetter's maximum, the row's first NaN as Max picks it.
// Otherwise both maxima have the same value; at most the sign of a zero
// differs, which no result depends on (e^±0 is 1, and two zeros tied for
// the maximum make Σ ≥ 2, so that ±0 − log Σ is −log Σ). Rows of at most
// tileLen elements go through softmaxTile, longer ones through
// softmaxFinish; both round the same float64 values in the same order, so
// every path gives the same bits.
func softmaxRow[T Float](dst, x []T, log bool) (m T, s float64) {
	dst = dst[:len(x)]
	m = softmaxMax(x)
	switch {
	case len(x) <= 32:
		var buf [32]float64
		s = softmaxTile(dst, x, m, log, buf[:len(x)])
	case len(x) <= 64:
		var buf [64]float64
		s = softmaxTile(dst, x, m, log, buf[:len(x)])
	case len(x) <= 128:
		var buf [128]float64
		s = softmaxTile(dst, x, m, log, buf[:len(x)])
	case len(x) <= tileLen:
		var buf [tileLen]float64
		s = softmaxTile(dst, x, m, log, buf[:len(x)])
	default:
		s = softmaxFinish(dst, x, m, log)
	}
	if s == s {
		return m, s
	}
	m = x[0]
	for _, v := range x[1:] {
		if redBetter(v, m, true) {
			m = v
		}
	}
	return m, softmaxFinish(dst, x, m, log)
}

// softmaxMax returns the maximum of x (len(x) ≥ 1) when x holds no NaN;
// otherwise a NaN or an element of x, which softmaxRow's NaN sum then
// replaces. A float32 row goes through vmath.Max32 (vectorized); others
// keep four independent running maxima so that the compares do not wait
// on each other.
func softmaxMax[T Float](x []T) T {
	if xs, ok := any(x).([]float32); ok {
		return T(vmath.Max32(xs))
	}
	m0 := x[0]
	m1, m2, m3 := m0, m0, m0
	i := 1
	for ; i+4 <= len(x); i += 4 {
		b := x[i : i+4 : i+4]
		if b[0] > m0 {
			m0 = b[0]
		}
		if b[1] > m1 {
			m1 = b[1]
		}
		if b[2] > m2 {
			m2 = b[2]
		}
		if b[3] > m3 {
			m3 = b[3]
		}
	}
	for _, v := range x[i:] {
		if v > m0 {
			m0 = v
		}
	}
	if m1 > m0 {
		m0 = m1
	}
	if m3 > m2 {
		m2 = m3
	}
	if m2 > m0 {
		m0 = m2
	}
	return m0
}

// softmaxTile is softmaxRow's work on a row of at most tileLen elements
// given its maximum m, with b (of x's length) as float64 scratch: the bits
// of softmaxFinish, computed with one pass fewer and no tiling. It returns Σ e^(x−m); when
// that is NaN, dst holds garbage.
func softmaxTile[T Float](dst, x []T, m T, log bool, b []float64) float64 {
	b = b[:len(x)]
	dst = dst[:len(x)]
	mf := float64(m)
	xs, f32 := any(x).([]float32)
	if f32 {
		// The widening, the subtraction and Exp64 in one vectorized pass.
		vmath.ExpShift32to64(b, xs, mf)
	} else {
		for i, v := range x {
			b[i] = float64(v) - mf
		}
		vmath.Exp64(b, b)
	}
	s := sumSpan(b, 1, false)
	if log {
		ls := math.Log(s)
		for i, v := range x {
			dst[i] = T(float64(v) - mf - ls)
		}
		return s
	}
	if f32 {
		// float32(float64(float32(e)) / s): each exponential rounded to
		// float32, divided in float64 and rounded again, vectorized.
		if quoByRecip(s) {
			vmath.QuoRecipRound64to32(any(dst).([]float32), b, s)
		} else {
			vmath.QuoRound64to32(any(dst).([]float32), b, s)
		}
		return s
	}
	for i, e := range b {
		dst[i] = T(e / s)
	}
	return s
}

// softmaxFinish sets dst to softmax(x) or log-softmax(x) given the row's
// maximum m, the exponentials and their sum by expSum, and returns the sum.
// A float32 softmax row takes expSum's bits from expSumTiles32 and divides
// with vmath.Quo32 (in float64, rounded to float32).
func softmaxFinish[T Float](dst, x []T, m T, log bool) float64 {
	dst = dst[:len(x)]
	if xs, ok := any(x).([]float32); ok {
		d := any(dst).([]float32)
		if log {
			// The sum alone: dst may be x, read again below.
			s := expSumTiles32(nil, xs, float64(m))
			ls := math.Log(s)
			for i, v := range x {
				dst[i] = T(float64(v) - float64(m) - ls)
			}
			return s
		}
		s := expSumTiles32(d, xs, float64(m))
		// float32(a/s), and a NaN row's NaNs those of a/s.
		if quoByRecip(s) {
			vmath.QuoRecip32(d, d, s)
		} else {
			vmath.Quo32(d, d, s)
		}
		return s
	}
	s := expSum(dst, x, m, !log) // vectorized e^(x−m), summed pairwise in float64
	if log {
		ls := math.Log(s)
		for i, v := range x {
			dst[i] = T(float64(v) - float64(m) - ls)
		}
		return s
	}
	for i := range dst {
		dst[i] = T(float64(dst[i]) / s)
	}
	return s
}

// quoByRecip reports whether a float32 softmax row may divide its
// exponentials by their sum s with vmath's QuoRecip kernels, which give the
// bits of the division (a multiplication by 1/s and two exact corrections,
// several times faster than a division) for a finite s in [1, 2^64]: the
// sum of every row but a NaN one, as its largest term is e^0 = 1.
func quoByRecip(s float64) bool { return s >= 1 && s <= 0x1p64 }

// expSumTiles32 is expSum of a float32 row, with its bits: the same tiles
// and tree of tile sums as expSumTiles, each tile's widening, subtraction,
// exponentials and rounding to float32 in vectorized passes. The
// exponentials are stored in dst, unless dst is nil (expSum's store
// false).
func expSumTiles32(dst, x []float32, m float64) float64 {
	if len(x) <= tileLen {
		var buf [tileLen]float64
		b := buf[:len(x)]
		vmath.ExpShift32to64(b, x, m)
		if dst != nil {
			vmath.Narrow64to32(dst[:len(x)], b)
		}
		return sumSpan(b, 1, false)
	}
	h := (len(x)/2 + tileLen - 1) / tileLen * tileLen
	if dst == nil {
		return expSumTiles32(nil, x[:h], m) + expSumTiles32(nil, x[h:], m)
	}
	return expSumTiles32(dst[:h], x[:h], m) + expSumTiles32(dst[h:], x[h:], m)
}

// SoftmaxRowsVJP32 is the fused derivative of a float32 softmax along
// contiguous rows of len(t) elements (t is one row of scratch): for each
// row of the output y and its gradient g, t = g∘y, s = SumRow(t), and
// d = y∘(g − s) (beta 0) or d += y∘(g − s) (any other beta), every
// operation rounded to float32 as a plain loop rounds it. d, y and g must
// have the same length, a multiple of len(t) (0 when t is empty); d may
// be g or y but must not overlap them
// otherwise, and t must overlap none of them. It panics with a
// *ShapeError when they do not fit.
func SoftmaxRowsVJP32(d, y, g, t []float32, beta float32) {
	const op = "SoftmaxRowsVJP32"
	n := rowsVJPCheck(op, d, y, g, t)
	if n == 0 {
		return
	}
	for base := 0; base+n <= len(y); base += n {
		ys, gs, ds := y[base:base+n], g[base:base+n], d[base:base+n]
		vmath.Mul32(t, gs, ys)
		s := SumRow(t)
		if beta == 0 {
			vmath.MulSubP32(ds, ys, gs, s)
			continue
		}
		vmath.MulSubP32(t, ys, gs, s)
		for k, v := range t {
			ds[k] += v
		}
	}
}

// rowsVJPCheck panics with a *ShapeError naming op unless d, y and g of a
// row-wise softmax derivative have one length, a multiple of the row
// scratch t's, d is y or g or apart from them, and t is apart from all
// three; it returns the row length.
func rowsVJPCheck[T Float](op string, d, y, g, t []T) int {
	n := len(t)
	if len(d) != len(y) || len(g) != len(y) || (n == 0 && len(y) != 0) || (n > 0 && len(y)%n != 0) {
		badSlices(op, "d, y and g must have the same length, a multiple of t's", d, y, g, t)
	}
	if !sameOrApart(d, y) || !sameOrApart(d, g) || overlaps(t, d) || overlaps(t, y) || overlaps(t, g) {
		badSlices(op, "d must be y or g or not overlap them, and t overlap none of them", d, y, g, t)
	}
	return n
}

// LogSoftmaxRowsVJP is the fused derivative of a log-softmax along
// contiguous rows of len(t) elements (t is one row of scratch): for each
// row of the output y and its gradient g, s = SumRow(g), t = exp(y) (the
// bits of ExpInto) and d = g − t·s (beta 0) or d += g − t·s (any other
// beta), every operation rounded to T as a plain loop rounds it: the bits
// of SumToInto, ExpInto and those loops over the whole tensor. d, y and g
// must have the same length, a multiple of len(t) (0 when t is empty); d
// may be g or y but must not overlap them otherwise, and t must overlap
// none of them. It panics with a *ShapeError when they do not fit.
func LogSoftmaxRowsVJP[T Float](d, y, g, t []T, beta T) {
	const op = "LogSoftmaxRowsVJP"
	n := rowsVJPCheck(op, d, y, g, t)
	if n == 0 {
		return
	}
	for base := 0; base+n <= len(y); base += n {
		ys, gs, ds := y[base:base+n:base+n], g[base:base+n:base+n], d[base:base+n:base+n]
		s := SumRow(gs) // before d, which may be g, is written
		if is32[T]() {
			vmath.Exp32(asF32(t), asF32(ys))
		} else {
			vmath.Exp64(asF64(t), asF64(ys))
		}
		// t = e·s, then d = g − t or d += g − t, each operation rounded
		// and vectorized (vec's kernels round every operation as the
		// scalar loop does: no fused multiply-add).
		ts := t[:n:n]
		vec.ArithScalar(vec.OpMul, ts, ts, s)
		if beta == 0 {
			vec.Arith(vec.OpSub, ds, gs, ts)
			continue
		}
		vec.Arith(vec.OpSub, ts, gs, ts)
		vec.Arith(vec.OpAdd, ds, ds, ts)
	}
}

// SoftmaxCrossEntropy is the fused forward of softmax cross-entropy over the
// last axis of logits ([N C], N may be 0, or [C] for one sample): it sets
// probs to Softmax(logits, -1), bit for bit, and losses[n] to
// −LogSoftmax(logits, -1)[n, labels[n]], computed from the same row maximum
// and sum, in one pass over the data and without allocating. It panics
// with a *ShapeError, before writing anything, when probs's shape differs
// from logits's, logits is not [N C] or [C] or has no classes (C = 0 with
// N > 0), the lengths of labels and losses are not N, or a label is
// outside [0, C). probs must not share memory with logits (a loss reads
// its row of logits after the row of probs is written), nor losses with
// either.
func SoftmaxCrossEntropy[T Float](probs, logits *Tensor[T], labels []int, losses []T) {
	const op = "SoftmaxCrossEntropy"
	checkInto(op, probs, logits)
	noOverlap(op, probs, logits)
	if overlaps(losses, logits.data) || overlaps(losses, probs.data) {
		panic(shapeErr(op, "losses share memory with logits or probs", logits.shape, []int{len(losses)}))
	}
	if len(logits.shape) != 1 && len(logits.shape) != 2 {
		panic(shapeErr(op, "logits must be [N C] or [C]", logits.shape))
	}
	c, n := logits.shape[len(logits.shape)-1], 1
	if len(logits.shape) == 2 {
		n = logits.shape[0]
	}
	if c == 0 && n > 0 {
		panic(shapeErr(op, "logits have no classes", logits.shape))
	}
	if len(labels) != n || len(losses) != n {
		panic(shapeErr(op, fmt.Sprintf("%d labels and %d losses for %d samples", len(labels), len(losses), n), logits.shape))
	}
	for r, y := range labels {
		if y < 0 || y >= c {
			panic(shapeErr(op, fmt.Sprintf("label %d of sample %d outside [0, %d)", y, r, c), logits.shape))
		}
	}
	for r, y := range labels {
		x := logits.data[r*c : (r+1)*c]
		m, s := softmaxRow(probs.data[r*c:(r+1)*c], x, false)
		losses[r] = -T(float64(x[y]) - float64(m) - math.Log(s))
	}
}

// SumRow returns the sum of x in the fixed order of this package's
// reductions: the bits SumToInto (alpha 1, beta 0) writes for one slice of
// a reduction over a contiguous last axis. Fused derivative kernels use it
// to reduce one row at a time, without a scratch of the reduced shape, and
// still give the bits of the tensor reduction.
func SumRow[T Float](x []T) T { return sumSpan(x, 1, false) }
