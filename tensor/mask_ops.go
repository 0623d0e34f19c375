package tensor

import (
	"fmt"
	"math"
)

// This file holds the kernels that make and combine masks: comparisons of
// tensors (with NumPy broadcasting), logical operations on masks, the Any
// and All reductions, and the tests of values (IsNaN, IsInf, IsFinite,
// IsClose). Each has a form that returns a new mask and an Into form that
// writes a mask the caller owns, allocating nothing.

// Comparison is an elementwise comparison of two tensors, as Compare takes
// it.
type Comparison int

// The comparisons. They follow IEEE 754 as Go's operators do: a NaN
// compares unequal to everything, itself included, so every comparison
// with a NaN is false except CmpNotEqual, which is true.
const (
	CmpEqual        Comparison = iota // a == b
	CmpNotEqual                       // a != b
	CmpLess                           // a < b
	CmpLessEqual                      // a <= b
	CmpGreater                        // a > b
	CmpGreaterEqual                   // a >= b
)

var cmpNames = [...]string{"Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual"}

// String returns the comparison's function name, e.g. "LessEqual".
func (c Comparison) String() string {
	if c < 0 || int(c) >= len(cmpNames) {
		return fmt.Sprintf("Comparison(%d)", int(c))
	}
	return cmpNames[c]
}

// Compare returns the mask of c(a, b) elementwise, over the shape a and b
// broadcast to. It panics with a *ShapeError when they do not broadcast.
func Compare[T Float](c Comparison, a, b *Tensor[T]) *Mask {
	out := FullMask(false, broadcastOf(c.String(), a.shape, b.shape)...)
	CompareInto(out, c, a, b)
	return out
}

// CompareInto sets dst to the mask of c(a, b) elementwise. dst must have
// the shape a and b broadcast to; it panics with a *ShapeError otherwise.
func CompareInto[T Float](dst *Mask, c Comparison, a, b *Tensor[T]) {
	if c < 0 || int(c) >= len(cmpNames) {
		panic(&ArgError{Op: "Compare", Arg: "c", Value: int(c), Reason: "not a Comparison"})
	}
	var w maskWalk
	w.maskBroadcast(c.String(), dst.shape, a.shape, b.shape)
	d, x, y := dst.data, a.data, b.data
	w.runs(func(off, n int, o, s [3]int) {
		dd, xs, ys, sa, sb := d[off:off+n], x[o[0]:], y[o[1]:], s[0], s[1]
		switch c {
		case CmpEqual:
			for i := range dd {
				dd[i] = xs[i*sa] == ys[i*sb]
			}
		case CmpNotEqual:
			for i := range dd {
				dd[i] = xs[i*sa] != ys[i*sb]
			}
		case CmpLess:
			for i := range dd {
				dd[i] = xs[i*sa] < ys[i*sb]
			}
		case CmpLessEqual:
			for i := range dd {
				dd[i] = xs[i*sa] <= ys[i*sb]
			}
		case CmpGreater:
			for i := range dd {
				dd[i] = xs[i*sa] > ys[i*sb]
			}
		default: // CmpGreaterEqual
			for i := range dd {
				dd[i] = xs[i*sa] >= ys[i*sb]
			}
		}
	})
}

// Equal returns the mask a == b, with broadcasting (torch.eq). NaN is
// unequal to everything.
func Equal[T Float](a, b *Tensor[T]) *Mask { return Compare(CmpEqual, a, b) }

// NotEqual returns the mask a != b, with broadcasting (torch.ne). NaN is
// unequal to everything, itself included.
func NotEqual[T Float](a, b *Tensor[T]) *Mask { return Compare(CmpNotEqual, a, b) }

// Less returns the mask a < b, with broadcasting (torch.lt); false where
// either is NaN.
func Less[T Float](a, b *Tensor[T]) *Mask { return Compare(CmpLess, a, b) }

// LessEqual returns the mask a <= b, with broadcasting (torch.le); false
// where either is NaN.
func LessEqual[T Float](a, b *Tensor[T]) *Mask { return Compare(CmpLessEqual, a, b) }

// Greater returns the mask a > b, with broadcasting (torch.gt); false
// where either is NaN.
func Greater[T Float](a, b *Tensor[T]) *Mask { return Compare(CmpGreater, a, b) }

