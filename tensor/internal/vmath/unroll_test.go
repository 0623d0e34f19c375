package vmath

import "testing"

// TestUnrolledLengths checks every kernel, in place, against its portable
// loop at lengths that run the interleaved AVX-512 loop (up to 8 vectors of
// 16 float32s or 8 float64s per iteration) once or more and leave every
// kind of tail: TestLengthsAndAliasing stops at 70 elements.
func TestUnrolledLengths(t *testing.T) {
	lengths := []int{95, 96, 97, 127, 128, 129, 143, 255, 256, 257, 383, 400, 1029}
	x := func(i int) float64 { return float64(i%211)*0.091 - 9.5 }
	t.Run("float32", func(t *testing.T) { testLengths(t, kernels32(), lengths, x) })
	t.Run("float64", func(t *testing.T) { testLengths(t, kernels64(), lengths, x) })
}
