package parallel

import (
	"fmt"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// Float is the element type constraint: float32 or float64.
type Float = tensor.Float

// DefaultMicroBatches is the number of micro-batches when
// Config.MicroBatches is 0. It is divisible by 1, 2, 4 and 8, so that
// those worker counts get equal shares.
const DefaultMicroBatches = 8

// Config is what New needs to build a data-parallel trainer.
type Config[T Float] struct {
	// Model builds one replica of the model. It is called once per worker
	// (or once per process, over a Transport) and must build the same
	// architecture every time, a new model each time: New refuses, with a
	// *ConfigError, replicas that share a parameter, a buffer or a layer
	// with state (a training mode, a generator: even a Dropout with p = 0,
	// harmless as it is, for simplicity). The
	// weights may differ, since the trainer
	// copies replica 0's parameters and buffers into the others (as
	// PyTorch's DDP broadcasts rank 0's).
	Model func() (layers.Module[T], error)
	// Optimizer builds the optimizer of one replica over its parameters,
	// for example
	//
	//	func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
	//		return optim.NewAdam(ps, 1e-3)
	//	}
	//
	// New calls it for replica 0 first. If that optimizer is one of
	// package optim's (*optim.SGD, *optim.Adam, *optim.AdamW,
	// *optim.RMSProp or *optim.Adagrad, which implement
	// optim.SplitStepper) over exactly the parameters it was given, in
	// order, it is the only one: the other replicas' parameters share
	// replica 0's weights (autograd's ShareValue), and the workers make
	// the optimizer's step together, each over a range of the elements,
	// with its BeginStep and StepRange: its Step is never called.
	//
	// Any other optimizer, including a type of your own that embeds one of
	// those (and so has their BeginStep and StepRange) to add something to
	// Step, has its Step called, never bypassed: New calls Optimizer for
	// every replica, and each makes the whole step on its own copy of the
	// weights, with its own copy of the summed gradient, which its Step
	// may write into (to clip it, say: but Config.ClipGradNorm does that
	// once for all the replicas, and with the shared step). Each Step then
	// first copies replica 0's weights (Trainer.Model's) into the other
	// replicas, so that weights set or loaded into Model between steps
	// reach every replica; it costs one pass over the weights, and one
	// over the gradients, per replica.
	Optimizer func(params []*autograd.Var[T]) (optim.Optimizer[T], error)
	// Loss returns the scalar loss of a micro-batch from the model's output
	// on its inputs: the MEAN over its rows (autograd.CrossEntropy,
	// autograd.MSE with their default reduction). The trainer weights each
	// micro-batch by its share of the rows, n_i/N, so that the sum is the
	// batch's mean loss. It runs on the workers' goroutines, concurrently;
	// anything it records outside the returned Var must be per micro-batch
	// (indexed by MicroBatch.Index).
	//
	// out, MicroBatch.Y and every Var made from them (the loss too) live in
	// the micro-batch's autograd.Arena, which the trainer resets and reuses
	// for the same micro-batch at the next step: their tensors
	// (out.Value(), say) are overwritten then, and reading them afterwards
	// panics or shows another step's numbers. To keep something for
	// metrics (predictions, accuracy), copy it out inside Loss: a number
	// (loss.Item(), a count of correct labels) or a tensor's Clone, into
	// storage of the micro-batch's own. The same holds for the rows of
	// Batch.X a micro-batch is given (copied into a buffer reused at every
	// step). Do not call t.Fatal or t.FailNow of a test here: see
	// GoexitError.
	//
	// A loss whose mean is not over the rows, such as
	// autograd.CrossEntropyWith with IgnoreIndex (the mean over the labels
	// not ignored) or with class weights (divided by the sum of the labels'
	// weights), is not supported as such: weighting each micro-batch's mean
	// by its rows is then wrong (padding spread unevenly over micro-batches
	// gives a wrong gradient), and a micro-batch that is all padding has a
	// NaN mean, which makes the step's loss NaN. The trainer cannot see
	// inside Loss to refuse it. Instead return the micro-batch's SUM
	// (autograd.ReduceSum) times N/(n_i·K), with N and n_i the batch's and
	// the micro-batch's rows and K the whole batch's divisor (its labels not
	// ignored, or the sum of their weights), computed before each Step:
	//
	//	opts.Reduction = autograd.ReduceSum
	//	Loss: func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
	//		s := autograd.CrossEntropyWith(out, mb.Labels, opts)
	//		return autograd.Scale(s, float32(n)/(float32(mb.Hi-mb.Lo)*k))
	//	}
	//
	// The step then has the loss and the gradient of the batch's mean, to
	// rounding, and still the same bits for any number of workers.
	Loss LossFunc[T]
	// Workers is how many replicas compute micro-batches at once, each on
	// a goroutine of its own (worker 0 on the caller's): from 1 to
	// MicroBatches. NewDistributed ignores it (one replica per process).
	Workers int
	// MicroBatches is how many parts every batch is divided into (0 means
	// DefaultMicroBatches). It fixes the arithmetic: the same
	// MicroBatches gives the same bits for any number of workers.
	MicroBatches int
	// Seed seeds the layers that draw random numbers (Reseeder, such as
	// this package's Dropout): each micro-batch gets a seed made of Seed,
	// the step number and the micro-batch's index. A resumed run needs
	// the step number too: see Trainer.SetSteps.
	Seed uint64
	// Checksum, when set, hashes every replica's parameters and buffers
	// after each step and returns a *DivergedError if one differs from
	// replica 0's. It costs one pass over the parameters per replica.
	// When the replicas share one copy of the weights (one of package
	// optim's optimizers; see Optimizer), their parameters
	// agree by construction and what it can catch is a buffer that
	// differs (BatchNorm's running statistics).
	Checksum bool
	// ClipGradNorm, when positive, clips the step's summed gradient (the
	// batch's) to a total norm of at most ClipGradNorm, as
	// optim.ClipGradNorm does, once, before the optimizer's step, whatever
	// the optimizer: the gradients are multiplied by
	// ClipGradNorm/(norm+1e-6) when that is below 1. Over a Transport every
	// rank clips the gathered sum alike. Trainer.GradNorm returns the norm
	// before clipping (math.Inf(1) here measures without clipping).
	//
	// The norm is taken over all the gradient elements as one vector, in
	// float64, in pieces of 64 elements whose partial norms are added in
	// order, so that it has the same bits for any number of workers or
	// ranks; it equals optim.ClipGradNorm's to rounding. A NaN or infinite
	// norm is optim.ClipGradNorm's error too: the step is skipped by every
	// replica (no weight or optimizer state moves; the buffers, such as
	// BatchNorm's running statistics, take the step's Forward as always)
	// and Step returns ClipGradNorm's *optim.NonFiniteError, with the
	// loss; the trainer goes on. The optimizer's NonFinitePolicy never
	// sees such a step. With package optim's optimizers the workers meet
	// once more per step (see the package documentation).
	//
	// New returns a *ConfigError for a negative or NaN ClipGradNorm.
	ClipGradNorm float64
	// ClipNormType is the p of ClipGradNorm's p-norm: 0 (the default) or
	// 2 for the L2 norm, math.Inf(1) for the largest absolute value, any
	// other positive p for the p-norm. New returns a *ConfigError for a
	// negative or NaN one, or one given without ClipGradNorm.
	ClipNormType float64
}

// LossFunc computes the loss of a micro-batch; see Config.Loss.
type LossFunc[T Float] func(out *autograd.Var[T], mb MicroBatch[T]) *autograd.Var[T]

// Batch is one optimizer step's data. Its rows (dimension 0 of X) are
// divided into Config.MicroBatches consecutive micro-batches whose sizes
// differ by at most one, the larger first: with N rows and M micro-batches,
// the first N mod M have ⌈N/M⌉ rows and the rest ⌊N/M⌋. N must be at
// least M, and at least 2M while the model has a BatchNorm1d layer in
// training mode (see the package documentation). Y and Labels, when not
// nil, are the targets, split the same way.
type Batch[T Float] struct {
	X      *tensor.Tensor[T]
	Y      *tensor.Tensor[T] // targets with N rows, or nil
	Labels []int             // class labels, N of them, or nil
}

// MicroBatch is what the loss function sees of a micro-batch besides the
// model's output: its index, its rows [Lo, Hi) of the batch, and its
// targets. Y lives in the micro-batch's Arena, like the output (see
// Config.Loss: copy what you keep).
type MicroBatch[T Float] struct {
	Index  int
	Lo, Hi int
	Y      *autograd.Var[T] // rows Lo..Hi of Batch.Y, a constant; nil if none
	Labels []int            // Batch.Labels[Lo:Hi]; nil if none
}

// Reseeder is implemented by layers that draw random numbers in Forward
// (this package's Dropout). The trainer reseeds every one of them before
// each micro-batch with a seed that depends on Config.Seed, the step, the
// micro-batch and the layer's position in the model, never on the worker,
// so the draws, and the bits, do not depend on the number of workers.
type Reseeder interface {
	Reseed(seed uint64)
}

// Trainer trains one model on many cores (New) or many processes
// (NewDistributed) by data parallelism. See the package documentation.
// A Trainer belongs to one goroutine at a time.
type Trainer[T Float] struct {
	cfg    Config[T]
	micro  int
	l      layout
	reps   []*replica[T] // the local replicas: Workers of them, or one per process
	ms     []mbState[T]  // per micro-batch
	top    int           // the tree's last addition is slots[0] += slots[top] (0: none)
	slots  [][]T         // one per micro-batch (nil for one never written)
	whole  []*tensor.Tensor[T]
	pviews [][]*tensor.Tensor[T] // pviews[i][k]: parameter k's gradient in slot i, in its shape
	tails  [][]T                 // each local replica's sum of the slots past the gradients (see apply)
	rows   []span                // each micro-batch's rows, for batches of n rows
	n      int
	cur    Batch[T]
	step   int
	sums   []uint64
	closed bool

	// The goroutine backend divides a step into units of unit consecutive
	// micro-batches, units of them; worker w computes those of queue[w]
	// from the front, then takes the others' from the back (see take).
	// nodes[k*micro+i] counts the arrivals at the tree's addition
	// slots[i] += slots[i+s], s = unit<<k (see finish).
	unit, units int
	queue       []queue
	nodes       []atomic.Int32

	// With one of package optim's optimizers (see Config.Optimizer),
	// replica 0's optimizer is the only one, every replica's parameters
	// share replica 0's weights, and worker w makes the step over the
	// parameters' elements ranges[w] (numbered as in the slots).
	split   optim.SplitStepper[T]
	check   bool         // its policy needs the gradients checked (not optim.PropagateNonFinite)
	ranges  []span       // each worker's elements of [0, P)
	bad     atomic.Int32 // the workers that found a non-finite gradient in their range
	prepare func(int)    // runs phasePrepare; made once, so that a step makes no closure
	stepOK  bool         // BeginStep's decision for this step
	stepErr error        // the optimizer's error this step (optim.ErrorNonFinite's)

	// With Config.ClipGradNorm: the step's clipping, and with one of
	// package optim's optimizers the partial norm of each piece of the
	// summed gradient (see normPiece), each worker writing its range's.
	clip  bool
	clipP float64     // the norm's type
	clips clipping[T] // the last step's (replica 0's)
	parts []float64

	bar      *barrier // where the goroutine workers meet between phases
	meets    int      // how many times a step, after its start
	startGen []uint64 // bar's generation at each worker's start of the step
	quit     bool     // set by Close before it releases the workers
	fails    atomic.Int32
	panic    []any

	own    []span       // over a Transport: the micro-batches this rank computes
	reach  []int        // and the tree's additions among them, see localReach
	dist   *distributed // nil for the goroutine backend
	send   []T          // over a Transport: this rank's micro-batches, chunk by chunk
	recv   []T          // this rank's chunk of every micro-batch
	chunk  *blocks[T]   // recv by micro-batch, for treeSum
	sum    []T          // the reduced slot
	sumVws []*tensor.Tensor[T]
}

// phase is a part of a step that every worker runs.
type phase int

const (
	phaseCompute phase = iota // forward and backward of micro-batches, and the tree's additions but the last
	phaseSum                  // the tree's last addition, shared among the workers by elements (and, split, the finite check)
	phaseApply                // every replica's optimizer step on the summed gradients (and checksum)
	phasePrepare              // split: the tail's sum and the optimizer's BeginStep, by the last worker to arrive
	phaseUpdate               // split: each worker's range of the tree's last addition and of the optimizer's step
)

// New builds a trainer of cfg.Workers replicas on goroutines. It returns a
// *ConfigError for a Config it cannot use, a *MismatchError if the
// replicas differ in their parameters' or buffers' names or shapes, and
// the errors of cfg.Model and cfg.Optimizer. Close it when done, to stop
// its goroutines.
func New[T Float](cfg Config[T]) (*Trainer[T], error) {
	t, err := newTrainer(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Workers < 1 || cfg.Workers > t.micro {
		return nil, &ConfigError{Field: "Workers", Value: cfg.Workers, Reason: "must be between 1 and MicroBatches (" + strconv.Itoa(t.micro) + ")"}
	}
	owner := make(map[any]int) // each parameter's value, buffer and stateful layer: the replica it belongs to
	for w := range cfg.Workers {
		r, l, err := newReplica(&t.cfg, w, w == 0 || t.split == nil)
		if err != nil {
			return nil, err
		}
		if v := claim(owner, r, w); v >= 0 {
			return nil, &ConfigError{Field: "Model", Value: "replica " + strconv.Itoa(w),
				Reason: "shares parameters, buffers or layers with replica " + strconv.Itoa(v) + ": build a new model on every call"}
		}
		if w == 0 {
			t.l = l
			t.split = splitStepper(r)
		} else if err := sameLayout(&t.l, &l, w); err != nil {
			return nil, err
		} else if len(r.modes) != len(t.reps[0].modes) {
			return nil, &MismatchError{Replica: w, Reason: fmt.Sprintf("it has %d layers with a training mode, replica 0 has %d", len(r.modes), len(t.reps[0].modes))}
		}
		t.reps = append(t.reps, r)
	}
	r0 := t.reps[0]
	r0.saveBuffers(r0.start)
	for w, r := range t.reps {
		if w == 0 {
			continue
		}
		for i, p := range r.params {
			if t.split != nil {
				p.ShareValue(r0.params[i].Value()) // one copy of the weights, which the shared step updates
			} else {
				p.Value().CopyFrom(r0.params[i].Value())
			}
		}
		copy(r.start, r0.start)
		r.loadBuffers(r.start)
	}
	t.top = topLevel(t.micro)
	// Units of two micro-batches, whose first-level addition their worker
	// makes on the spot, as long as every worker can have one; never the
	// tree's last addition, which apply makes.
	t.unit = 1
	if 2*len(t.reps) <= t.micro && t.top >= 2 {
		t.unit = 2
	}
	t.units = (t.micro + t.unit - 1) / t.unit
	t.queue = make([]queue, len(t.reps))
	t.nodes = make([]atomic.Int32, t.micro*bits.Len(uint(t.micro)))
	t.alloc(func(i int) bool { return i%t.unit == 0 })
	for range t.reps {
		t.tails = append(t.tails, make([]T, t.l.len-t.l.paramOff[len(r0.params)]))
	}
	t.sums = make([]uint64, len(t.reps))
	t.panic = make([]any, len(t.reps))
	if t.split != nil {
		// Clipping needs the whole sum, and its norm, before the step.
		t.check = t.split.NonFinitePolicy() != optim.PropagateNonFinite || t.clip
		// Equal ranges of whole pieces of 64 elements, so that two workers
		// share at most a cache line at the boundary, and the clipping
		// norm's pieces are each computed whole by one worker.
		const piece = normPiece
		p := t.l.paramOff[len(r0.params)]
		for w := range t.reps {
			e := split((p+piece-1)/piece, len(t.reps), w)
			t.ranges = append(t.ranges, span{min(e.lo*piece, p), min(e.hi*piece, p)})
		}
		if t.clip {
			t.parts = make([]float64, (p+piece-1)/piece)
		}
		t.prepare = func(w int) { t.run(w, phasePrepare) }
	}
	t.meets = 2 // after the step's start: when the micro-batches are done, and at the end
	if (t.split != nil && t.check) || (t.split == nil && t.top != 0) {
		t.meets++ // see runStep
	}
	if len(t.reps) > 1 {
		t.startGen = make([]uint64, len(t.reps))
		t.bar = newBarrier(len(t.reps))
		for w := 1; w < len(t.reps); w++ {
			go t.worker(w)
		}
	}
	return t, nil
}

// splitStepper returns r's optimizer as an optim.SplitStepper if it is one
// of package optim's own (*optim.SGD, *optim.Adam, *optim.AdamW,
// *optim.RMSProp, *optim.Adagrad, *optim.NAdam, *optim.RAdam,
// *optim.Adamax, *optim.Adadelta) over exactly r's parameters, in order,
// else nil. A type of one's own is never made in parts, even one that
// implements optim.SplitStepper: one that embeds *optim.SGD, say, has
// SGD's BeginStep and StepRange, but a Step of its own (one that clips the
// gradients first) that a step in parts would silently skip.
func splitStepper[T Float](r *replica[T]) optim.SplitStepper[T] {
	switch r.opt.(type) {
	case *optim.SGD[T], *optim.Adam[T], *optim.AdamW[T], *optim.RMSProp[T], *optim.Adagrad[T],
		*optim.NAdam[T], *optim.RAdam[T], *optim.Adamax[T], *optim.Adadelta[T]:
	default:
		return nil
	}
	s := r.opt.(optim.SplitStepper[T])
	if !slices.Equal(s.Params(), r.params) {
		return nil
	}
	return s
}

// claim records in owner that the tensors of replica w (its parameters'
// values and its buffers) and its layers with state (a training mode, a
// generator) are w's, and returns the first earlier replica that already
// holds one of them (a Model constructor that returned the same model, or
// a module of it, twice), or -1. A tensor may appear more than once within
// one replica (a module used twice, a tied weight). A layer held by value
// cannot be shared, and is not recorded.
func claim[T Float](owner map[any]int, r *replica[T], w int) int {
	first := -1
	take := func(x any) {
		if v, ok := owner[x]; !ok {
			owner[x] = w
		} else if v != w && (first < 0 || v < first) {
			first = v
		}
	}
	for _, p := range r.params {
		take(p.Value())
	}
	for _, b := range r.bufs {
		take(b)
	}
	for _, m := range r.modes {
		if byPointer(m) {
			take(m)
		}
	}
	for _, s := range r.seeded {
		if byPointer(s) {
			take(s)
		}
	}
	return first
}

// byPointer reports whether x is a pointer (a layer that replicas could
// share, and a comparable map key).
func byPointer(x any) bool { return reflect.ValueOf(x).Kind() == reflect.Pointer }

// newTrainer checks what both backends need of cfg.
func newTrainer[T Float](cfg Config[T]) (*Trainer[T], error) {
	switch {
	case cfg.Model == nil:
		return nil, &ConfigError{Field: "Model", Value: nil, Reason: "a model constructor is required"}
	case cfg.Optimizer == nil:
		return nil, &ConfigError{Field: "Optimizer", Value: nil, Reason: "an optimizer constructor is required"}
	case cfg.Loss == nil:
		return nil, &ConfigError{Field: "Loss", Value: nil, Reason: "a loss function is required"}
	case cfg.MicroBatches < 0:
		return nil, &ConfigError{Field: "MicroBatches", Value: cfg.MicroBatches, Reason: "must be positive (or 0 for the default)"}
	case !(cfg.ClipGradNorm >= 0):
		return nil, &ConfigError{Field: "ClipGradNorm", Value: cfg.ClipGradNorm, Reason: "must be non-negative (0 for no clipping)"}
	case !(cfg.ClipNormType >= 0):
		return nil, &ConfigError{Field: "ClipNormType", Value: cfg.ClipNormType, Reason: "must be positive, or +Inf (or 0 for 2)"}
	case cfg.ClipNormType != 0 && cfg.ClipGradNorm == 0:
		return nil, &ConfigError{Field: "ClipNormType", Value: cfg.ClipNormType, Reason: "has no effect without ClipGradNorm"}
	}
	t := &Trainer[T]{cfg: cfg, micro: cfg.MicroBatches, clip: cfg.ClipGradNorm > 0}
	t.clipP = normType(cfg.ClipNormType)
	t.clips.p = t.clipP
	if t.micro == 0 {
		t.micro = DefaultMicroBatches
	}
	return t, nil
}

// sameLayout returns a *MismatchError if replica idx's layout differs from
// replica 0's, naming the first parameter or buffer that differs in name
// or shape, with both.
func sameLayout(want, got *layout, idx int) error {
	if want.nparams != got.nparams || len(want.names) != len(got.names) {
		return &MismatchError{Replica: idx, Reason: fmt.Sprintf("it has %s, replica 0 has %s", got.counts(), want.counts())}
	}
	for i := range want.names {
		if want.entryHash(i) != got.entryHash(i) {
			return &MismatchError{Replica: idx, Reason: fmt.Sprintf("%s is %s, replica 0's is %s", want.label(i), got.desc(i), want.desc(i))}
		}
	}
	return nil
}

// alloc allocates the micro-batch slots that are written (the first of
// each unit, or over a Transport those of this rank's micro-batches that
// it does not add straight into their left neighbour's), their views, and
// the micro-batches' state, once.
func (t *Trainer[T]) alloc(written func(i int) bool) {
	t.slots = make([][]T, t.micro)
	t.whole = make([]*tensor.Tensor[T], t.micro)
	t.pviews = make([][]*tensor.Tensor[T], t.micro)
	for i := range t.slots {
		if !written(i) {
			continue
		}
		t.slots[i] = make([]T, t.l.len)
		t.whole[i] = view(t.slots[i])
		t.pviews[i] = paramViews(&t.l, t.slots[i], t.reps[0].params)
	}
	t.ms = make([]mbState[T], t.micro)
	t.rows = make([]span, t.micro)
}

// Step trains on one batch: every micro-batch's gradient is computed by
// some replica, the gradients are summed in the fixed tree order, and every
// replica's optimizer takes the same step. It returns the batch's mean
// loss (the row-weighted sum of the micro-batches' losses).
//
// A parameter that no micro-batch reaches gets a zero gradient, as in one
// Backward over the batch; one that has never had a gradient in any
// micro-batch keeps none, and the optimizer skips it.
//
// It returns a *BatchError for a batch it cannot split (over a Transport,
// on any rank, or one that differs from rank 0's: see NewDistributed), a
// *DivergedError when Config.Checksum finds replicas that differ, over a
// Transport its errors, and ErrClosed after Close or a failed step. Under
// optim.ErrorNonFinite, a step whose summed gradient is not finite is
// skipped by every replica alike and Step returns the optimizer's
// *optim.NonFiniteError with the loss; the trainer goes on. So it does,
// with optim.ClipGradNorm's, when Config.ClipGradNorm finds the summed
// gradient's norm not finite. A panic in a
// worker (a shape error in the model) is raised again here as a
// *WorkerPanic, and a worker's runtime.Goexit (t.Fatal in Config.Loss)
// ends the step with a *GoexitError; either closes the trainer.
func (t *Trainer[T]) Step(b Batch[T]) (float64, error) {
	if t.closed {
		return 0, ErrClosed
	}
	if t.dist != nil {
		return t.distStep(b)
	}
	if f, n := t.checkBatch(b); f != batchOK {
		return 0, f.err(n, t.micro)
	}
	t.useBatch(b)
	t.step++
	t.startFromModel()
	for w := range t.queue {
		t.queue[w].reset(split(t.units, len(t.queue), w))
	}
	if t.bar != nil {
		t.bar.wait(0) // the step's start
		t.startGen[0] = t.bar.gen.Load()
	}
	t.runStep(0)
	if err := t.raise(0); err != nil {
		return 0, err
	}
	if t.split != nil && t.fails.Load() == 0 {
		t.reps[0].keepGrads(&t.l, t.tails[0])
		t.reps[0].ownGrads()
		if t.cfg.Checksum {
			for w, r := range t.reps {
				t.sums[w] = r.checksum()
			}
		}
	}
	if err := t.compareSums(); err != nil {
		return 0, err
	}
	return float64(t.tails[0][t.l.loss-t.l.paramOff[len(t.reps[0].params)]]), t.stepErr
}

// startFromModel makes Model() as it is now, which the caller may have
// changed between steps, what every replica starts the step from: replica
// 0's buffers (a model file loaded, a forward pass in training mode) are
// the ones every micro-batch starts from, every replica's layers take
// the training mode of replica 0's (layers.SetTraining on Model()), and,
// when the replicas hold copies of the weights of their own (an optimizer
// not of package optim's), every replica's weights become replica 0's (a
// model file loaded, weights set by hand).
func (t *Trainer[T]) startFromModel() {
	r0 := t.reps[0]
	r0.saveBuffers(r0.start)
	for _, r := range t.reps[1:] {
		copy(r.start, r0.start)
		r.copyModes(r0)
		if t.split == nil {
			for i, p := range r.params {
				copy(p.Value().Data(), r0.params[i].Value().Data())
			}
		}
	}
}

// batchFault is why Step refuses a batch: a number, which ranks exchange
// (see agree), with the batch's rows, from which every rank makes the
// same *BatchError.
type batchFault uint8

const (
	batchOK      batchFault = iota
	batchNoX                // no X, or X without rows
	batchFewRows            // fewer rows than micro-batches
	batchYRows              // Y's rows differ from X's
	batchLabels             // Labels' count differs from X's rows
	batchOneRow             // micro-batches of one row, and a BatchNorm in training mode
)

// err is the *BatchError of fault f for a batch of n rows in micro
// micro-batches.
func (f batchFault) err(n, micro int) *BatchError {
	var reason string
	switch f {
	case batchNoX:
		reason = "Batch.X must be a tensor with rows (dimension 0)"
	case batchFewRows:
		reason = fmt.Sprintf("the batch has %d rows, fewer than its %d micro-batches (a short last batch? data.BatchOptions.DropLast drops it)", n, micro)
	case batchYRows:
		reason = "Batch.Y must have as many rows as Batch.X"
	case batchLabels:
		reason = "Batch.Labels must have one label per row of Batch.X"
	case batchOneRow:
		reason = fmt.Sprintf("the batch has %d rows, so some of its %d micro-batches have one row, and the model has a BatchNorm1d layer in training mode, "+
			"whose statistics need at least 2 rows per micro-batch: give it at least %d rows (2·MicroBatches), or use fewer MicroBatches", n, micro, 2*micro)
	default:
		reason = fmt.Sprintf("batch fault %d", f)
	}
	return &BatchError{Reason: reason}
}

// checkBatch returns what is wrong with b, if anything (batchOK), and its
// rows.
func (t *Trainer[T]) checkBatch(b Batch[T]) (batchFault, int) {
	if b.X == nil || b.X.Dims() == 0 {
		return batchNoX, 0
	}
	n := b.X.Dim(0)
	switch {
	case n < t.micro:
		return batchFewRows, n
	case b.Y != nil && (b.Y.Dims() == 0 || b.Y.Dim(0) != n):
		return batchYRows, n
	case b.Labels != nil && len(b.Labels) != n:
		return batchLabels, n
	case n < 2*t.micro && t.reps[0].normalizes():
		// The smallest micro-batch has ⌊n/micro⌋ = 1 row: BatchNorm1d
		// would panic on it if its input is [N C] (one value per channel).
		return batchOneRow, n
	}
	return batchOK, n
}

// useBatch makes b, which checkBatch accepted, the step's batch, and
// divides its rows.
func (t *Trainer[T]) useBatch(b Batch[T]) {
	if n := b.X.Dim(0); n != t.n {
		for i := range t.rows {
			t.rows[i] = split(n, t.micro, i)
		}
		t.n = n
	}
	t.cur = b
}

// compareSums returns a *DivergedError, and closes the trainer, if a
// checksum differs from replica 0's.
func (t *Trainer[T]) compareSums() error {
	if !t.cfg.Checksum {
		return nil
	}
	for w, s := range t.sums {
		if s != t.sums[0] {
			t.Close()
			return &DivergedError{Step: t.step, Replica: w, Want: t.sums[0], Got: s}
		}
	}
	return nil
}

// Model returns replica 0's model, whose parameters and buffers are those
// of every replica after each Step: evaluate it, save it, read its weights
// or load a model file into it between steps (not during one). Each Step
// starts from its buffers (so a forward pass on it in training mode between
// steps moves BatchNorm's running statistics for the next step, as it would
// in PyTorch: evaluate in evaluation mode), and from its weights: with
// package optim's optimizers every replica shares them, and with another
// optimizer each Step first copies them into the other replicas (see
// Config.Optimizer). Its layers' modes are every replica's too: after
// layers.SetTraining(tr.Model(), false) the next Steps train every replica
// in evaluation mode (Dropout the identity, BatchNorm normalizing with its
// running statistics), until SetTraining(tr.Model(), true).
func (t *Trainer[T]) Model() layers.Module[T] { return t.reps[0].model }

// Workers returns the number of replicas computing micro-batches: the
// local workers, or the processes of a Transport.
func (t *Trainer[T]) Workers() int {
	if t.dist != nil {
		return t.dist.size
	}
	return len(t.reps)
}

// MicroBatches returns the number of micro-batches per step.
func (t *Trainer[T]) MicroBatches() int { return t.micro }

// GradNorm returns the total norm of the last step's summed gradient
// before clipping (NaN or +Inf for a step that clipping skipped), as
// optim.ClipGradNorm returns it, when Config.ClipGradNorm is set; 0
// otherwise, and before the first step.
func (t *Trainer[T]) GradNorm() float64 { return t.clips.norm }

// Steps returns the number of steps taken (or attempted): the step whose
// number, with Config.Seed, seeds the random layers (Reseeder) is the next
// one, Steps()+1.
func (t *Trainer[T]) Steps() int { return t.step }

// SetSteps sets the number of steps taken to n, as if n steps had been
// taken, for resuming training where it stopped: the random layers
// (Reseeder, such as this package's Dropout) are seeded from Config.Seed
// and the step number, so that a new Trainer, given the model file
// (layers.Load into Model), the optimizer state (optim.LoadState of
// Optimizer) and SetSteps(Steps() of the interrupted trainer), trains on
// with the bits of an uninterrupted run. Over a Transport every rank must
// set the same n. It returns a *layers.ArgError, and changes nothing, for
// a negative n.
func (t *Trainer[T]) SetSteps(n int) error {
	if n < 0 {
		return &layers.ArgError{Op: "parallel.Trainer.SetSteps", Arg: "n", Value: n, Reason: "must not be negative"}
	}
	t.step = n
	return nil
}

// Optimizer returns the replicas' optimizers as one: SetLR sets every
// replica's learning rate (so an optim.Scheduler drives them all), LR,
// Params and Skipped are replica 0's, and Step and ZeroGrad act on every
// replica (Trainer.Step already does both; calling them again keeps the
// replicas equal, since they all hold the same gradients). With one of
// package optim's optimizers (see Config.Optimizer) there is one
// optimizer, replica 0's, over the weights every replica shares. It is an
// optim.Wrapper, so optim.SaveState and optim.LoadState save and restore
// the trainer's optimizer state, for resuming training with the weights
// (layers.Load into Model, which reaches every replica: see Model).
func (t *Trainer[T]) Optimizer() optim.Optimizer[T] { return group[T]{t} }

// Close stops the worker goroutines. Step returns ErrClosed afterwards.
// It may be called more than once.
func (t *Trainer[T]) Close() {
	if t.closed {
		return
	}
	t.closed = true
	if t.bar != nil {
		t.quit = true
		t.bar.wait(0) // the workers wait for a step's start, and see quit
	}
}
