package autograd_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// The tests of this file check that an Arena changes no number (a step under
// an arena gives bit for bit the losses and gradients of the same step
// without one), that a warmed-up step under an arena allocates (almost)
// nothing, and that a Var from before the arena's latest Reset cannot be
// used by mistake.

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
		// maxAllocs is the count measured (Go 1.26, amd64).
		maxAllocs float64
	}{
		{"small", 8, 5, 6, 4, arenaOpts{noMSE: true}, 0},
		{"wide", 32, 64, 48, 10, arenaOpts{noMSE: true}, 0}, // larger matmuls
		{"small+MSE", 8, 5, 6, 4, arenaOpts{}, 0},
		{"wide+MSE", 32, 64, 48, 10, arenaOpts{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newArenaModel[float32](3, tc.in, tc.hidden, tc.classes, tc.opts)
			b := newArenaBatch[float32](4, tc.n, tc.in, tc.classes)
			ar := autograd.NewArena[float32]()
			first := arenaStep(m, ar, b) // the first step fills the arena
			var loss float32
			allocs := testing.AllocsPerRun(50, func() { loss = arenaStep(m, ar, b) })
			t.Logf("%v allocations per warmed-up step", allocs)
			if allocs > tc.maxAllocs {
				t.Errorf("a warmed-up step under an Arena makes %v allocations, want at most %v", allocs, tc.maxAllocs)
			}
			if !(loss > 0 && loss < first) {
				t.Errorf("loss went from %v to %v after 51 steps on one batch, want a positive number that decreased", first, loss)
			}
		})
	}
}

// wantArenaReset checks that f panics with an error that wraps
// ErrArenaReset and names op.
func wantArenaReset(t *testing.T, op string, f func()) {
	t.Helper()
	r := panicValue(f)
	err, ok := r.(error)
	if !ok {
		t.Errorf("%s: panicked with %v (%T), want an error wrapping ErrArenaReset", op, r, r)
		return
	}
	if !errors.Is(err, autograd.ErrArenaReset) {
		t.Errorf("%s: panicked with %q, want an error wrapping ErrArenaReset", op, err)
	}
	if !strings.Contains(err.Error(), op) {
		t.Errorf("%s: error %q does not name the operation", op, err)
	}
}

// TestArenaStaleVarPanics uses Vars made under an arena after its Reset,
// before the arena hands anything out again.
func TestArenaStaleVarPanics(t *testing.T) {
	w := autograd.Param(t64([]float64{1, -2, 3, 0.5, 1, -1}, 2, 3))
	b := autograd.Param(t64([]float64{0.1, -0.1}, 2))
	fresh := autograd.Const(t64([]float64{1, 1, 1, 1}, 2, 2))
	build := func(ar *autograd.Arena[float64]) (x, h, loss *V) {
		x = ar.Const(t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3))
		h = autograd.ReLU(autograd.Linear(x, w, b))
		return x, h, autograd.Mean(h)
	}
	uses := []struct {
		op  string
		use func(x, h, loss *V)
	}{
		{"Add", func(_, h, _ *V) { autograd.Add(h, fresh) }},
		{"Add", func(_, h, _ *V) { autograd.Add(fresh, h) }}, // the arena Var second
		{"Linear", func(x, _, _ *V) { autograd.Linear(x, w, b) }},
		{"ReLU", func(_, h, _ *V) { autograd.ReLU(h) }},
		{"MatMul", func(_, h, _ *V) { autograd.MatMulT(h, fresh, false, false) }},
		{"Mean", func(_, h, _ *V) { autograd.Mean(h) }},
		{"CrossEntropy", func(_, h, _ *V) { autograd.CrossEntropy(h, []int{0, 1}) }},
		{"Exp", func(_, h, _ *V) { autograd.Exp(h) }}, // no fast path
		{"Backward", func(_, _, loss *V) { loss.Backward() }},
		{"Value", func(_, h, _ *V) { h.Value() }},
		{"Value", func(x, _, _ *V) { x.Value() }}, // an arena Const
		{"Item", func(_, _, loss *V) { loss.Item() }},
	}
	for _, u := range uses {
		ar := autograd.NewArena[float64]()
		x, h, loss := build(ar)
		ar.Reset()
		wantArenaReset(t, u.op, func() { u.use(x, h, loss) })
	}

	// Backward of a loss whose graph was retained, after a Reset.
	ar := autograd.NewArena[float64]()
	_, _, loss := build(ar)
	loss.Backward(autograd.RetainGraph())
	ar.Reset()
	wantArenaReset(t, "Backward", func() { loss.Backward() })

	// Grad of a stale output: the pass meets the stale node.
	ar = autograd.NewArena[float64]()
	_, _, loss = build(ar)
	ar.Reset()
	wantArenaReset(t, "Mean", func() { autograd.Grad([]*V{loss}, []*V{w}) })
}

