// Package gradcheck checks analytic gradients against central finite
// differences, for the ops of this module and for anyone's own functions.
//
// Write the function of float64 tensors you want to check, give it inputs,
// and call Check (or Assert in a test):
//
//	f := func(x []*autograd.Var[float64]) *autograd.Var[float64] {
//		return autograd.Sum(autograd.Mul(autograd.Tanh(x[0]), x[1]))
//	}
//	a := tensor.MustNew([]float64{0.1, -0.4, 0.7}, 3)
//	b := tensor.MustNew([]float64{1.5, 0.2, -2}, 3)
//	gradcheck.Assert(t, f, []*tensor.Tensor[float64]{a, b})
//
// The check builds the full Jacobian both ways: the analytic one with one
// backward pass per output element (autograd.Grad seeded with a one-hot
// vector), the numeric one with two forward evaluations per input element,
// (f(x+eps) - f(x-eps)) / 2eps. An element passes when
//
//	|analytic - numeric| <= atol + rtol·|numeric|
//
// with PyTorch's defaults eps 1e-6, atol 1e-5, rtol 1e-3. Unlike PyTorch,
// the report names the worst element: which input, which element of it,
// which output element, both values and both errors, and how many of all the
// Jacobian elements failed. The check also fails when f modifies its inputs.
//
// Pick inputs away from kinks (ReLU and Abs at 0) and singularities (Log at
// 0): finite differences straddling a kink disagree with any subgradient.
package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Func is a function under test: it maps input Vars to one output Var of any
// shape, using autograd operations so that its gradient can be taken.
type Func func(inputs []*autograd.Var[float64]) *autograd.Var[float64]

// Option changes a tolerance or the finite-difference step.
type Option func(*settings)

type settings struct{ eps, atol, rtol float64 }

// Eps sets the finite-difference step (default 1e-6).
func Eps(eps float64) Option { return func(s *settings) { s.eps = eps } }

// Atol sets the absolute tolerance (default 1e-5).
func Atol(atol float64) Option { return func(s *settings) { s.atol = atol } }

// Rtol sets the tolerance relative to the numeric value (default 1e-3).
func Rtol(rtol float64) Option { return func(s *settings) { s.rtol = rtol } }

// Element locates one Jacobian element and compares its two values.
type Element struct {
	Input    int     // which input (index into the inputs slice)
	Index    []int   // the element of that input, one coordinate per axis
	Output   []int   // the element of the output, one coordinate per axis ([] for a scalar)
	Analytic float64 // from the backward pass
	Numeric  float64 // from central finite differences
	AbsErr   float64 // |Analytic - Numeric|
	RelErr   float64 // AbsErr / |Numeric| (+Inf when Numeric is 0 and AbsErr is not)
}

// Report summarises a check over every element of the Jacobian.
type Report struct {
	Total     int     // Jacobian elements compared
	Failed    int     // elements outside the tolerance
	MaxAbsErr float64 // largest absolute error over all elements
	MaxRelErr float64 // largest relative error over all elements
	// Worst is the element furthest outside the tolerance, measured as
	// AbsErr / (atol + rtol·|Numeric|); when all pass, the closest to failing.
	// It is nil when the Jacobian is empty.
	Worst *Element
	Atol  float64 // tolerances and step the check used
	Rtol  float64
	Eps   float64
}

// String describes the report in one line.
func (r Report) String() string {
	s := fmt.Sprintf("%d of %d Jacobian elements outside atol %g + rtol %g·|numeric| (eps %g); max abs err %.3g, max rel err %.3g",
		r.Failed, r.Total, r.Atol, r.Rtol, r.Eps, r.MaxAbsErr, r.MaxRelErr)
	if w := r.Worst; w != nil {
		s += fmt.Sprintf("; worst: input %d element %v, output %v: analytic %.10g, numeric %.10g (abs err %.3g, rel err %.3g)",
			w.Input, w.Index, w.Output, w.Analytic, w.Numeric, w.AbsErr, w.RelErr)
	}
	return s
}

