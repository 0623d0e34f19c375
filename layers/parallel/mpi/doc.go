// Package mpi is a thin cgo binding to the MPI C API (tested with Open
// MPI, Debian's openmpi-bin and libopenmpi-dev): Init and Finalize, rank
// and size, Allreduce, Allgather and Bcast on float32 and float64 buffers,
// Barrier, and MPI error codes as Go errors (*Error). A *Comm is also a
// parallel.Transport, so that parallel.NewDistributed trains one model
// replica per process with the same bits as the goroutine trainer.
//
// The package needs cgo and an MPI installation, so it is built only with
// the build tag mpi; without it the package is this comment alone, and
// `go build ./...`, `go vet ./...` and staticcheck stay pure Go:
//
//	apt-get install -y openmpi-bin libopenmpi-dev
//	mpirun -np 2 go run -tags mpi ./examples/digits -mpi
//
// (as root, mpirun also wants --allow-run-as-root; with more ranks than
// cores, --oversubscribe).
//
// # API
//
// go doc ignores build tags, so it shows this comment alone; the package
// holds (see mpi.go for each one's documentation):
//
//	func Init() (*Comm, error)                 // MPI_Init_thread, once per process
//	type Comm struct{ Timeout time.Duration }  // MPI_COMM_WORLD; a parallel.Transport
//	func (c *Comm) Rank() int
//	func (c *Comm) Size() int
//	func (c *Comm) Barrier() error
//	func (c *Comm) Finalize() error
//	func (c *Comm) Abort(code int)
//	func Allreduce[T Float](c *Comm, send, recv []T, op Op) error  // op: Sum, Max, Min
//	func Allgather[T Float](c *Comm, send, recv []T) error
//	func Bcast[T Float](c *Comm, buf []T, root int) error
//	const DefaultTimeout = 2 * time.Minute
//	var ErrFinalized error
//	type Error struct{ ... }                   // an MPI error code, its class and message
//	type TimeoutError struct{ ... }            // a call that did not complete within Timeout
//
// plus the byte-level methods of parallel.Transport (AllgatherInPlace,
// Broadcast, Alltoallv), which parallel.NewDistributed calls.
//
// # Threads
//
// MPI is initialized at MPI_THREAD_FUNNELED: every call runs on one
// goroutine locked to the OS thread that called MPI_Init_thread, to which
// the Comm's methods hand their work. Comm methods may be called from any
// goroutine, one at a time. An MPI built without thread support, which
// provides only MPI_THREAD_SINGLE, does not allow this (that thread is not
// the main one): Init returns an error then.
//
// # Failures and timeouts
//
// Errors are returned, not fatal: the world communicator's error handler
// is MPI_ERRORS_RETURN, and a failing call returns an *Error with MPI's
// code, class and message. A collective that does not complete within
// Comm.Timeout (DefaultTimeout, 2 minutes, unless changed) returns a
// *TimeoutError instead of hanging: the usual cause is a rank that died
// or never reached the same call (a crashed process, a mismatched
// program). The stuck call cannot be cancelled, so the Comm is unusable
// afterwards (every call returns the same error); the program should
// report the error and exit with a non-zero status, or call Abort, and
// mpirun then ends the other ranks. A rank that exits or crashes is also
// noticed by mpirun itself, which terminates the job ("mpirun has exited
// due to process rank 1 ... exiting improperly"); the timeout covers the
// rank that is alive but never arrives.
package mpi