// GreaterEqual returns the mask a >= b, with broadcasting (torch.ge);
// false where either is NaN.
func GreaterEqual[T Float](a, b *Tensor[T]) *Mask { return Compare(CmpGreaterEqual, a, b) }

// LogicalAnd returns a ∧ b elementwise, over the shape the masks broadcast
// to (torch.logical_and). It panics with a *ShapeError when they do not
// broadcast.
func LogicalAnd(a, b *Mask) *Mask {
	out := FullMask(false, broadcastOf("LogicalAnd", a.shape, b.shape)...)
	LogicalAndInto(out, a, b)
	return out
}

// LogicalOr returns a ∨ b elementwise, over the shape the masks broadcast
// to (torch.logical_or). It panics with a *ShapeError when they do not
// broadcast.
func LogicalOr(a, b *Mask) *Mask {
	out := FullMask(false, broadcastOf("LogicalOr", a.shape, b.shape)...)
	LogicalOrInto(out, a, b)
	return out
}

// LogicalNot returns ¬m elementwise (torch.logical_not).
func LogicalNot(m *Mask) *Mask {
	out := FullMask(false, m.shape...)
	LogicalNotInto(out, m)
	return out
}

// LogicalAndInto sets dst = a ∧ b elementwise. dst must have the shape a
// and b broadcast to, and may be a or b when it has that one's shape; it
// panics with a *ShapeError when it overlaps them otherwise.
func LogicalAndInto(dst, a, b *Mask) { logicalInto("LogicalAnd", dst, a, b, false) }

// LogicalOrInto sets dst = a ∨ b elementwise. dst must have the shape a
// and b broadcast to, and may be a or b when it has that one's shape.
func LogicalOrInto(dst, a, b *Mask) { logicalInto("LogicalOr", dst, a, b, true) }

// logicalInto is LogicalAndInto (or false) and LogicalOrInto (or true).
func logicalInto(op string, dst, a, b *Mask, or bool) {
	if !sameOrApart(dst.data, a.data) || !sameOrApart(dst.data, b.data) {
		panic(shapeErr(op, "dst overlaps an operand without being it", dst.shape, a.shape, b.shape))
	}
	var w maskWalk
	w.maskBroadcast(op, dst.shape, a.shape, b.shape)
	d, x, y := dst.data, a.data, b.data
	w.runs(func(off, n int, o, s [3]int) {
		dd, xs, ys, sa, sb := d[off:off+n], x[o[0]:], y[o[1]:], s[0], s[1]
		if or {
			for i := range dd {
				dd[i] = xs[i*sa] || ys[i*sb]
			}
			return
		}
		for i := range dd {
			dd[i] = xs[i*sa] && ys[i*sb]
		}
	})
}

// LogicalNotInto sets dst = ¬m elementwise. dst must have m's shape, and
// may be m but must not overlap it otherwise.
func LogicalNotInto(dst, m *Mask) {
	if !SameShape(dst.shape, m.shape) {
		panic(shapeErr("LogicalNot", "destination does not have the mask's shape", dst.shape, m.shape))
	}
	if !sameOrApart(dst.data, m.data) {
		panic(shapeErr("LogicalNot", "dst overlaps the mask without being it", dst.shape, m.shape))
	}
	for i, v := range m.data {
		dst.data[i] = !v
	}
}

// Any returns, over the given axes of m (all of them when none are given;
// negative axes count from the end), whether any flag is true: a mask of
// m's shape without those axes (torch.any). Over an axis of size 0 the
// result is false. It panics with a *ShapeError for an axis out of range
// or repeated.
func Any(m *Mask, axes ...int) *Mask {
	out := FullMask(false, reducedShape("Any", m.shape, axes)...)
	AnyInto(out, m, axes...)
	return out
}

// All returns, over the given axes of m (all of them when none are given),
// whether every flag is true: a mask of m's shape without those axes
// (torch.all). Over an axis of size 0 the result is true. It panics with a
// *ShapeError for an axis out of range or repeated.
func All(m *Mask, axes ...int) *Mask {
	out := FullMask(false, reducedShape("All", m.shape, axes)...)
	AllInto(out, m, axes...)
	return out
}

