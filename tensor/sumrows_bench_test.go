package tensor

import "testing"

// BenchmarkSumToIntoRows is a bias gradient: [64 128] summed over the batch.
func BenchmarkSumToIntoRows(b *testing.B) {
	src, dst := Ones[float32](512, 128), Zeros[float32](128)
	for b.Loop() {
		SumToInto(dst, src, 1, 1)
	}
}
