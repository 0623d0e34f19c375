package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The scalar forms of SumWide and SqDevWide, whatever the CPU.
func sumWideRef[T Float](x []T) float64                 { return sumWide(x, true) }
func sqDevWideRef[T Float](x []T, mean float64) float64 { return sqDevWide(x, mean, true) }

// TestWideMatchesScalar checks SumWide, SqDevWide and NormAffine against
// their scalar loops bit for bit, for every length up to 70 and a long
// one, special values included in NormAffine.
func TestWideMatchesScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testWide[float32](t) })
	t.Run("float64", func(t *testing.T) { testWide[float64](t) })
}

func testWide[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 20))
	for _, n := range testLengths() {
		x := make([]T, n)
		for i := range x {
			x[i] = T(3 + rng.NormFloat64()*math.Pow(10, float64(i%9-4)))
		}
		if a, b := sumWideRef(x), SumWide(x); math.Float64bits(a) != math.Float64bits(b) {
			t.Errorf("n=%d: SumWide = %v, scalar %v", n, b, a)
		}
		m := 2.75
		if a, b := sqDevWideRef(x, m), SqDevWide(x, m); math.Float64bits(a) != math.Float64bits(b) {
			t.Errorf("n=%d: SqDevWide = %v, scalar %v", n, b, a)
		}
		_, xs := mixed[T](rng, n)
		_, w := mixed[T](rng, n)
		_, b := mixed[T](rng, n)
		yw, y := guarded[T](rng, n, false)
		guard := ends(yw)
		want := make([]T, n)
		normAffineGo(want, xs, w, b, 0.3, 1.7)
		NormAffine(y, xs, w, b, 0.3, 1.7)
		sameBits(t, "NormAffine", n, want, y)
		sameBits(t, "the guards", n, guard, ends(yw))
	}
}

func BenchmarkWide(b *testing.B) {
	x, w, bb, y := make([]float32, 128), make([]float32, 128), make([]float32, 128), make([]float32, 128)
	for i := range x {
		x[i], w[i], bb[i] = float32(i), 1, 0.5
	}
	var s float64
	b.Run("stats/vector", func(b *testing.B) {
		for b.Loop() {
			m := SumWide(x) / 128
			s += SqDevWide(x, m)
		}
	})
	b.Run("stats/scalar", func(b *testing.B) {
		for b.Loop() {
			m := sumWideRef(x) / 128
			s += sqDevWideRef(x, m)
		}
	})
	b.Run("affine/vector", func(b *testing.B) {
		for b.Loop() {
			NormAffine(y, x, w, bb, 3, 0.5)
		}
	})
	b.Run("affine/scalar", func(b *testing.B) {
		for b.Loop() {
			normAffineGo(y, x, w, bb, 3, 0.5)
		}
	})
}