// AnyInto is Any into dst, which must have m's shape without the axes and
// share no memory with m (it panics with a *ShapeError otherwise).
func AnyInto(dst, m *Mask, axes ...int) { reduceMaskInto("Any", dst, m, axes, true) }

// AllInto is All into dst, which must have m's shape without the axes and
// share no memory with m.
func AllInto(dst, m *Mask, axes ...int) { reduceMaskInto("All", dst, m, axes, false) }

// reduceMaskInto is AnyInto (any true) and AllInto (any false): dst starts
// at the identity (!any) and becomes any wherever m has an element equal to
// any in the reduced slice.
func reduceMaskInto(op string, dst, m *Mask, axes []int, any bool) {
	red := maskAxes(op, m.shape, axes)
	var w maskWalk
	w.init(op, m.shape)
	// Operand 0 is dst in m's index space: its row-major strides along the
	// kept axes, 0 along the reduced ones.
	s, kept := 1, 0
	for i := len(m.shape) - 1; i >= 0; i-- {
		if red&(1<<i) != 0 {
			w.st[0][i] = 0
			continue
		}
		w.st[0][i] = s
		s *= m.shape[i]
		kept++
	}
	ok := len(dst.shape) == kept
	for i, j := 0, 0; ok && i < len(m.shape); i++ {
		if red&(1<<i) == 0 {
			ok = dst.shape[j] == m.shape[i]
			j++
		}
	}
	if !ok {
		panic(shapeErr(op, "destination does not have the reduced shape", dst.shape, m.shape))
	}
	if overlaps(dst.data, m.data) { // dst is set to the identity first
		panic(shapeErr(op, "dst shares memory with the mask: give it a mask of its own", dst.shape, m.shape))
	}
	for i := range dst.data {
		dst.data[i] = !any
	}
	d, x := dst.data, m.data
	w.runs(func(off, n int, o, s [3]int) {
		xs, step := x[off:off+n], s[0]
		for i, v := range xs {
			if v == any {
				d[o[0]+i*step] = any
			}
		}
	})
}

// maskAxes validates axes against shape (negative axes count from the end;
// none means all) and returns them as a bit set, panicking with a
// *ShapeError naming op for an axis out of range or repeated.
func maskAxes(op string, shape, axes []int) uint64 {
	r := len(shape)
	if r > maxMaskDims {
		panic(shapeErr(op, fmt.Sprintf("more than %d axes", maxMaskDims), shape))
	}
	if len(axes) == 0 {
		return uint64(1)<<r - 1
	}
	var red uint64
	for _, a := range axes {
		ax := a
		if ax < 0 {
			ax += r
		}
		if ax < 0 || ax >= r {
			panic(shapeErr(op, fmt.Sprintf("axis %d out of range", a), shape))
		}
		if red&(1<<ax) != 0 {
			panic(shapeErr(op, fmt.Sprintf("axis %d repeated", a), shape))
		}
		red |= 1 << ax
	}
	return red
}

// reducedShape returns shape without the axes (all when none are given).
func reducedShape(op string, shape, axes []int) []int {
	red := maskAxes(op, shape, axes)
	out := []int{}
	for i, d := range shape {
		if red&(1<<i) == 0 {
			out = append(out, d)
		}
	}
	return out
}

// IsNaN returns the mask of the NaN elements of t (torch.isnan).
func IsNaN[T Float](t *Tensor[T]) *Mask { return testValues("IsNaN", t, isNaN[T]) }

// IsInf returns the mask of the infinite elements of t, of either sign
// (torch.isinf).
func IsInf[T Float](t *Tensor[T]) *Mask { return testValues("IsInf", t, isInf[T]) }

// IsFinite returns the mask of the elements of t that are neither infinite
// nor NaN (torch.isfinite).
func IsFinite[T Float](t *Tensor[T]) *Mask { return testValues("IsFinite", t, isFinite[T]) }

// IsNaNInto is IsNaN into dst, which must have t's shape.
func IsNaNInto[T Float](dst *Mask, t *Tensor[T]) { testValuesInto("IsNaN", dst, t, isNaN[T]) }

