//go:build mpi

package mpi

/*
#cgo pkg-config: mpi
#include <mpi.h>
#include <stdlib.h>

static MPI_Comm adj_world(void) { return MPI_COMM_WORLD; }
static MPI_Datatype adj_float(void) { return MPI_FLOAT; }
static MPI_Datatype adj_double(void) { return MPI_DOUBLE; }
static MPI_Datatype adj_byte(void) { return MPI_BYTE; }
static MPI_Op adj_sum(void) { return MPI_SUM; }
static MPI_Op adj_max(void) { return MPI_MAX; }
static MPI_Op adj_min(void) { return MPI_MIN; }
static void *adj_in_place(void) { return MPI_IN_PLACE; }
static int adj_errors_return(MPI_Comm c) { return MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN); }
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"time"
	"unsafe"

	"github.com/adjoint-go/adjoint/layers/parallel"
)

// DefaultTimeout is a new Comm's Timeout.
const DefaultTimeout = 2 * time.Minute

// ErrFinalized is returned by the methods of a Comm after Finalize.
var ErrFinalized = errors.New("mpi: finalized")

// Error is an MPI error code turned into a Go error.
type Error struct {
	Op    string // the MPI function, for example "MPI_Allgatherv"
	Code  int    // the error code it returned
	Class int    // its error class (MPI_Error_class)
	Msg   string // MPI_Error_string's message
}

func (e *Error) Error() string {
	return fmt.Sprintf("mpi: %s: %s (code %d, class %d)", e.Op, e.Msg, e.Code, e.Class)
}

// TimeoutError is returned when a call did not complete within the
// Comm's Timeout; see the package documentation.
type TimeoutError struct {
	Op    string
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("mpi: %s did not complete within %v: a rank died or never made the same call; the communicator is unusable, exit the process", e.Op, e.After)
}

// Op is a reduction operation of Allreduce.
type Op int

const (
	Sum Op = iota // MPI_SUM
	Max           // MPI_MAX
	Min           // MPI_MIN
)

// Float is the element type of the typed collectives: float32 (MPI_FLOAT)
// or float64 (MPI_DOUBLE).
type Float interface{ ~float32 | ~float64 }

// Comm is MPI_COMM_WORLD after Init: the processes mpirun started. Its
// methods and the collectives may be called from any goroutine, one call
// at a time; see the package documentation for threads and timeouts.
type Comm struct {
	// Timeout bounds every call; 0 waits forever.
	Timeout time.Duration

	comm       C.MPI_Comm
	rank, size int
	calls      chan func()
	broken     error
}

// Init initializes MPI (MPI_Init_thread at MPI_THREAD_FUNNELED) on a
// goroutine locked to its OS thread, which then runs every MPI call, and
// returns the world communicator. It fails if MPI is already initialized,
// and if MPI provides a thread level below MPI_THREAD_FUNNELED (that
// thread need not be the main one), after finalizing it.
func Init() (*Comm, error) {
	c := &Comm{Timeout: DefaultTimeout, calls: make(chan func())}
	errc := make(chan error)
	go c.serve(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return c, nil
}

// serve is the MPI thread: it initializes MPI, then runs the calls it is
// handed until Finalize closes the channel.
func (c *Comm) serve(errc chan<- error) {
	runtime.LockOSThread()
	var flag C.int
	C.MPI_Initialized(&flag)
	if flag != 0 {
		errc <- errors.New("mpi: Init: MPI is already initialized")
		return
	}
	var provided C.int
	if rc := C.MPI_Init_thread(nil, nil, C.MPI_THREAD_FUNNELED, &provided); rc != C.MPI_SUCCESS {
		errc <- newError("MPI_Init_thread", rc)
		return
	}
	if err := threadError(int(provided), threadFunneled); err != nil {
		C.MPI_Finalize()
		errc <- err
		return
	}
	c.comm = C.adj_world()
	var rank, size C.int
	C.adj_errors_return(c.comm)
	C.MPI_Comm_rank(c.comm, &rank)
	C.MPI_Comm_size(c.comm, &size)
	c.rank, c.size = int(rank), int(size)
	errc <- nil
	for f := range c.calls {
		f()
	}
}

// The MPI thread levels, in increasing order of what they allow.
const (
	threadSingle     = int(C.MPI_THREAD_SINGLE)
	threadFunneled   = int(C.MPI_THREAD_FUNNELED)
	threadSerialized = int(C.MPI_THREAD_SERIALIZED)
	threadMultiple   = int(C.MPI_THREAD_MULTIPLE)
)

// threadError returns Init's error when MPI_Init_thread provided thread
// level provided, below required, or nil.
func threadError(provided, required int) error {
	if provided >= required {
		return nil
	}
	return fmt.Errorf("mpi: Init: MPI provides thread level %s, below the %s its calls need (they run on a thread of their own, not main's); MPI is finalized",
		threadName(provided), threadName(required))
}

// threadName is the name of an MPI thread level.
func threadName(level int) string {
	switch level {
	case threadSingle:
		return "MPI_THREAD_SINGLE"
	case threadFunneled:
		return "MPI_THREAD_FUNNELED"
	case threadSerialized:
		return "MPI_THREAD_SERIALIZED"
	case threadMultiple:
		return "MPI_THREAD_MULTIPLE"
	}
	return fmt.Sprintf("%d", level)
}

// newError turns an MPI return code into an *Error.
func newError(op string, rc C.int) error {
	if rc == C.MPI_SUCCESS {
		return nil
	}
	var class, n C.int
	C.MPI_Error_class(rc, &class)
	buf := make([]C.char, C.MPI_MAX_ERROR_STRING)
	C.MPI_Error_string(rc, &buf[0], &n)
	return &Error{Op: op, Code: int(rc), Class: int(class), Msg: C.GoStringN(&buf[0], n)}
}

// do runs f on the MPI thread and returns its error, or a *TimeoutError
// if it did not complete within the Timeout.
func (c *Comm) do(op string, f func() C.int) error {
	if c.broken != nil {
		return c.broken
	}
	done := make(chan error, 1)
	c.calls <- func() { done <- newError(op, f()) }
	if c.Timeout <= 0 {
		return <-done
	}
	t := time.NewTimer(c.Timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		c.broken = &TimeoutError{Op: op, After: c.Timeout}
		return c.broken
	}
}

// Rank returns this process's rank in the world, from 0 to Size()-1.
func (c *Comm) Rank() int { return c.rank }

// Size returns the number of processes.
func (c *Comm) Size() int { return c.size }

// Barrier waits until every rank has called it.
func (c *Comm) Barrier() error {
	return c.do("MPI_Barrier", func() C.int { return C.MPI_Barrier(c.comm) })
}

// Finalize ends MPI (MPI_Finalize) and stops the MPI thread. Every rank
// must call it before exiting normally. After a *TimeoutError it returns
// that error without calling MPI_Finalize, which would hang.
func (c *Comm) Finalize() error {
	if c.broken != nil {
		return c.broken
	}
	err := c.do("MPI_Finalize", func() C.int { return C.MPI_Finalize() })
	close(c.calls)
	c.broken = ErrFinalized
	return err
}

// Abort ends every process of the job with the given exit code
// (MPI_Abort). It is called directly, not on the MPI thread, so that it
// works while a collective is stuck.
func (c *Comm) Abort(code int) {
	C.MPI_Abort(c.comm, C.int(code))
}

// datatype returns the MPI datatype of T.
func datatype[T Float]() C.MPI_Datatype {
	var zero T
	if unsafe.Sizeof(zero) == 4 {
		return C.adj_float()
	}
	return C.adj_double()
}

func (o Op) mpi() C.MPI_Op {
	switch o {
	case Max:
		return C.adj_max()
	case Min:
		return C.adj_min()
	}
	return C.adj_sum()
}

// ptr returns a pointer to the first element of s, or nil.
func ptr[T any](s []T) unsafe.Pointer {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Pointer(&s[0])
}

// count checks that n fits MPI's int count.
func count(op string, n int) (C.int, error) {
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("mpi: %s: %d elements exceed MPI's int count", op, n)
	}
	return C.int(n), nil
}

// Allreduce combines send from every rank element by element with op and
// writes the result into recv on every rank (MPI_Allreduce). send and recv
// have the same length and do not overlap. MPI chooses the order of the
// additions for Sum; the data-parallel trainer does not use it for
// gradients for that reason (see package parallel).
func Allreduce[T Float](c *Comm, send, recv []T, op Op) error {
	if len(send) != len(recv) {
		return fmt.Errorf("mpi: Allreduce: send has %d elements, recv %d", len(send), len(recv))
	}
	n, err := count("Allreduce", len(send))
	if err != nil {
		return err
	}
	return c.do("MPI_Allreduce", func() C.int {
		return C.MPI_Allreduce(ptr(send), ptr(recv), n, datatype[T](), op.mpi(), c.comm)
	})
}

// Allgather collects send (the same length on every rank) from every rank
// into recv, rank 0's first (MPI_Allgather). recv has Size()·len(send)
// elements.
func Allgather[T Float](c *Comm, send, recv []T) error {
	if len(recv) != c.size*len(send) {
		return fmt.Errorf("mpi: Allgather: recv has %d elements, want %d ranks × %d", len(recv), c.size, len(send))
	}
	n, err := count("Allgather", len(send))
	if err != nil {
		return err
	}
	return c.do("MPI_Allgather", func() C.int {
		return C.MPI_Allgather(ptr(send), n, datatype[T](), ptr(recv), n, datatype[T](), c.comm)
	})
}

// Bcast copies root's buf into every rank's buf (MPI_Bcast).
func Bcast[T Float](c *Comm, buf []T, root int) error {
	n, err := count("Bcast", len(buf))
	if err != nil {
		return err
	}
	return c.do("MPI_Bcast", func() C.int {
		return C.MPI_Bcast(ptr(buf), n, datatype[T](), C.int(root), c.comm)
	})
}

// AllgatherInPlace implements parallel.Transport with MPI_Allgatherv on
// bytes, in place: buf is counts[0] + counts[1] + ... bytes, this rank's
// block filled on entry, every block filled on return.
func (c *Comm) AllgatherInPlace(buf []byte, counts []int) error {
	if len(counts) != c.size {
		return fmt.Errorf("mpi: AllgatherInPlace: %d counts for %d ranks", len(counts), c.size)
	}
	cs, ds, err := countsDispls("AllgatherInPlace", counts, len(buf))
	if err != nil {
		return err
	}
	return c.do("MPI_Allgatherv", func() C.int {
		return C.MPI_Allgatherv(C.adj_in_place(), 0, C.adj_byte(), ptr(buf), &cs[0], &ds[0], C.adj_byte(), c.comm)
	})
}

// Broadcast implements parallel.Transport: MPI_Bcast of bytes from root.
func (c *Comm) Broadcast(buf []byte, root int) error {
	n, err := count("Broadcast", len(buf))
	if err != nil {
		return err
	}
	return c.do("MPI_Bcast", func() C.int {
		return C.MPI_Bcast(ptr(buf), n, C.adj_byte(), C.int(root), c.comm)
	})
}

// A *Comm carries the data-parallel trainer between processes.
var _ parallel.Transport = (*Comm)(nil)

// Alltoallv implements parallel.Transport with MPI_Alltoallv on bytes.
func (c *Comm) Alltoallv(send []byte, sendCounts []int, recv []byte, recvCounts []int) error {
	if len(sendCounts) != c.size || len(recvCounts) != c.size {
		return fmt.Errorf("mpi: Alltoallv: %d send and %d recv counts for %d ranks", len(sendCounts), len(recvCounts), c.size)
	}
	sc, sd, err := countsDispls("Alltoallv", sendCounts, len(send))
	if err != nil {
		return err
	}
	rc, rd, err := countsDispls("Alltoallv", recvCounts, len(recv))
	if err != nil {
		return err
	}
	return c.do("MPI_Alltoallv", func() C.int {
		return C.MPI_Alltoallv(ptr(send), &sc[0], &sd[0], C.adj_byte(), ptr(recv), &rc[0], &rd[0], C.adj_byte(), c.comm)
	})
}

// countsDispls returns counts as MPI ints and their displacements,
// checking that they add up to n.
func countsDispls(op string, counts []int, n int) (cs, ds []C.int, err error) {
	cs, ds = make([]C.int, len(counts)), make([]C.int, len(counts))
	off := 0
	for r, k := range counts {
		if cs[r], err = count(op, k); err != nil {
			return nil, nil, err
		}
		if ds[r], err = count(op, off); err != nil {
			return nil, nil, err
		}
		off += k
	}
	if off != n {
		return nil, nil, fmt.Errorf("mpi: %s: counts add up to %d bytes, the buffer has %d", op, off, n)
	}
	return cs, ds, nil
}
