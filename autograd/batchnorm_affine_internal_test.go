package autograd

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBNAffineMatchesScalar checks that bnAffine's vectorized runs give
// the bits of its scalar loop, with every combination of weight and bias,
// on values that include ±0, infinities and NaN, and runs longer than a
// tile.
func TestBNAffineMatchesScalar(t *testing.T) {
	testBNAffine[float32](t)
	testBNAffine[float64](t)
}

func testBNAffine[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(), 0.25}
	for _, sh := range [][3]int{{2, 3, 16}, {3, 2, 300}, {1, 1, 517}, {4, 3, 17}} {
		n, ch, sp := sh[0], sh[1], sh[2]
		x := make([]T, n*ch*sp)
		for i := range x {
			x[i] = T(rng.NormFloat64())
			if i%13 == 0 {
				x[i] = T(special[i/13%len(special)])
			}
		}
		for _, mean := range []T{0.25, 0, T(math.Copysign(0, -1))} {
			for _, wp := range []*T{nil, new(T(-1.5)), new(T(0))} {
				for _, bp := range []*T{nil, new(T(0)), new(T(math.Copysign(0, -1))), new(T(0.75))} {
					want, got := make([]T, len(x)), make([]T, len(x))
					for c := range ch {
						bnAffineScalar(want, x, n, ch, sp, c, mean, 1.25, wp, bp)
						bnAffine(got, x, n, ch, sp, c, mean, 1.25, wp, bp)
					}
					wb, gb := make([]uint64, len(x)), make([]uint64, len(x))
					for i := range x {
						wb[i], gb[i] = bnBits(want[i]), bnBits(got[i])
					}
					if !slices.Equal(wb, gb) { // before the diff, slow under the race detector
						diff := cmp.Diff(wb, gb)
						t.Fatalf("%v mean %v w %v b %v: vectorized differs from scalar (-scalar +vector):\n%s", sh, mean, wp, bp, diff)
					}
				}
			}
		}
	}
}

func bnBits[T Float](v T) uint64 {
	if f, ok := any(v).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(v))
}
