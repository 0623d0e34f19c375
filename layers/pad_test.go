package layers_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

var (
	_ layers.Module[float64] = (*layers.Pad1D[float64])(nil)
	_ layers.Module[float64] = (*layers.Pad3D[float64])(nil)
)

// TestPad1D3D checks the 1-D and 3-D padding layers' values (PyTorch's
// ReflectionPad1d, ReplicationPad3d, ... on the same inputs).
func TestPad1D3D(t *testing.T) {
	row := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4}, 1, 1, 4))
	cube := autograd.Const(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 1, 2, 2, 2))
	tests := []struct {
		name string
		pad  layers.Module[float64]
		x    *autograd.Var[float64]
		want tensorView
	}{
		// F.pad(x, (2, 1), mode="reflect")
		{"reflection 1-D", layers.NewReflectionPad1D[float64](2, 1), row, view([]int{1, 1, 7}, 3, 2, 1, 2, 3, 4, 3)},
		{"replication 1-D crops", layers.NewReplicationPad1D[float64](-1, 2), row, view([]int{1, 1, 5}, 2, 3, 4, 4, 4)},
		{"circular 1-D", layers.NewCircularPad1D[float64](1, 1), row, view([]int{1, 1, 6}, 4, 1, 2, 3, 4, 1)},
		{"constant 1-D", layers.NewConstantPad1D[float64](1, 0, 7), row, view([]int{1, 1, 5}, 7, 1, 2, 3, 4)},
		{"zero 1-D", layers.NewZeroPad1D[float64](0, 1), row, view([]int{1, 1, 5}, 1, 2, 3, 4, 0)},
		// F.pad(x, (0, 0, 0, 0, 1, 0), mode="replicate"): the first 2×2 plane twice.
		{"replication 3-D front", layers.NewReplicationPad3D[float64]([6]int{0, 0, 0, 0, 1, 0}), cube,
			view([]int{1, 3, 2, 2}, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8)},
		// F.pad(x, (1, 0, 0, -1, 0, 0), mode="reflect")
		{"reflection 3-D", layers.NewReflectionPad3D[float64]([6]int{1, 0, 0, -1, 0, 0}), cube,
			view([]int{1, 2, 1, 3}, 2, 1, 2, 6, 5, 6)},
		{"circular 3-D", layers.NewCircularPad3D[float64]([6]int{0, 0, 0, 0, 0, 1}), cube,
			view([]int{1, 3, 2, 2}, 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4)},
		{"constant 3-D", layers.NewConstantPad3D[float64]([6]int{0, 0, 1, -1, -1, 0}, 9), cube,
			view([]int{1, 1, 2, 2}, 9, 9, 5, 6)},
		{"zero 3-D", layers.NewZeroPad3D[float64]([6]int{0, 1, 0, 0, 0, 0}), cube,
			view([]int{1, 2, 2, 3}, 1, 2, 0, 3, 4, 0, 5, 6, 0, 7, 8, 0)},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, viewOf(tt.pad.Forward(tt.x).Value())); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestPad3DTooFewAxes checks that a 2-D input to Pad3D panics, naming the
// layer, its input's shape and its padding.
func TestPad3DTooFewAxes(t *testing.T) {
	e := shapePanic(t, func() {
		layers.NewZeroPad3D[float64]([6]int{}).Forward(autograd.Const(tensor.Zeros[float64](2, 2)))
	})
	if want := "layers: Pad3D: input must have at least 3 axes: [2 2] x [0 0 0 0 0 0]"; e.Error() != want {
		t.Errorf("got %q, want %q", e.Error(), want)
	}
}
