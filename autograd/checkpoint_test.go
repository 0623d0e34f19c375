package autograd_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// resBlock is a residual block, x + tanh(LayerNorm(x)·W1)·W2, with its
// parameters reached through the closure, as a module's are.
type resBlock struct{ w1, w2, g, b *autograd.Var[float64] }

func newResBlocks(rng *rand.Rand, n, d int) []resBlock {
	blocks := make([]resBlock, n)
	for i := range blocks {
		blocks[i] = resBlock{
			w1: autograd.Param(tensor.RandNormal(rng, 0.0, 0.5, d, 2*d)),
			w2: autograd.Param(tensor.RandNormal(rng, 0.0, 0.5, 2*d, d)),
			g:  autograd.Param(tensor.RandUniform(rng, 0.5, 1.5, d)),
			b:  autograd.Param(tensor.RandUniform(rng, -0.5, 0.5, d)),
		}
	}
	return blocks
}

func (r resBlock) forward(in ...*autograd.Var[float64]) *autograd.Var[float64] {
	x := in[0]
	h := autograd.LayerNorm(x, r.g, r.b, 1, 1e-5)
	return autograd.Add(x, autograd.MatMul(autograd.Tanh(autograd.MatMul(h, r.w1)), r.w2))
}

func (r resBlock) params() []*autograd.Var[float64] {
	return []*autograd.Var[float64]{r.w1, r.w2, r.g, r.b}
}

// stackLoss runs x through the blocks, each checkpointed or not, and
// returns the mean of the squared result.
func stackLoss(x *autograd.Var[float64], blocks []resBlock, checkpoint bool) *autograd.Var[float64] {
	for _, blk := range blocks {
		if checkpoint {
			x = autograd.Checkpoint(blk.forward, x)
		} else {
			x = blk.forward(x)
		}
	}
	return autograd.Mean(autograd.Mul(x, x))
}

// gradsOf runs one Backward of the stack and returns the loss and every
// gradient: the input's (when it is a Param) and each parameter's.
func gradsOf(t *testing.T, x *autograd.Var[float64], blocks []resBlock, checkpoint bool) (float64, []*tensor.Tensor[float64]) {
	t.Helper()
	var all []*autograd.Var[float64]
	for _, b := range blocks {
		all = append(all, b.params()...)
	}
	autograd.ZeroGrad(all...)
	x.ZeroGrad()
	loss := stackLoss(x, blocks, checkpoint)
	loss.Backward()
	var gs []*tensor.Tensor[float64]
	if x.RequiresGrad() {
		gs = append(gs, x.Grad().Clone())
	}
	for _, p := range all {
		if p.Grad() == nil {
			t.Fatalf("a parameter got no gradient (checkpoint %v)", checkpoint)
		}
		gs = append(gs, p.Grad().Clone())
	}
	return loss.Item(), gs
}

func TestCheckpointGivesTheSameBits(t *testing.T) {
	for _, xIsParam := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(7, 1))
		blocks := newResBlocks(rng, 4, 6)
		xv := tensor.RandNormal(rng, 0.0, 1.0, 5, 6)
		x := autograd.Const(xv)
		if xIsParam {
			x = autograd.Param(xv)
		}
		plainLoss, plain := gradsOf(t, x, blocks, false)
		ckLoss, ck := gradsOf(t, x, blocks, true)
		if plainLoss != ckLoss {
			t.Errorf("input is param %v: loss %v with checkpoints, %v without", xIsParam, ckLoss, plainLoss)
		}
		if d := cmp.Diff(viewsOf(plain), viewsOf(ck)); d != "" {
			t.Errorf("input is param %v: gradients differ (-plain +checkpoint):\n%s", xIsParam, d)
		}
	}
}

func viewsOf(ts []*tensor.Tensor[float64]) [][]float64 {
	out := make([][]float64, len(ts))
	for i, t := range ts {
		out[i] = t.Data()
	}
	return out
}

// TestCheckpointRecomputes counts fn's runs: once forward, once backward.
func TestCheckpointRecomputes(t *testing.T) {
	w := autograd.Param(tensor.MustNew([]float64{2}, 1))
	runs := 0
	fn := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		runs++
		return autograd.Mul(in[0], w)
	}
	x := autograd.Param(tensor.MustNew([]float64{3}, 1))
	y := autograd.Checkpoint(fn, x)
	if runs != 1 || y.Value().Data()[0] != 6 {
		t.Fatalf("after forward: %d runs, y %v; want 1 run, y 6", runs, y.Value().Data())
	}
	autograd.Sum(autograd.Mul(y, y)).Backward() // d/dx (xw)² = 2xw², d/dw = 2x²w
	if runs != 2 {
		t.Errorf("%d runs of fn, want 2", runs)
	}
	if gx, gw := x.Grad().Data()[0], w.Grad().Data()[0]; gx != 24 || gw != 36 {
		t.Errorf("gradients x %v, w %v; want 24, 36", gx, gw)
	}
}

