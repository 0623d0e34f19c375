package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// jvpTol is the relative tolerance of forward mode against reverse mode:
// both are exact derivatives, so they agree to rounding.
const jvpTol = 1e-10

// randTangents returns a tangent per shape, uniform in [-1, 1), seeded.
func randTangents(shapes [][]int, seed uint64) []*tensor.Tensor[float64] {
	rng := newRand(seed)
	ts := make([]*tensor.Tensor[float64], len(shapes))
	for i, s := range shapes {
		ts[i] = tensor.RandUniform(rng, -1.0, 1.0, s...)
	}
	return ts
}

// jacTimes returns Σᵢ Jᵢ·tᵢ for Jacobians in Jacobian's layout (the
// output's shape, then the input's), skipping nil tangents.
func jacTimes(jac, ts []*tensor.Tensor[float64], outShape []int) []float64 {
	res := make([]float64, numel(outShape))
	for i, j := range jac {
		if ts[i] == nil {
			continue
		}
		n, jd, td := ts[i].Len(), j.Data(), ts[i].Data()
		for r := range res {
			for k := range n {
				res[r] += jd[r*n+k] * td[k]
			}
		}
	}
	return res
}

// closeRel reports whether got and want agree within tol relative to the
// largest magnitude of want (at least 1), element by element.
func closeRel(got, want []float64, tol float64) (int, bool) {
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range want {
		if !(math.Abs(got[i]-want[i]) <= tol*scale) {
			return i, false
		}
	}
	return -1, true
}

// TestJVPOpTable checks forward mode against reverse mode for every op of
// the op table: JVP along random tangents equals the reverse-mode
// Jacobian (rows of VJPs) times the tangents, to 1e-10 in float64, at the
// entry's shapes and domain, with every tangent given and with the first
// one zero (nil). A constant op's tangent is zero.
func TestJVPOpTable(t *testing.T) {
	for _, op := range autograd.Ops() {
		for ci, shapes := range opCases(op) {
			t.Run(fmt.Sprintf("%s/%v", op.Name, shapes), func(t *testing.T) {
				defer failOnPanic(t)
				xs := opInputs[float64](op, shapes, uint64(300+ci))
				f := op.Apply64
				ts := randTangents(shapes, uint64(400+ci))
				val, tan := autograd.JVP(f, xs, ts)
				if want := f(constants(xs)...).Value(); !tensor.SameShape(val.Shape(), want.Shape()) || !tensor.SameShape(tan.Shape(), want.Shape()) {
					t.Fatalf("JVP: value shape %v, tangent shape %v, want %v", val.Shape(), tan.Shape(), want.Shape())
				}
				if op.Constant {
					for i, v := range tan.Data() {
						if v != 0 {
							t.Fatalf("constant op: tangent[%d] = %v, want 0", i, v)
						}
					}
					return
				}
				jac := autograd.Jacobian(f, xs, autograd.JacobianReverse)
				cases := [][]*tensor.Tensor[float64]{ts}
				if len(ts) > 1 {
					cases = append(cases, append([]*tensor.Tensor[float64]{nil}, ts[1:]...))
				}
				for n, tc := range cases {
					_, tan := autograd.JVP(f, xs, tc)
					want := jacTimes(jac, tc, val.Shape())
					if i, ok := closeRel(tan.Data(), want, jvpTol); !ok {
						t.Errorf("tangents %d: JVP element %d = %.17g, reverse-mode J·t = %.17g", n, i, tan.Data()[i], want[i])
					}
				}
			})
		}
	}
}
