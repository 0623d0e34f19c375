package optim_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// splitParams returns parameters of several sizes (one shorter than a
// vector, one longer than a weight-decay block), the same for a seed.
func splitParams[T tensor.Float](seed uint64) []*autograd.Var[T] {
	rng := rand.New(rand.NewPCG(seed, 1))
	var ps []*autograd.Var[T]
	for _, n := range []int{3, 40, 1100, 17, 600} {
		d := make([]T, n)
		for i := range d {
			d[i] = T(rng.NormFloat64())
		}
		ps = append(ps, autograd.Param(tensor.MustNew(d, n)))
	}
	return ps
}

// setGrads gives every parameter the gradient of step s, except parameter 3
// on odd steps and parameter 0 before step 2 (nil: skipped).
func setGrads[T tensor.Float](ps []*autograd.Var[T], s int) {
	rng := rand.New(rand.NewPCG(uint64(s), 2))
	for i, p := range ps {
		if (i == 3 && s%2 == 1) || (i == 0 && s < 2) {
			p.SetGrad(nil)
			continue
		}
		g := tensor.Zeros[T](p.Shape()...)
		for k := range g.Data() {
			g.Data()[k] = T(rng.NormFloat64())
		}
		p.SetGrad(g)
	}
}

// TestStepRangeSameBits checks that a step made in parts, over ranges that
// cut parameters anywhere and run on several goroutines at once, updates
// the same bits as Step, for every optimizer and option, over several
// steps (with parameters that have no gradient on some of them).
func TestStepRangeSameBits(t *testing.T) {
	testStepRangeSameBits(t, makers[float32]())
	testStepRangeSameBits(t, makers[float64]())
}

func testStepRangeSameBits[T tensor.Float](t *testing.T, ms []maker[T]) {
	for _, m := range ms {
		whole, split := splitParams[T](1), splitParams[T](1)
		ow, err := m.make(whole, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		os, err := m.make(split, 0.01)
		if err != nil {
			t.Fatal(err)
		}
		ss, ok := os.(optim.SplitStepper[T])
		if !ok {
			t.Fatalf("%s: not a SplitStepper", m.name)
		}
		total := 0
		for _, p := range split {
			total += p.Value().Len()
		}
		rng := rand.New(rand.NewPCG(3, 4))
		for s := range 6 {
			setGrads(whole, s)
			setGrads(split, s)
			if err := ow.Step(); err != nil {
				t.Fatal(err)
			}
			parts := 1 + s%4
			run, err := ss.BeginStep(true, parts)
			if !run || err != nil {
				t.Fatalf("%s: BeginStep = %v, %v", m.name, run, err)
			}
			// parts goroutines, each over a few ranges of its own.
			cuts := []int{0, total}
			for range 3 * parts {
				cuts = append(cuts, rng.IntN(total+1))
			}
			slices.Sort(cuts)
			var wg sync.WaitGroup
			for part := range parts {
				wg.Go(func() {
					for c := part; c+1 < len(cuts); c += parts {
						ss.StepRange(part, cuts[c], cuts[c+1])
					}
				})
			}
			wg.Wait()
			for i := range whole {
				a, b := whole[i].Value().Data(), split[i].Value().Data()
				for k := range a {
					if math.Float64bits(float64(a[k])) != math.Float64bits(float64(b[k])) {
						t.Fatalf("%s, step %d: parameter %d element %d: Step %v, in parts %v", m.name, s, i, k, a[k], b[k])
					}
				}
			}
		}
	}
}

// TestBeginStepNonFinite checks BeginStep's decision: under the default it
// steps whatever finite says; under SkipNonFinite and ErrorNonFinite a
// finite of false skips the step, counts it, and (ErrorNonFinite) returns
// the *NonFiniteError that Step would.
func TestBeginStepNonFinite(t *testing.T) {
	for _, m := range policyMakers() {
		for _, policy := range []optim.NonFinitePolicy{optim.PropagateNonFinite, optim.SkipNonFinite, optim.ErrorNonFinite} {
			ps := []*autograd.Var[float64]{param[float64](1, 2), param[float64](3)}
			o, err := m.make(ps, policy)
			if err != nil {
				t.Fatal(err)
			}
			ss := o.(optim.SplitStepper[float64])
			if ss.NonFinitePolicy() != policy {
				t.Errorf("%s: NonFinitePolicy = %v, want %v", m.name, ss.NonFinitePolicy(), policy)
			}
			setGrad(ps[0], 1, 1)
			setGrad(ps[1], math.NaN())
			run, err := ss.BeginStep(false, 2)
			if policy == optim.PropagateNonFinite {
				if !run || err != nil || o.Skipped() != 0 {
					t.Errorf("%s %v: BeginStep = %v, %v, Skipped %d; want true, nil, 0", m.name, policy, run, err, o.Skipped())
				}
				continue
			}
			var nf *optim.NonFiniteError
			if run || o.Skipped() != 1 || (policy == optim.ErrorNonFinite) != errors.As(err, &nf) || (nf != nil && nf.Param != 1) {
				t.Errorf("%s %v: BeginStep = %v, %v, Skipped %d", m.name, policy, run, err, o.Skipped())
			}
		}
	}
}

// TestStepRangePanics checks that a range out of bounds or a part BeginStep
// did not prepare panics with an *optim.ArgError.
func TestStepRangePanics(t *testing.T) {
	ps := []*autograd.Var[float64]{param[float64](1, 2), param[float64](3)}
	o, err := optim.NewAdam(ps, 0.1)
	if err != nil {
		t.Fatal(err)
	}
	setGrad(ps[0], 1, 1)
	if _, err := o.BeginStep(true, 2); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ part, lo, hi int }{{0, -1, 2}, {0, 0, 4}, {0, 2, 1}, {2, 0, 1}, {-1, 0, 1}} {
		func() {
			defer func() {
				var ae *optim.ArgError
				if e, ok := recover().(error); !ok || !errors.As(e, &ae) {
					t.Errorf("StepRange(%d, %d, %d): want an *optim.ArgError panic", c.part, c.lo, c.hi)
				}
			}()
			o.StepRange(c.part, c.lo, c.hi)
		}()
	}
}
