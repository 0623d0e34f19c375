package tensor

import (
	"math"
	"testing"
	"time"
)

// TestDiagonalExtremeOffsets: an offset beyond the matrix gives an empty
// diagonal, as torch.diagonal does, even at the ends of int's range
// (math.MinInt used to negate to itself and give the main diagonal).
func TestDiagonalExtremeOffsets(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
	for _, off := range []int{math.MinInt, math.MinInt + 1, -3, -2, 3, math.MaxInt} {
		if got := AppendDiagonalShape(nil, x.shape, off, 0, 1); len(got) != 1 || got[0] != 0 {
			t.Errorf("offset %d: shape %v, want [0]", off, got)
		}
		d := Zeros[float64](0)
		DiagonalInto(d, x, off, 0, 1)
		DiagonalAddInto(x, d, off, 0, 1)
	}
	checkTensor(t, "x after empty adds", x, []int{2, 3}, []float64{1, 2, 3, 4, 5, 6}, 0)
	wantShapePanic(t, "tensor: DiagonalInto: the diagonal's shape differs: [2 3] x [2]", func() {
		DiagonalInto(Zeros[float64](2), x, math.MinInt, 0, 1)
	})
	// The last diagonal on each side is one element.
	for _, c := range []struct {
		off  int
		want float64
	}{{-1, 4}, {2, 3}} {
		d := Zeros[float64](1)
		DiagonalInto(d, x, c.off, 0, 1)
		checkTensor(t, "diagonal", d, []int{1}, []float64{c.want}, 0)
	}
}

// TestRepeatOverflow: repeats whose sum (RepeatInterleave) or product with
// the axis (Repeat) overflows int panic with a *ShapeError, where the
// wrapped size could match a small dst (an index panic, a hang, or a
// silently wrong tile).
func TestRepeatOverflow(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4}, 4)
	q := 1 << 62
	// q·4 wraps to 0, the size of this dst.
	wantShapePanic(t, "tensor: RepeatInterleave: the repeats add up past the largest int (4611686018427387904 + 4611686018427387904): [4]",
		func() { RepeatInterleaveInto(Zeros[float64](0), x, []int{q, q, q, q}, 0) })
	wantShapePanic(t, "tensor: RepeatInterleave: the repeats add up past the largest int (4611686018427387904 + 4611686018427387904): [4]",
		func() { AppendRepeatInterleaveShape(nil, x.shape, []int{q}, 0) })
	// 3·6148914691236517206 wraps to 2.
	x3 := MustNew([]float64{1, 2, 3}, 3)
	wantShapePanic(t, "tensor: Repeat: axis 0 of size 3 repeated 6148914691236517206 times overflows int: [3]",
		func() { RepeatInto(Zeros[float64](2), x3, []int{6148914691236517206}) })
}

// TestRepeatInterleaveEmptyHugeRepeats: repeats of an axis whose slices
// are empty write nothing, at once, however many they are (the loop ran
// through every empty repeat).
func TestRepeatInterleaveEmptyHugeRepeats(t *testing.T) {
	x := Zeros[float64](2, 0)
	q := math.MaxInt / 2
	dst := Zeros[float64](2*q, 0)
	done := make(chan struct{})
	go func() {
		RepeatInterleaveInto(dst, x, []int{q, q}, 0)
		RepeatInterleaveAddInto(x, dst, []int{q, q}, 0)
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("still running after 10s")
	}
}
