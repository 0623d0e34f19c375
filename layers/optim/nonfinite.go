package optim

import (
	"fmt"
	"math"
	"strconv"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// NonFinitePolicy says what an optimizer's Step does when a gradient holds
// NaN or ±Inf, as one poisoned batch or an overflowing loss makes it. Choose
// it with the NonFinite option; every optimizer here accepts it.
type NonFinitePolicy int

const (
	// PropagateNonFinite applies the update whatever the gradients hold,
	// exactly as torch.optim does: a NaN gradient makes NaN weights (and,
	// for Adam and RMSProp, NaN state that never recovers). It checks
	// nothing and costs nothing. It is the default.
	PropagateNonFinite NonFinitePolicy = iota
	// SkipNonFinite checks every gradient before the step. If one holds
	// NaN or ±Inf, Step updates no parameter and no optimizer state (no
	// moment, and no step count of the optimizer's, such as Adam's t,
	// advances), adds one to Skipped, and returns nil, so a loop that
	// stops on errors keeps training on the next batch, as
	// torch.cuda.amp.GradScaler skips optimizer.step() with inf gradients.
	//
	// A Scheduler does not know of it: its Step, called after the skipped
	// one, still moves the schedule to its next step, as torch's
	// scheduler.step() does after GradScaler skipped the optimizer's step
	// (torch warns; Adjoint says nothing). To hold the schedule back, step
	// it only when Skipped did not grow (see Scheduler). Skipped counts the
	// steps skipped since the optimizer was made: SaveState does not save
	// it, and LoadState leaves it as it was.
	SkipNonFinite
	// ErrorNonFinite checks like SkipNonFinite and likewise leaves the
	// parameters and the state untouched, but Step returns a
	// *NonFiniteError naming the first offending parameter, for a caller
	// that wants to stop or to look.
	ErrorNonFinite
)

// String returns the policy's Go name, for example "SkipNonFinite".
func (p NonFinitePolicy) String() string {
	switch p {
	case PropagateNonFinite:
		return "PropagateNonFinite"
	case SkipNonFinite:
		return "SkipNonFinite"
	case ErrorNonFinite:
		return "ErrorNonFinite"
	}
	return "NonFinitePolicy(" + strconv.Itoa(int(p)) + ")"
}

// NonFiniteOption sets an optimizer's NonFinitePolicy; it configures every
// optimizer in this package.
type NonFiniteOption struct{ p NonFinitePolicy }

// NonFinite sets what Step does with a NaN or infinite gradient (default
// PropagateNonFinite, torch.optim's behaviour). The constructors return an
// error for a value that is not one of the three policies.
func NonFinite(p NonFinitePolicy) NonFiniteOption { return NonFiniteOption{p} }

func (o NonFiniteOption) applySGD(c *sgdConfig)         { c.nonFinite = o.p }
func (o NonFiniteOption) applyAdam(c *adamConfig)       { c.nonFinite = o.p }
func (o NonFiniteOption) applyRMSProp(c *rmspropConfig) { c.nonFinite = o.p }

// NonFiniteError reports a gradient that holds NaN or ±Inf, found by Step
// under ErrorNonFinite or by ClipGradNorm (torch's error_if_nonfinite). The
// gradients and parameters are left as they were. Match it with errors.As.
type NonFiniteError struct {
	Op    string  // "ClipGradNorm", or the step, for example "Adam.Step"
	Param int     // index of the first parameter whose gradient is not finite; -1 if all are (a p-norm that overflowed)
	Name  string  // that parameter's name (Var.Name), often "0.weight"; may be ""
	Value string  // its first non-finite element: "NaN", "+Inf" or "-Inf"; "" when Param is -1
	Norm  float64 // ClipGradNorm only: the total norm, NaN or +Inf
}

// Error describes the problem in one line, for example
// `optim: Adam.Step: gradient of parameter 2 ("2.weight") holds NaN; step skipped`.
func (e *NonFiniteError) Error() string {
	what := "all gradients are finite but their norm overflows"
	if e.Param >= 0 {
		what = fmt.Sprintf("gradient of parameter %d", e.Param)
		if e.Name != "" {
			what += fmt.Sprintf(" (%q)", e.Name)
		}
		what += " holds " + e.Value
	}
	if e.Op == "ClipGradNorm" {
		return fmt.Sprintf("optim: ClipGradNorm: total norm is %v: %s; gradients left unscaled", e.Norm, what)
	}
	return fmt.Sprintf("optim: %s: %s; step skipped", e.Op, what)
}

// nonFiniteGuard is an optimizer's NonFinitePolicy and its count of skipped
// steps.
type nonFiniteGuard struct {
	policy  NonFinitePolicy
	skipped int
}

func (g *nonFiniteGuard) set(op string, p NonFinitePolicy) error {
	if p < PropagateNonFinite || p > ErrorNonFinite {
		return fmt.Errorf("optim: %s: unknown non-finite policy %v", op, p)
	}
	g.policy = p
	return nil
}

// allGradsFinite reports whether every gradient of params is finite.
func allGradsFinite[T tensor.Float](params []*autograd.Var[T]) bool {
	for _, p := range params {
		if g := p.Grad(); g != nil && !tensor.AllFinite(g) {
			return false
		}
	}
	return true
}

// firstNonFiniteGrad returns a *NonFiniteError for the first parameter
// whose gradient holds NaN or ±Inf, or nil when every gradient is finite.
func firstNonFiniteGrad[T tensor.Float](op string, params []*autograd.Var[T]) *NonFiniteError {
	for i, p := range params {
		g := p.Grad()
		if g == nil || tensor.AllFinite(g) {
			continue
		}
		return &NonFiniteError{Op: op, Param: i, Name: p.Name(), Value: firstBad(g.Data())}
	}
	return nil
}

// firstBad names the first non-finite element of d.
func firstBad[T tensor.Float](d []T) string {
	for _, x := range d {
		switch f := float64(x); {
		case math.IsNaN(f):
			return "NaN"
		case math.IsInf(f, 1):
			return "+Inf"
		case math.IsInf(f, -1):
			return "-Inf"
		}
	}
	return ""
}
