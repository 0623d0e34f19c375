package poolk

import "fmt"

// The exported kernels work on planes of h×w in x (or dx) and oh×ow in
// out, arg and g, with oh = h/2 and ow = w/2 (rounded down: an odd last
// row or column is in no window), planes after planes. The slices must be
// exactly that long.

// Max2x2F32 sets each element of out to the maximum of its 2×2 window of
// x and, when arg is not nil, arg's element to the tap i·2 + j of that
// maximum in the window (0 to 3). The maximum is the one a row-major scan
// of the window picks: the last NaN, else the first of the greatest (of
// −0 and +0 the first).
func Max2x2F32(out, arg, x []float32, planes, h, w, oh, ow int) {
	max2x2(out, arg, x, planes, h, w, oh, ow, max2x2F32Asm)
}

// Max2x2F64 is Max2x2F32 for float64.
func Max2x2F64(out, arg, x []float64, planes, h, w, oh, ow int) {
	max2x2(out, arg, x, planes, h, w, oh, ow, max2x2F64Asm)
}

// Scatter2x2F32 sets dx to the gradient of Max2x2F32 for the pooled
// result's gradient g: every element of dx is written, g's element plus 0
// (so −0 becomes +0, as in a scatter-add into zeros) at its window's tap as
// recorded in arg, and 0 elsewhere, including the odd last row and column
// that no window covers. An element of arg that is not a tap 0 to 3 (−1
// for a window without a maximum, or anything else: 20, 1.5, NaN) routes
// nothing, its window getting zeros, on every CPU; the kernel does not
// report it (checking would cost a large part of the kernel).
func Scatter2x2F32(dx, g, arg []float32, planes, h, w, oh, ow int) {
	scatter2x2(dx, g, arg, planes, h, w, oh, ow, scatter2x2F32Asm)
}

// Scatter2x2F64 is Scatter2x2F32 for float64.
func Scatter2x2F64(dx, g, arg []float64, planes, h, w, oh, ow int) {
	scatter2x2(dx, g, arg, planes, h, w, oh, ow, scatter2x2F64Asm)
}

// rowsFunc runs a kernel on rows row pairs (see max2x2Rows), reporting
// false when it cannot.
type rowsFunc[T float] func(out, arg, x []T, rows, ow, w int) bool

// DimsError is the panic value of a kernel called with slices whose
// lengths do not match the planes and sizes it is given: the assembly reads
// and writes them without bounds checks, so a caller's mistake must stop
// before it.
type DimsError struct {
	X, Out, Arg  int // the slices' lengths (x or dx; out or g; arg, -1 when nil)
	Planes, H, W int
	OutH, OutW   int
}

func (e *DimsError) Error() string {
	return fmt.Sprintf("poolk: inconsistent 2×2 pooling dimensions: len(x) %d, len(out) %d, len(arg) %d for %d planes of %d×%d pooled to %d×%d",
		e.X, e.Out, e.Arg, e.Planes, e.H, e.W, e.OutH, e.OutW)
}

// check panics unless the slices have the lengths of planes of h×w and
// oh×ow with oh = h/2, ow = w/2: the assembly reads and writes them without
// bounds checks.
// na is arg's length, or -1 for an arg that may be nil and is.
func check(nx, no, na, planes, h, w, oh, ow int) {
	if oh != h/2 || ow != w/2 || planes < 0 || h < 0 || w < 0 || nx != planes*h*w || no != planes*oh*ow || (na >= 0 && na != no) {
		panic(&DimsError{X: nx, Out: no, Arg: na, Planes: planes, H: h, W: w, OutH: oh, OutW: ow})
	}
}

func max2x2[T float](out, arg, x []T, planes, h, w, oh, ow int, asm rowsFunc[T]) {
	na := -1
	if arg != nil {
		na = len(arg)
	}
	check(len(x), len(out), na, planes, h, w, oh, ow)
	if len(out) == 0 {
		return
	}
	if h == 2*oh {
		// The planes' row pairs follow one another 2·w apart.
		if !asm(out, arg, x, planes*oh, ow, w) {
			max2x2Rows(out, arg, x, planes*oh, ow, w)
		}
		return
	}
	for pl := range planes {
		po := out[pl*oh*ow:][:oh*ow]
		var pa []T
		if arg != nil {
			pa = arg[pl*oh*ow:][:oh*ow]
		}
		px := x[pl*h*w:][:h*w]
		if !asm(po, pa, px, oh, ow, w) {
			max2x2Rows(po, pa, px, oh, ow, w)
		}
	}
}

func scatter2x2[T float](dx, g, arg []T, planes, h, w, oh, ow int, asm rowsFunc[T]) {
	check(len(dx), len(g), len(arg), planes, h, w, oh, ow)
	if len(g) == 0 {
		clear(dx)
		return
	}
	run := func(dx, g, arg []T, rows int) {
		if !asm(dx, g, arg, rows, ow, w) {
			scatter2x2Rows(dx, g, arg, rows, ow, w)
		}
	}
	if h == 2*oh {
		run(dx, g, arg, planes*oh)
	} else {
		for pl := range planes {
			run(dx[pl*h*w:][:h*w], g[pl*oh*ow:][:oh*ow], arg[pl*oh*ow:][:oh*ow], oh)
		}
	}
	if w == 2*ow && h == 2*oh {
		return
	}
	// Zero what no window covers: the odd last column of every row, the odd
	// last row of every plane.
	for pl := range planes {
		plane := dx[pl*h*w:][:h*w]
		if w != 2*ow {
			for y := range 2 * oh {
				plane[y*w+w-1] = 0
			}
		}
		clear(plane[2*oh*w:])
	}
}
