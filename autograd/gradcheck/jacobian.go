package gradcheck

import (
	"errors"
	"fmt"

	"github.com/adjoint-go/adjoint/tensor"
)

// Jacobian gives the expected Jacobian of a function at inputs, typically
// from a closed form derived by hand: one tensor per input, whose shape is
// the output's shape followed by that input's shape, and whose element
// [o..., k...] is d out[o...] / d input[k...] (the layout of
// torch.autograd.functional.jacobian). For a scalar output, the tensor for
// an input is simply the gradient, of the input's shape. The tensor of an
// input held constant (Constants) is ignored and may be nil.
//
// It receives copies of the inputs.
type Jacobian func(inputs []*tensor.Tensor[float64]) []*tensor.Tensor[float64]

// CheckJacobian compares the analytic Jacobian of f at inputs (from its
// backward pass) with the one jac supplies, under the same criterion as
// Check with the supplied values in the place of the numeric ones:
//
//	|analytic - expected| <= atol + rtol·|expected|
//
// An infinite expected value matches only the same infinity, and a NaN
// matches nothing (see Report).
//
// No finite differences are taken, so the comparison holds at kinks (it
// checks the subgradient an op chose) and tolerances can be far tighter than
// Check's. The report names the worst element the same way, with Reference
// SuppliedJacobian and Eps 0; the error is an *Error wrapping ErrMismatch.
// A jac that returns the wrong number of tensors or a tensor of the wrong
// shape is a plain error naming the input and both shapes. Everything else
// (invalid arguments, no input at all, mutated inputs, order dependence,
// panics) is checked as in Check.
func CheckJacobian(f Func, inputs []*tensor.Tensor[float64], jac Jacobian, opts ...Option) (rep Report, err error) {
	defer catch(&err, "gradcheck: ", "the function under test, its backward pass or the supplied Jacobian")
	if err := checkCall("CheckJacobian", f, inputs); err != nil {
		return Report{}, err
	}
	s, err := newSettings("CheckJacobian", opts, len(inputs))
	if err != nil {
		return Report{}, err
	}
	if jac == nil {
		return Report{}, errors.New("gradcheck: CheckJacobian: nil Jacobian")
	}
	j := &job{
		f:        single(f),
		inputs:   inputs,
		constant: s.constant,
		rep:      Report{Atol: s.atol, Rtol: s.rtol, Order: 1, Reference: SuppliedJacobian, Names: s.names},
		prefix:   "gradcheck: ",
		forward:  "in the forward pass",
		backward: "in the backward pass",
	}
	return j.run(func(shapes [][]int) (refJacobian, error) {
		clones := make([]*tensor.Tensor[float64], len(inputs))
		for i, x := range inputs {
			clones[i] = x.Clone()
		}
		got := jac(clones)
		if len(got) != len(inputs) {
			return nil, fmt.Errorf("gradcheck: supplied Jacobian has %d tensors for %d inputs", len(got), len(inputs))
		}
		outShape, m := shapes[0], 1
		for _, d := range outShape {
			m *= d
		}
		ref := make(refJacobian, len(inputs))
		for i, x := range inputs {
			if s.constant[i] {
				continue
			}
			want := append(append([]int{}, outShape...), x.Shape()...)
			if got[i] == nil {
				return nil, fmt.Errorf("gradcheck: supplied Jacobian for %s is nil, want shape %v (the output's shape %v, then the input's %v)",
					j.rep.label(i), want, outShape, x.Shape())
			}
			if !tensor.SameShape(got[i].Shape(), want) {
				return nil, fmt.Errorf("gradcheck: supplied Jacobian for %s has shape %v, want %v (the output's shape %v, then the input's %v)",
					j.rep.label(i), got[i].Shape(), want, outShape, x.Shape())
			}
			data, n := got[i].Data(), x.Len()
			ref[i] = make([][][]float64, n)
			for k := range n {
				col := make([]float64, m)
				for r := range m {
					col[r] = data[r*n+k]
				}
				ref[i][k] = [][]float64{col}
			}
		}
		return ref, nil
	})
}
