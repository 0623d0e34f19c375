package tensor

import (
	"errors"
	"math"
	"strconv"
	"testing"
)

// argPanic runs f and returns the *ArgError it panics with; the test fails
// when f does not panic or panics with something else.
func argPanic(t *testing.T, f func()) (ae *ArgError) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, ok := r.(error)
		if !ok || !errors.As(err, &ae) {
			t.Errorf("panic %T (%v), want an *ArgError", r, r)
		}
	}()
	f()
	return nil
}

// TestMaxPoolArgValidated: the kernels that route through a max-pooling
// arg refuse an element that is not -1 or a tap of its window inside the
// plane, with an *ArgError naming the op and the element (float32 and
// float64). Before, a tap beyond the window was a runtime index panic, and
// one in the padding or another value went unnoticed. The 2×2 stride-2
// scatter with beta 0 does not check (see TestMaxPool2x2ScatterOtherArg).
func TestMaxPoolArgValidated(t *testing.T) {
	win3 := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	pad3 := Window2D{Kernel: [2]int{3, 3}, Stride: [2]int{1, 1}, Padding: [2]int{1, 1}, Dilation: [2]int{1, 1}}
	win2 := Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}}
	type tc struct {
		name   string
		win    Window2D
		h, w   int
		at     int     // the element of arg made bad
		bad    float64 // its value
		reason string
	}
	notTap := func(kk, kh, kw int) string {
		return "is neither -1 (no maximum) nor a tap in [0, " + strconv.Itoa(kk) + ") of the " + strconv.Itoa(kh) + "×" + strconv.Itoa(kw) + " window"
	}
	cases := []tc{
		{"3x3/20", win3, 3, 3, 0, 20, notTap(9, 3, 3)},
		{"3x3/9", win3, 4, 4, 3, 9, notTap(9, 3, 3)},
		{"3x3/-2", win3, 4, 4, 1, -2, notTap(9, 3, 3)},
		{"3x3/fraction", win3, 4, 4, 2, 1.5, notTap(9, 3, 3)},
		{"3x3/NaN", win3, 4, 4, 2, math.NaN(), notTap(9, 3, 3)},
		{"padded/in the padding", pad3, 3, 3, 0, 0, "tap 0 of its window is in the padding, at row -1, column -1 of a 3×3 plane"},
		{"padded/20", pad3, 3, 3, 4, 20, notTap(9, 3, 3)},
		{"2x2/20", win2, 4, 4, 3, 20, notTap(4, 2, 2)},
		{"2x2/4", win2, 4, 4, 0, 4, notTap(4, 2, 2)},
		{"2x2/fraction", win2, 4, 4, 1, 2.5, notTap(4, 2, 2)},
		{"2x2/NaN", win2, 4, 6, 5, math.NaN(), notTap(4, 2, 2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testPoolArg[float64](t, c.win, c.h, c.w, c.at, c.bad, c.reason)
			testPoolArg[float32](t, c.win, c.h, c.w, c.at, c.bad, c.reason)
		})
	}
}

func testPoolArg[T Float](t *testing.T, win Window2D, h, w, at int, bad float64, reason string) {
	t.Helper()
	x := Zeros[T](1, 1, h, w)
	for i := range x.data {
		x.data[i] = T(i % 5)
	}
	oh, ow := win.OutSize(h, w)
	out, arg, g := Zeros[T](1, 1, oh, ow), Zeros[T](1, 1, oh, ow), Full[T](1, 1, 1, oh, ow)
	MaxPool2DInto(out, arg, x, win)
	arg.data[at] = T(bad)
	dx := Zeros[T](1, 1, h, w)
	calls := []struct {
		op string
		f  func()
	}{
		{"MaxPool2DScatterInto", func() { MaxPool2DScatterInto(dx, g, arg, win, 1) }},
		{"MaxPool2DGatherInto", func() { MaxPool2DGatherInto(out, x, arg, win) }},
	}
	if !pool2x2(win) {
		calls = append(calls, calls[0])
		calls[2].f = func() { MaxPool2DScatterInto(dx, g, arg, win, 0) }
	}
	for _, call := range calls {
		ae := argPanic(t, call.f)
		if ae == nil {
			continue
		}
		if ae.Op != call.op || ae.Arg != "arg["+strconv.Itoa(at)+"]" || ae.Reason != reason {
			t.Errorf("%T %s: %v, want arg[%d] and %q", x.data[0], call.op, ae, at, reason)
		}
	}
}

// TestMaxPoolArgMinusOne: -1, a window without a maximum, routes nothing
// and gathers 0, on the general path and the 2×2 kernel alike.
func TestMaxPoolArgMinusOne(t *testing.T) {
	win2 := Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}}
	arg := MustNew([]float64{-1, 3}, 1, 1, 1, 2)
	g := MustNew([]float64{5, 7}, 1, 1, 1, 2)
	for _, beta := range []float64{0, 1} {
		dx := Zeros[float64](1, 1, 2, 4)
		MaxPool2DScatterInto(dx, g, arg, win2, beta)
		checkTensor(t, "scatter", dx, []int{1, 1, 2, 4}, []float64{0, 0, 0, 0, 0, 0, 0, 7}, 0)
	}
	out := Zeros[float64](1, 1, 1, 2)
	MaxPool2DGatherInto(out, MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4), arg, win2)
	checkTensor(t, "gather", out, []int{1, 1, 1, 2}, []float64{0, 8}, 0)
}

// TestMaxPool2x2ScatterOtherArg: the 2×2 stride-2 scatter with beta 0,
// which does not check arg, routes nothing for an element that is not a
// tap 0 to 3, on every CPU (the AVX-512 kernel dropped it, the portable
// one routed it to tap int(v)&3).
func TestMaxPool2x2ScatterOtherArg(t *testing.T) {
	win2 := Window2D{Kernel: [2]int{2, 2}, Stride: [2]int{2, 2}, Dilation: [2]int{1, 1}}
	for _, bad := range []float64{20, 4, -2, 1.5, math.NaN()} {
		d := Zeros[float64](1, 1, 2, 4)
		MaxPool2DScatterInto(d, MustNew([]float64{5, 7}, 1, 1, 1, 2), MustNew([]float64{bad, 3}, 1, 1, 1, 2), win2, 0)
		checkTensor(t, "scatter of "+strconv.FormatFloat(bad, 'g', -1, 64), d, []int{1, 1, 2, 4}, []float64{0, 0, 0, 0, 0, 0, 0, 7}, 0)
		arg32 := MustNew([]float32{float32(bad), 3}, 1, 1, 1, 2)
		d32 := Zeros[float32](1, 1, 2, 4)
		MaxPool2DScatterInto(d32, MustNew([]float32{5, 7}, 1, 1, 1, 2), arg32, win2, 0)
		checkTensor(t, "float32 scatter of "+strconv.FormatFloat(bad, 'g', -1, 64), d32, []int{1, 1, 2, 4}, []float64{0, 0, 0, 0, 0, 0, 0, 7}, 0)
	}
}
