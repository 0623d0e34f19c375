package tensor_test

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

// convIntoGeometries are convGeometries plus a pointwise window (1×1,
// stride 1, no padding), which the Into kernels read in place.
var convIntoGeometries = append(append([]convGeometry{}, convGeometries...),
	convGeometry{"pointwise", []int{3, 2, 4, 5}, convWin([2]int{1, 1}, [2]int{1, 1}, [2]int{0, 0}, [2]int{1, 1})},
	// "Same" convolutions, whose columns are shifted copies of the plane
	// (the kernels copy and add each tap's rows as one run); the 5×5 one
	// has taps that fall wholly in the padding (a 2-row input).
	convGeometry{"3x3 same", []int{2, 3, 6, 5}, convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	convGeometry{"5x5 same on 2 rows", []int{2, 2, 2, 6}, convWin([2]int{5, 5}, [2]int{1, 1}, [2]int{2, 2}, [2]int{1, 1})})

// convNaive returns the convolution of x with w (OC × rows of the naive
// columns) and, for the gradient gr of the result, the naive gradients
// with respect to x, w and the bias, all in float64.
func convNaive(x, w, gr []float64, shape []int, oc int, win tensor.Window2D) (out, dx, dw, db []float64) {
	cols, rows, ncols := convNaiveIm2Col(x, shape, win)
	n := shape[0]
	p := ncols / n
	out = make([]float64, n*oc*p)
	dw = make([]float64, oc*rows)
	db = make([]float64, oc)
	dcols := make([]float64, rows*ncols)
	for b := 0; b < n; b++ {
		for o := 0; o < oc; o++ {
			for q := 0; q < p; q++ {
				s := 0.0
				g := gr[(b*oc+o)*p+q]
				db[o] += g
				for r := 0; r < rows; r++ {
					s += w[o*rows+r] * cols[r*ncols+b*p+q]
					dw[o*rows+r] += g * cols[r*ncols+b*p+q]
					dcols[r*ncols+b*p+q] += w[o*rows+r] * g
				}
				out[(b*oc+o)*p+q] = s
			}
		}
	}
	y := tensor.MustNew(dcols, rows, ncols)
	dx = tensor.Col2Im(y, shape, win).Data()
	return out, dx, dw, db
}

// convPoison fills a buffer with NaN, so that an element a kernel fails to
// write shows.
func convPoison[T tensor.Float](shape ...int) *tensor.Tensor[T] {
	return tensor.Full(T(math.NaN()), shape...)
}

func TestConv2DIntoMatchesNaive(t *testing.T) {
	for i, g := range convIntoGeometries {
		t.Run(g.name, func(t *testing.T) {
			convIntoCase[float64](t, g, uint64(i), 1e-12)
			convIntoCase[float32](t, g, uint64(i), 2e-5)
		})
	}
}

func convIntoCase[T tensor.Float](t *testing.T, g convGeometry, seed uint64, tol float64) {
	t.Helper()
	const oc = 3
	n, c := g.shape[0], g.shape[1]
	kh, kw := g.win.Kernel[0], g.win.Kernel[1]
	oh, ow := g.win.OutSize(g.shape[2], g.shape[3])
	x := convRand[T](seed, g.shape...)
	w := convRand[T](seed+1, oc, c, kh, kw)
	bias := convRand[T](seed+2, oc)
	gr := convRand[T](seed+3, n, oc, oh, ow)
	out, dx, dw, db := convNaive(convF64(x.Data()), convF64(w.Data()), convF64(gr.Data()), g.shape, oc, g.win)
	withBias := make([]float64, len(out))
	for k, v := range out {
		withBias[k] = v + float64(bias.Data()[(k/(oh*ow))%oc])
	}
	k := c * kh * kw
	// With a work buffer the weight gradient is formed transposed when the
	// kernel has more taps than the 3 output channels.
	for _, tc := range []struct {
		name       string
		cols, work *tensor.Tensor[T]
	}{
		{"every image's columns", convPoison[T](n, k, oh*ow), nil},
		{"one image's columns", convPoison[T](k, oh*ow), nil},
		{"every image's columns, work", convPoison[T](n, k, oh*ow), convPoison[T](k, oc)},
		{"one image's columns, work", convPoison[T](k, oh*ow), convPoison[T](k * oc)},
	} {
		got := convPoison[T](n, oc, oh, ow)
		tensor.Conv2DInto(got, x, w, nil, tc.cols, g.win)
		if d := cmp.Diff(out, convF64(got.Data()), convOpts(tol)); d != "" {
			t.Errorf("%T %s: Conv2DInto without bias (-naive +got):\n%s", *new(T), tc.name, d)
		}
		tensor.Conv2DInto(got, x, w, bias, tc.cols, g.win)
		if d := cmp.Diff(withBias, convF64(got.Data()), convOpts(tol)); d != "" {
			t.Errorf("%T %s: Conv2DInto with bias (-naive +got):\n%s", *new(T), tc.name, d)
		}
		gw := convPoison[T](oc, c, kh, kw)
		if tc.cols.Len() == n*k*oh*ow && !g.win.Pointwise() {
			// The columns Conv2DInto kept.
			tensor.Conv2DWeightGradInto(gw, nil, gr, tc.cols, tc.work, g.win, 0)
			if d := cmp.Diff(dw, convF64(gw.Data()), convOpts(tol)); d != "" {
				t.Errorf("%T %s: Conv2DWeightGradInto from the kept columns (-naive +got):\n%s", *new(T), tc.name, d)
			}
		}
		tc.cols.Fill(T(math.NaN()))
		tensor.Conv2DWeightGradInto(gw, x, gr, tc.cols, tc.work, g.win, 0)
		if d := cmp.Diff(dw, convF64(gw.Data()), convOpts(tol)); d != "" {
			t.Errorf("%T %s: Conv2DWeightGradInto (-naive +got):\n%s", *new(T), tc.name, d)
		}
		// beta 1 adds to what is there.
		tensor.Conv2DWeightGradInto(gw, x, gr, tc.cols, tc.work, g.win, 1)
		twice := make([]float64, len(dw))
		for i, v := range dw {
			twice[i] = 2 * v
		}
		if d := cmp.Diff(twice, convF64(gw.Data()), convOpts(tol)); d != "" {
			t.Errorf("%T %s: Conv2DWeightGradInto with beta 1 (-twice naive +got):\n%s", *new(T), tc.name, d)
		}
	}
	gx := convPoison[T](g.shape...)
	tensor.Conv2DInputGradInto(gx, gr, w, convPoison[T](k*oh*ow), g.win)
	if d := cmp.Diff(dx, convF64(gx.Data()), convOpts(tol)); d != "" {
		t.Errorf("%T: Conv2DInputGradInto (-naive +got):\n%s", *new(T), d)
	}
	gb := convPoison[T](oc)
	tensor.Conv2DBiasGradInto(gb, gr, 0)
	if d := cmp.Diff(db, convF64(gb.Data()), convOpts(tol)); d != "" {
		t.Errorf("%T: Conv2DBiasGradInto (-naive +got):\n%s", *new(T), d)
	}
}

func TestIm2ColIntoAndCol2ImAddInto(t *testing.T) {
	for i, g := range convIntoGeometries {
		t.Run(g.name, func(t *testing.T) {
			x := convRand[float64](uint64(400+i), g.shape...)
			want := tensor.Im2Col(x, g.win)
			got := convPoison[float64](want.Shape()...)
			tensor.Im2ColInto(got, x, g.win)
			if d := cmp.Diff(want.Data(), got.Data()); d != "" {
				t.Errorf("Im2ColInto (-Im2Col +got):\n%s", d)
			}
			y := convRand[float64](uint64(500+i), want.Shape()...)
			base := convRand[float64](uint64(600+i), g.shape...)
			sum := base.Clone()
			tensor.Col2ImAddInto(sum, y, g.win)
			wantSum := tensor.Add(base, tensor.Col2Im(y, g.shape, g.win))
			if d := cmp.Diff(wantSum.Data(), sum.Data(), convOpts(1e-14)); d != "" {
				t.Errorf("Col2ImAddInto (-base+Col2Im +got):\n%s", d)
			}
		})
	}
}

// poolGeometries are the pooling windows of the Into kernels' tests:
// non-overlapping, padded, overlapping and dilated.
var poolGeometries = []convGeometry{
	{"2x2 stride 2", []int{2, 3, 6, 6}, convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})},
	{"2x2 stride 2 odd sizes", []int{2, 3, 7, 5}, convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})},
	{"3x3 stride 2 padding 1", []int{2, 2, 7, 6}, convWin([2]int{3, 3}, [2]int{2, 2}, [2]int{1, 1}, [2]int{1, 1})},
	{"overlapping 3x2 stride 1", []int{1, 2, 5, 4}, convWin([2]int{3, 2}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})},
	{"dilation 2", []int{2, 1, 7, 7}, convWin([2]int{2, 3}, [2]int{1, 2}, [2]int{1, 1}, [2]int{2, 2})},
}

