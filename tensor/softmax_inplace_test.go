package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSoftmaxIntoInPlace: SoftmaxInto and LogSoftmaxInto may write over
// their input: the same bits as into a dst of its own, along a contiguous
// last axis (rows short and long, through each float32 path) and along an
// inner one, float32 and float64.
func TestSoftmaxIntoInPlace(t *testing.T) {
	testSoftmaxIntoInPlace[float32](t)
	testSoftmaxIntoInPlace[float64](t)
}

func testSoftmaxIntoInPlace[T Float](t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, shape := range [][]int{{3, 5}, {2, 1000}, {2, 3000}, {4, 3, 5}, {7}} {
		for axis := range len(shape) {
			for _, log := range []bool{false, true} {
				x := Zeros[T](shape...)
				for i := range x.data {
					x.data[i] = T(rng.NormFloat64() * 4)
				}
				x.data[0] = T(math.Inf(-1))
				want := Zeros[T](shape...)
				into := SoftmaxInto[T]
				if log {
					into = LogSoftmaxInto[T]
				}
				into(want, x, axis)
				into(x, x, axis)
				for i := range x.data {
					if math.Float64bits(float64(x.data[i])) != math.Float64bits(float64(want.data[i])) {
						t.Fatalf("%T %v axis %d log %v: element %d in place = %v, want %v", x.data[0], shape, axis, log, i, x.data[i], want.data[i])
					}
				}
			}
		}
	}
}

// TestSoftmaxIntoShiftedOverlap: a dst that overlaps t without being it
// (a shifted view of the same buffer) is refused: the rows would read
// elements already written.
func TestSoftmaxIntoShiftedOverlap(t *testing.T) {
	buf := []float64{1, 2, 3, 4, 5, 6, 7}
	x, dst := MustNew(buf[1:7], 2, 3), MustNew(buf[:6], 2, 3)
	wantShapePanic(t, "tensor: SoftmaxInto: dst overlaps an operand without being it: [2 3] x [2 3]", func() { SoftmaxInto(dst, x, 1) })
	wantShapePanic(t, "tensor: LogSoftmaxInto: dst overlaps an operand without being it: [2 3] x [2 3]", func() { LogSoftmaxInto(dst, x, -1) })
}
