package autograd_test

import (
	"fmt"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
)

// TestArenaEmptySelection: an index op that selects nothing (a mask with no
// true element, an empty index) gives an empty result and a zero gradient
// under an Arena, fresh or warm, and under an inference Arena, as without
// one and as in torch 1.13. It used to panic under an Arena: an empty list
// of offsets came back nil, which the tensor kernel reads as "every
// element".
func TestArenaEmptySelection(t *testing.T) {
	none := tensor.MustMask(make([]bool, 6), 2, 3)
	empty := tensor.MustIndex(nil, 0)
	for _, c := range []struct {
		name  string
		f     func(x *autograd.Var[float64]) *autograd.Var[float64]
		shape []int
	}{
		{"MaskedSelect", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.MaskedSelect(x, none) }, []int{0}},
		{"Gather", func(x *autograd.Var[float64]) *autograd.Var[float64] {
			return autograd.Gather(x, 1, tensor.MustIndex(nil, 2, 0))
		}, []int{2, 0}},
		{"IndexArrays", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.IndexArrays(x, empty) }, []int{0, 3}},
		{"IndexSelect", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.IndexSelect(x, 0, nil) }, []int{0, 3}},
		{"Unfold", func(x *autograd.Var[float64]) *autograd.Var[float64] { return autograd.Unfold(x, 1, 0, 1) }, []int{2, 4, 0}},
		{"IndexAdd", func(x *autograd.Var[float64]) *autograd.Var[float64] {
			return autograd.IndexAdd(x, 0, []int{}, autograd.Const(tensor.Zeros[float64](0, 3)), 1)
		}, []int{2, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			x := tensor.MustNew([]float64{1, 2, 3, 4, 5, 6}, 2, 3)
			wantGrad := make([]float64, 6)
			if c.name == "IndexAdd" { // the identity on x
				wantGrad = []float64{1, 1, 1, 1, 1, 1}
			}
			check := func(what string, ar *autograd.Arena[float64]) {
				t.Helper()
				p := autograd.Param(x.Clone())
				in := p
				if ar != nil {
					in = autograd.Add(p, ar.Const(tensor.Zeros[float64](2, 3)))
				}
				y := c.f(in)
				if diff := cmp.Diff(c.shape, y.Shape()); diff != "" {
					t.Errorf("%s: result shape (-want +got):\n%s", what, diff)
				}
				if ar != nil && ar.Inference() {
					return
				}
				autograd.Sum(y).Backward()
				if diff := cmp.Diff(wantGrad, p.Grad().Data()); diff != "" {
					t.Errorf("%s: gradient (-want +got):\n%s", what, diff)
				}
			}
			check("no arena", nil)
			ar := autograd.NewArena[float64]()
			for step := range 3 {
				ar.Reset()
				check(fmt.Sprint("arena step ", step+1), ar)
			}
			check("inference arena", autograd.NewInferenceArena[float64]())
		})
	}
}

// TestScanOfEmptyAxis: the scans along an axis of length 0 give an empty
// result and an empty gradient (torch 1.13's cumprod, cumsum, cummax and
// logcumsumexp do); Cumprod's derivative used to index before the slice.
func TestScanOfEmptyAxis(t *testing.T) {
	scans := map[string]func(x *autograd.Var[float64], axis int) *autograd.Var[float64]{
		"Cumprod":      autograd.Cumprod[float64],
		"Cumsum":       autograd.Cumsum[float64],
		"LogCumSumExp": autograd.LogCumSumExp[float64],
		"Cummax": func(x *autograd.Var[float64], axis int) *autograd.Var[float64] {
			v, _ := autograd.Cummax(x, axis)
			return v
		},
	}
	for name, scan := range scans {
		for _, c := range []struct {
			shape []int
			axis  int
		}{{[]int{0, 2}, 0}, {[]int{2, 0}, -1}} {
			x := autograd.Param(tensor.Zeros[float64](c.shape...))
			y := scan(x, c.axis)
			autograd.Sum(y).Backward()
			if diff := cmp.Diff(c.shape, x.Grad().Shape()); diff != "" {
				t.Errorf("%s over axis %d of %v: gradient shape (-want +got):\n%s", name, c.axis, c.shape, diff)
			}
		}
	}
}
