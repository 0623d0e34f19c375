package bench

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// The checkpointing workload (issue 13): a stack of 8 pre-LN transformer
// blocks (d 128, 4 heads, MLP 4d, GELU, causal) on batch 8, sequence 128,
// trained once plainly and once with one autograd.Checkpoint per block. The
// benchmark reports the peak live heap of a training step, in MiB, for both
// and their ratio; the target is a ratio of at most 0.4.

const (
	ckBlocks = 8
	ckBatch  = 8
	ckSeq    = 128
	ckDim    = 128
	ckHeads  = 4
)

// ckBlock is x + MHA(LN1(x)), then x + fc2(GELU(fc1(LN2(x)))).
type ckBlock struct {
	ln1, ln2 *layers.LayerNorm[float32]
	attn     *layers.MultiheadAttention[float32]
	fc1, fc2 *layers.Linear[float32]
	probe    *heapProbe
}

func (b *ckBlock) forward(in ...*autograd.Var[float32]) *autograd.Var[float32] {
	x := in[0]
	h := b.ln1.Forward(x)
	x = autograd.Add(x, b.attn.Attend(h, h, h, nil, true))
	h = autograd.Reshape(b.ln2.Forward(x), ckBatch*ckSeq, ckDim)
	m := b.fc2.Forward(autograd.GELU(b.fc1.Forward(h)))
	return b.probe.at(autograd.Add(x, autograd.Reshape(m, ckBatch, ckSeq, ckDim)))
}

func (b *ckBlock) params() []*autograd.Var[float32] {
	var ps []*autograd.Var[float32]
	for _, m := range []layers.Module[float32]{b.ln1, b.ln2, b.attn, b.fc1, b.fc2} {
		ps = append(ps, m.Parameters()...)
	}
	return ps
}

// heapProbe records the largest live heap seen at its probe points: after
// a garbage collection, when a block's result is computed (in the forward
// pass, and again when a checkpoint recomputes it) and when the backward
// pass reaches it.
type heapProbe struct {
	peak uint64
	fn   autograd.Function[float32]
}

func newHeapProbe() *heapProbe {
	p := &heapProbe{}
	p.fn = autograd.Function[float32]{
		Name:    "HeapProbe",
		Forward: func(in ...*tensor.Tensor[float32]) *tensor.Tensor[float32] { p.measure(); return in[0] },
		Backward: func(c *autograd.Context[float32], g *autograd.Var[float32]) []*autograd.Var[float32] {
			p.measure()
			return []*autograd.Var[float32]{g}
		},
	}
	return p
}

func (p *heapProbe) at(x *autograd.Var[float32]) *autograd.Var[float32] { return p.fn.Apply(x) }

func (p *heapProbe) measure() {
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	p.peak = max(p.peak, ms.HeapAlloc)
}

// ckStack is the model, its input and target, and the probe its blocks
// share.
type ckStack struct {
	blocks []*ckBlock
	x, y   *tensor.Tensor[float32]
	probe  *heapProbe
}

func newCKStack() *ckStack {
	rng := rand.New(rand.NewPCG(13, 4))
	s := &ckStack{probe: newHeapProbe()}
	for range ckBlocks {
		s.blocks = append(s.blocks, &ckBlock{
			ln1: layers.NewLayerNorm[float32](ckDim), ln2: layers.NewLayerNorm[float32](ckDim),
			attn:  layers.NewMultiheadAttention[float32](rng, ckDim, ckHeads),
			fc1:   layers.NewLinear[float32](rng, ckDim, 4*ckDim, nil),
			fc2:   layers.NewLinear[float32](rng, 4*ckDim, ckDim, nil),
			probe: s.probe,
		})
	}
	s.x = tensor.RandNormal[float32](rng, 0, 1, ckBatch, ckSeq, ckDim)
	s.y = tensor.RandNormal[float32](rng, 0, 1, ckBatch, ckSeq, ckDim)
	return s
}

// step runs one forward and backward pass and returns the loss and the
// peak live heap measured during it.
func (s *ckStack) step(checkpoint bool) (float32, uint64) {
	var ps []*autograd.Var[float32]
	for _, b := range s.blocks {
		ps = append(ps, b.params()...)
	}
	autograd.ZeroGrad(ps...)
	s.probe.peak = 0
	s.probe.measure()
	x := autograd.Const(s.x)
	for _, b := range s.blocks {
		if checkpoint {
			x = autograd.Checkpoint(b.forward, x)
		} else {
			x = b.forward(x)
		}
	}
	loss := autograd.MSE(x, autograd.Const(s.y))
	s.probe.measure()
	loss.Backward()
	s.probe.measure()
	return loss.Item(), s.probe.peak
}

// BenchmarkCheckpointMemory reports the peak live heap of a training step of
// the 8-block stack without and with one checkpoint per block, and their
// ratio (target ≤ 0.4). It also checks that both give the same loss and
// gradients.
func BenchmarkCheckpointMemory(b *testing.B) {
	s := newCKStack()
	var plainPeak, ckPeak uint64
	for b.Loop() {
		var lp, lc float32
		lp, plainPeak = s.step(false)
		gp := s.blocks[0].fc1.Weight.Grad().Clone()
		lc, ckPeak = s.step(true)
		if lp != lc || !slices.Equal(gp.Data(), s.blocks[0].fc1.Weight.Grad().Data()) {
			b.Fatalf("checkpointing changed the step: loss %v vs %v", lp, lc)
		}
	}
	const mib = 1 << 20
	b.ReportMetric(float64(plainPeak)/mib, "plain-peak-MiB")
	b.ReportMetric(float64(ckPeak)/mib, "checkpoint-peak-MiB")
	b.ReportMetric(float64(ckPeak)/float64(plainPeak), "peak-ratio")
	if r := float64(ckPeak) / float64(plainPeak); r > 0.4 {
		b.Errorf("checkpointed peak live heap is %.2f of the plain one, want ≤ 0.40", r)
	}
}