// Error is returned by Check when gradients disagree; it carries the report.
type Error struct{ Report Report }

// Error formats the report behind a "gradcheck:" prefix.
func (e *Error) Error() string { return "gradcheck: " + e.Report.String() }

// ErrMutatedInput is wrapped by Check's error when f changed an input's
// values: a function that does so cannot be checked, and is usually a bug.
var ErrMutatedInput = errors.New("function modified its input")

// Check compares the analytic Jacobian of f at inputs with central finite
// differences. It returns the report and, when any element is outside the
// tolerance, an *Error carrying the same report. Inputs are not modified.
// Invalid options, a function that returns nil or changes its inputs, and a
// Jacobian that differs between two identical backward passes are errors too.
func Check(f Func, inputs []*tensor.Tensor[float64], opts ...Option) (Report, error) {
	s := settings{eps: 1e-6, atol: 1e-5, rtol: 1e-3}
	for _, o := range opts {
		o(&s)
	}
	if !(s.eps > 0) || !(s.atol >= 0) || !(s.rtol >= 0) || math.IsInf(s.eps+s.atol+s.rtol, 0) {
		return Report{}, fmt.Errorf("gradcheck: invalid options: eps %g, atol %g, rtol %g (need eps > 0, tolerances >= 0, all finite)", s.eps, s.atol, s.rtol)
	}
	rep := Report{Atol: s.atol, Rtol: s.rtol, Eps: s.eps}

	analytic, outShape, err := analyticJacobian(f, inputs)
	if err != nil {
		return rep, err
	}
	var worstScore float64 = -1
	for i, x := range inputs {
		numeric, err := numericColumn(f, inputs, i, s.eps, outShape)
		if err != nil {
			return rep, err
		}
		for j := range x.Len() {
			for r := range numeric[j] {
				a, n := analytic[r][i][j], numeric[j][r]
				abs := math.Abs(a - n)
				rel := abs / math.Abs(n)
				if abs == 0 {
					rel = 0
				}
				if math.IsNaN(abs) {
					abs, rel = math.Inf(1), math.Inf(1)
				}
				rep.Total++
				rep.MaxAbsErr = math.Max(rep.MaxAbsErr, abs)
				rep.MaxRelErr = math.Max(rep.MaxRelErr, rel)
				bound := s.atol + s.rtol*math.Abs(n)
				if !(abs <= bound) {
					rep.Failed++
				}
				score := abs / bound
				if bound == 0 {
					score = math.Inf(1)
					if abs == 0 {
						score = 0
					}
				}
				if math.IsNaN(score) { // a NaN anywhere is as bad as it gets
					score = math.Inf(1)
				}
				if score > worstScore {
					worstScore = score
					rep.Worst = &Element{Input: i, Index: unravel(j, x.Shape()), Output: unravel(r, outShape),
						Analytic: a, Numeric: n, AbsErr: abs, RelErr: rel}
				}
			}
		}
	}
	if rep.Failed > 0 {
		return rep, &Error{Report: rep}
	}
	return rep, nil
}

// Assert runs Check and reports a failure on tb (with Errorf, so a table of
// checks goes on). It returns whether the check passed.
func Assert(tb testing.TB, f Func, inputs []*tensor.Tensor[float64], opts ...Option) bool {
	tb.Helper()
	if _, err := Check(f, inputs, opts...); err != nil {
		tb.Errorf("%v", err)
		return false
	}
	return true
}

