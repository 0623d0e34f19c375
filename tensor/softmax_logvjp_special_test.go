package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLogSoftmaxRowsVJPSpecial checks the vectorized log-softmax
// derivative against the scalar loop it replaced, bit for bit, on rows
// whose output, gradient or accumulated gradient holds NaN, ±Inf or −0,
// for float32 and float64, beta 0 and 1, rows of 1 to 33 elements; and
// that no rows is a no-op. Any NaN matches any NaN: of two NaN operands,
// which one an addition keeps is not fixed in Go (the scalar loop keeps
// either, depending on how the compiler orders it; found in review).
func TestLogSoftmaxRowsVJPSpecial(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkLogSoftmaxRowsVJPSpecial[float32](t) })
	t.Run("float64", func(t *testing.T) { checkLogSoftmaxRowsVJPSpecial[float64](t) })
}

func checkLogSoftmaxRowsVJPSpecial[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	specials := []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), 0}
	for _, n := range []int{1, 2, 3, 15, 16, 17, 33} {
		const rows = 4
		y, g := randData[T](rng, rows*n), randData[T](rng, rows*n)
		for i := range y {
			y[i] -= 2 // log-probabilities are mostly negative
			if rng.IntN(4) == 0 {
				y[i] = T(specials[rng.IntN(len(specials))])
			}
			if rng.IntN(4) == 0 {
				g[i] = T(specials[rng.IntN(len(specials))])
			}
		}
		d0 := randData[T](rng, rows*n)
		for i := range d0 {
			if rng.IntN(4) == 0 {
				d0[i] = T(specials[rng.IntN(len(specials))])
			}
		}
		for _, beta := range []T{0, 1} {
			want := slices.Clone(d0)
			for r := range rows {
				ys, gs, ds := y[r*n:][:n], g[r*n:][:n], want[r*n:][:n]
				s := SumRow(gs)
				e := make([]T, n)
				ExpInto(&Tensor[T]{data: e, shape: []int{n}}, &Tensor[T]{data: ys, shape: []int{n}})
				for k := range ds {
					v := gs[k] - T(e[k]*s)
					if beta == 0 {
						ds[k] = v
					} else {
						ds[k] += v
					}
				}
			}
			got := slices.Clone(d0)
			LogSoftmaxRowsVJP(got, y, g, make([]T, n), beta)
			if diff := cmp.Diff(nanBits(want), nanBits(got)); diff != "" {
				t.Errorf("n=%d beta=%v: bits differ (-want +got):\n%s", n, beta, diff)
			}
		}
	}
	LogSoftmaxRowsVJP[T](nil, nil, nil, make([]T, 5), 0) // no rows: nothing to do, no panic
}

// nanBits is floatBits with every NaN as the same value.
func nanBits[T Float](x []T) []uint64 {
	b := floatBits(x)
	for i, v := range x {
		if v != v {
			b[i] = math.Float64bits(math.NaN())
		}
	}
	return b
}
