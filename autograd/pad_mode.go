package autograd

import (
	"fmt"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds PadWith, PyTorch's F.pad with all of its modes (constant,
// reflect, replicate, circular) and negative widths, which crop. It runs
// on the resampling operation of pool_resample.go.

// PadMode is how PadWith fills the border, named as PyTorch's mode
// argument.
type PadMode string

// The padding modes. For an axis of length n, output position o reads the
// input at u = o − before, mapped into [0, n) as each mode says.
const (
	PadConstant  PadMode = "constant"  // u itself, or the value outside [0, n)
	PadReflect   PadMode = "reflect"   // mirrored at the edge elements, which are not repeated: −u, 2(n−1) − u
	PadReplicate PadMode = "replicate" // the nearest edge element: u clamped to [0, n−1]
	PadCircular  PadMode = "circular"  // wrapped around (see below)
)

// PadWith pads (or, with negative widths, crops) the last two axes of x
// (the last axis of a 1-D x) as PyTorch's F.pad does: widths[i] = [before,
// after] for every axis i of x, in order (F.pad lists them from the last
// axis), and each axis of the result has before + n + after elements. A
// negative width removes that many elements from that side. The widths of
// the other axes must be 0 (Pad pads any axis with a constant). The border
// is value in PadConstant mode (the zero mode, "" , means PadConstant);
// the other modes ignore value. Reflect and replicate read the whole
// input, so a side's padding may reflect what the other side crops;
// circular, as PyTorch's, first crops and then wraps around what is left:
// with c = max(0, −before) elements cropped at the start and m left,
// output o reads c + ((o − max(before, 0)) mod m). As PyTorch requires, a
// reflected width must be less than the axis length, and a circular one
// at most the length left after cropping.
//
//	d/dx = each input element receives the g of every output that reads it (PadReflect and PadCircular read some twice)
//
// so in constant mode d/dx crops g, and no gradient flows to value. The
// derivative is recorded as an operation whose own derivative is this op's
// map, so gradients of gradients flow. It panics with a *tensor.ShapeError
// for the wrong number of widths, a nonzero width on another axis, a width
// too large for its mode, or a negative result length, and with a
// *UsageError for an unknown mode.
func PadWith[T Float](x *Var[T], widths [][2]int, mode PadMode, value T) *Var[T] {
	const op = "PadWith"
	defer relabel(op)
	xv := x.value
	r := xv.Dims()
	if mode == "" {
		mode = PadConstant
	}
	if mode != PadConstant && mode != PadReflect && mode != PadReplicate && mode != PadCircular {
		panic(usage(op, fmt.Sprintf("unknown mode %q: want %q, %q, %q or %q", mode, PadConstant, PadReflect, PadReplicate, PadCircular)))
	}
	if r == 0 || len(widths) != r {
		panic(shapeErr(op, fmt.Sprintf("%d width pairs for a %d-D input: want one per axis", len(widths), r), xv.Shape()))
	}
	for ax := 0; ax < r-2; ax++ {
		if widths[ax] != [2]int{} {
			panic(shapeErr(op, fmt.Sprintf("widths %v: only the last two axes can be padded (Pad pads any axis)", slices.Clone(widths)), xv.Shape()))
		}
	}
	ar := arenaOf(x)
	var taps [2]tensor.AxisTaps[T]
	var size [2]int
	for i := range 2 {
		ax := r - 2 + i
		var w [2]int
		n := 1
		if ax >= 0 {
			w, n = widths[ax], xv.Dim(ax)
		}
		size[i] = w[0] + n + w[1]
		padCheck(op, xv, widths, ax, n, size[i], w, mode)
		taps[i] = rsTaps(ar, n, size[i], true)
		padTaps(taps[i], w, mode)
	}
	var sb [maxStackDims]int
	s := shapeOf(xv, sb[:0])
	s[r-1] = size[1]
	if r >= 2 {
		s[r-2] = size[0]
	}
	out := ar.tensor(s...)
	return rsLinearOp(op, x, out, taps[0], taps[1], value)
}

// padCheck panics when the widths w of axis ax (of length n, padded to
// size) do not suit mode.
func padCheck[T Float](op string, x *tensor.Tensor[T], widths [][2]int, ax, n, size int, w [2]int, mode PadMode) {
	reason := ""
	switch {
	case size < 0:
		reason = fmt.Sprintf("axis %d of length %d cropped by %v would have a negative length", ax, n, w)
	case size == 0 || mode == PadConstant:
	case mode == PadReflect && (w[0] >= n || w[1] >= n):
		reason = fmt.Sprintf("reflect widths %v of axis %d must be less than its length %d", w, ax, n)
	case mode == PadCircular && (w[0] > circLen(n, w) || w[1] > circLen(n, w)):
		reason = fmt.Sprintf("circular widths %v of axis %d must be at most the length %d left after cropping", w, ax, circLen(n, w))
	case n == 0:
		reason = fmt.Sprintf("axis %d is empty: there is nothing to %s", ax, mode)
	}
	if reason != "" {
		panic(shapeErr(op, fmt.Sprintf("widths %v: %s", slices.Clone(widths), reason), x.Shape()))
	}
}

// circLen returns the length of an axis of length n that circular padding
// with widths w wraps around: what its negative widths leave.
func circLen(n int, w [2]int) int { return n - max(0, -w[0]) - max(0, -w[1]) }

// padTaps fills a's taps: output o reads u = o − before mapped into the
// input by mode, or nothing (the fill value) in constant mode outside it.
func padTaps[T Float](a tensor.AxisTaps[T], w [2]int, mode PadMode) {
	n := a.In
	c, m := max(0, -w[0]), circLen(n, w)
	for o := range a.Lo {
		u := o - w[0]
		switch mode {
		case PadReflect:
			if u < 0 {
				u = -u
			}
			if u >= n {
				u = 2*(n-1) - u
			}
		case PadReplicate:
			u = min(max(u, 0), n-1)
		case PadCircular:
			v := o - max(w[0], 0)
			u = c + (v%m+m)%m
		}
		a.Lo[o], a.W0[o], a.W[o] = u, 1, 0
		a.N[o] = 1
		if u < 0 || u >= n {
			a.Lo[o], a.N[o] = 0, 0
		}
	}
}
