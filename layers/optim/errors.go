package optim

import "fmt"

// ArgError reports an argument a gradient utility or a scheduler cannot
// use: a negative clipping bound, a norm type that is not positive, a range
// outside the parameters, a negative step count. ClipGradNorm,
// ClipGradValue and StepRange panic with it (a programmer error);
// Scheduler.SetSteps and ReduceLROnPlateau.SetState return it, as they
// take values read from a checkpoint, and a constructor returns it for a
// nil parameter. Match it with errors.As. A bad hyperparameter given to a
// constructor or SetLR is an ordinary error.
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
