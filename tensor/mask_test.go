package tensor_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/tensor"
)

func TestMaskAndIndexConstruction(t *testing.T) {
	m := tensor.MustMask([]bool{true, false, false, true, true, false}, 2, 3)
	if diff := cmp.Diff([]int{2, 3}, m.Shape()); diff != "" || m.Len() != 6 || m.Dims() != 2 || m.Dim(1) != 3 {
		t.Errorf("mask shape %v len %d dims %d", m.Shape(), m.Len(), m.Dims())
	}
	if got, want := m.String(), "Mask[2 3][100110]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	x := tensor.MustIndex([]int{2, 0, 1}, 3)
	if got, want := x.String(), "Index[3][2 0 1]"; got != want || x.Len() != 3 || x.Dim(0) != 3 || x.Dims() != 1 {
		t.Errorf("String() = %q, want %q", got, want)
	}
	x.Data()[0] = 5 // shared, as a Tensor's data is
	if x.Data()[0] != 5 {
		t.Error("Data is not shared with the index array")
	}
	var se *tensor.ShapeError
	if _, err := tensor.NewMask([]bool{true}, 2); !errors.As(err, &se) {
		t.Errorf("NewMask with 1 value for 2 elements: err = %v, want a *ShapeError", err)
	}
	if _, err := tensor.NewIndex([]int{1, 2}, -2); !errors.As(err, &se) {
		t.Errorf("NewIndex with a negative dimension: err = %v, want a *ShapeError", err)
	}
}
