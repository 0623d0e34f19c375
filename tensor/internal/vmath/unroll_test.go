package vmath

import "testing"

// TestUnrolledLengths checks every kernel, in place, against its portable
// loop at lengths that run the interleaved AVX-512 loop (up to 8 vectors of
// 16 float32s or 8 float64s per iteration) once or more and leave every
// kind of tail: TestLengthsAndAliasing stops at 70 elements.
func TestUnrolledLengths(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testUnrolledLengths(t, kernels32()) })
	t.Run("float64", func(t *testing.T) { testUnrolledLengths(t, kernels64()) })
}

func testUnrolledLengths[T float32 | float64](t *testing.T, ks []impl[T]) {
	for _, k := range ks {
		for _, n := range []int{95, 96, 97, 127, 128, 129, 143, 255, 256, 257, 383, 400, 1029} {
			x, g := make([]T, n), make([]T, n)
			for i := range x {
				x[i], g[i] = T(float64(i%211)*0.091-9.5), T(1+float64(i%3))
			}
			want, got := make([]T, n), append([]T(nil), x...)
			if k.grad != nil {
				k.grad(want, x, g)
				k.api3(got, got, g)
			} else {
				k.unary(want, x)
				k.api(got, got)
			}
			if i := firstDiff(got, want); i >= 0 {
				t.Fatalf("%s, n = %d, in place: element %d is %v, want %v", k.name, n, i, got[i], want[i])
			}
		}
	}
}