// TestArenaResetLeavesOthersAlone checks that Reset touches nothing that was
// not made under the arena: parameters, their gradients, Vars computed
// without an arena, and Vars of another arena.
func TestArenaResetLeavesOthersAlone(t *testing.T) {
	w := autograd.Param(t64([]float64{1, -2, 3, 0.5, 1, -1}, 2, 3))
	b := autograd.Param(t64([]float64{0.1, -0.1}, 2))
	xt := t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3)

	plainH := autograd.ReLU(autograd.Linear(autograd.Const(xt), w, b))
	plainLoss := autograd.Mean(plainH)
	// h = relu([1-4+9+0.1, 0.5+2-3-0.1; -1+0+3+0.1, -0.5+0-1-0.1]) = [6.1 0; 2.1 0]
	wantH := view([]int{2, 2}, 6.1, 0, 2.1, 0)

	ar, other := autograd.NewArena[float64](), autograd.NewArena[float64]()
	otherLoss := autograd.Mean(autograd.ReLU(autograd.Linear(other.Const(xt), w, b)))
	loss := autograd.Mean(autograd.ReLU(autograd.Linear(ar.Const(xt), w, b)))
	loss.Backward()
	wantGradW := view([]int{2, 3}, 0, 0.5, 1, 0, 0, 0) // (x row 0 + x row 1)/4 for the live unit
	wantGradB := view([]int{2}, 0.5, 0)
	checkTensor(t, "w.Grad", w.Grad(), wantGradW, 1e-15)

	ar.Reset()
	// A second step under ar overwrites everything ar handed out before.
	autograd.Mean(autograd.ReLU(autograd.Linear(ar.Const(t64([]float64{9, 9, 9, 9, 9, 9}, 2, 3)), w, b)))

	checkTensor(t, "w after Reset", w.Value(), view([]int{2, 3}, 1, -2, 3, 0.5, 1, -1), 0)
	checkTensor(t, "w.Grad after Reset", w.Grad(), wantGradW, 1e-15)
	checkTensor(t, "b.Grad after Reset", b.Grad(), wantGradB, 1e-15)
	checkTensor(t, "plain h after Reset", plainH.Value(), wantH, 1e-15)
	if got, want := plainLoss.Item(), 8.2/4; math.Abs(got-want) > 1e-15 {
		t.Errorf("plain loss after Reset = %v, want %v", got, want)
	}
	if got, want := otherLoss.Item(), 8.2/4; math.Abs(got-want) > 1e-15 {
		t.Errorf("other arena's loss after Reset = %v, want %v", got, want)
	}
	autograd.ZeroGrad(w, b)
	otherLoss.Backward() // the other arena's graph is intact
	checkTensor(t, "w.Grad via other arena", w.Grad(), wantGradW, 1e-15)
	plainLoss.Backward()
	checkTensor(t, "w.Grad via plain graph", w.Grad(), view([]int{2, 3}, 0, 1, 2, 0, 0, 0), 1e-15)
}

// values copies the values of vs.
func values[T autograd.Float](vs []*autograd.Var[T]) [][]T {
	out := make([][]T, len(vs))
	for i, v := range vs {
		out[i] = append([]T(nil), v.Value().Data()...)
	}
	return out
}

