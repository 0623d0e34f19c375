package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// This file holds the destination-passing forms of the kernels a training
// step runs every iteration. They write into a tensor the caller owns instead
// of allocating one, so that an engine that keeps its buffers from one step
// to the next allocates nothing. Each panics with a *ShapeError when dst does
// not have the shape of the result.

// Dim returns the size of axis i (negative i counts from the end), without
// copying the shape as Shape does.
func (t *Tensor[T]) Dim(i int) int { return dimOf("Dim", t.shape, i) }

// dimOf is axis i of shape, a negative i counting from the end; it panics
// with a *ShapeError naming op for an axis out of range.
func dimOf(op string, shape []int, i int) int {
	if i < 0 {
		i += len(shape)
	}
	if i < 0 || i >= len(shape) {
		panic(shapeErr(op, "axis out of range", shape))
	}
	return shape[i]
}

// SameShapeAs reports whether t and u have the same shape, without copying
// either.
func (t *Tensor[T]) SameShapeAs(u *Tensor[T]) bool { return SameShape(t.shape, u.shape) }

// HasShape reports whether t has exactly the given shape.
func (t *Tensor[T]) HasShape(shape ...int) bool { return SameShape(t.shape, shape) }

// AddInto sets dst = a + b with NumPy broadcasting. dst may be a or b
// (when it has that operand's shape) but must not overlap them otherwise:
// it panics with a *ShapeError then, as for a dst of another shape.
func AddInto[T Float](dst, a, b *Tensor[T]) { binaryInto(opAdd, dst, a, b) }

// SubInto sets dst = a - b with NumPy broadcasting. dst may be a or b, as
// for AddInto.
func SubInto[T Float](dst, a, b *Tensor[T]) { binaryInto(opSub, dst, a, b) }

// MulInto sets dst = a ∘ b with NumPy broadcasting. dst may be a or b, as
// for AddInto.
func MulInto[T Float](dst, a, b *Tensor[T]) { binaryInto(opMul, dst, a, b) }

// binaryInto runs a broadcasting binary kernel into dst. The shapes of a
// training step (equal shapes, a bias row over a batch, a scalar) take loops
// that allocate nothing; any other broadcast computes the result aside and
// copies it.
func binaryInto[T Float](op binOp, dst, a, b *Tensor[T]) {
	if !sameOrApart(dst.data, a.data) || !sameOrApart(dst.data, b.data) {
		sameOrApartInto(binOpNames[op]+"Into", dst, a, b) // panics
	}
	switch {
	case SameShape(a.shape, b.shape) && SameShape(dst.shape, a.shape):
		binaryRow(op, nil, dst.data, a.data, 1, b.data, 1)
	case SameShape(dst.shape, a.shape) && isSuffix(b.shape, a.shape):
		m := len(b.data)
		if m == 0 { // then a is empty too
			return
		}
		if m == 1 {
			scalarRight(op, dst.data, a.data, b.data[0])
			return
		}
		for r := 0; r+m <= len(dst.data); r += m {
			binaryRow(op, nil, dst.data[r:r+m], a.data[r:r+m], 1, b.data, 1)
		}
	case SameShape(dst.shape, b.shape) && isSuffix(a.shape, b.shape):
		m := len(a.data)
		if m == 0 {
			return
		}
		if m == 1 {
			scalarLeft(op, dst.data, a.data[0], b.data)
			return
		}
		for r := 0; r+m <= len(dst.data); r += m {
			binaryRow(op, nil, dst.data[r:r+m], a.data, 1, b.data[r:r+m], 1)
		}
	default:
		if broadcastInto(op, dst, a, b) {
			return
		}
		out := binary(op, a, b, nil)
		if !SameShape(dst.shape, out.shape) {
			panic(shapeErr(binOpNames[op]+"Into", "destination does not have the result's shape", dst.shape, a.shape, b.shape))
		}
		copy(dst.data, out.data)
	}
}

// maxBroadcastDims is the rank up to which broadcastInto keeps its
// bookkeeping on the stack.
const maxBroadcastDims = 8

