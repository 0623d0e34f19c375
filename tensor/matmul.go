package tensor

import "fmt"

// MatMul returns op(a)·op(b) for 2-D tensors, where op transposes its operand
// when the matching flag is set. The transposes are read in place, never
// copied, which is what backward passes need (Aᵀ·B and A·Bᵀ). It panics with
// a *ShapeError when an operand is not 2-D or the inner dimensions differ.
func MatMul[T Float](a, b *Tensor[T], transA, transB bool) *Tensor[T] {
	m, _, n := matmulDims("MatMul", a, b, transA, transB)
	c := Zeros[T](m, n)
	Gemm(transA, transB, 1, a, b, 1, c) // beta 1: c is already zero
	return c
}

// Gemm computes c = alpha·op(a)·op(b) + beta·c in place, the BLAS general
// matrix multiply, with op as in MatMul. With beta 0, c's old contents are
// ignored (even NaN). c must not share memory with a or b. It panics with a
// *ShapeError on mismatched shapes.
func Gemm[T Float](transA, transB bool, alpha T, a, b *Tensor[T], beta T, c *Tensor[T]) {
	m, k, n := matmulDims("Gemm", a, b, transA, transB)
	if len(c.shape) != 2 || c.shape[0] != m || c.shape[1] != n {
		panic(shapeErr("Gemm", fmt.Sprintf("output must be [%d %d]", m, n), a.shape, b.shape, c.shape))
	}
	cd := c.data
	switch beta {
	case 0:
		clear(cd)
	case 1:
	default:
		for i := range cd {
			cd[i] *= beta
		}
	}
	if alpha == 0 || k == 0 {
		return
	}
	ad, bd := a.data, b.data
	switch {
	case !transA && !transB: // a [m,k], b [k,n]: i-k-j, rows of b and c are contiguous
		for i := 0; i < m; i++ {
			ci := cd[i*n : i*n+n]
			for p, av := range ad[i*k : i*k+k] {
				axpy(alpha*av, bd[p*n:p*n+n], ci)
			}
		}
	case !transA && transB: // a [m,k], b [n,k]: each c[i,j] is a contiguous dot product
		for i := 0; i < m; i++ {
			ai := ad[i*k : i*k+k]
			for j := 0; j < n; j++ {
				cd[i*n+j] += alpha * dot(ai, bd[j*k:j*k+k])
			}
		}
	case transA && !transB: // a [k,m], b [k,n]: k-i-j, rows of b and c are contiguous
		for p := 0; p < k; p++ {
			bp := bd[p*n : p*n+n]
			for i, av := range ad[p*m : p*m+m] {
				axpy(alpha*av, bp, cd[i*n:i*n+n])
			}
		}
	default: // a [k,m], b [n,k]: cᵀ = b·a, so accumulate rows of a into columns of c
		for j := 0; j < n; j++ {
			bj := bd[j*k : j*k+k]
			for p, bv := range bj {
				s := alpha * bv
				ap := ad[p*m : p*m+m]
				for i, av := range ap {
					cd[i*n+j] += s * av
				}
			}
		}
	}
}

// matmulDims validates the operands of op(a)·op(b) and returns m, k, n.
func matmulDims[T Float](op string, a, b *Tensor[T], transA, transB bool) (m, k, n int) {
	if len(a.shape) != 2 || len(b.shape) != 2 {
		panic(shapeErr(op, "operands must be 2-D", a.shape, b.shape))
	}
	m, k = a.shape[0], a.shape[1]
	if transA {
		m, k = k, m
	}
	kb, n := b.shape[0], b.shape[1]
	if transB {
		kb, n = n, kb
	}
	if k != kb {
		panic(shapeErr(op, "inner dimensions differ", a.shape, b.shape))
	}
	return m, k, n
}

// axpy computes y += alpha*x over len(y) elements.
func axpy[T Float](alpha T, x, y []T) {
	x = x[:len(y)]
	i := 0
	for ; i+4 <= len(y); i += 4 {
		y[i] += alpha * x[i]
		y[i+1] += alpha * x[i+1]
		y[i+2] += alpha * x[i+2]
		y[i+3] += alpha * x[i+3]
	}
	for ; i < len(y); i++ {
		y[i] += alpha * x[i]
	}
}

// dot returns the dot product of x and y over len(x) elements. Four
// independent partial sums keep the loop from waiting on one accumulator;
// they are combined in a fixed order, so the result is deterministic.
func dot[T Float](x, y []T) T {
	y = y[:len(x)]
	var s0, s1, s2, s3 T
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// Transpose returns the transpose of a 2-D tensor as a new tensor. It panics
// with a *ShapeError for any other rank.
func Transpose[T Float](t *Tensor[T]) *Tensor[T] {
	if len(t.shape) != 2 {
		panic(shapeErr("Transpose", "tensor must be 2-D", t.shape))
	}
	r, c := t.shape[0], t.shape[1]
	out := Zeros[T](c, r)
	for i := 0; i < r; i++ {
		for j, v := range t.data[i*c : i*c+c] {
			out.data[j*r+i] = v
		}
	}
	return out
}
