package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// maxPoolRef is max pooling with every tap checked, window by window: the
// rule MaxPool2DInto's interior and border paths must both follow.
func maxPoolRef(x []float64, planes, h, w int, win Window2D) (out, arg []float64) {
	oh, ow := win.OutSize(h, w)
	for pl := range planes {
		for y := range oh {
			for xo := range ow {
				best, at := math.Inf(-1), -1
				for i := range win.Kernel[0] {
					ih := y*win.Stride[0] - win.Padding[0] + i*win.Dilation[0]
					for j := range win.Kernel[1] {
						iw := xo*win.Stride[1] - win.Padding[1] + j*win.Dilation[1]
						if ih < 0 || ih >= h || iw < 0 || iw >= w {
							continue
						}
						v := x[pl*h*w+ih*w+iw]
						if at < 0 || v > best || v != v {
							best, at = v, i*win.Kernel[1]+j
						}
					}
				}
				out, arg = append(out, best), append(arg, float64(at))
			}
		}
	}
	return out, arg
}

// bitsOf returns the bit patterns of s, so that a comparison tells -0 from
// +0 and compares NaNs.
func bitsOf[T Float](s []T) []uint64 {
	out := make([]uint64, len(s))
	for i, v := range s {
		if f, ok := any(v).(float32); ok {
			out[i] = uint64(math.Float32bits(f))
		} else {
			out[i] = math.Float64bits(float64(v))
		}
	}
	return out
}

// TestMaxPoolInteriorBorder checks that MaxPool2DInto, its scatter and its
// gather give, for windows with padding (whose border windows take the
// checked path and interior ones the unchecked one), the bits of a
// window-by-window reference: ties to the first, the last NaN, −0 and +0.
func TestMaxPoolInteriorBorder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	vals := []float64{1, 2, 2, 3, 0, math.Copysign(0, -1), -1, math.NaN()}
	for trial := range 400 {
		win := Window2D{
			Kernel:   [2]int{1 + rng.IntN(4), 1 + rng.IntN(4)},
			Stride:   [2]int{1 + rng.IntN(3), 1 + rng.IntN(3)},
			Dilation: [2]int{1 + rng.IntN(2), 1 + rng.IntN(2)},
		}
		if trial%4 == 0 {
			win.Kernel, win.Dilation = [2]int{3, 3}, [2]int{1, 1}
		}
		win.Padding = [2]int{rng.IntN(win.Kernel[0]/2 + 1), rng.IntN(win.Kernel[1]/2 + 1)}
		planes, h, w := 1+rng.IntN(3), 1+rng.IntN(12), 1+rng.IntN(12)
		oh, ow := win.OutSize(h, w)
		if oh < 1 || ow < 1 {
			continue
		}
		x := make([]float64, planes*h*w)
		for i := range x {
			if trial%2 == 0 {
				x[i] = vals[rng.IntN(len(vals))]
			} else {
				x[i] = rng.NormFloat64()
			}
		}
		wantOut, wantArg := maxPoolRef(x, planes, h, w, win)
		xt, _ := New(x, planes, 1, h, w)
		out, arg := Zeros[float64](planes, 1, oh, ow), Zeros[float64](planes, 1, oh, ow)
		MaxPool2DInto(out, arg, xt, win)
		if diff := cmp.Diff(bitsOf(wantOut), bitsOf(out.Data())); diff != "" {
			t.Fatalf("%+v %d×%d: MaxPool2DInto (-want +got):\n%s", win, h, w, diff)
		}
		if diff := cmp.Diff(wantArg, arg.Data()); diff != "" {
			t.Fatalf("%+v %d×%d: MaxPool2DInto arg (-want +got):\n%s", win, h, w, diff)
		}
		// The scatter adds g at the recorded taps in row-major order, the
		// gather reads there.
		g := make([]float64, planes*oh*ow)
		for i := range g {
			g[i] = float64(rng.IntN(7)) - 3
		}
		wantDx := make([]float64, planes*h*w)
		wantGather := make([]float64, len(g))
		for k, a := range wantArg {
			if a < 0 {
				continue
			}
			pl, y, xo := k/(oh*ow), k/ow%oh, k%ow
			ti := int(a)
			ih := y*win.Stride[0] - win.Padding[0] + ti/win.Kernel[1]*win.Dilation[0]
			iw := xo*win.Stride[1] - win.Padding[1] + ti%win.Kernel[1]*win.Dilation[1]
			wantDx[pl*h*w+ih*w+iw] += g[k]
			wantGather[k] = x[pl*h*w+ih*w+iw]
		}
		gt, _ := New(g, planes, 1, oh, ow)
		dx := Zeros[float64](planes, 1, h, w)
		MaxPool2DScatterInto(dx, gt, arg, win, 0)
		if diff := cmp.Diff(bitsOf(wantDx), bitsOf(dx.Data())); diff != "" {
			t.Fatalf("%+v %d×%d: MaxPool2DScatterInto (-want +got):\n%s", win, h, w, diff)
		}
		got := Zeros[float64](planes, 1, oh, ow)
		MaxPool2DGatherInto(got, xt, arg, win)
		if diff := cmp.Diff(bitsOf(wantGather), bitsOf(got.Data())); diff != "" {
			t.Fatalf("%+v %d×%d: MaxPool2DGatherInto (-want +got):\n%s", win, h, w, diff)
		}
	}
}

