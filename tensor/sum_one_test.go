package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumToOneElement checks sumToInto's one-element case (every axis
// reduced, as for a bias's gradient) against the general walk of the axes
// it skips, bit for bit: shapes with axes of size 1 and 0, 0-d, odd and
// long (past the pairwise blocks), to shapes [] and [1 1 ...], scaled or
// not, beta 0 (with NaN in out, which it ignores), 1 and 0.5, NaN and Inf
// in src, in float32 and float64.
func TestSumToOneElement(t *testing.T) {
	testSumToOne[float32](t)
	testSumToOne[float64](t)
}

func testSumToOne[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	froms := [][]int{{}, {1}, {0}, {5, 0}, {1, 1}, {30}, {5, 6}, {6, 1}, {1, 7}, {3, 1, 5}, {2, 3, 4, 5}, {1000}, {37, 29}, {4100}, {2, 1, 3, 1, 2}}
	for _, from := range froms {
		n := 1
		for _, d := range from {
			n *= d
		}
		for _, toDims := range []int{0, 1, len(from)} {
			to := make([]int, toDims)
			for i := range to {
				to[i] = 1
			}
			for _, special := range []bool{false, true} {
				src := make([]T, n)
				for i := range src {
					src[i] = T(rng.Float64()*2 - 1)
				}
				if special && n > 2 {
					src[n/2] = T(math.Inf(-1))
					src[n-1] = T(math.NaN())
				}
				for _, a := range []T{1, -0.75} {
					for _, beta := range []T{0, 1, 0.5} {
						init := T(rng.Float64())
						if beta == 0 {
							init = T(math.NaN())
						}
						got, want := []T{init}, []T{init}
						sumToInto(got, src, from, to, a, beta, a != 1)
						sumToAxes(want, src, from, to, a, beta, a != 1)
						if !sameBitsT(got[0], want[0]) {
							t.Errorf("%T from %v to %v a=%v beta=%v special=%v: %v, general path %v", got[0], from, to, a, beta, special, got[0], want[0])
						}
					}
				}
			}
		}
	}
}

// sameBitsT reports whether x and y have the same bits.
func sameBitsT[T Float](x, y T) bool {
	switch x := any(x).(type) {
	case float32:
		return math.Float32bits(x) == math.Float32bits(any(y).(float32))
	default:
		return math.Float64bits(any(x).(float64)) == math.Float64bits(any(y).(float64))
	}
}
