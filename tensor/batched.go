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
	m, _, n := productDims(op, a, b, transA, transB)
	batch, ok := BroadcastShapes(a.shape[:len(a.shape)-2], b.shape[:len(b.shape)-2])
	if !ok {
		panic(shapeErr(op, "batch dimensions do not broadcast", a.shape, b.shape))
	}
	shape := append(append([]int{}, batch...), m, n)
	if _, ok := numElements(shape); !ok {
		panic(shapeErr(op, "result has too many elements", a.shape, b.shape))
	}
	out := Zeros[T](shape...)
	BatchGemmInto(transA, transB, 1, a, b, 0, out)
	return out
}

// productDims returns the rows m, the inner dimension k and the columns n of
// each product op(a)·op(b) of a batched matrix product, and panics with a *ShapeError naming op when
// an operand has fewer than 2 axes or the inner dimensions differ.
func productDims[T Float](op string, a, b *Tensor[T], transA, transB bool) (m, k, n int) {
	ra, rb := len(a.shape), len(b.shape)
	if ra < 2 || rb < 2 {
		panic(shapeErr(op, "operands must be at least 2-D", a.shape, b.shape))
	}
	m, k = a.shape[ra-2], a.shape[ra-1]
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
	return m, k, n
}
