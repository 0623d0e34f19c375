package gradcheck

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// CheckJVP checks forward mode (autograd.JVP) as Check checks reverse mode:
// it builds the Jacobian of f at inputs column by column, one JVP per input
// element along a one-hot tangent, and compares it with central finite
// differences under Check's criterion
//
//	|analytic - numeric| <= atol + rtol·|numeric|.
//
// It catches a forward rule that is wrong, or missing where the op's
// backward is not differentiable in its gradient (a backward on raw
// tensors: the rule derived from it panics with a *autograd.UsageError,
// reported as a *PanicError). Unlike Check it evaluates each JVP once, so
// it does not catch a forward rule that reads state another application of
// the op overwrote; Check does, for the backward. It does catch a function
// whose value changes between evaluations at the same point (a random op,
// Dropout in training mode say), with an *OrderError (ErrOrderDependent)
// whose Input is -1, as Check does. The report is Check's, with the
// forward-mode values as Analytic and Forward set. A mismatch is an *Error
// that carries the report (and wraps ErrMismatch). It also fails, with a
// plain error, for invalid options, a function that returns nil or whose
// output shape changes, a function that changes its inputs
// (ErrMutatedInput), and a panic (*PanicError). Every error that comes
// from checking f, a mismatch included, starts with "gradcheck: forward
// mode: "; invalid arguments (a nil function or input, no input at all,
// invalid options) are found before f is called and reported as by Check,
// naming CheckJVP. Inputs are not modified.
func CheckJVP(f Func, inputs []*tensor.Tensor[float64], opts ...Option) (rep Report, err error) {
	defer catch(&err, "gradcheck: forward mode: ", "the function under test or its forward-mode rule")
	if err := checkCall("CheckJVP", f, inputs); err != nil {
		return Report{}, err
	}
	s, err := newSettings("CheckJVP", opts, len(inputs))
	if err != nil {
		return Report{}, err
	}
	j := &job{
		f:        single(f),
		inputs:   inputs,
		constant: s.constant,
		rep:      Report{Atol: s.atol, Rtol: s.rtol, Eps: s.eps, Order: 1, Forward: true, Names: s.names},
		prefix:   "gradcheck: forward mode: ",
		forward:  "in the forward pass",
		backward: "in the forward-mode sweep",
	}
	ana, shape, err := j.forwardColumns(f)
	if err != nil {
		return j.rep, err
	}
	ref, err := j.numeric([][]int{shape}, s.eps)
	if err != nil {
		return j.rep, err
	}
	return j.compare(shape, ana, ref)
}

// AssertJVP runs CheckJVP and reports a failure on tb with Errorf. It
// returns whether the check passed.
func AssertJVP(tb testing.TB, f Func, inputs []*tensor.Tensor[float64], opts ...Option) bool {
	tb.Helper()
	if _, err := CheckJVP(f, inputs, opts...); err != nil {
		tb.Errorf("%v", err)
		return false
	}
	return true
}

// forwardColumns returns the Jacobian from forward mode, one JVP per input
// element (col[i][k] is the column of input i's element k; col[i] is nil
// for an input held constant), and the output shape, checking that f keeps
// its inputs and its output shape.
func (j *job) forwardColumns(f Func) ([][][]float64, []int, error) {
	primals := make([]*tensor.Tensor[float64], len(j.inputs))
	tangents := make([]*tensor.Tensor[float64], len(j.inputs))
	for i, x := range j.inputs {
		primals[i] = x.Clone()
	}
	out, err := call(f, constantsOf(primals))
	if err != nil {
		return nil, nil, fmt.Errorf("%s%w", j.prefix, err)
	}
	shape := out.Shape()
	j.keepValue([]*autograd.Var[float64]{out})
	for m, p := range primals {
		if !equalBits(p.Data(), j.inputs[m].Data()) {
			return nil, nil, fmt.Errorf("%s%s: %w (%s)", j.prefix, j.rep.label(m), ErrMutatedInput, j.forward)
		}
	}
	// A nil result from here on panics in JVP (a *PanicError).
	// JVP passes every primal as a parameter; f gets the inputs held
	// constant as constants (sharing the value, so that the mutation check
	// still sees them).
	g := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
		vars := slices.Clone(xs) // xs may be JVP's own slice
		for i, x := range vars {
			if j.constant[i] {
				vars[i] = autograd.Const(x.Value())
			}
		}
		return f(vars)
	}
	cols := make([][][]float64, len(j.inputs))
	for i, x := range j.inputs {
		if j.constant[i] {
			continue // a nil tangent: constant
		}
		e := tensor.Zeros[float64](x.Shape()...)
		tangents[i] = e
		cols[i] = make([][]float64, x.Len())
		for k := range x.Len() {
			e.Data()[k] = 1
			val, tan := autograd.JVP(g, primals, tangents)
			e.Data()[k] = 0
			if !tensor.SameShape(val.Shape(), shape) {
				return nil, nil, fmt.Errorf("%soutput shape changed from %v to %v between two evaluations at the same point", j.prefix, shape, val.Shape())
			}
			for r, b := range val.Data() {
				if a := j.value0[0][r]; math.Float64bits(a) != math.Float64bits(b) {
					idx := unravel(r, shape)
					return nil, nil, &OrderError{Input: -1, Output: idx, First: a, Second: b, Where: j.rep.output(0, idx), prefix: j.prefix}
				}
			}
			for m, p := range primals {
				if !equalBits(p.Data(), j.inputs[m].Data()) {
					return nil, nil, fmt.Errorf("%s%s: %w (%s)", j.prefix, j.rep.label(m), ErrMutatedInput, j.backward)
				}
			}
			cols[i][k] = append([]float64(nil), tan.Data()...)
		}
		tangents[i] = nil
	}
	return cols, shape, nil
}

// constantsOf wraps xs as constants.
func constantsOf(xs []*tensor.Tensor[float64]) []*autograd.Var[float64] {
	vs := make([]*autograd.Var[float64], len(xs))
	for i, x := range xs {
		vs[i] = autograd.Const(x)
	}
	return vs
}

// compare compares the forward-mode columns ana[i][k][r] with the
// reference ref[i][k][0][r] element by element, as run does for reverse
// mode, and returns the report (with an *Error when an element fails).
func (j *job) compare(shape []int, ana [][][]float64, ref refJacobian) (Report, error) {
	rep := j.rep
	worst := rank{verdict: -1}
	for i, x := range j.inputs {
		if j.constant[i] {
			continue
		}
		for k := range x.Len() {
			for r, n := range ref[i][k][0] {
				a := ana[i][k][r]
				if abs, rel, w := rep.tally(a, n, &worst); w {
					rep.Worst = &Element{Input: i, Index: unravel(k, x.Shape()), Output: unravel(r, shape),
						Analytic: a, Numeric: n, AbsErr: abs, RelErr: rel}
				}
			}
		}
	}
	if rep.Failed > 0 {
		if err := j.varies(); err != nil {
			return rep, err
		}
		return rep, &Error{Report: rep}
	}
	return rep, nil
}
