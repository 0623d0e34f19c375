// Package tensor is Adjoint's numeric layer: a dense, row-major N-d array
// Tensor[T] for float32 and float64, NumPy broadcasting, and the kernels the
// autodiff engine is built on (elementwise maps, reductions, matmul).
//
// It knows nothing about gradients. A tensor is a shape and a flat slice:
//
//	x, err := tensor.New([]float64{1, 2, 3, 4, 5, 6}, 2, 3) // 2x3, shares the slice
//	y := tensor.Add(x, tensor.Scalar(10.0))                   // broadcasting
//	z := tensor.MatMul(x, x, false, true)                     // x · xᵀ, no transposed copy
//
// Errors follow gonum: a computation given shapes it cannot combine panics
// with a *ShapeError naming the operation and the shapes; constructors that
// take data from outside the program (New) return an error instead.
//
// Operations return new tensors unless their name says they work in place
// (AddInPlace, Fill, ...). Random fills take an explicit *rand.Rand: there is
// no hidden global seed.
//
// The ...Into kernels write into a dst the caller provides. Elementwise
// ones (and the scans and SoftmaxInto) say when dst may be an operand
// itself, and panic with a *ShapeError when dst overlaps an operand
// without being it (a shifted view of the same buffer). The ones that
// move elements (PermuteInto, SliceInto, PadInto, ConcatInto, FlipInto,
// RollInto, the indexing, scatter, repeating and resampling kernels), the
// reductions, the matrix products, and the convolution and pooling
// kernels never allow it, and panic with a *ShapeError when dst (or a
// columns or work buffer they write) shares memory with an operand.
package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"unsafe"

	"golang.org/x/exp/constraints"
)

// Float is the element type constraint: float32 or float64.
type Float = constraints.Float

// Tensor is a dense, row-major N-dimensional array of T. A 0-d tensor (shape
// []) holds a single value. The zero value is not usable; build tensors with
// New, Zeros, Full and friends.
type Tensor[T Float] struct {
	data  []T
	shape []int
	dims  [4]int // backing store of shape for up to 4 axes: one allocation less per tensor
}

// newTensor returns a tensor holding data, with a copy of shape.
func newTensor[T Float](data []T, shape []int) *Tensor[T] {
	t := &Tensor[T]{data: data}
	t.setShape(shape)
	return t
}

// setShape sets t's shape to a copy of shape, in t.dims when it fits.
func (t *Tensor[T]) setShape(shape []int) {
	if len(shape) <= len(t.dims) {
		t.shape = append(t.dims[:0:len(shape)], shape...)
	} else {
		t.shape = append([]int(nil), shape...)
	}
}

// New wraps data as a tensor of the given shape without copying it: later
// writes to data show through the tensor. It returns a *ShapeError when a
// dimension is negative or len(data) does not equal the product of shape. An
// empty shape makes a 0-d tensor, which needs exactly one element.
func New[T Float](data []T, shape ...int) (*Tensor[T], error) {
	n, ok := numElements(shape)
	if !ok {
		return nil, shapeErr("New", "negative dimension or too many elements", shape)
	}
	if len(data) != n {
		return nil, shapeErr("New", fmt.Sprintf("data has %d elements, shape needs %d", len(data), n), shape)
	}
	return newTensor(data, shape), nil
}

// MustNew is New for shapes and data written in the program itself; it
// panics with the *ShapeError that New would return.
func MustNew[T Float](data []T, shape ...int) *Tensor[T] {
	t, err := New(data, shape...)
	if err != nil {
		panic(err)
	}
	return t
}

// Zeros returns a tensor of the given shape filled with zeros. It panics
// with a *ShapeError for a negative dimension, or for more elements than
// one allocation may hold (over 2⁴⁷ bytes; Go's runtime would refuse it
// with an untyped panic). Below that, memory the machine does not have is
// a fatal out-of-memory error, as for any Go allocation.
func Zeros[T Float](shape ...int) *Tensor[T] {
	n, ok := numElements(shape)
	if !ok || !fitsMemory(n, int(unsafe.Sizeof(T(0)))) {
		panic(shapeErr("Zeros", "negative dimension or too many elements", shape))
	}
	if n <= 64 {
		return smallZeros[T](n, shape)
	}
	return newTensor(make([]T, n), shape)
}