// broadcastInto is binaryInto for any broadcast of a and b to dst's shape
// (a column [N 1] against [N C], say), row by row like binary, so with its
// bits, and without allocating. It reports false, having done nothing, when
// dst's rank is beyond maxBroadcastDims or a and b do not broadcast to
// exactly dst's shape; the caller then takes the general path, which
// raises the shape error.
func broadcastInto[T Float](op binOp, dst, a, b *Tensor[T]) bool {
	nd := len(dst.shape)
	if nd == 0 || nd > maxBroadcastDims || nd != max(len(a.shape), len(b.shape)) {
		return false // the result has the rank of the larger operand
	}
	var sa, sb [maxBroadcastDims]int // a's and b's strides along dst's axes, 0 where broadcast
	fill := func(s *[maxBroadcastDims]int, shape []int) bool {
		stride, off := 1, nd-len(shape)
		for i := len(shape) - 1; i >= 0; i-- {
			switch d := shape[i]; {
			case d == dst.shape[off+i]:
				s[off+i] = stride
			case d != 1:
				return false
			}
			stride *= shape[i]
		}
		return true
	}
	if !fill(&sa, a.shape) || !fill(&sb, b.shape) {
		return false
	}
	for i, d := range dst.shape { // every axis of dst comes from a or b
		da, db := 1, 1
		if j := i - (nd - len(a.shape)); j >= 0 {
			da = a.shape[j]
		}
		if j := i - (nd - len(b.shape)); j >= 0 {
			db = b.shape[j]
		}
		want := da // the broadcast of da and db: 1 gives way to the other (even to 0)
		if da == 1 {
			want = db
		}
		if want != d || (da != 1 && db != 1 && da != db) {
			return false
		}
	}
	n := dst.shape[nd-1]
	if n == 0 || len(dst.data) == 0 {
		return true
	}
	var idx [maxBroadcastDims]int
	offA, offB := 0, 0
	for r := 0; r < len(dst.data)/n; r++ {
		binaryRow(op, nil, dst.data[r*n:(r+1)*n], a.data[offA:], sa[nd-1], b.data[offB:], sb[nd-1])
		for d := nd - 2; d >= 0; d-- { // next row: an odometer over the leading axes
			idx[d]++
			offA += sa[d]
			offB += sb[d]
			if idx[d] < dst.shape[d] {
				break
			}
			offA -= sa[d] * dst.shape[d]
			offB -= sb[d] * dst.shape[d]
			idx[d] = 0
		}
	}
	return true
}

// isSuffix reports whether small, with leading 1s dropped, is the trailing
// part of big: small then broadcasts to big by repeating it whole.
func isSuffix(small, big []int) bool {
	if len(small) > len(big) {
		return false // the broadcast result has small's rank, not big's shape
	}
	for len(small) > 0 && small[0] == 1 {
		small = small[1:]
	}
	return SameShape(small, big[len(big)-len(small):])
}

// scalarRight computes dst[i] = x[i] op s (op not opFunc), vectorized.
func scalarRight[T Float](op binOp, dst, x []T, s T) {
	vec.ArithScalar(vecOp(op), dst, x[:len(dst)], s)
}

// scalarLeft computes dst[i] = s op y[i] (op not opFunc), vectorized.
func scalarLeft[T Float](op binOp, dst []T, s T, y []T) {
	vec.ScalarArith(vecOp(op), dst, s, y[:len(dst)])
}

// checkInto panics unless dst and x have the same shape.
func checkInto[T Float](op string, dst, x *Tensor[T]) {
	if !SameShape(dst.shape, x.shape) {
		panic(shapeErr(op, "destination and source shapes differ", dst.shape, x.shape))
	}
}

// mapCheck panics with a *ShapeError naming op unless dst has the shape
// of each of srcs and is each of them or shares no memory with it: the
// checks of an elementwise kernel that may work in place.
func mapCheck[T Float](op string, dst *Tensor[T], srcs ...*Tensor[T]) {
	for _, s := range srcs {
		checkInto(op, dst, s)
	}
	sameOrApartInto(op, dst, srcs...)
}

// ScaleInto sets dst = k·x. dst may be x (not otherwise overlap it).
func ScaleInto[T Float](dst, x *Tensor[T], k T) {
	mapCheck("ScaleInto", dst, x)
	vec.ScalarArith(vec.OpMul, dst.data, k, x.data[:len(dst.data)])
}

// SigmoidInto sets dst = σ(x), as Sigmoid does. dst may be x.
func SigmoidInto[T Float](dst, x *Tensor[T]) {
	sigmoidInto("SigmoidInto", dst, x)
}

// TanhInto sets dst = tanh(x). dst may be x.
func TanhInto[T Float](dst, x *Tensor[T]) {
	tanhInto("TanhInto", dst, x)
}

