package tensor_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/tensor"
)

// convGeometry is one input shape and window of the kernel tests.
type convGeometry struct {
	name  string
	shape []int // [N C H W]
	win   tensor.Window2D
}

func convWin(k, s, p, d [2]int) tensor.Window2D {
	return tensor.Window2D{Kernel: k, Stride: s, Padding: p, Dilation: d}
}

// convGeometries covers unit and larger strides, padding, dilation,
// rectangular kernels and inputs, several images and channels, and a 1x1
// kernel.
var convGeometries = []convGeometry{
	{"3x3 plain", []int{1, 1, 5, 5}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
	{"stride 2 padding 1", []int{2, 3, 6, 7}, convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
	{"dilation 2", []int{2, 3, 7, 6}, convWin([2]int{3, 2}, [2]int{1, 1}, [2]int{0, 1}, [2]int{2, 2})},
	{"rectangular everything", []int{2, 3, 5, 8}, convWin([2]int{2, 3}, [2]int{1, 2}, [2]int{1, 0}, [2]int{2, 1})},
	{"kernel equals padded input", []int{1, 2, 3, 2}, convWin([2]int{5, 4}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	{"1x1 kernel stride 3", []int{3, 2, 7, 5}, convWin([2]int{1, 1}, [2]int{3, 3}, [2]int{0, 0}, [2]int{1, 1})},
	{"large padding", []int{1, 2, 3, 3}, convWin([2]int{2, 2}, [2]int{2, 1}, [2]int{3, 2}, [2]int{1, 1})},
}

func convRand[T tensor.Float](seed uint64, shape ...int) *tensor.Tensor[T] {
	rng := rand.New(rand.NewPCG(seed, 17))
	x := tensor.Zeros[T](shape...)
	for i := range x.Data() {
		x.Data()[i] = T(4*rng.Float64() - 2)
	}
	return x
}

func convF64[T tensor.Float](xs []T) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

// convOpts compares approximately and treats NaN as equal to NaN.
func convOpts(tol float64) cmp.Options {
	return cmp.Options{cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs()}
}

// convNaiveIm2Col reads every (tap, position) element by its definition.
func convNaiveIm2Col(x []float64, shape []int, w tensor.Window2D) (cols []float64, rows, ncols int) {
	n, c, h, wd := shape[0], shape[1], shape[2], shape[3]
	oh, ow := w.OutSize(h, wd)
	rows, ncols = c*w.Kernel[0]*w.Kernel[1], n*oh*ow
	cols = make([]float64, rows*ncols)
	for ci := 0; ci < c; ci++ {
		for i := 0; i < w.Kernel[0]; i++ {
			for j := 0; j < w.Kernel[1]; j++ {
				r := (ci*w.Kernel[0]+i)*w.Kernel[1] + j
				for b := 0; b < n; b++ {
					for y := 0; y < oh; y++ {
						for xo := 0; xo < ow; xo++ {
							ih := y*w.Stride[0] - w.Padding[0] + i*w.Dilation[0]
							iw := xo*w.Stride[1] - w.Padding[1] + j*w.Dilation[1]
							if ih >= 0 && ih < h && iw >= 0 && iw < wd {
								cols[r*ncols+(b*oh+y)*ow+xo] = x[((b*c+ci)*h+ih)*wd+iw]
							}
						}
					}
				}
			}
		}
	}
	return cols, rows, ncols
}

func TestIm2ColMatchesNaive(t *testing.T) {
	for i, g := range convGeometries {
		t.Run(g.name, func(t *testing.T) {
			convIm2ColCase[float64](t, g, uint64(i), 1e-15)
			convIm2ColCase[float32](t, g, uint64(i), 1e-7)
		})
	}
}

func convIm2ColCase[T tensor.Float](t *testing.T, g convGeometry, seed uint64, tol float64) {
	t.Helper()
	x := convRand[T](seed, g.shape...)
	want, r, c := convNaiveIm2Col(convF64(x.Data()), g.shape, g.win)
	got := tensor.Im2Col(x, g.win)
	if d := cmp.Diff([]int{r, c}, got.Shape()); d != "" {
		t.Fatalf("%T: shape (-want +got):\n%s", *new(T), d)
	}
	if d := cmp.Diff(want, convF64(got.Data()), convOpts(tol)); d != "" {
		t.Errorf("%T: Im2Col (-naive +got):\n%s", *new(T), d)
	}
}

// TestCol2ImIsAdjointOfIm2Col checks ⟨Im2Col(x), y⟩ = ⟨x, Col2Im(y)⟩ for
// random x and y, and Col2Im against a naive scatter.
func TestCol2ImIsAdjointOfIm2Col(t *testing.T) {
	for i, g := range convGeometries {
		t.Run(g.name, func(t *testing.T) {
			x := convRand[float64](uint64(100+i), g.shape...)
			cols := tensor.Im2Col(x, g.win)
			y := convRand[float64](uint64(200+i), cols.Shape()...)
			back := tensor.Col2Im(y, g.shape, g.win)
			if d := cmp.Diff(g.shape, back.Shape()); d != "" {
				t.Fatalf("Col2Im shape (-want +got):\n%s", d)
			}
			lhs, rhs := convDot(cols.Data(), y.Data()), convDot(x.Data(), back.Data())
			if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
				t.Errorf("⟨Im2Col(x), y⟩ = %v, ⟨x, Col2Im(y)⟩ = %v", lhs, rhs)
			}

			// Naive scatter: every column element goes back where Im2Col read it.
			want := make([]float64, x.Len())
			n, c, h, w := g.shape[0], g.shape[1], g.shape[2], g.shape[3]
			oh, ow := g.win.OutSize(h, w)
			q := n * oh * ow
			for r := 0; r < c*g.win.Kernel[0]*g.win.Kernel[1]; r++ {
				ci, i, j := r/(g.win.Kernel[0]*g.win.Kernel[1]), r/g.win.Kernel[1]%g.win.Kernel[0], r%g.win.Kernel[1]
				for col := 0; col < q; col++ {
					b, y0, x0 := col/(oh*ow), col/ow%oh, col%ow
					ih := y0*g.win.Stride[0] - g.win.Padding[0] + i*g.win.Dilation[0]
					iw := x0*g.win.Stride[1] - g.win.Padding[1] + j*g.win.Dilation[1]
					if ih >= 0 && ih < h && iw >= 0 && iw < w {
						want[((b*c+ci)*h+ih)*w+iw] += y.Data()[r*q+col]
					}
				}
			}
			if d := cmp.Diff(want, back.Data(), convOpts(1e-12)); d != "" {
				t.Errorf("Col2Im (-naive +got):\n%s", d)
			}

			// float32 agrees.
			back32 := tensor.Col2Im(convTo32(y), g.shape, g.win)
			if d := cmp.Diff(want, convF64(back32.Data()), convOpts(1e-5)); d != "" {
				t.Errorf("float32 Col2Im (-naive +got):\n%s", d)
			}
		})
	}
}

func convDot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func convTo32(x *tensor.Tensor[float64]) *tensor.Tensor[float32] {
	d := make([]float32, x.Len())
	for i, v := range x.Data() {
		d[i] = float32(v)
	}
	return tensor.MustNew(d, x.Shape()...)
}

func TestOutSizeFloors(t *testing.T) {
	tests := []struct {
		win        tensor.Window2D
		h, w       int
		wantH, wnW int
	}{
		// (1 - 1 - 1)/2 = -1/2: floor -1 gives 0 windows; truncation would give 1.
		{convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1}), 1, 2, 0, 1},
		{convWin([2]int{3, 1}, [2]int{2, 3}, [2]int{1, 0}, [2]int{1, 1}), 7, 7, 4, 3},
		{convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{3, 2}), 7, 4, 1, 0},
	}
	for _, tc := range tests {
		oh, ow := tc.win.OutSize(tc.h, tc.w)
		if oh != tc.wantH || ow != tc.wnW {
			t.Errorf("%+v.OutSize(%d, %d) = %d, %d; want %d, %d", tc.win, tc.h, tc.w, oh, ow, tc.wantH, tc.wnW)
		}
	}
}