// smallZeros is Zeros for at most 64 elements, whose header and data are
// one allocation (a small step makes many such tensors). The data array is
// the smallest of 1, 4, 8, 16, 32 and 64 elements that holds n, so that a
// small result takes a small size class: a 30-element float64 tensor is
// 352 bytes, not 640, and the garbage collector runs that much less often.
func smallZeros[T Float](n int, shape []int) *Tensor[T] {
	var t *Tensor[T]
	switch {
	case n <= 1:
		t = block[T](n, func(d *[1]T) []T { return d[:] })
	case n <= 4:
		t = block[T](n, func(d *[4]T) []T { return d[:] })
	case n <= 8:
		t = block[T](n, func(d *[8]T) []T { return d[:] })
	case n <= 16:
		t = block[T](n, func(d *[16]T) []T { return d[:] })
	case n <= 32:
		t = block[T](n, func(d *[32]T) []T { return d[:] })
	default:
		t = block[T](n, func(d *[64]T) []T { return d[:] })
	}
	t.setShape(shape)
	return t
}

// block allocates a tensor header and a data array A in one block and
// returns the tensor, its data the first n elements of the array (which
// data slices).
func block[T Float, A any](n int, data func(*A) []T) *Tensor[T] {
	b := new(struct {
		t Tensor[T]
		d A
	})
	b.t.data = data(&b.d)[:n:n]
	return &b.t
}

// blockWith is block with an X in the same block.
func blockWith[X any, T Float, A any](n int, data func(*A) []T) (*Tensor[T], *X) {
	b := new(struct {
		t Tensor[T]
		x X
		d A
	})
	b.t.data = data(&b.d)[:n:n]
	return &b.t, &b.x
}

// withBlockMax is the largest tensor whose data ZerosWith allocates with
// its header and X.
const withBlockMax = 64

// ZerosWith returns Zeros(shape...) and a zero X (any type: the object a
// caller keeps with each tensor, such as a node of a computation graph).
// For a tensor of at most 64 elements the two are one allocation, the
// tensor's header, its data and the X together, so that a program that
// makes many small tensors, each with an object of its own, allocates half
// as often; for a larger one the header and the X are one allocation and
// the data another. Either way the header and the X live as long as
// anything refers to either: a caller that keeps the tensor keeps the X too
// (Standalone makes a tensor that does not).
// It panics like Zeros.
func ZerosWith[X any, T Float](shape ...int) (*Tensor[T], *X) {
	n, ok := numElements(shape)
	if !ok || !fitsMemory(n, int(unsafe.Sizeof(T(0)))) {
		panic(shapeErr("ZerosWith", "negative dimension or too many elements", shape))
	}
	var (
		t *Tensor[T]
		x *X
	)
	// The data arrays have 2^k - 1 elements (then 47 and 64): when the
	// header and the X come to 8 bytes modulo 32, as autograd's Var and
	// node do (264 bytes for float64), a float64 block then fills its size
	// class exactly, where 2^k elements would spill into the next one.
	switch {
	case n <= 1:
		t, x = blockWith[X, T](n, func(d *[1]T) []T { return d[:] })
	case n <= 3:
		t, x = blockWith[X, T](n, func(d *[3]T) []T { return d[:] })
	case n <= 7:
		t, x = blockWith[X, T](n, func(d *[7]T) []T { return d[:] })
	case n <= 15:
		t, x = blockWith[X, T](n, func(d *[15]T) []T { return d[:] })
	case n <= 31:
		t, x = blockWith[X, T](n, func(d *[31]T) []T { return d[:] })
	case n <= 47:
		t, x = blockWith[X, T](n, func(d *[47]T) []T { return d[:] })
	case n <= withBlockMax:
		t, x = blockWith[X, T](n, func(d *[withBlockMax]T) []T { return d[:] })
	default:
		b := new(struct {
			t Tensor[T]
			x X
		})
		t, x, b.t.data = &b.t, &b.x, make([]T, n)
	}
	t.setShape(shape)
	return t, x
}