// TestMaxPool2DIntoMatchesMaxPool2D checks values and maxima against
// MaxPool2D (ties made common by rounding, a NaN planted), and the scatter
// and gather against ScatterAddFlat and GatherFlat at MaxPool2D's indices.
func TestMaxPool2DIntoMatchesMaxPool2D(t *testing.T) {
	for i, g := range poolGeometries {
		t.Run(g.name, func(t *testing.T) {
			x := convRand[float64](uint64(700+i), g.shape...)
			for k, v := range x.Data() {
				x.Data()[k] = math.Round(v)
			}
			x.Data()[3] = math.NaN()
			want, idx := tensor.MaxPool2D(x, g.win)
			got, arg := convPoison[float64](want.Shape()...), convPoison[float64](want.Shape()...)
			tensor.MaxPool2DInto(got, arg, x, g.win)
			if d := cmp.Diff(want.Data(), got.Data(), convOpts(0)); d != "" {
				t.Errorf("values (-MaxPool2D +got):\n%s", d)
			}
			gr := convRand[float64](uint64(800+i), want.Shape()...)
			wantDx := tensor.ScatterAddFlat(gr, idx, g.shape...)
			dx := convPoison[float64](g.shape...)
			tensor.MaxPool2DScatterInto(dx, gr, arg, g.win, 0)
			if d := cmp.Diff(wantDx.Data(), dx.Data()); d != "" {
				t.Errorf("scatter (-ScatterAddFlat +got):\n%s", d)
			}
			tensor.MaxPool2DScatterInto(dx, gr, arg, g.win, 1)
			if d := cmp.Diff(tensor.Add(wantDx, wantDx).Data(), dx.Data(), convOpts(1e-15)); d != "" {
				t.Errorf("scatter with beta 1 (-twice ScatterAddFlat +got):\n%s", d)
			}
			src := convRand[float64](uint64(900+i), g.shape...)
			gathered := convPoison[float64](want.Shape()...)
			tensor.MaxPool2DGatherInto(gathered, src, arg, g.win)
			if d := cmp.Diff(tensor.GatherFlat(src, idx, want.Shape()...).Data(), gathered.Data()); d != "" {
				t.Errorf("gather (-GatherFlat +got):\n%s", d)
			}

			x32 := convTo32(x)
			got32, arg32 := convPoison[float32](want.Shape()...), convPoison[float32](want.Shape()...)
			tensor.MaxPool2DInto(got32, arg32, x32, g.win)
			if d := cmp.Diff(convF64(arg.Data()), convF64(arg32.Data())); d != "" {
				t.Errorf("float32 maxima (-float64 +float32):\n%s", d)
			}
		})
	}
}

