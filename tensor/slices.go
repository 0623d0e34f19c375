package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// The elementwise kernels on plain slices, for the fused derivatives of
// other packages (a normalization's backward works on one row at a time).
// Each runs vectorized where the CPU allows (AVX-512, AVX2) and gives the
// bits of its scalar loop: one IEEE operation per element, in the order
// written, so that a fused kernel built of them has the bits of the same
// arithmetic done with the tensor ops. In each, x and y must be at least as
// long as dst, and dst may be x or y but must not overlap them otherwise.

// SliceAdd sets dst[i] = x[i] + y[i].
func SliceAdd[T Float](dst, x, y []T) { vec.Arith(vec.OpAdd, dst, x, y) }

// SliceSub sets dst[i] = x[i] − y[i].
func SliceSub[T Float](dst, x, y []T) { vec.Arith(vec.OpSub, dst, x, y) }

// SliceMul sets dst[i] = x[i]·y[i].
func SliceMul[T Float](dst, x, y []T) { vec.Arith(vec.OpMul, dst, x, y) }

// SliceSubScalar sets dst[i] = x[i] − s.
func SliceSubScalar[T Float](dst, x []T, s T) { vec.ArithScalar(vec.OpSub, dst, x, s) }

// SliceMulScalar sets dst[i] = x[i]·s.
func SliceMulScalar[T Float](dst, x []T, s T) { vec.ArithScalar(vec.OpMul, dst, x, s) }

// SliceScalarMul sets dst[i] = s·x[i] (the product of SliceMulScalar with
// the operands in this order, which only a NaN's payload can tell apart).
func SliceScalarMul[T Float](dst []T, s T, x []T) { vec.ScalarArith(vec.OpMul, dst, s, x) }
