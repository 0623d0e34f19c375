package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBNGradMatchesSweeps checks BNGradSums, BNGradOut and SqDevSum8
// against the sweeps they replace (ArithScalar, Arith, Sum8 and NormOut on
// stored arrays), and the Go accumulator loops of BNGradSums and SqDevSum8
// against the assembly, bit for bit, for every length up to 70 and a long
// one, with Inf and NaN among the values.
func TestBNGradMatchesSweeps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testBNGrad[float32](t) })
	t.Run("float64", func(t *testing.T) { testBNGrad[float64](t) })
}

func testBNGrad[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	same := func(what string, n int, want, got T) {
		t.Helper()
		if math.Float64bits(float64(want)) != math.Float64bits(float64(got)) && !(want != want && got != got) {
			t.Errorf("n=%d: %s = %v, sweeps %v", n, what, got, want)
		}
	}
	for _, n := range testLengths() {
		for _, special := range []bool{false, true} {
			_, x := mixed[T](rng, n)
			_, g := mixed[T](rng, n)
			if !special { // finite sums, so that the order shows
				for i := range x {
					x[i] = T(rng.NormFloat64()*3 + 1)
					g[i] = T(rng.NormFloat64())
				}
			}
			mean, rstd, w, m1, m2 := T(0.8125), T(1.3), T(-0.7), T(0.01), T(-0.3)
			h, gy, u, v := make([]T, n), make([]T, n), make([]T, n), make([]T, n)
			ArithScalar(OpSub, h, x, mean)
			ArithScalar(OpMul, h, h, rstd)
			ArithScalar(OpMul, gy, g, w)
			Arith(OpMul, u, g, h)
			Arith(OpMul, v, gy, h)
			sq := make([]T, n)
			ArithScalar(OpSub, sq, x, mean)
			Arith(OpMul, sq, sq, sq)
			same("SqDevSum8", n, sum8Go(sq), SqDevSum8(x, mean))
			got := BNGradSums(x, g, mean, rstd, w)
			for k, want := range [4]T{sum8Go(g), sum8Go(u), sum8Go(gy), sum8Go(v)} {
				same("BNGradSums", n, want, got[k])
			}
			if m := n &^ 7; m > 0 {
				var p, q [8]T
				sqDev8Go(x[:m], mean, &q)
				if sqDev8Asm(x[:m], mean, &p) {
					sameBits(t, "sqDev8's accumulators", n, q[:], p[:])
				}
				var a, b [4][8]T
				bnGradSumsGo(x[:m], g, mean, rstd, w, &b)
				if bnGradSumsAsm(x[:m], g, mean, rstd, w, &a) {
					for k := range a {
						sameBits(t, "bnGradSums's accumulators", n, b[k][:], a[k][:])
					}
				}
			}
			for _, add := range []bool{false, true} {
				want, o := make([]T, n), make([]T, n)
				for i := range o {
					want[i] = T(rng.NormFloat64())
					o[i] = want[i]
				}
				NormOut(want, gy, h, rstd, m1, m2, add)
				BNGradOut(o, x, g, mean, rstd, w, m1, m2, add)
				sameBits(t, "BNGradOut", n, want, o)
			}
		}
	}
}
