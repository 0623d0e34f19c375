package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// This file holds kernels of the indexing ops that write into tensors the
// caller provides (an autodiff engine's arena): IndexSelect and its
// adjoint.

// IndexSelectInto is IndexSelect into dst, which must have x's shape with
// len(indices) along axis. It panics with a *ShapeError for an axis or an
// index out of range, or a dst of the wrong shape.
func IndexSelectInto[T Float](dst, x *Tensor[T], axis int, indices []int) {
	noOverlap("IndexSelectInto", dst, x)
	const op = "IndexSelectInto"
	ax := shpIndexCheck(op, x.shape, axis, indices, x.shape)
	outer, inner := shpSplitAt(x.shape, ax)
	shpIndexDst(op, dst, x.shape, ax, len(indices))
	n := x.shape[ax]
	for o := 0; o < outer; o++ {
		for j, idx := range indices {
			d := (o*len(indices) + j) * inner
			s := (o*n + idx) * inner
			copy(dst.data[d:d+inner], x.data[s:s+inner])
		}
	}
}

// IndexAddInto adds each slice j of src along axis into dst at position
// indices[j] along that axis, in order: IndexAdd without the zeros, for a
// gradient buffer. dst has src's shape but any size along axis. It panics
// with a *ShapeError when the shapes do not fit or an index is out of range.
func IndexAddInto[T Float](dst, src *Tensor[T], axis int, indices []int) {
	noOverlap("IndexAddInto", dst, src)
	const op = "IndexAddInto"
	ax := shpIndexCheck(op, dst.shape, axis, indices, dst.shape)
	shpIndexDst(op, src, dst.shape, ax, len(indices))
	outer, inner := shpSplitAt(dst.shape, ax)
	n := dst.shape[ax]
	for o := 0; o < outer; o++ {
		for j, idx := range indices {
			s := (o*len(indices) + j) * inner
			d := (o*n + idx) * inner
			addTo(dst.data[d:d+inner], src.data[s:s+inner])
		}
	}
}

// shpIndexDst panics unless t has shape with size k along axis ax.
func shpIndexDst[T Float](op string, t *Tensor[T], shape []int, ax, k int) {
	ok := len(t.shape) == len(shape)
	for i := 0; ok && i < len(shape); i++ {
		want := shape[i]
		if i == ax {
			want = k
		}
		ok = t.shape[i] == want
	}
	if !ok {
		panic(shapeErr(op, fmt.Sprintf("want the shape of the first with %d along axis %d", k, ax), shape, t.shape))
	}
}

// The kernels below are the allocation-free forms of the shape ops, for an
// engine's arena: each writes a result whose shape the caller chose into
// dst, or adds it there (beta 1; beta 0 overwrites dst, ignoring its old
// contents, NaN included). Tensors of more than shpStack axes take an
// allocating path for their index arithmetic.

// shpStack is the rank up to which the shape kernels keep their index
// arithmetic on the stack.
const shpStack = 8

// shpInts returns buf[:n] when it fits, else a new slice of n ints.
func shpInts(buf []int, n int) []int {
	if n <= len(buf) {
		return buf[:n]
	}
	return make([]int, n)
}

// shpStrides sets st to the row-major strides of shape and returns it.
func shpStrides(st, shape []int) []int {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		st[i] = s
		s *= shape[i]
	}
	return st
}