// TestArenaGradSurvivesReset checks that the functional Grad under an arena
// returns the gradients of a run without one, as copies that later steps
// under the arena do not overwrite: of parameters, of an intermediate result
// and of an input the loss does not depend on.
func TestArenaGradSurvivesReset(t *testing.T) {
	const in, hidden, classes = 5, 6, 4
	m := newArenaModel[float64](7, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	b1 := newArenaBatch[float64](8, 6, in, classes)
	b2 := newArenaBatch[float64](9, 6, in, classes)
	unused := autograd.Param(t64([]float64{1, 2, 3}, 3))

	// grads returns the gradients of m's loss on b with respect to the
	// parameters, unused, and the first layer's output h.
	grads := func(ar *autograd.Arena[float64], b arenaBatch[float64]) []*V {
		x, tg := b.inputs(ar)
		h := autograd.Linear(x, m.w1, m.b1)
		loss := autograd.Add(m.loss(x, tg, b.labels), autograd.Mean(autograd.Sigmoid(h)))
		return autograd.Grad([]*V{loss}, append(m.params(), unused, h))
	}
	want := values(grads(nil, b1))

	ar := autograd.NewArena[float64]()
	got := grads(ar, b1)
	if d := cmp.Diff(want, values(got)); d != "" {
		t.Errorf("Grad under an Arena differs from Grad without (-fresh +arena):\n%s", d)
	}
	if d := cmp.Diff([]float64{0, 0, 0}, got[len(got)-2].Value().Data()); d != "" {
		t.Errorf("gradient of an unused input (-want +got):\n%s", d)
	}
	// Later steps reuse every buffer of the arena, and run Backward before
	// Grad on the arena's pass: Grad must still leave .Grad() alone.
	want2 := values(grads(nil, b2))
	for step := range 3 {
		x, tg := poisonedStep(m, ar, b2)
		m.loss(x, tg, b2.labels).Backward()
		before := make([][]float64, 0, 5)
		for _, p := range m.params() {
			before = append(before, append([]float64(nil), p.Grad().Data()...))
		}
		got2 := grads(ar, b2)
		if d := cmp.Diff(want2, values(got2)); d != "" {
			t.Errorf("step %d: Grad after Backward under an Arena differs from Grad without (-fresh +arena):\n%s", step, d)
		}
		for i, p := range m.params() {
			if d := cmp.Diff(before[i], p.Grad().Data()); d != "" {
				t.Errorf("step %d: Grad changed .Grad() of parameter %d (-before +after):\n%s", step, i, d)
			}
		}
	}
	autograd.ZeroGrad(m.params()...)
	if d := cmp.Diff(want, values(got)); d != "" {
		t.Errorf("gradients from Grad changed after Reset and later steps (-before +after):\n%s", d)
	}
	for i, g := range got {
		if g.RequiresGrad() {
			t.Errorf("gradient %d requires a gradient, want a constant", i)
		}
	}
}

// TestArenaCreateGraph checks Grad with CreateGraph on arena inputs:
// gradients of gradients equal those computed without an arena, step after
// step, and a small case equals its closed form.
func TestArenaCreateGraph(t *testing.T) {
	t.Run("closed form", func(t *testing.T) {
		// f(w) = Σ (x∘w)², g = 2x²∘w, p = Σ g², dp/dw = 8x⁴∘w.
		w := autograd.Param(t64([]float64{3, -1}, 2))
		ar := autograd.NewArena[float64]()
		for step := range 3 {
			ar.Reset()
			x := ar.Const(t64([]float64{1, float64(step + 2)}, 2))
			f := autograd.Sum(autograd.Square(autograd.Mul(x, w)))
			g := autograd.Grad([]*V{f}, []*V{w}, autograd.CreateGraph())[0]
			p := autograd.Sum(autograd.Square(g))
			gg := autograd.Grad([]*V{p}, []*V{w})[0]
			x1 := float64(step + 2)
			checkTensor(t, fmt.Sprintf("step %d: g", step), g.Value(), view([]int{2}, 6, -2*x1*x1), 1e-12)
			checkTensor(t, fmt.Sprintf("step %d: dp/dw", step), gg.Value(), view([]int{2}, 24, -8*x1*x1*x1*x1), 1e-12)
		}
	})

	t.Run("network", func(t *testing.T) {
		const in, hidden, classes = 4, 5, 3
		m := newArenaModel[float64](11, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
		batches := arenaBatches[float64](12, []int{6, 6, 3, 6}, in, classes)
		// run returns a loss's gradients with respect to the parameters and
		// the gradient of a gradient penalty Σ‖∂loss/∂p‖² (a
		// Hessian-vector product) with respect to them.
		run := func(ar *autograd.Arena[float64], b arenaBatch[float64]) (g, gg [][]float64) {
			x, tg := b.inputs(ar)
			gs := autograd.Grad([]*V{m.loss(x, tg, b.labels)}, m.params(), autograd.CreateGraph())
			var pen *V
			for _, gi := range gs {
				if !gi.RequiresGrad() {
					t.Fatalf("a gradient made with CreateGraph does not require a gradient")
				}
				s := autograd.Sum(autograd.Mul(gi, gi))
				if pen == nil {
					pen = s
				} else {
					pen = autograd.Add(pen, s)
				}
			}
			return values(gs), values(autograd.Grad([]*V{pen}, m.params()))
		}
		ar := autograd.NewArena[float64]()
		for i, b := range batches {
			wantG, wantGG := run(nil, b)
			ar.Reset()
			run(ar, b.poisoned())
			ar.Reset()
			gotG, gotGG := run(ar, b)
			if d := cmp.Diff(wantG, gotG); d != "" {
				t.Errorf("step %d: CreateGraph gradients under an Arena differ (-fresh +arena):\n%s", i, d)
			}
			if d := cmp.Diff(wantGG, gotGG); d != "" {
				t.Errorf("step %d: gradients of gradients under an Arena differ (-fresh +arena):\n%s", i, d)
			}
			if nonzero(wantGG) == 0 {
				t.Errorf("step %d: the gradient penalty's gradient is all zeros", i)
			}
		}
	})
}

func nonzero[T autograd.Float](xs [][]T) int {
	n := 0
	for _, x := range xs {
		for _, v := range x {
			if v != 0 {
				n++
			}
		}
	}
	return n
}

// TestArenaRetainGraph runs Backward twice through a retained graph under
// an arena: the gradients are exactly twice those of one pass (which are
// those of a pass without an arena), and a third pass finds the graph
// released.
func TestArenaRetainGraph(t *testing.T) {
	const in, hidden, classes = 5, 6, 4
	m := newArenaModel[float64](13, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	b := newArenaBatch[float64](14, 6, in, classes)

	x, tg := b.inputs(nil)
	m.loss(x, tg, b.labels).Backward()
	once := make([][]float64, 0, 5)
	twice := make([][]float64, 0, 5)
	for _, p := range m.params() {
		g := append([]float64(nil), p.Grad().Data()...)
		once = append(once, g)
		d := make([]float64, len(g))
		for i, v := range g {
			d[i] = 2 * v
		}
		twice = append(twice, d)
	}
	grads := func() [][]float64 {
		var gs [][]float64
		for _, p := range m.params() {
			gs = append(gs, append([]float64(nil), p.Grad().Data()...))
		}
		return gs
	}

	ar := autograd.NewArena[float64]()
	for step := range 3 { // the second and third steps reuse the arena
		autograd.ZeroGrad(m.params()...)
		x, tg := poisonedStep(m, ar, b)
		loss := m.loss(x, tg, b.labels)
		loss.Backward(autograd.RetainGraph())
		if d := cmp.Diff(once, grads()); d != "" {
			t.Errorf("step %d: first Backward under an Arena differs from one without (-fresh +arena):\n%s", step, d)
		}
		loss.Backward()
		if d := cmp.Diff(twice, grads()); d != "" {
			t.Errorf("step %d: two Backward calls did not give twice the gradient (-want +got):\n%s", step, d)
		}
		r := panicValue(func() { loss.Backward() })
		if err, ok := r.(error); !ok || !errors.Is(err, autograd.ErrGraphReleased) {
			t.Errorf("step %d: third Backward panicked with %v, want an error wrapping ErrGraphReleased", step, r)
		}
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
	allocs := testing.AllocsPerRun(100, func() {
		ar.Reset()
		probs, _ := forward(ar, b)
		p0 = probs.Value().Data()[0]
	})
	t.Logf("%v allocations per warmed-up inference pass", allocs)
	const maxAllocs = 0 // measured (Go 1.26, amd64)
	if allocs > maxAllocs {
		t.Errorf("a warmed-up inference pass under an Arena makes %v allocations, want at most %d", allocs, maxAllocs)
	}
	if math.Abs(p0-wantProbs[0]) > 1e-12 {
		t.Errorf("probability[0] = %v, want %v", p0, wantProbs[0])
	}
}

// TestArenaConcurrentTraining trains copies of a model in several goroutines
// at once, each under its own Arena, and requires the numbers of sequential
// runs without one. Run it with -race.
func TestArenaConcurrentTraining(t *testing.T) {
	const workers, steps, in, hidden, classes = 4, 6, 5, 6, 4
	base := newArenaModel[float64](17, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	data := make([][]arenaBatch[float64], workers)
	want := make([]arenaRecord[float64], workers)
	for w := range workers {
		sizes := make([]int, steps)
		for i := range sizes {
			sizes[i] = 4 + (w+i)%3
		}
		data[w] = arenaBatches[float64](uint64(100*w), sizes, in, classes)
		want[w] = trainArena(t, base.clone(), nil, data[w], false)
	}
	got := make([]arenaRecord[float64], workers)
	models := make([]*arenaModel[float64], workers)
	for w := range workers {
		models[w] = base.clone()
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { got[w] = trainArena(t, models[w], autograd.NewArena[float64](), data[w], w%2 == 0) })
	}
	wg.Wait()
	for w := range workers {
		if d := cmp.Diff(want[w], got[w]); d != "" {
			t.Errorf("worker %d: concurrent training under an Arena differs from sequential (-sequential +concurrent):\n%s", w, d)
		}
	}
}

// TestArenaConcurrentGradSharedParams computes gradients of one model's
// shared, read-only parameters with Grad in several goroutines, each with
// its own Arena, and requires the numbers of a sequential run.
func TestArenaConcurrentGradSharedParams(t *testing.T) {
	const workers, steps, in, hidden, classes = 4, 5, 5, 6, 4
	m := newArenaModel[float64](19, in, hidden, classes, arenaOpts{fallback: true, penalty: true})
	grads := func(ar *autograd.Arena[float64], batches []arenaBatch[float64]) [][][]float64 {
		var out [][][]float64
		for _, b := range batches {
			if ar != nil {
				ar.Reset()
			}
			x, tg := b.inputs(ar)
			out = append(out, values(autograd.Grad([]*V{m.loss(x, tg, b.labels)}, m.params())))
		}
		return out
	}
	data := make([][]arenaBatch[float64], workers)
	want := make([][][][]float64, workers)
	for w := range workers {
		data[w] = arenaBatches[float64](uint64(1000+10*w), []int{5, 5, 2, 5, 7}[:steps], in, classes)
		want[w] = grads(nil, data[w])
	}
	got := make([][][][]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { got[w] = grads(autograd.NewArena[float64](), data[w]) })
	}
	wg.Wait()
	for w := range workers {
		if d := cmp.Diff(want[w], got[w]); d != "" {
			t.Errorf("worker %d: concurrent Grad under an Arena differs from sequential (-sequential +concurrent):\n%s", w, d)
		}
	}
	for _, p := range m.params() {
		if p.Grad() != nil {
			t.Errorf("Grad wrote into a shared parameter's .Grad()")
		}
	}
}

// TestArenaNestedPass runs a reverse pass inside another under the same
// arena: a Function whose derivative calls Grad on a graph made under the
// arena, while the arena's own pass is running.
func TestArenaNestedPass(t *testing.T) {
	ar := autograd.NewArena[float64]()
	// square is x² with the derivative 2x computed by Grad of Σ (x∘1)².
	square := &autograd.Function[float64]{
		Name: "SquareViaGrad",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] {
			return tensor.Map(in[0], func(v float64) float64 { return v * v })
		},
		Backward: func(c *autograd.Context[float64], g *V) []*V {
			xv := c.Input(0).Value()
			x := autograd.Param(xv)
			ones := tensor.Ones[float64](xv.Shape()...)
			inner := autograd.Sum(autograd.Square(autograd.Mul(x, ar.Const(ones))))
			d := autograd.Grad([]*V{inner}, []*V{x})[0]
			return []*V{autograd.Mul(g, d)}
		},
	}
	w := autograd.Param(t64([]float64{0.5, -1, 2, 0.25, 1, -0.5}, 2, 3))
	for step := range 3 {
		ar.Reset()
		w.ZeroGrad()
		x := ar.Const(t64([]float64{1, 2, float64(step), -1, 0.5, 1}, 2, 3))
		h := autograd.Linear(x, w, nil)                          // [2 2]
		loss := autograd.Mean(autograd.Sigmoid(square.Apply(h))) // custom op in the middle
		loss = autograd.Add(loss, autograd.Mean(autograd.Mul(h, ar.Const(t64([]float64{1, 2, 3, 4}, 2, 2)))))
		loss.Backward()

		w2 := autograd.Param(w.Value().Clone())
		x2 := autograd.Const(x.Value().Clone())
		h2 := autograd.Linear(x2, w2, nil)
		ref := autograd.Add(autograd.Mean(autograd.Sigmoid(autograd.Square(h2))),
			autograd.Mean(autograd.Mul(h2, autograd.Const(t64([]float64{1, 2, 3, 4}, 2, 2)))))
		ref.Backward()
		if d := cmp.Diff(viewOf(w2.Grad()), viewOf(w.Grad()), approx(1e-14)); d != "" {
			t.Errorf("step %d: gradient through a nested pass (-want +got):\n%s", step, d)
		}
	}
}

// TestArenaSameSizeOtherShape alternates between two steps whose results
// have the same number of elements in other shapes ([2 3] and [3 2]): the
// arena must not hand out a tensor of the wrong shape.
func TestArenaSameSizeOtherShape(t *testing.T) {
	wa := autograd.Param(t64([]float64{1, -1, 0.5, 2, 0, 1, -2, 1, 0.25, 1, 1, -1}, 3, 4))
	wb := autograd.Param(t64([]float64{0.5, 1, -1, 2, 1, 0, 1, -0.5}, 2, 4))
	step := func(ar *autograd.Arena[float64], i int) (h, gw tensorView) {
		w, n := wa, 2
		if i%2 == 1 {
			w, n = wb, 3
		}
		data := make([]float64, 4*n)
		for j := range data {
			data[j] = float64((j*7+i)%5) - 2
		}
		var x *V
		if ar == nil {
			x = autograd.Const(t64(data, n, 4))
		} else {
			ar.Reset()
			x = ar.Const(t64(data, n, 4))
		}
		hv := autograd.Sigmoid(autograd.Linear(x, w, nil))
		autograd.Sum(autograd.Mul(hv, hv)).Backward()
		gw = viewOf(w.Grad())
		w.ZeroGrad()
		return viewOf(hv.Value()), gw
	}
	ar := autograd.NewArena[float64]()
	for i := range 4 {
		wantH, wantG := step(nil, i)
		gotH, gotG := step(ar, i)
		if d := cmp.Diff(wantH, gotH); d != "" {
			t.Errorf("step %d: result (-fresh +arena):\n%s", i, d)
		}
		if d := cmp.Diff(wantG, gotG); d != "" {
			t.Errorf("step %d: gradient (-fresh +arena):\n%s", i, d)
		}
	}
}

// TestArenaStaleVarAfterReuse uses Vars from before a Reset after the arena
// has handed out new ones, as a loop that keeps the previous step's loss or
// a detached activation would. The Arena's documentation promises a panic
// wrapping ErrArenaReset "rather than reading another step's data"; keeping
// the old values would do as well. Reading the new step's data silently is
// the bug.
func TestArenaStaleVarAfterReuse(t *testing.T) {
	w := autograd.Param(t64([]float64{1, -2, 3, 0.5, 1, -1}, 2, 3))
	b := autograd.Param(t64([]float64{0.1, -0.1}, 2))
	x1 := t64([]float64{1, 2, 3, -1, 0, 1}, 2, 3) // loss 2.05 (see TestArenaResetLeavesOthersAlone)
	x2 := t64([]float64{2, 4, 6, -2, 0, 2}, 2, 3)
	forward := func(ar *autograd.Arena[float64], x *tensor.Tensor[float64]) (h, loss *V) {
		h = autograd.ReLU(autograd.Linear(ar.Const(x), w, b))
		return h, autograd.Mean(h)
	}
	// staleOK reports whether reading a stale Var either panicked with
	// ErrArenaReset or returned the old data.
	staleOK := func(read func() []float64, old []float64) (got []float64, ok bool) {
		r := panicValue(func() { got = read() })
		if err, isErr := r.(error); isErr && errors.Is(err, autograd.ErrArenaReset) {
			return nil, true
		}
		if r != nil {
			panic(r)
		}
		return got, cmp.Equal(got, old)
	}

	t.Run("slot reused", func(t *testing.T) {
		ar := autograd.NewArena[float64]()
		_, prev := forward(ar, x1)
		old := prev.Item()
		ar.Reset()
		_, cur := forward(ar, x2)
		got, ok := staleOK(func() []float64 { return []float64{prev.Item()} }, []float64{old})
		if !ok {
			t.Errorf("BUG: the previous step's loss, read after Reset and a new step, gives %v (the new step's loss is %v, the old one %v); "+
				"want a panic wrapping ErrArenaReset. The arena recycles the Var structs themselves (prev == cur: %v), so its generation check cannot see that prev is stale",
				got, cur.Item(), old, prev == cur)
		}
	})

	t.Run("Detach", func(t *testing.T) {
		ar := autograd.NewArena[float64]()
		h, _ := forward(ar, x1)
		d := autograd.Detach(h)
		old := append([]float64(nil), h.Value().Data()...)
		ar.Reset()
		forward(ar, x2)
		got, ok := staleOK(func() []float64 { return append([]float64(nil), d.Value().Data()...) }, old)
		if !ok {
			t.Errorf("BUG: Detach of an arena Var, read after Reset and a new step, gives %v, the new step's data (old %v); "+
				"want a panic wrapping ErrArenaReset or the old values. Detach shares the arena's tensor but not the Var's arena and generation", got, old)
		}
	})

	t.Run("two arenas", func(t *testing.T) {
		a, b := autograd.NewArena[float64](), autograd.NewArena[float64]()
		z := autograd.Add(a.Const(t64([]float64{1, 2}, 2)), b.Const(t64([]float64{10, 20}, 2)))
		old := append([]float64(nil), z.Value().Data()...)
		a.Reset()
		autograd.Scale(a.Const(t64([]float64{5, 6}, 2)), 3)
		got, ok := staleOK(func() []float64 { return append([]float64(nil), z.Value().Data()...) }, old)
		if !ok {
			t.Errorf("BUG: Add(a.Const(x), b.Const(y)) read after a.Reset() and a new step under a gives %v (old %v); "+
				"want a panic wrapping ErrArenaReset or the old values. binaryValue takes the result tensor from the first input's arena (a), "+
				"recordOp the Var from the last input's (b), so a's Reset recycles the tensor of a Var that b still calls live", got, old)
		}
	})
}
