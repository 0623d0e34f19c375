package tensor

// BatchMatMul returns op(a)·op(b) for operands of rank 2 or more: the last
// two axes of each operand are a matrix, the leading (batch) axes broadcast
// under NumPy's rules, as in torch.matmul. op transposes the last two axes of
// its operand when the matching flag is set, without copying. The result has
// the broadcast batch shape followed by [m n]. For example [2 1 4 3]·[5 3 6]
// gives [2 5 4 6].
//
// Each matrix of the batch is one call to Gemm on the operands' own memory.
// When b is a single matrix and a is not transposed, the batch of a is folded
// into its rows and the whole product is one Gemm.
//
// It panics with a *ShapeError when an operand has fewer than 2 axes, the
// inner dimensions differ, or the batch axes do not broadcast.
func BatchMatMul[T Float](a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	const op = "BatchMatMul"
	ra, rb := len(a.shape), len(b.shape)
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
	batch, ok := BroadcastShapes(batchA, batchB)
	if !ok {
		panic(shapeErr(op, "batch dimensions do not broadcast", a.shape, b.shape))
	}
	shape := append(append([]int{}, batch...), m, n)
	if _, ok := numElements(shape); !ok {
		panic(shapeErr(op, "result has too many elements", a.shape, b.shape))
	}
	if rb == 2 && !transA {
		// One matrix on the right: [..., m, k]·[k, n] is [(...·m), k]·[k, n].
		rows := 1
		for _, d := range a.shape[:ra-1] {
			rows *= d
		}
		c := Zeros[T](rows, n)
		Gemm(false, transB, 1, &Tensor[T]{data: a.data, shape: []int{rows, k}}, b, 0, c)
		return &Tensor[T]{data: c.data, shape: shape}
	}
	out := Zeros[T](shape...)
	if len(out.data) == 0 {
		return out
	}
	sizeA, sizeB, sizeC := a.shape[ra-2]*a.shape[ra-1], b.shape[rb-2]*b.shape[rb-1], m*n
	// Views onto one matrix of each operand, moved along the batch.
	va := &Tensor[T]{shape: a.shape[ra-2:]}
	vb := &Tensor[T]{shape: b.shape[rb-2:]}
	vc := &Tensor[T]{shape: []int{m, n}}
	stA, stB := stridesIn(batchA, batch), stridesIn(batchB, batch)
	stC := stridesIn(batch, batch)
	last := len(batch) - 1
	forRows(batch, [][]int{stA, stB, stC}, func(offs []int, cnt int) {
		da, db, dc := 0, 0, 1 // batch strides along the innermost batch axis
		if last >= 0 {
			da, db, dc = stA[last], stB[last], stC[last]
		}
		for i := 0; i < cnt; i++ {
			oa, ob, oc := (offs[0]+i*da)*sizeA, (offs[1]+i*db)*sizeB, (offs[2]+i*dc)*sizeC
			va.data = a.data[oa : oa+sizeA]
			vb.data = b.data[ob : ob+sizeB]
			vc.data = out.data[oc : oc+sizeC]
			Gemm(transA, transB, 1, va, vb, 0, vc)
		}
	})
	return out
}
