package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLogSoftmaxRowsVJP checks the fused log-softmax derivative against
// the whole-tensor arithmetic it replaces (SumToInto of g along the last
// axis, ExpInto of y, then d = g − e·s per element), bit for bit, for
// float32 and float64, beta 0 and 1, with d a separate buffer, d = g and
// d = y, over row lengths around the vector widths and past a tile.
func TestLogSoftmaxRowsVJP(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkLogSoftmaxRowsVJP[float32](t) })
	t.Run("float64", func(t *testing.T) { checkLogSoftmaxRowsVJP[float64](t) })
}

func checkLogSoftmaxRowsVJP[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(56, 78))
	for _, n := range []int{1, 7, 8, 16, 17, 63, 64, 65, 255, 256, 257, 1000} {
		const rows = 3
		x := Zeros[T](rows, n)
		copy(x.Data(), randData[T](rng, rows*n))
		y := LogSoftmax(x, -1)
		g := Zeros[T](rows, n)
		copy(g.Data(), randData[T](rng, rows*n))
		d0 := randData[T](rng, rows*n)
		e := Zeros[T](rows, n)
		ExpInto(e, y)
		s := Zeros[T](rows, 1)
		SumToInto(s, g, 1, 0)
		for _, beta := range []T{0, 1} {
			want := slices.Clone(d0)
			for r := range rows {
				for k := range n {
					i := r*n + k
					v := g.Data()[i] - T(e.Data()[i]*s.Data()[r])
					if beta == 0 {
						want[i] = v
					} else {
						want[i] += v
					}
				}
			}
			got := slices.Clone(d0)
			LogSoftmaxRowsVJP(got, y.Data(), g.Data(), make([]T, n), beta)
			if diff := cmp.Diff(floatBits(want), floatBits(got)); diff != "" {
				t.Errorf("n=%d beta=%v: bits differ (-want +got):\n%s", n, beta, diff)
			}
			if beta != 0 {
				continue
			}
			inG := slices.Clone(g.Data())
			LogSoftmaxRowsVJP(inG, y.Data(), inG, make([]T, n), 0)
			if diff := cmp.Diff(floatBits(want), floatBits(inG)); diff != "" {
				t.Errorf("n=%d d = g: bits differ (-want +got):\n%s", n, diff)
			}
			inY := slices.Clone(y.Data())
			LogSoftmaxRowsVJP(inY, inY, g.Data(), make([]T, n), 0)
			if diff := cmp.Diff(floatBits(want), floatBits(inY)); diff != "" {
				t.Errorf("n=%d d = y: bits differ (-want +got):\n%s", n, diff)
			}
		}
	}
}

// floatBits returns the bits of x's elements, widened to float64 (which
// keeps every float32 distinct), so that cmp tells -0 from 0 and compares
// NaNs.
func floatBits[T Float](x []T) []uint64 {
	b := make([]uint64, len(x))
	for i, v := range x {
		b[i] = math.Float64bits(float64(v))
	}
	return b
}

// TestLogSoftmaxRowsVJPPanics: slices that do not fit panic with a
// *ShapeError, and empty ones are a no-op.
func TestLogSoftmaxRowsVJPPanics(t *testing.T) {
	buf := make([]float32, 32)
	cases := map[string]func(){
		"d short":          func() { LogSoftmaxRowsVJP(buf[:7], buf[8:16], buf[16:24], buf[24:28], 0) },
		"not a multiple":   func() { LogSoftmaxRowsVJP(buf[:6], buf[8:14], buf[16:22], buf[24:28], 0) },
		"empty t":          func() { LogSoftmaxRowsVJP(buf[:8], buf[8:16], buf[16:24], nil, 0) },
		"d overlaps y":     func() { LogSoftmaxRowsVJP(buf[:8], buf[4:12], buf[16:24], buf[24:28], 0) },
		"t overlaps g":     func() { LogSoftmaxRowsVJP(buf[:8], buf[8:16], buf[16:24], buf[20:24], 0) },
		"t overlaps d":     func() { LogSoftmaxRowsVJP(buf[:8], buf[8:16], buf[16:24], buf[4:8], 0) },
		"t overlaps y, 64": func() { b := make([]float64, 24); LogSoftmaxRowsVJP(b[:8], b[8:16], b[16:24], b[8:12], 0) },
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) { shapePanic(t, f) })
	}
	LogSoftmaxRowsVJP[float64](nil, nil, nil, nil, 0) // nothing to do
}