// shpMove sets d[box] = beta·d[box] + s[box] over a box of the given counts,
// where the box starts at offsets d0 and s0 and moves by the strides sd and
// ss (in elements) along each axis. It visits the box row by row, so the
// last axis runs a tight loop.
func shpMove[T Float](d, s []T, d0, s0 int, counts, sd, ss []int, beta T) {
	r := len(counts)
	for _, c := range counts {
		if c == 0 {
			return
		}
	}
	if r == 0 {
		shpRow(d, s, d0, s0, 1, 1, 1, beta)
		return
	}
	var ib [shpStack]int
	idx := shpInts(ib[:], r)
	n, dl, sl := counts[r-1], sd[r-1], ss[r-1]
	for {
		shpRow(d, s, d0, s0, n, dl, sl, beta)
		ax := r - 2
		for ; ax >= 0; ax-- {
			idx[ax]++
			d0 += sd[ax]
			s0 += ss[ax]
			if idx[ax] < counts[ax] {
				break
			}
			d0 -= sd[ax] * counts[ax]
			s0 -= ss[ax] * counts[ax]
			idx[ax] = 0
		}
		if ax < 0 {
			return
		}
	}
}

// shpRow sets d[d0+i·dl] = beta·d[d0+i·dl] + s[s0+i·sl] for i < n. The
// strides may be negative (a slice with a negative step walks backwards).
func shpRow[T Float](d, s []T, d0, s0, n, dl, sl int, beta T) {
	switch {
	case dl == 1 && sl == 1 && beta == 0:
		copy(d[d0:d0+n], s[s0:s0+n])
	case dl == 1 && sl == 1 && beta == 1:
		d, s = d[d0:d0+n], s[s0:s0+n]
		for i := range d {
			d[i] += s[i]
		}
	case beta == 0:
		for i := range n {
			d[d0+i*dl] = s[s0+i*sl]
		}
	case beta == 1:
		for i := range n {
			d[d0+i*dl] += s[s0+i*sl]
		}
	default:
		for i := range n {
			d[d0+i*dl] = T(beta*d[d0+i*dl]) + s[s0+i*sl]
		}
	}
}

// PermuteInto sets dst = beta·dst + Permute(x, axes...): axis i of dst is
// axis axes[i] of x (negative axes count from the end). It panics with a
// *ShapeError when axes is not a permutation of x's axes or dst does not
// have the permuted shape.
func PermuteInto[T Float](dst, x *Tensor[T], beta T, axes ...int) {
	noOverlap("PermuteInto", dst, x)
	const op = "PermuteInto"
	r := len(x.shape)
	var pb, sb, db, cb [shpStack]int
	perm := shpInts(pb[:], r)
	if !shpPerm(perm, axes) {
		shpPermuteAxes(op, x.shape, slices.Clone(axes)) // panics, saying why
	}
	xs := shpStrides(shpInts(sb[:], r), x.shape)
	ss := shpInts(cb[:], r) // the strides of x along dst's axes
	ok := len(dst.shape) == r
	for i, a := range perm {
		ss[i] = xs[a]
		ok = ok && dst.shape[i] == x.shape[a]
	}
	if !ok {
		panic(shapeErr(op, fmt.Sprintf("destination does not have the shape of the source permuted by %v", slices.Clone(axes)), x.shape, dst.shape))
	}
	shpMove(dst.data, x.data, 0, 0, dst.shape, shpStrides(shpInts(db[:], r), dst.shape), ss, beta)
}

// shpPerm fills perm with axes made non-negative and reports whether they
// are a permutation of len(perm) axes.
func shpPerm(perm, axes []int) bool {
	r := len(perm)
	if len(axes) != r {
		return false
	}
	var seen uint64
	for i, a := range axes {
		if a < 0 {
			a += r
		}
		if a < 0 || a >= r || (a < 64 && seen&(1<<a) != 0) {
			return false
		}
		if a < 64 {
			seen |= 1 << a
		}
		perm[i] = a
	}
	if r > 64 { // too many axes for the mask: check the slow way
		for i, a := range perm {
			if slices.Contains(perm[:i], a) {
				return false
			}
		}
	}
	return true
}

