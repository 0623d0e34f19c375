package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestBatchNormMomentsT checks the fused statistics against the kernels
// they replace, BatchNormMoments and BatchNormStatsT, bit for bit, in
// float32 and float64, for one channel (one run), channel counts that leave
// a group of fewer than four, runs of 2 to past two sumSpan leaves, and
// channels holding NaN, +Inf and -Inf.
func TestBatchNormMomentsT(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testBatchNormMomentsT[float32](t) })
	t.Run("float64", func(t *testing.T) { testBatchNormMomentsT[float64](t) })
}

func testBatchNormMomentsT[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1, 2, 3, 9} {
		for _, ch := range []int{1, 2, 4, 5, 7} {
			for _, sp := range []int{1, 2, 3, 17, 128, 129, 300} {
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
					for c0 := 0; c0 < ch; c0 += 4 {
						k := min(4, ch-c0)
						var wm, wv, gm, gv [4]float64
						var gmt, gsq [4]T
						BatchNormMoments(x, n, ch, sp, c0, k, &wm, &wv)
						BatchNormMomentsT(x, n, ch, sp, c0, k, &gm, &gv, &gmt, &gsq)
						for q := range k {
							wmt, wsq := BatchNormStatsT(x, n, ch, sp, c0+q)
							if !sameBits64(gm[q], wm[q]) || !sameBits64(gv[q], wv[q]) {
								t.Errorf("n %d ch %d sp %d special %v channel %d: float64 moments %v %v, want %v %v", n, ch, sp, special, c0+q, gm[q], gv[q], wm[q], wv[q])
							}
							if !sameBits64(float64(gmt[q]), float64(wmt)) || !sameBits64(float64(gsq[q]), float64(wsq)) {
								t.Errorf("n %d ch %d sp %d special %v channel %d: statistics in T %v %v, want %v %v", n, ch, sp, special, c0+q, gmt[q], gsq[q], wmt, wsq)
							}
						}
					}
				}
			}
		}
	}
}

// sameBits64 reports whether a and b have the same bits (NaN payloads too).
func sameBits64(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b)
}
