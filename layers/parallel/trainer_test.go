package parallel_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/layers/parallel"
	"github.com/adjoint-go/adjoint/layers/parallel/internal/digitsnet"
)

const (
	testSteps = 20
	testRows  = 50 // 8 micro-batches of 7, 7, 6, 6, 6, 6, 6, 6 rows
)

// train runs steps steps of a goroutine trainer with the given workers on
// seeded batches and returns the final state and the losses.
func train(t *testing.T, model func(uint64) (layers.Module[float32], error), workers, steps int) ([][]float32, []float64) {
	t.Helper()
	tr, err := parallel.New(config(model, workers))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var losses []float64
	for s := range steps {
		loss, err := tr.Step(digitBatch(uint64(s%4), testRows))
		if err != nil {
			t.Fatalf("step %d: %v", s, err)
		}
		losses = append(losses, loss)
	}
	return state(tr.Model()), losses
}

// TestSameBitsForAnyWorkerCount trains the digits MLP (with dropout), the
// digits CNN and a BatchNorm MLP for 20 Adam steps with 1, 2, 3, 4 and 8
// workers on batches of 50 rows (which 8 micro-batches do not divide
// evenly), and checks that every parameter and buffer is the same bits,
// and that the loss fell.
func TestSameBitsForAnyWorkerCount(t *testing.T) {
	for name, model := range models {
		t.Run(name, func(t *testing.T) {
			want, losses := train(t, model, 1, testSteps)
			if !(losses[len(losses)-1] < 0.8*losses[0]) {
				t.Errorf("loss went from %g to %g in %d steps", losses[0], losses[len(losses)-1], testSteps)
			}
			for _, w := range []int{2, 3, 4, 8} {
				got, gotLosses := train(t, model, w, testSteps)
				if i, k := sameBits(want, got); i >= 0 {
					t.Errorf("%d workers: tensor %d element %d: %v, 1 worker: %v", w, i, k, got[i][k], want[i][k])
				}
				for s := range losses {
					if gotLosses[s] != losses[s] {
						t.Errorf("%d workers: step %d loss %v, 1 worker %v", w, s, gotLosses[s], losses[s])
						break
					}
				}
			}
		})
	}
}

// TestDistributedSameBits runs NewDistributed over an in-process
// transport with 1, 2 and 3 ranks and checks the weights against New's.
func TestDistributedSameBits(t *testing.T) {
	for _, name := range []string{"mlp", "bn"} {
		model := models[name]
		want, _ := train(t, model, 2, testSteps)
		for _, ranks := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("%s/ranks=%d", name, ranks), func(t *testing.T) {
				got := make([][][]float32, ranks)
				errs := make([]error, ranks)
				var wg sync.WaitGroup
				for r, tp := range newLoopback(ranks) {
					wg.Go(func() {
						tr, err := parallel.NewDistributed(config(model, 0), tp)
						if err != nil {
							errs[r] = err
							return
						}
						for s := range testSteps {
							if _, err := tr.Step(digitBatch(uint64(s%4), testRows)); err != nil {
								errs[r] = err
								return
							}
						}
						got[r] = state(tr.Model())
					})
				}
				wg.Wait()
				for r := range ranks {
					if errs[r] != nil {
						t.Fatalf("rank %d: %v", r, errs[r])
					}
					if i, k := sameBits(want, got[r]); i >= 0 {
						t.Errorf("rank %d: tensor %d element %d: %v, goroutines: %v", r, i, k, got[r][i][k], want[i][k])
					}
				}
			})
		}
	}
}

// narrowMLP is digitsnet.MLP with 128 hidden units instead of 256: the
// same parameters, of other shapes.
func narrowMLP(seed uint64) (layers.Module[float32], error) {
	rng := rand.New(rand.NewPCG(seed, 7))
	return layers.NewSequential[float32](layers.Flatten[float32]{},
		layers.NewLinear(rng, 64, 128, layers.HeUniform[float32]), layers.ReLU[float32]{},
		parallel.NewDropout[float32](rng, 0.2), layers.NewLinear(rng, 128, 10, layers.XavierUniform[float32])), nil
}