// convNaiveMaxPool takes the maximum of each window's in-bounds elements,
// the first one on ties, NaN winning.
func convNaiveMaxPool(x []float64, shape []int, w tensor.Window2D) ([]float64, []int) {
	n, c, h, wd := shape[0], shape[1], shape[2], shape[3]
	oh, ow := w.OutSize(h, wd)
	var out []float64
	var idx []int
	for p := 0; p < n*c; p++ {
		for y := 0; y < oh; y++ {
			for xo := 0; xo < ow; xo++ {
				best, at := math.Inf(-1), -1
				for i := 0; i < w.Kernel[0]; i++ {
					for j := 0; j < w.Kernel[1]; j++ {
						ih := y*w.Stride[0] - w.Padding[0] + i*w.Dilation[0]
						iw := xo*w.Stride[1] - w.Padding[1] + j*w.Dilation[1]
						if ih < 0 || ih >= h || iw < 0 || iw >= wd {
							continue
						}
						k := (p*h+ih)*wd + iw
						switch {
						case at >= 0 && math.IsNaN(best):
						case at < 0, math.IsNaN(x[k]), x[k] > best:
							best, at = x[k], k
						}
					}
				}
				out = append(out, best)
				idx = append(idx, at)
			}
		}
	}
	return out, idx
}