// IsInfInto is IsInf into dst, which must have t's shape.
func IsInfInto[T Float](dst *Mask, t *Tensor[T]) { testValuesInto("IsInf", dst, t, isInf[T]) }

// IsFiniteInto is IsFinite into dst, which must have t's shape.
func IsFiniteInto[T Float](dst *Mask, t *Tensor[T]) { testValuesInto("IsFinite", dst, t, isFinite[T]) }

func isNaN[T Float](v T) bool    { return v != v }
func isInf[T Float](v T) bool    { return v-v != 0 && v == v }
func isFinite[T Float](v T) bool { return v-v == 0 }

func testValues[T Float](op string, t *Tensor[T], f func(T) bool) *Mask {
	out := FullMask(false, t.shape...)
	testValuesInto(op, out, t, f)
	return out
}

func testValuesInto[T Float](op string, dst *Mask, t *Tensor[T], f func(T) bool) {
	if !SameShape(dst.shape, t.shape) {
		panic(shapeErr(op, "destination does not have the tensor's shape", dst.shape, t.shape))
	}
	for i, v := range t.data {
		dst.data[i] = f(v)
	}
}

// IsClose returns the mask of the elements where a and b are close, over
// the shape they broadcast to, with torch.isclose's rule:
//
//	a == b, or both finite and |a - b| ≤ atol + rtol·|b|
//
// and, when equalNaN, also where both are NaN. The test is not symmetric:
// the relative tolerance scales with b, the reference. Infinities are
// close only to themselves. It panics with a *ShapeError when the shapes
// do not broadcast, and with an *ArgError when rtol or atol is negative or
// NaN (torch raises).
func IsClose[T Float](a, b *Tensor[T], rtol, atol float64, equalNaN bool) *Mask {
	out := FullMask(false, broadcastOf("IsClose", a.shape, b.shape)...)
	IsCloseInto(out, a, b, rtol, atol, equalNaN)
	return out
}

// IsCloseInto is IsClose into dst, which must have the shape a and b
// broadcast to.
func IsCloseInto[T Float](dst *Mask, a, b *Tensor[T], rtol, atol float64, equalNaN bool) {
	if !(rtol >= 0) {
		panic(&ArgError{Op: "IsClose", Arg: "rtol", Value: rtol, Reason: "must be non-negative"})
	}
	if !(atol >= 0) {
		panic(&ArgError{Op: "IsClose", Arg: "atol", Value: atol, Reason: "must be non-negative"})
	}
	var w maskWalk
	w.maskBroadcast("IsClose", dst.shape, a.shape, b.shape)
	d, x, y := dst.data, a.data, b.data
	w.runs(func(off, n int, o, s [3]int) {
		dd, xs, ys, sa, sb := d[off:off+n], x[o[0]:], y[o[1]:], s[0], s[1]
		for i := range dd {
			dd[i] = closeValues(float64(xs[i*sa]), float64(ys[i*sb]), rtol, atol, equalNaN)
		}
	})
}

// closeValues is IsClose's rule on one pair, in float64 (as torch computes
// a float32 isclose's tolerance in the tensors' type, the float64
// arithmetic can only differ at the last bit of the bound).
func closeValues(x, y, rtol, atol float64, equalNaN bool) bool {
	switch {
	case x == y:
		return true
	case x != x || y != y:
		return equalNaN && x != x && y != y
	}
	diff := math.Abs(x - y)
	return !math.IsInf(diff, 0) && diff <= atol+rtol*math.Abs(y)
}

// FromMask returns m as a tensor of 1s (true) and 0s (false), of m's
// shape: to weigh, count or sum with a mask.
func FromMask[T Float](m *Mask) *Tensor[T] {
	out := Zeros[T](m.shape...)
	FromMaskInto(out, m)
	return out
}

// FromMaskInto sets dst to m as 1s and 0s. dst must have m's shape.
func FromMaskInto[T Float](dst *Tensor[T], m *Mask) {
	if !SameShape(dst.shape, m.shape) {
		panic(shapeErr("FromMask", "destination does not have the mask's shape", dst.shape, m.shape))
	}
	for i, v := range m.data {
		dst.data[i] = 0
		if v {
			dst.data[i] = 1
		}
	}
}