// shpSliceDims resolves ranges against shape into the counts and the steps
// (in elements of a row-major tensor of shape) of the box they select, and
// returns the offset of its first element.
func shpSliceDims(op string, shape []int, ranges []Range, counts, steps []int) int {
	if len(ranges) > len(shape) {
		panic(shapeErr(op, fmt.Sprintf("%d ranges for %d axes", len(ranges), len(shape)), shape))
	}
	shpStrides(steps, shape)
	copy(counts, shape)
	off := 0
	for ax, r := range ranges {
		start, count, step := r.resolve(op, ax, shape)
		off += start * steps[ax]
		counts[ax] = count
		steps[ax] *= step
	}
	return off
}

// SliceInto sets dst = beta·dst + Slice(x, ranges...). It panics with a
// *ShapeError when there are more ranges than axes, a step is 0, or dst does
// not have the slice's shape.
func SliceInto[T Float](dst, x *Tensor[T], beta T, ranges ...Range) {
	noOverlap("SliceInto", dst, x)
	const op = "SliceInto"
	r := len(x.shape)
	var cb, sb, db [shpStack]int
	counts, steps := shpInts(cb[:], r), shpInts(sb[:], r)
	off := shpSliceDims(op, x.shape, ranges, counts, steps)
	if !SameShape(counts, dst.shape) {
		panic(shapeErr(op, fmt.Sprintf("destination does not have the slice's shape %v", slices.Clone(counts)), x.shape, dst.shape))
	}
	shpMove(dst.data, x.data, 0, off, counts, shpStrides(shpInts(db[:], r), counts), steps, beta)
}

// ScatterSliceInto sets the elements of dst that Slice(dst, ranges...)
// would read to beta times themselves plus src, and leaves the others
// alone: ScatterSlice without the zeros, for a gradient buffer. It panics
// with a *ShapeError when src does not have the slice's shape.
func ScatterSliceInto[T Float](dst, src *Tensor[T], beta T, ranges ...Range) {
	noOverlap("ScatterSliceInto", dst, src)
	const op = "ScatterSliceInto"
	r := len(dst.shape)
	var cb, sb, db [shpStack]int
	counts, steps := shpInts(cb[:], r), shpInts(sb[:], r)
	off := shpSliceDims(op, dst.shape, ranges, counts, steps)
	if !SameShape(counts, src.shape) {
		panic(shapeErr(op, fmt.Sprintf("source does not have the slice's shape %v", slices.Clone(counts)), src.shape, dst.shape))
	}
	shpMove(dst.data, src.data, off, 0, counts, steps, shpStrides(shpInts(db[:], r), counts), beta)
}

// PadInto sets dst = Pad(x, widths, value). It panics with a *ShapeError
// for the wrong number of width pairs, a negative width, or a dst of
// another shape than the padded one.
func PadInto[T Float](dst, x *Tensor[T], widths [][2]int, value T) {
	noOverlap("PadInto", dst, x)
	const op = "PadInto"
	r := len(x.shape)
	ok := len(widths) == r && len(dst.shape) == r
	for ax := 0; ok && ax < r; ax++ {
		w := widths[ax]
		ok = w[0] >= 0 && w[1] >= 0 && dst.shape[ax] == x.shape[ax]+w[0]+w[1]
	}
	if !ok {
		out := Pad(x, widths, value) // panics for bad widths, saying why
		panic(shapeErr(op, "destination does not have the padded shape", out.shape, dst.shape))
	}
	for i := range dst.data {
		dst.data[i] = value
	}
	var db, sb [shpStack]int
	ds := shpStrides(shpInts(db[:], r), dst.shape)
	off := 0
	for ax, w := range widths {
		off += w[0] * ds[ax]
	}
	shpMove(dst.data, x.data, off, 0, x.shape, ds, shpStrides(shpInts(sb[:], r), x.shape), 0)
}

