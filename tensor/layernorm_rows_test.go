package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestLayerNormGradRowsMatchesOps checks LayerNormGradRows, whose long
// rows of a balanced tree of SumRow leaves (256, 768, ...) run in one
// fused kernel, against the op by op loops bit for bit, row by row, for
// rows of one leaf, of a tree of leaves and of an unbalanced split.
func TestLayerNormGradRowsMatchesOps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLayerNormGradRows[float32](t) })
	t.Run("float64", func(t *testing.T) { testLayerNormGradRows[float64](t) })
}

func testLayerNormGradRows[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	for _, n := range []int{64, 136, 144, 256, 300, 768, 1024} {
		const rows = 3
		x, g, w, o0 := make([]T, rows*n), make([]T, rows*n), make([]T, n), make([]T, rows*n)
		for i := range x {
			x[i] = T(0.5 + 2*rng.NormFloat64()*math.Pow(10, float64(rng.IntN(5)-2)))
			g[i] = T(rng.NormFloat64())
			o0[i] = T(rng.NormFloat64())
		}
		for i := range w {
			w[i] = T(1 + 0.5*rng.NormFloat64())
		}
		x[n+3], g[2*n+5] = T(math.Inf(1)), T(math.NaN()) // a row of specials each
		for _, acc := range []bool{false, true} {
			wo, wwg := append([]T(nil), o0...), make([]T, rows*n)
			for i := range rows {
				layerNormGradRowRef(wo[i*n:(i+1)*n], wwg[i*n:(i+1)*n], x[i*n:(i+1)*n], g[i*n:(i+1)*n], w, 1e-5, acc)
			}
			o, wg := append([]T(nil), o0...), make([]T, rows*n)
			d, u, gy := make([]T, n), make([]T, n), make([]T, n)
			LayerNormGradRows(o, wg, d, u, gy, x, g, w, n, 1e-5, acc)
			for i := range o {
				if !sameFloat(o[i], wo[i]) || !sameFloat(wg[i], wwg[i]) {
					t.Fatalf("n=%d accumulate=%v: element %d: o %v wg %v, op by op %v %v", n, acc, i, o[i], wg[i], wo[i], wwg[i])
				}
			}
		}
	}
}

// sameFloat reports whether a and b have the same bits, or are both NaN.
func sameFloat[T Float](a, b T) bool {
	if a != a && b != b {
		return true
	}
	return math.Float64bits(float64(a)) == math.Float64bits(float64(b))
}

// TestLayerNormGradRowsSumMatchesRows checks LayerNormGradRowsSum against
// LayerNormGradRows followed by SumToInto of wg and of g to [n], bit for
// bit: o, and ws and bs against the sums, for row counts of one chunk, of a balanced tree
// of chunks and of unbalanced splits.
func TestLayerNormGradRowsSumMatchesRows(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLayerNormGradRowsSum[float32](t) })
	t.Run("float64", func(t *testing.T) { testLayerNormGradRowsSum[float64](t) })
}

func testLayerNormGradRowsSum[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	for _, n := range []int{2, 24, 768} {
		for _, rows := range []int{0, 1, 7, 64, 65, 150, 256, 300} {
			x, g, w, o0 := make([]T, rows*n), make([]T, rows*n), make([]T, n), make([]T, rows*n)
			for i := range x {
				x[i] = T(0.5 + 2*rng.NormFloat64())
				g[i] = T(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(5)-2)))
				o0[i] = T(rng.NormFloat64())
			}
			for i := range w {
				w[i] = T(1 + 0.5*rng.NormFloat64())
			}
			for _, acc := range []bool{false, true} {
				d, u, gy := make([]T, n), make([]T, n), make([]T, n)
				wo, wg := append([]T(nil), o0...), make([]T, rows*n)
				LayerNormGradRows(wo, wg, d, u, gy, x, g, w, n, 1e-5, acc)
				want := make([]T, n)
				if rows > 0 {
					src, _ := New(wg, rows, n)
					dst, _ := New(want, n)
					SumToInto(dst, src, 1, 0)
				}
				wantB := make([]T, n)
				if rows > 0 {
					src, _ := New(g, rows, n)
					dst, _ := New(wantB, n)
					SumToInto(dst, src, 1, 0)
				}
				o, ws, bs := append([]T(nil), o0...), make([]T, n), make([]T, n)
				for i := range ws {
					ws[i], bs[i] = T(math.NaN()), T(math.NaN()) // overwritten
				}
				scratch := make([]T, LayerNormGradRowsSumLen(rows, n))
				LayerNormGradRowsSum(o, ws, bs, d, u, gy, x, g, w, scratch, n, 1e-5, acc)
				for j := range bs {
					if !sameFloat(bs[j], wantB[j]) {
						t.Fatalf("n=%d rows=%d: bs[%d] = %v, want %v", n, rows, j, bs[j], wantB[j])
					}
				}
				if rows > 0 { // without bs, the same o and ws
					o2, ws2 := append([]T(nil), o0...), make([]T, n)
					LayerNormGradRowsSum(o2, ws2, nil, d, u, gy, x, g, w, scratch, n, 1e-5, acc)
					for j := range ws2 {
						if !sameFloat(ws2[j], want[j]) {
							t.Fatalf("n=%d rows=%d, no bs: ws[%d] = %v, want %v", n, rows, j, ws2[j], want[j])
						}
					}
				}
				for i := range o {
					if !sameFloat(o[i], wo[i]) {
						t.Fatalf("n=%d rows=%d accumulate=%v: o[%d] = %v, want %v", n, rows, acc, i, o[i], wo[i])
					}
				}
				for j := range ws {
					if !sameFloat(ws[j], want[j]) {
						t.Fatalf("n=%d rows=%d accumulate=%v: ws[%d] = %v, want %v", n, rows, acc, j, ws[j], want[j])
					}
				}
			}
		}
	}
}
