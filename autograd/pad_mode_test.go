package autograd_test

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestPadWithAxesGradcheck checks PadWith's 1-D, 2-D and 3-D padding in
// every mode, with cropping, and Pad's cropping, against finite
// differences, to second order.
func TestPadWithAxesGradcheck(t *testing.T) {
	tests := []struct {
		shape  []int
		widths [][2]int
		mode   autograd.PadMode
	}{
		{[]int{2, 7}, [][2]int{{0, 0}, {3, -2}}, autograd.PadReflect},
		{[]int{5}, [][2]int{{4, 2}}, autograd.PadReplicate},
		{[]int{2, 3, 4, 3}, [][2]int{{0, 0}, {2, 1}, {1, -1}, {0, 3}}, autograd.PadReplicate},
		{[]int{1, 3, 4, 5}, [][2]int{{0, 0}, {1, -2}, {-1, 2}, {3, -1}}, autograd.PadReflect},
		{[]int{2, 3, 4, 5}, [][2]int{{0, 0}, {2, -1}, {1, 3}, {-2, 2}}, autograd.PadCircular},
		{[]int{3, 2, 4}, [][2]int{{1, -2}, {0, 0}, {2, 1}}, autograd.PadConstant},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %v %v", tt.mode, tt.shape, tt.widths), func(t *testing.T) {
			f := func(in []*V) *V { return autograd.PadWith(in[0], tt.widths, tt.mode, 0.5) }
			xs := []*tensor.Tensor[float64]{idxRand(11, tt.shape...)}
			gradcheck.Assert(t, f, xs)
			gradcheck.AssertGradGrad(t, f, xs)
		})
	}
	t.Run("Pad negative widths", func(t *testing.T) {
		f := func(in []*V) *V { return autograd.Square(autograd.Pad(in[0], [][2]int{{-1, 2}, {1, -2}, {0, 0}}, 0.5)) }
		xs := []*tensor.Tensor[float64]{idxRand(12, 3, 4, 2)}
		gradcheck.Assert(t, f, xs)
		gradcheck.AssertGradGrad(t, f, xs)
	})
}

// TestPadWithAxesValues checks padded values and gradients on small
// inputs: 1-D reflect and circular rows of a 2-D input, a 3-D replicate
// pad, and Pad's cropping with the fill value.
func TestPadWithAxesValues(t *testing.T) {
	row := tensor.MustNew([]float64{1, 2, 3, 4}, 1, 4)
	cube := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 2, 2, 2)
	tests := []struct {
		name      string
		x         *tensor.Tensor[float64]
		f         func(x *V) *V
		want      []float64
		wantShape []int
		wantGrad  []float64
	}{
		{"reflect 1-D", row, func(x *V) *V { return autograd.PadWith(x, [][2]int{{0, 0}, {2, -1}}, autograd.PadReflect, 0) },
			[]float64{3, 2, 1, 2, 3}, []int{1, 5}, []float64{1, 2, 2, 0}},
		{"circular 1-D", row, func(x *V) *V { return autograd.PadWith(x, [][2]int{{0, 0}, {-1, 3}}, autograd.PadCircular, 0) },
			[]float64{2, 3, 4, 2, 3, 4}, []int{1, 6}, []float64{0, 2, 2, 2}},
		// Axis 0 replicated once before: the first 2×2 block twice.
		{"replicate 3-D", cube, func(x *V) *V {
			return autograd.PadWith(x, [][2]int{{1, 0}, {0, -1}, {0, 1}}, autograd.PadReplicate, 0)
		}, []float64{1, 2, 2, 1, 2, 2, 5, 6, 6}, []int{3, 1, 3}, []float64{2, 4, 0, 0, 1, 2, 0, 0}},
		{"Pad crop", cube, func(x *V) *V { return autograd.Pad(x, [][2]int{{-1, 0}, {1, -1}, {0, 0}}, -9) },
			[]float64{-9, -9, 5, 6}, []int{1, 2, 2}, []float64{0, 0, 0, 0, 1, 1, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := autograd.Param(tt.x)
			y := tt.f(x)
			if diff := cmp.Diff(tt.wantShape, y.Shape()); diff != "" {
				t.Errorf("shape (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, y.Value().Data()); diff != "" {
				t.Errorf("value (-want +got):\n%s", diff)
			}
			autograd.Sum(y).Backward()
			if diff := cmp.Diff(tt.wantGrad, x.Grad().Data()); diff != "" {
				t.Errorf("gradient (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPadWithAxesErrors checks PyTorch's rules on the axes PadWith pads.
func TestPadWithAxesErrors(t *testing.T) {
	x := autograd.Const(tensor.Zeros[float64](1, 2, 3, 4))
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"replicate the 4th axis from the end", func() {
			autograd.PadWith(x, [][2]int{{1, 0}, {0, 0}, {0, 0}, {0, 0}}, autograd.PadReplicate, 0)
		}, "autograd: PadWith: widths [[1 0] [0 0] [0 0] [0 0]]: replicate mode pads only the last 3 axes (constant mode pads any axis): [1 2 3 4]"},
		{"reflect the 3rd axis from the end too wide", func() {
			autograd.PadWith(x, [][2]int{{0, 0}, {0, 2}, {0, 0}, {0, 0}}, autograd.PadReflect, 0)
		}, "autograd: PadWith: widths [[0 0] [0 2] [0 0] [0 0]]: reflect widths [0 2] of axis 1 must be less than its length 2: [1 2 3 4]"},
		{"circular wraps twice", func() {
			autograd.PadWith(x, [][2]int{{0, 0}, {0, 0}, {4, 0}, {0, 0}}, autograd.PadCircular, 0)
		}, "autograd: PadWith: widths [[0 0] [0 0] [4 0] [0 0]]: circular widths [4 0] of axis 2 must be at most the length 3 left after cropping: [1 2 3 4]"},
		{"constant crops below 0", func() {
			autograd.PadWith(x, [][2]int{{-1, -1}, {0, 0}, {0, 0}, {0, 0}}, autograd.PadConstant, 0)
		}, "autograd: PadWith: widths [[-1 -1] [0 0] [0 0] [0 0]]: axis 0 of length 1 cropped by [-1 -1] would have a negative length: [1 2 3 4]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				e, ok := recover().(*tensor.ShapeError)
				if !ok {
					t.Fatalf("want a *tensor.ShapeError panic, got %v", e)
				}
				if e.Error() != tt.want {
					t.Errorf("got %q\nwant %q", e.Error(), tt.want)
				}
			}()
			tt.f()
		})
	}
}