// mismatches are replica 1's differences from replica 0 (digitsnet.MLP)
// that New and NewDistributed refuse, with how their *MismatchError says
// it (the backend names replica 0 "replica 0" or "rank 0").
var mismatches = []struct {
	name   string
	model  func(uint64) (layers.Module[float32], error)
	edit   func(*parallel.Config[float32])
	reason string
}{
	{"more parameters and buffers", bnMLP, nil, "it has 6 parameters and 2 buffers, %s has 4 parameters and 0 buffers"},
	{"another shape", narrowMLP, nil, `parameter 0 is "1.weight" [128 64], %s's is "1.weight" [256 64]`},
	{"another seed", digitsnet.MLP, func(c *parallel.Config[float32]) { c.Seed++ }, "its Seed differs from rank 0's"},
	{"another clipping", digitsnet.MLP, func(c *parallel.Config[float32]) { c.ClipGradNorm = 1 }, "its ClipGradNorm differs from rank 0's"},
}

// TestDistributedMismatch: ranks whose models or settings differ get a
// *MismatchError on every rank, not a hang, naming the rank and saying
// what differs, the same on every rank.
func TestDistributedMismatch(t *testing.T) {
	for _, tc := range mismatches {
		t.Run(tc.name, func(t *testing.T) {
			errs := runRanks(t, 2, func(r int, tp parallel.Transport) error {
				model := digitsnet.MLP
				cfg := config(model, 0)
				if r == 1 {
					cfg = config(tc.model, 0)
					if tc.edit != nil {
						tc.edit(&cfg)
					}
				}
				_, err := parallel.NewDistributed(cfg, tp)
				return err
			})
			want := "parallel: replica 1 differs from replica 0: " + strings.ReplaceAll(tc.reason, "%s", "rank 0")
			for r, err := range errs {
				var me *parallel.MismatchError
				if !errors.As(err, &me) || me.Replica != 1 || err.Error() != want {
					t.Errorf("rank %d: got %v, want a *MismatchError %q", r, err, want)
				}
			}
		})
	}
}

// TestStepAllocatesNothing checks a warm step with 1 and 2 workers, on
// the MLP with dropout, the CNN and the BatchNorm MLP, and with
// Config.ClipGradNorm, with Adam's step in parts or whole.
func TestStepAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	tests := []struct {
		model       string
		clip, whole bool
	}{{"mlp", false, false}, {"cnn", false, false}, {"bn", false, false}, {"mlp", true, false}, {"mlp", true, true}}
	for _, tc := range tests {
		for _, w := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s/clip=%v/whole=%v/workers=%d", tc.model, tc.clip, tc.whole, w), func(t *testing.T) {
				cfg := config(models[tc.model], w)
				cfg.Checksum = false
				if tc.clip {
					cfg.ClipGradNorm = 0.1
				}
				if tc.whole {
					cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
						o, err := optim.NewAdam(ps, 3e-3)
						return whole{o}, err
					}
				}
				tr, err := parallel.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				defer tr.Close()
				wantWarmStepsAllocateNothing(t, tr, digitBatch(1, testRows))
			})
		}
	}
}

