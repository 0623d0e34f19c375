package tensor_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

// convDot is the inner product of two tensors' data.
func convDotT(a, b *tensor.Tensor[float64]) float64 {
	s := 0.0
	for i, v := range a.Data() {
		s += v * b.Data()[i]
	}
	return s
}

// TestGroupedConvKernelsAreAdjoint checks the grouped and 1-D kernels
// through the adjoint identities that define the gradients,
// ⟨conv(x, w), g⟩ = ⟨x, dx(g, w)⟩ = ⟨w, dw(x, g)⟩, and the transposed
// kernels as the same maps with the sides exchanged (bit for bit), for
// groups 1, 2 and depthwise, with and without kept columns.
func TestGroupedConvKernelsAreAdjoint(t *testing.T) {
	for i, c := range []struct {
		name string
		x, w []int
		win  tensor.Window2D
	}{
		{"groups 2 stride padding", []int{2, 4, 5, 6}, []int{6, 2, 3, 2}, convWin([2]int{3, 2}, [2]int{2, 1}, [2]int{1, 0}, [2]int{1, 2})},
		{"depthwise 3x3 same", []int{2, 3, 5, 5}, []int{3, 1, 3, 3}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
		{"depthwise multiplier 2 pointwise", []int{2, 3, 2, 3}, []int{6, 1, 1, 1}, convWin([2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
		{"1-D groups 2", []int{2, 4, 9}, []int{2, 2, 3}, convWin([2]int{1, 3}, [2]int{1, 2}, [2]int{0, 1}, [2]int{1, 1})},
		{"groups 1", []int{1, 2, 4, 4}, []int{3, 2, 2, 2}, convWin([2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := convRand[float64](uint64(60+4*i), c.x...)
			w := convRand[float64](uint64(61+4*i), c.w...)
			oh, ow := c.win.OutSize(1, c.x[len(c.x)-1])
			if len(c.x) == 4 {
				oh, ow = c.win.OutSize(c.x[2], c.x[3])
			}
			ys := []int{c.x[0], c.w[0], oh, ow}
			if len(c.x) == 3 {
				ys = []int{c.x[0], c.w[0], ow}
			}
			k := c.x[1] * c.win.Kernel[0] * c.win.Kernel[1]
			g := convRand[float64](uint64(62+4*i), ys...)
			y := convPoison[float64](ys...)
			cols := tensor.Zeros[float64](c.x[0], k, oh*ow)
			tensor.Conv2DInto(y, x, w, nil, cols, c.win)
			dx := convPoison[float64](c.x...)
			tensor.Conv2DInputGradInto(dx, g, w, tensor.Zeros[float64](k, oh*ow), c.win)
			dw := convPoison[float64](c.w...)
			tensor.Conv2DWeightGradInto(dw, x, g, tensor.Zeros[float64](k, oh*ow), nil, c.win, 0)
			dwKept := convPoison[float64](c.w...)
			tensor.Conv2DWeightGradInto(dwKept, nil, g, cols, tensor.Zeros[float64](c.w...), c.win, 0)
			lhs := convDotT(y, g)
			checks := []struct {
				what string
				v    float64
			}{{"⟨x, dx⟩", convDotT(x, dx)}, {"⟨w, dw⟩", convDotT(w, dw)}}
			if !c.win.Pointwise() { // a pointwise window reads x in place and keeps no columns
				checks = append(checks, struct {
					what string
					v    float64
				}{"⟨w, dw from kept columns⟩", convDotT(w, dwKept)})
			}
			for _, r := range checks {
				if d := cmp.Diff(lhs, r.v, convOpts(1e-12)); d != "" {
					t.Errorf("⟨conv(x, w), g⟩ vs %s:\n%s", r.what, d)
				}
			}
			if len(c.x) == 3 {
				return
			}
			// The transposed kernels: the same maps with the sides exchanged.
			tOut := convPoison[float64](c.x...)
			tensor.ConvTranspose2DInto(tOut, g, w, nil, tensor.Zeros[float64](k, oh*ow), c.win)
			if d := cmp.Diff(dx.Data(), tOut.Data()); d != "" {
				t.Errorf("ConvTranspose2DInto is not Conv2DInputGradInto:\n%s", d)
			}
			tdx := convPoison[float64](ys...)
			tensor.ConvTranspose2DInputGradInto(tdx, x, w, tensor.Zeros[float64](k, oh*ow), c.win)
			if d := cmp.Diff(y.Data(), tdx.Data()); d != "" {
				t.Errorf("ConvTranspose2DInputGradInto is not Conv2DInto:\n%s", d)
			}
			tdw := convPoison[float64](c.w...)
			tensor.ConvTranspose2DWeightGradInto(tdw, g, x, tensor.Zeros[float64](k, oh*ow), nil, c.win, 0)
			if d := cmp.Diff(dw.Data(), tdw.Data()); d != "" {
				t.Errorf("ConvTranspose2DWeightGradInto is not Conv2DWeightGradInto:\n%s", d)
			}
		})
	}
}

// TestConvTransposeKernelsOutputPadding checks the output padding beyond
// the adjoint convolution's windows: the extra row gets the bias alone,
// and the gradients read only the positions the windows reach.
func TestConvTransposeKernelsOutputPadding(t *testing.T) {
	win := convWin([2]int{2, 2}, [2]int{1, 1}, [2]int{0, 0}, [2]int{2, 2}) // stride 1, dilation 2: output padding 1 allowed
	x := convRand[float64](80, 1, 2, 3, 3)
	w := convRand[float64](81, 2, 1, 2, 2)
	bias := tensor.MustNew([]float64{0.5, -0.25}, 2)
	out := convPoison[float64](1, 2, 6, 5) // (3−1) + 2 + 1 + 1 rows, no extra column
	tensor.ConvTranspose2DInto(out, x, w, bias, tensor.Zeros[float64](8, 9), win)
	for o, b := range bias.Data() {
		for q := 0; q < 5; q++ {
			if got := out.At(0, o, 5, q); got != b {
				t.Errorf("out[0 %d 5 %d] = %v, want the bias %v alone", o, q, got, b)
			}
		}
	}
	g := convRand[float64](82, 1, 2, 6, 5)
	dx := convPoison[float64](1, 2, 3, 3)
	tensor.ConvTranspose2DInputGradInto(dx, g, w, tensor.Zeros[float64](8, 9), win)
	dw := convPoison[float64](2, 1, 2, 2)
	tensor.ConvTranspose2DWeightGradInto(dw, x, g, tensor.Zeros[float64](8, 9), tensor.Zeros[float64](2, 1, 2, 2), win, 0)
	noBias := tensor.Zeros[float64](1, 2, 6, 5)
	tensor.ConvTranspose2DInto(noBias, x, w, nil, tensor.Zeros[float64](8, 9), win)
	if d := cmp.Diff(convDotT(noBias, g), convDotT(x, dx), convOpts(1e-12)); d != "" {
		t.Errorf("⟨ConvT(x, w), g⟩ vs ⟨x, dx⟩:\n%s", d)
	}
	if d := cmp.Diff(convDotT(noBias, g), convDotT(w, dw), convOpts(1e-12)); d != "" {
		t.Errorf("⟨ConvT(x, w), g⟩ vs ⟨w, dw⟩:\n%s", d)
	}
}

// TestGroupedConvKernelErrors checks that the kernels reject groups that do
// not fit, mixed ranks, a 1-D window with a height, and transposed outputs
// too small for the input, with a *ShapeError naming the kernel.
func TestGroupedConvKernelErrors(t *testing.T) {
	win := convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})
	win1 := convWin([2]int{1, 3}, [2]int{1, 1}, [2]int{0, 1}, [2]int{1, 1})
	z := tensor.Zeros[float64]
	for _, tc := range []struct {
		op string
		f  func()
	}{
		{"Conv2DInto", func() { tensor.Conv2DInto(z(1, 4, 4, 4), z(1, 5, 4, 4), z(4, 2, 3, 3), nil, z(45, 16), win) }},                   // 5 channels, 2 per group
		{"Conv2DInto", func() { tensor.Conv2DInto(z(1, 3, 4, 4), z(1, 4, 4, 4), z(3, 2, 3, 3), nil, z(36, 16), win) }},                   // OC 3, 2 groups
		{"Conv2DInto", func() { tensor.Conv2DInto(z(1, 4, 4), z(1, 4, 4, 4), z(4, 4, 3, 3), nil, z(36, 16), win) }},                      // ranks
		{"Conv2DInto", func() { tensor.Conv2DInto(z(1, 4, 4), z(1, 4, 4), z(4, 4, 3), nil, z(36, 4), win) }},                             // 1-D window of height 3
		{"Conv2DInto", func() { tensor.Conv2DInto(z(1, 4, 5), z(1, 4, 4), z(4, 4, 3), nil, z(12, 4), win1) }},                            // output length
		{"ConvTranspose2DInto", func() { tensor.ConvTranspose2DInto(z(1, 2, 3, 3), z(1, 2, 4, 4), z(2, 2, 3, 3), nil, z(18, 16), win) }}, // output smaller than the input needs
		{"ConvTranspose2DInto", func() { tensor.ConvTranspose2DInto(z(1, 2, 4, 4), z(1, 2, 4, 4), z(2, 2, 3, 3), z(3), z(18, 16), win) }},
		{"ConvTranspose2DInputGradInto", func() {
			tensor.ConvTranspose2DInputGradInto(z(1, 2, 4, 4), z(1, 2, 4, 4), z(2, 2, 3, 3), z(17, 16), win)
		}},
		{"ConvTranspose2DWeightGradInto", func() {
			tensor.ConvTranspose2DWeightGradInto(z(2, 2, 3, 3), z(1, 2, 4, 4), z(1, 2, 4, 4), z(18, 16), z(5), win, 0)
		}},
	} {
		err := convPanic(tc.f)
		var se *tensor.ShapeError
		if !asShapeError(err, &se) || se.Op != tc.op {
			t.Errorf("%s: panic %v, want a *tensor.ShapeError of %s", tc.op, err, tc.op)
		}
	}
}

// TestConvTransposeKernelsAllocateNothing checks that the transposed and
// grouped kernels make no allocation of their own.
func TestConvTransposeKernelsAllocateNothing(t *testing.T) {
	if intoRaceEnabled {
		t.Skip("the race detector allocates")
	}
	win := convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})
	x := convRand[float32](90, 2, 4, 3, 3)
	w := convRand[float32](91, 4, 3, 3, 3) // [C, OC/G, KH, KW] with G = 2: OC = 6
	b := convRand[float32](92, 6)
	out := tensor.Zeros[float32](2, 6, 6, 6) // (3−1)·2 − 2 + 2 + 1 + 1
	work := tensor.Zeros[float32](6*9, 9)
	dx, dw := tensor.Zeros[float32](2, 4, 3, 3), tensor.Zeros[float32](4, 3, 3, 3)
	wwork := tensor.Zeros[float32](4, 3, 3, 3)
	allocs := testing.AllocsPerRun(10, func() {
		tensor.ConvTranspose2DInto(out, x, w, b, work, win)
		tensor.ConvTranspose2DInputGradInto(dx, out, w, work, win)
		tensor.ConvTranspose2DWeightGradInto(dw, x, out, work, wwork, win, 1)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}
