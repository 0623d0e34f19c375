package data_test

import (
	"errors"
	"testing"

	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/adjoint-go/adjoint/tensor"
)

// tableView is what the tests compare: a table's names, rows and source
// lines as plain values, so that cmp.Diff prints a readable difference.
type tableView struct {
	Names []string
	Rows  [][]float64
	Lines []int
}

// viewTable returns t as a tableView.
func viewTable(t *data.Table) tableView {
	v := tableView{Names: t.Names()}
	for i := range t.Rows() {
		v.Rows = append(v.Rows, append([]float64{}, t.Row(i)...))
		v.Lines = append(v.Lines, t.Line(i))
	}
	return v
}

// tensorView is a tensor's shape and elements widened to float64.
type tensorView struct {
	Shape []int
	Data  []float64
}

// viewTensor returns x as a tensorView.
func viewTensor[T tensor.Float](x *tensor.Tensor[T]) tensorView {
	d := make([]float64, x.Len())
	for i, v := range x.Data() {
		d[i] = float64(v)
	}
	return tensorView{Shape: x.Shape(), Data: d}
}

// mustTable builds a table from rows, failing the test on error.
func mustTable(t *testing.T, names []string, rows ...[]float64) *data.Table {
	t.Helper()
	tab, err := data.FromRows(names, rows)
	if err != nil {
		t.Fatalf("FromRows: %v", err)
	}
	return tab
}

// wantShapePanic runs f and fails the test unless it panics with a
// *tensor.ShapeError of package data for operation op.
func wantShapePanic(t *testing.T, op string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		err, _ := r.(error)
		var se *tensor.ShapeError
		if !errors.As(err, &se) || se.Pkg != "data" || se.Op != op {
			t.Errorf("%s: recovered %v, want a *tensor.ShapeError from data.%s", op, r, op)
		}
	}()
	f()
}

// transformer is a fitted scaler.
type transformer interface {
	Transform(*data.Table) (*data.Table, error)
}

// mustTransform returns s.Transform(x), failing the test on error.
func mustTransform(t *testing.T, s transformer, x *data.Table) *data.Table {
	t.Helper()
	out, err := s.Transform(x)
	if err != nil {
		t.Fatalf("Transform: %v", err)
	}
	return out
}