// NarrowInto sets dst = beta·dst + x[..., start:start+n, ...], the n
// elements from start along axis (negative counts from the end), where n
// is dst's size along that axis; dst has x's shape elsewhere. It is a piece
// of a Split and the gradient of one input of a Concat. It panics with a
// *ShapeError when the shapes do not fit.
func NarrowInto[T Float](dst, x *Tensor[T], axis, start int, beta T) {
	noOverlap("NarrowInto", dst, x)
	ax := shpNarrowCheck("NarrowInto", dst, x, axis, start)
	outer, inner := shpSplitAt(x.shape, ax)
	blk, row := dst.shape[ax]*inner, x.shape[ax]*inner
	for o := range outer {
		shpRow(dst.data, x.data, o*blk, o*row+start*inner, blk, 1, 1, beta)
	}
}

// NarrowScatterInto sets dst[..., start:start+n, ...] = beta times itself
// plus src, where n is src's size along axis (negative counts from the
// end), and leaves the rest of dst alone: the gradient of a piece of a
// Split, written into the gradient buffer of the whole. It panics with a
// *ShapeError when the shapes do not fit.
func NarrowScatterInto[T Float](dst, src *Tensor[T], axis, start int, beta T) {
	noOverlap("NarrowScatterInto", dst, src)
	ax := shpNarrowCheck("NarrowScatterInto", src, dst, axis, start)
	outer, inner := shpSplitAt(dst.shape, ax)
	blk, row := src.shape[ax]*inner, dst.shape[ax]*inner
	for o := range outer {
		shpRow(dst.data, src.data, o*row+start*inner, o*blk, blk, 1, 1, beta)
	}
}

// shpNarrowCheck panics unless part has whole's shape except along axis,
// where it fits at start; it returns the axis made non-negative.
func shpNarrowCheck[T Float](op string, part, whole *Tensor[T], axis, start int) int {
	ax := shpAxis(op, axis, len(whole.shape), whole.shape)
	ok := len(part.shape) == len(whole.shape) && start >= 0 && start+part.shape[ax] <= whole.shape[ax]
	for i := 0; ok && i < len(part.shape); i++ {
		ok = i == ax || part.shape[i] == whole.shape[i]
	}
	if !ok {
		panic(shapeErr(op, fmt.Sprintf("no room for the part at %d along axis %d", start, axis), part.shape, whole.shape))
	}
	return ax
}

// ConcatInto sets dst = Concat(axis, xs...). It panics with a *ShapeError
// when there are no tensors, their shapes do not join along axis, or dst
// does not have the joined shape.
func ConcatInto[T Float](dst *Tensor[T], axis int, xs ...*Tensor[T]) {
	noOverlap("ConcatInto", dst, xs...)
	const op = "ConcatInto"
	if len(xs) == 0 {
		panic(shapeErr(op, "no tensors to join"))
	}
	ax := shpAxis(op, axis, len(dst.shape), dst.shape)
	n := 0
	ok := true
	for _, x := range xs {
		ok = ok && len(x.shape) == len(dst.shape)
		for i := 0; ok && i < len(x.shape); i++ {
			ok = i == ax || x.shape[i] == dst.shape[i]
		}
		if ok = ok && x.shape[ax] <= math.MaxInt-n; ok {
			n += x.shape[ax]
		}
	}
	if !ok || n != dst.shape[ax] {
		shpConcatInputs(op, axis, xs)
		panic(shapeErr(op, "destination does not have the joined shape", dst.shape))
	}
	outer, _ := shpSplitAt(dst.shape, ax)
	shpJoin(dst.data, outer, xs)
}

// StackInto sets dst = Stack(axis, xs...). It panics with a *ShapeError
// when there are no tensors, their shapes differ, or dst does not have the
// stacked shape.
func StackInto[T Float](dst *Tensor[T], axis int, xs ...*Tensor[T]) {
	noOverlap("StackInto", dst, xs...)
	const op = "StackInto"
	if len(xs) == 0 {
		panic(shapeErr(op, "no tensors to join"))
	}
	first := xs[0].shape
	ax := shpAxis(op, axis, len(first)+1, first)
	ok := len(dst.shape) == len(first)+1 && dst.shape[ax] == len(xs)
	for i := 0; ok && i < len(first); i++ {
		j := i
		if i >= ax {
			j++
		}
		ok = dst.shape[j] == first[i]
	}
	for _, x := range xs[1:] {
		ok = ok && SameShape(x.shape, first)
	}
	if !ok {
		shapes := make([][]int, len(xs))
		for i, x := range xs {
			shapes[i] = x.shape
		}
		shpStackShape(op, axis, shapes) // panics for the inputs
		panic(shapeErr(op, "destination does not have the stacked shape", dst.shape))
	}
	outer := 1
	for _, d := range first[:ax] {
		outer *= d
	}
	shpJoin(dst.data, outer, xs)
}

