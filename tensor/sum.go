package tensor

import (
	"slices"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
	"github.com/adjoint-go/adjoint/tensor/internal/vmath"
)

// The summation order of every reduction in this package, fixed so that a
// float32 sum stays accurate (its rounding error grows with the logarithm of
// the count, not with the count) and so that the bits of a result depend on
// the shapes and the values only: never on GOMAXPROCS (reductions run on the
// caller's goroutine), on memory alignment, or on how the work is tiled.
//
//   - A contiguous run of elements (sumSpan) is split in two, the first half
//     a multiple of sumLanes long, until a piece has at most sumLeafLen
//     elements; a piece is summed by sumLanes interleaved accumulators
//     (accumulator k takes the elements k, k+sumLanes, ...) that are then
//     added as a balanced tree, and its last len%sumLanes elements are
//     added one by one. The halves are added left plus right.
//   - Whole rows summed elementwise (a reduction over an axis that is not the
//     last one, such as the batch axis of a bias gradient) are split the same
//     way, the first half a multiple of rowLeaf rows, until a piece has at most
//     rowLeaf rows: rowLeaf rows are added as a balanced tree, fewer one by
//     one. Each column's order depends on the row count alone, and the inner
//     loops run along the rows, which are contiguous.
//   - When both happen (a reduction over the last axis and over an outer one),
//     each run along the last axis is summed by sumSpan and the runs' sums are
//     added as a balanced tree.
//
// Every element is multiplied by the scale first, when there is one, and
// each product is rounded before it is added, so that a scaled sum has the
// bits of the sum of a scaled tensor.
const (
	sumLanes   = 8   // independent accumulators of a leaf of sumSpan
	sumLeafLen = 128 // longest run that sumSpan sums without splitting it
	rowLeaf    = 8   // rows that sumRows adds as one balanced tree
	tileLen    = 256 // longest part of a row that sumRows handles at once
)

// sumSpan returns the sum of x, or of a·x[i] when scaled, in the order
// described above. The sum of nothing is +0; a sum of -0s is -0.
func sumSpan[T Float](x []T, a T, scaled bool) T {
	if len(x) <= sumLeafLen {
		if scaled {
			return sumLeafScaled(x, a)
		}
		return sumLeaf(x)
	}
	h := len(x) / 2
	h -= h % sumLanes
	return sumSpan(x[:h], a, scaled) + sumSpan(x[h:], a, scaled)
}

// sumLeaf is sumSpan's leaf: sumLanes interleaved accumulators, in
// package vec's vector loop (vec.Sum8 is this order, bit for bit).
func sumLeaf[T Float](x []T) T { return vec.Sum8(x) }

// sumLeafScaled is sumLeaf of a·x[i], each product rounded (T() forbids a
// fused multiply-add) as Scale rounds it.
func sumLeafScaled[T Float](x []T, a T) T {
	if len(x) < sumLanes {
		if len(x) == 0 {
			return 0
		}
		s := T(a * x[0])
		for _, v := range x[1:] {
			s += T(a * v)
		}
		return s
	}
	r0, r1, r2, r3 := T(a*x[0]), T(a*x[1]), T(a*x[2]), T(a*x[3])
	r4, r5, r6, r7 := T(a*x[4]), T(a*x[5]), T(a*x[6]), T(a*x[7])
	i := sumLanes
	for ; i+sumLanes <= len(x); i += sumLanes {
		b := x[i : i+sumLanes : i+sumLanes]
		r0 += T(a * b[0])
		r1 += T(a * b[1])
		r2 += T(a * b[2])
		r3 += T(a * b[3])
		r4 += T(a * b[4])
		r5 += T(a * b[5])
		r6 += T(a * b[6])
		r7 += T(a * b[7])
	}
	s := ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
	for _, v := range x[i:] {
		s += T(a * v)
	}
	return s
}

// axesWalk maps a flat row-major index over some axes (outermost first) to
// an offset in the source, given the source strides of those axes.
type axesWalk struct {
	dims, strides []int
}

// off returns base plus the offset of flat index i.
func (w *axesWalk) off(base, i int) int {
	if len(w.dims) == 1 {
		return base + i*w.strides[0]
	}
	for k := len(w.dims) - 1; k >= 0 && i > 0; k-- {
		base += (i % w.dims[k]) * w.strides[k]
		i /= w.dims[k]
	}
	return base
}

