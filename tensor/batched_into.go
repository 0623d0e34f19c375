package tensor

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
	ra, rb, rc := len(a.shape), len(b.shape), len(c.shape)
	if ra < 2 || rb < 2 {
		panic(shapeErr(op, "operands must be at least 2-D", a.shape, b.shape))
	}
	m, k := a.shape[ra-2], a.shape[ra-1]
	if transA {
		m, k = k, m
	}
	kb, n := b.shape[rb-2], b.shape[rb-1]
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(shapeErr(op, "inner dimensions differ", a.shape, b.shape))
	}
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
		rows := len(a.data) / max(k, 1)
		va := Tensor[T]{data: a.data, shape: []int{rows, k}}
		vc := Tensor[T]{data: c.data, shape: []int{rows, n}}
		Gemm(false, transB, alpha, &va, b, beta, &vc)
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
