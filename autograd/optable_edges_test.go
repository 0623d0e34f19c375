package autograd_test

import (
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestOpTableEdgesAllFamilies runs every table op beyond the pointwise
// family (which TestOpTableEdges checks against its reference) on inputs
// filled with the edges of floating point (±0, subnormals, huge values,
// infinities, NaN), in both element types: the op must not panic, and the
// fused derivative of Backward must agree with the recorded one (Grad with
// CreateGraph) element for element, NaN and infinities exactly, finite
// values within 64 ulps.
func TestOpTableEdgesAllFamilies(t *testing.T) {
	t.Run("float64", runOpTableEdgesAllFamilies[float64])
	t.Run("float32", runOpTableEdgesAllFamilies[float32])
}

func runOpTableEdgesAllFamilies[T autograd.Float](t *testing.T) {
	edges := edgeValues[T]()
	for _, op := range autograd.Ops() {
		if op.Family == autograd.FamilyPointwise {
			continue
		}
		t.Run(op.Name, func(t *testing.T) {
			defer failOnPanic(t)
			apply := applyOf[T](op)
			// Each input cycles through the edge values from its own
			// offset, so that inputs do not line up value for value.
			inputs := func() []*autograd.Var[T] {
				vs := make([]*autograd.Var[T], len(op.Shapes))
				for i, shape := range op.Shapes {
					d := make([]T, numel(shape))
					for j := range d {
						d[j] = edges[(j+3*i)%len(edges)]
					}
					vs[i] = autograd.Param(tensor.MustNew(d, shape...))
				}
				return vs
			}
			out := apply(inputs()...)
			if op.Constant {
				return
			}
			w := make([]T, out.Value().Len())
			for i := range w {
				w[i] = T(0.75) - T(i%3)/4
			}
			loss := func(xs []*autograd.Var[T]) *autograd.Var[T] {
				return autograd.Sum(autograd.Mul(apply(xs...), autograd.Const(tensor.MustNew(w, out.Shape()...))))
			}
			fused := inputs()
			loss(fused).Backward()
			recorded := inputs()
			gs := autograd.Grad([]*autograd.Var[T]{loss(recorded)}, recorded, autograd.CreateGraph())
			for i := range fused {
				f, r := fused[i].Grad().Data(), gs[i].Value().Data()
				for j := range f {
					if !closeULPs(f[j], r[j], 64) {
						t.Errorf("d%s/dx%d[%d] at edge inputs: fused %v, recorded %v", op.Name, i, j, f[j], r[j])
					}
				}
			}
		})
	}
}