// TestConfigErrors checks every Config New refuses.
func TestConfigErrors(t *testing.T) {
	good := config(digitsnet.MLP, 2)
	tests := []struct {
		name  string
		edit  func(*parallel.Config[float32])
		field string
	}{
		{"no model", func(c *parallel.Config[float32]) { c.Model = nil }, "Model"},
		{"no optimizer", func(c *parallel.Config[float32]) { c.Optimizer = nil }, "Optimizer"},
		{"no loss", func(c *parallel.Config[float32]) { c.Loss = nil }, "Loss"},
		{"zero workers", func(c *parallel.Config[float32]) { c.Workers = 0 }, "Workers"},
		{"more workers than micro-batches", func(c *parallel.Config[float32]) { c.Workers, c.MicroBatches = 5, 4 }, "Workers"},
		{"negative micro-batches", func(c *parallel.Config[float32]) { c.MicroBatches = -1 }, "MicroBatches"},
		{"negative ClipGradNorm", func(c *parallel.Config[float32]) { c.ClipGradNorm = -1 }, "ClipGradNorm"},
		{"NaN ClipGradNorm", func(c *parallel.Config[float32]) { c.ClipGradNorm = math.NaN() }, "ClipGradNorm"},
		{"negative ClipNormType", func(c *parallel.Config[float32]) { c.ClipGradNorm, c.ClipNormType = 1, -2 }, "ClipNormType"},
		{"ClipNormType without ClipGradNorm", func(c *parallel.Config[float32]) { c.ClipNormType = 1 }, "ClipNormType"},
		{"nil model", func(c *parallel.Config[float32]) {
			c.Model = func() (layers.Module[float32], error) { return nil, nil }
		}, "Model"},
		{"the same model twice", func(c *parallel.Config[float32]) {
			m, _ := digitsnet.MLP(1)
			c.Model = func() (layers.Module[float32], error) { return m, nil }
		}, "Model"},
		{"replicas 1 and 2 share a model", func(c *parallel.Config[float32]) {
			shared, _ := digitsnet.MLP(2)
			n := 0
			c.Workers = 3
			c.Model = func() (layers.Module[float32], error) {
				n++
				if n == 1 {
					return digitsnet.MLP(1)
				}
				return shared, nil
			}
		}, "Model"},
		{"replicas share a BatchNorm's buffers", func(c *parallel.Config[float32]) {
			bn := layers.NewBatchNorm1d[float32](32)
			bn.Weight, bn.Bias = nil, nil // affine=False: buffers only
			c.Model = func() (layers.Module[float32], error) {
				rng := rand.New(rand.NewPCG(1, 2))
				return layers.NewSequential[float32](layers.Flatten[float32]{},
					layers.NewLinear(rng, 64, 32, layers.HeUniform[float32]), bn), nil
			}
		}, "Model"},
		// Fresh weights, one parallel.Dropout for all: two workers would
		// draw from its one generator at once.
		{"replicas share a parallel.Dropout", func(c *parallel.Config[float32]) {
			drop := parallel.NewDropout[float32](rand.New(rand.NewPCG(3, 4)), 0.5)
			c.Model = func() (layers.Module[float32], error) {
				rng := rand.New(rand.NewPCG(1, 2))
				return layers.NewSequential[float32](layers.Flatten[float32]{},
					layers.NewLinear(rng, 64, 10, layers.HeUniform[float32]), drop), nil
			}
		}, "Model"},
		{"layers.Dropout", func(c *parallel.Config[float32]) {
			c.Model = func() (layers.Module[float32], error) {
				rng := rand.New(rand.NewPCG(1, 2))
				return layers.NewMLP[float32](rng, []int{64, 8, 10}, nil, layers.MLPDropout(0.5)), nil
			}
		}, "Model"},
		// The check walks layers.Container's Children(): a layer of one's
		// own that lists its Dropout there has it found.
		{"layers.Dropout in a Container of one's own", func(c *parallel.Config[float32]) {
			c.Model = func() (layers.Module[float32], error) {
				rng := rand.New(rand.NewPCG(1, 2))
				lin := layers.NewLinear(rng, 64, 10, layers.HeUniform[float32])
				return layers.NewSequential[float32](layers.Flatten[float32]{}, wrap{lin, layers.NewDropout[float32](rng, 0.5)}), nil
			}
		}, "Model"},
		// Layers whose dropout has a generator of its own: the weights
		// would depend on the worker count.
		{"MultiheadAttention with dropout", func(c *parallel.Config[float32]) {
			c.Model = func() (layers.Module[float32], error) {
				rng := rand.New(rand.NewPCG(1, 2))
				return layers.NewSequential[float32](layers.NewMultiheadAttention[float32](rng, 8, 2).SetDropout(rng, 0.3)), nil
			}
		}, "Model"},
		{"LSTM with dropout", func(c *parallel.Config[float32]) {
			c.Model = func() (layers.Module[float32], error) {
				rng := rand.New(rand.NewPCG(1, 2))
				return layers.NewLSTM[float32](rng, 8, 8, layers.RecurrentOptions{NumLayers: 2, Dropout: 0.3}), nil
			}
		}, "Model"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			tr, err := parallel.New(cfg)
			var ce *parallel.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				if tr != nil {
					tr.Close()
				}
				t.Fatalf("got %v, want a *ConfigError on %s", err, tc.field)
			}
		})
	}
	t.Run("message", func(t *testing.T) {
		cfg := good
		cfg.Workers = 9
		_, err := parallel.New(cfg)
		if want := "parallel: Config.Workers = 9: must be between 1 and MicroBatches (8)"; err == nil || err.Error() != want {
			t.Errorf("got %v, want %q", err, want)
		}
	})
	t.Run("names the replicas that share", func(t *testing.T) {
		cfg := good
		cfg.Workers = 3
		shared, _ := digitsnet.MLP(2)
		n := 0
		cfg.Model = func() (layers.Module[float32], error) {
			if n++; n == 1 {
				return digitsnet.MLP(1)
			}
			return shared, nil
		}
		_, err := parallel.New(cfg)
		if want := "parallel: Config.Model = replica 2: shares parameters, buffers or layers with replica 1"; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("got %v, want %q...", err, want)
		}
	})
	t.Run("constructor error", func(t *testing.T) {
		cfg := good
		boom := errors.New("boom")
		cfg.Model = func() (layers.Module[float32], error) { return nil, boom }
		if _, err := parallel.New(cfg); !errors.Is(err, boom) {
			t.Errorf("got %v, want the constructor's error", err)
		}
	})
	t.Run("optimizer error", func(t *testing.T) {
		cfg := good
		cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			return optim.NewAdam(ps, -1)
		}
		if _, err := parallel.New(cfg); err == nil {
			t.Error("a negative learning rate was accepted")
		}
	})
	for _, tc := range mismatches {
		if tc.edit != nil {
			continue // one Config for every replica
		}
		t.Run("replicas differ: "+tc.name, func(t *testing.T) {
			cfg := good
			n := 0
			cfg.Model = func() (layers.Module[float32], error) {
				if n++; n == 2 {
					return tc.model(1)
				}
				return digitsnet.MLP(1)
			}
			want := "parallel: replica 1 differs from replica 0: " + strings.ReplaceAll(tc.reason, "%s", "replica 0")
			var me *parallel.MismatchError
			if _, err := parallel.New(cfg); !errors.As(err, &me) || me.Replica != 1 || err.Error() != want {
				t.Errorf("got %v, want a *MismatchError %q", err, want)
			}
		})
	}
}

