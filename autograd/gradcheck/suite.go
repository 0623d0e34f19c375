package gradcheck

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/adjoint-go/adjoint/tensor"
)

// Domain is the range a random input is drawn from: uniform in [Lo, Hi),
// leaving out every value closer to 0 than MinAbs. Choose it so that the
// function is smooth there: away from kinks (MinAbs for ReLU and Abs at 0)
// and singularities (Positive for Log and fractional powers).
type Domain struct {
	Lo, Hi float64
	MinAbs float64
}

// Common domains. The zero Domain means Real.
var (
	Real     = Domain{Lo: -2, Hi: 2}                 // any real number, in [-2, 2)
	Positive = Domain{Lo: 0.5, Hi: 2}                // logarithms, square roots, divisors of one sign
	NonZero  = Domain{Lo: -2, Hi: 2, MinAbs: 0.25}   // either sign, away from a kink or pole at 0
	Unit     = Domain{Lo: -0.9, Hi: 0.9}             // inside (-1, 1): atanh, asin
	Wide     = Domain{Lo: -10, Hi: 10, MinAbs: 0.25} // saturating activations, large arguments
)

// pieces returns the two intervals [aLo, aHi) and [bLo, bHi) of the domain,
// below -MinAbs and above MinAbs, either possibly empty.
func (d Domain) pieces() (aLo, aHi, bLo, bHi float64) {
	aLo, aHi = d.Lo, math.Min(d.Hi, -d.MinAbs)
	bLo, bHi = math.Max(d.Lo, d.MinAbs), d.Hi
	return aLo, math.Max(aHi, aLo), bLo, math.Max(bHi, bLo)
}

func (d Domain) validate() error {
	if math.IsNaN(d.Lo+d.Hi+d.MinAbs) || math.IsInf(d.Lo, 0) || math.IsInf(d.Hi, 0) || math.IsInf(d.MinAbs, 0) ||
		!(d.Lo < d.Hi) || d.MinAbs < 0 {
		return fmt.Errorf("invalid domain %+v: need finite Lo < Hi and MinAbs >= 0", d)
	}
	aLo, aHi, bLo, bHi := d.pieces()
	if aHi-aLo+bHi-bLo <= 0 {
		return fmt.Errorf("invalid domain %+v: no value in [Lo, Hi) is at least MinAbs away from 0", d)
	}
	return nil
}

// draw returns one value of the domain.
func (d Domain) draw(rng *rand.Rand) float64 {
	aLo, aHi, bLo, bHi := d.pieces()
	la, lb := aHi-aLo, bHi-bLo
	u := rng.Float64() * (la + lb)
	if u < la {
		return aLo + u
	}
	return math.Min(bLo+(u-la), math.Nextafter(bHi, bLo))
}

// Input is one input of a Case: a fixed Value, or, when Value is nil, a
// tensor of Shape whose elements are drawn from Domain with the case's seed.
type Input struct {
	Name   string                  // label in reports ("x element [2]"); empty means "input i"
	Value  *tensor.Tensor[float64] // a fixed value (copied); Shape, if given, must match
	Shape  []int                   // the shape of a drawn input
	Domain Domain                  // where a drawn input's elements come from (zero: Real)
	// Constant holds the input constant (see Constants): F receives it as
	// a constant and it is not differentiated. A target, labels, a mask.
	Constant bool
}

// Fixed is an input with the given value.
func Fixed(v *tensor.Tensor[float64]) Input { return Input{Value: v} }

// Random is an input of the given shape drawn from d.
func Random(d Domain, shape ...int) Input { return Input{Shape: shape, Domain: d} }

// Named returns the input with a label for reports.
func (in Input) Named(name string) Input {
	in.Name = name
	return in
}

// Const returns the input held constant, as PyTorch's requires_grad=False:
// F receives it as a constant (autograd.Const), and no check differentiates
// with respect to it (see Constants).
func (in Input) Const() Input {
	in.Constant = true
	return in
}

