package gradcheck

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// This file holds the errors of the checks.

// ErrMismatch is wrapped by every *Error: the analytic Jacobian disagrees
// with the reference beyond the tolerance.
var ErrMismatch = errors.New("analytic gradient disagrees with the reference")

// Error is returned when gradients disagree; it carries the report and
// wraps ErrMismatch.
type Error struct{ Report Report }

// Error formats the report behind a "gradcheck: " prefix.
func (e *Error) Error() string { return "gradcheck: " + e.Report.String() }

// Unwrap returns ErrMismatch.
func (e *Error) Unwrap() error { return ErrMismatch }

// ErrMutatedInput is wrapped by the error of a check whose function (or
// backward pass) changed an input's values: such a function cannot be
// checked, and is usually a bug (an in-place operation on its argument).
var ErrMutatedInput = errors.New("function modified its input")

// ErrOrderDependent is wrapped by *OrderError: the analytic gradient changed
// between two evaluations at the same point, so it depends on the order of
// evaluation (a backward that keeps state between calls, state shared between
// two applications of an op, or a nondeterministic reduction).
var ErrOrderDependent = errors.New("gradient depends on evaluation order")

// OrderError reports the first value that differs between the two
// evaluations every check makes at the same point. The first builds the
// graph and differentiates output elements first to last; the second builds
// a fresh graph, evaluates the function once more at another point (as an
// unrelated forward pass would), then differentiates output elements last to
// first with the inputs listed in reverse order. A correct function and its
// gradient are identical, bit for bit, both times. OrderError wraps
// ErrOrderDependent.
type OrderError struct {
	// Input, Index, Output and Grad locate the Jacobian element, as in
	// Element. Input is -1 when the function's value itself differed (in
	// GradGradCheck: the first-order gradient), at Output (of gradient Grad).
	Input  int
	Index  []int
	Output []int
	Grad   int
	First  float64 // the value in the first evaluation
	Second float64 // the value in the second evaluation
	Where  string  // the element as reports name it: "input 0 element [1], output []"
	prefix string
}

func (e *OrderError) Error() string {
	if e.Input < 0 {
		return fmt.Sprintf("%s%v: %s was %.17g at the first evaluation and %.17g at the second, at the same point (state kept between calls)",
			e.prefix, ErrOrderDependent, e.Where, e.First, e.Second)
	}
	return fmt.Sprintf("%s%v: %s: %.17g when differentiated first, %.17g after another forward pass and in reverse order (a backward that keeps state between calls, or state shared between applications of an op)",
		e.prefix, ErrOrderDependent, e.Where, e.First, e.Second)
}

// Unwrap returns ErrOrderDependent.
func (e *OrderError) Unwrap() error { return ErrOrderDependent }

// PanicError is returned when the function under test, its backward pass,
// its forward-mode rule or a supplied Jacobian panicked. Its message starts
// with the prefix of the check that caught it ("gradcheck: ", "gradcheck:
// second order: " or "gradcheck: forward mode: ") and says what may have
// panicked. It unwraps to the panic value when that is an error (a
// *tensor.ShapeError, say).
type PanicError struct {
	Value any    // what was passed to panic
	Stack []byte // the goroutine's stack where the panic was recovered
	// prefix and where are the check's prefix and what may have panicked
	// in it; empty reads "gradcheck: " and every suspect.
	prefix, where string
}

func (e *PanicError) Error() string {
	prefix, where := e.prefix, e.where
	if prefix == "" {
		prefix = "gradcheck: "
	}
	if where == "" {
		where = "the function under test, its backward pass, its forward-mode rule or the supplied Jacobian"
	}
	return fmt.Sprintf("%spanic in %s: %v", prefix, where, e.Value)
}

// Unwrap returns the panic value if it is an error, and nil otherwise.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// catch turns a panic into a *PanicError in *err, whose message starts
// with prefix and blames where. Defer it directly.
func catch(err *error, prefix, where string) {
	if r := recover(); r != nil {
		*err = &PanicError{Value: r, Stack: debug.Stack(), prefix: prefix, where: where}
	}
}