// TestDistributedConfigErrors checks the Transports NewDistributed refuses.
func TestDistributedConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		tp    parallel.Transport
		field string
	}{
		{"nil", nil, "Transport"},
		{"rank outside the size", loopback{rank: 2, hub: &hub{size: 2}}, "Transport"},
		{"more ranks than micro-batches", loopback{rank: 0, hub: &hub{size: 9}}, "MicroBatches"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := parallel.NewDistributed(config(digitsnet.MLP, 0), tc.tp)
			var ce *parallel.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || tr != nil {
				t.Errorf("got %v, %v; want a *ConfigError on %s", tr, err, tc.field)
			}
		})
	}
}

// TestStepErrors checks the batches Step refuses, a diverged replica, a
// worker's panic, and ErrClosed.
func TestStepErrors(t *testing.T) {
	tr, err := parallel.New(config(digitsnet.MLP, 2))
	if err != nil {
		t.Fatal(err)
	}
	b := digitBatch(1, testRows)
	for name, bad := range map[string]parallel.Batch[float32]{
		"nil X":         {},
		"too few rows":  digitBatch(1, 7),
		"labels differ": {X: b.X, Labels: b.Labels[:10]},
		"Y rows differ": {X: b.X, Y: digitBatch(1, 10).X},
	} {
		var be *parallel.BatchError
		if _, err := tr.Step(bad); !errors.As(err, &be) {
			t.Errorf("%s: got %v, want a *BatchError", name, err)
		}
	}
	if _, err := tr.Step(digitBatch(1, 7)); err == nil || !strings.Contains(err.Error(), "the batch has 7 rows, fewer than its 8 micro-batches") {
		t.Errorf("a short batch: %v, want the row and micro-batch counts", err)
	}
	if _, err := tr.Step(b); err != nil {
		t.Errorf("a good batch after bad ones: %v", err)
	}
	func() {
		defer func() {
			var wp *parallel.WorkerPanic
			if e, ok := recover().(error); !ok || !errors.As(e, &wp) {
				t.Errorf("recovered %v, want a *WorkerPanic", e)
			}
		}()
		bad := parallel.Batch[float32]{X: tensorOnes(testRows*16).Reshape(testRows, 1, 4, 4), Labels: b.Labels}
		tr.Step(bad) // the Linear layer's shape error, in a worker
		t.Error("Step did not panic on a shape error")
	}()
	if _, err := tr.Step(b); !errors.Is(err, parallel.ErrClosed) {
		t.Errorf("after a panic: got %v, want ErrClosed", err)
	}

	t.Run("diverged", func(t *testing.T) {
		cfg := config(digitsnet.MLP, 2)
		n := 0
		cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
			n++
			o, err := optim.NewAdam(ps, 1e-3*float64(n)) // replica 1 has another rate
			return whole{o}, err                         // and its own optimizer
		}
		tr, err := parallel.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var de *parallel.DivergedError
		if _, err := tr.Step(b); !errors.As(err, &de) || de.Replica != 1 || de.Step != 1 {
			t.Errorf("got %v, want a *DivergedError for replica 1 at step 1", err)
		}
	})
}

