package autograd_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The tests of this file and of arena_*_test.go check that an Arena changes
// no number (a step under an arena gives bit for bit the losses and gradients
// of the same step without one), that a warmed-up step under an arena
// allocates (almost) nothing, and that a Var from before the arena's latest
// Reset cannot be used by mistake.

// arenaModel is a small network whose loss uses every operation with a fast
// path (Linear, MatMulT, Add, Sub, Mul, Scale, Square, Sigmoid, ReLU, Sum and
// Mean of everything, CrossEntropy, MSE) and parameters broadcast against a
// batch and used more than once; optionally operations without a fast path,
// which take the recorded derivative, and weight penalties.
type arenaModel[T autograd.Float] struct {
	w1, b1      *autograd.Var[T] // [hidden in], [hidden]
	gain, shift *autograd.Var[T] // [hidden] each, broadcast over the batch
	w2          *autograd.Var[T] // [classes hidden], or [classes 2·hidden] with fallback
	arenaOpts
}

// arenaOpts selects the optional parts of an arenaModel's loss.
type arenaOpts struct {
	fallback bool // add Exp and Concat, which have no fast path
	penalty  bool // add weight penalties computed from Params alone
	noMSE    bool // leave out the MSE term
}

func newArenaModel[T autograd.Float](seed uint64, in, hidden, classes int, opts arenaOpts) *arenaModel[T] {
	r := newRand(seed)
	randn := func(scale float64, shape ...int) *autograd.Var[T] {
		n := 1
		for _, d := range shape {
			n *= d
		}
		d := make([]T, n)
		for i := range d {
			d[i] = T(scale * r.NormFloat64())
		}
		return autograd.Param(tensor.MustNew(d, shape...))
	}
	w2in := hidden
	if opts.fallback {
		w2in = 2 * hidden
	}
	return &arenaModel[T]{
		w1:        randn(1/math.Sqrt(float64(in)), hidden, in),
		b1:        randn(0.1, hidden),
		gain:      randn(0.5, hidden),
		shift:     randn(0.5, hidden),
		w2:        randn(1/math.Sqrt(float64(w2in)), classes, w2in),
		arenaOpts: opts,
	}
}

func (m *arenaModel[T]) params() []*autograd.Var[T] {
	return []*autograd.Var[T]{m.w1, m.b1, m.gain, m.shift, m.w2}
}

// clone returns a model with copies of m's parameters (and no gradients).
func (m *arenaModel[T]) clone() *arenaModel[T] {
	c := *m
	ps := []**autograd.Var[T]{&c.w1, &c.b1, &c.gain, &c.shift, &c.w2}
	for _, p := range ps {
		*p = autograd.Param((*p).Value().Clone())
	}
	return &c
}

// loss returns the model's loss on a batch x [n in] with class labels and
// MSE targets [n classes].
func (m *arenaModel[T]) loss(x, target *autograd.Var[T], labels []int) *autograd.Var[T] {
	h1 := autograd.ReLU(autograd.Linear(x, m.w1, m.b1))                     // [n hidden]
	h2 := autograd.Sigmoid(autograd.Add(autograd.Mul(h1, m.gain), m.shift)) // broadcast params
	h3 := autograd.Sub(h2, autograd.Scale(h1, 0.5))                         // h1 used twice
	feat := h3
	if m.fallback {
		e := autograd.Exp(autograd.Scale(h3, 0.25))
		feat = autograd.Concat(1, h3, e) // [n 2·hidden]
	}
	logits := autograd.MatMulT(feat, m.w2, false, true) // [n classes]
	ce := autograd.CrossEntropy(logits, labels)
	loss := ce
	if !m.noMSE {
		mse := autograd.MSE(autograd.Sigmoid(logits), target)
		loss = autograd.Add(ce, autograd.Scale(mse, 0.5))
	}
	if !m.penalty {
		return loss
	}
	// Weight penalties: branches of Params alone, which no arena input
	// reaches, so their operations allocate as without an arena.
	reg := autograd.Sum(autograd.Square(m.w2))           // w2 used twice
	l2 := autograd.Mean(autograd.Mul(m.gain, m.gain))    // gain used three times
	loss = autograd.Add(loss, autograd.Scale(reg, 1e-3)) // a Param-only branch
	return autograd.Sub(loss, autograd.Scale(l2, -1e-2)) // Sub of two scalars
}

// arenaBatch is one step's data.
type arenaBatch[T autograd.Float] struct {
	x, target *tensor.Tensor[T]
	labels    []int
}

