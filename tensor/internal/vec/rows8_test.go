package vec

import (
	"math/rand/v2"
	"testing"
)

// TestAddRows8MatchesScalar checks AddRows8, plain and scaled, against its
// scalar loop bit for bit, special values included, for every length up to
// 70 and a long one.
func TestAddRows8MatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testAddRows8[float32](t) })
	t.Run("float64", func(t *testing.T) { testAddRows8[float64](t) })
}

func testAddRows8[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, n := range testLengths() {
		var rows [8][]T
		for k := range rows {
			_, rows[k] = mixed[T](rng, n)
		}
		ow, out := guarded[T](rng, n, false)
		guard := ends(ow)
		want := make([]T, n)
		for _, scaled := range []bool{false, true} {
			addRows8Go(want, &rows, 0, 0.375, scaled)
			AddRows8(out, &rows, 0.375, scaled)
			sameBits(t, "AddRows8", n, want, out)
		}
		sameBits(t, "the guards", n, guard, ends(ow))
	}
}
