package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// TestSumRowMatchesSumToInto checks that SumRow gives, bit for bit, what
// SumToInto writes for each row of a reduction over the last axis, at
// lengths around the summation's lane count and leaf length, for float32
// and float64, and that the sum of nothing is +0 and a sum of -0s is -0.
func TestSumRowMatchesSumToInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for _, n := range []int{1, 2, 7, 8, 9, 64, 127, 128, 129, 200, 300, 1000} {
		const rows = 3
		x32 := tensor.RandUniform[float32](rng, -1, 3, rows, n)
		want32 := tensor.Zeros[float32](rows, 1)
		tensor.SumToInto(want32, x32, 1, 0)
		x64 := tensor.RandUniform[float64](rng, -1, 3, rows, n)
		want64 := tensor.Zeros[float64](rows, 1)
		tensor.SumToInto(want64, x64, 1, 0)
		for r := range rows {
			if got, want := tensor.SumRow(x32.Data()[r*n:(r+1)*n]), want32.Data()[r]; math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("float32 n=%d row %d: SumRow %.9g, SumToInto %.9g", n, r, got, want)
			}
			if got, want := tensor.SumRow(x64.Data()[r*n:(r+1)*n]), want64.Data()[r]; math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("float64 n=%d row %d: SumRow %.17g, SumToInto %.17g", n, r, got, want)
			}
		}
	}
	negZero := float32(math.Copysign(0, -1))
	for _, tc := range []struct {
		name string
		x    []float32
		want float32
	}{
		{"empty", nil, 0},
		{"negative zeros", []float32{negZero, negZero, negZero}, negZero},
		{"exact", []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 55},
	} {
		if got := tensor.SumRow(tc.x); math.Float32bits(got) != math.Float32bits(tc.want) {
			t.Errorf("%s: SumRow = %g (bits %#x), want %g (bits %#x)", tc.name, got, math.Float32bits(got), tc.want, math.Float32bits(tc.want))
		}
	}
}
