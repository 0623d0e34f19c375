package bench

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers/optim"
	"github.com/adjoint-go/adjoint/tensor"
)

// article is the seed article's network in float64, in the article's layout:
// samples are columns, so X is features×samples (4×6) and Y is 1×6.
//
//	Z1 = Wihᵀ·X + bih,  h1 = σ(Z1)   (Wih 4×5, bih a scalar)
//	Z2 = Whoᵀ·h1 + bho, O = σ(Z2)    (Who 5×1, bho a scalar)
//	E  = Σ (Y − O)² / 2
type article struct {
	x, y               *autograd.Var[float64]
	wih, bih, who, bho *autograd.Var[float64]
	opt                *optim.SGD[float64]
	arena              *autograd.Arena[float64] // nil: every step allocates afresh
}

const (
	articleFeatures = 4
	articleHidden   = 5
	articleBatch    = 6
	articleLR       = 1.0
)

// newArticle builds the network with seeded random inputs, 0/1 targets and
// weights, and a plain SGD optimizer.
func newArticle(seed uint64) *article {
	rng := rand.New(rand.NewPCG(seed, 0xa7))
	y := tensor.Zeros[float64](1, articleBatch)
	for i := range y.Data() {
		y.Data()[i] = float64(rng.IntN(2))
	}
	a := &article{
		x:   autograd.Const(tensor.RandUniform[float64](rng, 0, 1, articleFeatures, articleBatch)),
		y:   autograd.Const(y),
		wih: autograd.Param(tensor.RandUniform[float64](rng, -1, 1, articleFeatures, articleHidden)),
		bih: autograd.Param(tensor.Scalar(rng.Float64() - 0.5)),
		who: autograd.Param(tensor.RandUniform[float64](rng, -1, 1, articleHidden, 1)),
		bho: autograd.Param(tensor.Scalar(rng.Float64() - 0.5)),
	}
	opt, err := optim.NewSGD([]*autograd.Var[float64]{a.wih, a.bih, a.who, a.bho}, articleLR)
	if err != nil {
		panic(err)
	}
	a.opt = opt
	return a
}

// loss records the forward pass and returns E and the hidden activations.
// With an arena, the step's memory is the arena's from its Reset on.
func (a *article) loss() (e, h1, o *autograd.Var[float64]) {
	x := a.x
	if a.arena != nil {
		a.arena.Reset()
		x = a.arena.Const(a.x.Value())
	}
	h1 = autograd.Sigmoid(autograd.Add(autograd.MatMulT(a.wih, x, true, false), a.bih))
	o = autograd.Sigmoid(autograd.Add(autograd.MatMulT(a.who, h1, true, false), a.bho))
	d := autograd.Sub(a.y, o)
	e = autograd.Scale(autograd.Sum(autograd.Mul(d, d)), 0.5)
	return e, h1, o
}

// step is one full training step: forward, backward, update, zero the
// gradients. It returns E before the update.
func (a *article) step() float64 {
	e, _, _ := a.loss()
	e.Backward()
	a.opt.Step()
	a.opt.ZeroGrad()
	return e.Item()
}

// BenchmarkArticleStep times one training step of the seed article's 4-5-1
// sigmoid network on a batch of 6 in float64: forward, Backward, SGD update,
// ZeroGrad. At this size the kernels are trivial, so the number is almost
// entirely the engine's overhead (graph recording, allocation, the walk).
// "arena" runs the step under an autograd.Arena, as a training loop should;
// "fresh" lets every step allocate its graph and buffers anew.
func BenchmarkArticleStep(b *testing.B) {
	name := goldenName(b)
	for _, mode := range []string{"arena", "fresh"} {
		b.Run(mode, func(b *testing.B) {
			a := newArticle(1)
			if mode == "arena" {
				a.arena = autograd.NewArena[float64]()
			}
			runtime.GC() // start without the previous benchmark's garbage (before the warm-up: see benchWorkload)
			// Warm up (the Arena's first steps allocate) and check E.
			checkGolden(b, name, articleValues(a))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N { // not b.Loop: see benchGemm (torch_bench.py runs this with -cpu 1,2)
				a.step()
			}
		})
	}
}