// whole hides an optimizer's optim.SplitStepper methods, so that the
// trainer gives every replica an optimizer of its own that makes the whole
// step.
type whole struct{ optim.Optimizer[float32] }

// TestSplitStepSameBits checks that the optimizer's step shared among the
// workers (an optim.SplitStepper) gives the bits of every replica making
// the whole step with an optimizer of its own, for every model, with 1, 2
// and 3 workers, under the three non-finite policies (which check the
// gradients in a phase of their own).
func TestSplitStepSameBits(t *testing.T) {
	policies := []optim.NonFinitePolicy{optim.PropagateNonFinite, optim.SkipNonFinite, optim.ErrorNonFinite}
	for name, model := range models {
		for _, w := range []int{1, 2, 3} {
			for _, policy := range policies {
				if name != "partial" && policy != optim.PropagateNonFinite && w != 2 {
					continue // the policies on one model and one worker count suffice
				}
				t.Run(fmt.Sprintf("%s/workers=%d/%v", name, w, policy), func(t *testing.T) {
					var got [2][][]float32
					for i, hide := range []bool{false, true} {
						cfg := config(model, w)
						cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
							o, err := optim.NewAdam(ps, 3e-3, optim.WeightDecay(0.01), optim.NonFinite(policy))
							if hide {
								return whole{o}, err
							}
							return o, err
						}
						tr, err := parallel.New(cfg)
						if err != nil {
							t.Fatal(err)
						}
						for s := range 6 {
							if _, err := tr.Step(digitBatch(uint64(s%4), testRows)); err != nil {
								t.Fatalf("step %d: %v", s, err)
							}
						}
						got[i] = state(tr.Model())
						tr.Close()
					}
					if i, k := sameBits(got[1], got[0]); i >= 0 {
						t.Errorf("tensor %d element %d: %v shared, %v whole", i, k, got[0][i][k], got[1][i][k])
					}
				})
			}
		}
	}
}

