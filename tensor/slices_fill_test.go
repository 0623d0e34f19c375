package tensor

import (
	"math"
	"testing"
)

// TestSliceFill checks SliceFill and SliceAddScalar against their scalar
// loops, bit for bit, over lengths around the seed and a long row, with
// -0, Inf and NaN.
func TestSliceFill(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkSliceFill[float32](t) })
	t.Run("float64", func(t *testing.T) { checkSliceFill[float64](t) })
}

func checkSliceFill[T Float](t *testing.T) {
	vals := []float64{1.5, math.Copysign(0, -1), math.Inf(-1), math.NaN(), -3e-41}
	for _, n := range []int{0, 1, 7, fillSeed - 1, fillSeed, fillSeed + 1, 2*fillSeed + 3, 1000, 4099} {
		for _, f := range vals {
			v := T(f)
			got := make([]T, n+1)
			got[n] = 7 // past the end: must stay
			SliceFill(got[:n], v)
			for i, g := range got[:n] {
				if math.Float64bits(float64(g)) != math.Float64bits(float64(v)) {
					t.Fatalf("SliceFill(%d elements, %v)[%d] = %v", n, v, i, g)
				}
			}
			if got[n] != 7 {
				t.Fatalf("SliceFill(%d elements) wrote past the end", n)
			}
			x, want := make([]T, n), make([]T, n)
			for i := range x {
				x[i] = T(i%5) - 2 + T(i)/7
				want[i] = x[i] + v
			}
			SliceAddScalar(x, x, v)
			if !sameBits(x, want) {
				t.Fatalf("SliceAddScalar(%d elements, %v) differs from x[i] + v", n, v)
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("SliceAddScalar with a short x did not panic")
		}
	}()
	SliceAddScalar(make([]T, 3), make([]T, 2), 1)
}
