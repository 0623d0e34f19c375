package bench

import (
	"math"
	"runtime"
	"strconv"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// This file holds what the model workloads of issue 10 share: the MLP with
// Adam, the CNN, the tiny GPT block, the LSTM, the elementwise chain and the
// MLP's inference each define a workload, and one runner steps any of them
// the way a user's loop does, with or without an autograd.Arena. The same
// workloads, with the same data and initial weights, run in PyTorch in
// peers/torch_bench.py (see export_test.go for how the numbers get there).

// feed turns a tensor of the batch into a constant leaf: autograd.Const in
// the plain loop, Arena.Const under an Arena.
type feed func(*tensor.Tensor[float32]) *autograd.Var[float32]

// stepKind is what one step of a workload does after its forward pass.
type stepKind int

const (
	trainStep stepKind = iota // Backward, an Adam step, ZeroGrad
	gradStep                  // Backward, then ZeroGrad of the parameters (no update)
	inferStep                 // nothing: the forward pass is the step, under an inference Arena
)

// workloadLR is the learning rate of every Adam step here (torch's default).
const workloadLR = 1e-3

// workload is one benchmarked computation on a fixed batch: a model's
// parameters, under the names PyTorch's version of the model gives them,
// the batch, and the forward pass from one to the other.
type workload struct {
	kind   stepKind
	params []layers.NamedParam[float32]
	// data holds the batch's tensors for the export (class labels and token
	// ids as whole numbers in float32), config the sizes the PyTorch side
	// needs to build the same model.
	data    map[string]*tensor.Tensor[float32]
	config  map[string]int
	forward func(in feed) *autograd.Var[float32]
	// fromParams marks a step that starts from the parameters alone (no
	// batch enters it): under an Arena its parameters become the arena's
	// (Arena.Param), so that its operations take their results from it.
	// forward must then read them from params at each call.
	fromParams bool
}

// runner steps a workload as a training loop does: plain (every step
// allocates its graph and buffers anew) or under an Arena (Reset, then the
// batch through Arena.Const; for inference, autograd.NewInferenceArena).
type runner struct {
	w     *workload
	arena *autograd.Arena[float32] // nil: the plain loop
	opt   *optim.Adam[float32]     // nil unless the workload trains
	in    feed
}

// newRunner returns a runner of w, under a new Arena if arena is set.
func newRunner(w *workload, arena bool) *runner {
	r := &runner{w: w, in: autograd.Const[float32]}
	switch {
	case arena && w.kind == inferStep:
		r.arena = autograd.NewInferenceArena[float32]()
	case arena:
		r.arena = autograd.NewArena[float32]()
	}
	if arena {
		r.in = r.arena.Const
		if w.fromParams {
			for i, p := range w.params {
				w.params[i].Param = r.arena.Param(p.Param.Value())
			}
		}
	}
	if w.kind == trainStep {
		opt, err := optim.NewAdam(r.paramVars(), workloadLR)
		if err != nil {
			panic(err)
		}
		r.opt = opt
	}
	return r
}

// paramVars returns the workload's parameters without their names.
func (r *runner) paramVars() []*autograd.Var[float32] {
	ps := make([]*autograd.Var[float32], len(r.w.params))
	for i, p := range r.w.params {
		ps[i] = p.Param
	}
	return ps
}

// step runs one step and returns the forward pass's result, which stays
// valid until the next step.
func (r *runner) step() *autograd.Var[float32] {
	if r.arena != nil {
		r.arena.Reset()
	}
	out := r.w.forward(r.in)
	switch r.w.kind {
	case trainStep:
		out.Backward()
		r.opt.Step()
		r.opt.ZeroGrad()
	case gradStep:
		out.Backward()
		autograd.ZeroGrad(r.paramVars()...)
	}
	return out
}

// checkValue is the number of a step's result that the PyTorch side must
// reproduce: the loss, or for inference (a batch of logits) the sum of the
// squared outputs, in float64.
func checkValue(out *autograd.Var[float32]) float64 {
	if len(out.Shape()) == 0 {
		return float64(out.Item())
	}
	var s float64
	for _, v := range out.Value().Data() {
		s += float64(v) * float64(v)
	}
	return s
}

// values runs n steps and returns their check values.
func (r *runner) values(n int) []float64 {
	vs := make([]float64, n)
	for i := range vs {
		vs[i] = checkValue(r.step())
	}
	return vs
}

// benchWorkload runs the sub-benchmarks plain and arena of the workload
// that mk builds, each on a workload of its own, one step per op. Before
// the timer, goldenSteps warm-up steps must give the values recorded for
// the benchmark (golden_test.go), or it fails.
func benchWorkload(b *testing.B, mk func() *workload) {
	name := goldenName(b)
	for _, mode := range []string{"plain", "arena"} {
		b.Run(mode, func(b *testing.B) {
			r := newRunner(mk(), mode == "arena")
			// Collect the previous benchmark's garbage first: a collection
			// empties the sync.Pools, which the next step then refills.
			runtime.GC()
			// Warm up (the Arena reaches its steady state, Adam has its
			// moments) and check the steps' values.
			checkGolden(b, name, r.values(goldenSteps))
			b.ReportAllocs()
			b.ResetTimer()
			// Not b.Loop: its first sample runs before -cpu sets GOMAXPROCS
			// (see benchGemm), so under torch_bench.py's -cpu 1 it would run
			// with the machine's GOMAXPROCS.
			for range b.N {
				r.step()
			}
		})
	}
}

// checkArenaMatchesPlain runs steps steps of two copies of a workload, one
// plain and one under an Arena, and fails t unless every check value is the
// same bit for bit. It returns the plain loop's values.
func checkArenaMatchesPlain(t *testing.T, mk func() *workload, steps int) []float64 {
	t.Helper()
	plain, arena := newRunner(mk(), false).values(steps), newRunner(mk(), true).values(steps)
	for i := range plain {
		if math.Float64bits(plain[i]) != math.Float64bits(arena[i]) {
			t.Errorf("step %d: %v plain, %v under an arena", i, plain[i], arena[i])
		}
	}
	return plain
}

// checkTrains fails t unless the losses are finite and the last is below
// frac times the first.
func checkTrains(t *testing.T, losses []float64, frac float64) {
	t.Helper()
	for i, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			t.Fatalf("loss at step %d is %v", i, l)
		}
	}
	if first, last := losses[0], losses[len(losses)-1]; !(last < frac*first) {
		t.Errorf("loss went from %g to %g in %d steps, want below %g×%g", first, last, len(losses), frac, first)
	}
}

// batchName names a sub-benchmark by its batch size.
func batchName(batch int) string { return "batch=" + strconv.Itoa(batch) }
