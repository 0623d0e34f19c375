package tensor

import "math"

// finiteBlock is how many elements AllFinite and HasNaN scan between two
// early-exit checks: enough for the branch-free inner loop to run at full
// speed, few enough that a NaN near the start of a large tensor is found
// without reading all of it.
const finiteBlock = 256

// AllFinite reports whether every element of t is finite: no NaN, no +Inf,
// no -Inf. An empty tensor is all finite. It allocates nothing and reads t
// in blocks, stopping at the first block that holds a non-finite value; use
// it to guard a training step (a gradient or a loss) before it spreads NaN
// into a model's weights. A nil t panics with an *ArgError.
func AllFinite[T Float](t *Tensor[T]) bool {
	checkNotNil("AllFinite", t)
	return AllFiniteSlice(t.data)
}

// checkNotNil panics with an *ArgError naming op when t is nil.
func checkNotNil[T Float](op string, t *Tensor[T]) {
	if t == nil {
		panic(&ArgError{Op: op, Arg: "t", Value: t, Reason: "must not be nil"})
	}
}

// AllFiniteSlice is AllFinite for a plain slice, such as a gradient's Data.
func AllFiniteSlice[T Float](d []T) bool {
	for len(d) > 0 {
		n := min(len(d), finiteBlock)
		if !finiteBlockOK(d[:n]) {
			return false
		}
		d = d[n:]
	}
	return true
}

// finiteBlockOK reports whether every element of d is finite. For a finite
// x, x-x is exactly 0; for ±Inf or NaN it is NaN, and a sum with a NaN
// term is NaN. Four independent sums keep the loop free of branches and
// of a serial dependency chain.
func finiteBlockOK[T Float](d []T) bool {
	var s0, s1, s2, s3 T
	k := 0
	for ; k+4 <= len(d); k += 4 {
		x := d[k : k+4 : k+4]
		s0 += x[0] - x[0]
		s1 += x[1] - x[1]
		s2 += x[2] - x[2]
		s3 += x[3] - x[3]
	}
	for ; k < len(d); k++ {
		s0 += d[k] - d[k]
	}
	s := s0 + s1 + s2 + s3
	return s == s // false only for NaN
}

// HasNaN reports whether some element of t is NaN (±Inf alone does not
// count). It allocates nothing and stops at the first block that holds a
// NaN. A nil t panics with an *ArgError.
func HasNaN[T Float](t *Tensor[T]) bool {
	checkNotNil("HasNaN", t)
	return HasNaNSlice(t.data)
}

// HasNaNSlice is HasNaN for a plain slice.
func HasNaNSlice[T Float](d []T) bool {
	for len(d) > 0 {
		n := min(len(d), finiteBlock)
		if nanInBlock(d[:n]) {
			return true
		}
		d = d[n:]
	}
	return false
}

// nanInBlock reports whether d holds a NaN, the only value not equal to
// itself. The branch-free finiteness sum screens the block first, so only a
// block with a NaN or an Inf is scanned element by element.
func nanInBlock[T Float](d []T) bool {
	if finiteBlockOK(d) {
		return false
	}
	for _, x := range d {
		if x != x {
			return true
		}
	}
	return false
}

// SameBits reports whether a and b have the same shape and every element
// the same bits: a NaN equals a NaN with the same payload, and 0 differs
// from −0. It is the test of "bit-identical" results (a recomputation, a
// run at another GOMAXPROCS, two copies of one tensor in a file), where
// Equal would call two NaNs different and 0 equal to −0.
func SameBits[T Float](a, b *Tensor[T]) bool {
	if !SameShape(a.shape, b.shape) {
		return false
	}
	bd := b.data[:len(a.data)]
	for i, v := range a.data {
		// Widening a float32 is exact, and keeps the sign of 0 and a
		// NaN's payload.
		if math.Float64bits(float64(v)) != math.Float64bits(float64(bd[i])) {
			return false
		}
	}
	return true
}
