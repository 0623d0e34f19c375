package autograd

import "strconv"

// UsageError reports a call that cannot work whatever its shapes: Backward
// on an output no parameter reaches, an option a function does not take, a
// nil *Var (as an operation's operand, or the receiver of Value, Shape,
// Item, Backward and the other methods that act on its value or graph), a
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
// function, which would keep the small ones (checkLive) from being
// inlined; Grad, RequiresGrad, Name and the other one-line accessors have
// no check, which would keep them from being inlined.
const nilReceiverReason = "called on a nil *Var"

// checkOperands1 panics with a *UsageError naming op and the operand when
// x, the first operand of op, is nil, rather than letting the op
// dereference it. checkOperands2 and checkOperands3 check the first two
// and three operands, and checkOperands a list of them: an op with
// optional operands (Linear's bias, which comes last) checks only the
// others. The fixed-arity forms compile to one comparison and branch per
// operand, with nothing spilled to the stack (the variadic one stores its
// operands in an array and loops).
func checkOperands1[T Float](op string, x *Var[T]) {
	if x == nil {
		panic(nilOperand(op, 1))
	}
}

// checkOperands2 is checkOperands1 for the first two operands, a and b.
func checkOperands2[T Float](op string, a, b *Var[T]) {
	if a == nil || b == nil {
		panicNilOperand(op, a, b, nil)
	}
}

// checkOperands3 is checkOperands1 for the first three operands.
func checkOperands3[T Float](op string, a, b, c *Var[T]) {
	if a == nil || b == nil || c == nil {
		panicNilOperand(op, a, b, c)
	}
}

// panicNilOperand panics with nilOperand for the first of a, b and c
// that is nil. It is the checks' one call, out of line, so that they stay
// small enough to be inlined.
//
//go:noinline
func panicNilOperand[T Float](op string, a, b, c *Var[T]) {
	switch {
	case a == nil:
		panic(nilOperand(op, 1))
	case b == nil:
		panic(nilOperand(op, 2))
	}
	panic(nilOperand(op, 3))
}

// checkOperands is checkOperands1 for a list of operands xs (Concat's).
func checkOperands[T Float](op string, xs ...*Var[T]) {
	for i, x := range xs {
		if x == nil {
			panic(nilOperand(op, i+1))
		}
	}
}
