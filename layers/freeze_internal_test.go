package layers

import (
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestFrozenLinearFunctionBackward checks the gradient of a frozen
// layer's Function, which Forward never records (it applies it only to
// inputs that record nothing): applied to an input that requires a
// gradient it must give autograd.Linear's and LinearReLU's input
// gradient, with the ReLU's mask where it is fused.
func TestFrozenLinearFunctionBackward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m := NewSequential[float64](NewLinear[float64](rng, 5, 4, nil), ReLU[float64]{}, NewLinear[float64](rng, 4, 3, nil))
	f := Freeze[float64](m)
	x := tensor.RandUniform[float64](rng, -1, 1, 6, 5)
	for i, step := range f.steps {
		fl := step.(*frozenLinear[float64])
		lin := m.Layers[2*i].(*Linear[float64])
		xin := x
		if i == 1 {
			xin = tensor.RandUniform[float64](rng, -1, 1, 6, 4)
		}
		xf, xm := autograd.Param(xin.Clone()), autograd.Param(xin.Clone())
		want := autograd.Linear(xm, autograd.Const(lin.Weight.Value()), autograd.Const(lin.Bias.Value()))
		if fl.relu {
			want = autograd.ReLU(want)
		}
		y := fl.fn.Apply(xf)
		if diff := cmp.Diff(want.Value().Data(), y.Value().Data()); diff != "" {
			t.Fatalf("layer %d: forward (-model +Function):\n%s", i, diff)
		}
		g := tensor.RandUniform[float64](rng, -1, 1, y.Shape()...)
		autograd.Sum(autograd.Mul(y, autograd.Const(g))).Backward()
		autograd.Sum(autograd.Mul(want, autograd.Const(g))).Backward()
		if diff := cmp.Diff(xm.Grad().Data(), xf.Grad().Data(), cmpopts.EquateApprox(0, 1e-14)); diff != "" {
			t.Errorf("layer %d (relu %v): input gradient (-model +Function):\n%s", i, fl.relu, diff)
		}
	}
	if !f.steps[0].(*frozenLinear[float64]).relu || f.steps[1].(*frozenLinear[float64]).relu {
		t.Fatal("Freeze did not fuse the ReLU with the first layer only")
	}
}
