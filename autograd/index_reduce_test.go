package autograd_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/autograd/gradcheck"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestScatterReduceProdSecondOrder checks ScatterReduce's "prod" to second
// order where values are 0 (one zero in a slot, two zeros in a slot), for
// both includeSelf settings, and with an index reaching nothing twice.
func TestScatterReduceProdSecondOrder(t *testing.T) {
	idx := tensor.MustIndex([]int{0, 0, 2, 2, 2, 3}, 6)
	x := tensor.MustNew([]float64{2, 0.5, -1.5, 0}, 4)
	src := tensor.MustNew([]float64{0, 4, 1.5, 0, -2, 0.75}, 6)
	for _, self := range []bool{true, false} {
		f := func(in []*V) *V { return autograd.ScatterReduce(in[0], 0, idx, in[1], "prod", self) }
		xs := []*tensor.Tensor[float64]{x, src}
		gradcheck.Assert(t, f, xs)
		gradcheck.AssertGradGrad(t, f, xs)
	}
}

// TestScatterReduceProdMixedPartials checks exact second derivatives of
// y = x_0·s_0·s_1 (one slot, includeSelf) with s_0 = 0: d²y/dx_0 ds_1 =
// s_0 = 0, d²y/ds_0 ds_1 = x_0, d²y/dx_0 ds_0 = s_1, which a derivative
// that held its weights constant would give as 0.
func TestScatterReduceProdMixedPartials(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float64{3}, 1))
	src := autograd.Param(tensor.MustNew([]float64{0, 5}, 2))
	y := autograd.ScatterReduce(x, 0, tensor.MustIndex([]int{0, 0}, 2), src, "prod", true)
	gs := autograd.Grad([]*V{autograd.Sum(y)}, []*V{x, src}, autograd.CreateGraph())
	// First derivatives: dy/dx = s0·s1 = 0, dy/ds = [x·s1, x·s0] = [15, 0].
	if diff := cmp.Diff([]float64{0}, gs[0].Value().Data()); diff != "" {
		t.Errorf("dy/dx (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]float64{15, 0}, gs[1].Value().Data()); diff != "" {
		t.Errorf("dy/dsrc (-want +got):\n%s", diff)
	}
	// Hessian rows, from the gradients of dy/dx and of dy/ds_1.
	hx := autograd.Grad([]*V{autograd.Sum(gs[0])}, []*V{x, src}, autograd.RetainGraph())
	hs1 := autograd.Grad([]*V{autograd.Sum(autograd.Slice(gs[1], autograd.Range{Start: 1, Stop: 2, Step: 1}))}, []*V{x, src})
	for _, c := range []struct {
		name      string
		got, want []float64
	}{
		{"d²y/dx dx", hx[0].Value().Data(), []float64{0}},
		{"d²y/dx dsrc", hx[1].Value().Data(), []float64{5, 0}},
		{"d²y/ds1 dx", hs1[0].Value().Data(), []float64{0}},
		{"d²y/ds1 dsrc", hs1[1].Value().Data(), []float64{3, 0}},
	} {
		if diff := cmp.Diff(c.want, c.got, cmpopts.EquateApprox(1e-15, 0)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}
