package parallel

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by Step after Close, and after a Step that failed
// half-way (a panic or runtime.Goexit in a worker, or over a Transport in
// any rank's; a diverged replica): the replicas may then disagree, so the
// trainer refuses to go on.
var ErrClosed = errors.New("parallel: trainer is closed")

// ConfigError reports a Config that New cannot use: a missing constructor,
// optimizer or loss, a worker or micro-batch count out of range. Match it
// with errors.As.
type ConfigError struct {
	Field  string // the Config field, for example "Workers"
	Value  any    // the offending value
	Reason string // what is wrong with it
}

// Error describes the problem in one line, for example
// "parallel: Config.Workers = 9: must be between 1 and MicroBatches (8)".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("parallel: Config.%s = %v: %s", e.Field, e.Value, e.Reason)
}

// BatchError reports a Batch that Step cannot split: fewer rows than
// micro-batches (or than twice as many, with BatchNorm in training mode),
// or targets whose row count differs from the inputs'. Step changes
// nothing then, and the trainer goes on.
type BatchError struct {
	Reason string
}

// Error returns the reason, after "parallel: Step: ".
func (e *BatchError) Error() string { return "parallel: Step: " + e.Reason }

// MismatchError reports replicas that are not the same model: a constructor
// that built different parameter names or shapes for two workers, or (over
// a Transport) two processes that run different models or configurations.
// Replica is the worker or rank that differs from replica 0; Reason says
// how, naming the first parameter or buffer that differs with its name and
// shape in both, for example
// `parameter 0 is "1.weight" [128 64], replica 0's is "1.weight" [256 64]`,
// or the setting that differs.
type MismatchError struct {
	Replica int
	Reason  string
}

// Error names the replica and gives the reason.
func (e *MismatchError) Error() string {
	return fmt.Sprintf("parallel: replica %d differs from replica 0: %s", e.Replica, e.Reason)
}

// DivergedError reports, when Config.Checksum is set, a replica whose
// parameters or buffers after a step differ from replica 0's. By
// construction this cannot happen; it means memory corruption, or a model
// whose Forward depends on something other than its parameters, buffers
// and the micro-batch seed. (Ranks given different batches cannot cause
// it: they apply the same gathered sum. Step refuses them with a
// *BatchError before the step instead, see NewDistributed.)
type DivergedError struct {
	Step      int    // the step, counted from 1
	Replica   int    // the worker or rank that diverged
	Want, Got uint64 // replica 0's checksum and the replica's
}

// Error names the step and the replica, with both checksums.
func (e *DivergedError) Error() string {
	return fmt.Sprintf("parallel: step %d: replica %d diverged: parameter checksum %#016x, replica 0 has %#016x",
		e.Step, e.Replica, e.Got, e.Want)
}

// WorkerPanic is what Step panics with when a worker panicked (a shape
// error in the model, say): the worker's panic value, re-raised on the
// caller's goroutine so that it reaches the caller's recover.
type WorkerPanic struct {
	Worker int
	Value  any
}

// Error names the worker and gives the panic value.
func (e *WorkerPanic) Error() string {
	return fmt.Sprintf("parallel: worker %d panicked: %v", e.Worker, e.Value)
}

// Unwrap returns the panic value when it is an error.
func (e *WorkerPanic) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// GoexitError is what Step returns when a worker's goroutine ended in
// runtime.Goexit during the step, as t.Fatal, t.FailNow and t.Skip of a
// test do when called in Config.Loss (or in the model's Forward): such a
// call ends the goroutine it is made on, which Step cannot stop, so it
// counts the worker as failed, ends the step without it and closes the
// trainer. When the goroutine was the caller's (worker 0, which runs on
// it), Step does not return at all, and the trainer is closed likewise.
// In a test, record the failure in Loss (t.Error) and stop after Step
// returns. Over a Transport every other rank's Step returns it, naming the
// rank.
type GoexitError struct {
	Worker int // the worker, or over a Transport the rank
}

// Error names the worker and says that the trainer is closed.
func (e *GoexitError) Error() string {
	return fmt.Sprintf("parallel: worker %d called runtime.Goexit (t.Fatal in Config.Loss?) during Step; the trainer is closed", e.Worker)
}
