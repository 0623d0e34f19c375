package tensor

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// tensorView is what the tests compare: a tensor's shape and its elements
// widened to float64, so that cmp.Diff prints a readable difference.
type tensorView struct {
	Shape []int
	Data  []float64
}

func viewOf[T Float](x *Tensor[T]) tensorView {
	d := make([]float64, len(x.Data()))
	for i, v := range x.Data() {
		d[i] = float64(v)
	}
	return tensorView{Shape: x.Shape(), Data: d}
}

// tolFor returns the default relative (and absolute) tolerance for T.
func tolFor[T Float]() float64 {
	var z T
	if _, ok := any(z).(float32); ok {
		return 1e-5
	}
	return 1e-12
}

// tensorOpts compares approximately, treats NaN as equal to NaN, and does not
// distinguish a nil shape from an empty one.
func tensorOpts(tol float64) cmp.Options {
	return cmp.Options{cmpopts.EquateApprox(tol, tol), cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}
}

// diffTensor returns "" when got has shape wantShape and elements wantData
// (within tol), and a cmp diff (-want +got) otherwise.
func diffTensor[T Float](got *Tensor[T], wantShape []int, wantData []float64, tol float64) string {
	if slices.Equal(got.Shape(), wantShape) && withinTol(got.Data(), wantData, tol) {
		return "" // what the diff would say, without its reflection (most of the race run's time)
	}
	want := tensorView{Shape: wantShape, Data: wantData}
	return cmp.Diff(want, viewOf(got), tensorOpts(tol))
}

// withinTol reports whether got and want are equal by the rule of
// tensorOpts: NaN equals NaN, and two finite values are equal when they
// differ by at most tol, or tol times the smaller magnitude. A false is left
// to cmp.Diff to decide and show.
func withinTol[T Float](got []T, want []float64, tol float64) bool {
	if len(got) != len(want) {
		return false
	}
	for i, g := range got {
		x, y := float64(g), want[i]
		switch {
		case x == y, math.IsNaN(x) && math.IsNaN(y):
		case math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y):
			return false
		case math.Abs(x-y) > max(tol, tol*min(math.Abs(x), math.Abs(y))):
			return false
		}
	}
	return true
}

// checkTensor fails the test when got differs from (wantShape, wantData).
func checkTensor[T Float](t *testing.T, name string, got *Tensor[T], wantShape []int, wantData []float64, tol float64) {
	t.Helper()
	if got == nil {
		t.Fatalf("%s: got nil tensor", name)
	}
	if d := diffTensor(got, wantShape, wantData, tol); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", name, d)
	}
}

// shapePanic runs f and returns the *ShapeError it panics with. The test
// fails when f does not panic or panics with something else.
func shapePanic(t *testing.T, f func()) (se *ShapeError) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want a *ShapeError")
			return
		}
		err, ok := r.(error)
		if !ok {
			t.Errorf("panic value %T (%v) is not an error, want a *ShapeError", r, r)
			return
		}
		if !errors.As(err, &se) {
			t.Errorf("panic %T (%v) is not a *ShapeError", err, err)
		}
	}()
	f()
	return nil
}

// wantShapePanic checks that f panics with a *ShapeError whose message is
// exactly msg.
func wantShapePanic(t *testing.T, msg string, f func()) {
	t.Helper()
	se := shapePanic(t, f)
	if se == nil {
		return
	}
	if se.Error() != msg {
		t.Errorf("panic message = %q, want %q", se.Error(), msg)
	}
}

// ---- naive index arithmetic for the reference implementations ----

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// unravel converts a row-major flat offset into a multi-index of shape.
func unravel(off int, shape []int) []int {
	idx := make([]int, len(shape))
	for i := len(shape) - 1; i >= 0; i-- {
		idx[i] = off % shape[i]
		off /= shape[i]
	}
	return idx
}

// ravel converts a multi-index into a row-major flat offset.
func ravel(idx, shape []int) int {
	off := 0
	for i, x := range idx {
		off = off*shape[i] + x
	}
	return off
}

// projectIndex maps an index of the broadcast shape big to the index of an
// operand of shape small that broadcasts to it (trailing alignment, index 0
// along size-1 axes).
func projectIndex(bigIdx, small []int) []int {
	off := len(bigIdx) - len(small)
	idx := make([]int, len(small))
	for i, d := range small {
		if d != 1 {
			idx[i] = bigIdx[off+i]
		}
	}
	return idx
}

// naiveBinary computes f(a, b) elementwise over the broadcast shape out,
// one output element at a time with explicit index arithmetic.
func naiveBinary(out []int, aShape []int, a []float64, bShape []int, b []float64, f func(x, y float64) float64) []float64 {
	res := make([]float64, numel(out))
	for o := range res {
		idx := unravel(o, out)
		x := a[ravel(projectIndex(idx, aShape), aShape)]
		y := b[ravel(projectIndex(idx, bShape), bShape)]
		res[o] = f(x, y)
	}
	return res
}

// naiveSumTo sums data of shape src into the shape dst that broadcasts to it.
func naiveSumTo(src []int, data []float64, dst []int) []float64 {
	res := make([]float64, numel(dst))
	for o, v := range data {
		idx := unravel(o, src)
		res[ravel(projectIndex(idx, dst), dst)] += v
	}
	return res
}

// naiveBroadcast expands data of shape src to the shape dst.
func naiveBroadcast(src []int, data []float64, dst []int) []float64 {
	res := make([]float64, numel(dst))
	for o := range res {
		res[o] = data[ravel(projectIndex(unravel(o, dst), src), src)]
	}
	return res
}

// toF64 widens a slice for use as a reference.
func toF64[T Float](xs []T) []float64 {
	out := make([]float64, len(xs))
	for i, v := range xs {
		out[i] = float64(v)
	}
	return out
}

// randData returns n values uniform in [-2, 2), exactly representable in T.
func randData[T Float](rng *rand.Rand, n int) []T {
	d := make([]T, n)
	for i := range d {
		d[i] = T(4*rng.Float64() - 2)
	}
	return d
}

// randNonZero returns n values with magnitude in [0.5, 2) and a random sign,
// safe to divide by.
func randNonZero[T Float](rng *rand.Rand, n int) []T {
	d := make([]T, n)
	for i := range d {
		v := 0.5 + 1.5*rng.Float64()
		if rng.IntN(2) == 0 {
			v = -v
		}
		d[i] = T(v)
	}
	return d
}

// randInts returns n small integer values in [-5, 5], so that sums of them
// are exact in float32 as well as float64.
func randInts[T Float](rng *rand.Rand, n int) []T {
	d := make([]T, n)
	for i := range d {
		d[i] = T(rng.IntN(11) - 5)
	}
	return d
}

// seq returns 1, 2, ..., n as T.
func seq[T Float](n int) []T {
	d := make([]T, n)
	for i := range d {
		d[i] = T(i + 1)
	}
	return d
}
