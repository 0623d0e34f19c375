package autograd

import (
	"fmt"
	"slices"

	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds PadWith, PyTorch's F.pad with all of its modes (constant,
// reflect, replicate, circular) and negative widths, which crop, and the
// operation under it and under Pad's cropping: a map per axis from output
// positions to input positions (tensor.PadMapInto), whose derivative is the
// map's adjoint.

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

// padModeAxes is how many trailing axes the non-constant modes pad, as
// PyTorch's F.pad (1-, 2- and 3-D padding).
const padModeAxes = 3

// PadWith pads (or, with negative widths, crops) x as PyTorch's F.pad
// does: widths[i] = [before, after] for every axis i of x, in order (F.pad
// lists them from the last axis), and each axis of the result has before +
// n + after elements. A negative width removes that many elements from
// that side. PadConstant (the zero mode, "", means PadConstant) pads any
// axis with value; the other modes pad the last one, two or three axes
// (F.pad's 1-D, 2-D and 3-D padding: ReflectionPad1d to 3d and the like),
// whose widths are then the only nonzero ones, and ignore value. Reflect
// and replicate read the whole input, so a side's padding may reflect what
// the other side crops; circular, as PyTorch's, first crops and then wraps
// around what is left: with c = max(0, −before) elements cropped at the
// start and m left, output o reads c + ((o − max(before, 0)) mod m). As
// PyTorch requires, a reflected width must be less than the axis length,
// and a circular one at most the length left after cropping.
//
//	d/dx = each input element receives the g of every output that reads it (PadReflect, PadReplicate and PadCircular read some several times)
//
// so in constant mode d/dx crops g (or pads it with 0 where x was
// cropped), and no gradient flows to value. The derivative is recorded as
// an operation whose own derivative is this op's map, so gradients of
// gradients flow. It panics with a *tensor.ShapeError for the wrong number
// of widths, a nonzero width on an axis the mode does not pad, a width too
// large for its mode, or a negative result length, and with a *UsageError
// for an unknown mode.
func PadWith[T Float](x *Var[T], widths [][2]int, mode PadMode, value T) *Var[T] {
	checkOperands1("PadWith", x)
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
	for ax := 0; mode != PadConstant && ax < r-padModeAxes; ax++ {
		if widths[ax] != [2]int{} {
			panic(shapeErr(op, fmt.Sprintf("widths %v: %s mode pads only the last %d axes (constant mode pads any axis)",
				slices.Clone(widths), mode, padModeAxes), xv.Shape()))
		}
	}
	return padMap(op, x, widths, mode, value)
}

// padMap records x padded or cropped by widths in mode as the operation
// op: each axis's map from output to input positions comes from the
// Arena's integers, its result from the Arena's tensors.
func padMap[T Float](op string, x *Var[T], widths [][2]int, mode PadMode, value T) *Var[T] {
	xv := x.value
	r := xv.Dims()
	ar := arenaOf(x)
	var mb [maxStackDims][]int
	maps := mb[:0]
	if r > len(mb) {
		maps = make([][]int, 0, r)
	}
	var sb [maxStackDims]int
	shape := sb[:0]
	for ax, w := range widths {
		n := xv.Dim(ax)
		size := w[0] + n + w[1]
		padCheck(op, xv, widths, ax, n, size, w, mode)
		m := ar.intsN(size)
		padFill(m, n, w, mode)
		maps, shape = append(maps, m), append(shape, size)
	}
	out := ar.tensor(shape...)
	tensor.PadMapInto(out, xv, maps, value)
	var d derivative[T]
	if needsGrad(x) {
		s := newState[padMapOp[T]](ar)
		s.setMaps(maps)
		s.once = mode == PadConstant
		d = s
	}
	return recordOp(op, out, d, x)
}

// padMapOp is the state of a padding by maps (adjoint false: out =
// PadMapInto(x)) and of its derivative (adjoint true: out =
// PadMapAdjointInto(g)), each the derivative of the other. once says that
// every input element is read at most once (constant mode), so that the
// adjoint may add straight into a gradient buffer.
type padMapOp[T Float] struct {
	maps    [][]int
	buf     [maxStackDims][]int
	shape   [maxStackDims]int // the padded shape (the adjoint's derivative's)
	adjoint bool
	once    bool
}

func (*padMapOp[T]) slot() stateSlot { return slotPadMap }

// setMaps keeps maps (not copied) and the padded shape they describe.
func (s *padMapOp[T]) setMaps(maps [][]int) {
	s.maps = append(s.buf[:0], maps...)
	for a, m := range maps {
		if a < len(s.shape) {
			s.shape[a] = len(m)
		}
	}
}

// paddedShape returns the shape the maps pad to.
func (s *padMapOp[T]) paddedShape() []int {
	if len(s.maps) <= len(s.shape) {
		return s.shape[:len(s.maps)]
	}
	shape := make([]int, len(s.maps))
	for a, m := range s.maps {
		shape[a] = len(m)
	}
	return shape
}

func (s *padMapOp[T]) backward(c *Context[T], g *Var[T]) []*Var[T] {
	in := c.node().inputs[0].value
	ar := arenaOf(g)
	if s.adjoint {
		out := ar.tensor(s.paddedShape()...)
		tensor.PadMapInto(out, g.value, s.maps, 0)
		return []*Var[T]{s.record(ar, "PadMap", out, g, false)}
	}
	var sb [maxStackDims]int
	out := ar.tensor(shapeOf(in, sb[:0])...)
	tensor.PadMapAdjointInto(out, g.value, s.maps, 0)
	return []*Var[T]{s.record(ar, "PadMapAdjoint", out, g, true)}
}

// record records out, computed from g by the map (adjoint false) or its
// adjoint, with the state of that operation.
func (s *padMapOp[T]) record(ar *Arena[T], op string, out *tensor.Tensor[T], g *Var[T], adjoint bool) *Var[T] {
	var d derivative[T]
	if needsGrad(g) {
		t := newState[padMapOp[T]](ar)
		t.setMaps(s.maps)
		t.adjoint, t.once = adjoint, s.once
		d = t
	}
	return recordOp(op, out, d, g)
}

// vjp applies the adjoint of the op's map to g into the input's gradient
// buffer: PadMapAdjointInto for the padding, PadMapInto for its adjoint.
func (s *padMapOp[T]) vjp(c *Context[T], g *tensor.Tensor[T]) {
	gradInto(c, 0, s.once && !s.adjoint, func(dst *tensor.Tensor[T], beta T) {
		if s.adjoint {
			tensor.PadMapInto(dst, g, s.maps, 0)
			return
		}
		tensor.PadMapAdjointInto(dst, g, s.maps, beta)
	})
}

// jvp of a padding by maps is the tangent padded by the same maps with 0
// for the fill (the value is a constant); of its adjoint, the adjoint of
// the tangent (each element of t added where it was read from).
func (s *padMapOp[T]) jvp(c *Context[T], ts []*tensor.Tensor[T]) *tensor.Tensor[T] {
	res := tensor.Zeros[T](c.out.value.Shape()...)
	if s.adjoint {
		tensor.PadMapAdjointInto(res, ts[0], s.maps, 0)
	} else {
		tensor.PadMapInto(res, ts[0], s.maps, 0)
	}
	return res
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

// padFill fills m, the map of one axis of length n padded by w in mode:
// output o reads u = o − before mapped into the input by mode, or nothing
// (−1: the fill value) in constant mode outside it.
func padFill(m []int, n int, w [2]int, mode PadMode) {
	c, k := max(0, -w[0]), circLen(n, w)
	for o := range m {
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
			u = c + (v%k+k)%k
		}
		if u < 0 || u >= n {
			u = -1
		}
		m[o] = u
	}
}