// TestMaxPoolScatterInteriorBadArg checks that an interior window's arg is
// still checked: a tap beyond the window panics with an *ArgError.
func TestMaxPoolScatterInteriorBadArg(t *testing.T) {
	win := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{2, 2}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	dx, g, arg := Zeros[float64](1, 1, 7, 7), Zeros[float64](1, 1, 4, 4), Zeros[float64](1, 1, 4, 4)
	arg.Data()[5] = 9 // output (1, 1), an interior window
	for _, f := range []func(){
		func() { MaxPool2DScatterInto(dx, g, arg, win, 0) },
		func() { MaxPool2DGatherInto(g, dx, arg, win) },
	} {
		func() {
			defer func() {
				if _, ok := recover().(*ArgError); !ok {
					t.Errorf("no *ArgError for tap 9 of a 3×3 window")
				}
			}()
			f()
		}()
	}
}

// TestResampleTiles checks the mean path of Resample2DInto and its adjoint
// (taps that tile the plane, as adaptive pooling with sizes that divide
// builds them) against its documented rule: the window summed in
// row-major order, or by SumRow as one run when it spans whole rows,
// divided by KH·KW; the adjoint writes 0 + g/(KH·KW) or adds g/(KH·KW).
func TestResampleTiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	tile := func(in, out int) AxisTaps[float64] {
		k := in / out
		a := AxisTaps[float64]{In: in, Step: 1, Lo: make([]int, out), N: make([]int, out), W0: make([]float64, out), W: make([]float64, out)}
		for o := range out {
			a.Lo[o], a.N[o], a.W0[o], a.W[o] = o*k, k, 1/float64(k), 1/float64(k)
		}
		return a
	}
	for _, c := range []struct{ h, w, oh, ow int }{{7, 7, 1, 1}, {6, 4, 3, 2}, {4, 9, 2, 1}, {5, 3, 5, 3}, {8, 8, 1, 2}} {
		const planes = 3
		rows, cols := tile(c.h, c.oh), tile(c.w, c.ow)
		kh, kw := c.h/c.oh, c.w/c.ow
		x := make([]float64, planes*c.h*c.w)
		for i := range x {
			x[i] = rng.NormFloat64()
		}
		for i := range c.h * c.w {
			x[i] = math.Copysign(0, -1) // plane 0: the mean of −0s is −0
		}
		want := make([]float64, planes*c.oh*c.ow)
		for pl := range planes {
			for y := range c.oh {
				for xo := range c.ow {
					s := math.Copysign(0, -1)
					if kw == c.w {
						s = SumRow(x[pl*c.h*c.w+y*kh*c.w:][:kh*c.w])
					} else {
						for a := range kh {
							for b := range kw {
								s += x[pl*c.h*c.w+(y*kh+a)*c.w+xo*kw+b]
							}
						}
					}
					want[(pl*c.oh+y)*c.ow+xo] = s / float64(kh*kw)
				}
			}
		}
		xt, _ := New(x, planes, c.h, c.w)
		out := Zeros[float64](planes, c.oh, c.ow)
		Resample2DInto(out, xt, rows, cols, 0)
		if diff := cmp.Diff(bitsOf(want), bitsOf(out.Data())); diff != "" {
			t.Errorf("%+v: Resample2DInto (-want +got):\n%s", c, diff)
		}
		g := make([]float64, planes*c.oh*c.ow)
		for i := range g {
			g[i] = rng.NormFloat64()
		}
		g[0] = math.Copysign(0, -1)
		gt, _ := New(g, planes, c.oh, c.ow)
		wantDx := make([]float64, len(x))
		for i := range wantDx {
			pl, y, xo := i/(c.h*c.w), i/c.w%c.h, i%c.w
			wantDx[i] = 0 + g[(pl*c.oh+y/kh)*c.ow+xo/kw]/float64(kh*kw)
		}
		dx := Full[float64](math.NaN(), planes, c.h, c.w)
		Resample2DAdjointInto(dx, gt, rows, cols, 0)
		if diff := cmp.Diff(bitsOf(wantDx), bitsOf(dx.Data())); diff != "" {
			t.Errorf("%+v: Resample2DAdjointInto beta 0 (-want +got):\n%s", c, diff)
		}
		for i := range wantDx {
			wantDx[i] += wantDx[i]
		}
		Resample2DAdjointInto(dx, gt, rows, cols, 1)
		if diff := cmp.Diff(bitsOf(wantDx), bitsOf(dx.Data())); diff != "" {
			t.Errorf("%+v: Resample2DAdjointInto beta 1 (-want +got):\n%s", c, diff)
		}
	}
}
