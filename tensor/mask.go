package tensor

import "fmt"

// Mask is a dense, row-major N-dimensional array of booleans: what a
// comparison returns, and what Where, MaskedFill and MaskedSelect select
// with. It is a type of its own, not a Tensor of 0s and 1s, so that a mask
// is never differentiated, never holds 0.5, and is never mistaken for data.
// Like a Tensor, it shares its data slice with the caller.
type Mask struct {
	data  []bool
	shape []int
}

// NewMask returns a mask of the given shape over data (not copied). It
// returns a *ShapeError when len(data) does not match the shape or a
// dimension is negative.
func NewMask(data []bool, shape ...int) (*Mask, error) {
	n, ok := numElements(shape)
	if !ok {
		return nil, shapeErr("NewMask", "negative dimension or too many elements", shape)
	}
	if n != len(data) {
		return nil, shapeErr("NewMask", fmt.Sprintf("%d values for %d elements", len(data), n), shape)
	}
	return &Mask{data: data, shape: append([]int{}, shape...)}, nil
}

// MustMask is NewMask for data known to fit: it panics with the
// *ShapeError instead of returning it.
func MustMask(data []bool, shape ...int) *Mask {
	m, err := NewMask(data, shape...)
	if err != nil {
		panic(err)
	}
	return m
}

// FullMask returns a new mask of the given shape with every flag v. It
// panics with a *ShapeError for a negative dimension.
func FullMask(v bool, shape ...int) *Mask {
	n, ok := numElements(shape)
	if !ok {
		panic(shapeErr("FullMask", "negative dimension or too many elements", shape))
	}
	m := &Mask{data: make([]bool, n), shape: append([]int{}, shape...)}
	if v {
		for i := range m.data {
			m.data[i] = true
		}
	}
	return m
}

// HasShape reports whether m has exactly the given shape, without copying
// it as Shape does.
func (m *Mask) HasShape(shape ...int) bool { return SameShape(m.shape, shape) }

// Count returns the number of true flags.
func (m *Mask) Count() int {
	n := 0
	for _, v := range m.data {
		if v {
			n++
		}
	}
	return n
}

// Shape returns a copy of the mask's shape.
func (m *Mask) Shape() []int { return append([]int{}, m.shape...) }

// Data returns the mask's flags in row-major order, shared with the mask.
func (m *Mask) Data() []bool { return m.data }

// Len returns the number of elements.
func (m *Mask) Len() int { return len(m.data) }

// Dims returns the number of axes.
func (m *Mask) Dims() int { return len(m.shape) }

// Dim returns the size of axis i (negative i counts from the end). It
// panics with a *ShapeError for an axis out of range, as Tensor.Dim.
func (m *Mask) Dim(i int) int { return dimOf("Mask.Dim", m.shape, i) }

// String formats the mask as its shape and flags, as 1s and 0s.
func (m *Mask) String() string {
	b := make([]byte, len(m.data))
	for i, v := range m.data {
		b[i] = '0'
		if v {
			b[i] = '1'
		}
	}
	return fmt.Sprintf("Mask%v[%s]", m.shape, b)
}

// Index is a dense, row-major N-dimensional array of ints: positions along
// an axis, as Gather and Scatter take and Sort, TopK and MaxPool2D return.
// It is a type of its own, not a Tensor of floats, so that an index is
// exact at any size, is never differentiated, and carries the shape the
// ops' shape rules need. Like a Tensor, it shares its data slice with the
// caller.
type Index struct {
	data  []int
	shape []int
}

// NewIndex returns an index array of the given shape over data (not
// copied). It returns a *ShapeError when len(data) does not match the
// shape or a dimension is negative; the values are checked by the ops that
// use them, against the sizes they index.
func NewIndex(data []int, shape ...int) (*Index, error) {
	n, ok := numElements(shape)
	if !ok {
		return nil, shapeErr("NewIndex", "negative dimension or too many elements", shape)
	}
	if n != len(data) {
		return nil, shapeErr("NewIndex", fmt.Sprintf("%d values for %d elements", len(data), n), shape)
	}
	return &Index{data: data, shape: append([]int{}, shape...)}, nil
}

// MustIndex is NewIndex for data known to fit: it panics with the
// *ShapeError instead of returning it.
func MustIndex(data []int, shape ...int) *Index {
	x, err := NewIndex(data, shape...)
	if err != nil {
		panic(err)
	}
	return x
}

// SetIndex points x at data with the given shape, neither copied: a way
// for an operation that keeps its results in reused memory (an autograd
// Arena) to return an Index without allocating. It panics with a
// *ShapeError when len(data) does not match the shape.
func (x *Index) SetIndex(data []int, shape ...int) {
	n, ok := numElements(shape)
	if !ok || n != len(data) {
		panic(shapeErr("SetIndex", fmt.Sprintf("%d values for the shape", len(data)), shape))
	}
	x.data, x.shape = data, shape
}

// Shape returns a copy of the index array's shape.
func (x *Index) Shape() []int { return append([]int{}, x.shape...) }

// Data returns the indices in row-major order, shared with the array.
func (x *Index) Data() []int { return x.data }

// Len returns the number of elements.
func (x *Index) Len() int { return len(x.data) }

// Dims returns the number of axes.
func (x *Index) Dims() int { return len(x.shape) }

// Dim returns the size of axis i (negative i counts from the end). It
// panics with a *ShapeError for an axis out of range, as Tensor.Dim.
func (x *Index) Dim(i int) int { return dimOf("Index.Dim", x.shape, i) }

// String formats the index array as its shape and values.
func (x *Index) String() string { return fmt.Sprintf("Index%v%v", x.shape, x.data) }