func TestMaxPool2DMatchesNaive(t *testing.T) {
	geoms := []convGeometry{
		{"2x2 stride 2", []int{2, 3, 6, 6}, convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})},
		{"3x3 stride 2 padding 1", []int{2, 2, 7, 6}, convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
		{"overlapping 3x2 stride 1", []int{1, 2, 5, 4}, convWin([2]int{3, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
		{"dilation 2", []int{2, 1, 7, 7}, convWin([2]int{2, 3}, [2]int{1, 2}, [2]int{1, 1}, [2]int{2, 2})},
	}
	for i, g := range geoms {
		t.Run(g.name, func(t *testing.T) {
			x := convRand[float64](uint64(300+i), g.shape...)
			// Coarse values make ties common.
			for k, v := range x.Data() {
				x.Data()[k] = math.Round(v)
			}
			want, wantIdx := convNaiveMaxPool(x.Data(), g.shape, g.win)
			got, idx := tensor.MaxPool2D(x, g.win)
			oh, ow := g.win.OutSize(g.shape[2], g.shape[3])
			if d := cmp.Diff([]int{g.shape[0], g.shape[1], oh, ow}, got.Shape()); d != "" {
				t.Fatalf("shape (-want +got):\n%s", d)
			}
			if d := cmp.Diff(want, got.Data()); d != "" {
				t.Errorf("values (-naive +got):\n%s", d)
			}
			if d := cmp.Diff(wantIdx, idx); d != "" {
				t.Errorf("indices (-naive +got):\n%s", d)
			}
			got32, idx32 := tensor.MaxPool2D(convTo32(x), g.win)
			if d := cmp.Diff(want, convF64(got32.Data())); d != "" {
				t.Errorf("float32 values (-naive +got):\n%s", d)
			}
			if d := cmp.Diff(wantIdx, idx32); d != "" {
				t.Errorf("float32 indices (-naive +got):\n%s", d)
			}
		})
	}
}

func TestMaxPool2DTiesNaNAndEmptyWindows(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	win := convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
	x := tensor.MustNew([]float64{
		1, 3, 5, nan, -inf, -inf,
		3, 3, nan, 5, -inf, -inf,
	}, 1, 1, 2, 6)
	out, idx := tensor.MaxPool2D(x, win)
	// Tie of 3s: the first in row-major order (index 1, not 6 or 7). NaN
	// wins even over a later 5, and of two NaNs the later (index 8, not 3),
	// as in torch 1.13. A window of -Inf gives -Inf at its first element.
	if d := cmp.Diff([]float64{3, nan, math.Inf(-1)}, out.Data(), cmpopts.EquateNaNs()); d != "" {
		t.Errorf("values (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{1, 8, 4}, idx); d != "" {
		t.Errorf("indices (-want +got):\n%s", d)
	}

	// With dilation, a window can fall entirely in the padding: the taps of
	// this one are the corners of the padded 4×4 plane.
	x = tensor.MustNew([]float64{7, 8, 9, 10}, 1, 1, 2, 2)
	out, idx = tensor.MaxPool2D(x, convWin([2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{3, 3}))
	if d := cmp.Diff([]float64{math.Inf(-1)}, out.Data()); d != "" {
		t.Errorf("all-padding windows (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{-1}, idx); d != "" {
		t.Errorf("all-padding indices (-want +got):\n%s", d)
	}
}

func TestGatherScatterFlat(t *testing.T) {
	x := tensor.MustNew([]float64{10, 20, 30, 40}, 2, 2)
	idx := []int{3, 0, 0, 2, 1, 3}
	g := tensor.GatherFlat(x, idx, 3, 2)
	if d := cmp.Diff([]float64{40, 10, 10, 30, 20, 40}, g.Data()); d != "" {
		t.Errorf("GatherFlat (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{3, 2}, g.Shape()); d != "" {
		t.Errorf("GatherFlat shape (-want +got):\n%s", d)
	}
	src := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 6)
	s := tensor.ScatterAddFlat(src, idx, 2, 2)
	// Duplicates accumulate: index 0 gets 2+3, index 3 gets 1+6.
	if d := cmp.Diff([]float64{5, 5, 4, 7}, s.Data()); d != "" {
		t.Errorf("ScatterAddFlat (-want +got):\n%s", d)
	}
	// Adjoint: ⟨Gather(x), y⟩ = ⟨x, Scatter(y)⟩.
	xr := convRand[float64](1, 4, 5)
	yr := convRand[float64](2, 7, 3)
	rng := rand.New(rand.NewPCG(3, 3))
	ri := make([]int, 21)
	for i := range ri {
		ri[i] = rng.IntN(20)
	}
	lhs := convDot(tensor.GatherFlat(xr, ri, 7, 3).Data(), yr.Data())
	rhs := convDot(xr.Data(), tensor.ScatterAddFlat(yr, ri, 4, 5).Data())
	if math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
		t.Errorf("⟨Gather(x), y⟩ = %v, ⟨x, Scatter(y)⟩ = %v", lhs, rhs)
	}
}

// TestConvKernelErrors checks every error path of the kernels, message
// included.
func TestConvKernelErrors(t *testing.T) {
	ok := convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})
	x := tensor.Zeros[float64](1, 2, 4, 4)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"Im2Col not 4-D", func() { tensor.Im2Col(tensor.Zeros[float64](2, 4, 4), ok) },
			"tensor: Im2Col: input must be 4-D [N C H W]: [2 4 4]"},
		{"kernel 0", func() { tensor.Im2Col(x, convWin([2]int{0, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})) },
			"tensor: Im2Col: kernel size must be at least 1, got [0 3]: [1 2 4 4]"},
		{"stride 0", func() { tensor.Im2Col(x, convWin([2]int{3, 3}, [2]int{1, 0}, [2]int{0, 0}, [2]int{1, 1})) },
			"tensor: Im2Col: stride must be at least 1, got [1 0]: [1 2 4 4]"},
		{"negative padding", func() { tensor.Im2Col(x, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{-1, 0}, [2]int{1, 1})) },
			"tensor: Im2Col: padding must be at least 0, got [-1 0]: [1 2 4 4]"},
		{"dilation 0", func() { tensor.Im2Col(x, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{0, 1})) },
			"tensor: Im2Col: dilation must be at least 1, got [0 1]: [1 2 4 4]"},
		{"kernel larger than padded input (height)", func() { tensor.Im2Col(x, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{0, 0}, [2]int{2, 1})) },
			"tensor: Im2Col: dilated kernel height 5 is larger than the padded input height 4 (axis 2): [1 2 4 4]"},
		{"kernel larger than padded input (width)", func() { tensor.Im2Col(x, convWin([2]int{1, 7}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})) },
			"tensor: Im2Col: dilated kernel width 7 is larger than the padded input width 6 (axis 3): [1 2 4 4]"},
		{"Col2Im wrong columns", func() { tensor.Col2Im(tensor.Zeros[float64](18, 5), []int{1, 2, 4, 4}, ok) },
			"tensor: Col2Im: columns must have shape [18 4] for this input shape and window: [18 5] x [1 2 4 4]"},
		{"Col2Im bad shape", func() { tensor.Col2Im(tensor.Zeros[float64](18, 4), []int{2, 4, 4}, ok) },
			"tensor: Col2Im: input must be 4-D [N C H W]: [2 4 4]"},
		{"MaxPool2D padding more than half the kernel", func() {
			tensor.MaxPool2D(x, convWin([2]int{3, 2}, [2]int{1, 1}, [2]int{1, 2}, [2]int{1, 1}))
		}, "tensor: MaxPool2D: padding [1 2] must be at most half the kernel size [3 2]: [1 2 4 4]"},
		// PyTorch's rule counts the kernel, not the dilated window (5 wide here).
		{"MaxPool2D padding more than half the undilated kernel", func() {
			tensor.MaxPool2D(x, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{2, 1}, [2]int{2, 1}))
		}, "tensor: MaxPool2D: padding [2 1] must be at most half the kernel size [3 3]: [1 2 4 4]"},
		{"MaxPool2DInto padding more than half the undilated kernel", func() {
			tensor.MaxPool2DInto(tensor.Zeros[float64](1, 2, 4, 4), nil, x, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{2, 1}, [2]int{2, 1}))
		}, "tensor: MaxPool2DInto: padding [2 1] must be at most half the kernel size [3 3]: [1 2 4 4]"},
		{"MaxPool2D stride 0", func() { tensor.MaxPool2D(x, convWin([2]int{2, 2}, [2]int{0, 2}, [2]int{0, 0}, [2]int{1, 1})) },
			"tensor: MaxPool2D: stride must be at least 1, got [0 2]: [1 2 4 4]"},
		{"GatherFlat count", func() { tensor.GatherFlat(x, []int{0, 1}, 3) },
			"tensor: GatherFlat: 2 indices for an output of 3 elements: [1 2 4 4] x [3]"},
		{"GatherFlat out of range", func() { tensor.GatherFlat(x, []int{0, 32}, 2) },
			"tensor: GatherFlat: index 32 (position 1) out of range [0, 32): [1 2 4 4] x [2]"},
		{"GatherFlat negative", func() { tensor.GatherFlat(x, []int{-1}, 1) },
			"tensor: GatherFlat: index -1 (position 0) out of range [0, 32): [1 2 4 4] x [1]"},
		{"ScatterAddFlat count", func() { tensor.ScatterAddFlat(tensor.Zeros[float64](3), []int{0}, 2, 2) },
			"tensor: ScatterAddFlat: 1 indices for a source of 3 elements: [3] x [2 2]"},
		{"ScatterAddFlat out of range", func() { tensor.ScatterAddFlat(tensor.Zeros[float64](2), []int{0, 4}, 2, 2) },
			"tensor: ScatterAddFlat: index 4 (position 1) out of range [0, 4): [2] x [2 2]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := convPanic(tc.f)
			var se *tensor.ShapeError
			if !errors.As(err, &se) {
				t.Fatalf("panic = %v (%T), want a *tensor.ShapeError", err, err)
			}
			if se.Pkg != "tensor" || se.Error() != tc.want {
				t.Errorf("error = %q (Pkg %q), want %q", se.Error(), se.Pkg, tc.want)
			}
		})
	}
}

