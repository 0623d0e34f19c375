package layers_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/safetensors"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// tensorView is what the tests compare: a shape and its elements widened to
// float64, so that cmp.Diff prints a readable difference.
type tensorView struct {
	Shape []int
	Data  []float64
}

func viewOf[T tensor.Float](x *tensor.Tensor[T]) tensorView {
	d := make([]float64, x.Len())
	for i, v := range x.Data() {
		d[i] = float64(v)
	}
	return tensorView{Shape: x.Shape(), Data: d}
}

func view(shape []int, data ...float64) tensorView {
	return tensorView{Shape: shape, Data: data}
}

// approx compares with relative and absolute tolerance tol, treats NaN as
// equal to NaN, and does not distinguish a nil slice from an empty one.
func approx(tol float64) cmp.Options {
	return cmp.Options{cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
}

// tolFor is the default comparison tolerance for T.
func tolFor[T tensor.Float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 1e-6
	}
	return 1e-12
}

// mat builds a float64 tensor from rows, for readable literals.
func mat(rows ...[]float64) *tensor.Tensor[float64] {
	var d []float64
	for _, r := range rows {
		if len(r) != len(rows[0]) {
			panic("mat: ragged rows")
		}
		d = append(d, r...)
	}
	return tensor.MustNew(d, len(rows), len(rows[0]))
}

// vec builds a 1-D float64 tensor.
func vec(v ...float64) *tensor.Tensor[float64] { return tensor.MustNew(v, len(v)) }

// convert returns a copy of x with element type T.
func convert[T tensor.Float](x *tensor.Tensor[float64]) *tensor.Tensor[T] {
	d := make([]T, x.Len())
	for i, v := range x.Data() {
		d[i] = T(v)
	}
	return tensor.MustNew(d, x.Shape()...)
}

// randTensor draws a tensor uniform in [-1, 1) from a fixed-seed generator.
func randTensor(rng *rand.Rand, shape ...int) *tensor.Tensor[float64] {
	return tensor.RandUniform(rng, -1.0, 1.0, shape...)
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// panicValue runs f and returns what it panicked with (nil if it did not).
func panicValue(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// shapePanic runs f, which must panic with a *tensor.ShapeError, and returns
// that error; it fails the test otherwise.
func shapePanic(t *testing.T, f func()) *tensor.ShapeError {
	t.Helper()
	r := panicValue(f)
	if r == nil {
		t.Fatalf("did not panic")
	}
	err, ok := r.(error)
	if !ok {
		t.Fatalf("panicked with %T %v, want a *tensor.ShapeError", r, r)
	}
	var se *tensor.ShapeError
	if !errors.As(err, &se) {
		t.Fatalf("panicked with %T %v, want a *tensor.ShapeError", err, err)
	}
	return se
}

// bitsEqual reports whether a and b hold the same shape and bit-identical
// elements.
func bitsEqual[T tensor.Float](a, b *tensor.Tensor[T]) bool {
	if fmt.Sprint(a.Shape()) != fmt.Sprint(b.Shape()) {
		return false
	}
	for i, v := range a.Data() {
		if math.Float64bits(float64(v)) != math.Float64bits(float64(b.Data()[i])) {
			return false
		}
	}
	return true
}

func constOf(x *tensor.Tensor[float64]) *autograd.Var[float64] { return autograd.Const(x) }

// argPanic runs f, which must panic with a *layers.ArgError, and returns it.
func argPanic(t *testing.T, f func()) *layers.ArgError {
	t.Helper()
	r := panicValue(f)
	err, ok := r.(error)
	var ae *layers.ArgError
	if !ok || !errors.As(err, &ae) {
		t.Fatalf("panicked with %T %v, want a *layers.ArgError", r, r)
	}
	return ae
}

// saveRead saves m as a model file and reads it back: the bytes and the
// parsed file.
func saveRead[T tensor.Float](t *testing.T, m layers.Module[T]) ([]byte, *safetensors.File) {
	t.Helper()
	var b bytes.Buffer
	if err := layers.Save(&b, m); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), f
}
