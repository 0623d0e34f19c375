package tensor

import (
	"fmt"

	"github.com/adjoint-go/adjoint/tensor/internal/gemm"
)

// GemmStrided computes c = alpha·op(a)·op(b) + beta·c on matrices that
// live inside larger row-major buffers: op(a) is m×k, op(b) k×n and c m×n,
// and a row of each starts ld elements after the previous one (lda, ldb,
// ldc), so that a column block of a wider matrix (one head's columns of a
// packed attention projection [rows, 3E], say) is an operand without a
// copy. Without transposition a is stored m×k (element (i,p) at
// a[i*lda+p]) and b k×n; with transA a is stored k×m, with transB b is
// stored n×k. The kernel is Gemm's, so the products are Gemm's bit for bit
// on the same values. With beta 0, c's old contents are ignored (even NaN);
// with k 0 the product is 0. It allocates nothing in steady state.
//
// It panics with a *ShapeError when a dimension is negative, a leading
// dimension is shorter than its row, a slice is too short for its matrix,
// or the elements of c span memory that a or b spans.
func GemmStrided[T Float](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmStrided("GemmStrided", GemmFull, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// GemmPart tells GemmStridedPart which part of a product it may leave out:
// a triangle of unwanted results or of zeros, as causal attention has.
// The diagonal is element (i, i) of c or of op(a).
type GemmPart int

const (
	// GemmFull is the whole product, GemmStrided's.
	GemmFull GemmPart = iota
	// GemmLowerC asks for the elements of c on and below the diagonal
	// (column ≤ row) only: the others are computed or left as they were,
	// tile by tile of the kernel.
	GemmLowerC
	// GemmLowerA says that the elements of op(a) after the diagonal
	// (column > row) are 0: their terms are left out of the sums or not.
	GemmLowerA
	// GemmUpperA says that the elements of op(a) before the diagonal
	// (column < row) are 0: their terms are left out of the sums or not.
	GemmUpperA
)

// GemmStridedPart is GemmStrided that may leave out the part of the
// product that part names, which a causal attention's products (scores
// above the diagonal, probabilities that are 0 after it) need not
// compute. Every element it computes is GemmStrided's, bit for bit up to
// the sign of a zero, when the terms left out are 0·x with x finite; which
// terms it leaves out depends only on the shape (terms are left out only
// while k fits one of the kernel's blocks of the inner dimension, 256).
// It panics as GemmStrided does, and with an *ArgError for an unknown
// part.
func GemmStridedPart[T Float](part GemmPart, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	gemmStrided("GemmStridedPart", part, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func gemmStrided[T Float](op string, part GemmPart, transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	var gp gemm.Part
	switch part {
	case GemmFull:
		gp = gemm.Full
	case GemmLowerC:
		gp = gemm.LowerC
	case GemmLowerA:
		gp = gemm.LowerA
	case GemmUpperA:
		gp = gemm.UpperA
	default:
		panic(&ArgError{Op: op, Arg: "part", Value: int(part), Reason: "is not a GemmPart"})
	}
	if m < 0 || n < 0 || k < 0 {
		panic(shapeErr(op, fmt.Sprintf("negative dimension: m=%d n=%d k=%d", m, n, k)))
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	ea := stridedExtent(op, "a", len(a), ar, ac, lda)
	eb := stridedExtent(op, "b", len(b), br, bc, ldb)
	ec := stridedExtent(op, "c", len(c), m, n, ldc)
	if overlaps(c[:ec], a[:ea]) || overlaps(c[:ec], b[:eb]) {
		panic(shapeErr(op, "output shares memory with an operand", []int{ar, ac}, []int{br, bc}, []int{m, n}))
	}
	if m == 0 || n == 0 {
		return
	}
	gemm.GemmPart(gp, transA, transB, m, n, k, alpha, a, max(1, lda), b, max(1, ldb), beta, c, max(1, ldc))
}

// stridedExtent returns how many elements an r×c matrix with row stride ld
// spans (0 when it is empty), and panics with a *ShapeError naming op and
// the operand when ld is shorter than a row or length cannot hold it.
func stridedExtent(op, name string, length, r, c, ld int) int {
	if ld < max(1, c) {
		panic(shapeErr(op, fmt.Sprintf("%s: leading dimension %d is less than the row length %d", name, ld, c), []int{r, c}))
	}
	if r == 0 || c == 0 {
		return 0
	}
	if (length-c)/ld < r-1 || length < c {
		panic(shapeErr(op, fmt.Sprintf("%s: %d elements cannot hold a %d×%d matrix with leading dimension %d", name, length, r, c, ld), []int{r, c}))
	}
	return (r-1)*ld + c
}