func newArenaBatch[T autograd.Float](seed uint64, n, in, classes int) arenaBatch[T] {
	r := newRand(seed)
	x := make([]T, n*in)
	for i := range x {
		x[i] = T(r.NormFloat64())
	}
	tg := make([]T, n*classes)
	for i := range tg {
		tg[i] = T(r.Float64())
	}
	labels := make([]int, n)
	for i := range labels {
		labels[i] = r.IntN(classes)
	}
	return arenaBatch[T]{tensor.MustNew(x, n, in), tensor.MustNew(tg, n, classes), labels}
}

// poisoned returns the batch with every input NaN, so that every tensor the
// step computes (forward results and backward buffers alike) is NaN.
func (b arenaBatch[T]) poisoned() arenaBatch[T] {
	x := b.x.Clone()
	x.Fill(T(math.NaN()))
	return arenaBatch[T]{x, b.target, b.labels}
}

// inputs puts the batch into ar, or makes plain constants when ar is nil.
func (b arenaBatch[T]) inputs(ar *autograd.Arena[T]) (x, target *autograd.Var[T]) {
	if ar == nil {
		return autograd.Const(b.x), autograd.Const(b.target)
	}
	return ar.Const(b.x), ar.Const(b.target)
}

// poisonedStep runs a step on b's NaN twin under ar and throws its
// gradients away, then resets ar and returns b's inputs under it: every
// buffer the next step recycles holds NaN.
func poisonedStep[T autograd.Float](m *arenaModel[T], ar *autograd.Arena[T], b arenaBatch[T]) (x, target *autograd.Var[T]) {
	ar.Reset()
	px, ptg := b.poisoned().inputs(ar)
	m.loss(px, ptg, b.labels).Backward()
	autograd.ZeroGrad(m.params()...)
	ar.Reset()
	return b.inputs(ar)
}

// arenaRecord is what a training run produced, for exact comparison.
type arenaRecord[T autograd.Float] struct {
	Losses []T
	Grads  [][][]T // per step, per parameter
	Params [][]T   // at the end
}

// sgdStep updates every parameter by -lr·grad in place and zeroes the
// gradients, as an optimizer does.
func sgdStep[T autograd.Float](lr T, params []*autograd.Var[T]) {
	for _, p := range params {
		d, g := p.Value().Data(), p.Grad().Data()
		for i := range d {
			d[i] -= lr * g[i]
		}
	}
	autograd.ZeroGrad(params...)
}

// trainArena runs one SGD step per batch, under ar (Reset before each step)
// or without an arena when ar is nil. With poison, every step under ar is
// preceded by a step on NaN inputs whose gradients are thrown away, so
// that every buffer the arena recycles holds NaN: a kernel that reads a
// recycled buffer instead of overwriting it shows up as a NaN.
func trainArena[T autograd.Float](t testing.TB, m *arenaModel[T], ar *autograd.Arena[T], batches []arenaBatch[T], poison bool) arenaRecord[T] {
	t.Helper()
	var rec arenaRecord[T]
	params := m.params()
	for _, b := range batches {
		if ar != nil && poison {
			ar.Reset()
			x, tg := b.poisoned().inputs(ar)
			loss := m.loss(x, tg, b.labels)
			loss.Backward()
			if l := loss.Item(); !math.IsNaN(float64(l)) {
				t.Errorf("loss on NaN inputs = %v, want NaN (the poison does not reach the arena)", l)
			}
			autograd.ZeroGrad(params...)
		}
		if ar != nil {
			ar.Reset()
		}
		x, tg := b.inputs(ar)
		loss := m.loss(x, tg, b.labels)
		loss.Backward()
		rec.Losses = append(rec.Losses, loss.Item())
		var gs [][]T
		for _, p := range params {
			gs = append(gs, append([]T(nil), p.Grad().Data()...))
		}
		rec.Grads = append(rec.Grads, gs)
		sgdStep(0.1, params)
	}
	for _, p := range params {
		rec.Params = append(rec.Params, append([]T(nil), p.Value().Data()...))
	}
	return rec
}

func arenaBatches[T autograd.Float](seed uint64, sizes []int, in, classes int) []arenaBatch[T] {
	bs := make([]arenaBatch[T], len(sizes))
	for i, n := range sizes {
		bs[i] = newArenaBatch[T](seed+uint64(i%2), n, in, classes) // two batches, alternating
	}
	return bs
}