// convPanic runs f and returns the error it panicked with (nil if none).
func convPanic(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
			} else {
				err = fmt.Errorf("non-error panic: %v", r)
			}
		}
	}()
	f()
	return nil
}

func ExampleIm2Col() {
	// One 3x3 image, windows of 2x2 with stride 1: four windows, each
	// unfolded into a column of four taps.
	x := tensor.MustNew([]float64{
		1, 2, 3,
		4, 5, 6,
		7, 8, 9,
	}, 1, 1, 3, 3)
	win := tensor.Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	cols := tensor.Im2Col(x, win)
	fmt.Println(cols)

	// A convolution is now one matrix product: this kernel sums each window.
	w := tensor.MustNew([]float64{1, 1, 1, 1}, 1, 4)
	fmt.Println(tensor.MatMul(w, cols, false, false).Reshape(1, 1, 2, 2))

	// Col2Im scatter-adds columns back: the count of windows covering each pixel.
	fmt.Println(tensor.Col2Im(tensor.Ones[float64](4, 4), x.Shape(), win))
	// Output:
	// Tensor[4 4][[1 2 4 5] [2 3 5 6] [4 5 7 8] [5 6 8 9]]
	// Tensor[1 1 2 2][[[[12 16] [24 28]]]]
	// Tensor[1 1 3 3][[[[1 2 1] [2 4 2] [1 2 1]]]]
}

func ExampleMaxPool2D() {
	x := tensor.MustNew([]float64{
		1, 5, 2, 0,
		3, 4, 8, 8,
		0, 0, 1, 1,
		9, 0, 1, 1,
	}, 1, 1, 4, 4)
	win := tensor.Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}}
	out, idx := tensor.MaxPool2D(x, win)
	fmt.Println(out)
	fmt.Println(idx) // flat positions in x; the tie of 8s goes to the first
	// The gradient of the pooling routes each output gradient to its maximum.
	fmt.Println(tensor.ScatterAddFlat(tensor.Ones[float64](1, 1, 2, 2), idx, x.Shape()...))
	// Output:
	// Tensor[1 1 2 2][[[[5 8] [9 1]]]]
	// [1 6 12 10]
	// Tensor[1 1 4 4][[[[0 1 0 0] [0 0 1 0] [0 0 1 0] [1 0 0 0]]]]
}
