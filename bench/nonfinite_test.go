package bench

import (
	"math"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// guardedMLP is the Adam training step of BenchmarkMLPAdamStep (the
// 784-256-128-10 ReLU MLP, batch 256, under an Arena) with a choice of
// guards against non-finite gradients: the optimizer's NonFinitePolicy and,
// optionally, optim.ClipGradNorm before the step (which reports a
// non-finite total norm as an error). A poisoned batch is the same batch
// with one NaN pixel.
type guardedMLP struct {
	net         *layers.Sequential[float32]
	params      []*autograd.Var[float32]
	x, poisoned *tensor.Tensor[float32]
	labels      []int
	arena       *autograd.Arena[float32]
	opt         *optim.Adam[float32]
	clip        bool
	steps       int
	clipSkips   int // steps that ClipGradNorm's error skipped
}

// newGuardedMLP builds the step with the given policy, and ClipGradNorm
// (max norm 1) when clip is set.
func newGuardedMLP(batch int, policy optim.NonFinitePolicy, clip bool) *guardedMLP {
	net := newMLP(1)
	x, labels := mlpBatch(2, batch)
	poisoned := x.Clone()
	poisoned.Data()[batch/2*mlpIn+mlpIn/2] = float32(math.NaN())
	opt, err := optim.NewAdam(net.Parameters(), workloadLR, optim.NonFinite(policy))
	if err != nil {
		panic(err)
	}
	return &guardedMLP{net: net, params: net.Parameters(), x: x, poisoned: poisoned, labels: labels,
		arena: autograd.NewArena[float32](), opt: opt, clip: clip}
}

// step trains on the clean batch, or on the poisoned one, and returns the
// loss.
func (g *guardedMLP) step(poison bool) float32 {
	g.arena.Reset()
	x := g.x
	if poison {
		x = g.poisoned
	}
	loss := autograd.CrossEntropy(g.net.Forward(g.arena.Const(x)), g.labels)
	loss.Backward()
	skip := false
	if g.clip {
		// A non-finite norm is an error: the parameters are left alone, and
		// so is the optimizer, as a training loop that checks it would.
		_, err := optim.ClipGradNorm(g.params, 1)
		skip = err != nil
	}
	if skip {
		g.clipSkips++
	} else {
		// Under ErrorNonFinite the error only repeats what Skipped counts.
		_ = g.opt.Step()
	}
	g.opt.ZeroGrad()
	g.steps++
	return loss.Item()
}

// skipped returns how many steps were skipped, by the optimizer's policy
// or by ClipGradNorm's error.
func (g *guardedMLP) skipped() int { return g.clipSkips + g.opt.Skipped() }

// weightsFinite reports whether every parameter is finite.
func (g *guardedMLP) weightsFinite() bool {
	for _, p := range g.params {
		if !tensor.AllFinite(p.Value()) {
			return false
		}
	}
	return true
}

// BenchmarkNonFinitePolicy times the guards against NaN of issue 13 on the
// Adam MLP step at batch 256 under an Arena: "propagate" is the default
// (torch.optim's: no check), "skip" checks every gradient before the step
// (optim.SkipNonFinite), "error" does the same and returns the error
// (optim.ErrorNonFinite), "clip+skip" adds optim.ClipGradNorm, whose norm
// is also the check. "poisoned-1in8/skip" feeds a batch with one NaN pixel
// every 8th step and reports the skipped steps; the weights stay finite
// (TestNonFinitePolicyBench checks it). The cost of a guard is its time
// against "propagate" in the same run.
func BenchmarkNonFinitePolicy(b *testing.B) {
	cases := []struct {
		name   string
		policy optim.NonFinitePolicy
		clip   bool
		poison int
	}{
		{"propagate", optim.PropagateNonFinite, false, 0},
		{"skip", optim.SkipNonFinite, false, 0},
		{"error", optim.ErrorNonFinite, false, 0},
		{"clip+skip", optim.SkipNonFinite, true, 0},
		{"poisoned-1in8/skip", optim.SkipNonFinite, false, 8},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			g := newGuardedMLP(256, c.policy, c.clip)
			for range 3 {
				g.step(false)
			}
			g.steps = 0
			before := g.skipped()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N { // not b.Loop: see benchGemm
				g.step(c.poison > 0 && g.steps%c.poison == c.poison-1)
			}
			b.ReportMetric(float64(g.skipped()-before)/float64(g.steps), "skipped/step")
			if !g.weightsFinite() {
				b.Fatal("a weight became NaN or infinite")
			}
		})
	}
}

// TestNonFinitePolicyBench checks the benchmark's premise on a small batch:
// with the default policy one poisoned batch turns the weights into NaN;
// with SkipNonFinite, ErrorNonFinite or ClipGradNorm's error the poisoned
// steps are skipped, the weights stay finite, and the clean steps give
// exactly the losses of the same run without the poisoned batch.
func TestNonFinitePolicyBench(t *testing.T) {
	const steps, poisonAt = 6, 2
	nan := newGuardedMLP(16, optim.PropagateNonFinite, false)
	for s := range steps {
		nan.step(s == poisonAt)
	}
	if nan.weightsFinite() {
		t.Error("the default policy kept the weights finite after a NaN batch; the benchmark's poisoned case measures nothing")
	}

	for _, c := range []struct {
		name   string
		policy optim.NonFinitePolicy
		clip   bool
	}{{"skip", optim.SkipNonFinite, false}, {"error", optim.ErrorNonFinite, false}, {"clip", optim.PropagateNonFinite, true}} {
		clean := newGuardedMLP(16, c.policy, c.clip)
		var want []float32
		for range steps - 1 {
			want = append(want, clean.step(false))
		}
		g := newGuardedMLP(16, c.policy, c.clip)
		var got []float32
		for s := range steps {
			l := g.step(s == poisonAt)
			if s != poisonAt {
				got = append(got, l)
			}
		}
		if !g.weightsFinite() {
			t.Errorf("%s: a weight became NaN or infinite", c.name)
		}
		if g.skipped() != 1 {
			t.Errorf("%s: %d steps skipped, want 1", c.name, g.skipped())
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: clean step %d loss %v, want %v (as if the poisoned batch never came)", c.name, i, got[i], want[i])
			}
		}
	}
}
