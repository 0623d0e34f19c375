package autograd_test

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/tensor"
)

// TestNaNPropagates: a NaN in the data reaches the output and exactly the
// gradients it should, without a panic.
func TestNaNPropagates(t *testing.T) {
	nan := math.NaN()
	x := autograd.Const(t64([]float64{1, nan, 3, 4, 5, 6}, 2, 3))
	w := autograd.Param(t64([]float64{0.5, -1, 2}, 3))
	loss := autograd.Sum(autograd.Mul(x, w)) // w broadcast over rows
	if !math.IsNaN(loss.Item()) {
		t.Errorf("loss = %v, want NaN", loss.Item())
	}
	loss.Backward()
	// dL/dw[j] = Σ_i x[i][j]: only column 1 sees the NaN.
	checkTensor(t, "w.Grad()", w.Grad(), view([]int{3}, 5, nan, 9), 0)

	// A NaN parameter poisons the gradient of the other operand row-wise.
	a := autograd.Param(t64([]float64{1, 2, 3, 4}, 2, 2))
	b := autograd.Param(t64([]float64{nan, 1, 2, 3}, 2, 2))
	autograd.Sum(autograd.MatMul(a, b)).Backward()
	// dL/da = 1·bᵀ → row sums of b in every row: [nan 5] per row.
	checkTensor(t, "a.Grad()", a.Grad(), view([]int{2, 2}, nan, 5, nan, 5), 0)
	// dL/db = aᵀ·1 → column sums of a, NaN-free.
	checkTensor(t, "b.Grad()", b.Grad(), view([]int{2, 2}, 4, 4, 6, 6), 0)

	// Inf through Exp and Log: exp(1000) = +Inf, its gradient +Inf; log(0) = -Inf, gradient +Inf.
	e := autograd.Param(t64([]float64{1000, 0}, 2))
	autograd.Sum(autograd.Exp(e)).Backward()
	checkTensor(t, "exp'", e.Grad(), view([]int{2}, math.Inf(1), 1), 0)
	l := autograd.Param(t64([]float64{0}, 1))
	out := autograd.Log(l)
	if !math.IsInf(out.Item(), -1) {
		t.Errorf("Log(0) = %v, want -Inf", out.Item())
	}
	autograd.Sum(out).Backward()
	checkTensor(t, "log'(0)", l.Grad(), view([]int{1}, math.Inf(1)), 0)
}

// mlpData is the data of mlpStep, shared read-only by all goroutines: the
// race detector then also checks that no op writes into its inputs.
var mlpData = func() (x, y *V) {
	rng := newRand(41)
	return autograd.Const(tensor.RandNormal(rng, 0, 1.0, 8, 5)), autograd.Const(tensor.RandUniform(rng, 0, 1.0, 8, 2))
}

// mlpStep builds a small two-layer network on fixed data, differentiates it
// iter times, and returns the losses and every parameter gradient as raw bits.
func mlpStep(x, y *V, iter int) []uint64 {
	rng := newRand(42)
	w1 := autograd.Param(tensor.RandNormal(rng, 0, 0.5, 5, 16))
	b1 := autograd.Param(tensor.RandNormal(rng, 0, 0.1, 16))
	w2 := autograd.Param(tensor.RandNormal(rng, 0, 0.5, 2, 16)) // used transposed
	b2 := autograd.Param(tensor.RandNormal(rng, 0, 0.1, 1, 2))
	var bits []uint64
	for range iter {
		h := autograd.Tanh(autograd.Add(autograd.MatMul(x, w1), b1))
		o := autograd.Sigmoid(autograd.Add(autograd.MatMulT(h, w2, false, true), b2))
		loss := autograd.Add(autograd.MSE(o, y), autograd.Scale(autograd.Mean(autograd.Square(w1)), 1e-3))
		loss.Backward()
		bits = append(bits, math.Float64bits(loss.Item()))
	}
	for _, p := range []*V{w1, b1, w2, b2} {
		for _, v := range p.Grad().Data() {
			bits = append(bits, math.Float64bits(v))
		}
	}
	return bits
}

// TestConcurrentGraphs: goroutines building and differentiating their own
// graphs at once get bit-for-bit the serial result (run with -race).
func TestConcurrentGraphs(t *testing.T) {
	const workers, iters = 8, 5
	x, y := mlpData()
	want := mlpStep(x, y, iters)
	got := make([][]uint64, workers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			got[g] = mlpStep(x, y, iters)
		}()
	}
	close(start)
	wg.Wait()
	for g := range workers {
		if d := cmp.Diff(want, got[g]); d != "" {
			t.Errorf("goroutine %d differs from the serial result (-serial +concurrent bits):\n%s", g, d)
		}
	}
}

// TestDeepChain: Backward through a chain of 100,000 ops on a scalar must
// not recurse (a Go stack overflow is fatal) and gives the exact gradient.
func TestDeepChain(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	x := autograd.Param(tensor.Scalar(0.75))
	y := x
	// Forward-mode reference: dy/dx with exact binary arithmetic (×2, ×0.5, +1).
	value, deriv := 0.75, 1.0
	for i := range n {
		switch i % 4 {
		case 0, 2:
			y = autograd.Add(y, x)
			value, deriv = value+0.75, deriv+1
		case 1:
			y = autograd.Scale(y, 2)
			value, deriv = value*2, deriv*2
		case 3:
			y = autograd.Scale(y, 0.5)
			value, deriv = value*0.5, deriv*0.5
		}
	}
	if y.Item() != value {
		t.Errorf("value = %v, want %v", y.Item(), value)
	}
	y.Backward()
	checkTensor(t, "x.Grad()", x.Grad(), view([]int{}, deriv), 0)
	if deriv < float64(n)/4 {
		t.Fatalf("reference derivative %v is implausibly small", deriv)
	}
}

// TestBackwardReleasesSavedState: after Backward without RetainGraph the
// tensors the graph saved can be garbage collected while the output is
// still alive; with RetainGraph they stay.
func TestBackwardReleasesSavedState(t *testing.T) {
	for _, retain := range []bool{false, true} {
		name := "released"
		if retain {
			name = "retained"
		}
		t.Run(name, func(t *testing.T) {
			loss, w, collected := graphWithWatchedConst()
			if retain {
				loss.Backward(autograd.RetainGraph())
			} else {
				loss.Backward()
			}
			got := waitCollected(collected, !retain)
			runtime.KeepAlive(loss)
			if got != !retain {
				t.Errorf("saved constant collected = %v, want %v", got, !retain)
			}
			checkTensor(t, "w.Grad()", w.Grad(), view([]int{3}, 1, 2, 3), 0)
		})
	}
}

// graphWithWatchedConst returns loss = Sum(w ∘ c) for a constant c that only
// the graph references, and a channel closed when c's tensor is collected.
func graphWithWatchedConst() (loss, w *V, collected chan struct{}) {
	data := t64([]float64{1, 2, 3}, 3)
	collected = make(chan struct{})
	runtime.AddCleanup(data, func(ch chan struct{}) { close(ch) }, collected)
	w = autograd.Param(t64([]float64{4, 5, 6}, 3))
	loss = autograd.Sum(autograd.Mul(w, autograd.Const(data)))
	return loss, w, collected
}

// waitCollected runs the collector until the channel closes or, when it is
// not expected to, for a few cycles.
func waitCollected(ch chan struct{}, expect bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	cycles := 0
	for {
		runtime.GC()
		cycles++
		select {
		case <-ch:
			return true
		case <-time.After(10 * time.Millisecond):
		}
		if (!expect && cycles >= 5) || time.Now().After(deadline) {
			return false
		}
	}
}