// Ones returns a tensor of the given shape filled with ones.
func Ones[T Float](shape ...int) *Tensor[T] { return Full(T(1), shape...) }

// Full returns a tensor of the given shape with every element set to v.
func Full[T Float](v T, shape ...int) *Tensor[T] {
	t := Zeros[T](shape...)
	t.Fill(v)
	return t
}

// Scalar returns a 0-d tensor holding v. It broadcasts against any shape.
func Scalar[T Float](v T) *Tensor[T] { return &Tensor[T]{data: []T{v}, shape: []int{}} }

// RandNormal returns a tensor of normally distributed values with the given
// mean and standard deviation, drawn from rng so that a seed reproduces it.
// It panics with an *ArgError when rng is nil, or mean is not finite or std
// is negative or not finite, as torch's normal_ and NumPy's normal refuse
// them (std 0 gives mean everywhere).
func RandNormal[T Float](rng *rand.Rand, mean, std T, shape ...int) *Tensor[T] {
	const op = "RandNormal"
	switch {
	case rng == nil:
		panic(&ArgError{Op: op, Arg: "rng", Value: rng, Reason: "must not be nil"})
	case math.IsNaN(float64(mean)) || math.IsInf(float64(mean), 0):
		panic(&ArgError{Op: op, Arg: "mean", Value: mean, Reason: "must be finite"})
	case !(std >= 0) || math.IsInf(float64(std), 0):
		panic(&ArgError{Op: op, Arg: "std", Value: std, Reason: "must be finite and non-negative"})
	}
	t := Zeros[T](shape...)
	for i := range t.data {
		t.data[i] = mean + std*T(rng.NormFloat64())
	}
	return t
}

// RandUniform returns a tensor of values uniform in [lo, hi), drawn from rng
// so that a seed reproduces it (all lo when lo = hi). It panics with an
// *ArgError when rng is nil, lo or hi is not finite, lo > hi, or hi - lo
// overflows T, as torch's uniform_ and NumPy's uniform refuse them.
func RandUniform[T Float](rng *rand.Rand, lo, hi T, shape ...int) *Tensor[T] {
	const op = "RandUniform"
	switch w := float64(hi - lo); {
	case rng == nil:
		panic(&ArgError{Op: op, Arg: "rng", Value: rng, Reason: "must not be nil"})
	case math.IsNaN(float64(lo)) || math.IsInf(float64(lo), 0):
		panic(&ArgError{Op: op, Arg: "lo", Value: lo, Reason: "must be finite"})
	case math.IsNaN(float64(hi)) || math.IsInf(float64(hi), 0):
		panic(&ArgError{Op: op, Arg: "hi", Value: hi, Reason: "must be finite"})
	case lo > hi:
		panic(&ArgError{Op: op, Arg: "[lo hi]", Value: []T{lo, hi}, Reason: "lo must not exceed hi"})
	case math.IsInf(w, 0):
		panic(&ArgError{Op: op, Arg: "[lo hi]", Value: []T{lo, hi}, Reason: fmt.Sprintf("hi - lo overflows %T", lo)})
	}
	t := Zeros[T](shape...)
	for i := range t.data {
		v := lo + (hi-lo)*T(rng.Float64())
		for v >= hi && lo < hi { // rounding can reach hi (p ≈ 2⁻²⁵ in float32): redraw
			v = lo + (hi-lo)*T(rng.Float64())
		}
		t.data[i] = v
	}
	return t
}

// Shape returns the tensor's shape. The slice is a copy.
func (t *Tensor[T]) Shape() []int { return append([]int{}, t.shape...) }

// Data returns the underlying row-major slice (not a copy): writes to it
// change the tensor.
func (t *Tensor[T]) Data() []T { return t.data }

// Len returns the number of elements.
func (t *Tensor[T]) Len() int { return len(t.data) }

// Dims returns the number of axes (0 for a scalar).
func (t *Tensor[T]) Dims() int { return len(t.shape) }