// TestAvgPool2DInto checks the forward kernel against the mean of
// Im2Col's rows and the gradient kernel as its adjoint.
func TestAvgPool2DInto(t *testing.T) {
	for i, g := range poolGeometries {
		t.Run(g.name, func(t *testing.T) {
			n, c, h, w := g.shape[0], g.shape[1], g.shape[2], g.shape[3]
			x := convRand[float64](uint64(1000+i), g.shape...)
			cols := tensor.Im2Col(x.Reshape(n*c, 1, h, w), g.win)
			kk := g.win.Kernel[0] * g.win.Kernel[1]
			want := tensor.Scale(tensor.Sum(cols, 0), 1/float64(kk))
			oh, ow := g.win.OutSize(h, w)
			got := convPoison[float64](n, c, oh, ow)
			tensor.AvgPool2DInto(got, x, g.win)
			if d := cmp.Diff(want.Data(), got.Data(), convOpts(1e-14)); d != "" {
				t.Errorf("AvgPool2DInto (-mean of columns +got):\n%s", d)
			}
			gr := convRand[float64](uint64(1100+i), n, c, oh, ow)
			dx := convPoison[float64](g.shape...)
			tensor.AvgPool2DGradInto(dx, gr, g.win, 0)
			if lhs, rhs := convDot(got.Data(), gr.Data()), convDot(x.Data(), dx.Data()); math.Abs(lhs-rhs) > 1e-12*(1+math.Abs(lhs)) {
				t.Errorf("⟨avg(x), g⟩ = %v, ⟨x, grad(g)⟩ = %v", lhs, rhs)
			}
			dx2 := dx.Clone()
			tensor.AvgPool2DGradInto(dx2, gr, g.win, 1)
			if d := cmp.Diff(tensor.Add(dx, dx).Data(), dx2.Data(), convOpts(1e-15)); d != "" {
				t.Errorf("beta 1 (-twice +got):\n%s", d)
			}
		})
	}
}

