package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// Func is a function under test: it maps input Vars to one output Var of any
// shape, using autograd operations so that its gradient can be taken. A
// function with several outputs returns them flattened and joined with
// autograd.Concat, and reports index the joined output (see the package
// documentation). A function written for autograd's functional transforms
// (JVP, Jacobian, Hessian), which takes its inputs variadically, becomes
// one with Variadic. It works in float64; check a float32 op through its
// float64 instance, written once generically.
type Func func(inputs []*autograd.Var[float64]) *autograd.Var[float64]

// Variadic returns f as a Func: the form of autograd.JVP, Jacobian,
// Hessian and the other transforms, func(xs ...*Var) *Var, checked as it
// is, so that one function serves both packages:
//
//	f := func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
//		return autograd.Mul(xs[0], autograd.Sin(xs[0]))
//	}
//	gradcheck.AssertJVP(t, gradcheck.Variadic(f), inputs)
//
// Variadic(nil) is nil.
func Variadic(f func(xs ...*autograd.Var[float64]) *autograd.Var[float64]) Func {
	if f == nil {
		return nil
	}
	return func(inputs []*autograd.Var[float64]) *autograd.Var[float64] { return f(inputs...) }
}

// Option changes a tolerance, the finite-difference step, the labels of the
// inputs or the seed of GradGradCheck's random vector.
type Option func(*settings)

type settings struct {
	eps, atol, rtol float64
	names           []string
	seed            uint64
	constants       []int  // as given to Constants
	constant        []bool // per input, from constants (set by newSettings)
}

// Eps sets the finite-difference step (default 1e-6).
func Eps(eps float64) Option { return func(s *settings) { s.eps = eps } }

// Atol sets the absolute tolerance (default 1e-5).
func Atol(atol float64) Option { return func(s *settings) { s.atol = atol } }

// Rtol sets the tolerance relative to the reference value (default 1e-3).
func Rtol(rtol float64) Option { return func(s *settings) { s.rtol = rtol } }

// Names labels the inputs, in order, in reports and errors: "beta element
// [0]" instead of "input 1 element [0]". An empty name keeps the default.
func Names(names ...string) Option {
	names = append([]string(nil), names...)
	return func(s *settings) { s.names = names }
}

// Seed seeds the random grad-output vector v of GradGradCheck (default 0).
// Check and CheckJacobian draw nothing and ignore it.
func Seed(seed uint64) Option { return func(s *settings) { s.seed = seed } }

// Constants holds the inputs at the given indices constant, as PyTorch's
// requires_grad=False does: f receives them as constants (autograd.Const),
// and the check differentiates with respect to the other inputs only, so
// that no element of a constant input appears in the report or is
// perturbed by finite differences. Use it for a target, labels, a mask, or
// an argument f is not differentiable in. Element.Input and Names still
// count every input. At least one input must remain; an index out of range
// is an invalid option. Several Constants add up.
func Constants(indices ...int) Option {
	indices = append([]int(nil), indices...)
	return func(s *settings) { s.constants = append(s.constants, indices...) }
}

// checkCall returns an error naming op when f or one of the inputs is nil.
func checkCall(op string, f Func, inputs []*tensor.Tensor[float64]) error {
	if f == nil {
		return fmt.Errorf("gradcheck: %s: nil function", op)
	}
	for i, x := range inputs {
		if x == nil {
			return fmt.Errorf("gradcheck: %s: input %d is nil", op, i)
		}
	}
	return nil
}

// newSettings applies opts to the defaults and validates the result before
// anything is evaluated, naming op in its errors. It also refuses a check
// with no input to differentiate: it would pass vacuously (PyTorch's
// gradcheck raises too).
func newSettings(op string, opts []Option, inputs int) (settings, error) {
	s := settings{eps: 1e-6, atol: 1e-5, rtol: 1e-3}
	for _, o := range opts {
		o(&s)
	}
	if !(s.eps > 0) || !(s.atol >= 0) || !(s.rtol >= 0) || math.IsInf(s.eps+s.atol+s.rtol, 0) {
		return s, fmt.Errorf("gradcheck: %s: invalid options: eps %g, atol %g, rtol %g (need eps > 0, tolerances >= 0, all finite)", op, s.eps, s.atol, s.rtol)
	}
	if len(s.names) > inputs {
		return s, fmt.Errorf("gradcheck: %s: invalid options: %d names for %d inputs", op, len(s.names), inputs)
	}
	if inputs == 0 {
		return s, fmt.Errorf("gradcheck: %s: no input to differentiate: a check needs at least one input (of any size, empty included)", op)
	}
	s.constant = make([]bool, inputs)
	for _, i := range s.constants {
		if i < 0 || i >= inputs {
			return s, fmt.Errorf("gradcheck: %s: invalid options: Constants(%d) out of range for %d inputs", op, i, inputs)
		}
		s.constant[i] = true
	}
	if !slices.Contains(s.constant, false) {
		return s, fmt.Errorf("gradcheck: %s: no input to differentiate: every input is held constant (Constants)", op)
	}
	return s, nil
}

