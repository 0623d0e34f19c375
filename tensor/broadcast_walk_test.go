package tensor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// walkRun is one call of BroadcastWalk.Each.
type walkRun struct {
	Off, N int
	O, S   [3]int
}

func TestBroadcastWalkRuns(t *testing.T) {
	mask := func(shape ...int) *Mask { return FullMask(false, shape...) }
	tests := []struct {
		name string
		out  Shaped
		xs   []Shaped
		want []walkRun
	}{
		{
			name: "row, column and mask over a [2 3] result",
			out:  Zeros[float64](2, 3),
			xs:   []Shaped{Zeros[float64](3), Zeros[float32](2, 1), mask(2, 3)},
			want: []walkRun{
				{Off: 0, N: 3, O: [3]int{0, 0, 0}, S: [3]int{1, 0, 1}},
				{Off: 3, N: 3, O: [3]int{0, 1, 3}, S: [3]int{1, 0, 1}},
			},
		},
		{
			name: "0-d operand over a [2 1 2] result",
			out:  Zeros[float64](2, 1, 2),
			xs:   []Shaped{Zeros[float64](), Zeros[float64](2, 1, 1)},
			want: []walkRun{
				{Off: 0, N: 2, O: [3]int{0, 0, 0}, S: [3]int{0, 0, 0}},
				{Off: 2, N: 2, O: [3]int{0, 1, 0}, S: [3]int{0, 0, 0}},
			},
		},
		{
			name: "0-d result",
			out:  Zeros[float64](),
			xs:   []Shaped{Zeros[float64]()},
			want: []walkRun{{Off: 0, N: 1}},
		},
		{
			name: "empty result",
			out:  Zeros[float64](0, 3),
			xs:   []Shaped{Zeros[float64](3)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w BroadcastWalk
			w.Reset("Test", tt.out, tt.xs...)
			var got []walkRun
			w.Each(func(off, n int, o, s [3]int) { got = append(got, walkRun{off, n, o, s}) })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("runs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestBroadcastWalkPanics(t *testing.T) {
	out := Zeros[float64](2, 3)
	wantShapePanic(t, "tensor: Test: shapes do not broadcast to the result's: [2 3] x [2]", func() {
		var w BroadcastWalk
		w.Reset("Test", out, Zeros[float64](2))
	})
	wantShapePanic(t, "tensor: Test: more than three operands: [2 3] x [3] x [3] x [3] x [3]", func() {
		var w BroadcastWalk
		x := Zeros[float64](3)
		w.Reset("Test", out, x, x, x, x)
	})
}
