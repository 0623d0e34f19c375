package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGradLoopValues checks MulAdd, SigmoidGrad and TanhGrad on values
// worked by hand, one per lane position of a vector and past it, so that
// both the vector loop and the scalar rest are seen.
func TestGradLoopValues(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testGradValues[float32](t) })
	t.Run("float64", func(t *testing.T) { testGradValues[float64](t) })
}

func testGradValues[T Float](t *testing.T) {
	const n = 37 // a whole AVX-512 float32 vector, an AVX2 one, and a rest
	d, x, y := make([]T, n), make([]T, n), make([]T, n)
	want := make([]T, n)
	for k := range n {
		d[k], x[k], y[k] = T(k), 2, T(k%4)-1.5 // d + 2·y
		want[k] = T(k) + 2*(T(k%4)-1.5)
	}
	MulAdd(d, x, y)
	sameBits(t, "MulAdd", n, want, d)

	// σ' from the output y = 0.25: 0.25·0.75 = 0.1875, times g.
	for k := range n {
		y[k], x[k] = 0.25, T(k)
		want[k] = T(k) * 0.1875
	}
	SigmoidGrad(d, y, x)
	sameBits(t, "SigmoidGrad", n, want, d)

	// tanh' from the output y = −0.5: 1 − 0.25 = 0.75, times g; in place.
	for k := range n {
		y[k], d[k] = -0.5, T(k)-3
		want[k] = (T(k) - 3) * 0.75
	}
	TanhGrad(d, y, d)
	sameBits(t, "TanhGrad", n, want, d)

	// Special values: y = 1 and g = Inf give Inf·0 = NaN, as g·(y·(1−y))
	// does; a NaN output gives NaN; −0 keeps its sign through g·t.
	nan, inf := T(math.NaN()), T(math.Inf(1))
	got := make([]T, 3)
	SigmoidGrad(got, []T{1, nan, 0.5}, []T{inf, 1, T(math.Copysign(0, -1))})
	if !isNaN(got[0]) || !isNaN(got[1]) || got[2] != 0 || !math.Signbit(float64(got[2])) {
		t.Errorf("SigmoidGrad of (1, Inf), (NaN, 1), (0.5, −0) = %v, want NaN, NaN, −0", got)
	}
}

func isNaN[T Float](v T) bool { return v != v }

// TestGradLoopsMatchScalar checks the exported loops, whatever kernel this
// machine runs, against the scalar loops for every length up to 70 and a
// long one, with special values among the inputs.
func TestGradLoopsMatchScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testGradMatches[float32](t) })
	t.Run("float64", func(t *testing.T) { testGradMatches[float64](t) })
}

func testGradMatches[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	loops := []struct {
		name         string
		fast, scalar func(d, a, b []T)
	}{
		{"MulAdd", MulAdd[T], mulAddGo[T]},
		{"SigmoidGrad", SigmoidGrad[T], sigmoidGradGo[T]},
		{"TanhGrad", TanhGrad[T], tanhGradGo[T]},
	}
	for _, n := range testLengths() {
		_, a := mixed[T](rng, n)
		_, b := mixed[T](rng, n)
		_, d0 := mixed[T](rng, n)
		for _, l := range loops {
			want, got := append([]T(nil), d0...), append([]T(nil), d0...)
			l.scalar(want, a, b)
			l.fast(got, a, b)
			sameBits(t, l.name, n, want, got)
		}
	}
}
