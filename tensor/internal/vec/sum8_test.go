package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSum8MatchesScalar checks Sum8 against its order written out as a
// scalar loop, bit for bit, specials included, for every length up to 70
// and a long one.
func TestSum8MatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testSum8[float32](t) })
	t.Run("float64", func(t *testing.T) { testSum8[float64](t) })
}

// sum8Go is Sum8 in scalar Go only.
func sum8Go[T Float](x []T) T { return sum8(x, true) }

func testSum8[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	for _, n := range testLengths() {
		_, x := guarded[T](rng, n, false)
		_, y := mixed[T](rng, n)
		for i := range x { // no Inf or NaN: the sums must carry rounding to compare
			if math.IsInf(float64(x[i]), 0) || math.IsNaN(float64(x[i])) {
				x[i] = T(1e-3 * float64(i))
			}
			x[i] *= T(math.Pow(10, float64(i%7)))
		}
		for _, s := range [][]T{x, y} {
			want, got := sum8Go(s), Sum8(s)
			if math.Float64bits(float64(want)) != math.Float64bits(float64(got)) && !(want != want && got != got) {
				t.Errorf("n=%d: Sum8 = %v, scalar %v", n, got, want)
			}
		}
	}
	neg := []T{T(math.Copysign(0, -1)), T(math.Copysign(0, -1))}
	if s := Sum8(neg); !math.Signbit(float64(s)) {
		t.Errorf("the sum of −0s is %v", s)
	}
}

func BenchmarkSum8(b *testing.B) {
	x := make([]float32, 128)
	for i := range x {
		x[i] = float32(i)
	}
	var s float32
	b.Run("vector", func(b *testing.B) {
		for b.Loop() {
			s += Sum8(x)
		}
	})
	b.Run("scalar", func(b *testing.B) {
		for b.Loop() {
			s += sum8Go(x)
		}
	})
}
