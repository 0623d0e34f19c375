package optim

import "fmt"

// ArgError reports an argument an optimizer or a gradient utility cannot
// use: a negative learning rate or clipping bound, a norm type that is not
// positive. It is a programmer error, so the package panics with it; match
// it with errors.As.
type ArgError struct {
	Op     string // the function, for example "ClipGradNorm"
	Arg    string // the argument, for example "maxNorm"
	Value  any    // the offending value
	Reason string // what is wrong with it
}

// Error describes the problem in one line, for example
// "optim: ClipGradNorm: maxNorm = -1: must be non-negative".
func (e *ArgError) Error() string {
	return fmt.Sprintf("optim: %s: %s = %v: %s", e.Op, e.Arg, e.Value, e.Reason)
}
