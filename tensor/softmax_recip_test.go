package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxRowRecipMatchesDivision checks that float32 softmax rows,
// which divide by the sum with vmath's QuoRecip kernels, give the bits of a
// division per element (the reference path of TestSoftmaxRowPaths) on
// many rows of short and long lengths whose sums spread over [1, n]
// (logits scaled from 0 to 100), and on a row of equal logits (sum n).
func TestSoftmaxRowRecipMatchesDivision(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 7))
	lengths := []int{1, 2, 3, 7, 31, 100, 128, 511, 1023, 1024, 1025, 4099, 50000}
	for _, scale := range []float32{0, 0.01, 0.5, 1, 3, 10, 100} {
		for _, n := range lengths {
			for range max(1, 2000/n) {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(rng.NormFloat64()) * scale
				}
				got := make([]float32, n)
				_, s := softmaxRow(got, x, false)
				want := make([]float32, n)
				ws := expSum(want, x, softmaxMax(x), true)
				for i := range want {
					want[i] = float32(float64(want[i]) / ws)
				}
				if s != ws {
					t.Fatalf("n=%d scale %v: sum %v, want %v", n, scale, s, ws)
				}
				if !sameBits(got, want) {
					t.Fatalf("n=%d scale %v: softmaxRow differs from the division per element", n, scale)
				}
			}
		}
	}
	if !quoByRecip(1) || !quoByRecip(0x1p64) || quoByRecip(math.NaN()) || quoByRecip(math.Inf(1)) || quoByRecip(0.5) {
		t.Error("quoByRecip accepts a sum outside [1, 2^64] or refuses its ends")
	}
}
