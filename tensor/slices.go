package tensor

import (
	"fmt"
	"math"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// The elementwise kernels on plain slices, for the fused derivatives of
// other packages (a normalization's backward works on one row at a time).
// Each runs vectorized where the CPU allows (AVX-512, AVX2) and gives the
// bits of its scalar loop: one IEEE operation per element, in the order
// written, so that a fused kernel built of them has the bits of the same
// arithmetic done with the tensor ops. In each, x and y must be at least as
// long as dst, or it panics with a *ShapeError naming it and the lengths;
// dst may be x or y but must not overlap them otherwise (not checked:
// these run once per row of a normalization, where a check of the memory
// would cost more than the rest of the call on short rows).

// SliceAdd sets dst[i] = x[i] + y[i].
func SliceAdd[T Float](dst, x, y []T) {
	sliceArgs("SliceAdd", dst, x, y)
	vec.Arith(vec.OpAdd, dst, x, y)
}

// SliceSub sets dst[i] = x[i] − y[i].
func SliceSub[T Float](dst, x, y []T) {
	sliceArgs("SliceSub", dst, x, y)
	vec.Arith(vec.OpSub, dst, x, y)
}

// SliceMul sets dst[i] = x[i]·y[i].
func SliceMul[T Float](dst, x, y []T) {
	sliceArgs("SliceMul", dst, x, y)
	vec.Arith(vec.OpMul, dst, x, y)
}

// SliceSubScalar sets dst[i] = x[i] − s.
func SliceSubScalar[T Float](dst, x []T, s T) {
	sliceArg("SliceSubScalar", dst, x)
	vec.ArithScalar(vec.OpSub, dst, x, s)
}

// SliceMulScalar sets dst[i] = x[i]·s.
func SliceMulScalar[T Float](dst, x []T, s T) {
	sliceArg("SliceMulScalar", dst, x)
	vec.ArithScalar(vec.OpMul, dst, x, s)
}

// SliceScalarMul sets dst[i] = s·x[i] (the product of SliceMulScalar with
// the operands in this order, which only a NaN's payload can tell apart).
func SliceScalarMul[T Float](dst []T, s T, x []T) {
	sliceArg("SliceScalarMul", dst, x)
	vec.ScalarArith(vec.OpMul, dst, s, x)
}

// sliceArgs panics with a *ShapeError naming op unless x and y are at
// least as long as dst.
func sliceArgs[T Float](op string, dst, x, y []T) {
	if len(x) < len(dst) || len(y) < len(dst) {
		badSlices(op, "x and y must be at least as long as dst", dst, x, y)
	}
}

// sliceArg panics with a *ShapeError naming op unless x is at least as
// long as dst.
func sliceArg[T Float](op string, dst, x []T) {
	if len(x) < len(dst) {
		badSlices(op, "x must be at least as long as dst", dst, x)
	}
}

// badSlices panics with a *ShapeError naming op, giving the slices'
// lengths as their shapes. It is kept out of line, so that the checks that
// call it stay cheap enough to inline.
//
//go:noinline
func badSlices[T Float](op, reason string, s ...[]T) {
	lens := make([][]int, len(s))
	for i, x := range s {
		lens[i] = []int{len(x)}
	}
	panic(shapeErr(op, reason, lens...))
}

// SliceSumF64 returns the sum of float64(x[i]): sixteen interleaved float64
// accumulators (accumulator j takes x[j], x[j+16], ... over the longest
// prefix of whole groups of sixteen) added as a balanced tree, then the
// rest one by one. For a normalization's statistics: float32 rows are
// summed without float32 rounding, in a fixed order.
func SliceSumF64[T Float](x []T) float64 { return vec.SumWide(x) }

// SliceSqDevF64 returns the sum of (float64(x[i]) − m)² in SliceSumF64's
// order, each square rounded before its add (no fused multiply-add).
func SliceSqDevF64[T Float](x []T, m float64) float64 { return vec.SqDevWide(x, m) }

// SliceNormAffine sets y[i] = T(T((float64(x[i]) − mean)·rstd)·w[i]) + b[i]
// (mean and rstd widened to float64), each operation rounded in that order:
// a normalized row, scaled by w and shifted by b. x, w and b must be at
// least as long as y, or it panics with a *ShapeError; y may be x but
// must not overlap x, w or b otherwise (not checked, as for SliceAdd).
func SliceNormAffine[T Float](y, x, w, b []T, mean, rstd T) {
	if len(x) < len(y) || len(w) < len(y) || len(b) < len(y) {
		badSlices("SliceNormAffine", "x, w and b must be at least as long as y", y, x, w, b)
	}
	vec.NormAffine(y, x, w, b, float64(mean), float64(rstd))
}

// LayerNormGradRow is one row of LayerNorm's fused backward with a weight,
// when both x and the weight need their gradients: with μ = mean(x),
// d = x − μ, r = 1/√(mean(d·d) + eps), x̂ = d·r and gy = g·w, it sets
// o = r·((gy − mean(gy)) − x̂·mean(gy·x̂)) (adds it to o when accumulate)
// and wg = g·x̂, using d, u and gy as scratch of the row's length. Each
// operation is rounded as the tensor ops round it and each mean is SumRow
// divided by the count, so the results have the bits of that arithmetic
// done op by op; the sums are taken in the vector loops of the sweeps
// where SumRow's order allows it (a row of at most 128). All slices must be
// at least as long as x, or it panics with a *ShapeError.
func LayerNormGradRow[T Float](o, wg, d, u, gy, x, g, w []T, eps T, accumulate bool) {
	n := len(x)
	if len(o) < n || len(wg) < n || len(d) < n || len(u) < n || len(gy) < n || len(g) < n || len(w) < n {
		badSlices("LayerNormGradRow", "o, wg, d, u, gy, g and w must be at least as long as x", o, wg, d, u, gy, x, g, w)
	}
	o, wg, d, u, gy, g, w = o[:n], wg[:n], d[:n], u[:n], gy[:n], g[:n], w[:n]
	count := T(n)
	mu := SumRow(x) / count
	sq := vec.NormCenter(d, u, gy, x, g, w, mu)
	if n > sumLeafLen { // SumRow splits longer rows: sum them again in its order
		sq = SumRow(u)
	}
	r := 1 / T(math.Sqrt(float64(sq/count+eps)))
	s1, s2 := vec.NormScale(d, u, wg, gy, g, r)
	if n > sumLeafLen {
		s1, s2 = SumRow(gy), SumRow(u)
	}
	vec.NormOut(o, gy, d, r, s1/count, s2/count, accumulate)
}

// LayerNormRows sets each row of n elements of y (len(x)/n rows, x's
// layout) to LayerNorm's forward of that row of x with weight w and bias b:
// with m the float64 mean of the row, SliceSumF64(row)/n, and rstd =
// 1/√(SliceSqDevF64(row, m)/n + eps) in float64, both rounded to T, it is
// SliceNormAffine(y, row, w, b, T(m), T(rstd)). Where the CPU allows, one
// fused kernel does every row (the same operations, so the same bits).
// len(x) must be a multiple of n, y at least as long as x and w and b at
// least n long, or it panics with a *ShapeError (n 0 is allowed for an
// empty x). y may be x but must not overlap it otherwise, nor w or b.
func LayerNormRows[T Float](y, x, w, b []T, n int, eps T) {
	const op = "LayerNormRows"
	if n < 0 || (n == 0 && len(x) > 0) || (n > 0 && len(x)%n != 0) || len(y) < len(x) || len(w) < n || len(b) < n {
		badSlices(op, fmt.Sprintf("want len(x) a multiple of n = %d, y at least as long as x, w and b at least n long", n), y, x, w, b)
	}
	if !sameOrApart(y[:len(x)], x) || overlaps(y[:len(x)], w) || overlaps(y[:len(x)], b) {
		badSlices(op, "y must be x or not overlap it, nor w or b", y, x, w, b)
	}
	if n == 0 {
		return
	}
	if vec.LNRows(y, x, w, b, n, eps) {
		return
	}
	for i := 0; i+n <= len(x); i += n {
		row := x[i : i+n]
		m := SliceSumF64(row) / float64(n)
		q := SliceSqDevF64(row, m)
		rstd := 1 / math.Sqrt(q/float64(n)+float64(eps))
		SliceNormAffine(y[i:i+n], row, w, b, T(m), T(rstd))
	}
}

// LayerNormGradRows is LayerNormGradRow over every row of n elements of x
// (len(x)/n rows), o, wg and g in x's layout and d, u and gy one row's
// scratch. Where the CPU allows (rows of 8 to 128 elements, a multiple of
// 8), one fused kernel does every row, with the same bits. len(x) must be
// a multiple of n, o, wg and g at least as long as x, and d, u, gy and w
// at least n long, or it panics with a *ShapeError (n 0 is allowed for an
// empty x).
func LayerNormGradRows[T Float](o, wg, d, u, gy, x, g, w []T, n int, eps T, accumulate bool) {
	if n < 0 || (n == 0 && len(x) > 0) || (n > 0 && len(x)%n != 0) || len(o) < len(x) || len(wg) < len(x) || len(g) < len(x) ||
		len(d) < n || len(u) < n || len(gy) < n || len(w) < n {
		badSlices("LayerNormGradRows", fmt.Sprintf("want len(x) a multiple of n = %d, o, wg and g at least as long as x, d, u, gy and w at least n long", n),
			o, wg, d, u, gy, x, g, w)
	}
	if n == 0 {
		return
	}
	if vec.LNGradRows(o, wg, x, g, w, n, eps, accumulate) {
		return
	}
	for i := 0; i+n <= len(x); i += n {
		LayerNormGradRow(o[i:], wg[i:], d, u, gy, x[i:i+n], g[i:], w, eps, accumulate)
	}
}

// lnSumChunk is the most rows of LayerNormGradRowsSum's leaf chunks: the
// rows of wg it holds at once before summing them.
const lnSumChunk = 64

// LayerNormGradRowsSumLen returns the scratch LayerNormGradRowsSum needs
// for rows rows of n elements: a chunk of wg's rows and two partial sums
// (wg's and g's) per level of the tree of rows above the chunks.
func LayerNormGradRowsSumLen(rows, n int) int {
	levels := 0
	for k := rows; k > lnSumChunk; k -= lnSumHalf(k) {
		levels++ // the right half is the larger: it sets the depth
	}
	return (min(rows, lnSumChunk) + 2*levels) * n
}

// lnSumHalf is the rows of the first half of a split of k rows in the
// reduction over rows (sumRows).
func lnSumHalf(k int) int { return max(rowLeaf, k/2-k/2%rowLeaf) }

// LayerNormGradRowsSum is LayerNormGradRows followed by the sum of wg's
// rows, ws[j] = Σ_i wg[i·n+j] (the weight's gradient), and, unless bs is
// nil, of g's rows into bs (the bias's), each with the bits of SumToInto
// to shape [n], without wg: its rows are made a chunk of the reduction's
// tree at a time (at most 64 rows, in scratch, from where they are summed
// while in cache, g's rows with them) and the chunks' sums added up that
// tree, so that the memory is scratch's instead of x's size and g is
// read once. scratch must hold LayerNormGradRowsSumLen(len(x)/n, n)
// elements and ws (and bs) n; it panics with a *ShapeError otherwise, or
// as LayerNormGradRows does (o, g as long as x, d, u, gy and w at least
// n). An empty x sets ws and bs to +0s.
func LayerNormGradRowsSum[T Float](o, ws, bs, d, u, gy, x, g, w, scratch []T, n int, eps T, accumulate bool) {
	const op = "LayerNormGradRowsSum"
	if n <= 0 || len(x)%n != 0 || len(ws) < n || (bs != nil && len(bs) < n) || len(scratch) < LayerNormGradRowsSumLen(len(x)/n, n) {
		if n == 0 && len(x) == 0 {
			return
		}
		badSlices(op, fmt.Sprintf("want len(x) a multiple of n = %d, ws (and bs) at least n long and scratch of LayerNormGradRowsSumLen", n), ws, bs, x, scratch)
	}
	ws = ws[:n]
	if bs != nil {
		bs = bs[:n]
	}
	rows := len(x) / n
	if rows == 0 {
		clear(ws)
		clear(bs)
		return
	}
	chunk := scratch[:min(rows, lnSumChunk)*n]
	levels := scratch[len(chunk):LayerNormGradRowsSumLen(rows, n)]
	h := len(levels) / 2
	s := lnGradSum[T]{o: o, d: d, u: u, gy: gy, x: x, g: g, w: w, chunk: chunk, levels: levels[:h], glevels: levels[h:], n: n, eps: eps, acc: accumulate}
	s.sum(ws, bs, 0, rows, 0)
}

// lnGradSum is LayerNormGradRowsSum's walk down the reduction's tree of
// rows.
type lnGradSum[T Float] struct {
	o, d, u, gy, x, g, w []T
	chunk                []T // wg's rows of a chunk
	levels, glevels      []T // a partial sum of wg's and of g's rows per level
	n                    int
	eps                  T
	acc                  bool
}

// sum sets out to the sum of wg's rows lo..hi-1 and gout (unless nil) to
// g's, in sumRows's order: a chunk of at most lnSumChunk rows by
// sumToInto (whose order for a subtree depends on its row count alone),
// more split as sumRows splits them, the right half's sums in the level's
// buffers.
func (s *lnGradSum[T]) sum(out, gout []T, lo, hi, level int) {
	n := s.n
	if k := hi - lo; k <= lnSumChunk {
		wg := s.chunk[:k*n]
		LayerNormGradRows(s.o[lo*n:], wg, s.d, s.u, s.gy, s.x[lo*n:hi*n], s.g[lo*n:], s.w, n, s.eps, s.acc)
		from, to := [2]int{k, n}, [1]int{n}
		sumToInto(out, wg, from[:], to[:], 1, 0, false)
		if gout != nil {
			sumToInto(gout, s.g[lo*n:hi*n], from[:], to[:], 1, 0, false)
		}
		return
	}
	h := lo + lnSumHalf(hi-lo)
	s.sum(out, gout, lo, h, level+1)
	right, gright := s.levels[level*n:(level+1)*n], []T(nil)
	if gout != nil {
		gright = s.glevels[level*n : (level+1)*n]
	}
	s.sum(right, gright, h, hi, level+1)
	vec.Arith(vec.OpAdd, out, out, right)
	if gout != nil {
		vec.Arith(vec.OpAdd, gout, gout, gright)
	}
}
