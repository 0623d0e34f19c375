package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// layerNormGradRowRef is LayerNormGradRow op by op in scalar loops, each
// mean SumRow over the count.
func layerNormGradRowRef[T Float](o, wg, x, g, w []T, eps T, accumulate bool) {
	n := len(x)
	count := T(n)
	d, u, gy := make([]T, n), make([]T, n), make([]T, n)
	mu := SumRow(x) / count
	for j := range x {
		d[j] = x[j] - mu
		u[j] = d[j] * d[j]
		gy[j] = g[j] * w[j]
	}
	r := 1 / T(math.Sqrt(float64(SumRow(u)/count+eps)))
	for j := range x {
		xh := d[j] * r
		d[j] = xh
		u[j] = gy[j] * xh
		wg[j] = g[j] * xh
	}
	m1, m2 := SumRow(gy)/count, SumRow(u)/count
	for j := range x {
		v := T(r * (T(gy[j]-m1) - T(d[j]*m2)))
		if accumulate {
			o[j] += v
		} else {
			o[j] = v
		}
	}
}

// TestLayerNormGradRowMatchesOps checks LayerNormGradRow against the op by
// op loops bit for bit, for rows shorter than a vector, with a tail, of one
// summation leaf exactly and longer than one.
func TestLayerNormGradRowMatchesOps(t *testing.T) {
	t.Run("float32", func(t *testing.T) { testLayerNormGradRow[float32](t) })
	t.Run("float64", func(t *testing.T) { testLayerNormGradRow[float64](t) })
}

func testLayerNormGradRow[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	for _, n := range []int{1, 5, 8, 37, 64, 120, 128, 136, 300} {
		x, g, w, o0 := make([]T, n), make([]T, n), make([]T, n), make([]T, n)
		for i := range x {
			x[i] = T(0.5 + 2*rng.NormFloat64())
			g[i] = T(rng.NormFloat64())
			w[i] = T(1 + 0.5*rng.NormFloat64())
			o0[i] = T(rng.NormFloat64())
		}
		for _, acc := range []bool{false, true} {
			wo, wwg := append([]T(nil), o0...), make([]T, n)
			layerNormGradRowRef(wo, wwg, x, g, w, 1e-5, acc)
			o, wg := append([]T(nil), o0...), make([]T, n)
			d, u, gy := make([]T, n), make([]T, n), make([]T, n)
			LayerNormGradRow(o, wg, d, u, gy, x, g, w, 1e-5, acc)
			for i := range o {
				if math.Float64bits(float64(o[i])) != math.Float64bits(float64(wo[i])) ||
					math.Float64bits(float64(wg[i])) != math.Float64bits(float64(wwg[i])) {
					t.Fatalf("n=%d accumulate=%v: element %d: o %v wg %v, op by op %v %v", n, acc, i, o[i], wg[i], wo[i], wwg[i])
				}
			}
		}
	}
}
