package poolk

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// noAsm is a kernel that never runs: the portable path.
func noAsm[T float](_, _, _ []T, _, _, _ int) bool { return false }

// special holds the values that test the tie and NaN rules: signed zeros,
// infinities, repeated values and NaNs of distinct payloads (so that
// "the last NaN wins" is visible in the bits).
var special = []float64{
	math.Inf(-1), math.Inf(1), math.Copysign(0, -1), 0, 1, -1, 2, 2,
	math.NaN(), math.Float64frombits(0x7ff8000000000123), math.Float64frombits(0xfff8000000000456),
}

// fill sets x to values drawn from special (mostly, so that windows hold
// ties and NaNs) or uniformly.
func fill[T float](r *rand.Rand, x []T, nan32 bool) {
	for i := range x {
		if r.IntN(3) > 0 {
			v := special[r.IntN(len(special))]
			x[i] = T(v)
			if nan32 && math.IsNaN(v) {
				// Distinct float32 payloads: the conversion keeps only the
				// top bits of a float64's.
				x[i] = T(math.Float32frombits(0x7fc00000 | uint32(r.IntN(1<<22)) | uint32(r.IntN(2))<<31))
			}
			continue
		}
		x[i] = T(r.NormFloat64())
	}
}

func bits[T float](v T) uint64 {
	if f, ok := any(v).(float32); ok {
		return uint64(math.Float32bits(f))
	}
	return math.Float64bits(float64(v))
}

// guarded returns a slice of n elements inside a larger buffer, and a
// function that reports whether anything outside it was written.
func guarded[T float](n int) ([]T, func() bool) {
	const pad = 40
	buf := make([]T, n+2*pad)
	for i := range buf {
		buf[i] = 12345
	}
	return buf[pad : pad+n : pad+n], func() bool {
		for i, v := range buf {
			if (i < pad || i >= pad+n) && v != 12345 {
				return false
			}
		}
		return true
	}
}

type shape struct{ planes, h, w int }

// shapes cover even and odd heights and widths, rows shorter than, equal
// to and longer than a vector step (8 or 16 outputs), and the CNN's.
func shapes() []shape {
	var s []shape
	for _, h := range []int{0, 1, 2, 3, 4, 5, 9, 28} {
		for _, w := range []int{1, 2, 3, 4, 5, 7, 14, 15, 16, 17, 28, 31, 32, 33, 34, 35, 63, 66} {
			s = append(s, shape{3, h, w})
		}
	}
	return append(s, shape{0, 4, 4}, shape{1, 2, 1250}, shape{16, 28, 28}, shape{32, 14, 14})
}

// TestMax2x2MatchesPortable checks the dispatched kernels (the assembly
// when the CPU has it) against the portable loops, bit for bit: maxima and
// taps of windows full of ties, signed zeros, infinities and NaNs, with and
// without taps, and that nothing outside the slices is written.
func TestMax2x2MatchesPortable(t *testing.T) {
	t.Logf("assembly: %v", max2x2F32Asm([]float32{0}, nil, []float32{0, 0, 0, 0}, 1, 1, 2))
	testMax2x2(t, Max2x2F32, true)
	testMax2x2(t, Max2x2F64, false)
}

func testMax2x2[T float](t *testing.T, kernel func(out, arg, x []T, planes, h, w, oh, ow int), nan32 bool) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes() {
		oh, ow := s.h/2, s.w/2
		x := make([]T, s.planes*s.h*s.w)
		fill(r, x, nan32)
		no := s.planes * oh * ow
		wantOut, wantArg := make([]T, no), make([]T, no)
		max2x2(wantOut, wantArg, x, s.planes, s.h, s.w, oh, ow, noAsm[T])
		for _, withArg := range []bool{true, false} {
			out, outOK := guarded[T](no)
			arg, argOK := guarded[T](no)
			if !withArg {
				arg = nil
			}
			kernel(out, arg, x, s.planes, s.h, s.w, oh, ow)
			name := fmt.Sprintf("%T %v arg=%v", x, s, withArg)
			if !outOK() || !argOK() {
				t.Errorf("%s: wrote outside the output", name)
			}
			for i := range no {
				if bits(out[i]) != bits(wantOut[i]) {
					t.Fatalf("%s: max %d = %v (%#x), want %v (%#x)", name, i, out[i], bits(out[i]), wantOut[i], bits(wantOut[i]))
				}
				if withArg && arg[i] != wantArg[i] {
					t.Fatalf("%s: tap %d = %v, want %v", name, i, arg[i], wantArg[i])
				}
			}
		}
	}
}