// checkArenaMatchesFresh trains copies of one model with and without an
// arena and requires identical bits.
func checkArenaMatchesFresh[T autograd.Float](t *testing.T, fallback, poison bool, sizes []int) {
	t.Helper()
	const in, hidden, classes = 5, 6, 4
	m := newArenaModel[T](1, in, hidden, classes, arenaOpts{fallback: fallback, penalty: true})
	batches := arenaBatches[T](100, sizes, in, classes)
	want := trainArena(t, m.clone(), nil, batches, false)
	got := trainArena(t, m.clone(), autograd.NewArena[T](), batches, poison)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("training under an Arena differs from training without (-fresh +arena):\n%s", d)
	}
	// The run must have learned something, or equal records prove little.
	if n := len(want.Losses); n > 2 && !(want.Losses[n-2] < want.Losses[0]) && sizesConstant(sizes) {
		t.Errorf("loss on the first batch did not decrease over %d steps: %v", n, want.Losses)
	}
	for i, l := range want.Losses {
		if math.IsNaN(float64(l)) || l <= 0 {
			t.Fatalf("step %d: loss %v, want a positive number", i, l)
		}
	}
}

func sizesConstant(sizes []int) bool {
	for _, s := range sizes {
		if s != sizes[0] {
			return false
		}
	}
	return true
}

func TestArenaTrainingMatchesFresh(t *testing.T) {
	steps := make([]int, 8)
	for i := range steps {
		steps[i] = 8
	}
	for _, fallback := range []bool{false, true} {
		for _, poison := range []bool{false, true} {
			name := fmt.Sprintf("fallback=%v/poison=%v", fallback, poison)
			t.Run(name+"/float64", func(t *testing.T) { checkArenaMatchesFresh[float64](t, fallback, poison, steps) })
			t.Run(name+"/float32", func(t *testing.T) { checkArenaMatchesFresh[float32](t, fallback, poison, steps) })
		}
	}
}

// TestArenaBatchSizeChanges changes the batch size between steps: the
// arena replaces the tensors whose shape changed and the numbers stay those
// of a run without an arena.
func TestArenaBatchSizeChanges(t *testing.T) {
	sizes := []int{4, 7, 4, 1, 7, 7, 3}
	for _, fallback := range []bool{false, true} {
		for _, poison := range []bool{false, true} {
			t.Run(fmt.Sprintf("fallback=%v/poison=%v", fallback, poison), func(t *testing.T) {
				checkArenaMatchesFresh[float64](t, fallback, poison, sizes)
			})
		}
	}
}

// arenaStep is one warmed-up training step under ar without a fallback
// operation: Reset, forward, Backward, SGD update, ZeroGrad.
func arenaStep[T autograd.Float](m *arenaModel[T], ar *autograd.Arena[T], b arenaBatch[T]) T {
	ar.Reset()
	x, tg := b.inputs(ar)
	loss := m.loss(x, tg, b.labels)
	loss.Backward()
	l := loss.Item()
	sgdStep(0.01, m.params())
	return l
}

// TestArenaStepAllocations checks the point of an Arena: a warmed-up step
// (forward, Backward, SGD update, ZeroGrad) allocates (almost) nothing.
func TestArenaStepAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	for _, tc := range []struct {
		name                   string
		n, in, hidden, classes int
		opts                   arenaOpts
	}{
		{"small", 8, 5, 6, 4, arenaOpts{noMSE: true}},
		{"wide", 32, 64, 48, 10, arenaOpts{noMSE: true}}, // larger matmuls
		{"small+MSE", 8, 5, 6, 4, arenaOpts{}},
		{"wide+MSE", 32, 64, 48, 10, arenaOpts{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newArenaModel[float32](3, tc.in, tc.hidden, tc.classes, tc.opts)
			b := newArenaBatch[float32](4, tc.n, tc.in, tc.classes)
			ar := autograd.NewArena[float32]()
			first := arenaStep(m, ar, b) // the first step fills the arena
			var loss float32
			allocs := warmMallocs(2, 50, func() { loss = arenaStep(m, ar, b) })
			if allocs != 0 {
				t.Errorf("50 warmed-up steps under an Arena made %v allocations, want 0", allocs)
			}
			if !(loss > 0 && loss < first) {
				t.Errorf("loss went from %v to %v after 51 steps on one batch, want a positive number that decreased", first, loss)
			}
		})
	}
}

// TestArenaThirdStepAllocatesNothing checks that an Arena reaches its
// steady state within three steps however many Vars a step takes (here a
// chain of 3,000 operations): the first step grows it, the second and third
// each size the block of Vars they take theirs from, and the third step
// allocates nothing.
func TestArenaThirdStepAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	ar := autograd.NewArena[float64]()
	p := ar.Param(tensor.Full(0.5, 4))
	batch := tensor.Full(0.25, 4)
	step := func() {
		ar.Reset()
		v := autograd.Mul(p, ar.Const(batch))
		for range 3000 {
			v = autograd.Tanh(v)
		}
		autograd.Sum(v).Backward()
		p.ZeroGrad()
	}
	if n := warmMallocs(2, 1, step); n != 0 {
		t.Errorf("the third step under an Arena made %d allocations, want 0", n)
	}
	if n := mallocs(10, step); n != 0 {
		t.Errorf("10 more steps made %d allocations, want 0", n)
	}
}

