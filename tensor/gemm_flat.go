package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// BatchGemmFlat computes c = alpha·op(a)·op(b) + beta·c for batch matrix
// products whose operands are stored back to back in the data of a, b and
// c, whatever the tensors' shapes: a holds batch matrices of m×k (k×m when
// transA), b batch matrices of k×n (n×k when transB) and c batch matrices of
// m×n, each row-major. It is for callers that lay out their operands
// themselves, such as an einsum that folds several axes into the batch, the
// rows, the columns or the inner dimension of one product, and must not
// allocate a reshaped view to do so. With beta 0, c's old contents are
// ignored (even NaN); with k 0 the product is 0.
//
// It panics with a *ShapeError when a dimension is negative, a tensor's
// length is not what the dimensions say, or c shares memory with a or b.
func BatchGemmFlat[T Float](transA, transB bool, batch, m, n, k int, alpha T, a, b *Tensor[T], beta T, c *Tensor[T]) {
	const op = "BatchGemmFlat"
	if batch < 0 || m < 0 || n < 0 || k < 0 || len(a.data) != batch*m*k || len(b.data) != batch*k*n || len(c.data) != batch*m*n {
		panic(shapeErr(op, fmt.Sprintf("operands do not hold %d products of [%d %d]·[%d %d]", batch, m, k, k, n), a.shape, b.shape, c.shape))
	}
	if overlaps(c.data, a.data) || overlaps(c.data, b.data) {
		panic(shapeErr(op, "output shares memory with an operand", a.shape, b.shape, c.shape))
	}
	if len(c.data) == 0 {
		return
	}
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	if k == 0 { // products of nothing: c = beta·c
		for i, v := range c.data {
			c.data[i] = 0
			if beta != 0 {
				c.data[i] = beta * v
			}
		}
		return
	}
	if batch == 1 {
		gemm.Gemm(transA, transB, m, n, k, alpha, a.data, max(1, lda), b.data, max(1, ldb), beta, c.data, max(1, n))
		return
	}
	sa, sb, sc := m*k, k*n, m*n
	for i := range batch {
		gemm.Gemm(transA, transB, m, n, k, alpha, a.data[i*sa:(i+1)*sa], max(1, lda), b.data[i*sb:(i+1)*sb],
			max(1, ldb), beta, c.data[i*sc:(i+1)*sc], max(1, n))
	}
}