// Item returns the value of a one-element tensor of any shape, as a T: a
// float32 for a float32 tensor. Convert it with float64(x) for the math
// package or to accumulate many values (an epoch's mean loss summed in
// float32 loses digits after a few thousand terms); the conversion is exact.
// It panics with a *ShapeError otherwise.
func (t *Tensor[T]) Item() T {
	if len(t.data) != 1 {
		panic(shapeErr("Item", "tensor does not have exactly one element", t.shape))
	}
	return t.data[0]
}

// At returns the element at the given index, one coordinate per axis. It
// panics with a *ShapeError for an index of the wrong rank or out of range.
func (t *Tensor[T]) At(idx ...int) T { return t.data[t.offset("At", idx)] }

// Set stores v at the given index, one coordinate per axis.
func (t *Tensor[T]) Set(v T, idx ...int) { t.data[t.offset("Set", idx)] = v }

func (t *Tensor[T]) offset(op string, idx []int) int {
	if len(idx) != len(t.shape) {
		panic(shapeErr(op, fmt.Sprintf("index %v has the wrong number of axes", idx), t.shape))
	}
	off := 0
	for i, x := range idx {
		if x < 0 || x >= t.shape[i] {
			panic(shapeErr(op, fmt.Sprintf("index %v out of range", idx), t.shape))
		}
		off = off*t.shape[i] + x
	}
	return off
}

// Standalone returns t's elements in a tensor that shares no allocation
// with t's header, for a value kept longer than what ZerosWith allocated
// with it (a graph node that refers to other tensors): a new header over
// t's data when that is an array of its own (beyond ZerosWith's 64
// elements, so that writes through one show in the other), else a copy.
func (t *Tensor[T]) Standalone() *Tensor[T] {
	if len(t.data) <= withBlockMax {
		return t.Clone()
	}
	return newTensor(t.data, t.shape)
}

// Clone returns a deep copy.
func (t *Tensor[T]) Clone() *Tensor[T] {
	return newTensor(append([]T(nil), t.data...), t.shape)
}

// Fill sets every element to v, in place.
func (t *Tensor[T]) Fill(v T) {
	if v == 0 && !math.Signbit(float64(v)) {
		clear(t.data) // the runtime's vectorized memclr, several times faster
		return
	}
	for i := range t.data {
		t.data[i] = v
	}
}

// CopyFrom copies src's elements into t, in place; the shapes must be equal.
func (t *Tensor[T]) CopyFrom(src *Tensor[T]) {
	if !SameShape(t.shape, src.shape) {
		panic(shapeErr("CopyFrom", "shapes differ", t.shape, src.shape))
	}
	copy(t.data, src.data)
}

// Reshape returns a tensor with a new shape over the same data (a view:
// writes through one show in the other). One dimension may be -1, meaning
// whatever the element count requires. It panics with a *ShapeError when the
// element counts differ.
func (t *Tensor[T]) Reshape(shape ...int) *Tensor[T] {
	shape = append([]int{}, shape...)
	infer := -1
	known := 1
	for i, d := range shape {
		switch {
		case d == -1 && infer < 0:
			infer = i
		case d < 0:
			panic(shapeErr("Reshape", "invalid target shape", t.shape, shape))
		default:
			known *= d
		}
	}
	if infer >= 0 {
		if known == 0 || len(t.data)%known != 0 {
			panic(shapeErr("Reshape", "cannot infer the -1 dimension", t.shape, shape))
		}
		shape[infer] = len(t.data) / known
	}
	if n, ok := numElements(shape); !ok || n != len(t.data) {
		panic(shapeErr("Reshape", "element counts differ", t.shape, shape))
	}
	return &Tensor[T]{data: t.data, shape: shape}
}

// String formats the tensor as its shape followed by nested rows, for
// debugging and test failure messages: "Tensor[2 3][[1 2 3] [4 5 6]]". A
// tensor of more than SummaryThreshold elements is summarized as NumPy
// does, SummaryEdgeItems at each end of every axis around "...", so that
// printing a large gradient stays short. Format with %+v for every element
// (see Format).
func (t *Tensor[T]) String() string { return t.format(len(t.data) > SummaryThreshold, nil) }
