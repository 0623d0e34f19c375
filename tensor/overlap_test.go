package tensor

import (
	"strings"
	"testing"
)

// overlapCase is a kernel called with a destination that shares memory
// with an operand, and the op its *ShapeError must name.
type overlapCase struct {
	name, op string
	f        func()
}

// checkOverlapPanics runs each case and checks that it panics with a
// *ShapeError naming its op and saying that memory is shared: each of these
// kernels gave a silently wrong result (or an untyped panic) instead.
func checkOverlapPanics(t *testing.T, cases []overlapCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			se := shapePanic(t, c.f)
			if se == nil {
				return
			}
			if se.Op != c.op || !strings.Contains(se.Reason, "shares memory") {
				t.Errorf("panic %q: want op %s and a reason about shared memory", se.Error(), c.op)
			}
		})
	}
}

// identityTaps maps an axis of n onto itself, one tap of weight 1 each.
func identityTaps(n int) AxisTaps[float64] {
	a := AxisTaps[float64]{In: n, Step: 1, Lo: make([]int, n), N: make([]int, n), W0: make([]float64, n), W: make([]float64, n)}
	for i := range n {
		a.Lo[i], a.N[i], a.W0[i] = i, 1, 1
	}
	return a
}

// TestIndexKernelsRefuseSharedMemory: the gather, scatter, padding and
// resampling kernels refuse a destination that shares memory with their
// source, as the package documents.
func TestIndexKernelsRefuseSharedMemory(t *testing.T) {
	x := MustNew([]float64{1, 2, 3}, 3)
	sq := MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3)
	id := [][]int{{0, 1, 2}, {0, 1, 2}}
	rows := identityTaps(3)
	idx := make([]int, 9)
	for i := range idx {
		idx[i] = i
	}
	// The second half of a buffer as a view: partial overlap counts too.
	buf := MustNew([]float64{1, 2, 3, 4, 5, 6}, 6)
	lo, hi := MustNew(buf.data[:3], 3), MustNew(buf.data[2:5], 3)
	checkOverlapPanics(t, []overlapCase{
		{"ScatterAddAlongInto", "ScatterAddAlongInto", func() { ScatterAddAlongInto(x, x, []int{1, 2, 0}, 0) }},
		{"ScatterAddAlongInto/partial", "ScatterAddAlongInto", func() { ScatterAddAlongInto(hi, lo, []int{1, 2, 0}, 0) }},
		{"GatherAlongInto", "GatherAlongInto", func() { GatherAlongInto(x, x, []int{1, 2, 0}, 0) }},
		{"PadMapAdjointInto", "PadMapAdjointInto", func() { PadMapAdjointInto(sq, sq, id, 1) }},
		{"Resample2DInto", "Resample2DInto", func() { Resample2DInto(sq, sq, rows, rows, 0) }},
		{"Resample2DAdjointInto", "Resample2DAdjointInto", func() { Resample2DAdjointInto(sq, sq, rows, rows, 1) }},
		{"WindowMax2DInto", "WindowMax2DInto", func() { WindowMax2DInto(sq, idx, sq, rows, rows) }},
		{"ScatterAddPlanesInto", "ScatterAddPlanesInto", func() { ScatterAddPlanesInto(sq, sq, idx, 0) }},
		{"ScatterPlanesInto", "ScatterPlanesInto", func() { ScatterPlanesInto(sq, sq, idx) }},
		{"GatherPlanesInto", "GatherPlanesInto", func() { GatherPlanesInto(sq, sq, idx) }},
	})
}

// TestScatterAddAlongIntoDistinctBuffers pins the value the shared-memory
// case got wrong ([7 3 6]): scattering [1 2 3] by [1 2 0] into a copy of
// itself gives [1+3 2+1 3+2].
func TestScatterAddAlongIntoDistinctBuffers(t *testing.T) {
	x := MustNew([]float64{1, 2, 3}, 3)
	dst := x.Clone()
	ScatterAddAlongInto(dst, x, []int{1, 2, 0}, 0)
	checkTensor(t, "ScatterAddAlongInto", dst, []int{3}, []float64{4, 3, 5}, 0)
}
