package tensor

import "fmt"

// This file holds kernels of the indexing ops that write into tensors the
// caller provides (an autodiff engine's arena): IndexSelect and its
// adjoint.

// IndexSelectInto is IndexSelect into dst, which must have x's shape with
// len(indices) along axis. It panics with a *ShapeError for an axis or an
// index out of range, or a dst of the wrong shape.
func IndexSelectInto[T Float](dst, x *Tensor[T], axis int, indices []int) {
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
	const op = "IndexAddInto"
	ax := shpIndexCheck(op, dst.shape, axis, indices, dst.shape)
	shpIndexDst(op, src, dst.shape, ax, len(indices))
	outer, inner := shpSplitAt(dst.shape, ax)
	n := dst.shape[ax]
	for o := 0; o < outer; o++ {
		for j, idx := range indices {
			s := (o*len(indices) + j) * inner
			d := (o*n + idx) * inner
			axpy(1, src.data[s:s+inner], dst.data[d:d+inner])
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
