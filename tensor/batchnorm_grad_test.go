package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/tensor/internal/vec"
)

// TestBatchNormGradOneSweep checks BatchNormGradSums and
// BatchNormGradInput, one fused sweep each, against the sweeps they
// replaced (x̂ and gy stored, then Arith, ArithScalar, Sum8 and NormOut:
// bnGradSumsSweeps and bnGradInputSweeps), bit for bit (NaNs only have to
// be NaNs), in float32 and float64, with and without a weight, setting and
// adding, for one channel, odd channel counts and runs of 2 to past two
// sumSpan leaves, and inputs holding NaN, +Inf and -Inf.
func TestBatchNormGradOneSweep(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testBatchNormGradOneSweep[float32](t) })
	t.Run("float64", func(t *testing.T) { testBatchNormGradOneSweep[float64](t) })
}

func testBatchNormGradOneSweep[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	same := func(a, b T) bool {
		return a == b && math.Signbit(float64(a)) == math.Signbit(float64(b)) || a != a && b != b
	}
	for _, n := range []int{1, 2, 3, 9} {
		for _, ch := range []int{1, 2, 5} {
			for _, sp := range []int{1, 2, 3, 7, 17, 128, 129, 300, 784} {
				if !BatchNormRuns(n, ch, sp) {
					continue
				}
				for _, special := range []float64{0, math.NaN(), math.Inf(1), math.Inf(-1)} {
					x, g := randData[T](rng, n*ch*sp), randData[T](rng, n*ch*sp)
					if special != 0 {
						x[rng.IntN(len(x))] = T(special)
						g[rng.IntN(len(g))] = T(special)
					}
					for c := range ch {
						mean, rstd, w := T(rng.NormFloat64()), T(1+rng.Float64()), T(rng.NormFloat64())
						for _, hasW := range []bool{false, true} {
							a0, a1, a2, a3 := BatchNormGradSums(x, g, n, ch, sp, c, mean, rstd, w, hasW)
							b0, b1, b2, b3 := bnGradSumsSweeps(x, g, n, ch, sp, c, mean, rstd, w, hasW)
							if !same(a0, b0) || !same(a1, b1) || !same(a2, b2) || !same(a3, b3) {
								t.Errorf("n %d ch %d sp %d special %v c %d hasW %v: sums %v %v %v %v, want %v %v %v %v",
									n, ch, sp, special, c, hasW, a0, a1, a2, a3, b0, b1, b2, b3)
							}
							m1, m2 := a2/T(n*sp), a3/T(n*sp)
							for _, add := range []bool{false, true} {
								got, want := randData[T](rng, len(x)), make([]T, len(x))
								copy(want, got)
								BatchNormGradInput(got, x, g, n, ch, sp, c, mean, rstd, w, hasW, m1, m2, add)
								bnGradInputSweeps(want, x, g, n, ch, sp, c, mean, rstd, w, hasW, m1, m2, add)
								for i := range got {
									if !same(got[i], want[i]) {
										t.Fatalf("n %d ch %d sp %d special %v c %d hasW %v add %v: o[%d] = %v, want %v",
											n, ch, sp, special, c, hasW, add, i, got[i], want[i])
									}
								}
							}
						}
					}
				}
			}
		}
	}
}

// bnGradSumsSweeps is BatchNormGradSums as it was before its fused sweep:
// x̂ and gy stored per piece, then summed by Sum8.
func bnGradSumsSweeps[T Float](x, g []T, n, ch, sp, c int, mean, rstd, w T, hasW bool) (sg, sgh, sgy, sgyh T) {
	n, sp = bnRuns(n, ch, sp)
	s := bnTree(0, n, ch, sp, c, func(off, m int) bnSums4[T] {
		var hb, ub, yb [sumLeafLen]T
		h, u := hb[:m], ub[:m]
		gs := g[off:][:m]
		vec.ArithScalar(vec.OpSub, h, x[off:][:m], mean)
		vec.ArithScalar(vec.OpMul, h, h, rstd)
		vec.Arith(vec.OpMul, u, gs, h)
		r := bnSums4[T]{vec.Sum8(gs), vec.Sum8(u)}
		if hasW {
			gy := yb[:m]
			vec.ArithScalar(vec.OpMul, gy, gs, w)
			vec.Arith(vec.OpMul, u, gy, h)
			r[2], r[3] = vec.Sum8(gy), vec.Sum8(u)
		} else {
			r[2], r[3] = r[0], r[1]
		}
		return r
	})
	return s[0], s[1], s[2], s[3]
}