// sumRows sets out to the elementwise sum of the rows lo..hi-1 (hi > lo) of
// src, row i being src[rows.off(base, i):][:len(out)], in the order
// described above. len(out) is at most tileLen.
func sumRows[T Float](out, src []T, rows *axesWalk, base, lo, hi int, a T, scaled bool) {
	n := hi - lo
	if n <= rowLeaf {
		leafRows(out, src, rows, base, lo, hi, a, scaled)
		return
	}
	if n == 8*rowLeaf && !scaled && len(rows.dims) == 1 && vec.AddRows64(out, src[rows.off(base, lo):], rows.strides[0]) {
		return // the 64 rows' whole subtree (eight leaves and their tree) in one kernel
	}
	h := max(rowLeaf, n/2-n/2%rowLeaf)
	sumRows(out, src, rows, base, lo, lo+h, a, scaled)
	var buf [tileLen]T
	right := buf[:len(out)]
	sumRows(right, src, rows, base, lo+h, hi, a, scaled)
	vec.Arith(vec.OpAdd, out, out, right)
}

// leafRows is sumRows over at most rowLeaf rows, in package vec's vector
// loops (the same operations in the same order, so the same bits).
func leafRows[T Float](out, src []T, rows *axesWalk, base, lo, hi int, a T, scaled bool) {
	if hi-lo == rowLeaf {
		var rs [rowLeaf][]T
		for k := range rs {
			rs[k] = src[rows.off(base, lo+k):]
		}
		vec.AddRows8(out, &rs, a, scaled)
		return
	}
	r := src[rows.off(base, lo):][:len(out)]
	if scaled {
		vec.ScalarArith(vec.OpMul, out, a, r)
	} else {
		copy(out, r)
	}
	for k := lo + 1; k < hi; k++ {
		r := src[rows.off(base, k):][:len(out)]
		if scaled {
			vec.Axpby(out, r, a, 1) // out + T(a·r): 1·out is out
			continue
		}
		vec.Arith(vec.OpAdd, out, out, r)
	}
}

// sumRuns returns the sum of the runs lo..hi-1 (hi > lo) of src, run i being
// src[runs.off(base, i):][:n], each summed by sumSpan, added as a balanced
// tree.
func sumRuns[T Float](src []T, runs *axesWalk, base, n, lo, hi int, a T, scaled bool) T {
	if hi-lo == 1 {
		return sumSpan(src[runs.off(base, lo):][:n], a, scaled)
	}
	h := (hi - lo) / 2
	return sumRuns(src, runs, base, n, lo, lo+h, a, scaled) + sumRuns(src, runs, base, n, lo+h, hi, a, scaled)
}

// sumToInto sets out[j] = beta·out[j] + s[j] (just s[j] when beta is 0, so
// that out's old contents, even NaN, are ignored), where s is src, of shape
// from, summed down to shape to (which broadcasts to from; len(out) is its
// element count), each element first multiplied by a when scaled. It is the
// one kernel behind SumTo and SumToInto, which therefore agree bit for bit.
func sumToInto[T Float](out, src []T, from, to []int, a, beta T, scaled bool) {
	if len(out) == 1 {
		// Down to one element (a bias's gradient): every axis is reduced,
		// and the merged runs of sumToAxes would come to one span of all
		// of src.
		if len(src) == 0 {
			store(out, 0, beta)
			return
		}
		s := sumSpan(src, a, scaled)
		if beta == 0 {
			out[0] = s
		} else {
			out[0] = T(beta*out[0]) + s
		}
		return
	}
	sumToAxes(out, src, from, to, a, beta, scaled)
}