// SigmoidGradInto sets dst = g·(y·(1 − y)), σ's derivative from its
// output y = σ(x), times the incoming gradient g, each operation rounded
// in that order (the bits of Mul(g, Mul(y, Sub(1, y)))). dst may be y or g.
// It runs vectorized where the CPU allows and does not allocate. It panics
// with a *ShapeError unless the three shapes are equal, or when dst
// overlaps y or g without being it.
func SigmoidGradInto[T Float](dst, y, g *Tensor[T]) {
	mapCheck("SigmoidGradInto", dst, y, g)
	vec.SigmoidGrad(dst.data, y.data, g.data)
}

// TanhGradInto sets dst = g·(1 − y·y), tanh's derivative from its output
// y = tanh(x), times the incoming gradient g, each operation rounded in
// that order (the bits of Mul(g, Sub(1, Mul(y, y)))). dst may be y or g.
// It runs vectorized where the CPU allows and does not allocate. It panics
// with a *ShapeError unless the three shapes are equal, or when dst
// overlaps y or g without being it.
func TanhGradInto[T Float](dst, y, g *Tensor[T]) {
	mapCheck("TanhGradInto", dst, y, g)
	vec.TanhGrad(dst.data, y.data, g.data)
}

// MulAddInto adds the elementwise product x·y into dst (dst += x·y), each
// product rounded before its add, with no fused multiply-add: the bits of
// AddInto(dst, dst, Mul(x, y)), without the temporary. It is how the
// gradient of a product accumulates. dst may be x or y (each element's
// product is formed from their old values) but must not overlap them
// otherwise. It runs vectorized where the CPU allows and does not
// allocate. It panics with a *ShapeError unless the three shapes are
// equal, or when dst overlaps x or y without being it.
func MulAddInto[T Float](dst, x, y *Tensor[T]) {
	mapCheck("MulAddInto", dst, x, y)
	vec.MulAdd(dst.data, x.data, y.data)
}

// ReLUInto sets dst = max(x, 0), as ReLU does: +0 for x ≤ 0 (also −0),
// NaN for NaN. dst may be x. It runs vectorized where the CPU allows
// (AVX-512, AVX2) with the bits of the scalar loop (see relu.go). It
// panics with a *ShapeError for a dst of another shape, or one that
// overlaps x without being it.
func ReLUInto[T Float](dst, x *Tensor[T]) {
	mapCheck("ReLUInto", dst, x)
	reluInto(dst.data, x.data)
}

// SumToInto sets dst = beta·dst + alpha·SumTo(src, dst's shape): the
// unbroadcast of a gradient, accumulated where it is wanted. With beta 0,
// dst's old contents are ignored (even NaN). alpha scales each element
// before the sums, which are added in the same order as SumTo's, so the
// reduced term has the bits of SumTo(Scale(src, alpha)) and, with beta 0 or
// 1, dst those of Add(beta·dst, that). It does not allocate. dst may be
// src when they have as many elements (nothing is summed then), and must
// not share memory with it otherwise. It panics with a *ShapeError when
// dst's shape does not broadcast to src's, or dst overlaps src where it
// may not.
func SumToInto[T Float](dst, src *Tensor[T], alpha, beta T) {
	d := dst.data
	if !broadcastsTo(dst.shape, src.shape) {
		panic(shapeErr("SumToInto", "target shape does not broadcast to the source", src.shape, dst.shape))
	}
	if len(d) != len(src.data) {
		noOverlap("SumToInto", dst, src) // the sums read src after dst's first writes
	} else if !sameOrApart(d, src.data) {
		sameOrApartInto("SumToInto", dst, src) // panics
	}
	if len(d) == len(src.data) {
		// Equal sizes: only 1s differ, nothing is summed (as in SumTo).
		// Vectorized, with the bits of the scalar loops: alpha·s, or
		// T(beta·d) + T(alpha·s) without a fused multiply-add.
		s := src.data[:len(d)]
		if beta == 0 {
			vec.ScalarArith(vec.OpMul, d, alpha, s)
			return
		}
		vec.Axpby(d, s, alpha, beta)
		return
	}
	sumToInto(d, src.data, src.shape, dst.shape, alpha, beta, alpha != 1)
}

// BroadcastsTo reports whether t's shape broadcasts to u's under NumPy's
// rules (u's shape is what the broadcast produces).
func (t *Tensor[T]) BroadcastsTo(u *Tensor[T]) bool { return broadcastsTo(t.shape, u.shape) }
