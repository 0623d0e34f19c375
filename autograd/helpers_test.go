package autograd_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// approxEqual reports whether got equals want by the rule of
// cmpopts.EquateApprox(frac, marg) with EquateNaNs: NaN equals NaN, two
// finite values are equal when they differ by at most marg or frac times
// the smaller magnitude, and others only when ==. Tests call it before
// cmp.Diff, whose reflection made up much of the package's time under the
// race detector, and leave a false to the diff to decide and show.
func approxEqual[T autograd.Float](want, got []T, frac, marg float64) bool {
	if len(want) != len(got) {
		return false
	}
	for i, w := range want {
		x, y := float64(w), float64(got[i])
		switch {
		case x == y, math.IsNaN(x) && math.IsNaN(y):
		case math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y):
			return false
		case math.Abs(x-y) > max(marg, frac*min(math.Abs(x), math.Abs(y))):
			return false
		}
	}
	return true
}

// sameBitsNested reports whether a and b hold the same bits in the same
// shape, as cmp.Diff compares them (nil differs from empty); tests call it
// before the diff, which is slow under the race detector.
func sameBitsNested(a, b [][]uint64) bool {
	return (a == nil) == (b == nil) && slices.EqualFunc(a, b, func(x, y []uint64) bool {
		return (x == nil) == (y == nil) && slices.Equal(x, y)
	})
}

// V is the Var type most tests use.
type V = autograd.Var[float64]

// tensorView is what the tests compare: a tensor's shape and its elements
// widened to float64, so that cmp.Diff prints a readable difference.
type tensorView struct {
	Shape []int
	Data  []float64
}

func viewOf[T autograd.Float](x *tensor.Tensor[T]) tensorView {
	if x == nil {
		return tensorView{}
	}
	d := make([]float64, len(x.Data()))
	for i, v := range x.Data() {
		d[i] = float64(v)
	}
	return tensorView{Shape: x.Shape(), Data: d}
}

// view builds the expected side of a comparison.
func view(shape []int, data ...float64) tensorView { return tensorView{Shape: shape, Data: data} }

// approx compares within rtol = atol = tol, treats NaN as equal to NaN and a
// nil shape as equal to an empty one.
func approx(tol float64) cmp.Options {
	return cmp.Options{cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
}

// checkTensor reports a diff when got differs from want beyond tol.
func checkTensor[T autograd.Float](t testing.TB, what string, got *tensor.Tensor[T], want tensorView, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got nil tensor, want %v", what, want)
		return
	}
	if slices.Equal(want.Shape, got.Shape()) && approxEqual(want.Data, viewOf(got).Data, tol, tol) {
		return // approx's verdict, without the diff's reflection
	}
	if d := cmp.Diff(want, viewOf(got), approx(tol)); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// t64 builds a float64 tensor from literal data (a 0-d one when no shape).
func t64(data []float64, shape ...int) *tensor.Tensor[float64] {
	return tensor.MustNew(append([]float64(nil), data...), shape...)
}

// linearOf applies Linear to x[0] and x[1], with x[2] as the bias when
// there is one, so that table rows can give or leave out the bias.
func linearOf[T autograd.Float](x []*autograd.Var[T]) *autograd.Var[T] {
	var b *autograd.Var[T]
	if len(x) > 2 {
		b = x[2]
	}
	return autograd.Linear(x[0], x[1], b)
}

// newRand returns a deterministic generator for the given seed.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0xad301e7)) }

// panicValue runs f and returns what it panicked with (nil if it did not).
func panicValue(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// mustPanicError runs f, which must panic with an error value, and returns it.
func mustPanicError(t testing.TB, f func()) error {
	t.Helper()
	r := panicValue(f)
	if r == nil {
		t.Fatalf("did not panic")
	}
	err, ok := r.(error)
	if !ok {
		t.Fatalf("panicked with %T (%v), want an error value", r, r)
	}
	return err
}

// checkUsagePanic reports an error unless f panics with a *UsageError
// whose message is want.
func checkUsagePanic(t testing.TB, f func(), want string) {
	t.Helper()
	var ue *autograd.UsageError
	if err := mustPanicError(t, f); !errors.As(err, &ue) || err.Error() != want {
		t.Errorf("panic %v, want *UsageError %q", err, want)
	}
}

// mustShapeError runs f, which must panic with a *tensor.ShapeError of
// package autograd, and returns it.
func mustShapeError(t testing.TB, f func()) *tensor.ShapeError {
	t.Helper()
	err := mustPanicError(t, f)
	var se *tensor.ShapeError
	if !errors.As(err, &se) {
		t.Fatalf("panicked with %T (%v), want *tensor.ShapeError", err, err)
	}
	if se.Pkg != "autograd" {
		t.Errorf("ShapeError.Pkg = %q, want %q (error: %v)", se.Pkg, "autograd", se)
	}
	return se
}

// failOnPanic turns a panic in the rest of a (sub)test into a failure of that
// test alone, so that one broken op does not hide the rest of a table. Defer
// it directly.
func failOnPanic(t testing.TB) {
	t.Helper()
	if r := recover(); r != nil {
		t.Fatalf("panicked: %v", r)
	}
}
