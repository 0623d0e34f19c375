//go:build amd64 && !purego

package vec

import (
	"math/rand/v2"
	"testing"
)

// TestEachBNGradOutKernelMatchesScalar runs the AVX2 and the AVX-512
// kernels of BNGradOut directly (the dispatch picks only one) against its
// scalar loop, bit for bit (NaNs only have to be NaNs), on inputs a fifth
// of them special, setting and adding.
func TestEachBNGradOutKernelMatchesScalar(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	t.Run("float32", func(t *testing.T) { testEachBNGradOut[float32](t) })
	t.Run("float64", func(t *testing.T) { testEachBNGradOut[float64](t) })
}

func testEachBNGradOut[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	isas := []bool{false}
	if hasAVX512 {
		isas = append(isas, true)
	}
	for _, z := range isas {
		for _, n := range testLengths() {
			if !z {
				n = prefix[T](n)
			}
			if n == 0 {
				continue
			}
			_, x := mixed[T](rng, n)
			_, g := mixed[T](rng, n)
			_, o := mixed[T](rng, n)
			mean, rstd, w, m1, m2 := T(-0.25), T(0.9), T(1.7), T(-0.02), T(0.4)
			for _, add := range []bool{false, true} {
				// got has a guard element past its end, which the
				// kernel must leave alone.
				want, got := append([]T(nil), o...), append(append([]T(nil), o...), 12345)[:n]
				bnGradOutGo(want, x, g, mean, rstd, w, m1, m2, add)
				a := b2i(add)
				switch {
				case is32[T]() && z:
					bnGradOutF32AVX512(f32(got), f32(x), f32(g), n, a, float32(mean), float32(rstd), float32(w), float32(m1), float32(m2))
				case is32[T]():
					bnGradOutF32AVX2(f32(got), f32(x), f32(g), n, a, float32(mean), float32(rstd), float32(w), float32(m1), float32(m2))
				case z:
					bnGradOutF64AVX512(f64(got), f64(x), f64(g), n, a, float64(mean), float64(rstd), float64(w), float64(m1), float64(m2))
				default:
					bnGradOutF64AVX2(f64(got), f64(x), f64(g), n, a, float64(mean), float64(rstd), float64(w), float64(m1), float64(m2))
				}
				sameBits(t, "bnGradOut", n, want, got)
				if guard := got[:n+1][n]; guard != 12345 {
					t.Fatalf("bnGradOut n=%d wrote %v past the end of o", n, guard)
				}
			}
		}
	}
}