// Case is one row of a gradient-check suite: a function, its inputs and
// what to check. Run runs a table of them as subtests.
type Case struct {
	Name   string
	F      Func
	Inputs []Input
	// Seed seeds the random inputs and GradGradCheck's vector. Zero means
	// one derived from Name, so that every case differs and a rerun draws
	// the same values; a failure prints the seed used.
	Seed    uint64
	Options []Option // tolerances and step for every check of the case
	// Jacobian, when set, is also compared with the backward pass
	// (CheckJacobian).
	Jacobian Jacobian
	// SecondOrder also runs GradGradCheck.
	SecondOrder bool
	// ForwardMode also runs CheckJVP, which checks forward mode
	// (autograd.JVP) against the same finite differences.
	ForwardMode bool
	// WantErr makes Run expect the case to fail with an error matching
	// errors.Is: ErrMismatch, ErrOrderDependent, ErrMutatedInput, or one of
	// your own. For documenting known failures and testing the checker.
	WantErr error
}

// streamInputs separates the random stream of a Case's inputs.
const streamInputs = 0x696e70757473 // "inputs"

// seed returns the seed actually used.
func (c Case) seed() uint64 {
	if c.Seed != 0 {
		return c.Seed
	}
	h := fnv.New64a()
	h.Write([]byte(c.Name))
	return h.Sum64()
}

// Draw returns the case's inputs: copies of the fixed values, and the
// random ones drawn with the case's seed (the same every time). It returns
// an error for an invalid domain or shape.
func (c Case) Draw() ([]*tensor.Tensor[float64], error) {
	rng := rand.New(rand.NewPCG(c.seed(), streamInputs))
	out := make([]*tensor.Tensor[float64], len(c.Inputs))
	for i, in := range c.Inputs {
		if in.Value != nil {
			if in.Shape != nil && !tensor.SameShape(in.Shape, in.Value.Shape()) {
				return nil, fmt.Errorf("gradcheck: case %q: input %d: Value has shape %v, Shape says %v", c.Name, i, in.Value.Shape(), in.Shape)
			}
			out[i] = in.Value.Clone()
			continue
		}
		for _, d := range in.Shape {
			if d < 0 {
				return nil, fmt.Errorf("gradcheck: case %q: input %d: negative dimension in shape %v", c.Name, i, in.Shape)
			}
		}
		d := in.Domain
		if d == (Domain{}) {
			d = Real
		}
		if err := d.validate(); err != nil {
			return nil, fmt.Errorf("gradcheck: case %q: input %d: %w", c.Name, i, err)
		}
		t := tensor.Zeros[float64](in.Shape...)
		data := t.Data()
		for k := range data {
			data[k] = d.draw(rng)
		}
		out[i] = t
	}
	return out, nil
}

