package tensor

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSoftmaxRowsVJP32 checks the fused float32 softmax derivative against
// the plain loop it replaces, bit for bit, for beta 0 and 1, with d a
// separate buffer and d = g, over row lengths around the vector widths.
func TestSoftmaxRowsVJP32(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 34))
	for _, n := range []int{1, 7, 16, 17, 63, 64, 65, 200, 256, 1000} {
		const rows = 3
		y, g, d0 := randData[float32](rng, rows*n), randData[float32](rng, rows*n), randData[float32](rng, rows*n)
		for _, beta := range []float32{0, 1} {
			want := slices.Clone(d0)
			tw := make([]float32, n)
			for base := 0; base < rows*n; base += n {
				ys, gs, ds := y[base:base+n], g[base:base+n], want[base:base+n]
				for k, v := range gs {
					tw[k] = v * ys[k]
				}
				s := SumRow(tw)
				for k, v := range gs {
					if beta == 0 {
						ds[k] = ys[k] * (v - s)
					} else {
						ds[k] += float32(ys[k] * (v - s)) // no fused multiply-add
					}
				}
			}
			got := slices.Clone(d0)
			SoftmaxRowsVJP32(got, y, g, make([]float32, n), beta)
			if !sameBits(got, want) {
				t.Errorf("n=%d beta=%v: %v, want the bits of %v", n, beta, got, want)
			}
			if beta == 0 {
				inPlace := slices.Clone(g)
				SoftmaxRowsVJP32(inPlace, y, inPlace, make([]float32, n), 0)
				if !sameBits(inPlace, want) {
					t.Errorf("n=%d in place: %v, want the bits of %v", n, inPlace, want)
				}
			}
		}
	}
}