func TestCheckpointUnderAnArena(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	blocks := newResBlocks(rng, 3, 4)
	xv := tensor.RandNormal(rng, 0.0, 1.0, 2, 4)
	_, plain := gradsOf(t, autograd.Param(xv), blocks, false)
	ar := autograd.NewArena[float64]()
	for range 2 { // the second round reuses the Arena's memory
		ar.Reset()
		x := ar.Param(xv)
		_, ck := gradsOf(t, x, blocks, true)
		if d := cmp.Diff(viewsOf(plain), viewsOf(ck)); d != "" {
			t.Fatalf("gradients under an Arena differ (-plain +checkpoint):\n%s", d)
		}
	}
}

// checkpointGradErr is the error of Grad, and of the transforms, through a
// Checkpoint.
const checkpointGradErr = "autograd: Checkpoint: only Backward differentiates through a Checkpoint; Grad cannot return the gradients of the parameters inside it, " +
	"nor can the transforms built on it (VJP, Jacobian, BatchJacobian, Hessian, HVP): call its fn directly there"

// checkpointForwardErr is forward mode's error through a Checkpoint.
const checkpointForwardErr = "autograd: Checkpoint: forward mode (JVP, Jacobian's forward mode, Hessian, HVP) does not differentiate through a Checkpoint; call its fn directly"

func TestCheckpointErrors(t *testing.T) {
	x := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	square := func(in ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Mul(in[0], in[0]) }
	cases := []struct {
		name string
		f    func()
		want string
	}{
		{"nil fn", func() { autograd.Checkpoint[float64](nil, x) }, "autograd: Checkpoint: fn is nil"},
		{"fn returns nil", func() {
			autograd.Checkpoint(func(...*autograd.Var[float64]) *autograd.Var[float64] { return nil }, x)
		}, "autograd: Checkpoint: fn returned nil"},
		{"nil input", func() { autograd.Checkpoint(square, x, nil) }, "autograd: Checkpoint: input 1 is nil"},
		{"Grad", func() {
			autograd.Grad([]*autograd.Var[float64]{autograd.Sum(autograd.Checkpoint(square, x))}, []*autograd.Var[float64]{x})
		}, checkpointGradErr},
		{"JVP", func() {
			autograd.JVP(func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Checkpoint(square, xs[0]) },
				[]*tensor.Tensor[float64]{x.Value()}, []*tensor.Tensor[float64]{x.Value()})
		}, checkpointForwardErr},
		{"Jacobian forward", func() {
			autograd.Jacobian(func(xs ...*autograd.Var[float64]) *autograd.Var[float64] { return autograd.Checkpoint(square, xs[0]) },
				[]*tensor.Tensor[float64]{x.Value()}, autograd.JacobianForward)
		}, checkpointForwardErr},
		{"Hessian", func() {
			autograd.Hessian(func(xs ...*autograd.Var[float64]) *autograd.Var[float64] {
				return autograd.Sum(autograd.Checkpoint(square, xs[0]))
			}, []*tensor.Tensor[float64]{x.Value()})
		}, checkpointGradErr},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			checkUsagePanic(t, c.f, c.want)
		})
	}
}

// TestCheckpointRecomputationDiffers: Backward refuses a segment that does
// not compute the same thing when run again, which would give gradients of
// a graph other than the one that made the loss: a value it reads that
// changed, a result that is nil or of another shape the second time.
func TestCheckpointRecomputationDiffers(t *testing.T) {
	w := autograd.Param(tensor.MustNew([]float64{1, 2, 3, 4, 5, 6, 7, 8}, 8))
	scale := autograd.Const(tensor.Ones[float64](8))
	scaled := func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
		return autograd.Mul(autograd.Mul(in[0], w), scale)
	}
	x := autograd.Const(tensor.Ones[float64](8))
	checkUsagePanic(t, func() {
		y := autograd.Sum(autograd.Checkpoint(scaled, x))
		scale.Value().Data()[3] = 2
		y.Backward()
	}, "autograd: Checkpoint: fn computed different values when run again (a random draw inside it that Checkpoint does not replay, "+
		"or a value it reads that changed since the forward pass); the gradients through the recomputed graph would be wrong")
	if w.Grad() != nil {
		t.Errorf("w got a gradient %v from the refused pass", w.Grad())
	}

	runs := 0
	changing := func(second *autograd.Var[float64]) func(...*autograd.Var[float64]) *autograd.Var[float64] {
		return func(in ...*autograd.Var[float64]) *autograd.Var[float64] {
			runs++
			if runs%2 == 0 {
				return second
			}
			return autograd.Mul(in[0], w)
		}
	}
	checkUsagePanic(t, func() { autograd.Sum(autograd.Checkpoint(changing(nil), x)).Backward() },
		"autograd: Checkpoint: fn returned nil when run again")
	se := mustShapeError(t, func() {
		autograd.Sum(autograd.Checkpoint(changing(autograd.Const(tensor.Zeros[float64](2))), x)).Backward()
	})
	if se.Op != "Checkpoint" || !strings.Contains(se.Reason, "different shape when run again") {
		t.Errorf("shape error %v, want Checkpoint's different shape", se)
	}
}