// TestScatter2x2MatchesPortable checks the dispatched gradient scatter
// against the portable loops, bit for bit, for the taps the forward pass
// records and gradients with signed zeros, infinities and NaNs, every
// element of dx written (it starts poisoned) and nothing outside it.
func TestScatter2x2MatchesPortable(t *testing.T) {
	testScatter2x2(t, Max2x2F32, Scatter2x2F32, true)
	testScatter2x2(t, Max2x2F64, Scatter2x2F64, false)
}

func testScatter2x2[T float](t *testing.T, fwd, kernel func(a, b, c []T, planes, h, w, oh, ow int), nan32 bool) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range shapes() {
		oh, ow := s.h/2, s.w/2
		no := s.planes * oh * ow
		x, out, arg, g := make([]T, s.planes*s.h*s.w), make([]T, no), make([]T, no), make([]T, no)
		fill(r, x, nan32)
		fill(r, g, nan32)
		fwd(out, arg, x, s.planes, s.h, s.w, oh, ow)
		want := make([]T, len(x))
		for i := range want {
			want[i] = T(math.NaN())
		}
		scatter2x2(want, g, arg, s.planes, s.h, s.w, oh, ow, noAsm[T])
		dx, ok := guarded[T](len(x))
		for i := range dx {
			dx[i] = T(math.NaN())
		}
		kernel(dx, g, arg, s.planes, s.h, s.w, oh, ow)
		name := fmt.Sprintf("%T %v", x, s)
		if !ok() {
			t.Errorf("%s: wrote outside dx", name)
		}
		for i := range dx {
			if bits(dx[i]) != bits(want[i]) {
				t.Fatalf("%s: dx %d = %v (%#x), want %v (%#x)", name, i, dx[i], bits(dx[i]), want[i], bits(want[i]))
			}
		}
	}
}

// TestScatter2x2OtherTaps checks that an element of arg that is not a tap
// 0 to 3 (−1, a tap beyond the window, a fraction, NaN) routes nothing,
// its window getting zeros, with the same bits on the assembly and the
// portable path: the assembly dropped such a value and the portable loop
// routed it to tap int(v)&3.
func TestScatter2x2OtherTaps(t *testing.T) {
	testScatter2x2OtherTaps(t, Scatter2x2F32)
	testScatter2x2OtherTaps(t, Scatter2x2F64)
}

func testScatter2x2OtherTaps[T float](t *testing.T, kernel func(dx, g, arg []T, planes, h, w, oh, ow int)) {
	taps := []T{0, 1, 2, 3, T(math.Copysign(0, -1))}
	others := []T{-1, 20, 4, -2, 1.5, 3.5, T(math.NaN()), T(math.Inf(1))}
	// One row pair of 40 windows (more than two vector steps of either
	// width), the other value at every position in turn among taps.
	const ow = 40
	for _, b := range others {
		for at := range ow {
			g, arg := make([]T, ow), make([]T, ow)
			for i := range g {
				g[i], arg[i] = T(i+1), taps[i%len(taps)]
			}
			arg[at] = b
			want, dx := make([]T, 4*ow), make([]T, 4*ow)
			for i := range dx {
				want[i], dx[i] = T(math.NaN()), T(math.NaN())
			}
			scatter2x2(want, g, arg, 1, 2, 2*ow, 1, ow, noAsm[T])
			kernel(dx, g, arg, 1, 2, 2*ow, 1, ow)
			name := fmt.Sprintf("%T value %v at %d", dx, b, at)
			for i := range dx {
				if bits(dx[i]) != bits(want[i]) {
					t.Fatalf("%s: dx %d = %v, portable %v", name, i, dx[i], want[i])
				}
			}
			for _, i := range []int{2 * at, 2*at + 1, 2*ow + 2*at, 2*ow + 2*at + 1} {
				if bits(dx[i]) != 0 {
					t.Fatalf("%s: dx %d = %v in its window, want +0", name, i, dx[i])
				}
			}
		}
	}
}