// TestArenaNamedVarsAllocateNothing checks that a step which names its
// Vars (the batch, a result, the loss) still allocates nothing under a warm
// Arena: a reused Var keeps the room its name took.
func TestArenaNamedVarsAllocateNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector's instrumentation allocates")
	}
	ar := autograd.NewArena[float64]()
	p := ar.Param(tensor.Full(1.0, 3)).SetName("p")
	batch := tensor.Full(0.5, 3)
	step := func() {
		ar.Reset()
		c := ar.Const(batch).SetName("batch")
		autograd.Sum(autograd.Mul(p, c).SetName("product")).SetName("loss").Backward()
		p.ZeroGrad()
	}
	step()
	if n := warmMallocs(2, 20, step); n != 0 {
		t.Errorf("20 warm Arena steps that name their Vars made %d allocations, want 0", n)
	}
}

// TestArenaInference runs a forward pass on constant parameters with the
// batch in an arena: no graph is recorded, the numbers are those of the
// plain computation, and a warmed-up pass allocates nothing.
func TestArenaInference(t *testing.T) {
	const n, in, hidden, classes = 6, 5, 7, 3
	m := newArenaModel[float64](15, in, hidden, classes, arenaOpts{})
	w1, b1, w2 := autograd.Const(m.w1.Value()), autograd.Const(m.b1.Value()), autograd.Const(m.w2.Value())
	b := newArenaBatch[float64](16, n, in, classes)

	forward := func(ar *autograd.Arena[float64], b arenaBatch[float64]) (probs, loss *V) {
		x, _ := b.inputs(ar)
		h := autograd.ReLU(autograd.Linear(x, w1, b1))
		logits := autograd.MatMulT(h, w2, false, true)
		return autograd.Sigmoid(logits), autograd.CrossEntropy(logits, b.labels)
	}

	// The same numbers computed with plain loops.
	xs, ws1, bs1, ws2 := b.x.Data(), w1.Value().Data(), b1.Value().Data(), w2.Value().Data()
	wantProbs := make([]float64, 0, n*classes)
	wantLoss := 0.0
	for r := range n {
		hr := make([]float64, hidden)
		for j := range hidden {
			s := bs1[j]
			for k := range in {
				s += xs[r*in+k] * ws1[j*in+k]
			}
			hr[j] = max(s, 0)
		}
		logits := make([]float64, classes)
		sumExp := 0.0
		for c := range classes {
			for j := range hidden {
				logits[c] += hr[j] * ws2[c*hidden+j]
			}
			wantProbs = append(wantProbs, 1/(1+math.Exp(-logits[c])))
			sumExp += math.Exp(logits[c])
		}
		wantLoss += (math.Log(sumExp) - logits[b.labels[r]]) / n
	}

	ar := autograd.NewArena[float64]()
	for step := range 3 {
		ar.Reset()
		forward(ar, b.poisoned())
		ar.Reset()
		probs, loss := forward(ar, b)
		if probs.RequiresGrad() || !probs.IsLeaf() || loss.RequiresGrad() {
			t.Errorf("step %d: inference on constants recorded a graph", step)
		}
		checkTensor(t, fmt.Sprintf("step %d: probabilities", step), probs.Value(), view([]int{n, classes}, wantProbs...), 1e-12)
		if got := loss.Item(); math.Abs(got-wantLoss) > 1e-12 {
			t.Errorf("step %d: loss = %v, want %v", step, got, wantLoss)
		}
		freshProbs, freshLoss := forward(nil, b)
		if d := cmp.Diff(freshProbs.Value().Data(), probs.Value().Data()); d != "" {
			t.Errorf("step %d: probabilities under an Arena differ from those without (-fresh +arena):\n%s", step, d)
		}
		if f, a := freshLoss.Item(), loss.Item(); f != a {
			t.Errorf("step %d: loss under an Arena %v, without %v", step, a, f)
		}
	}

	if raceEnabled {
		return // the race detector's instrumentation allocates
	}
	var p0 float64
	allocs := warmMallocs(2, 100, func() {
		ar.Reset()
		probs, _ := forward(ar, b)
		p0 = probs.Value().Data()[0]
	})
	if allocs != 0 {
		t.Errorf("100 warmed-up inference passes under an Arena made %d allocations, want 0", allocs)
	}
	if math.Abs(p0-wantProbs[0]) > 1e-12 {
		t.Errorf("probability[0] = %v, want %v", p0, wantProbs[0])
	}
}
