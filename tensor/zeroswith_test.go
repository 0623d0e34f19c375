package tensor

import (
	"testing"
	"unsafe"
)

// TestZerosWith checks ZerosWith at every size of its ladder and beyond: a
// zero tensor of the shape asked for, with exactly its elements, a zero X,
// and, for at most 64 elements, the tensor and the X in one block.
func TestZerosWith(t *testing.T) {
	type obj struct {
		p *int
		n [3]int64
	}
	for _, shape := range [][]int{{}, {0}, {1}, {2}, {3}, {2, 2}, {1, 6}, {7}, {2, 4}, {3, 3}, {15}, {4, 4}, {5, 6}, {31}, {2, 16}, {47}, {6, 8}, {7, 9}, {64}, {65}, {3, 100}, {2, 2, 2, 2, 2}} {
		x, o := ZerosWith[obj, float64](shape...)
		n, _ := numElements(shape)
		if !SameShape(x.Shape(), shape) || x.Len() != n || cap(x.Data()) != n {
			t.Errorf("%v: shape %v, len %d, cap %d", shape, x.Shape(), x.Len(), cap(x.Data()))
		}
		for i, v := range x.Data() {
			if v != 0 {
				t.Fatalf("%v: element %d is %v, want 0", shape, i, v)
			}
		}
		if *o != (obj{}) {
			t.Errorf("%v: X is %+v, want zero", shape, *o)
		}
		// Writes to either leave the other alone.
		for i := range x.Data() {
			x.Data()[i] = 1
		}
		o.n = [3]int64{-1, -1, -1}
		if o.p != nil {
			t.Errorf("%v: writing the tensor changed the X", shape)
		}
		for i, v := range x.Data() {
			if v != 1 {
				t.Fatalf("%v: element %d is %v after writing the X, want 1", shape, i, v)
			}
		}
		if n <= 64 {
			xs, os := uintptr(unsafe.Pointer(x)), uintptr(unsafe.Pointer(o))
			if os != xs+unsafe.Sizeof(Tensor[float64]{}) {
				t.Errorf("%v: the X is not allocated with the tensor", shape)
			}
		}
	}
	x32, _ := ZerosWith[int, float32](2, 3)
	if !x32.HasShape(2, 3) {
		t.Errorf("float32: shape %v", x32.Shape())
	}
}

func TestZerosWithPanics(t *testing.T) {
	defer func() {
		if _, ok := recover().(*ShapeError); !ok {
			t.Error("ZerosWith(-1) did not panic with a *ShapeError")
		}
	}()
	ZerosWith[int, float64](-1)
}