// Check runs every check the case asks for (Check; CheckJacobian when
// Jacobian is set; GradGradCheck when SecondOrder; CheckJVP when
// ForwardMode) and returns their failures joined, each on its own line and
// saying which check failed ("gradcheck: reverse mode: ", "gradcheck:
// second order: ", "gradcheck: forward mode: "; the reverse-mode report of
// a supplied Jacobian says "against the supplied Jacobian"), followed by
// the inputs and the seed; nil when all pass. errors.Is and errors.As see
// every failure. Invalid options are reported once, before any check.
// Check ignores WantErr, which Run interprets.
func (c Case) Check() error {
	if c.F == nil {
		return fmt.Errorf("gradcheck: case %q: F is nil", c.Name)
	}
	inputs, err := c.Draw()
	if err != nil {
		return err
	}
	names := make([]string, len(c.Inputs))
	var constants []int
	for i, in := range c.Inputs {
		names[i] = in.Name
		if in.Constant {
			constants = append(constants, i)
		}
	}
	seed := c.seed()
	opts := append([]Option{Names(names...), Seed(seed), Constants(constants...)}, c.Options...)
	if _, err := newSettings(fmt.Sprintf("case %q", c.Name), opts, len(inputs)); err != nil {
		return err
	}

	// check names each check as its failures are labelled.
	type check struct {
		label string
		run   func() (Report, error)
	}
	checks := []check{{"reverse mode", func() (Report, error) { return Check(c.F, inputs, opts...) }}}
	if c.Jacobian != nil {
		checks = append(checks, check{"reverse mode", func() (Report, error) { return CheckJacobian(c.F, inputs, c.Jacobian, opts...) }})
	}
	if c.SecondOrder {
		checks = append(checks, check{"second order", func() (Report, error) { return GradGradCheck(c.F, inputs, opts...) }})
	}
	if c.ForwardMode {
		checks = append(checks, check{"forward mode", func() (Report, error) { return CheckJVP(c.F, inputs, opts...) }})
	}
	var errs []error
	var sb strings.Builder
	for _, ch := range checks {
		_, err := ch.run()
		if err == nil {
			continue
		}
		errs = append(errs, err)
		msg := err.Error()
		var ge *Error
		if errors.As(err, &ge) {
			msg = "gradcheck: " + ge.Report.Text()
		}
		// GradGradCheck's and CheckJVP's messages carry their label
		// already; Check's and CheckJacobian's do not.
		if rest := strings.TrimPrefix(msg, "gradcheck: "); !strings.HasPrefix(rest, ch.label+": ") {
			msg = "gradcheck: " + ch.label + ": " + rest
		}
		sb.WriteString(msg + "\n")
	}
	if len(errs) == 0 {
		return nil
	}
	fmt.Fprintf(&sb, "inputs (seed %d):", seed)
	rep := Report{Names: names}
	for i, x := range inputs {
		fmt.Fprintf(&sb, "\n\t%s = %v", rep.label(i), x)
	}
	return &caseError{errs: errs, msg: sb.String()}
}

// caseError is a case's failures, described with the inputs.
type caseError struct {
	errs []error
	msg  string
}

func (e *caseError) Error() string   { return e.msg }
func (e *caseError) Unwrap() []error { return e.errs }

// Run runs each case as a subtest named after it. A case fails with its
// report (and its inputs and seed) when a check fails, or, when WantErr is
// set, unless it fails with a matching error; the expected failure is then
// logged (visible with go test -v). A panic in the function or its backward
// pass fails the case, with the stack, and the suite goes on.
func Run(t *testing.T, cases []Case) {
	t.Helper()
	for i, c := range cases {
		name := c.Name
		if name == "" {
			name = fmt.Sprintf("case %d", i)
		}
		t.Run(name, func(t *testing.T) {
			// A failure points at the call of Run in the user's test.
			t.Helper()
			err := c.Check()
			var pe *PanicError
			switch {
			case c.WantErr == nil && err == nil:
			case c.WantErr == nil:
				if errors.As(err, &pe) {
					t.Errorf("%v\n%s", err, panicStack(pe.Stack))
					return
				}
				t.Error(err)
			case err == nil:
				t.Errorf("gradcheck: every check passed, but the case wants an error matching %q", c.WantErr)
			case !errors.Is(err, c.WantErr):
				t.Errorf("gradcheck: want an error matching %q, got:\n%v", c.WantErr, err)
			default:
				t.Logf("failed as expected:\n%v", err)
			}
		})
	}
}

// panicStack returns the part of a stack from debug.Stack taken in a
// deferred recover that starts at the function that panicked.
func panicStack(stack []byte) string {
	s := string(stack)
	if i := strings.Index(s, "\npanic("); i >= 0 {
		s = s[i+1:]
		if j := strings.Index(s, "\n"); j >= 0 { // the panic( line
			if k := strings.Index(s[j+1:], "\n"); k >= 0 { // its file:line
				s = s[j+1+k+1:]
			}
		}
	}
	return s
}
