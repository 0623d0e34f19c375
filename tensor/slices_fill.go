package tensor

import "github.com/adjoint-go/adjoint/tensor/internal/vec"

// fillSeed is how many elements SliceFill sets one by one before it doubles
// them by copies: enough that the copies are few and long.
const fillSeed = 32

// SliceFill sets every element of dst to v, the broadcast of a reduction's
// gradient back over a row. It sets the first elements one by one, then
// doubles the filled prefix by copies (the runtime's vectorized memmove),
// several times faster than a loop of stores on a long row; the values are
// v's bits, -0 and NaN payloads included.
func SliceFill[T Float](dst []T, v T) {
	n := min(len(dst), fillSeed)
	for i := range dst[:n] {
		dst[i] = v
	}
	for n < len(dst) {
		n += copy(dst[n:], dst[:n])
	}
}

// SliceAddScalar sets dst[i] = x[i] + s, one IEEE addition per element.
func SliceAddScalar[T Float](dst, x []T, s T) {
	sliceArg("SliceAddScalar", dst, x)
	vec.ArithScalar(vec.OpAdd, dst, x, s)
}