// TestArticleStepGradients compares the gradients of one article step with
// the article's hand-derived formulas, evaluated in plain Go:
//
//	δ2 = (O−Y)∘O(1−O)            dE/dWho = h1·δ2ᵀ,  dE/dbho = Σδ2
//	δ1 = (Who·δ2)∘h1(1−h1)       dE/dWih = X·δ1ᵀ,   dE/dbih = Σδ1
func TestArticleStepGradients(t *testing.T) {
	a := newArticle(7)
	e, h1v, ov := a.loss()
	e.Backward()

	x, y := a.x.Value(), a.y.Value()
	h1, o, who := h1v.Value(), ov.Value(), a.who.Value()
	d2 := make([]float64, articleBatch)
	var dbho float64
	for s := range articleBatch {
		ov := o.At(0, s)
		d2[s] = (ov - y.At(0, s)) * ov * (1 - ov)
		dbho += d2[s]
	}
	dwho := make([]float64, articleHidden)
	d1 := make([][]float64, articleHidden)
	var dbih float64
	for j := range articleHidden {
		d1[j] = make([]float64, articleBatch)
		for s := range articleBatch {
			hv := h1.At(j, s)
			dwho[j] += hv * d2[s]
			d1[j][s] = who.At(j, 0) * d2[s] * hv * (1 - hv)
			dbih += d1[j][s]
		}
	}
	dwih := make([]float64, articleFeatures*articleHidden)
	for i := range articleFeatures {
		for j := range articleHidden {
			for s := range articleBatch {
				dwih[i*articleHidden+j] += x.At(i, s) * d1[j][s]
			}
		}
	}
	assertClose(t, "dE/dWih", a.wih.Grad().Data(), dwih, 1e-12)
	assertClose(t, "dE/dbih", a.bih.Grad().Data(), []float64{dbih}, 1e-12)
	assertClose(t, "dE/dWho", a.who.Grad().Data(), dwho, 1e-12)
	assertClose(t, "dE/dbho", a.bho.Grad().Data(), []float64{dbho}, 1e-12)
}

// TestArticleStepDecreasesE checks that the benchmarked step trains: E falls
// at every one of 200 steps and ends well below where it started (the random
// 0/1 targets are not separable enough to drive E to zero that fast).
func TestArticleStepDecreasesE(t *testing.T) {
	a := newArticle(1)
	first := a.step()
	prev := first
	for i := range 200 {
		e := a.step()
		if math.IsNaN(e) || e > prev+1e-12 {
			t.Fatalf("step %d: E went from %g to %g", i+2, prev, e)
		}
		prev = e
	}
	if prev > 0.75*first {
		t.Errorf("E only fell from %g to %g in 200 steps, want below 3/4 of the start", first, prev)
	}
}

// TestArticleStepArenaMatchesFresh checks that the Arena changes no number:
// 50 steps under it give the same E at every step and the same weights, bit
// for bit, as 50 steps that allocate afresh.
func TestArticleStepArenaMatchesFresh(t *testing.T) {
	fresh, arena := newArticle(3), newArticle(3)
	arena.arena = autograd.NewArena[float64]()
	for i := range 50 {
		if ef, ea := fresh.step(), arena.step(); ef != ea {
			t.Fatalf("step %d: E = %v fresh, %v under an arena", i+1, ef, ea)
		}
	}
	for _, p := range [][2]*autograd.Var[float64]{{fresh.wih, arena.wih}, {fresh.who, arena.who}, {fresh.bih, arena.bih}, {fresh.bho, arena.bho}} {
		assertClose(t, "weights after 50 steps", p[1].Value().Data(), p[0].Value().Data(), 0)
	}
}
