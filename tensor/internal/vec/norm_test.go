package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestNormSweepsMatchScalar checks NormCenter, NormScale and NormOut
// against the scalar loops they replace (and Sum8's scalar order for their
// sums), bit for bit, for every length up to 70 and a long one.
func TestNormSweepsMatchScalar(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testNormSweeps[float32](t) })
	t.Run("float64", func(t *testing.T) { testNormSweeps[float64](t) })
}

func testNormSweeps[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	same := func(what string, n int, want, got T) {
		t.Helper()
		if math.Float64bits(float64(want)) != math.Float64bits(float64(got)) && !(want != want && got != got) {
			t.Errorf("n=%d: %s = %v, scalar %v", n, what, got, want)
		}
	}
	for _, n := range testLengths() {
		_, x := mixed[T](rng, n)
		_, g := mixed[T](rng, n)
		_, w := mixed[T](rng, n)
		for i := range x { // finite sums, so that the order shows
			if n > 20 && i < n/2 {
				x[i] = T(rng.NormFloat64() * 100)
				g[i] = T(rng.NormFloat64())
			}
		}
		mu := T(0.125)
		d, u, gy := make([]T, n), make([]T, n), make([]T, n)
		wd, wu, wgy := make([]T, n), make([]T, n), make([]T, n)
		for i := range wd {
			wd[i] = x[i] - mu
			wu[i] = wd[i] * wd[i]
			wgy[i] = g[i] * w[i]
		}
		s := NormCenter(d, u, gy, x, g, w, mu)
		sameBits(t, "NormCenter's d", n, wd, d)
		sameBits(t, "NormCenter's u", n, wu, u)
		sameBits(t, "NormCenter's gy", n, wgy, gy)
		same("NormCenter's sum", n, sum8Go(wu), s)

		r := T(0.75)
		wg, wwg := make([]T, n), make([]T, n)
		for i := range wd {
			xh := wd[i] * r
			wd[i] = xh
			wu[i] = wgy[i] * xh
			wwg[i] = g[i] * xh
		}
		s1, s2 := NormScale(d, u, wg, gy, g, r)
		sameBits(t, "NormScale's d", n, wd, d)
		sameBits(t, "NormScale's u", n, wu, u)
		sameBits(t, "NormScale's wg", n, wwg, wg)
		same("NormScale's sum of gy", n, sum8Go(wgy), s1)
		same("NormScale's sum of u", n, sum8Go(wu), s2)

		for _, add := range []bool{false, true} {
			_, o := mixed[T](rng, n)
			wo := append([]T(nil), o...)
			for i := range wo {
				v := T(r * (T(wgy[i]-0.5) - T(wd[i]*0.25)))
				if add {
					wo[i] += v
				} else {
					wo[i] = v
				}
			}
			NormOut(o, gy, d, r, 0.5, 0.25, add)
			sameBits(t, "NormOut", n, wo, o)
		}
	}
}
