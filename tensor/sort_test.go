package tensor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSortStableAndNaN(t *testing.T) {
	nan := math.NaN()
	x := MustNew([]float64{2, nan, 1, 2, 1, nan}, 6)
	tests := []struct {
		desc     bool
		wantVals []float64
		wantIdx  []int
	}{
		// Equal values keep their order in both directions; NaN is the largest.
		{false, []float64{1, 1, 2, 2, nan, nan}, []int{2, 4, 0, 3, 1, 5}},
		{true, []float64{nan, nan, 2, 2, 1, 1}, []int{1, 5, 0, 3, 2, 4}},
	}
	for _, tc := range tests {
		v, idx := Sort(x, 0, tc.desc)
		checkTensor(t, "values", v, []int{6}, tc.wantVals, 0)
		if d := cmp.Diff(tc.wantIdx, idx.Data()); d != "" {
			t.Errorf("descending %t: indices (-want +got):\n%s", tc.desc, d)
		}
	}
}

// TestArgsortMatchesSlicesSortStable compares with the standard library's
// stable sort, along every axis of shapes with many ties, across the
// insertion runs and merges.
func TestArgsortMatchesSlicesSortStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, shape := range [][]int{{1}, {7}, {3, 40}, {33, 2, 5}, {0, 3}} {
		x := Zeros[float32](shape...)
		for i := range x.Data() {
			x.Data()[i] = float32(rng.IntN(6))
		}
		for axis := range shape {
			for _, desc := range []bool{false, true} {
				idx := Argsort(x, axis, desc)
				outer, n, inner := AlongAxis(shape, axis)
				for o := range outer {
					for k := range inner {
						at := func(p int) float32 { return x.Data()[(o*n+p)*inner+k] }
						want := make([]int, n)
						for i := range want {
							want[i] = i
						}
						slices.SortStableFunc(want, func(a, b int) int {
							if desc {
								return int(at(b) - at(a))
							}
							return int(at(a) - at(b))
						})
						got := make([]int, n)
						for i := range got {
							got[i] = idx.Data()[(o*n+i)*inner+k]
						}
						if d := cmp.Diff(want, got); d != "" {
							t.Fatalf("shape %v axis %d descending %t slice (%d, %d) (-want +got):\n%s", shape, axis, desc, o, k, d)
						}
					}
				}
			}
		}
	}
}

func TestArgsortIntoAllocatesNothing(t *testing.T) {
	x := RandUniform[float64](rand.New(rand.NewPCG(3, 4)), -1, 1, 8, 50)
	idx, scratch := make([]int, x.Len()), make([]int, 100)
	if n := testing.AllocsPerRun(10, func() { ArgsortInto(idx, x, -1, true, scratch) }); n != 0 {
		t.Errorf("ArgsortInto: %v allocations, want 0", n)
	}
}

func TestGatherScatterAlong(t *testing.T) {
	x := MustNew([]float64{
		10, 11, 12,
		20, 21, 22,
	}, 2, 3)
	out := Zeros[float64](2, 2)
	idx := []int{2, 0, 1, 1}
	GatherAlongInto(out, x, idx, 1)
	checkTensor(t, "gather", out, []int{2, 2}, []float64{12, 10, 21, 21}, 0)
	back := Zeros[float64](2, 3)
	ScatterAddAlongInto(back, MustNew([]float64{1, 2, 3, 4}, 2, 2), idx, -1)
	checkTensor(t, "scatter-add", back, []int{2, 3}, []float64{2, 0, 1, 0, 7, 0}, 0)
	wantShapePanic(t, "tensor: GatherAlongInto: index 3 out of range for an axis of 3: [2 3]", func() {
		GatherAlongInto(out, x, []int{3, 0, 0, 0}, 1)
	})
	wantShapePanic(t, "tensor: GatherAlongInto: shapes differ other than along axis 1, or 4 indices: [2 3] x [3 2]", func() {
		GatherAlongInto(Zeros[float64](3, 2), x, idx, 1)
	})
}

func TestSetIndex(t *testing.T) {
	var x Index
	shape := []int{2, 2}
	x.SetIndex([]int{1, 0, 0, 1}, shape...)
	if d := cmp.Diff([]int{2, 2}, x.Shape()); d != "" {
		t.Errorf("shape (-want +got):\n%s", d)
	}
	wantShapePanic(t, "tensor: SetIndex: 3 values for the shape: [2 2]", func() { x.SetIndex([]int{1, 2, 3}, 2, 2) })
}