// Check compares the analytic Jacobian of f at inputs with central finite
// differences. It returns the report and, when any element is outside the
// tolerance, an *Error carrying the same report (it wraps ErrMismatch).
// Inputs are not modified.
//
// Check also fails, with a plain error, for invalid options, a nil function
// or input, no input at all (nothing to differentiate: PyTorch's gradcheck
// refuses it too; an input with no elements is fine), a function that
// returns nil or whose output shape changes near the point, a function that
// changes its inputs (ErrMutatedInput), a gradient that differs between two
// evaluations at the same point (*OrderError, ErrOrderDependent), and a
// panic (*PanicError).
func Check(f Func, inputs []*tensor.Tensor[float64], opts ...Option) (rep Report, err error) {
	defer catch(&err, "gradcheck: ", "the function under test or its backward pass")
	if err := checkCall("Check", f, inputs); err != nil {
		return Report{}, err
	}
	s, err := newSettings("Check", opts, len(inputs))
	if err != nil {
		return Report{}, err
	}
	j := &job{
		f:        single(f),
		inputs:   inputs,
		constant: s.constant,
		rep:      Report{Atol: s.atol, Rtol: s.rtol, Eps: s.eps, Order: 1, Names: s.names},
		prefix:   "gradcheck: ",
	}
	j.forward, j.backward = "in the forward pass", "in the backward pass"
	return j.run(func(shapes [][]int) (refJacobian, error) { return j.numeric(shapes, s.eps) })
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

// vecFunc is a function under test with any number of outputs: Check's have
// one, GradGradCheck's one per input (the gradients).
type vecFunc func(vars []*autograd.Var[float64]) ([]*autograd.Var[float64], error)

// single adapts a Func.
func single(f Func) vecFunc {
	return func(vars []*autograd.Var[float64]) ([]*autograd.Var[float64], error) {
		out, err := call(f, vars)
		if err != nil {
			return nil, fmt.Errorf("gradcheck: %w", err)
		}
		return []*autograd.Var[float64]{out}, nil
	}
}

// anaJacobian[o][r][i][j] is d out_o[r] / d input_i[j] from the backward pass.
type anaJacobian [][][][]float64

// refJacobian[i][j][o][r] is the reference value of the same element: one
// column per input element, as finite differences produce them.
type refJacobian [][][][]float64

// verdict of one element: pass, or fail because the finite difference
// overflowed, or fail because the values disagree. A larger verdict is worse.
const (
	pass = iota
	overflowed
	mismatch
)

// rank orders elements by how badly they fail: by verdict, then by score,
// the error relative to its bound.
type rank struct {
	verdict int
	score   float64
}

// worse reports whether r is worse than s.
func (r rank) worse(s rank) bool {
	return r.verdict > s.verdict || r.verdict == s.verdict && r.score > s.score
}

// tally counts one element, analytic a against reference n, under rep's
// tolerances, and reports its absolute and relative errors and whether it
// is the worst so far (*worst holds the worst rank). The rule is
// torch.allclose's, with NaN never equal: finite values pass when
// |a − n| ≤ Atol + Rtol·|n|; an infinite n passes only against the same
// infinity; a NaN, or an infinite a against a finite n, never passes. A
// finite difference that overflowed to ±Inf vouches for no analytic value:
// it fails whatever a is, and is counted in Overflowed.
func (rep *Report) tally(a, n float64, worst *rank) (abs, rel float64, isWorst bool) {
	inf := math.Inf(1)
	var r rank
	switch {
	case math.IsNaN(a) || math.IsNaN(n):
		abs, rel, r = inf, inf, rank{mismatch, inf}
	case math.IsInf(n, 0) && rep.Reference == FiniteDifferences:
		abs, rel, r = inf, inf, rank{overflowed, inf}
		rep.Overflowed++
	case a == n:
		abs, rel, r = 0, 0, rank{pass, 0}
	case math.IsInf(a, 0) || math.IsInf(n, 0):
		abs, rel, r = inf, inf, rank{mismatch, inf}
	default:
		abs = math.Abs(a - n) // +Inf if it overflows
		rel = abs / math.Abs(n)
		bound := rep.Atol + rep.Rtol*math.Abs(n)
		r.score = abs / bound
		switch {
		case bound == 0: // and abs > 0
			r.score = inf
		case math.IsNaN(r.score): // abs and bound both +Inf: on the edge
			r.score = 1
		}
		if !(abs <= bound) {
			r.verdict = mismatch
		}
	}
	rep.Total++
	if r.verdict != pass {
		rep.Failed++
	}
	rep.MaxAbsErr = math.Max(rep.MaxAbsErr, abs)
	rep.MaxRelErr = math.Max(rep.MaxRelErr, rel)
	if r.worse(*worst) {
		*worst = r
		return abs, rel, true
	}
	return abs, rel, false
}

// job is one comparison of an analytic Jacobian with a reference.
type job struct {
	f      vecFunc
	inputs []*tensor.Tensor[float64]
	// constant marks the inputs held constant: passed to f as constants,
	// and neither differentiated nor perturbed.
	constant []bool
	// grads, when set, says which input each output of f is the gradient
	// with respect to (GradGradCheck); otherwise output o is o.
	grads  []int
	rep    Report // tolerances, order, reference and names; filled by run
	prefix string // "gradcheck: " or "gradcheck: second order: "
	// forward and backward name the phases in which a mutated input was
	// found: evaluating f, and differentiating its outputs.
	forward, backward string
	// value0 is f's outputs' data at the first evaluation at inputs,
	// copied (the outputs may live in an Arena that f resets).
	value0 [][]float64
}

// recheckCalls is how many more times a failed check evaluates f at the
// inputs, looking for a value that changes from call to call, before it
// reports a mismatch.
const recheckCalls = 4

// gradOf returns the input whose gradient output o is (GradGradCheck's
// Element.Grad).
func (j *job) gradOf(o int) int {
	if j.grads == nil {
		return o
	}
	return j.grads[o]
}

// run computes the analytic Jacobian, the reference (given the output
// shapes), and compares them element by element.
func (j *job) run(reference func(shapes [][]int) (refJacobian, error)) (Report, error) {
	rep := j.rep
	ana, shapes, err := j.analytic()
	if err != nil {
		return rep, err
	}
	ref, err := reference(shapes)
	if err != nil {
		return rep, err
	}
	worst := rank{verdict: -1}
	for i, x := range j.inputs {
		if j.constant[i] {
			continue
		}
		for k := range x.Len() {
			for o, shape := range shapes {
				for r := range ref[i][k][o] {
					a, n := ana[o][r][i][k], ref[i][k][o][r]
					if abs, rel, w := rep.tally(a, n, &worst); w {
						rep.Worst = &Element{Input: i, Index: unravel(k, x.Shape()), Grad: j.gradOf(o), Output: unravel(r, shape),
							Analytic: a, Numeric: n, AbsErr: abs, RelErr: rel}
					}
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

// keepValue copies outs' data into j.value0, the first evaluation's value.
func (j *job) keepValue(outs []*autograd.Var[float64]) {
	j.value0 = make([][]float64, len(outs))
	for o, out := range outs {
		j.value0[o] = append([]float64(nil), out.Value().Data()...)
	}
}

// sameValue returns an *OrderError (Input -1) at the first element of outs
// whose bits differ from the first evaluation's, nil when none does.
func (j *job) sameValue(outs []*autograd.Var[float64]) error {
	for o, out := range outs {
		for r, b := range out.Value().Data() {
			if a := j.value0[o][r]; math.Float64bits(a) != math.Float64bits(b) {
				idx := unravel(r, out.Shape())
				return &OrderError{Input: -1, Grad: j.gradOf(o), Output: idx, First: a, Second: b,
					Where: j.rep.output(j.gradOf(o), idx), prefix: j.prefix}
			}
		}
	}
	return nil
}

// varies evaluates f at the inputs up to recheckCalls more times and
// returns an *OrderError when its value differs from the first
// evaluation's: a function drawing from a random generator it keeps
// between calls may repeat its value twice by chance (two equal dropout
// masks) and then fail the comparison as a wrong derivative would.
// Errors and panics on the way are ignored: the mismatch stands.
func (j *job) varies() (err error) {
	defer func() {
		if recover() != nil {
			err = nil
		}
	}()
	for range recheckCalls {
		outs, ferr := j.f(j.params(j.inputs, 0))
		if ferr != nil || len(outs) != len(j.value0) {
			return nil
		}
		for o, out := range outs {
			if out.Value().Len() != len(j.value0[o]) {
				return nil
			}
		}
		if err := j.sameValue(outs); err != nil {
			return err
		}
	}
	return nil
}

// analytic returns the Jacobian from backward passes, one per output
// element, and the output shapes. It evaluates it twice and requires the two
// to agree bit for bit: first on the graph of a first forward pass, output
// elements first to last; then on the graph of a second forward pass, after
// an unrelated third forward pass at another point, output elements last to
// first and inputs in reverse order. It also checks, after each pass, that
// nothing changed the inputs. When the third pass freed the second graph
// (f resets an Arena it takes its memory from), the second graph is built
// again and differentiated right away.
func (j *job) analytic() (anaJacobian, [][]int, error) {
	params1 := j.params(j.inputs, 0)
	outs1, err := j.f(params1)
	if err != nil {
		return nil, nil, err
	}
	if err := j.unchanged(params1, j.forward); err != nil {
		return nil, nil, err
	}
	shapes := make([][]int, len(outs1))
	for o, out := range outs1 {
		shapes[o] = out.Shape()
	}
	j.keepValue(outs1)
	first := jacobianRows(outs1, params1, j.constant, false)

	params2, outs2, err := j.again(shapes)
	if err != nil {
		return nil, nil, err
	}
	j.decoy()
	if slices.ContainsFunc(outs2, (*autograd.Var[float64]).Stale) {
		if params2, outs2, err = j.again(shapes); err != nil {
			return nil, nil, err
		}
	}
	second := jacobianRows(outs2, params2, j.constant, true)

	if err := j.unchanged(params1, j.backward); err != nil {
		return nil, nil, err
	}
	if err := j.unchanged(params2, j.backward); err != nil {
		return nil, nil, err
	}
	for o := range first {
		for r := range first[o] {
			for i := range first[o][r] {
				for k, a := range first[o][r][i] {
					if b := second[o][r][i][k]; math.Float64bits(a) != math.Float64bits(b) {
						idx, out := unravel(k, j.inputs[i].Shape()), unravel(r, shapes[o])
						return nil, nil, &OrderError{Input: i, Index: idx, Grad: j.gradOf(o), Output: out, First: a, Second: b,
							Where: j.rep.where(i, idx, j.gradOf(o), out), prefix: j.prefix}
					}
				}
			}
		}
	}
	return first, shapes, nil
}

// again evaluates f at the inputs once more, on fresh parameters, and
// checks that it left them unchanged and gave the first evaluation's shapes
// and value.
func (j *job) again(shapes [][]int) ([]*autograd.Var[float64], []*autograd.Var[float64], error) {
	params := j.params(j.inputs, 0)
	outs, err := j.f(params)
	if err != nil {
		return nil, nil, err
	}
	if err := j.unchanged(params, j.forward); err != nil {
		return nil, nil, err
	}
	for o, out := range outs {
		if !tensor.SameShape(out.Shape(), shapes[o]) {
			return nil, nil, fmt.Errorf("%soutput shape changed from %v to %v between two evaluations at the same point", j.prefix, shapes[o], out.Shape())
		}
	}
	if err := j.sameValue(outs); err != nil {
		return nil, nil, err
	}
	return params, outs, nil
}

// params returns fresh parameters holding copies of xs, each element moved
// by shift·(1+|x|); constants for the inputs held constant.
func (j *job) params(xs []*tensor.Tensor[float64], shift float64) []*autograd.Var[float64] {
	ps := make([]*autograd.Var[float64], len(xs))
	for i, x := range xs {
		c := x.Clone()
		if shift != 0 {
			d := c.Data()
			for k, v := range d {
				d[k] = v + shift*(1+math.Abs(v))
			}
		}
		ps[i] = autograd.Param(c)
		if j.constant[i] {
			ps[i] = autograd.Const(c)
		}
	}
	return ps
}

// decoy evaluates f once at another point and forgets the result, so that
// a backward reading state that a later forward pass overwrote (instead of
// what it saved for itself) gives a different gradient. Whatever happens in
// it (NaN, errors, a panic outside f's domain) is ignored.
func (j *job) decoy() {
	defer func() { _ = recover() }()
	_, _ = j.f(j.params(j.inputs, 1.0/128))
}

// unchanged checks that params still hold the inputs' values.
func (j *job) unchanged(params []*autograd.Var[float64], when string) error {
	for i, p := range params {
		if !equalBits(p.Value().Data(), j.inputs[i].Data()) {
			return fmt.Errorf("%s%s: %w (%s)", j.prefix, j.rep.label(i), ErrMutatedInput, when)
		}
	}
	return nil
}

// jacobianRows returns J[o][r][i][k] = d outs[o][r] / d params[i][k], with
// one backward pass per output element, in order or in reverse order (and
// then with params listed in reverse order too). J[o][r][i] is nil for the
// params held constant.
func jacobianRows(outs, params []*autograd.Var[float64], constant []bool, reverse bool) anaJacobian {
	var idx []int // the params differentiated, in the order given to Grad
	for i := range params {
		if !constant[i] {
			idx = append(idx, i)
		}
	}
	if reverse {
		slices.Reverse(idx)
	}
	ps := make([]*autograd.Var[float64], len(idx))
	for k, i := range idx {
		ps[k] = params[i]
	}
	jac := make(anaJacobian, len(outs))
	for o := range outs {
		jac[o] = make([][][]float64, outs[o].Value().Len())
	}
	for oo := range outs {
		o := oo
		if reverse {
			o = len(outs) - 1 - oo
		}
		m := len(jac[o])
		for rr := range m {
			r := rr
			if reverse {
				r = m - 1 - rr
			}
			row := gradRow(outs[o], ps, r)
			jac[o][r] = make([][]float64, len(params))
			for k, g := range row {
				jac[o][r][idx[k]] = g
			}
		}
	}
	return jac
}

// gradRow returns the gradient of element r of out with respect to every
// param, flattened.
func gradRow(out *autograd.Var[float64], params []*autograd.Var[float64], r int) [][]float64 {
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

// numeric returns the central differences of every output element with
// respect to every input element, ref[i][k][o][r] (ref[i] nil for an input
// held constant).
func (j *job) numeric(shapes [][]int, eps float64) (refJacobian, error) {
	ref := make(refJacobian, len(j.inputs))
	for i := range j.inputs {
		if j.constant[i] {
			continue
		}
		col, err := j.numericColumns(i, eps, shapes)
		if err != nil {
			return nil, err
		}
		ref[i] = col
	}
	return ref, nil
}

// numericColumns returns, for every element k of input i, the central
// difference of every output element: col[k][o][r].
func (j *job) numericColumns(i int, eps float64, shapes [][]int) ([][][]float64, error) {
	vars := make([]*autograd.Var[float64], len(j.inputs))
	for k, x := range j.inputs {
		vars[k] = autograd.Const(x.Clone())
	}
	x := vars[i].Value().Data()
	// eval returns f's outputs' data with x[k] set to v, checking that f left
	// every input as it found it.
	eval := func(k int, v float64) ([][]float64, error) {
		orig := x[k]
		x[k] = v
		outs, err := j.f(vars)
		if err != nil {
			return nil, err
		}
		// Copy first: an output may share the input's data (Reshape, identity).
		data := make([][]float64, len(outs))
		for o, out := range outs {
			data[o] = append([]float64(nil), out.Value().Data()...)
		}
		changed := math.Float64bits(x[k]) != math.Float64bits(v)
		x[k] = orig
		for m, in := range j.inputs {
			if changed && m == i || !equalBits(vars[m].Value().Data(), in.Data()) {
				return nil, fmt.Errorf("%s%s: %w (while finite differences were taken)", j.prefix, j.rep.label(m), ErrMutatedInput)
			}
		}
		for o, out := range outs {
			if !tensor.SameShape(out.Shape(), shapes[o]) {
				return nil, fmt.Errorf("%soutput shape changed from %v to %v when %s element %v moved to %g",
					j.prefix, shapes[o], out.Shape(), j.rep.label(i), unravel(k, j.inputs[i].Shape()), v)
			}
		}
		return data, nil
	}
	col := make([][][]float64, len(x))
	for k := range x {
		p, err := eval(k, x[k]+eps)
		if err != nil {
			return nil, err
		}
		m, err := eval(k, x[k]-eps)
		if err != nil {
			return nil, err
		}
		col[k] = make([][]float64, len(p))
		for o := range p {
			col[k][o] = make([]float64, len(p[o]))
			for r := range p[o] {
				d := (p[o][r] - m[o][r]) / (2 * eps)
				if math.IsNaN(d) && (math.IsInf(p[o][r], 0) || math.IsInf(m[o][r], 0)) {
					// f overflowed on both sides (Inf − Inf): the difference
					// overflowed too, and tally counts it so.
					d = math.Inf(1)
				}
				col[k][o][r] = d
			}
		}
	}
	return col, nil
}

// call evaluates f, turning a nil result into an error.
func call(f Func, vars []*autograd.Var[float64]) (*autograd.Var[float64], error) {
	out := f(vars)
	if out == nil {
		return nil, errors.New("function returned nil")
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
