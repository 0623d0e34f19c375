package autograd

import "strconv"

// UsageError reports a call that cannot work whatever its shapes: Backward
// on an output no parameter reaches, an option a function does not take, a
// nil *Var (as an operation's operand, or the receiver of a method), a
// graph already released, a Var of an Arena that has been Reset. Like a
// *tensor.ShapeError it is a programmer error, so the package panics with
// it; match it with errors.As, and the sentinel it may wrap
// (ErrGraphReleased, ErrArenaReset) with errors.Is.
type UsageError struct {
	Op     string // the function or operation, e.g. "Backward"
	Reason string // what is wrong; may be empty when Err says it
	Err    error  // a sentinel error this one wraps, or nil
}

// Error describes the problem in one line, for example
// "autograd: Backward: output does not require a gradient".
func (e *UsageError) Error() string {
	s := "autograd: " + e.Op
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the sentinel error e wraps, if any.
func (e *UsageError) Unwrap() error { return e.Err }

// usage builds a *UsageError.
func usage(op, reason string) *UsageError { return &UsageError{Op: op, Reason: reason} }

// nilOperand returns the *UsageError of operation op given a nil *Var as
// its operand at position pos: the operands are the op's *Var arguments,
// counted from 1 in the order of its parameters (the elements of a list
// of them, Concat's or Einsum's, in the list's order), for example
// "autograd: MatMul: operand 2 is nil". It is kept out of line so that
// the checks cost one comparison each.
//
//go:noinline
func nilOperand(op string, pos int) *UsageError {
	return usage(op, "operand "+strconv.Itoa(pos)+" is nil")
}

// nilReceiverReason is the Reason of the *UsageError of a method of *Var
// called on a nil *Var, for example "autograd: Backward: called on a nil
// *Var". The methods panic with a composite literal rather than calling a
// function, which would keep the small ones (Grad, checkLive) from being
// inlined.
const nilReceiverReason = "called on a nil *Var"

// checkOperands panics with a *UsageError naming op and the operand when
// one of xs, the operands of op in order, is nil, rather than letting the
// op dereference it. An op with optional operands (Linear's bias, which
// comes last) lists only the others.
func checkOperands[T Float](op string, xs ...*Var[T]) {
	for i, x := range xs {
		if x == nil {
			panic(nilOperand(op, i+1))
		}
	}
}
