package bench

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/adjoint-go/adjoint/autograd"
	"github.com/adjoint-go/adjoint/layers"
	"github.com/adjoint-go/adjoint/tensor"
)

// seqTransformer is the tiny GPT block of gpt_test.go written with the
// sequence layers instead of ops: an Embedding, a PositionEmbedding, one
// layers.NewDecoderBlock (pre-LN, exact GELU, causal, no dropout), a final
// LayerNorm and a Linear head. It shares gpt's weights and batch (its
// Vars, not copies), so both compute the same loss; the parameter names
// are those of the PyTorch module in peers/torch_seq_transformer.py
// (nn.TransformerEncoderLayer's under "block.").
type seqTransformer struct {
	tok     *layers.Embedding[float32]
	pos     *layers.PositionEmbedding[float32]
	block   *layers.TransformerEncoderLayer[float32]
	lnf     *layers.LayerNorm[float32]
	head    *layers.Linear[float32]
	ids     *tensor.Tensor[float32]
	targets []int
	n       int // batch·seq
}

// newSeqTransformer returns the block on gpt's weights and batch.
func newSeqTransformer(batch, seq int) *seqTransformer {
	g := newGPT(batch, seq)
	// The block's own init is replaced by gpt's weights below.
	block := layers.NewDecoderBlock[float32](rand.New(rand.NewPCG(1, 1)), layers.TransformerConfig{
		DModel: gptDModel, NHead: gptHeads, DimFeedforward: gptHidden, Activation: "gelu", NormFirst: true,
	})
	block.SelfAttn.InProjWeight, block.SelfAttn.InProjBias = g.attn.Weight, g.attn.Bias
	block.SelfAttn.OutProj = g.proj
	block.Linear1, block.Linear2 = g.fc1, g.fc2
	block.Norm1, block.Norm2 = g.ln1, g.ln2
	return &seqTransformer{
		tok: g.tok, pos: &layers.PositionEmbedding[float32]{Weight: g.pos}, block: block, lnf: g.lnf, head: g.head,
		ids: g.ids, targets: g.targets, n: batch * seq,
	}
}

// namedParams returns the parameters under the PyTorch module's names.
func (s *seqTransformer) namedParams() []layers.NamedParam[float32] {
	var ps []layers.NamedParam[float32]
	for _, c := range []layers.NamedModule[float32]{{Name: "tok", Module: s.tok}, {Name: "pos", Module: s.pos},
		{Name: "block", Module: s.block}, {Name: "lnf", Module: s.lnf}, {Name: "head", Module: s.head}} {
		for _, p := range c.Module.NamedParameters() {
			ps = append(ps, layers.NamedParam[float32]{Name: c.Name + "." + p.Name, Param: p.Param})
		}
	}
	return ps
}

// loss is the mean next-token cross-entropy of the batch.
func (s *seqTransformer) loss(in feed) *autograd.Var[float32] {
	x := s.block.Forward(s.pos.Forward(s.tok.Forward(in(s.ids)))) // [batch seq d]
	logits := s.head.Forward(autograd.Reshape(s.lnf.Forward(x), s.n, gptDModel))
	return autograd.CrossEntropy(logits, s.targets)
}

// newSeqTransformerWorkload is one training step of the block with Adam;
// the export name for peers/torch_bench.py is "seq_transformer" (config
// as gpt's).
func newSeqTransformerWorkload(batch, seq int) *workload {
	s := newSeqTransformer(batch, seq)
	return &workload{
		kind:    trainStep,
		params:  s.namedParams(),
		data:    map[string]*tensor.Tensor[float32]{"ids": s.ids, "targets": labelTensor(s.targets)},
		config:  map[string]int{"batch": batch, "seq": seq, "vocab": gptVocab, "d_model": gptDModel, "heads": gptHeads, "hidden": gptHidden},
		forward: s.loss,
	}
}

// BenchmarkTransformerBlockStep times one training step of the GPT block
// built from the sequence layers (batch 8, seq 64, d_model 128, 4 heads,
// GELU MLP 512, causal, pre-LN, vocabulary 64): forward, cross-entropy,
// Backward, Adam, ZeroGrad. BenchmarkGPTStep is the same block written
// with ops.
func BenchmarkTransformerBlockStep(b *testing.B) {
	benchWorkload(b, func() *workload { return newSeqTransformerWorkload(8, 64) })
}

// TestTransformerBlockStepTrains: the layers' block gives the loss of the
// block written with ops (gpt_test.go, whose first loss has a float64
// reference) on the same weights, the plain loop and the Arena agree bit
// for bit, 6 steps bring the loss below 0.6 of its start, and a step under
// a warm Arena allocates nothing.
func TestTransformerBlockStepTrains(t *testing.T) {
	want := refGPTLoss(newGPT(2, 8))
	losses := checkArenaMatchesPlain(t, func() *workload { return newSeqTransformerWorkload(2, 8) }, 6)
	if math.Abs(losses[0]-want) > 1e-5*want {
		t.Errorf("initial loss %v, want the ops block's %v", losses[0], want)
	}
	checkTrains(t, losses, 0.6)
	r := newRunner(newSeqTransformerWorkload(2, 8), true)
	for range 3 {
		r.step()
	}
	if n := testing.AllocsPerRun(3, func() { r.step() }); n != 0 && !underRace {
		t.Errorf("%v allocations per step under a warm Arena, want 0", n)
	}
}