// TestConvIntoKernelErrors checks that the Into kernels reject buffers of
// the wrong shape with a *ShapeError naming the kernel.
func TestConvIntoKernelErrors(t *testing.T) {
	win := convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})
	pool := convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
	x := tensor.Zeros[float64](2, 3, 4, 4)
	w := tensor.Zeros[float64](5, 3, 3, 3)
	out := tensor.Zeros[float64](2, 5, 4, 4)
	cols := tensor.Zeros[float64](27, 16)
	for _, tc := range []struct {
		op string
		f  func()
	}{
		{"Conv2DInto", func() { tensor.Conv2DInto(tensor.Zeros[float64](2, 5, 4, 3), x, w, nil, cols, win) }},
		{"Conv2DInto", func() { tensor.Conv2DInto(out, x, tensor.Zeros[float64](5, 2, 3, 3), nil, cols, win) }},
		{"Conv2DInto", func() { tensor.Conv2DInto(out, x, w, tensor.Zeros[float64](4), cols, win) }},
		{"Conv2DInto", func() { tensor.Conv2DInto(out, x, w, nil, tensor.Zeros[float64](27, 15), win) }},
		{"Conv2DInto", func() { tensor.Conv2DInto(out, x, w, nil, nil, win) }},
		{"Conv2DWeightGradInto", func() { tensor.Conv2DWeightGradInto(tensor.Zeros[float64](5, 3, 2, 3), x, out, cols, nil, win, 0) }},
		{"Conv2DWeightGradInto", func() { tensor.Conv2DWeightGradInto(tensor.Zeros[float64](5, 3, 3, 3), nil, out, cols, nil, win, 0) }},
		{"Conv2DWeightGradInto", func() { tensor.Conv2DWeightGradInto(w, x, out, cols, tensor.Zeros[float64](27, 4), win, 0) }},
		{"Conv2DInputGradInto", func() { tensor.Conv2DInputGradInto(x, out, w, nil, win) }},
		{"Conv2DBiasGradInto", func() { tensor.Conv2DBiasGradInto(tensor.Zeros[float64](4), out, 0) }},
		{"Im2ColInto", func() { tensor.Im2ColInto(cols, x, win) }},
		{"Col2ImAddInto", func() { tensor.Col2ImAddInto(x, cols, win) }},
		{"MaxPool2DInto", func() {
			tensor.MaxPool2DInto(tensor.Zeros[float64](2, 3, 2, 2), tensor.Zeros[float64](2, 3, 2, 1), x, pool)
		}},
		{"MaxPool2DScatterInto", func() {
			p := tensor.Zeros[float64](2, 3, 2, 2)
			tensor.MaxPool2DScatterInto(x, p, p, pool, 2)
		}},
		{"AvgPool2DGradInto", func() { tensor.AvgPool2DGradInto(x, tensor.Zeros[float64](2, 3, 3, 2), pool, 0) }},
	} {
		err := convPanic(tc.f)
		var se *tensor.ShapeError
		if !asShapeError(err, &se) || se.Op != tc.op {
			t.Errorf("%s: panic %v, want a *tensor.ShapeError of %s", tc.op, err, tc.op)
		}
	}
}

