package parallel

import (
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds what the workers do during a Step: the phases of a step
// on each worker's goroutine, taking micro-batches, computing them, and
// summing the gradients and buffers.

// worker runs the steps of worker w until Close.
func (t *Trainer[T]) worker(w int) {
	for {
		t.bar.wait(w) // the step's start
		if t.quit {
			return
		}
		t.startGen[w] = t.bar.gen.Load()
		t.runStep(w)
	}
}

// runStep is worker w's part of a step: compute, the tree's last addition
// (when there is more than one block), then apply, the workers meeting in
// between. After a panic anywhere the workers skip what is
// left, but still meet as many times, so that none waits for ever.
func (t *Trainer[T]) runStep(w int) {
	t.run(w, phaseCompute)
	if t.split != nil {
		t.splitStep(w)
		return
	}
	if t.bar != nil {
		t.bar.wait(w)
	}
	if t.top != 0 {
		if t.fails.Load() == 0 {
			t.run(w, phaseSum)
		}
		if t.bar != nil {
			t.bar.wait(w)
		}
	}
	if t.fails.Load() == 0 {
		t.run(w, phaseApply)
	}
	if t.bar != nil {
		t.bar.wait(w) // the step's end
	}
}

// splitStep is the rest of worker w's step with an optim.SplitStepper:
// the optimizer's BeginStep by the last worker to arrive (phasePrepare),
// then every worker's range of the tree's last addition and of the
// optimizer's step (phaseUpdate), so the workers meet twice after the
// micro-batches rather than three times. When the optimizer's
// NonFinitePolicy needs the gradients checked first, the workers add and
// check their ranges before (phaseSum), and meet once more.
func (t *Trainer[T]) splitStep(w int) {
	if t.check {
		if t.bar != nil {
			t.bar.wait(w)
		}
		if t.fails.Load() == 0 {
			t.run(w, phaseSum)
		}
	}
	if t.bar != nil {
		t.bar.waitThen(w, t.prepare)
	} else {
		t.prepare(w)
	}
	if t.fails.Load() == 0 {
		t.run(w, phaseUpdate)
	}
	if t.bar != nil {
		t.bar.wait(w) // the step's end
	}
}

// run runs phase ph of local replica w, recording a panic in t.panic[w],
// or a runtime.Goexit (see exited).
func (t *Trainer[T]) run(w int, ph phase) {
	done := false
	defer func() {
		if done {
			return
		}
		p := recover()
		if p == nil {
			p = goexit{} // recover gives nil during a Goexit, which goes on
		}
		t.panic[w] = p
		t.fails.Add(1)
		if _, ok := p.(goexit); ok {
			t.exited(w)
		}
	}()
	t.phase(w, ph)
	done = true
}

// goexit is what t.panic records for a worker whose goroutine ended in
// runtime.Goexit.
type goexit struct{}

// exited is what worker w does on its goroutine's way out of a
// runtime.Goexit during a step (t.Fatal in Config.Loss, say), which
// nothing can stop: it meets the other workers as many times as the step
// has left (they skip the phases after a failure, see runStep), so that
// none waits for it for ever. Then worker 0, the caller's goroutine, whose
// Step will not return, closes the trainer; another worker waits, with
// the others, for the Close of raise that ends the step. (It relies on
// phasePrepare, run by the last worker to arrive at a meeting, calling no
// code but package optim's, which never exits.) Over a Transport, where
// only the computation runs in run, it tells the other ranks (agree).
func (t *Trainer[T]) exited(w int) {
	if t.dist != nil {
		_ = t.agree(statusExit) // tell the other ranks; it closes the trainer
		return
	}
	if t.bar != nil {
		for t.bar.gen.Load()-t.startGen[w] < uint64(t.meets) {
			t.bar.wait(w)
		}
	}
	if w == 0 {
		t.Close()
	} else {
		t.worker(w) // sees quit at once
	}
}

// phase is run's work: phase ph of local replica w.
func (t *Trainer[T]) phase(w int, ph phase) {
	r := t.reps[w]
	switch ph {
	case phaseCompute:
		if t.dist != nil {
			t.computeOwn()
		} else {
			t.compute(w)
		}
	case phaseSum:
		if t.split != nil {
			e := t.ranges[w]
			t.sumRange(e)
			if t.clip {
				// A finite norm means finite gradients: no other check.
				pieceNorms(t.slots[0], e.lo, e.hi, t.clipP, t.parts)
			} else if !tensor.AllFiniteSlice(t.slots[0][e.lo:e.hi]) {
				t.bad.Add(1)
			}
			return
		}
		// The tree's last addition, slot 0 += slot top, each worker over
		// its share of the elements (whole blocks, so that no two write
		// one cache line).
		e := split(numBlocks(t.l.len), len(t.reps), w)
		lo, hi := e.lo*blockLen, min(e.hi*blockLen, t.l.len)
		if lo < hi {
			tensor.SliceAdd(t.slots[0][lo:hi], t.slots[0][lo:hi], t.slots[t.top][lo:hi])
		}
	case phaseApply:
		// Slot 0 holds the sum, which every replica copies into gradient
		// buffers of its own for its optimizer. Each replica measures
		// the norm itself (the same bits), reading the sum.
		p0 := t.l.paramOff[len(r.params)]
		tail := t.tails[w]
		copy(tail, t.slots[0][p0:])
		var c *clipping[T]
		cw := clipping[T]{p: t.clipP}
		if t.clip {
			c = &cw
			c.decide(gradNorm(t.slots[0][:p0], c.p), t.cfg.ClipGradNorm)
		}
		err := r.apply(&t.l, tail, t.pviews[0], true, c)
		if w == 0 {
			t.stepErr = err
			t.clips = cw
		}
		if t.cfg.Checksum {
			t.sums[w] = r.checksum()
		}
	case phasePrepare:
		if t.fails.Load() == 0 {
			t.beginStep()
		}
	case phaseUpdate:
		e := t.ranges[w]
		if !t.check {
			t.sumRange(e)
		}
		if t.stepOK && e.lo < e.hi {
			if t.clip {
				t.clips.scale(t.slots[0][e.lo:e.hi])
			}
			t.split.StepRange(w, e.lo, e.hi)
		}
		if w != 0 {
			r.keepGrads(&t.l, t.tails[0])
			r.ownGrads() // replica 0's are the optimizer's until the step ends (see Step)
		}
		r.takeBuffers(&t.l, t.tails[0])
	}
}

// sumRange makes the tree's last addition, slot 0 += slot top, over the
// elements e (none when there is one slot).
func (t *Trainer[T]) sumRange(e span) {
	if t.top != 0 && e.lo < e.hi {
		tensor.SliceAdd(t.slots[0][e.lo:e.hi], t.slots[0][e.lo:e.hi], t.slots[t.top][e.lo:e.hi])
	}
}

// beginStep is phasePrepare, run by one worker while the others wait: the
// sum of the slots' tails (buffers, flags, loss) into tails[0], the
// summed gradients (slot 0, whose last addition may still be under way:
// only its tensors are handed over) made the gradients of replica 0's
// parameters, none for a parameter without a gradient in any micro-batch,
// the clipping decision (from the pieces' norms, the sum being complete),
// and the optimizer's BeginStep, unless clipping skips the step.
func (t *Trainer[T]) beginStep() {
	r0 := t.reps[0]
	p0 := t.l.paramOff[len(r0.params)]
	tail := t.tails[0]
	if t.top != 0 {
		tensor.SliceAdd(tail, t.slots[0][p0:], t.slots[t.top][p0:])
	} else {
		copy(tail, t.slots[0][p0:])
	}
	for i, p := range r0.params {
		if tail[t.l.flags-p0+i] == 0 {
			p.SetGrad(nil)
		} else {
			p.SetGrad(t.pviews[0][i])
		}
	}
	if t.clip {
		if t.clips.decide(foldNorms(t.parts, t.clipP), t.cfg.ClipGradNorm); !t.clips.ok() {
			t.stepOK, t.stepErr = false, t.clips.err(r0.params)
			return
		}
	}
	t.stepOK, t.stepErr = t.split.BeginStep(t.bad.Load() == 0, len(t.reps))
	t.bad.Store(0)
}

// compute is worker w's compute phase: it computes its units of
// micro-batches, each into its first micro-batch's slot, then helps the
// others with theirs, so that a worker that runs slower (or is
// descheduled) holds up the step by one unit at most. When all run alike,
// every replica computes the same micro-batches step after step, which
// keeps their Arenas in its core's caches.
func (t *Trainer[T]) compute(w int) {
	r := t.reps[w]
	for {
		u, ok := t.take(w)
		if !ok {
			return
		}
		lo := u * t.unit
		for mb := lo; mb < min(lo+t.unit, t.micro); mb++ {
			r.compute(&t.cfg, &t.l, &t.cur, &t.ms[mb], t.rows[mb], t.n, mb, t.step, t.slots[lo], t.pviews[lo], mb > lo)
		}
		t.finish(lo, t.unit)
	}
}

// take returns the next unit worker w computes: the first of its own
// queue, or else the last of another's; false when none is left.
func (t *Trainer[T]) take(w int) (int, bool) {
	if u, ok := t.queue[w].front(); ok {
		return u, true
	}
	for v := 1; v < len(t.queue); v++ {
		if u, ok := t.queue[(w+v)%len(t.queue)].back(); ok {
			return u, true
		}
	}
	return 0, false
}

// finish is called when the tree's block of micro-batches [i, i+size)
// has its sum in slots[i]: it makes the additions above the block that
// this completes, up to, not including, the tree's last. Of the two
// blocks of an addition, the one finished second makes it (nodes counts
// the arrivals, two a step), so the tree's order holds whoever computes
// what.
func (t *Trainer[T]) finish(i, size int) {
	for k := 0; size < t.top; k++ {
		p := i &^ (2*size - 1)
		if p+size < t.micro {
			if t.nodes[k*t.micro+p].Add(1)%2 == 1 {
				return // the other block is not finished yet
			}
			tensor.AddInto(t.whole[p], t.whole[p], t.whole[p+size])
		}
		i, size = p, 2*size
	}
}

// computeOwn is compute over a Transport: this rank's micro-batches, the
// tree's additions among them (see localReach) made as soon as both sides
// are there.
func (t *Trainer[T]) computeOwn() {
	r, o := t.reps[0], t.own[0]
	for mb := o.lo; mb < o.hi; mb++ {
		slot, add := mb, t.fusedLeaf(mb)
		if add {
			slot = mb - 1
		}
		r.compute(&t.cfg, &t.l, &t.cur, &t.ms[mb], t.rows[mb], t.n, mb, t.step, t.slots[slot], t.pviews[slot], add)
		for s := 2; s < t.micro; s *= 2 {
			i := mb &^ (2*s - 1)
			if min(i+2*s, t.micro)-1 != mb {
				break // the block of this level goes on past mb
			}
			if i+s >= t.micro {
				continue // no addition at this level
			}
			if s >= t.reach[i] {
				break // not this rank's
			}
			tensor.AddInto(t.whole[i], t.whole[i], t.whole[i+s])
		}
	}
}

// fusedLeaf reports whether, over a Transport, micro-batch j's
// contribution is added straight into slot j-1 (the tree's first-level
// addition, made by the rank that computes both), so that slot j is never
// written.
func (t *Trainer[T]) fusedLeaf(j int) bool { return j%2 == 1 && t.reach[j-1] > 1 }

// raise closes the trainer if a worker failed during the step, and then
// panics with a *WorkerPanic if the first by index (plus base, the rank
// over a Transport) panicked, or returns a *GoexitError if its goroutine
// exited.
func (t *Trainer[T]) raise(base int) error {
	if t.fails.Load() == 0 {
		return nil
	}
	for w, p := range t.panic {
		if p == nil {
			continue
		}
		t.Close()
		if _, ok := p.(goexit); ok {
			return &GoexitError{Worker: base + w}
		}
		panic(&WorkerPanic{Worker: base + w, Value: p})
	}
	return nil
}