// shpConcatInputs panics with Concat's error when xs do not join along axis.
func shpConcatInputs[T Float](op string, axis int, xs []*Tensor[T]) {
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		shapes[i] = x.shape
	}
	shpConcatAxis(op, axis, shapes)
}

// shpJoin writes xs one after another into each of outer consecutive blocks
// of dst: each x contributes len(x)/outer elements per block.
func shpJoin[T Float](dst []T, outer int, xs []*Tensor[T]) {
	if len(dst) == 0 || outer == 0 {
		return
	}
	row := len(dst) / outer
	at := 0
	for _, x := range xs {
		blk := len(x.data) / outer
		for o := range outer {
			copy(dst[o*row+at:o*row+at+blk], x.data[o*blk:o*blk+blk])
		}
		at += blk
	}
}

// SelectInto sets dst = beta·dst + x[..., index, ...], the slice of x at
// index along axis (negative counts from the end), which dst has without
// that axis: one input's gradient of a Stack. It panics with a *ShapeError
// when the shapes do not fit or index is out of range.
func SelectInto[T Float](dst, x *Tensor[T], axis, index int, beta T) {
	noOverlap("SelectInto", dst, x)
	const op = "SelectInto"
	ax := shpAxis(op, axis, len(x.shape), x.shape)
	ok := len(dst.shape)+1 == len(x.shape) && index >= 0 && index < x.shape[ax]
	for i := 0; ok && i < len(dst.shape); i++ {
		j := i
		if i >= ax {
			j++
		}
		ok = dst.shape[i] == x.shape[j]
	}
	if !ok {
		panic(shapeErr(op, fmt.Sprintf("destination does not fit index %d of axis %d", index, axis), x.shape, dst.shape))
	}
	outer, inner := shpSplitAt(x.shape, ax)
	row := x.shape[ax] * inner
	for o := range outer {
		shpRow(dst.data, x.data, o*inner, o*row+index*inner, inner, 1, 1, beta)
	}
}

// BroadcastToInto sets dst = beta·dst + BroadcastTo(x, dst's shape). It
// panics with a *ShapeError when x's shape does not broadcast to dst's.
func BroadcastToInto[T Float](dst, x *Tensor[T], beta T) {
	noOverlap("BroadcastToInto", dst, x)
	if !broadcastsTo(x.shape, dst.shape) {
		panic(shapeErr("BroadcastToInto", "source does not broadcast to the target shape", x.shape, dst.shape))
	}
	r := len(dst.shape)
	if len(x.data) == len(dst.data) {
		shpRow(dst.data, x.data, 0, 0, len(dst.data), 1, 1, beta)
		return
	}
	var db, sb [shpStack]int
	ss := shpInts(sb[:], r) // x's strides in dst's index space: 0 where it broadcasts
	off, s := r-len(x.shape), 1
	for i := r - 1; i >= 0; i-- {
		ss[i] = 0
		if j := i - off; j >= 0 && x.shape[j] != 1 {
			ss[i] = s
			s *= x.shape[j]
		}
	}
	shpMove(dst.data, x.data, 0, 0, dst.shape, shpStrides(shpInts(db[:], r), dst.shape), ss, beta)
}

