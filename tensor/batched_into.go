package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// maxBatchDims is how many batch axes BatchGemmInto walks without
// allocating its odometer.
const maxBatchDims = 8

// BatchGemmInto computes c = alpha·op(a)·op(b) + beta·c for every matrix of
// a batch, in place: BatchMatMul with a destination, for callers (an
// engine's arena, a backward pass accumulating a gradient) that own c. The
// last two axes of each operand are a matrix and op transposes them when
// the flag is set; the batch axes of a and b broadcast under NumPy's rules
// and c must be that broadcast batch followed by [m n]. With beta 0, c's old
// contents are ignored (even NaN).
//
// The products are BatchMatMul's, bit for bit (with beta 0 and alpha 1):
// when b is a single matrix and a is not transposed, the batch of a is
// folded into its rows and the whole product is one Gemm. It allocates
// nothing for up to 8 batch axes.
//
// It panics with a *ShapeError when an operand has fewer than 2 axes, the
// inner dimensions differ, the batch axes do not broadcast, c has another
// shape or c shares memory with a or b.
func BatchGemmInto[T Float](transA, transB bool, alpha T, a, b *Tensor[T], beta T, c *Tensor[T]) {
	const op = "BatchGemmInto"
	m, k, n := productDims(op, a, b, transA, transB)
	ra, rb, rc := len(a.shape), len(b.shape), len(c.shape)
	batchA, batchB := a.shape[:ra-2], b.shape[:rb-2]
	if !batchBroadcastsTo(batchA, batchB, c.shape[:max(rc-2, 0)]) || rc < 2 || c.shape[rc-2] != m || c.shape[rc-1] != n {
		panic(shapeErr(op, "destination is not the broadcast batch of [m n] products", a.shape, b.shape, c.shape))
	}
	if overlaps(c.data, a.data) || overlaps(c.data, b.data) {
		panic(shapeErr(op, "output shares memory with an operand", a.shape, b.shape, c.shape))
	}
	if len(c.data) == 0 {
		return
	}
	if rb == 2 && !transA && rc == ra {
		// One matrix on the right: [..., m, k]·[k, n] is [(...·m), k]·[k, n].
		rows := foldedRows(a.shape)
		gemm.Gemm(false, transB, rows, n, k, alpha, a.data, max(1, k), b.data, max(1, b.shape[1]), beta, c.data, max(1, n))
		return
	}
	batch := c.shape[:rc-2]
	sizeA, sizeB, sizeC := a.shape[ra-2]*a.shape[ra-1], b.shape[rb-2]*b.shape[rb-1], m*n
	va := Tensor[T]{shape: a.shape[ra-2:]}
	vb := Tensor[T]{shape: b.shape[rb-2:]}
	vc := Tensor[T]{shape: c.shape[rc-2:]}
	var idxBuf, stABuf, stBBuf [maxBatchDims]int
	idx, stA, stB := idxBuf[:0], stABuf[:0], stBBuf[:0]
	if len(batch) > maxBatchDims {
		idx, stA, stB = make([]int, 0, len(batch)), make([]int, 0, len(batch)), make([]int, 0, len(batch))
	}
	idx = idx[:len(batch)]
	clear(idx)
	stA, stB = batchStrides(stA, batchA, batch), batchStrides(stB, batchB, batch)
	oa, ob := 0, 0
	for i := 0; i*sizeC < len(c.data); i++ {
		va.data = a.data[oa*sizeA : (oa+1)*sizeA]
		vb.data = b.data[ob*sizeB : (ob+1)*sizeB]
		vc.data = c.data[i*sizeC : (i+1)*sizeC]
		Gemm(transA, transB, alpha, &va, &vb, beta, &vc)
		// Advance the odometer over the batch axes.
		for ax := len(batch) - 1; ax >= 0; ax-- {
			idx[ax]++
			oa += stA[ax]
			ob += stB[ax]
			if idx[ax] < batch[ax] {
				break
			}
			oa -= stA[ax] * idx[ax]
			ob -= stB[ax] * idx[ax]
			idx[ax] = 0
		}
	}
}

// batchBroadcastsTo reports whether the batch shapes a and b broadcast to
// exactly batch.
func batchBroadcastsTo(a, b, batch []int) bool {
	if len(a) > len(batch) || len(b) > len(batch) {
		return false
	}
	for i := range batch {
		da, db := 1, 1
		if j := i - (len(batch) - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (len(batch) - len(b)); j >= 0 {
			db = b[j]
		}
		want := da
		if da == 1 {
			want = db
		} else if db != 1 && db != da {
			return false
		}
		if batch[i] != want {
			return false
		}
	}
	return true
}

// batchStrides appends to st the strides, counted in matrices, of the batch
// shape src laid out in the index space of batch (0 along broadcast axes),
// as stridesIn does, without allocating when st has room.
func batchStrides(st []int, src, batch []int) []int {
	st = st[:len(batch)]
	off := len(batch) - len(src)
	s := 1
	for i := len(batch) - 1; i >= 0; i-- {
		st[i] = 0
		if j := i - off; j >= 0 {
			if src[j] != 1 {
				st[i] = s
			}
			s *= src[j]
		}
	}
	return st
}

// GemmRows computes c = alpha·op(a')·op(b') + beta·c, where a' and b' are a
// and b viewed as matrices by folding every axis but the last into the rows
// (a [2 3 4] is a [6 4] matrix), and c is 2-D. For batches of equal shape
// it is the sum over the batch of the per-matrix products op(aᵢ)·op(bᵢ)
// when both flags are (true, false): Σᵢ aᵢᵀ·bᵢ = a'ᵀ·b', the gradient of a
// matrix that a batch shared, in one Gemm. It allocates nothing and panics
// with a *ShapeError as Gemm does (under its own name), and when a or b has
// fewer than 2 axes.
func GemmRows[T Float](transA, transB bool, alpha T, a, b *Tensor[T], beta T, c *Tensor[T]) {
	if len(a.shape) < 2 || len(b.shape) < 2 {
		panic(shapeErr("GemmRows", "operands must be at least 2-D", a.shape, b.shape))
	}
	ra, ca := foldedRows(a.shape), a.shape[len(a.shape)-1]
	rb, cb := foldedRows(b.shape), b.shape[len(b.shape)-1]
	m, k := ra, ca
	if transA {
		m, k = k, m
	}
	kb, n := rb, cb
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(shapeErr("GemmRows", "inner dimensions differ", a.shape, b.shape))
	}
	if len(c.shape) != 2 || c.shape[0] != m || c.shape[1] != n {
		panic(shapeErr("GemmRows", fmt.Sprintf("output must be [%d %d]", m, n), a.shape, b.shape, c.shape))
	}
	if overlaps(c.data, a.data) || overlaps(c.data, b.data) {
		panic(shapeErr("GemmRows", "output shares memory with an operand", a.shape, b.shape, c.shape))
	}
	gemm.Gemm(transA, transB, m, n, k, alpha, a.data, max(1, ca), b.data, max(1, cb), beta, c.data, max(1, n))
}

// foldedRows is the product of every axis of shape but the last.
func foldedRows(shape []int) int {
	r := 1
	for _, d := range shape[:len(shape)-1] {
		r *= d
	}
	return r
}