// TestPortableTaps pins the portable tournament to the row-major scan on
// every window of four values from {−Inf, −0, +0, 1, NaN, NaN′}: the last
// NaN (as PyTorch's CPU kernels), else the first of the greatest.
func TestPortableTaps(t *testing.T) {
	vals := []float64{math.Inf(-1), math.Copysign(0, -1), 0, 1, math.NaN(), math.Float64frombits(0x7ff8000000000777)}
	n := len(vals)
	windows := n * n * n * n
	x := make([]float64, 4*windows)
	for k := range windows {
		q := k
		for tap := range 4 {
			x[(tap/2)*2*windows+2*k+tap%2] = vals[q%n]
			q /= n
		}
	}
	for _, kernel := range []func(out, arg, x []float64, planes, h, w, oh, ow int){
		Max2x2F64,
		func(out, arg, x []float64, planes, h, w, oh, ow int) {
			max2x2(out, arg, x, planes, h, w, oh, ow, noAsm)
		},
	} {
		out, arg := make([]float64, windows), make([]float64, windows)
		kernel(out, arg, x, 1, 2, 2*windows, 1, windows)
		for k := range windows {
			win := [4]float64{x[2*k], x[2*k+1], x[2*windows+2*k], x[2*windows+2*k+1]}
			at := 0
			for i, v := range win[1:] {
				if v > win[at] || v != v {
					at = i + 1
				}
			}
			if int(arg[k]) != at || math.Float64bits(out[k]) != math.Float64bits(win[at]) {
				t.Fatalf("window %v: max %v at %v, want %v at %d", win, out[k], arg[k], win[at], at)
			}
		}
	}
}

// TestNoAllocs checks that the kernels allocate nothing.
func TestNoAllocs(t *testing.T) {
	x, dx := make([]float32, 2*5*9), make([]float32, 2*5*9)
	out, arg := make([]float32, 2*2*4), make([]float32, 2*2*4)
	if n := testing.AllocsPerRun(10, func() {
		Max2x2F32(out, arg, x, 2, 5, 9, 2, 4)
		Scatter2x2F32(dx, out, arg, 2, 5, 9, 2, 4)
	}); n != 0 {
		t.Errorf("%v allocations", n)
	}
}

// TestDimsPanics checks that slices which do not match the planes and
// sizes stop every kernel with a *DimsError naming them, before the
// assembly could read or write past them.
func TestDimsPanics(t *testing.T) {
	x, out, arg := make([]float32, 2*4*4), make([]float32, 2*2*2), make([]float32, 2*2*2)
	cases := []struct {
		name string
		call func()
		want DimsError
	}{
		{"x too short", func() { Max2x2F32(out, nil, x[:31], 2, 4, 4, 2, 2) }, DimsError{31, 8, -1, 2, 4, 4, 2, 2}},
		{"out too long", func() { Max2x2F64(make([]float64, 9), nil, make([]float64, 32), 2, 4, 4, 2, 2) }, DimsError{32, 9, -1, 2, 4, 4, 2, 2}},
		{"pooled size not half", func() { Max2x2F32(out, arg, x, 2, 4, 4, 2, 3) }, DimsError{32, 8, 8, 2, 4, 4, 2, 3}},
		{"arg too short", func() { Max2x2F32(out, arg[:7], x, 2, 4, 4, 2, 2) }, DimsError{32, 8, 7, 2, 4, 4, 2, 2}},
		{"scatter without taps", func() { Scatter2x2F32(x, out, nil, 2, 4, 4, 2, 2) }, DimsError{32, 8, 0, 2, 4, 4, 2, 2}},
		{"scatter dx too short", func() {
			Scatter2x2F64(make([]float64, 30), make([]float64, 8), make([]float64, 8), 2, 4, 4, 2, 2)
		}, DimsError{30, 8, 8, 2, 4, 4, 2, 2}},
	}
	for _, c := range cases {
		var got any
		func() {
			defer func() { got = recover() }()
			c.call()
		}()
		e, ok := got.(*DimsError)
		if !ok {
			t.Errorf("%s: panic value %#v, want a *DimsError", c.name, got)
			continue
		}
		if *e != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, *e, c.want)
		}
		if want := fmt.Sprintf("len(x) %d, len(out) %d, len(arg) %d", c.want.X, c.want.Out, c.want.Arg); !strings.Contains(e.Error(), want) {
			t.Errorf("%s: message %q does not contain %q", c.name, e.Error(), want)
		}
	}
}
