package tensor

import (
	"math/rand/v2"
	"testing"
)

// TestSliceKernelsPanicTyped: the slice kernels of fused derivatives panic
// with a *ShapeError naming the op and the lengths when a slice is too
// short or the lengths do not fit, where they panicked with a runtime
// slice-bounds error or silently left rows out.
func TestSliceKernelsPanicTyped(t *testing.T) {
	s := func(n int) []float32 { return make([]float32, n) }
	cases := []struct {
		name, msg string
		f         func()
	}{
		{"SliceAdd", "tensor: SliceAdd: x and y must be at least as long as dst: [4] x [3] x [4]",
			func() { SliceAdd(s(4), s(3), s(4)) }},
		{"SliceSub", "tensor: SliceSub: x and y must be at least as long as dst: [4] x [4] x [2]",
			func() { SliceSub(s(4), s(4), s(2)) }},
		{"SliceMul", "tensor: SliceMul: x and y must be at least as long as dst: [2] x [1] x [1]",
			func() { SliceMul(s(2), s(1), s(1)) }},
		{"SliceSubScalar", "tensor: SliceSubScalar: x must be at least as long as dst: [4] x [3]",
			func() { SliceSubScalar(s(4), s(3), 1) }},
		{"SliceMulScalar", "tensor: SliceMulScalar: x must be at least as long as dst: [4] x [0]",
			func() { SliceMulScalar(s(4), nil, 1) }},
		{"SliceScalarMul", "tensor: SliceScalarMul: x must be at least as long as dst: [20] x [19]",
			func() { SliceScalarMul(s(20), 2, s(19)) }},
		{"SliceNormAffine", "tensor: SliceNormAffine: x, w and b must be at least as long as y: [4] x [4] x [3] x [4]",
			func() { SliceNormAffine(s(4), s(4), s(3), s(4), 0, 1) }},
		{"LayerNormRows/short w", "tensor: LayerNormRows: want len(x) a multiple of n = 4, y at least as long as x, w and b at least n long: [8] x [8] x [3] x [4]",
			func() { LayerNormRows(s(8), s(8), s(3), s(4), 4, 1e-5) }},
		{"LayerNormRows/partial row", "tensor: LayerNormRows: want len(x) a multiple of n = 4, y at least as long as x, w and b at least n long: [10] x [10] x [4] x [4]",
			func() { LayerNormRows(s(10), s(10), s(4), s(4), 4, 1e-5) }},
		{"LayerNormRows/short y", "tensor: LayerNormRows: want len(x) a multiple of n = 64, y at least as long as x, w and b at least n long: [64] x [128] x [64] x [64]",
			func() { LayerNormRows(s(64), s(128), s(64), s(64), 64, 1e-5) }},
		{"LayerNormRows/negative n", "tensor: LayerNormRows: want len(x) a multiple of n = -1, y at least as long as x, w and b at least n long: [4] x [4] x [4] x [4]",
			func() { LayerNormRows(s(4), s(4), s(4), s(4), -1, 1e-5) }},
		{"LayerNormRows/y overlaps w", "tensor: LayerNormRows: y must be x or not overlap it, nor w or b: [8] x [8] x [8] x [4]",
			func() { y := s(8); LayerNormRows(y, s(8), y, s(4), 4, 1e-5) }},
		{"LayerNormGradRow", "tensor: LayerNormGradRow: o, wg, d, u, gy, g and w must be at least as long as x: [4] x [4] x [4] x [4] x [4] x [4] x [4] x [3]",
			func() { LayerNormGradRow(s(4), s(4), s(4), s(4), s(4), s(4), s(4), s(3), 1e-5, false) }},
		{"LayerNormGradRows", "tensor: LayerNormGradRows: want len(x) a multiple of n = 8, o, wg and g at least as long as x, d, u, gy and w at least n long: [16] x [16] x [8] x [8] x [8] x [16] x [16] x [7]",
			func() { LayerNormGradRows(s(16), s(16), s(8), s(8), s(8), s(16), s(16), s(7), 8, 1e-5, false) }},
		{"SoftmaxRowsVJP32/short g", "tensor: SoftmaxRowsVJP32: d, y and g must have the same length, a multiple of t's: [6] x [6] x [4] x [3]",
			func() { SoftmaxRowsVJP32(s(6), s(6), s(4), s(3), 0) }},
		{"SoftmaxRowsVJP32/partial row", "tensor: SoftmaxRowsVJP32: d, y and g must have the same length, a multiple of t's: [7] x [7] x [7] x [3]",
			func() { SoftmaxRowsVJP32(s(7), s(7), s(7), s(3), 0) }},
		{"SoftmaxRowsVJP32/no row", "tensor: SoftmaxRowsVJP32: d, y and g must have the same length, a multiple of t's: [3] x [3] x [3] x [0]",
			func() { SoftmaxRowsVJP32(s(3), s(3), s(3), nil, 0) }},
		{"SoftmaxRowsVJP32/t in g", "tensor: SoftmaxRowsVJP32: d must be y or g or not overlap them, and t overlap none of them: [6] x [6] x [6] x [3]",
			func() { g := s(6); SoftmaxRowsVJP32(s(6), s(6), g, g[3:], 0) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantShapePanic(t, c.msg, c.f) })
	}
}

// TestLayerNormRowsInPlace: y may be x, on the fused kernel's rows (64)
// and the loop's (3), with the bits of a separate y.
func TestLayerNormRowsInPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{3, 64} {
		x, w, b := make([]float32, 4*n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		for i := range w {
			w[i], b[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		want := make([]float32, len(x))
		LayerNormRows(want, x, w, b, n, 1e-5)
		LayerNormRows(x, x, w, b, n, 1e-5)
		for i := range x {
			if x[i] != want[i] {
				t.Fatalf("n %d: element %d in place = %v, want %v", n, i, x[i], want[i])
			}
		}
	}
}

// TestSoftmaxRowsVJP32Aliases: d may be g or y, with the bits of a d of
// its own.
func TestSoftmaxRowsVJP32Aliases(t *testing.T) {
	y := []float32{0.1, 0.2, 0.7, 0.5, 0.25, 0.25}
	g := []float32{1, -2, 3, 0.5, 4, -1}
	want := make([]float32, 6)
	SoftmaxRowsVJP32(want, y, g, make([]float32, 3), 0)
	for _, alias := range []string{"g", "y"} {
		yy, gg := append([]float32{}, y...), append([]float32{}, g...)
		d := gg
		if alias == "y" {
			d = yy
		}
		SoftmaxRowsVJP32(d, yy, gg, make([]float32, 3), 0)
		for i := range d {
			if d[i] != want[i] {
				t.Fatalf("d = %s: element %d = %v, want %v", alias, i, d[i], want[i])
			}
		}
	}
}
