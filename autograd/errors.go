package autograd

// UsageError reports a call that cannot work whatever its shapes: Backward
// on an output no parameter reaches, an option a function does not take, a
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