// EmbeddingInto sets the rows of dst to the rows of weight ([num, dim]) at
// ids, in order: dst has len(ids)·dim elements in any shape whose last axis
// is dim. It panics with a *ShapeError when the shapes do not fit or an id
// is out of range.
func EmbeddingInto[T Float](dst, weight *Tensor[T], ids []int) {
	noOverlap("EmbeddingInto", dst, weight)
	dim := shpEmbeddingCheck("EmbeddingInto", dst, weight, ids)
	for j, id := range ids {
		copy(dst.data[j*dim:j*dim+dim], weight.data[id*dim:id*dim+dim])
	}
}

// EmbeddingAddInto adds each row j of g (len(ids)·dim elements whose last
// axis is dim) into row ids[j] of dweight ([num, dim]), in order: the
// gradient of EmbeddingInto, whose repeated ids accumulate. It panics with
// a *ShapeError when the shapes do not fit or an id is out of range.
func EmbeddingAddInto[T Float](dweight, g *Tensor[T], ids []int) {
	noOverlap("EmbeddingAddInto", dweight, g)
	embeddingAdd("EmbeddingAddInto", dweight, g, ids, -1)
}

// EmbeddingPaddedAddInto is EmbeddingAddInto for a table with a padding
// row, as torch's embedding with padding_idx: the rows of g whose id is
// padding are skipped, so that row of dweight gets nothing. A padding
// outside [0, num) skips nothing.
func EmbeddingPaddedAddInto[T Float](dweight, g *Tensor[T], ids []int, padding int) {
	noOverlap("EmbeddingPaddedAddInto", dweight, g)
	embeddingAdd("EmbeddingPaddedAddInto", dweight, g, ids, padding)
}

// embeddingAdd is EmbeddingAddInto and EmbeddingPaddedAddInto, named op,
// skipping the rows whose id is padding (−1: none).
func embeddingAdd[T Float](op string, dweight, g *Tensor[T], ids []int, padding int) {
	dim := shpEmbeddingCheck(op, g, dweight, ids)
	for j, id := range ids {
		if id != padding {
			addTo(dweight.data[id*dim:id*dim+dim], g.data[j*dim:j*dim+dim])
		}
	}
}

// shpEmbeddingCheck panics unless weight is [num, dim], rows has
// len(ids)·dim elements with last axis dim, and every id is below num; it
// returns dim.
func shpEmbeddingCheck[T Float](op string, rows, weight *Tensor[T], ids []int) int {
	ok := len(weight.shape) == 2 && len(rows.shape) > 0 && rows.shape[len(rows.shape)-1] == weight.shape[1] &&
		len(rows.data) == len(ids)*weight.shape[1]
	if !ok {
		panic(shapeErr(op, fmt.Sprintf("want a [num dim] table and %d rows of dim", len(ids)), weight.shape, rows.shape))
	}
	for j, id := range ids {
		if id < 0 || id >= weight.shape[0] {
			panic(shapeErr(op, fmt.Sprintf("ids[%d] = %d out of range [0, %d)", j, id, weight.shape[0]), weight.shape))
		}
	}
	return weight.shape[1]
}

// AppendSliceShape appends the shape of Slice(t, ranges...) to dst and
// returns it, without allocating when dst has room. It panics as Slice
// does.
func AppendSliceShape[T Float](dst []int, t *Tensor[T], ranges ...Range) []int {
	if len(ranges) > len(t.shape) {
		panic(shapeErr("Slice", fmt.Sprintf("%d ranges for %d axes", len(ranges), len(t.shape)), t.shape))
	}
	for ax, n := range t.shape {
		if ax < len(ranges) {
			_, n, _ = ranges[ax].resolve("Slice", ax, t.shape)
		}
		dst = append(dst, n)
	}
	return dst
}

// addTo adds src into dst element by element (the scatter-adds of the
// indexing ops' adjoints), vectorized.
func addTo[T Float](dst, src []T) {
	vec.Arith(vec.OpAdd, dst, dst, src)
}
