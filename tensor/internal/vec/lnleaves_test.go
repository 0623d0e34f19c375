package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

// spanSum is package tensor's SumRow order, written out for the tests:
// a row of at most sumLeaf elements is one Sum8 leaf, a longer one is split
// in two, the first half a multiple of 8, and the halves' sums added.
func spanSum[T Float](x []T) T {
	if len(x) <= sumLeaf {
		return sum8(x, true)
	}
	h := len(x) / 2
	h -= h % 8
	return spanSum(x[:h]) + spanSum(x[h:])
}

// TestLNLeaves checks the rows that LNGradRows's long-row kernel takes:
// exactly those whose SumRow is a balanced tree of equal leaves.
func TestLNLeaves(t *testing.T) {
	for _, c := range []struct{ n, leaf, leaves int }{
		{8, 8, 1}, {128, 128, 1}, {136, 0, 0}, {256, 128, 2}, {384, 96, 4},
		{768, 96, 8}, {1024, 128, 8}, {1280, 80, 16}, {1600, 0, 0}, {4, 0, 0},
		{0, 0, 0}, {8192, 128, 64}, {12, 0, 0}, {144, 72, 2}, {160, 80, 2},
	} {
		if leaf, leaves := lnLeaves(c.n); leaf != c.leaf || leaves != c.leaves {
			t.Errorf("lnLeaves(%d) = %d, %d; want %d, %d", c.n, leaf, leaves, c.leaf, c.leaves)
		}
	}
}

// TestLNGradRowsLongMatchesSweeps checks the fused backward of rows
// longer than a leaf against the calls it replaces, bit for bit, with
// and without accumulating: the sweeps, each sum taken again in SumRow's
// order (spanSum).
func TestLNGradRowsLongMatchesSweeps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLNGradRowsLong[float32](t) })
	t.Run("float64", func(t *testing.T) { testLNGradRowsLong[float64](t) })
}

func testLNGradRowsLong[T Float](t *testing.T) {
	if _, bwd := fusedLN(); !bwd {
		t.Skip("no fused LayerNorm kernel on this machine: LNGradRows declines every row")
	}
	rng := rand.New(rand.NewPCG(45, 46))
	ns, nrows := []int{144, 256, 384, 768, 1280, 8192}, 3
	if raceEnabled { // ten seconds of scalar reference loops the detector checks nothing in
		ns, nrows = []int{144, 768, 8192}, 2
	}
sizes:
	for _, n := range ns {
		for rows := 1; rows <= nrows; rows++ {
			x, g := lnTestData[T](rng, n, rows)
			w := make([]T, n)
			for i := range w {
				w[i] = T(0.5 + rng.Float64())
			}
			eps := T(1e-5)
			for _, add := range []bool{false, true} {
				o0 := make([]T, len(x))
				for i := range o0 {
					o0[i] = T(rng.NormFloat64())
				}
				wo, wwg := append([]T(nil), o0...), make([]T, len(x))
				d, u, gy := make([]T, n), make([]T, n), make([]T, n)
				count := T(n)
				for i := range rows {
					row, gr := x[i*n:(i+1)*n], g[i*n:(i+1)*n]
					mu := spanSum(row) / count
					NormCenter(d, u, gy, row, gr, w, mu)
					r := 1 / T(math.Sqrt(float64(spanSum(u)/count+eps)))
					NormScale(d, u, wwg[i*n:], gy, gr, r)
					NormOut(wo[i*n:(i+1)*n], gy, d, r, spanSum(gy)/count, spanSum(u)/count, add)
				}
				o, wg := append([]T(nil), o0...), make([]T, len(x))
				if !LNGradRows(o, wg, x, g, w, n, eps, add) {
					if n <= maxLeaves*sumLeaf {
						t.Fatalf("n=%d: LNGradRows declined", n)
					}
					continue sizes // longer than its leaves: the sweeps' job
				}
				sameBits(t, "LNGradRows' o", n, wo, o)
				sameBits(t, "LNGradRows' wg", n, wwg, wg)
			}
		}
	}
}
