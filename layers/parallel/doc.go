// Package parallel trains a model by data parallelism, on every core of a
// machine (New: one replica per goroutine) or on many processes and
// machines (NewDistributed over a Transport; package
// layers/parallel/mpi provides one on Open MPI), and gives the same bits
// whatever the number of workers.
//
// # How a step works
//
// Every worker holds a replica of the model (built by Config.Model) and
// its own gradient buffers (the micro-batches' Arenas go with them). A Batch is divided into a
// fixed number of micro-batches, Config.MicroBatches (8 by default),
// independent of the worker count: N rows give the first N mod M
// micro-batches ⌈N/M⌉ rows and the others ⌊N/M⌋ (N must be at least M).
// Every micro-batch is computed from the same parameters: forward,
// Config.Loss (a mean over the micro-batch's rows), Backward; its gradient,
// weighted by the micro-batch's share of the rows n_i/N, goes into the
// micro-batch's own slot. The slots are added up element by element in one
// fixed pairwise tree over the micro-batch index (slot[i] += slot[i+s] for
// s = 1, 2, 4, ...). The workers compute units of two consecutive
// micro-batches (one when there are fewer than two per worker), adding the
// second's gradient straight into the first's slot: worker w of W starts
// with the units split(units, W, w) and then takes the last units of
// workers that have not started them, so that a slow worker holds up a
// step by one unit at most. Of the two halves of each addition above, the
// worker that finishes the second makes it, while the data is in its
// caches; the workers share the last addition, each over a range of the
// elements. These are the same additions in the same order whoever makes
// them. Then comes one optimizer step, on the summed gradient clipped
// once if Config.ClipGradNorm says so (the place for gradient clipping:
// see Config.Optimizer). When the optimizer is one of package optim's
// (they implement optim.SplitStepper), the replicas' parameters share one
// copy of the weights (autograd's ShareValue; each keeps its own
// gradient), there is one optimizer, replica 0's, and each worker makes
// its step over its range of the elements, right after its part of the
// last addition; otherwise (an optimizer of your own, even one that
// embeds one of package optim's) every replica holds its own copy of the
// weights and of the summed gradient, and its own optimizer's Step makes
// the whole step. Either way the replicas
// stay equal by construction, with the same bits, and since no sum
// depends on who computed what, the weights after any number of steps are
// the same bits for 1, 2, 3, 4 or 8 workers, or ranks. (They are not the
// bits of one Backward over the whole batch: the micro-batch structure is
// part of the arithmetic, so keep MicroBatches fixed to reproduce a run.)
//
// With Config.Checksum set, every replica hashes its parameters and buffers
// after each step and a replica that differs from replica 0's is reported
// (*DivergedError) instead of training on silently.
//
// # Processes
//
// Over a Transport (NewDistributed, one replica per process) every rank is
// given the whole batch, the same in every process, and computes its own
// micro-batches of it (rank r those of split(MicroBatches, ranks, r)).
// This is not PyTorch's DDP, where a DistributedSampler gives each rank a
// share of the data: do not shard the data, read or load the same batches,
// in the same order, on every rank. Step checks it with a hash of the
// batch, exchanged before the step's other exchanges, and returns a
// *BatchError on every rank, without taking the step, when a rank was
// given another batch; see NewDistributed for the other failures that
// every rank reports alike.
//
// # Buffers and random layers
//
// Buffers, such as BatchNorm's running statistics, follow one rule: each
// micro-batch starts from the step's buffers (the trainer restores them
// before every micro-batch), and after the step every replica's buffers are
// the row-weighted mean of the buffers each micro-batch's Forward left,
// computed as the step's buffers plus the row-weighted sum, in the same
// tree order, of how much each micro-batch moved them, so that a buffer no
// micro-batch moves (BatchNorm in evaluation mode) keeps its bits. For
// BatchNorm's momentum update this is
// running ← (1−m)·running + m·mean_i(batch statistic_i). NumBatchesTracked
// counts the micro-batches each replica ran and is not synchronized.
//
// BatchNorm in training mode normalizes each micro-batch with its own
// statistics, over its N/MicroBatches rows, never over the whole batch, as
// PyTorch's DDP without SyncBatchNorm normalizes over each GPU's share;
// and this holds for any number of workers, one included. So a model with
// BatchNorm trains differently from one Forward over the whole batch (the
// loss and the gradients differ, not only in the last bits), and
// MicroBatches is a hyperparameter of it. BatchNorm needs more than one
// value per channel (the variance of one value is undefined), which a
// micro-batch of one row gives BatchNorm1d on [N C] inputs: while a
// BatchNorm1d layer is in training mode, Step refuses a batch of fewer
// than 2·MicroBatches rows, with a *BatchError, and the trainer goes on.
// (The check sees the BatchNorm1d layers reached through Children(), see
// below; it also refuses such a batch for a BatchNorm1d on [N C L]
// inputs, which would have L values. BatchNorm2d has H·W values per row:
// one row is enough unless its images are 1×1, where the layer panics in
// the worker and the trainer closes, *WorkerPanic.)
//
// A layer that draws random numbers would make the bits depend on which
// replica ran which micro-batch. Such a layer implements Reseeder and is
// reseeded before every micro-batch from Config.Seed, the step and the
// micro-batch; this package's Dropout does. A model containing
// layers.Dropout (whose generator cannot be reseeded) is refused with a
// *ConfigError: build it with parallel.NewDropout instead. So is one with
// another layer whose dropout draws from a generator of its own (a
// MultiheadAttention after SetDropout, an RNN, LSTM or GRU with Dropout in
// its options): train those with dropout 0.
//
// The trainer finds these layers, as it finds the Reseeders to reseed and
// the layers whose training mode it copies from Model() to the other
// replicas, by walking the model through layers.Container's Children():
// the check covers only the layers reachable that way. A layer held in a
// field of a module of your own that does not list it in Children() is
// invisible to it: a layers.Dropout there is not refused, a parallel.Dropout
// there is not reseeded, and the weights then depend on the worker count.
// Implement layers.Container, naming every child, as its documentation
// asks of a module that holds layers in fields.
//
// # Cores
//
// Worker 0 runs on the caller's goroutine, workers 1.. on goroutines of
// their own that live until Close. With package optim's optimizers the
// workers meet three times a step: at its start, when the micro-batches
// are done, and at its end. They meet once more, four times, when the
// whole summed gradient must be there before the optimizer's step: with
// an optimizer of your own (the tree's last addition, then every
// replica's step), and with package optim's when its NonFinitePolicy has
// the gradients checked or Config.ClipGradNorm measures their norm. One
// that arrives first spins for up to 500 µs before it blocks, since
// waking a blocked thread can take longer than that. A steady-state Step
// allocates nothing.
// The matrix products inside a worker do not compete with the workers for
// cores: tensor's GEMM splits a product across goroutines only from about
// 268 MFLOP (2·parMinFlops), far above the micro-batch products of the
// models here (the 784-256-128-10 MLP at batch 256 in 8 micro-batches
// multiplies 32×784 by 784×256, 13 MFLOP), so each worker's products run on
// its own goroutine. For a model with products that large, the only knob
// is process-wide (GOMAXPROCS); the bits do not depend on it either way.
//
// # Errors
//
// New and NewDistributed return a *ConfigError for a Config they cannot
// use and a *MismatchError for replicas that are not the same model; Step
// returns a *BatchError, *DivergedError or ErrClosed, raises a worker's
// panic again as a *WorkerPanic on the caller's goroutine, and returns a
// *GoexitError when a worker's goroutine ended in runtime.Goexit (t.Fatal
// called in Config.Loss) instead of waiting for it for ever.
package parallel
