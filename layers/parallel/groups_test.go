package parallel_test

import (
	"bytes"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
)

// groupedRun is a Trainer whose optimizer is AdamW with parameter groups
// (none when plain): no weight decay on the vectors (biases, BatchNorm's
// weights), and half the rate for the first weight matrix, under a StepLR
// schedule set through Trainer.Optimizer. hide makes every replica step
// with an optimizer of its own instead of sharing one in parts.
type groupedRun struct {
	model       func(uint64) (layers.Module[float32], error)
	workers     int
	hide, plain bool
	trainer     *parallel.Trainer[float32]
	sched       *optim.Scheduler[float32]
}

func (g *groupedRun) start(t *testing.T) {
	t.Helper()
	cfg := config(g.model, g.workers)
	cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
		opts := []optim.AdamOption{optim.WeightDecay(0.1)}
		if !g.plain {
			var vectors, matrices []*autograd.Var[float32]
			for _, p := range ps {
				if p.Value().Dims() < 2 {
					vectors = append(vectors, p)
				} else {
					matrices = append(matrices, p)
				}
			}
			opts = append(opts, optim.ParamGroup(vectors, optim.WeightDecay(0)), optim.ParamGroup(matrices[:1], optim.LRScale(0.5)))
		}
		o, err := optim.NewAdamW(ps, 3e-3, opts...)
		if g.hide {
			return whole{o}, err
		}
		return o, err
	}
	var err error
	if g.trainer, err = parallel.New(cfg); err != nil {
		t.Fatal(err)
	}
	step, err := optim.NewStepLR(3e-3, 2, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if g.sched, err = optim.NewScheduler(g.trainer.Optimizer(), step); err != nil {
		t.Fatal(err)
	}
}

// steps trains from step from to step to.
func (g *groupedRun) steps(t *testing.T, from, to int) {
	t.Helper()
	for s := from; s < to; s++ {
		if _, err := g.trainer.Step(digitBatch(uint64(s%4), testRows)); err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		if err := g.sched.Step(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestParamGroups checks that parameter groups and a schedule reach a
// Trainer's optimizer with nothing else to do: the step shared among 1 or
// 3 workers gives the bits of each replica's whole step with 2, the groups
// change the weights, and a run saved after 3 steps (the groups in its
// optimizer state) and resumed in a new Trainer gives the bits of 6
// uninterrupted steps.
func TestParamGroups(t *testing.T) {
	const total = 6
	for _, name := range []string{"mlp", "bn"} {
		t.Run(name, func(t *testing.T) {
			var got [][][]float32
			for _, r := range []groupedRun{{workers: 1}, {workers: 3}, {workers: 2, hide: true}, {workers: 1, plain: true}} {
				r.model = models[name]
				r.start(t)
				r.steps(t, 0, total)
				got = append(got, state(r.trainer.Model()))
				r.trainer.Close()
			}
			for k, what := range []string{"3 workers", "each replica's whole step"} {
				if i, e := sameBits(got[0], got[k+1]); i >= 0 {
					t.Errorf("%s: tensor %d element %d: %v, 1 worker's %v", what, i, e, got[k+1][i][e], got[0][i][e])
				}
			}
			if i, _ := sameBits(got[0], got[3]); i < 0 {
				t.Errorf("the groups changed no weight")
			}

			first := groupedRun{model: models[name], workers: 2}
			first.start(t)
			first.steps(t, 0, total/2)
			var weights, opt bytes.Buffer
			if err := layers.Save(&weights, first.trainer.Model()); err != nil {
				t.Fatal(err)
			}
			if err := optim.SaveState(&opt, first.trainer.Optimizer()); err != nil {
				t.Fatal(err)
			}
			first.trainer.Close()
			resumed := groupedRun{model: models[name], workers: 2}
			resumed.start(t)
			defer resumed.trainer.Close()
			if err := layers.Load(&weights, resumed.trainer.Model()); err != nil {
				t.Fatal(err)
			}
			if err := optim.LoadState(&opt, resumed.trainer.Optimizer()); err != nil {
				t.Fatal(err)
			}
			if err := resumed.trainer.SetSteps(total / 2); err != nil {
				t.Fatal(err)
			}
			if err := resumed.sched.SetSteps(total / 2); err != nil {
				t.Fatal(err)
			}
			resumed.steps(t, total/2, total)
			if i, e := sameBits(got[0], state(resumed.trainer.Model())); i >= 0 {
				t.Errorf("resumed: tensor %d element %d differs from the uninterrupted run", i, e)
			}
		})
	}
}
