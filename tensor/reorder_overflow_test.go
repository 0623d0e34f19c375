package tensor

import (
	"math"
	"testing"
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