// TestGradRunsOnlyWhatItNeeds: Grad runs the derivatives on a path from
// the outputs down to its inputs only, as PyTorch's engine does. With
// h = Checkpoint(exp, x) and y = Σ h∘w, Grad(y, [w]) is h and Grad(y, [h])
// is w without touching the Checkpoint (torch 1.13's reentrant checkpoint
// gives the same: [2.718 7.389] and w); Grad(y, [x]) must go through it and
// panics as documented. A counting Function in a branch that leads to no
// input is not called, and an anomaly there is not reported.
func TestGradRunsOnlyWhatItNeeds(t *testing.T) {
	type V = autograd.Var[float64]
	exp := func(in ...*V) *V { return autograd.Exp(in[0]) }
	x := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	w := autograd.Param(tensor.MustNew([]float64{2, 3}, 2))
	h := autograd.Checkpoint(exp, x)
	y := autograd.Sum(autograd.Mul(h, w))
	gw := autograd.Grad([]*V{y}, []*V{w}, autograd.RetainGraph())[0]
	checkTensor(t, "dy/dw", gw.Value(), view([]int{2}, math.E, math.Exp(2)), 1e-15)
	gh := autograd.Grad([]*V{y}, []*V{h}, autograd.RetainGraph())[0]
	checkTensor(t, "dy/dh", gh.Value(), view([]int{2}, 2, 3), 0)
	checkUsagePanic(t, func() { autograd.Grad([]*V{y}, []*V{x}, autograd.RetainGraph()) },
		checkpointGradErr)
	// A parameter used inside fn is not in the outer graph: Grad with
	// respect to it must reach the Checkpoint and refuse, not return zeros.
	inner := autograd.Param(tensor.MustNew([]float64{1, 2}, 2))
	yi := autograd.Sum(autograd.Checkpoint(func(in ...*V) *V { return autograd.Mul(in[0], inner) }, x))
	checkUsagePanic(t, func() { autograd.Grad([]*V{yi}, []*V{inner}) },
		checkpointGradErr)

	calls := 0
	count := &autograd.Function[float64]{
		Name:    "Counted",
		Forward: func(in ...*tensor.Tensor[float64]) *tensor.Tensor[float64] { return in[0].Clone() },
		Backward: func(_ *autograd.Context[float64], g *V) []*V {
			calls++
			return []*V{g}
		},
	}
	// √z at 0 has an infinite derivative: an anomaly of the backward pass,
	// but in the branch of x only.
	z := autograd.Param(tensor.MustNew([]float64{0, 4}, 2))
	if err := autograd.DetectAnomaly(z); err != nil {
		t.Fatal(err)
	}
	defer autograd.StopDetectingAnomaly(z)
	u := autograd.Add(autograd.Sum(autograd.Mul(count.Apply(autograd.Sqrt(z)), x)), autograd.Sum(autograd.Square(w)))
	gw = autograd.Grad([]*V{u}, []*V{w}, autograd.RetainGraph())[0]
	checkTensor(t, "du/dw", gw.Value(), view([]int{2}, 4, 6), 0)
	if calls != 0 {
		t.Errorf("Grad ran the derivative of a branch that leads to no input %d times", calls)
	}
	gx := autograd.Grad([]*V{u}, []*V{x}, autograd.RetainGraph())[0]
	checkTensor(t, "du/dx", gx.Value(), view([]int{2}, 0, 2), 0)
	if calls != 0 {
		t.Errorf("Grad with respect to x ran the derivative of the other operand's branch %d times", calls)
	}
	// With respect to z the pass goes through Counted and finds the anomaly.
	var ae *autograd.AnomalyError
	if err := mustPanicError(t, func() { autograd.Grad([]*V{u}, []*V{z}) }); !errors.As(err, &ae) || ae.Op != "Sqrt" || calls != 1 {
		t.Errorf("Grad with respect to z: %v after %d calls of Counted's derivative, want Sqrt's anomaly after 1", err, calls)
	}
}