func asShapeError(err error, se **tensor.ShapeError) bool {
	e, ok := err.(*tensor.ShapeError)
	*se = e
	return ok
}

// TestConvIntoKernelsAllocateNothing checks that the kernels a training
// step runs make no allocation of their own.
func TestConvIntoKernelsAllocateNothing(t *testing.T) {
	if intoRaceEnabled {
		t.Skip("the race detector allocates")
	}
	win := convWin([2]int{3, 3}, [2]int{1, 1}, [2]int{1, 1}, [2]int{1, 1})
	pool := convWin([2]int{2, 2}, [2]int{2, 2}, [2]int{0, 0}, [2]int{1, 1})
	x := convRand[float32](1, 4, 3, 8, 8)
	w := convRand[float32](2, 5, 3, 3, 3)
	b := convRand[float32](3, 5)
	out := tensor.Zeros[float32](4, 5, 8, 8)
	cols := tensor.Zeros[float32](4, 27, 64)
	work := tensor.Zeros[float32](27, 64)
	dw, db, dx := tensor.Zeros[float32](5, 3, 3, 3), tensor.Zeros[float32](5), tensor.Zeros[float32](4, 3, 8, 8)
	pooled, arg := tensor.Zeros[float32](4, 5, 4, 4), tensor.Zeros[float32](4, 5, 4, 4)
	dout := tensor.Zeros[float32](4, 5, 8, 8)
	allocs := testing.AllocsPerRun(10, func() {
		tensor.Conv2DInto(out, x, w, b, cols, win)
		tensor.MaxPool2DInto(pooled, arg, out, pool)
		tensor.MaxPool2DScatterInto(dout, pooled, arg, pool, 0)
		tensor.AvgPool2DInto(pooled, out, pool)
		tensor.AvgPool2DGradInto(dout, pooled, pool, 0)
		tensor.Conv2DWeightGradInto(dw, nil, dout, cols, nil, win, 0)
		tensor.Conv2DBiasGradInto(db, dout, 0)
		tensor.Conv2DInputGradInto(dx, dout, w, work, win)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run, want 0", allocs)
	}
}

// TestIndexSelectIntoAndIndexAddInto checks the Into forms against
// IndexSelect and IndexAdd, along every axis, with repeated indices.
func TestIndexSelectIntoAndIndexAddInto(t *testing.T) {
	x := convRand[float64](41, 4, 3, 5)
	for ax, idx := range [][]int{{3, 0, 3}, {2, 2, 1, 0}, {4, 0}} {
		want := tensor.IndexSelect(x, ax, idx)
		got := convPoison[float64](want.Shape()...)
		tensor.IndexSelectInto(got, x, ax, idx)
		if d := cmp.Diff(want.Data(), got.Data()); d != "" {
			t.Errorf("axis %d: IndexSelectInto (-IndexSelect +got):\n%s", ax, d)
		}
		base := convRand[float64](uint64(50+ax), x.Shape()...)
		sum := base.Clone()
		tensor.IndexAddInto(sum, want, ax, idx)
		wantSum := tensor.Add(base, tensor.IndexAdd(want, ax, idx, x.Shape()[ax]))
		if d := cmp.Diff(wantSum.Data(), sum.Data(), convOpts(1e-15)); d != "" {
			t.Errorf("axis %d: IndexAddInto (-base+IndexAdd +got):\n%s", ax, d)
		}
	}
	for _, f := range []func(){
		func() { tensor.IndexSelectInto(tensor.Zeros[float64](4, 2, 5), x, 1, []int{0, 1, 2}) },
		func() { tensor.IndexSelectInto(tensor.Zeros[float64](4, 1, 5), x, 1, []int{3}) },
		func() { tensor.IndexAddInto(x, tensor.Zeros[float64](4, 2, 5), 1, []int{0}) },
	} {
		var se *tensor.ShapeError
		if err := convPanic(f); !asShapeError(err, &se) {
			t.Errorf("panic %v, want a *tensor.ShapeError", err)
		}
	}
}
