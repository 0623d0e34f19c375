package tensor

import "fmt"

// ArgError reports an argument a kernel cannot use although the shapes are
// fine: a negative tolerance of IsClose, a Comparison that is none of the
// declared ones, a nil tensor where one is needed (AllFinite, HasNaN). Like a *ShapeError it is a programmer error, so the
// kernels panic with it; match it with errors.As.
type ArgError struct {
	Op     string // the function, for example "IsClose"
	Arg    string // the argument, for example "rtol"
	Value  any    // the offending value
	Reason string // what is wrong with it, for example "must be non-negative"
}

// Error describes the problem in one line, for example
// "tensor: IsClose: rtol = -1: must be non-negative".
func (e *ArgError) Error() string {
	return fmt.Sprintf("tensor: %s: %s = %v: %s", e.Op, e.Arg, e.Value, e.Reason)
}