// TestNonFiniteStep checks that a batch whose gradient is not finite
// makes one decision for the whole step, whoever checks which elements:
// under SkipNonFinite and ErrorNonFinite no weight moves, the step is
// counted in Skipped and (ErrorNonFinite) Step returns the optimizer's
// *optim.NonFiniteError; the trainer then goes on, with the same bits for
// any number of workers.
func TestNonFiniteStep(t *testing.T) {
	poisoned := digitBatch(1, testRows)
	poisoned.X = poisoned.X.Clone()
	poisoned.X.Data()[5*64+3] = float32(math.NaN()) // one row of the third micro-batch
	for _, policy := range []optim.NonFinitePolicy{optim.SkipNonFinite, optim.ErrorNonFinite} {
		var want [][]float32
		for _, w := range []int{1, 2, 3} {
			for _, hide := range []bool{false, true} {
				cfg := config(digitsnet.MLP, w)
				cfg.Optimizer = func(ps []*autograd.Var[float32]) (optim.Optimizer[float32], error) {
					o, err := optim.NewAdam(ps, 3e-3, optim.NonFinite(policy))
					if hide {
						return whole{o}, err
					}
					return o, err
				}
				tr, err := parallel.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tr.Step(digitBatch(0, testRows)); err != nil {
					t.Fatal(err)
				}
				before := state(tr.Model())
				_, err = tr.Step(poisoned)
				var nf *optim.NonFiniteError
				if (policy == optim.ErrorNonFinite) != errors.As(err, &nf) || (err != nil && nf == nil) {
					t.Errorf("%v, %d workers (whole %v): Step returned %v", policy, w, hide, err)
				}
				if i, k := sameBits(before, state(tr.Model())); i >= 0 {
					t.Errorf("%v, %d workers (whole %v): tensor %d element %d moved on a skipped step", policy, w, hide, i, k)
				}
				if n := tr.Optimizer().Skipped(); n != 1 {
					t.Errorf("%v, %d workers (whole %v): Skipped() = %d, want 1", policy, w, hide, n)
				}
				if _, err := tr.Step(digitBatch(2, testRows)); err != nil {
					t.Errorf("%v, %d workers (whole %v): the step after: %v", policy, w, hide, err)
				}
				got := state(tr.Model())
				tr.Close()
				if want == nil {
					want = got
				} else if i, k := sameBits(want, got); i >= 0 {
					t.Errorf("%v, %d workers (whole %v): tensor %d element %d differs from 1 worker's", policy, w, hide, i, k)
				}
			}
		}
	}
}

// TestOptimizerOfTrainer checks Trainer.Optimizer with the shared step:
// SetLR and LR reach the one optimizer, and a Step of it by hand leaves
// the replicas equal (the checksum of the next Trainer.Step would say).
func TestOptimizerOfTrainer(t *testing.T) {
	tr, err := parallel.New(config(digitsnet.MLP, 3))
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Step(digitBatch(0, testRows)); err != nil {
		t.Fatal(err)
	}
	o := tr.Optimizer()
	if err := o.SetLR(0.5); err != nil || o.LR() != 0.5 {
		t.Fatalf("SetLR(0.5): %v, LR() = %v", err, o.LR())
	}
	before := state(tr.Model())
	if err := o.Step(); err != nil { // zero gradients: Adam's moments still move the weights
		t.Fatal(err)
	}
	if i, _ := sameBits(before, state(tr.Model())); i < 0 {
		t.Error("Optimizer().Step() moved no weight")
	}
	o.ZeroGrad()
	if _, err := tr.Step(digitBatch(1, testRows)); err != nil {
		t.Errorf("the step after Optimizer().Step(): %v", err)
	}
	if len(o.Params()) != len(tr.Model().Parameters()) {
		t.Errorf("Params() has %d parameters, the model %d", len(o.Params()), len(tr.Model().Parameters()))
	}
}

// wrap is a module of one's own that holds its layers in fields and lists
// them in Children, as layers.Container asks: in, then out.
type wrap struct{ in, out layers.Module[float32] }

func (w wrap) Forward(x *autograd.Var[float32]) *autograd.Var[float32] {
	return w.out.Forward(w.in.Forward(x))
}

func (w wrap) Parameters() []*autograd.Var[float32] {
	return append(w.in.Parameters(), w.out.Parameters()...)
}

func (w wrap) NamedParameters() []layers.NamedParam[float32] {
	var out []layers.NamedParam[float32]
	for _, c := range w.Children() {
		for _, p := range c.Module.NamedParameters() {
			out = append(out, layers.NamedParam[float32]{Name: c.Name + "." + p.Name, Param: p.Param})
		}
	}
	return out
}

func (w wrap) Children() []layers.NamedModule[float32] {
	return []layers.NamedModule[float32]{{Name: "in", Module: w.in}, {Name: "out", Module: w.out}}
}
