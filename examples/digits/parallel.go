package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/data"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/tensor"
)

// replicaStream is the second PCG seed word of the generator that builds
// the extra replicas and the dropout layers of a parallel run ("Replicas"),
// so that the main generator (weights, shuffles) draws exactly what it
// draws in a run on one core.
const replicaStream = 0x5265706c69636173

// parallelDropout replaces every layers.Dropout of net with a
// parallel.Dropout of the same probability, which the trainer reseeds for
// each micro-batch (the masks then do not depend on the worker count).
func parallelDropout(net *layers.Sequential[float32], rng *rand.Rand) {
	for i, l := range net.Layers {
		if d, ok := l.(*layers.Dropout[float32]); ok {
			net.Layers[i] = parallel.NewDropout[float32](rng, d.P())
		}
	}
}

// fitParallel is fit with the data-parallel trainer: the same data,
// batches, Adam and schedule, each batch split into 8 micro-batches
// computed by cfg.workers goroutines, or by the processes of
// cfg.transport (under mpirun). The weights are the same bits for any
// number of workers or processes. net is the trainer's replica 0, so it
// holds the trained weights afterwards. An epoch's last batch with fewer
// rows than micro-batches, which the trainer cannot split, joins the
// batch before it (foldShortLast), so that every training image is still
// trained on once an epoch; validate has made sure -batch is not itself
// that short.
func fitParallel(cfg config, net *layers.Sequential[float32], ds dataset, rng *rand.Rand, stdout io.Writer) (history, error) {
	var h history
	batches, err := data.NewBatches(len(ds.yTrain), cfg.batch, rng, data.BatchOptions{})
	if err != nil {
		return h, err
	}
	repRNG := rand.New(rand.NewPCG(cfg.seed, replicaStream))
	parallelDropout(net, repRNG)
	built := false
	correct := make([]int, parallel.DefaultMicroBatches) // per micro-batch, written by the workers
	pc := parallel.Config[float32]{
		Model: func() (layers.Module[float32], error) {
			if !built { // replica 0 is net itself
				built = true
				return net, nil
			}
			m, err := newModel(cfg.model, repRNG)
			if err == nil {
				parallelDropout(m, repRNG)
			}
			return m, err
		},
		Optimizer: func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdam(ps, cfg.lr)
		},
		Loss: func(out *autograd.Var[float32], mb parallel.MicroBatch[float32]) *autograd.Var[float32] {
			correct[mb.Index] = countEqual(autograd.Argmax(out, -1), mb.Labels)
			return autograd.CrossEntropy(out, mb.Labels)
		},
		Workers: cfg.workers,
		Seed:    cfg.seed,
	}
	var tr *parallel.Trainer[float32]
	if cfg.transport != nil {
		tr, err = parallel.NewDistributed(pc, cfg.transport)
	} else {
		tr, err = parallel.New(pc)
	}
	if err != nil {
		return h, err
	}
	defer tr.Close()
	perEpoch, short := batches.Len(), len(ds.yTrain)%cfg.batch
	if short >= tr.MicroBatches() || perEpoch == 1 {
		short = 0 // the last batch is full, or long enough, or the only one
	}
	if short > 0 {
		perEpoch--
	}
	steps := cfg.epochs * perEpoch
	cosine, err := optim.NewWarmupCosineLR(optim.WarmupCosineConfig{Base: cfg.lr, Decay: steps})
	if err != nil {
		return h, err
	}
	sched, err := optim.NewScheduler(tr.Optimizer(), cosine)
	if err != nil {
		return h, err
	}
	where := fmt.Sprintf("%d goroutine worker(s)", tr.Workers())
	if cfg.transport != nil {
		where = fmt.Sprintf("%d MPI process(es)", tr.Workers())
	}
	fmt.Fprintf(stdout, "Adam, lr %g with cosine decay to 0 over %d steps; batch %d in %d micro-batches on %s, epochs %d, seed %d\n",
		cfg.lr, steps, cfg.batch, tr.MicroBatches(), where, cfg.epochs, cfg.seed)
	if short > 0 {
		fmt.Fprintf(stdout, "each epoch's last batch, of %d image(s), joins the one before it: a batch needs a row per micro-batch\n", short)
	}

	var xb *tensor.Tensor[float32]
	var yb, joined []int
	for epoch := 1; epoch <= cfg.epochs; epoch++ {
		layers.SetTraining(net, true)
		var sumLoss float64
		var right int
		for idx := range foldShortLast(batches.Epoch(), tr.MicroBatches(), &joined) {
			xb = data.GatherRows(xb, ds.xTrain, idx)
			yb = data.Gather(yb, ds.yTrain, idx)
			clear(correct)
			loss, err := tr.Step(parallel.Batch[float32]{X: xb, Labels: yb})
			if err != nil {
				return h, err
			}
			if err := sched.Step(); err != nil {
				return h, err
			}
			sumLoss += loss * float64(len(idx))
			for _, c := range correct {
				right += c
			}
		}
		if cfg.transport != nil { // each process counted its own micro-batches
			if right, err = sumOverRanks(cfg.transport, right); err != nil {
				return h, err
			}
		}
		layers.SetTraining(net, false)
		_, pred := evaluate(net, ds.xTest, ds.yTest)
		n := float64(len(ds.yTrain))
		h.loss = append(h.loss, sumLoss/n)
		h.trainAcc = append(h.trainAcc, float64(right)/n)
		h.testAcc = append(h.testAcc, float64(countEqual(pred, ds.yTest))/float64(len(ds.yTest)))
		fmt.Fprintf(stdout, "epoch %3d/%d  loss %.4f  train acc %6.2f%%  test acc %6.2f%%\n",
			epoch, cfg.epochs, h.loss[epoch-1], 100*h.trainAcc[epoch-1], 100*h.testAcc[epoch-1])
	}
	return h, nil
}

// foldShortLast returns the batches of epoch, except that a last batch of
// fewer than minRows indices is appended to the one before it, which
// becomes the epoch's last: the trainer splits a batch into minRows
// micro-batches of at least one row. The joined batch is built in *buf,
// which it reuses from epoch to epoch; the others are epoch's own slices.
// A first batch that is short stays as it is.
func foldShortLast(epoch iter.Seq[[]int], minRows int, buf *[]int) iter.Seq[[]int] {
	return func(yield func([]int) bool) {
		var prev []int // held back until the next batch shows whether it is short
		for idx := range epoch {
			if prev != nil && len(idx) < minRows {
				*buf = append(append((*buf)[:0], prev...), idx...)
				prev = *buf
				continue
			}
			if prev != nil && !yield(prev) {
				return
			}
			prev = idx
		}
		if prev != nil {
			yield(prev)
		}
	}
}

// sumOverRanks returns the sum of every rank's v.
func sumOverRanks(tr parallel.Transport, v int) (int, error) {
	buf := make([]byte, 8*tr.Size())
	counts := make([]int, tr.Size())
	for i := range counts {
		counts[i] = 8
	}
	binary.LittleEndian.PutUint64(buf[8*tr.Rank():], uint64(v))
	if err := tr.AllgatherInPlace(buf, counts); err != nil {
		return 0, err
	}
	sum := 0
	for r := range tr.Size() {
		sum += int(binary.LittleEndian.Uint64(buf[8*r:]))
	}
	return sum, nil
}