// analyticJacobian returns J[r][i][j] = d out[r] / d inputs[i][j], computed
// twice with one backward pass per output element; the two must agree
// exactly, or the gradient depends on something other than the inputs.
func analyticJacobian(f Func, inputs []*tensor.Tensor[float64]) (jac [][][]float64, outShape []int, err error) {
	params := make([]*autograd.Var[float64], len(inputs))
	for i, x := range inputs {
		params[i] = autograd.Param(x.Clone())
	}
	out, err := call(f, params)
	if err != nil {
		return nil, nil, err
	}
	for i, p := range params {
		if !equalBits(p.Value().Data(), inputs[i].Data()) {
			return nil, nil, fmt.Errorf("gradcheck: input %d: %w", i, ErrMutatedInput)
		}
	}
	outShape = out.Shape()
	m := out.Value().Len()
	jac = make([][][]float64, m)
	for r := range m {
		jac[r] = rowOfJacobian(out, params, r)
		again := rowOfJacobian(out, params, r)
		for i := range jac[r] {
			if !equalBits(jac[r][i], again[i]) {
				return nil, nil, fmt.Errorf("gradcheck: two identical backward passes gave different gradients for input %d (output element %v)", i, unravel(r, outShape))
			}
		}
	}
	return jac, outShape, nil
}

// rowOfJacobian returns the gradient of output element r with respect to
// every input, flattened.
func rowOfJacobian(out *autograd.Var[float64], params []*autograd.Var[float64], r int) [][]float64 {
	row := make([][]float64, len(params))
	if !out.RequiresGrad() {
		for i, p := range params {
			row[i] = make([]float64, p.Value().Len())
		}
		return row
	}
	seed := tensor.Zeros[float64](out.Shape()...)
	seed.Data()[r] = 1
	gs := autograd.Grad([]*autograd.Var[float64]{out}, params, autograd.RetainGraph(), autograd.GradOutputs(seed))
	for i, g := range gs {
		row[i] = append([]float64(nil), g.Value().Data()...)
	}
	return row
}

// numericColumn returns, for every element j of input i, the central
// difference of every output element: col[j][r].
func numericColumn(f Func, inputs []*tensor.Tensor[float64], i int, eps float64, outShape []int) ([][]float64, error) {
	vars := make([]*autograd.Var[float64], len(inputs))
	for k, x := range inputs {
		vars[k] = autograd.Const(x.Clone())
	}
	x := vars[i].Value().Data()
	// eval returns f's output data with x[j] set to v, checking that f left
	// every input as it found it.
	eval := func(j int, v float64) ([]float64, error) {
		orig := x[j]
		x[j] = v
		out, err := call(f, vars)
		if err != nil {
			return nil, err
		}
		// Copy first: the output may share the input's data (Reshape, identity).
		data := append([]float64(nil), out.Value().Data()...)
		changed := math.Float64bits(x[j]) != math.Float64bits(v)
		x[j] = orig
		for k, in := range inputs {
			if changed && k == i || !equalBits(vars[k].Value().Data(), in.Data()) {
				return nil, fmt.Errorf("gradcheck: input %d: %w", k, ErrMutatedInput)
			}
		}
		if !tensor.SameShape(out.Shape(), outShape) {
			return nil, fmt.Errorf("gradcheck: output shape changed from %v to %v when input %d element %v moved to %g",
				outShape, out.Shape(), i, unravel(j, inputs[i].Shape()), v)
		}
		return data, nil
	}
	col := make([][]float64, len(x))
	for j := range x {
		p, err := eval(j, x[j]+eps)
		if err != nil {
			return nil, err
		}
		m, err := eval(j, x[j]-eps)
		if err != nil {
			return nil, err
		}
		col[j] = make([]float64, len(p))
		for r := range p {
			col[j][r] = (p[r] - m[r]) / (2 * eps)
		}
	}
	return col, nil
}

// call evaluates f, turning a nil result into an error.
func call(f Func, vars []*autograd.Var[float64]) (*autograd.Var[float64], error) {
	out := f(vars)
	if out == nil {
		return nil, errors.New("gradcheck: function returned nil")
	}
	return out, nil
}

// equalBits compares two slices exactly, treating NaN as equal to NaN.
func equalBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// unravel turns a flat row-major index into one coordinate per axis.
func unravel(flat int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = flat % shape[k]
			flat /= shape[k]
		}
	}
	return idx
}