// sumToAxes is sumToInto through the general walk of the axes, which the
// one-element case skips (its test compares the two).
func sumToAxes[T Float](out, src []T, from, to []int, a, beta T, scaled bool) {
	// Merge the axes into alternating runs of kept and reduced ones, dropping
	// the axes of size 1: each run is one axis of a row-major layout. The
	// arrays hold the axes of most shapes without allocating.
	var dimBuf, keptBuf, keptStr, rowBuf, rowStr [8]int
	var redBuf [8]bool
	dims, red := dimBuf[:0], redBuf[:0]
	lead := len(from) - len(to)
	for i, d := range from {
		if d == 0 {
			for j := range out {
				store(out, j, beta) // nothing to sum
			}
			return
		}
		if d == 1 {
			continue
		}
		r := i < lead || to[i-lead] == 1
		if k := len(dims) - 1; k >= 0 && red[k] == r {
			dims[k] *= d
			continue
		}
		dims, red = append(dims, d), append(red, r)
	}
	kept := axesWalk{keptBuf[:0], keptStr[:0]}
	rows := axesWalk{rowBuf[:0], rowStr[:0]}
	stride := 1
	for k := len(dims) - 1; k >= 0; k-- {
		switch {
		case k == len(dims)-1:
		case red[k]:
			rows.dims, rows.strides = append(rows.dims, dims[k]), append(rows.strides, stride)
		default:
			kept.dims, kept.strides = append(kept.dims, dims[k]), append(kept.strides, stride)
		}
		stride *= dims[k]
	}
	slices.Reverse(kept.dims)
	slices.Reverse(kept.strides)
	slices.Reverse(rows.dims)
	slices.Reverse(rows.strides)
	nOuter, nRows := prod(kept.dims), prod(rows.dims)
	last := len(dims) - 1
	if last < 0 || red[last] {
		// The last axis is reduced: sum each run along it.
		n := 1
		if last >= 0 {
			n = dims[last]
		}
		for j := range nOuter {
			s := sumRuns(src, &rows, kept.off(0, j), n, 0, nRows, a, scaled)
			if beta == 0 {
				out[j] = s
			} else {
				out[j] = T(beta*out[j]) + s
			}
		}
		return
	}
	// The last axis is kept: add whole rows, a tile of columns at a time.
	n := dims[last]
	tiles := (n + tileLen - 1) / tileLen
	w := (n + tiles - 1) / tiles
	for j := range nOuter {
		base := kept.off(0, j)
		for c := 0; c < n; c += w {
			dst := out[j*n+c : j*n+min(c+w, n)]
			if beta == 0 {
				sumRows(dst, src, &rows, base+c, 0, nRows, a, scaled)
			} else {
				sumRowsBeta(dst, src, &rows, base+c, nRows, a, beta, scaled)
			}
		}
	}
}

// sumRowsBeta sets dst[i] = beta·dst[i] + the sum of rows 0..n-1 (sumRows),
// through a buffer on the stack.
func sumRowsBeta[T Float](dst, src []T, rows *axesWalk, base, n int, a, beta T, scaled bool) {
	var buf [tileLen]T
	t := buf[:len(dst)]
	sumRows(t, src, rows, base, 0, n, a, scaled)
	vec.Axpby(dst, t, 1, beta) // T(beta·dst) + t: 1·t is t
}

// store sets out[j] = beta·out[j] + 0, or +0 when beta is 0.
func store[T Float](out []T, j int, beta T) {
	if beta == 0 {
		out[j] = 0
	} else {
		out[j] = T(beta*out[j]) + 0
	}
}

// prod returns the product of dims, 1 for none.
func prod(dims []int) int {
	p := 1
	for _, d := range dims {
		p *= d
	}
	return p
}

// expSum returns Σ e^(x[i]−m), softmax's denominator, and when store sets
// dst[i] to e^(x[i]−m) rounded to T (dst may be x; without store dst is not
// touched and may be nil). The exponentials are computed in float64 by the
// vectorized vmath.Exp64 (x[i]−m is exact in float64 for float32 inputs, so
// the only roundings are the exponential's and the final one to T) and
// summed pairwise in float64.
func expSum[T Float](dst, x []T, m T, store bool) float64 {
	if d, ok := any(dst).([]float64); ok && store {
		xs := any(x).([]float64)[:len(d)]
		mf := float64(m)
		for i, v := range xs {
			d[i] = v - mf
		}
		vmath.Exp64(d, d)
		return sumSpan(d, 1, false)
	}
	return expSumTiles(dst, x, float64(m), store)
}

// expSumTiles is expSum through a float64 buffer of tileLen elements on the
// stack: the tiles' sums are added as a balanced tree, the first half of
// each split a whole number of tiles.
func expSumTiles[T Float](dst, x []T, m float64, store bool) float64 {
	switch {
	case len(x) <= 32: // a short row: a smaller buffer costs less to clear
		var buf [32]float64
		return expTile(dst, x, m, store, buf[:len(x)])
	case len(x) <= tileLen:
		var buf [tileLen]float64
		return expTile(dst, x, m, store, buf[:len(x)])
	}
	h := (len(x)/2 + tileLen - 1) / tileLen * tileLen
	if !store {
		return expSumTiles(dst, x[:h], m, false) + expSumTiles(dst, x[h:], m, false)
	}
	return expSumTiles(dst[:h], x[:h], m, true) + expSumTiles(dst[h:], x[h:], m, true)
}

// expTile is expSumTiles on one tile, with b (of x's length) as its buffer.
func expTile[T Float](dst, x []T, m float64, store bool, b []float64) float64 {
	b = b[:len(x)]
	for i, v := range x {
		b[i] = float64(v) - m
	}
	vmath.Exp64(b, b)
	if store {
		dst = dst[:len(b)]
		for i, e := range b {
			dst[i] = T(e)
		}
	}
	return sumSpan(b, 1, false)
}