// bnGradInputSweeps is BatchNormGradInput as it was before its fused
// sweep: x̂ and gy stored per tile, then NormOut.
func bnGradInputSweeps[T Float](o, x, g []T, n, ch, sp, c int, mean, rstd, w T, hasW bool, m1, m2 T, add bool) {
	n, sp = bnRuns(n, ch, sp)
	const tile = 256
	var hb, yb [tile]T
	for i := range n {
		off := (i*ch + c) * sp
		for j := 0; j < sp; j += tile {
			m := min(tile, sp-j)
			h := hb[:m]
			xs, gs, os := x[off+j:][:m], g[off+j:][:m], o[off+j:][:m]
			vec.ArithScalar(vec.OpSub, h, xs, mean)
			vec.ArithScalar(vec.OpMul, h, h, rstd)
			gy := gs
			if hasW {
				gy = yb[:m]
				vec.ArithScalar(vec.OpMul, gy, gs, w)
			}
			vec.NormOut(os, gy, h, rstd, m1, m2, add)
		}
	}
}

// TestBatchNormStatsTOneSweep checks BatchNormStatsT, whose squared
// deviations are now one sweep per piece (vec.SqDevSum8), against the
// sweeps it replaced (bnStatsSweeps), bit for bit, in float32 and float64,
// for the shapes of TestBatchNormMomentsT.
func TestBatchNormStatsTOneSweep(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testBatchNormStatsTOneSweep[float32](t) })
	t.Run("float64", func(t *testing.T) { testBatchNormStatsTOneSweep[float64](t) })
}

func testBatchNormStatsTOneSweep[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{1, 2, 3, 9} {
		for _, ch := range []int{1, 2, 5} {
			for _, sp := range []int{1, 2, 3, 17, 128, 129, 300, 784} {
				if !BatchNormRuns(n, ch, sp) {
					continue
				}
				for _, special := range []float64{0, math.NaN(), math.Inf(1), math.Inf(-1)} {
					x := randData[T](rng, n*ch*sp)
					for i := range x {
						x[i] += 3 // a mean away from 0
					}
					if special != 0 {
						x[rng.IntN(len(x))] = T(special)
					}
					for c := range ch {
						gm, gsq := BatchNormStatsT(x, n, ch, sp, c)
						wm, wsq := bnStatsSweeps(x, n, ch, sp, c)
						if !sameBits64(float64(gm), float64(wm)) || !(gsq == wsq || gsq != gsq && wsq != wsq) {
							t.Errorf("n %d ch %d sp %d special %v channel %d: %v %v, want %v %v", n, ch, sp, special, c, gm, gsq, wm, wsq)
						}
					}
				}
			}
		}
	}
}

// bnStatsSweeps is BatchNormStatsT as it was before its fused sweep: the
// squared deviations stored per piece, then summed by Sum8.
func bnStatsSweeps[T Float](x []T, n, ch, sp, c int) (mean, sq T) {
	n, sp = bnRuns(n, ch, sp)
	s := bnTree(0, n, ch, sp, c, func(off, m int) bnSums4[T] {
		return bnSums4[T]{vec.Sum8(x[off:][:m])}
	})[0]
	mean = s / T(n*sp)
	sq = bnTree(0, n, ch, sp, c, func(off, m int) bnSums4[T] {
		var buf [sumLeafLen]T
		u := buf[:m]
		vec.ArithScalar(vec.OpSub, u, x[off:][:m], mean)
		vec.Arith(vec.OpMul, u, u, u)
		return bnSums4[T]{vec.Sum8(u)}
	})[0]
	return mean, sq
}
