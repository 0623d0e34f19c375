package tensor

import (
	"slices"
	"strings"
	"testing"
)

// TestPadMapInto checks the map kernel on a 3-D input: a fill row from a
// leading axis, a reversed middle axis and a repeated last position, and
// its adjoint's sums where positions are read twice, with beta 0 and 1.
func TestPadMapInto(t *testing.T) {
	x := MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3)
	maps := [][]int{{1, -1}, {1, 0}, {2, 2, 0}}
	out := Zeros[float64](2, 2, 3)
	PadMapInto(out, x, maps, -1)
	want := []float64{12, 12, 10, 9, 9, 7, -1, -1, -1, -1, -1, -1}
	if !slices.Equal(out.Data(), want) {
		t.Errorf("PadMapInto = %v, want %v", out.Data(), want)
	}
	g := MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3)
	dx := Full(100.0, 2, 2, 3)
	PadMapAdjointInto(dx, g, maps, 0)
	wantDx := []float64{0, 0, 0, 0, 0, 0, 6, 0, 9, 3, 0, 3}
	if !slices.Equal(dx.Data(), wantDx) {
		t.Errorf("PadMapAdjointInto = %v, want %v", dx.Data(), wantDx)
	}
	PadMapAdjointInto(dx, g, maps, 1)
	for i := range wantDx {
		wantDx[i] *= 2
	}
	if !slices.Equal(dx.Data(), wantDx) {
		t.Errorf("PadMapAdjointInto with beta 1 = %v, want %v", dx.Data(), wantDx)
	}
}

// TestPadMapIntoErrors checks that maps that do not fit panic, naming the
// kernel and the axis.
func TestPadMapIntoErrors(t *testing.T) {
	x := Zeros[float64](2, 3)
	for _, tt := range []struct {
		name string
		out  *Tensor[float64]
		maps [][]int
		want string
	}{
		{"too few maps", Zeros[float64](2, 3), [][]int{{0, 1}}, "1 maps for input and output of ranks 2 and 2"},
		{"map length", Zeros[float64](2, 3), [][]int{{0, 1}, {0, 1}}, "axis 1: 2 map entries for an output of size 3"},
		{"map range", Zeros[float64](2, 3), [][]int{{0, 2}, {0, 1, 2}}, "axis 0: output 1 reads 2, outside [0, 2)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				e, ok := recover().(*ShapeError)
				if !ok || !strings.Contains(e.Error(), "PadMapInto: "+tt.want) {
					t.Errorf("panic %v, want a *ShapeError saying %q", e, tt.want)
				}
			}()
			PadMapInto(tt.out, x, tt.maps, 0)
		})
	}
}
